"""The nightly refresh: one run per persona, stopped by default so a fresh install does
nothing by surprise (turn it on in the UI, or set SYNTH_NIGHTLY_DEFAULT_ON=1)."""

import os

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from synth_assets.defs.jobs import refresh_all_personas
from synth_assets.defs.partitions import persona_partitions

NIGHTLY_CRON = os.environ.get("SYNTH_NIGHTLY_CRON", "0 3 * * *")


@schedule(
    job=refresh_all_personas,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING
    if os.environ.get("SYNTH_NIGHTLY_DEFAULT_ON") == "1"
    else DefaultScheduleStatus.STOPPED,
    description="Regenerate, check and reload every persona (SYNTH_NIGHTLY_CRON, default 03:00 UTC).",
)
def nightly_refresh(context: ScheduleEvaluationContext):
    """One run request per persona; the run key (date + persona) makes a retried tick idempotent."""
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    for persona in persona_partitions.get_partition_keys():
        yield RunRequest(
            run_key=f"{day}:{persona}", partition_key=persona, tags={"synth/trigger": "nightly"}
        )
