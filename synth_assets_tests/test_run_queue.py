"""Runs of one persona queue instead of racing (the shipped instance configs' run-queue rule):
two runs launched as the UI, a schedule or a backfill launch them, as of two days, start one
after the other in the order they were submitted, and the tables end at the newest day."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import yaml
from dagster import DagsterInstance, DagsterRunStatus

from synth_assets.defs.schedules import as_of_config
from synth_assets.load import staging
from synth_assets_tests.support.database import other_database
from synth_assets_tests.support.processes import BIN, ROOT, start_daemon, wait_for
from synth_assets_tests.support.runs import LIGHT, LIGHT_DIR

DAYS = ("2026-11-21", "2026-11-23")  # submitted oldest first, as a backfill or catch-up does


def _rule(config: str) -> list:
    return yaml.safe_load((ROOT / "configs" / config).read_text())["concurrency"]["runs"][
        "tag_concurrency_limits"
    ]


def test_both_instance_configs_queue_one_run_per_persona():
    expected = [{"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}}]
    for config in ("dagster.local.yaml", "dagster.yaml"):
        [rule] = _rule(config)
        assert {k: v for k, v in rule.items() if k != "limit"} == expected[0], config
        assert rule["limit"] == 1, config


def _home(tmp_path: Path) -> Path:
    """DAGSTER_HOME with the shipped local config; the queue is read every second."""
    config = yaml.safe_load((ROOT / "configs" / "dagster.local.yaml").read_text())
    config["run_coordinator"] = {
        "module": "dagster.core.run_coordinator",
        "class": "QueuedRunCoordinator",
        "config": {"dequeue_interval_seconds": 1},
    }
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def test_runs_of_one_persona_run_one_at_a_time_in_order_and_end_at_the_newest_day(
    database_url, tmp_path
):
    url = other_database(database_url, "synth_queue_test")
    home = _home(tmp_path)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SYNTH_DATABASE_URL": url,
        "SYNTH_PERSONAS_DIR": str(LIGHT_DIR),
        "SYNTH_EXPORT_DIR": str(tmp_path / "exports"),
    }
    for day in DAYS:  # `dagster job launch` submits to the instance's queue, as the UI does
        launch = ["job", "launch", "-m", "synth_assets", "-j", "refresh_all_personas"]
        launch += ["--tags", json.dumps({"dagster/partition": LIGHT})]
        launch += ["--config-json", json.dumps(as_of_config(day))]
        done = subprocess.run(
            [BIN / "dagster", *launch], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
    instance = DagsterInstance.from_config(str(home))
    try:
        runs = instance.get_runs()
        assert {r.status for r in runs} == {DagsterRunStatus.QUEUED} and len(runs) == 2
        daemon = start_daemon(env)
        try:
            finished = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE)
            wait_for(
                lambda: all(instance.get_run_by_id(r.run_id).status in finished for r in runs),
                240,
                "both runs to end",
                every=0.5,
            )
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
        records = sorted(
            (instance.get_run_record_by_id(r.run_id) for r in runs),
            key=lambda record: record.create_timestamp,
        )
        assert [r.dagster_run.status for r in records] == [DagsterRunStatus.SUCCESS] * 2
        first, second = records
        assert [r.dagster_run.tags["synth/as_of"] for r in records] == list(DAYS)
        assert second.start_time >= first.end_time, "two runs of one persona ran at once"
        assert staging.published_as_of(url, LIGHT).isoformat() == DAYS[-1]
    finally:
        instance.dispose()
