"""A Celery deployment a test or a benchmark starts itself: dagster-celery workers on kombu's
filesystem transport (a broker with no server) with Celery's file result backend, and the
command a user types with SYNTH_EXECUTOR=celery, all sharing one DAGSTER_HOME."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import yaml
from dagster import DagsterInstance

from synth_assets.definitions import filesystem_transport
from synth_assets_tests.support.processes import BIN, ROOT
from synth_assets_tests.support.runs import AS_OF


class Deployment:
    """DAGSTER_HOME, the broker folder and the environment every process shares; the
    persona ``persona`` from ``personas_dir`` (None: the shipped personas)."""

    def __init__(
        self, folder: Path, url: str, persona: str, personas_dir: Path | None = None
    ) -> None:
        self.persona = persona
        self.home = folder / "home"
        self.home.mkdir()
        broker, results = folder / "broker", folder / "results"
        broker.mkdir()
        results.mkdir()
        self.worker_yaml = folder / "celery_worker.yaml"
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

    def materialize(self, seed: int | None = None) -> subprocess.Popen:
        """``dagster asset materialize --select '*postgres_tables'`` of the persona."""
        command = [BIN / "dagster", "asset", "materialize", "-m", "synth_assets"]
        command += ["--select", "*postgres_tables", "--partition", self.persona]
        if seed is not None:
            config = {"resources": {"generation": {"config": {"seed": seed}}}}
            command += ["--config-json", json.dumps(config)]
        run = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
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
