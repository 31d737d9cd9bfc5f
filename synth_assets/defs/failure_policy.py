"""How steps meet failure: refusals that another try cannot fix fail at once; passing
trouble (the server restarting, a lock held, a lost worker) is retried with backoff; an
interrupt (a run terminated from the UI, SIGTERM, SIGINT) is never retried.

The steps ask for their retries themselves (``RetryRequested``) instead of carrying a
``RetryPolicy``: Dagster turns an interrupt inside a step that has a RetryPolicy into a
retry, so a run cancelled while its loader waited for a lock published on its next attempt.
Without one, the interrupt ends the step and the run (CANCELED when the user asked for it)."""

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import Failure, OpExecutionContext, RetryRequested

from synth_assets.defs.resources import StepRetries
from synth_assets.load import target
from synth_assets.load.drift import SchemaDriftError
from synth_assets.load.staging import StagingError
from synth_assets.personas import PersonaError
from synth_assets.settings import SettingError
from synth_assets.target.mapping import MappingError

REFUSALS = (
    target.UnsafeDatabaseError,
    target.TargetError,
    SettingError,
    SchemaDriftError,
    PersonaError,
    StagingError,
    MappingError,
)

# Every refusal comes before the loader's one transaction commits (or is one it rolls back).
NOTHING_CHANGED = (
    "Refused before publishing: the persona's tables in the database are as they were."
)
LOAD_RETRIES = 3  # steps that talk to the database
SHARD_RETRIES = 2  # a shard's rows are staged at most once whatever its retries (the ledger)


@contextmanager
def step_failures(
    context: OpExecutionContext, retries: StepRetries, max_retries: int
) -> Iterator[None]:
    """Around a step's work: a refusal fails the step for good, any other error asks for a
    retry (up to ``max_retries``, waiting as ``retries`` says), and an interrupt is left to
    end the step and the run."""
    try:
        yield
    except REFUSALS as error:
        raise Failure(description=f"{error}\n{NOTHING_CHANGED}", allow_retries=False) from None
    except Failure as failure:
        if not failure.allow_retries:
            raise
        raise _retry(context, retries, max_retries) from failure
    except RetryRequested:
        raise
    except Exception as error:
        raise _retry(context, retries, max_retries) from error


def _retry(context: OpExecutionContext, retries: StepRetries, max_retries: int) -> RetryRequested:
    return RetryRequested(
        max_retries=max_retries, seconds_to_wait=retries.wait_s(context.retry_number)
    )
