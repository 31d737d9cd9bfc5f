"""How steps meet failure: refusals that another try cannot fix fail at once, without their
retries; passing trouble (the server restarting, a lock held, a lost worker) is retried."""

from dataclasses import dataclass

from dagster import Backoff, RetryPolicy

from synth_assets.load import target
from synth_assets.load.drift import SchemaDriftError
from synth_assets.personas import PersonaError
from synth_assets.settings import SettingError

REFUSALS = (
    target.UnsafeDatabaseError,
    target.TargetError,
    SettingError,
    SchemaDriftError,
    PersonaError,
)

RETRY_DELAY_S = 1.0  # the first retry's wait; each next one waits twice as long


@dataclass(frozen=True)
class Retries:
    """The retry policies of the steps, from one first delay (tests use 0: the same retries,
    none of the waiting)."""

    delay_s: float = RETRY_DELAY_S

    @property
    def load(self) -> RetryPolicy:
        """Steps that talk to the database: transient failures retried with backoff."""
        return RetryPolicy(max_retries=3, delay=self.delay_s, backoff=Backoff.EXPONENTIAL)

    @property
    def shard(self) -> RetryPolicy:
        """A shard step: its rows are staged at most once whatever its retries (the ledger
        of ``load.staging``)."""
        return RetryPolicy(max_retries=2, delay=self.delay_s, backoff=Backoff.EXPONENTIAL)


RETRIES = Retries()
