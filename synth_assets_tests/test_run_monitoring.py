"""A run killed with kill -9 does not stay STARTED: the shipped instance config enables
Dagster's run monitoring, and the daemon marks the dead run failed once it passes its
maximum runtime."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from dagster import DagsterInstance, DagsterRunStatus

from synth_assets_tests.conftest import other_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _instance_home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME with the shipped local config, its limits shortened for the test."""
    config = yaml.safe_load((ROOT / "configs" / "dagster.local.yaml").read_text())
    assert config["run_monitoring"]["enabled"] is True
    config["run_monitoring"].update(max_runtime_seconds=2, poll_interval_seconds=1)
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


def test_a_killed_run_is_marked_failed_by_run_monitoring(database_url, tmp_path):
    home = _instance_home(tmp_path)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SYNTH_DATABASE_URL": other_database(database_url, "synth_monitor_test"),
        "SYNTH_SCALE": "30",  # long enough to be killed mid-run
        "SYNTH_EXPORT_DIR": str(tmp_path / "exports"),
    }
    command = ["asset", "materialize", "-m", "synth_assets", "--select", "*"]
    run = subprocess.Popen(
        [BIN / "dagster", *command, "--partition", "family"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    instance = DagsterInstance.from_config(str(home))
    daemon = None
    try:
        record = _wait_for(
            lambda: next(
                (r for r in instance.get_runs() if r.status == DagsterRunStatus.STARTED), None
            ),
            120,
            "the run to start",
        )
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        time.sleep(1)
        assert instance.get_run_by_id(record.run_id).status == DagsterRunStatus.STARTED
        daemon = subprocess.Popen(
            [BIN / "dagster-daemon", "run", "-m", "synth_assets"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(
            lambda: instance.get_run_by_id(record.run_id).status == DagsterRunStatus.FAILURE,
            120,
            "run monitoring to mark the dead run failed",
        )
    finally:
        for process in (run, daemon):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        instance.dispose()
