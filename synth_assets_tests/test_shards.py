"""Shards: the same tables whatever the shard size or executor, and staging that stays safe
across steps (a shard staged once, a partial load never published, dead loads cleaned up).

They use the test-only light persona: three blocks of users (the last holding only its fixed
user), few rows each, so every shard layout is cheap to build and load."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from dagster import AssetKey, AssetSelection, DagsterEventType, DagsterInstance, materialize

from synth_assets import export, hooks, shards
from synth_assets.defs import tables
from synth_assets.generate.common import BLOCK_USERS, Context
from synth_assets.generate.frames import generate_all, shard_tables
from synth_assets.liveness import RunState
from synth_assets.load import postgres, staging
from synth_assets.load.target import as_target
from synth_assets.settings import SettingError
from synth_assets_tests.support.database import (
    checksums,
    other_database,
    query,
    stored_rows,
)
from synth_assets_tests.support.processes import BIN, ROOT
from synth_assets_tests.support.runs import (
    AS_OF,
    LIGHT,
    LIGHT_BLOCKS,
    LIGHT_DIR,
    light_assets,
    light_persona,
    resources_for,
)

PERSONA = LIGHT
BLOCKS = LIGHT_BLOCKS
SIZES = [BLOCK_USERS, 2 * BLOCK_USERS, 2500]  # three shards, an uneven two, one


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context(light_persona(), as_of=AS_OF)


@pytest.fixture(scope="module")
def whole(ctx) -> dict[str, pd.DataFrame]:
    return generate_all(ctx)


@pytest.fixture(scope="module")
def whole_loaded(database_url, whole) -> dict[str, str]:
    """The checksums of the whole persona loaded in one piece (a database of its own)."""
    url = other_database(database_url, "synth_whole_test")
    postgres.ensure_schema(url)
    postgres.replace_partition(url, PERSONA, whole, as_of=AS_OF)
    return checksums(url, PERSONA)


@pytest.mark.parametrize("shard_users", SIZES)
def test_shards_of_any_size_concatenate_to_the_whole_persona(ctx, whole, shard_users):
    plans = shards.plan(ctx, shard_users, "x", stage=False, export_dir=None)
    per = shard_users // BLOCK_USERS
    assert len(plans) == -(-BLOCKS // per)
    assert [list(p.blocks) for p in plans] == [
        list(range(i, min(i + per, BLOCKS))) for i in range(0, BLOCKS, per)
    ]
    parts = [shard_tables(ctx, p.blocks) for p in plans]
    for table, frame in whole.items():
        joined = pd.concat([part[table] for part in parts], ignore_index=True)
        pd.testing.assert_frame_equal(joined, frame, check_exact=True, obj=table)
    assert whole["users"]["is_fixed"].iloc[-1] and not whole["users"]["is_fixed"].iloc[0]


def test_a_shard_size_that_is_not_a_multiple_of_the_block_is_refused(ctx):
    with pytest.raises(ValueError, match="multiple of 250"):
        shards.plan(ctx, 300, "x", stage=False, export_dir=None)


def test_the_database_holds_the_same_rows_at_every_shard_size(
    database_url, whole, whole_loaded, monkeypatch
):
    """Three runs of its own, one per shard size: the shard size is what is tested."""
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(LIGHT_DIR))
    url = other_database(database_url, "synth_shards_test")
    sums = {}
    for shard_users in SIZES:
        instance = DagsterInstance.ephemeral()
        result = materialize(
            light_assets(),
            selection=AssetSelection.assets("postgres_tables").upstream(),  # no exports
            partition_key=PERSONA,
            resources=resources_for(url, shard_users=shard_users),
            instance=instance,
        )
        assert result.success
        sums[shard_users] = checksums(url, PERSONA)
        shard_steps = {
            e.step_key for e in result.all_events if "build_shard[" in (e.step_key or "")
        }
        assert len(shard_steps) == -(-BLOCKS // (shard_users // BLOCK_USERS))
        logged = [entry.user_message for entry in instance.all_logs(result.run_id)]
        progress = [line for line in logged if line.startswith("progress: ")]
        assert len(progress) == len(shard_steps)
        rows = sum(stored_rows(url, table, PERSONA) for table in whole)
        assert (
            f"{len(shard_steps)} of {len(shard_steps)} shards done, {rows:,} rows" in (progress[-1])
        ), progress
        assert progress[-1].endswith("all shards done") and "rows/s" in progress[-1]
    assert sums[BLOCK_USERS] == sums[2 * BLOCK_USERS] == sums[2500] == whole_loaded
    for table, frame in whole.items():
        assert stored_rows(url, table, PERSONA) == len(frame)
    assert staging.pending_loads(url) == []


def test_multiprocess_executor_runs_shards_in_processes_of_their_own(
    database_url, whole_loaded, tmp_path
):
    """The command a user types, with SYNTH_EXECUTOR=multiprocess: three shard steps, more
    than one process, and the same rows as the whole persona loaded in one piece."""
    url = other_database(database_url, "synth_multiprocess_test")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SYNTH_EXECUTOR": "multiprocess",
        "SYNTH_DATABASE_URL": url,
        "SYNTH_PERSONAS_DIR": str(LIGHT_DIR),
        "SYNTH_AS_OF": AS_OF.isoformat(),
        "SYNTH_SHARD_USERS": str(BLOCK_USERS),
        "SYNTH_EXPORT_DIR": str(tmp_path / "exports"),
    }
    command = [BIN / "dagster", "asset", "materialize", "-m", "synth_assets"]
    command += ["--select", "*postgres_tables", "--partition", PERSONA]
    command += ["--config-json", json.dumps({"execution": {"config": {"max_concurrent": 1}}})]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert checksums(url, PERSONA) == whole_loaded
    assert f"{BLOCKS} of {BLOCKS} shards done" in done.stderr  # the progress line, in the log
    os.environ["DAGSTER_HOME"], previous = str(home), os.environ.get("DAGSTER_HOME")
    try:
        with DagsterInstance.get() as instance:
            event = instance.get_latest_materialization_event(AssetKey("transactions"))
            metadata = event.asset_materialization.metadata
            steps = _step_spans(instance, event.run_id)
    finally:
        if previous is None:
            del os.environ["DAGSTER_HOME"]
        else:
            os.environ["DAGSTER_HOME"] = previous
    assert metadata["shards"].value == BLOCKS
    assert len(metadata["shard_pids"].value) > 1
    assert os.getpid() not in metadata["shard_pids"].value
    spans = sorted(span for key, span in steps.items() if "build_shard[" in key)
    assert len(spans) == BLOCKS
    # The run config's max_concurrent holds (the forkserver default leaves it in force).
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))


def _step_spans(instance: DagsterInstance, run_id: str) -> dict[str, tuple[float, float]]:
    """Each step's (start, end) time in a run, from its events."""
    spans: dict[str, list[float]] = {}
    kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS}
    for record in instance.get_records_for_run(run_id, of_type=kinds).records:
        entry = record.event_log_entry
        spans.setdefault(entry.step_key, []).append(entry.timestamp)
    return {key: (min(times), max(times)) for key, times in spans.items()}


def _stage_two_shards(url: str, ctx: Context, load: str, run_id: str) -> list:
    plans = shards.plan(ctx, 2 * BLOCK_USERS, load, stage=True, export_dir=None)
    staging.prepare(url, PERSONA, load, run_id, len(plans), lambda run: RunState.LIVE)
    return plans


def test_a_retried_shard_is_staged_once_and_a_partial_load_is_never_published(
    database_url, ctx, whole
):
    url = other_database(database_url, "synth_staging_test")
    postgres.ensure_schema(url)
    postgres.replace_partition(url, PERSONA, whole, as_of=AS_OF)
    before = checksums(url, PERSONA)
    plans = _stage_two_shards(url, ctx, "aaaa0000aaaa", "run-a")
    first = shard_tables(ctx, plans[0].blocks)
    assert staging.stage_shard(url, PERSONA, "aaaa0000aaaa", 0, first) is True
    assert staging.stage_shard(url, PERSONA, "aaaa0000aaaa", 0, first) is False  # a retry
    with pytest.raises(staging.StagingError, match="has 1 of 2 shards staged"):
        staging.publish(url, PERSONA, "aaaa0000aaaa", len(plans), as_of=AS_OF)
    assert checksums(url, PERSONA) == before
    second = shard_tables(ctx, plans[1].blocks)
    assert staging.stage_shard(url, PERSONA, "aaaa0000aaaa", 1, second) is True
    result = staging.publish(url, PERSONA, "aaaa0000aaaa", len(plans), as_of=AS_OF)
    assert result.rows["transactions"] == len(whole["transactions"])  # not doubled by the retry
    assert checksums(url, PERSONA) == before  # the same data, published from two shards
    assert staging.pending_loads(url) == []


def test_a_dead_runs_staging_is_removed_by_the_next_load_and_a_live_one_kept(
    database_url, ctx, whole
):
    url = other_database(database_url, "synth_cleanup_test")
    postgres.ensure_schema(url)
    postgres.replace_partition(url, PERSONA, whole, as_of=AS_OF)
    before = checksums(url, PERSONA)
    for load, run in (("dead0000dead", "run-dead"), ("a1ive000a1ve", "run-live")):
        plans = _stage_two_shards(url, ctx, load, run)
        staging.stage_shard(url, PERSONA, load, 0, shard_tables(ctx, plans[0].blocks))
    assert checksums(url, PERSONA) == before  # staged rows are invisible to readers
    dropped = staging.prepare(
        url,
        PERSONA,
        "next0000next",
        "run-next",
        1,
        lambda r: RunState.ENDED if r == "run-dead" else RunState.LIVE,
    )
    assert dropped == ["dead0000dead"]
    loads = {load for load, _ in staging.pending_loads(url)}
    assert loads == {"a1ive000a1ve", "next0000next"}
    staged = staging.staged_name("transactions", PERSONA, "dead0000dead")
    [[exists]] = query(url, "SELECT to_regclass(%s) IS NOT NULL", (f"synth_staging.{staged}",))
    assert not exists
    with pytest.raises(staging.StagingError, match="is gone"):
        staging.stage_shard(url, PERSONA, "dead0000dead", 1, whole)
    assert sorted(staging.cleanup(url, lambda r: RunState.ENDED)) == sorted(loads)
    assert staging.pending_loads(url) == []


def test_a_shard_whose_export_fails_raises_after_staging_and_its_retry_finishes_it(
    database_url, ctx, tmp_path
):
    """Export and stage run side by side: the export's error is raised once the stage has
    ended; the retry then writes the export part and finds the rows already staged."""
    url = other_database(database_url, "synth_overlap_test")
    postgres.ensure_schema(url)
    building = export.start_export(tmp_path, PERSONA, "20250101T000000Z", "run-overlap")
    blocker = building / export.PLAID_DIR
    blocker.rmdir()
    blocker.write_text("not a folder")  # the plaid files cannot be written
    [plan] = shards.plan(ctx, 3 * BLOCK_USERS, "0e1a90000000", stage=True, export_dir=str(building))
    staging.prepare(url, PERSONA, plan.load, "run-overlap", 1, lambda run: RunState.LIVE)
    with pytest.raises(NotADirectoryError):
        shards.run_shard(ctx, plan, url)
    [[staged]] = query(
        url, "SELECT count(*) FROM synth_staging.shards WHERE load_id = %s", (plan.load,)
    )
    assert staged == 1
    blocker.unlink()
    blocker.mkdir()
    result = shards.run_shard(ctx, plan, url)
    assert result.staged is False and set(result.phases) == {"generate", "judge", "export", "stage"}
    assert len(list(blocker.glob("*.json"))) == result.rows["users"]
    assert sorted(staging.cleanup(url, lambda r: RunState.ENDED)) == [plan.load]


def test_a_persona_file_edited_mid_run_does_not_mix_into_it(
    database_url, whole, tmp_path, monkeypatch
):
    """A run of its own. The plan pins the persona's content (and the seed, scale and as-of
    day): the file is edited after the plan, before the shards run, growing and then
    shrinking the persona. The run's tables are the planned file's, whole, and the run
    records the digest of what it generated from."""
    shutil.copy(LIGHT_DIR / f"{PERSONA}.yaml", tmp_path)
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(tmp_path))
    path = tmp_path / f"{PERSONA}.yaml"
    planned = light_persona()
    real = shards.run_shard
    original = path.read_text()
    assert "users: 500" in original
    sizes = iter([900, 120, 7])  # a shard at a time: grown, then shrunk

    def edited_first(ctx, shard, *args, **kwargs):
        path.write_text(original.replace("users: 500", f"users: {next(sizes)}"))
        return real(ctx, shard, *args, **kwargs)

    monkeypatch.setattr(shards, "run_shard", edited_first)
    url = other_database(database_url, "synth_pinned_test")
    instance = DagsterInstance.ephemeral()
    result = materialize(
        light_assets(),
        selection=AssetSelection.assets("postgres_tables").upstream(),
        partition_key=PERSONA,
        resources=resources_for(url),
        instance=instance,
    )
    assert result.success
    assert "users: 500" not in path.read_text()  # the file did change under the run
    for table, frame in whole.items():
        assert stored_rows(url, table, PERSONA) == len(frame), table
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags["synth/persona_sha256"] == planned.digest


def _age(url: str, load: str, hours: int) -> None:
    """Make ``load`` look silent for ``hours`` (its last heartbeat that long ago)."""
    query(
        url,
        "UPDATE synth_staging.loads SET heartbeat_at = now() - make_interval(hours => %s) "
        "WHERE load_id = %s RETURNING 1",
        (hours, load),
    )


def test_a_load_another_instance_runs_is_kept_until_it_falls_silent(database_url, ctx, monkeypatch):
    """A run of its own, on an instance that does not know the other load's run (another
    DAGSTER_HOME sharing the database): the other load's staging is kept. It is removed only
    once it has shown no heartbeat for a day; each shard it stages gives one."""
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(LIGHT_DIR))
    url = other_database(database_url, "synth_instances_test")
    postgres.ensure_schema(url)
    other = "0th3r0000000"
    plans = _stage_two_shards(url, ctx, other, "a-run-of-another-instance")
    staging.stage_shard(url, PERSONA, other, 0, shard_tables(ctx, plans[0].blocks))
    result = materialize(
        light_assets(),
        selection=AssetSelection.assets("postgres_tables").upstream(),
        partition_key=PERSONA,
        resources=resources_for(url),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    assert staging.pending_loads(url) == [(other, PERSONA)]
    unknown = lambda run: RunState.UNKNOWN  # noqa: E731
    _age(url, other, 25)
    staging.stage_shard(url, PERSONA, other, 1, shard_tables(ctx, plans[1].blocks))
    assert staging.cleanup(url, unknown) == []  # the shard's staging was a sign of work
    _age(url, other, 25)
    assert staging.cleanup(url, lambda run: RunState.LIVE) == []  # its own instance: alive
    assert staging.cleanup(url, unknown) == [other]
    assert staging.pending_loads(url) == []


def test_a_shard_on_another_database_or_without_the_export_folder_is_refused(
    database_url, ctx, tmp_path
):
    """What a worker deployed with other settings meets: the refusal names what differs."""
    url = other_database(database_url, "synth_planned_test")
    elsewhere = other_database(database_url, "synth_elsewhere_test")
    missing = tmp_path / "not-mounted"
    [plan] = shards.plan(
        ctx, 3 * BLOCK_USERS, "e1sewhere000", True, str(missing), staging.home(url)
    )
    with pytest.raises(staging.StagingError, match="SYNTH_DATABASE_URL") as refused:
        tables._can_do(plan, as_target(elsewhere))
    assert staging.home(url) in str(refused.value)
    with pytest.raises(SettingError, match=f"{missing} is not reachable"):
        tables._can_do(plan, as_target(url))
    missing.mkdir()
    tables._can_do(plan, as_target(url))


def test_another_personas_plan_and_publish_do_not_wait_for_an_open_shard_copy(database_url, ctx):
    """A shard's COPY holds its load's ledger row for its whole transaction; the ledger's
    upkeep must not queue behind it (an ALTER TABLE on every call did, for every persona)."""
    url = other_database(database_url, "synth_ledger_test")
    postgres.ensure_schema(url)
    [plan] = _stage_two_shards(url, ctx, "c0py0000c0py", "run-copy")[:1]
    tables = shard_tables(ctx, plan.blocks)
    in_copy, release = threading.Event(), threading.Event()

    def hold() -> None:
        in_copy.set()
        release.wait(60)

    with hooks.installed("copy", hold), ThreadPoolExecutor(1) as pool:
        staged = pool.submit(staging.stage_shard, url, PERSONA, "c0py0000c0py", 0, tables)
        assert in_copy.wait(60)
        try:  # two seconds, where the upkeep would wait for the COPY
            staging.prepare(url, "other", "0ther0000000", "run-other", 1,
                            lambda run: RunState.LIVE, timeout_s=2)  # fmt: skip
            assert staging.published(url, "other") is None
        finally:
            release.set()
        assert staged.result() is True
