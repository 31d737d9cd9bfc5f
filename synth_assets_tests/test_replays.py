"""Changes across gaps and edits: the day's changes run from the day the persona was last
published with the same state (persona file, seed, scale, release), whatever lies between,
and a change of state is a reset a client can see, never a silent partial delta."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from dagster import AssetSelection, DagsterInstance, materialize

from synth_assets.checks import integrity
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.liveness import RunState
from synth_assets.load import postgres, staging
from synth_assets.plaid import sync, views
from synth_assets_tests.support.database import checksums, other_database, query
from synth_assets_tests.support.runs import (
    AS_OF,
    LIGHT,
    LIGHT_DIR,
    light_assets,
    light_persona,
    metadata_of,
    resources_for,
)

D = AS_OF
ONE = dt.timedelta(days=1)
UNCHANGED = ("users", "accounts", "transactions", "liabilities", "content", "jobs")


@pytest.fixture(scope="module")
def persona():
    return light_persona()


@pytest.fixture(scope="module")
def first_day(persona) -> dict[str, pd.DataFrame]:
    return generate_all(Context(persona, as_of=D))


def _objects(transactions: pd.DataFrame) -> dict[str, dict]:
    return {t["transaction_id"]: t for t in views.transaction_objects(transactions)}


def _apply(held: dict[str, dict], tables: dict[str, pd.DataFrame], ctx: Context) -> dict:
    """What a Plaid client does with a day's /transactions/sync pages."""
    pages = sync.sync_pages(
        tables["accounts"], tables["transactions"], tables["transaction_changes"],
        ctx.as_of, ctx.changes_since,
    )  # fmt: skip
    held = dict(held)
    for _, _, page in pages:
        assert page["since"] == (ctx.changes_since and ctx.changes_since.isoformat())
        if page["since"] is None:  # a reset: start over
            held = {
                k: v
                for k, v in held.items()
                if v["account_id"] != page["accounts"][0]["account_id"]
            }
        for gone in page["removed"]:
            assert held.pop(gone["transaction_id"])["account_id"] == gone["account_id"]
        for new in page["added"]:
            assert new["transaction_id"] not in held
            held[new["transaction_id"]] = new
    return held


@pytest.mark.parametrize(
    "later",
    [D + 3 * ONE, D + 40 * ONE, D - 2 * ONE],
    ids=["three days on", "over a month on", "two days back"],
)
def test_changes_from_the_published_day_replay_across_a_gap(persona, first_day, later):
    """D -> D+3 (a nightly gap), D -> D+40 (months the day's own history would not reach),
    and back: the changes measured from D, applied to D's objects, give the later day's."""
    ctx = Context(persona, as_of=later, since=D)
    tables = generate_all(ctx)
    changes = tables["transaction_changes"]
    assert changes["since"].eq(pd.Timestamp(D)).all() and len(changes) > 0
    held = _apply(_objects(first_day["transactions"]), tables, ctx)
    assert held == _objects(tables["transactions"])
    findings = integrity.changes_integrity(
        changes, tables["transactions"], tables["accounts"], later, D
    )
    assert all(f.passed for f in findings), [f for f in findings if not f.passed]


def test_the_day_before_alone_does_not_replay_a_gap(persona, first_day):
    """The defect: D+3's changes from D+2, applied to D, leave stale rows and miss others."""
    ctx = Context(persona, as_of=D + 3 * ONE)
    tables = generate_all(ctx)
    with pytest.raises((AssertionError, KeyError)):  # stale rows, or removals of the unknown
        assert _apply(_objects(first_day["transactions"]), tables, ctx) == _objects(
            tables["transactions"]
        )


@pytest.mark.parametrize("since", [None, D - 45 * ONE, D + 3 * ONE])
def test_where_the_changes_start_changes_nothing_else(personas, frames, since):
    """The tables of a day (loans, savings and card statements included) are the same
    whichever day its changes are measured from."""
    tables = generate_all(Context(personas["family"], as_of=D, since=since, reset=since is None))
    for name in UNCHANGED:
        pd.testing.assert_frame_equal(tables[name], frames["family"][name], obj=name)


def test_a_reset_adds_the_whole_table_and_says_so(persona):
    """From nothing: every row is added, nothing removed, ``since`` is null on every
    change and page; a client that drops what it held ends with exactly the day's rows."""
    ctx = Context(persona, as_of=D, reset=True)
    tables = generate_all(ctx)
    changes = tables["transaction_changes"]
    assert changes["since"].isna().all()
    assert changes["change"].eq("added").all()
    assert set(changes["transaction_id"]) == set(tables["transactions"]["transaction_id"])
    account = tables["accounts"]["account_id"].iloc[0]
    stale = {"not-a-row": {"transaction_id": "not-a-row", "account_id": account}}
    assert _apply(stale, tables, ctx) == _objects(tables["transactions"])
    findings = integrity.changes_integrity(
        changes, tables["transactions"], tables["accounts"], D, None
    )
    assert all(f.passed for f in findings)


def test_the_changes_rule_catches_another_start_and_a_partial_reset(persona, first_day):
    tables = first_day
    changes, tx, accounts = (
        tables["transaction_changes"], tables["transactions"], tables["accounts"],
    )  # fmt: skip

    def failed(changes, since) -> set[str]:
        return {f.rule for f in integrity.changes_integrity(changes, tx, accounts, D, since)
                if not f.passed}  # fmt: skip

    assert failed(changes, D - ONE) == set()
    assert failed(changes, D - 3 * ONE) == {f"changes start from {D - 3 * ONE}"}
    assert failed(changes, None) == {
        "changes start from nothing (a reset)",
        "from nothing, every row of the table is added",
    }


def test_the_state_names_what_the_rows_are_a_function_of(persona):
    base = Context(persona, as_of=D)
    assert base.state == Context(persona, as_of=D + ONE, since=D).state
    edited = persona.model_copy(update={"users": persona.users + 1})
    others = [Context(persona, seed=7, as_of=D), Context(persona, scale=2.0, as_of=D),
              Context(edited, as_of=D)]  # fmt: skip
    assert len({base.state, *(c.state for c in others)}) == 4


def _run(url: str, day: dt.date, instance: DagsterInstance):
    result = materialize(
        light_assets(),
        selection=AssetSelection.all(),
        partition_key=LIGHT,
        resources=resources_for(url, as_of=day.isoformat()),
        instance=instance,
    )
    assert result.success
    return result


def _stored(url: str, day: dt.date) -> tuple[set[str], pd.DataFrame]:
    """The light persona's transaction ids, and the changes of ``day``, as stored."""
    ids = {str(r[0]) for r in query(url, "SELECT transaction_id FROM transactions")}
    changes = pd.DataFrame(
        query(url, "SELECT transaction_id::text, change, since FROM transaction_changes "
              "WHERE as_of = %s", (day,)),
        columns=["transaction_id", "change", "since"],
    )  # fmt: skip
    return ids, changes


def _pages(result) -> list[dict]:
    folder = Path(metadata_of(result, "exports")["directory"].value)
    return [json.loads(p.read_text()) for p in sorted(folder.glob("sync/*/*/*.json"))]


def test_runs_publish_changes_from_the_last_published_day_and_reset_on_an_edit(
    database_url, monkeypatch, tmp_path
):
    """Runs of its own: what runs publish over days is what is tested. D, then D+3 (a gap):
    the changes and pages start from D and replay D's table to D+3's. The persona edited,
    D+4: a reset, said in the table, the pages and the run. D+4 again: the same changes."""
    folder = tmp_path / "personas"
    folder.mkdir()
    shutil.copy(LIGHT_DIR / f"{LIGHT}.yaml", folder)
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(folder))
    url = other_database(database_url, "synth_replay_test")
    instance = DagsterInstance.ephemeral()
    _run(url, D, instance)
    held, _ = _stored(url, D)

    later = _run(url, D + 3 * ONE, instance)
    now, changes = _stored(url, D + 3 * ONE)
    assert changes["since"].eq(D).all() and len(changes) > 0
    removed = set(changes.loc[changes["change"] == "removed", "transaction_id"])
    added = set(changes.loc[changes["change"] == "added", "transaction_id"])
    assert removed <= held and not added & held
    assert (held - removed) | added == now
    assert {page["since"] for page in _pages(later)} == {D.isoformat()}
    assert metadata_of(later, "postgres_tables")["changes_since"].value == D.isoformat()

    path = folder / f"{LIGHT}.yaml"
    path.write_text(
        path.read_text().replace("transactions_per_month: 4", "transactions_per_month: 6")
    )
    edited = _run(url, D + 4 * ONE, instance)
    now, changes = _stored(url, D + 4 * ONE)
    assert changes["since"].isna().all() and changes["change"].eq("added").all()
    assert set(changes["transaction_id"]) == now
    assert {page["since"] for page in _pages(edited)} == {None}
    logged = "\n".join(e.user_message for e in instance.all_logs(edited.run_id))
    assert "changes are a reset (clients start over)" in logged

    again = _run(url, D + 4 * ONE, instance)
    assert (
        _stored(url, D + 4 * ONE)[1]
        .sort_values("transaction_id")
        .equals(changes.sort_values("transaction_id"))
    )
    assert {page["since"] for page in _pages(again)} == {None}


def _publish(url: str, ctx: Context, basis: staging.Basis, load: str):
    """A load of ``ctx``'s tables measured from ``basis``, staged and then published."""
    ctx = replace(ctx, since=basis.since, reset=basis.reset)
    staging.prepare(url, LIGHT, load, load, 1, lambda run: RunState.LIVE)
    staging.stage_shard(url, LIGHT, load, 0, generate_all(ctx))
    return lambda: staging.publish(
        url, LIGHT, load, 1, as_of=ctx.as_of, state=ctx.state, basis=basis,
        since=ctx.changes_since,
    )  # fmt: skip


def test_a_load_measured_from_a_day_no_longer_published_is_refused(database_url, persona):
    """Two loads plan from the same publication; the second to publish is refused, naming
    what to do, and the first's tables stay."""
    url = other_database(database_url, "synth_basis_test")
    postgres.ensure_schema(url)
    first = Context(persona, as_of=D)
    _publish(url, first, staging.Basis(), "aaaa0000aaaa")()
    published = staging.published(url, LIGHT)
    assert published == staging.Published(D, D - ONE, first.state)
    planned = staging.changes_basis(published, D + 2 * ONE, first.state)
    assert planned == staging.Basis(D)
    slow = _publish(url, Context(persona, as_of=D + 2 * ONE), planned, "bbbb0000bbbb")
    _publish(url, Context(persona, as_of=D + ONE), planned, "cccc0000cccc")()
    before = checksums(url, LIGHT)
    with pytest.raises(staging.ReplayError, match="Run it again"):
        slow()
    assert checksums(url, LIGHT) == before
    assert staging.published(url, LIGHT).as_of == D + ONE
