"""How far a run's shards have got, for its log (the CLI prints it, the UI's run view shows
it): shards done of shards in all, the rows they made a second, and the time left at that
pace. Plain arithmetic: the Dagster side gathers the figures from the run's events."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    done: int  # shards finished, this one included (a re-execution: its parents' too)
    total: int  # shards in the run
    rows: int  # rows of every table the shards finished in this run made
    seconds: float  # since this run's first shard started
    done_here: int | None = None  # shards this run finished (None: ``done``)

    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def seconds_left(self) -> float:
        """The shards still to do at the pace of those this run did (in whatever parallel
        it has had so far)."""
        here = self.done if self.done_here is None else self.done_here
        if here <= 0:
            return 0.0
        return self.seconds / here * max(self.total - self.done, 0)

    def line(self) -> str:
        left = self.seconds_left()
        ending = "all shards done" if self.done >= self.total else f"about {_span(left)} left"
        return (
            f"progress: {self.done} of {self.total} shards done, {self.rows:,} rows in "
            f"{_span(self.seconds)} ({self.rows_per_second():,.0f} rows/s); {ending}"
        )


def _span(seconds: float) -> str:
    seconds = max(round(seconds), 0)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
