"""Jobs, the nightly schedule and the persona-file sensor: what they request and that it runs."""

import datetime as dt
import shutil

from dagster import (
    DefaultScheduleStatus,
    build_schedule_context,
    build_sensor_context,
    validate_run_config,
)

from synth_assets.definitions import defs
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.schedules import nightly_refresh, nightly_schedule
from synth_assets.defs.sensors import persona_file_changes
from synth_assets.personas import DEFAULT_PERSONAS_DIR


def test_nightly_schedule_requests_one_valid_run_per_persona_as_of_the_tick():
    when = dt.datetime(2026, 1, 2, 3, 0, tzinfo=dt.UTC)
    requests = list(nightly_refresh(build_schedule_context(scheduled_execution_time=when)))
    personas = persona_partitions.get_partition_keys()
    assert [r.partition_key for r in requests] == personas
    # As of the last whole day before the tick: nothing is stamped after the run.
    assert [r.run_key for r in requests] == [f"2026-01-01:{p}" for p in personas]
    assert all(r.tags["synth/trigger"] == "nightly" for r in requests)
    assert all(r.tags["synth/as_of"] == "2026-01-01" for r in requests)
    generation = {r.run_config["resources"]["generation"]["config"]["as_of"] for r in requests}
    assert generation == {"2026-01-01"}
    # The tick's day is UTC's: 23:59 on the 2nd in New York is already the 3rd.
    late = dt.datetime(2026, 1, 2, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    late_requests = nightly_refresh(build_schedule_context(scheduled_execution_time=late))
    assert {r.tags["synth/as_of"] for r in late_requests} == {"2026-01-02"}
    job = defs.resolve_job_def("refresh_all_personas")
    for request in requests:
        validate_run_config(job, request.run_config)  # raises on a run config the job refuses
    assert nightly_refresh.job_name == "refresh_all_personas"
    assert nightly_refresh.execution_timezone == "UTC"


def test_nightly_schedule_defaults_to_3am_and_stopped():
    schedule = nightly_schedule({})
    assert (schedule.cron_schedule, schedule.default_status) == (
        "0 3 * * *",
        DefaultScheduleStatus.STOPPED,
    )
    assert nightly_refresh.name == schedule.name == "nightly_refresh"


def test_nightly_schedule_cron_and_status_follow_the_environment(monkeypatch):
    settings = {"SYNTH_NIGHTLY_CRON": "15 4 * * 1", "SYNTH_NIGHTLY_DEFAULT_ON": "1"}
    schedule = nightly_schedule(settings)
    assert (schedule.cron_schedule, schedule.default_status) == (
        "15 4 * * 1",
        DefaultScheduleStatus.RUNNING,
    )
    for name, value in settings.items():  # with no settings given, the process's environment
        monkeypatch.setenv(name, value)
    assert nightly_schedule().cron_schedule == "15 4 * * 1"


def test_sensor_requests_a_refresh_of_the_changed_persona(tmp_path, monkeypatch):
    copied = ["family", "retiree", "student"]  # fewer than ship, so the count is the folder's
    for name in copied:
        shutil.copy(DEFAULT_PERSONAS_DIR / f"{name}.yaml", tmp_path)
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(tmp_path))
    context = build_sensor_context(cursor=None)
    first = persona_file_changes(context)
    assert f"recorded {len(copied)} persona files" in str(first)
    cursor = context.cursor
    assert cursor and "student" in cursor
    unchanged = persona_file_changes(build_sensor_context(cursor=cursor))
    assert "no persona file changed" in str(unchanged)
    path = tmp_path / "student.yaml"
    path.write_text(path.read_text().replace("users: 60", "users: 61"))
    requests = persona_file_changes(build_sensor_context(cursor=cursor))
    assert [r.partition_key for r in requests] == ["student"]


def test_each_change_of_a_persona_file_is_refreshed_even_back_to_an_old_content(
    tmp_path, monkeypatch
):
    """Dagster runs each run key once: a key made of the content alone skipped the fourth of
    the changes A -> B -> A -> B, leaving the database on A while the file said B."""
    shutil.copy(DEFAULT_PERSONAS_DIR / "student.yaml", tmp_path)
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(tmp_path))
    path = tmp_path / "student.yaml"
    a = path.read_text()
    b = a.replace("users: 60", "users: 61")
    context = build_sensor_context(cursor=None)
    persona_file_changes(context)
    keys = []
    for content in (b, a, b):
        path.write_text(content)
        context = build_sensor_context(cursor=context.cursor)
        [request] = persona_file_changes(context)
        keys.append(request.run_key)
    assert len(set(keys)) == 3, keys
