"""A run killed with kill -9 does not stay STARTED: the shipped instance config enables
Dagster's run monitoring, and the daemon marks the dead run failed once it passes its
maximum runtime."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import yaml
from dagster import DagsterInstance, DagsterRunStatus

from synth_assets.load import postgres, target
from synth_assets_tests.support.database import other_database, waiting_loaders
from synth_assets_tests.support.processes import BIN, ROOT, start_daemon, wait_for

PERSONA = "retiree"


def _instance_home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME with the shipped local config, its limits shortened for the test."""
    config = yaml.safe_load((ROOT / "configs" / "dagster.local.yaml").read_text())
    assert config["run_monitoring"]["enabled"] is True
    config["run_monitoring"].update(max_runtime_seconds=2, poll_interval_seconds=1)
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def test_a_killed_run_is_marked_failed_by_run_monitoring(database_url, tmp_path):
    home = _instance_home(tmp_path)
    url = other_database(database_url, "synth_monitor_test")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SYNTH_DATABASE_URL": url,
        "SYNTH_EXPORT_DIR": str(tmp_path / "exports"),
    }
    command = ["asset", "materialize", "-m", "synth_assets", "--select", "*"]
    instance = DagsterInstance.from_config(str(home))
    daemon = run = None
    # The persona's publish lock, held as another load would: the run is killed while its
    # loader waits for it, a moment the test knows instead of racing a large load.
    with target.connect(url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))", (postgres.lock_key(PERSONA),))
        try:
            run = subprocess.Popen(
                [BIN / "dagster", *command, "--partition", PERSONA],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for(
                lambda: waiting_loaders(url, "advisory"), 120, "the loader to wait for the lock"
            )
            [record] = [r for r in instance.get_runs() if r.status == DagsterRunStatus.STARTED]
            run.send_signal(signal.SIGKILL)
            run.wait(timeout=30)
            assert instance.get_run_by_id(record.run_id).status == DagsterRunStatus.STARTED
            daemon = start_daemon(env)
            wait_for(
                lambda: instance.get_run_by_id(record.run_id).status == DagsterRunStatus.FAILURE,
                120,
                "run monitoring to mark the dead run failed",
                every=0.2,
            )
        finally:
            for process in (run, daemon):
                if process and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=30)
            instance.dispose()
