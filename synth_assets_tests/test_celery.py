"""A real Celery deployment: two worker processes the test starts itself
(``celery -A synth_assets.celery_worker``), on kombu's filesystem transport (a broker that
needs no server, so the test runs on a fresh machine too) with Celery's file result backend,
and the command a user types with SYNTH_EXECUTOR=celery. A three-shard persona's shard steps
run in both workers, with the settings of the process that started the run (the workers'
own differ), the tables equal a plain load of the same rows, no file holds the broker's
password, and a worker killed mid-shard leaves the previous rows intact and a re-run
succeeds."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from dagster import AssetKey, DagsterRunStatus

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres, staging, target
from synth_assets_tests.support.celery import BROKER_PASSWORD, Deployment
from synth_assets_tests.support.database import checksums, other_database, query, waiting_loaders
from synth_assets_tests.support.processes import ROOT, descendants, wait_for
from synth_assets_tests.support.runs import AS_OF, LIGHT, LIGHT_BLOCKS, LIGHT_DIR, light_persona

pytestmark = pytest.mark.slow


@pytest.fixture
def deployment(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", os.environ.get("DAGSTER_HOME", str(tmp_path)))
    url = other_database(database_url, "synth_celery_test")
    deployed = Deployment(tmp_path, url, LIGHT, LIGHT_DIR)
    yield deployed, url
    deployed.stop()


def _loaded_checksums(url: str, seed: int) -> dict[str, str]:
    """The rows of ``seed``, loaded in one piece (a sharded publish gives the same rows:
    test_shards), as checksums. The runs below each follow another seed's rows, so their
    changes are a reset: these are too."""
    ctx = Context(light_persona(), seed=seed, as_of=AS_OF, reset=True)
    postgres.ensure_schema(url)
    postgres.replace_partition(url, LIGHT, generate_all(ctx), as_of=AS_OF, state=ctx.state)
    return checksums(url, LIGHT)


@contextmanager
def _shards_held_at_staging(url: str) -> Iterator[None]:
    """Hold the staging ledger: every shard step blocks once its rows are generated, before
    it stages them, until the block ends (a real lock, so a step is known to be mid-shard)."""
    staging.pending_loads(url)  # the ledger exists
    with target.connect(url) as holder:
        holder.execute(f"LOCK TABLE {staging.SCHEMA}.shards IN ACCESS EXCLUSIVE MODE")
        yield
        holder.rollback()


def _staged_shards(url: str, load: str) -> int:
    return query(url, f"SELECT count(*) FROM {staging.SCHEMA}.shards WHERE load_id = %s", (load,))[
        0
    ][0]


# What a Celery deployment could leave in the folder it runs from (kombu's default folders).
KOMBU_FOLDERS = {"control", "data_in", "data_out", "processed"}


def test_shards_run_on_two_celery_workers_and_survive_losing_one(deployment, tmp_path):
    deployed, url = deployment
    expected = _loaded_checksums(url, seed=7)
    baseline = _loaded_checksums(url, seed=42)

    instance = deployed.instance()  # its storage is created before any process shares it
    workers = [deployed.start_worker(name) for name in ("w1", "w2")]
    exported_here = set((ROOT / "exports").glob(f"{LIGHT}/*"))
    with _shards_held_at_staging(url):
        run = deployed.materialize(seed=7, select="*")
        # Each worker runs one shard at a time: two held shards are one in each worker.
        wait_for(lambda: waiting_loaders(url) == 2, 200, "a shard held in each worker")
    output = run.communicate(timeout=200)[0].decode()
    assert run.returncode == 0, output[-4000:]
    assert checksums(url, LIGHT) == expected  # the run's day, seed and shards, not a worker's
    [export] = (deployed.env_path("SYNTH_EXPORT_DIR") / LIGHT).iterdir()
    assert (export / "sync" / AS_OF.isoformat()).is_dir()
    assert set((ROOT / "exports").glob(f"{LIGHT}/*")) == exported_here
    metadata = instance.get_latest_materialization_event(
        AssetKey("transactions")
    ).asset_materialization.metadata
    assert metadata["shards"].value == LIGHT_BLOCKS
    pids = set(metadata["shard_pids"].value)
    ran_in = {w.pid for w in workers if pids & descendants(w.pid)}
    assert ran_in == {w.pid for w in workers}, (pids, [descendants(w.pid) for w in workers])

    # Back to the baseline, then a run of other data that loses a worker mid-shard.
    assert _loaded_checksums(url, seed=42) == baseline
    with _shards_held_at_staging(url):
        run = deployed.materialize(seed=7)
        wait_for(lambda: waiting_loaders(url) == 2, 200, "a shard held in each worker")
        deployed.kill_worker("w2")
        deployed.start_worker("w3")  # for the re-run (it starts while this run ends)
        run.send_signal(signal.SIGINT)  # the run would wait on the lost step: the user stops it
    run.communicate(timeout=120)  # once w1's shard is let go (the run waits for it)
    assert checksums(url, LIGHT) == baseline, "a run that lost a worker changed the tables"
    [interrupted] = instance.get_runs(limit=1)
    assert interrupted.status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
    dead = staging.load_id(interrupted.run_id)  # w1's shard of it is staged: rows to clean
    wait_for(lambda: _staged_shards(url, dead) >= 1, 60, "the dead run's shard staged")

    rerun = deployed.materialize(seed=7)
    output = rerun.communicate(timeout=200)[0].decode()
    assert rerun.returncode == 0, output[-4000:]
    assert checksums(url, LIGHT) == expected
    assert staging.pending_loads(url) == [], "the interrupted run's staging was not removed"
    # The broker's files (kombu's control folder too) stay in the deployment's folder.
    assert not {p.name for p in ROOT.iterdir()} & KOMBU_FOLDERS
    # No file a worker or a run wrote (DAGSTER_HOME: storage, logs, step outputs) holds the
    # broker's password (dagster-celery's `worker start` wrote it into a config module).
    holding = [
        path for path in tmp_path.rglob("*")
        if path.is_file() and BROKER_PASSWORD.encode() in path.read_bytes()
    ]  # fmt: skip
    assert holding == []
    assert not (deployed.home / "dagster_celery").exists()
