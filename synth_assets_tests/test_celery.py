"""A real Celery deployment: two `dagster-celery` worker processes the test starts itself, on
kombu's filesystem transport (a broker that needs no server, so the test runs on a fresh
machine too) with Celery's file result backend, and the command a user types with
SYNTH_EXECUTOR=celery. A four-shard persona's shard steps run in both workers, the tables
equal an in-process run's, and a worker killed mid-run leaves the previous rows intact and a
re-run succeeds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from dagster import AssetKey, DagsterInstance, DagsterRunStatus, materialize

from synth_assets.definitions import TABLE_ASSETS, filesystem_transport
from synth_assets.defs import assets
from synth_assets.load import staging
from synth_assets_tests.conftest import AS_OF, checksums, other_database, query, resources_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PERSONA = "student"  # the lightest users: the test is about the workers, not the rows
SCALE = 16.5  # 990 users: four blocks, so four shards of 250
SHARDS = 4

pytestmark = pytest.mark.slow


def _descendants(pid: int) -> set[int]:
    """``pid`` and every process below it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = set(), [pid]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


class Deployment:
    """DAGSTER_HOME, the broker folder and the environment every process of the test shares."""

    def __init__(self, tmp_path: Path, url: str, persona: str = PERSONA) -> None:
        self.persona = persona
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
            "SYNTH_SCALE": str(SCALE),
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

    def materialize(self, *extra: str) -> subprocess.Popen:
        command = [BIN / "dagster", "asset", "materialize", "-m", "synth_assets"]
        command += ["--select", "*postgres_tables", "--partition", self.persona, *extra]
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


def _in_process_checksums(url: str, seed: int) -> dict[str, str]:
    result = materialize(
        [*TABLE_ASSETS, assets.postgres_tables],
        partition_key=PERSONA,
        resources=resources_for(url, scale=SCALE, seed=seed),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    return checksums(url, PERSONA)


def test_shards_run_on_two_celery_workers_and_survive_losing_one(deployment):
    deployed, url = deployment
    project_files = set(ROOT.iterdir())
    expected = _in_process_checksums(url, seed=7)
    baseline = _in_process_checksums(url, seed=42)

    instance = deployed.instance()  # its storage is created before any process shares it
    workers = [deployed.start_worker(name) for name in ("w1", "w2")]
    run = deployed.materialize("--config-json", json.dumps(_seed(7)))
    output = run.communicate(timeout=600)[0].decode()
    assert run.returncode == 0, output[-4000:]
    assert checksums(url, PERSONA) == expected
    metadata = instance.get_latest_materialization_event(
        AssetKey("transactions")
    ).asset_materialization.metadata
    assert metadata["shards"].value == SHARDS
    pids = set(metadata["shard_pids"].value)
    ran_in = {w.pid for w in workers if pids & _descendants(w.pid)}
    assert ran_in == {w.pid for w in workers}, (pids, [_descendants(w.pid) for w in workers])

    # Back to the baseline, then a run of other data that loses a worker mid-run.
    assert _in_process_checksums(url, seed=42) == baseline
    run = deployed.materialize("--config-json", json.dumps(_seed(7)))
    _wait_for(lambda: _staged_shards(url) >= 1, 300, "a first shard staged on the workers")
    deployed.kill_worker("w2")
    time.sleep(3)
    run.send_signal(signal.SIGINT)  # the run waits on the lost step: the user stops it
    run.communicate(timeout=120)
    assert checksums(url, PERSONA) == baseline, "a run that lost a worker changed the tables"
    [interrupted] = instance.get_runs(limit=1)
    assert interrupted.status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)

    deployed.start_worker("w3")
    rerun = deployed.materialize("--config-json", json.dumps(_seed(7)))
    output = rerun.communicate(timeout=600)[0].decode()
    assert rerun.returncode == 0, output[-4000:]
    assert checksums(url, PERSONA) == expected
    assert staging.pending_loads(url) == [], "the interrupted run's staging was not removed"
    # The broker's files (kombu's control folder too) stay in the deployment's folder.
    assert set(ROOT.iterdir()) == project_files


def _seed(seed: int) -> dict:
    return {"resources": {"generation": {"config": {"seed": seed}}}}


def _staged_shards(url: str) -> int:
    exists = query(url, "SELECT to_regclass('synth_staging.shards') IS NOT NULL")[0][0]
    return query(url, "SELECT count(*) FROM synth_staging.shards")[0][0] if exists else 0
