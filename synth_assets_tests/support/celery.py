"""A Celery deployment a test or a benchmark starts itself: synth_assets' Celery workers
(``celery -A synth_assets.celery_worker``) on kombu's filesystem transport (a broker with no
server) with Celery's file result backend, and the command a user types with
SYNTH_EXECUTOR=celery, all sharing one DAGSTER_HOME."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
from pathlib import Path

from dagster import DagsterInstance

from synth_assets_tests.support.processes import BIN, ROOT
from synth_assets_tests.support.runs import AS_OF

BROKER_PASSWORD = "S3cretBroker"
# What each worker's own environment says, where it differs from the run's: a worker reading
# these instead of the run's settings would generate another day, seed and shard size, and
# export under the folder it runs in.
WORKER_SETTINGS = {
    "SYNTH_AS_OF": (AS_OF - dt.timedelta(days=5)).isoformat(),
    "SYNTH_SEED": "99",
    "SYNTH_SHARD_USERS": "2500",
    "SYNTH_EXPORT_DIR": "exports",
}


class Deployment:
    """DAGSTER_HOME, the broker folder and the environment every process shares; the
    persona ``persona`` from ``personas_dir`` (None: the shipped personas).

    The broker URL carries a password (the filesystem transport ignores it), so a test can
    look for it in every file a worker or a run writes. Workers start with settings of their
    own that differ from the run's (``WORKER_SETTINGS``): a run must use the settings of the
    process that started it."""

    def __init__(
        self, folder: Path, url: str, persona: str, personas_dir: Path | None = None
    ) -> None:
        self.persona = persona
        self.home = folder / "home"
        self.home.mkdir()
        broker, results = folder / "broker", folder / "results"
        broker.mkdir()
        results.mkdir()
        self.env = {
            **os.environ,
            "DAGSTER_HOME": str(self.home),
            "SYNTH_EXECUTOR": "celery",
            "SYNTH_CELERY_BROKER": f"filesystem://:{BROKER_PASSWORD}@localhost/",
            "SYNTH_CELERY_BACKEND": f"file://{results}",
            "SYNTH_CELERY_FOLDER": str(broker),
            "SYNTH_DATABASE_URL": url,
            "SYNTH_AS_OF": AS_OF.isoformat(),
            "SYNTH_SHARD_USERS": "250",
            "SYNTH_EXPORT_DIR": str(folder / "exports"),
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        }
        if personas_dir is not None:
            self.env["SYNTH_PERSONAS_DIR"] = str(personas_dir)
        self.workers: dict[str, subprocess.Popen] = {}
        self.runs: list[subprocess.Popen] = []

    def start_worker(self, name: str) -> subprocess.Popen:
        command = [
            BIN / "celery", "-A", "synth_assets.celery_worker", "worker", "-n", f"{name}@%h",
            "--without-mingle", "--without-gossip", "--concurrency=1", "--loglevel=INFO",
        ]  # fmt: skip
        log = (self.home / f"{name}.log").open("wb")
        worker = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **WORKER_SETTINGS},
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        self.workers[name] = worker
        return worker

    def env_path(self, name: str) -> Path:
        return Path(self.env[name])

    def kill_worker(self, name: str) -> None:
        os.killpg(self.workers.pop(name).pid, signal.SIGKILL)

    def materialize(self, seed: int | None = None, select: str = "*postgres_tables"):
        """``dagster asset materialize --select <select>`` of the persona, with ``seed`` in
        the environment it starts in (SYNTH_SEED)."""
        command = [BIN / "dagster", "asset", "materialize", "-m", "synth_assets"]
        command += ["--select", select, "--partition", self.persona]
        env = self.env if seed is None else {**self.env, "SYNTH_SEED": str(seed)}
        run = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.runs.append(run)
        return run

    def instance(self) -> DagsterInstance:
        os.environ["DAGSTER_HOME"] = str(self.home)
        return DagsterInstance.get()

    def stop(self) -> None:
        """Every worker and every run still going (a failed test must not leave them)."""
        for name in list(self.workers):
            self.kill_worker(name)
        for run in self.runs:
            if run.poll() is None:
                run.kill()
                run.wait(timeout=30)
