"""How steps meet failure (defs/failure_policy.py): an interrupt in any step (plan, shard,
loader, exports) is never retried, publishes nothing, and a run the user cancelled ends
CANCELED. Each step is interrupted where its work runs, the way Dagster raises a termination
inside a step (DagsterExecutionInterruptedError); the web UI's terminateRun, end to end, is in
test_webserver.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterExecutionInterruptedError, DagsterInstance, DagsterRunStatus, materialize
from pydantic import ValidationError

from synth_assets import export, shards
from synth_assets.definitions import ALL_ASSETS
from synth_assets.defs.failure_policy import LOAD_RETRIES, SHARD_RETRIES
from synth_assets.defs.resources import StepRetries
from synth_assets.load import postgres, staging
from synth_assets_tests.support.database import checksums, other_database
from synth_assets_tests.support.runs import AS_OF, resources_for

PERSONA = "retiree"
# Each step, and the function in it that the interrupt lands in.
STEPS = {
    "persona_tables.plan_shards": (shards, "plan"),
    "persona_tables.build_shard[shard_00000]": (shards, "run_shard"),
    "postgres_tables": (staging, "publish"),
    "exports": (export, "finish_export"),
}


@pytest.fixture(scope="module")
def seeded(database_url, frames) -> str:
    """A database holding retiree's rows of seed 42 (the runs below are of seed 7)."""
    url = other_database(database_url, "synth_interrupt_test")
    postgres.ensure_schema(url)
    postgres.replace_partition(url, PERSONA, frames[PERSONA], as_of=AS_OF)
    return url


@pytest.mark.parametrize("cancelled", [True, False], ids=["cancelled", "signalled"])
@pytest.mark.parametrize("step", STEPS)
def test_an_interrupted_step_is_not_retried_and_publishes_nothing(
    seeded, monkeypatch, tmp_path, step, cancelled
):
    """Cancelled: the run was asked to stop (the UI's terminate marks it CANCELING), and ends
    CANCELED. Signalled: SIGTERM or SIGINT with no request, which Dagster ends as FAILURE."""
    before = checksums(seeded, PERSONA)
    instance = DagsterInstance.ephemeral()
    module, name = STEPS[step]

    def interrupted(*args, **kwargs):
        if cancelled:
            [run] = instance.get_runs(limit=1)
            instance.report_run_canceling(run)
        raise DagsterExecutionInterruptedError("interrupted in the test")

    monkeypatch.setattr(module, name, interrupted)
    resources = resources_for(seeded, seed=7)
    result = materialize(
        ALL_ASSETS,
        partition_key=PERSONA,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )
    events = result.all_events
    assert not any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in events)
    [failure] = [e for e in events if e.is_step_failure]
    assert failure.step_key == step
    assert failure.event_specific_data.error.cls_name == "DagsterExecutionInterruptedError"
    after = events[events.index(failure) :]
    assert not [e.step_key for e in after if e.event_type_value == "STEP_START"], "it went on"
    status = instance.get_run_by_id(result.run_id).status
    assert status == (DagsterRunStatus.CANCELED if cancelled else DagsterRunStatus.FAILURE)
    if step != "exports":  # a run interrupted after its publish has published
        assert checksums(seeded, PERSONA) == before, "an interrupted run published its rows"
    root = Path(resources["exports"].directory) / PERSONA
    finished = [p for p in root.iterdir() if not p.name.startswith(".")] if root.exists() else []
    exported = any(e.step_key == "exports" and e.is_step_success for e in events)
    assert len(finished) == exported, "an export finished by an interrupted step, or none"


def test_the_shipped_retries_wait_one_then_two_then_four_seconds():
    """What a step that met passing trouble waits before each retry, by default; a value a
    run could configure out of bounds is refused."""
    assert (LOAD_RETRIES, SHARD_RETRIES) == (3, 2)
    assert [StepRetries().wait_s(n) for n in range(LOAD_RETRIES)] == [1.0, 2.0, 4.0]
    for bad in (-1, float("nan"), float("inf"), 601):
        with pytest.raises(ValidationError, match="delay_s"):
            StepRetries(delay_s=bad)
