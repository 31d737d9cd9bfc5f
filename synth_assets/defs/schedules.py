"""The nightly refresh: one run per persona, stopped by default so a fresh install does
nothing by surprise (turn it on in the UI, or set SYNTH_NIGHTLY_DEFAULT_ON=1)."""

import os
from collections.abc import Mapping

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

from synth_assets.defs.jobs import refresh_all_personas
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.tables import AS_OF_TAG
from synth_assets.generate.calendar import last_whole_day

CRON_ENV, DEFAULT_ON_ENV = "SYNTH_NIGHTLY_CRON", "SYNTH_NIGHTLY_DEFAULT_ON"
DEFAULT_CRON = "0 3 * * *"


def nightly_schedule(env: Mapping[str, str] = os.environ) -> ScheduleDefinition:
    """The nightly refresh, its cron and default status read from ``env``."""

    @schedule(
        name="nightly_refresh",
        job=refresh_all_personas,
        cron_schedule=env.get(CRON_ENV, DEFAULT_CRON),
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING
        if env.get(DEFAULT_ON_ENV) == "1"
        else DefaultScheduleStatus.STOPPED,
        description="Every persona as of the day before the tick (the last whole day, UTC): "
        "generate, check and reload it, so each night shows a new day and nothing is stamped "
        f"after the run ({CRON_ENV}, default 03:00 UTC).",
    )
    def nightly_refresh(context: ScheduleEvaluationContext):
        """One run request per persona, as of the last whole day (UTC) before the tick: each
        night shows a new day, and a tick evaluated late or again gives the same day. The
        run key (as-of day + persona) makes a retried tick idempotent."""
        day = last_whole_day(context.scheduled_execution_time).isoformat()
        for persona in persona_partitions.get_partition_keys():
            yield RunRequest(
                run_key=f"{day}:{persona}",
                partition_key=persona,
                run_config=as_of_config(day),
                tags={"synth/trigger": "nightly", AS_OF_TAG: day},
            )

    return nightly_refresh


def as_of_config(day: str) -> dict:
    """Run config that sets the generation's as-of date."""
    return {"resources": {"generation": {"config": {"as_of": day}}}}


nightly_refresh = nightly_schedule()
