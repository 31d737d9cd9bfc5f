"""Jobs, the nightly schedule and the persona-file sensor: what they request and that it runs."""

import datetime as dt
import shutil

from dagster import (
    DagsterInstance,
    Definitions,
    build_schedule_context,
    build_sensor_context,
    materialize,
    validate_run_config,
)

from synth_assets import defs
from synth_assets.definitions import ALL_ASSETS, ALL_CHECKS
from synth_assets.defs.jobs import checks_only
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.schedules import nightly_refresh
from synth_assets.defs.sensors import persona_file_changes
from synth_assets.personas import DEFAULT_PERSONAS_DIR
from synth_assets_tests.conftest import resources_for


def test_nightly_schedule_requests_one_valid_run_per_persona():
    when = dt.datetime(2026, 1, 2, 3, 0, tzinfo=dt.UTC)
    requests = list(nightly_refresh(build_schedule_context(scheduled_execution_time=when)))
    personas = persona_partitions.get_partition_keys()
    assert [r.partition_key for r in requests] == personas
    assert [r.run_key for r in requests] == [f"2026-01-02:{p}" for p in personas]
    job = defs.resolve_job_def("refresh_all_personas")
    for request in requests:
        assert validate_run_config(job, request.run_config) is not None
    assert nightly_refresh.cron_schedule == "0 3 * * *"
    assert nightly_refresh.execution_timezone == "UTC"
    assert nightly_refresh.default_status.value == "STOPPED"


def test_sensor_requests_a_refresh_of_the_changed_persona(tmp_path, monkeypatch):
    for source in DEFAULT_PERSONAS_DIR.glob("*.yaml"):
        shutil.copy(source, tmp_path)
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(tmp_path))
    context = build_sensor_context(cursor=None)
    first = persona_file_changes(context)
    assert "recorded 5 persona files" in str(first)
    cursor = context.cursor
    assert cursor and "student" in cursor
    unchanged = persona_file_changes(build_sensor_context(cursor=cursor))
    assert "no persona file changed" in str(unchanged)
    path = tmp_path / "student.yaml"
    path.write_text(path.read_text().replace("users: 60", "users: 61"))
    requests = persona_file_changes(build_sensor_context(cursor=cursor))
    assert [r.partition_key for r in requests] == ["student"]


def test_checks_only_reruns_the_checks_on_stored_tables(database_url):
    instance = DagsterInstance.ephemeral()
    resources = resources_for(database_url)
    assert materialize(
        [*ALL_ASSETS, *ALL_CHECKS], partition_key="retiree", resources=resources, instance=instance
    ).success
    job = Definitions(
        assets=ALL_ASSETS, asset_checks=ALL_CHECKS, jobs=[checks_only], resources=resources
    ).resolve_job_def("checks_only")
    result = job.execute_in_process(tags={"dagster/partition": "retiree"}, instance=instance)
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len([key for c in ALL_CHECKS for key in c.check_keys])
    assert all(e.passed for e in evaluations)
    assert not result.get_asset_materialization_events()
