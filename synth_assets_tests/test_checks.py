"""Integrity checks: the plain rules catch each defect; in Dagster a failing check blocks the loader."""

import pandas as pd
import pytest
from dagster import DagsterInstance, materialize

from synth_assets.checks import integrity
from synth_assets.definitions import ALL_ASSETS
from synth_assets.generate import frames as generation
from synth_assets.liveness import RunState
from synth_assets.load import staging
from synth_assets_tests.support.database import query, stored_rows
from synth_assets_tests.support.runs import resources_for


def test_unique_reports_duplicates_and_nulls():
    frame = pd.DataFrame({"id": ["a", "b", "b", None]})
    finding = integrity.unique(frame, "id")
    assert not finding.passed
    assert finding.failures == 3
    assert finding.examples[:1] == ["b"]


def test_foreign_key_reports_orphans_and_respects_nullable():
    parent = pd.DataFrame({"id": ["u1", "u2"]})
    child = pd.DataFrame({"user_id": ["u1", "ghost", None]})
    assert integrity.foreign_key(child, "user_id", parent, "id").failures == 2
    nullable = integrity.foreign_key(child, "user_id", parent, "id", nullable=True)
    assert nullable.failures == 1 and nullable.examples == ["ghost"]


def test_every_shipped_persona_passes_integrity(frames):
    for name, f in frames.items():
        findings = [
            integrity.unique(f["users"], "email"),
            integrity.foreign_key(f["transactions"], "account_id", f["accounts"], "account_id"),
            integrity.one_completed_job_per_content(f["content"], f["jobs"]),
        ]
        assert all(x.passed for x in findings), (name, findings)


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(
            lambda jobs: jobs[jobs["status"] != "completed"], id="content without its job"
        ),
        pytest.param(
            lambda jobs: pd.concat(
                [jobs, jobs[jobs["status"] == "completed"].head(1).assign(id="x")]
            ),
            id="two completed jobs",
        ),
        pytest.param(
            lambda jobs: jobs.assign(prompt=jobs["prompt"].where(jobs.index != 0, "other")),
            id="prompt differs",
        ),
    ],
)
def test_content_job_pairing_catches_each_defect(frames, corrupt):
    f = frames["student"]
    finding = integrity.one_completed_job_per_content(f["content"], corrupt(f["jobs"]))
    assert not finding.passed and finding.failures >= 1 and finding.examples


def jobs_missing_one(real):
    """The real generator's jobs minus one completed job: valid for the database's constraints,
    invalid for the product (a content item without its job), so only the check can stop it."""

    def generate(ctx, users, content):
        frame = real(ctx, users, content)
        return frame.drop(index=frame.index[frame["status"] == "completed"][0])

    return generate


def banking_in_store_typo(real):
    """Real accounts and transactions, with Plaid's "in store" misspelt "in_store" on ten rows
    of each block."""

    def generate(ctx, block, users):
        banking = real(ctx, block, users)
        banking.transactions.loc[banking.transactions.index[:10], "payment_channel"] = "in_store"
        return banking

    return generate


@pytest.mark.parametrize(
    ("generator", "corrupt", "table", "check", "failures_key"),
    [
        (
            "generate_jobs",
            jobs_missing_one,
            "jobs",
            "integrity",
            "one completed job with the same prompt per content item: failures",
        ),
        (
            "banking_block",
            banking_in_store_typo,
            "transactions",
            "plaid_format",
            "Plaid format: failures",
        ),
    ],
)
def test_failing_check_blocks_the_loader(
    database_url, monkeypatch, generator, corrupt, table, check, failures_key
):
    """Two blocks in two shards, each with the defect: the check adds up both shards' failures,
    names the shard of each example, and nothing is published. A run of its own: its
    generator is broken on purpose."""
    persona = "retiree"
    stored = stored_rows(database_url, table, persona)
    monkeypatch.setattr(generation, generator, corrupt(getattr(generation, generator)))
    result = materialize(
        ALL_ASSETS,
        partition_key=persona,
        resources=resources_for(database_url, scale=7, shard_users=250),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    evaluations = {
        (e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()
    }
    failed = evaluations[(table, check)]
    assert not failed.passed
    per_block = 1 if table == "jobs" else 10
    assert failed.metadata[failures_key].value == 2 * per_block
    examples = " ".join(str(v.value) for k, v in failed.metadata.items() if k.endswith("examples"))
    assert "(shard 1/2)" in examples and ("(shard 2/2)" in examples or per_block > 1)
    shard_steps = {
        e.step_key for e in result.all_events if e.step_key and "build_shard[" in e.step_key
    }
    assert len(shard_steps) == 2
    loader_events = {
        e.event_type_value for e in result.all_events if e.step_key == "postgres_tables"
    }
    assert "STEP_START" not in loader_events, "the loader ran although a blocking check failed"
    assert evaluations[("users", "integrity")].passed
    assert stored_rows(database_url, table, persona) == stored
    # The run's staging holds no shard (a blocked shard stages nothing) and is removed once
    # its run has ended: by the next load of the persona, or by a cleanup.
    load = staging.load_id(result.run_id)
    assert (load, persona) in staging.pending_loads(database_url)
    [[shards_staged]] = query(
        database_url, "SELECT count(*) FROM synth_staging.shards WHERE load_id = %s", (load,)
    )
    staged_table = f"synth_staging.{staging.staged_name(table, persona, load)}"
    [[rows_staged]] = query(database_url, f"SELECT count(*) FROM {staged_table}")
    assert (shards_staged, rows_staged) == (0, 0)  # sent while judged, then rolled back
    assert staging.cleanup(database_url, _ended(result.run_id), persona) == [load]
    assert (load, persona) not in staging.pending_loads(database_url)


def _ended(run_id: str):
    """A judge that knows ``run_id`` has ended and every other run is live."""
    return lambda run: RunState.ENDED if run == run_id else RunState.LIVE
