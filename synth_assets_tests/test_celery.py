"""A real Celery deployment: two `dagster-celery` worker processes the test starts itself, on
kombu's filesystem transport (a broker that needs no server, so the test runs on a fresh
machine too) with Celery's file result backend, and the command a user types with
SYNTH_EXECUTOR=celery. A three-shard persona's shard steps run in both workers, the tables
equal a plain load of the same rows, and a worker killed mid-shard leaves the previous rows
intact and a re-run succeeds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from dagster import AssetKey, DagsterInstance, DagsterRunStatus

from synth_assets.definitions import filesystem_transport
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres, staging, target
from synth_assets_tests.support.database import checksums, other_database, query
from synth_assets_tests.support.processes import BIN, ROOT, descendants, wait_for
from synth_assets_tests.support.runs import AS_OF, LIGHT, LIGHT_BLOCKS, LIGHT_DIR, light_persona

pytestmark = pytest.mark.slow


class Deployment:
    """DAGSTER_HOME, the broker folder and the environment every process of the test shares;
    the light persona (the test is about the workers, not the rows), three shards of 250."""

    def __init__(self, tmp_path: Path, url: str) -> None:
        self.home = tmp_path / "home"
        self.home.mkdir()
        broker, results = tmp_path / "broker", tmp_path / "results"
        broker.mkdir()
        results.mkdir()
        self.worker_yaml = tmp_path / "celery_worker.yaml"
        config = {
            "broker": "filesystem://",
            "backend": f"file://{results}",
            "config_source": filesystem_transport(str(broker)),
        }
        self.worker_yaml.write_text(yaml.safe_dump({"execution": {"config": config}}))
        self.env = {
            **os.environ,
            "DAGSTER_HOME": str(self.home),
            "SYNTH_EXECUTOR": "celery",
            "SYNTH_CELERY_BROKER": "filesystem://",
            "SYNTH_CELERY_BACKEND": f"file://{results}",
            "SYNTH_CELERY_FOLDER": str(broker),
            "SYNTH_DATABASE_URL": url,
            "SYNTH_PERSONAS_DIR": str(LIGHT_DIR),
            "SYNTH_AS_OF": AS_OF.isoformat(),
            "SYNTH_SHARD_USERS": "250",
            "SYNTH_EXPORT_DIR": str(tmp_path / "exports"),
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        }
        self.workers: dict[str, subprocess.Popen] = {}

    def start_worker(self, name: str) -> subprocess.Popen:
        command = [
            BIN / "dagster-celery", "worker", "start", "-A", "dagster_celery.app",
            "-y", self.worker_yaml, "-n", name, "--",
            "--without-mingle", "--without-gossip", "--concurrency=1",
        ]  # fmt: skip
        log = (self.home / f"{name}.log").open("wb")
        worker = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        self.workers[name] = worker
        return worker

    def kill_worker(self, name: str) -> None:
        os.killpg(self.workers.pop(name).pid, signal.SIGKILL)

    def stop(self) -> None:
        for name in list(self.workers):
            self.kill_worker(name)

    def materialize(self, seed: int) -> subprocess.Popen:
        command = [BIN / "dagster", "asset", "materialize", "-m", "synth_assets"]
        command += ["--select", "*postgres_tables", "--partition", LIGHT]
        command += ["--config-json", json.dumps(_seed(seed))]
        return subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

    def instance(self) -> DagsterInstance:
        os.environ["DAGSTER_HOME"] = str(self.home)
        return DagsterInstance.get()


@pytest.fixture
def deployment(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", os.environ.get("DAGSTER_HOME", str(tmp_path)))
    url = other_database(database_url, "synth_celery_test")
    deployed = Deployment(tmp_path, url)
    yield deployed, url
    deployed.stop()


def _loaded_checksums(url: str, seed: int) -> dict[str, str]:
    """The rows of ``seed``, loaded in one piece (a sharded publish gives the same rows:
    test_shards), as checksums."""
    ctx = Context(light_persona(), seed=seed, as_of=AS_OF)
    postgres.ensure_schema(url)
    postgres.replace_partition(url, LIGHT, generate_all(ctx), as_of=AS_OF)
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


def _shards_waiting(url: str) -> int:
    return query(
        url,
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
        "WHERE NOT l.granted AND a.application_name = %s",
        (staging.APPLICATION_NAME,),
    )[0][0]


def test_shards_run_on_two_celery_workers_and_survive_losing_one(deployment):
    deployed, url = deployment
    project_files = set(ROOT.iterdir())
    expected = _loaded_checksums(url, seed=7)
    baseline = _loaded_checksums(url, seed=42)

    instance = deployed.instance()  # its storage is created before any process shares it
    workers = [deployed.start_worker(name) for name in ("w1", "w2")]
    with _shards_held_at_staging(url):
        run = deployed.materialize(seed=7)
        # Each worker runs one shard at a time: two held shards are one in each worker.
        wait_for(lambda: _shards_waiting(url) == 2, 300, "a shard held in each worker")
    output = run.communicate(timeout=240)[0].decode()
    assert run.returncode == 0, output[-4000:]
    assert checksums(url, LIGHT) == expected
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
        wait_for(lambda: _shards_waiting(url) == 2, 300, "a shard held in each worker")
        deployed.kill_worker("w2")
        deployed.start_worker("w3")  # for the re-run (it starts while this run ends)
        run.send_signal(signal.SIGINT)  # the run would wait on the lost step: the user stops it
    run.communicate(timeout=120)  # once w1's shard is let go (the run waits for it)
    assert checksums(url, LIGHT) == baseline, "a run that lost a worker changed the tables"
    [interrupted] = instance.get_runs(limit=1)
    assert interrupted.status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)

    rerun = deployed.materialize(seed=7)
    output = rerun.communicate(timeout=240)[0].decode()
    assert rerun.returncode == 0, output[-4000:]
    assert checksums(url, LIGHT) == expected
    assert staging.pending_loads(url) == [], "the interrupted run's staging was not removed"
    # The broker's files (kombu's control folder too) stay in the deployment's folder.
    assert set(ROOT.iterdir()) == project_files


def _seed(seed: int) -> dict:
    return {"resources": {"generation": {"config": {"seed": seed}}}}
