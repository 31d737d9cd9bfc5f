"""How steps meet failure: refusals that another try cannot fix fail at once, without their
retries; passing trouble (the server restarting, a lock held, a lost worker) is retried."""

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

# Steps that talk to the database: transient failures retried with exponential backoff.
LOAD_RETRY = RetryPolicy(max_retries=3, delay=1, backoff=Backoff.EXPONENTIAL)
# A shard's rows are staged at most once whatever its retries (load.staging's ledger).
SHARD_RETRY = RetryPolicy(max_retries=2, delay=1, backoff=Backoff.EXPONENTIAL)
