"""When a load's staging or an export's building folder may be removed: only on the word of
the Dagster instance that knows its run, or after a long silence.

Several instances may share one database or export folder (two ``DAGSTER_HOME``s, CLI runs
with an ephemeral instance, a Celery fleet): a run one instance does not know may be alive in
another. So a run this instance knows is judged by its status; one it does not know is
abandoned only once its load or folder has shown no sign of work (a heartbeat, a file
written) for ``STALE_AFTER``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable


class RunState(enum.Enum):
    ENDED = "ended"  # this instance knows the run, and it has ended
    LIVE = "live"  # this instance knows the run, and it has not ended
    UNKNOWN = "unknown"  # this instance does not know the run


# What the caller's instance says of a run id.
Judge = Callable[[str], RunState]

# Longer than any wait between two signs of work of a live load (one shard's generation and
# COPY, a publish waiting for the persona's lock, a run waiting in an executor's queue).
STALE_AFTER = dt.timedelta(hours=24)


def abandoned(state: RunState, silent_for: dt.timedelta, stale_after: dt.timedelta) -> bool:
    """Ended, by its own instance's word; or unknown here and silent for longer than
    ``stale_after``. A run this instance knows to be live is never abandoned."""
    return state is RunState.ENDED or (state is RunState.UNKNOWN and silent_for > stale_after)
