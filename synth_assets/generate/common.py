"""What every generator shares: the run context and a few vectorised sampling helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd
import pyarrow as pa

from synth_assets.generate import calendar, seeding
from synth_assets.personas import LogNormal, Persona

SECONDS_PER_DAY = 86_400
# Users are generated in fixed blocks of this many, each block with its own random streams and
# ids, so a persona's tables are the same however blocks are grouped into shards. Part of the
# data's definition: changing it changes every persona.
BLOCK_USERS = 250
# A release may generate other rows from the same inputs: part of the state (``Context.state``).
try:
    RELEASE = version("synth_assets")
except PackageNotFoundError:  # run from a checkout that was never installed
    RELEASE = "unreleased"


@dataclass(frozen=True)
class Context:
    """(persona config, global seed, scale, as-of date): everything a generator's output
    depends on; and the state the day's changes start from (``since``, ``reset``).

    ``block`` selects the random streams of one block of ``BLOCK_USERS`` users: every table
    is generated block by block, so its rows are the same whether the blocks are held together
    in memory, grouped into shards of any size, or generated on different machines. Streams
    that draw over time are further anchored on calendar months (``period``), so the rows of a
    month are the same at every as-of date that shows them.
    """

    persona: Persona
    seed: int = 42
    scale: float = 1.0
    block: int = 0
    as_of: dt.date = field(default_factory=calendar.last_whole_day)
    # The as-of day whose tables the day's changes start from (None: the day before), or
    # ``reset``: from nothing, as a client that must start over receives them.
    since: dt.date | None = None
    reset: bool = False

    @cached_property
    def window(self) -> calendar.Window:
        return self.persona.window(self.as_of)

    @cached_property
    def changes_since(self) -> dt.date | None:
        """The as-of day the changes start from; None: from nothing (a reset, or a fixed
        range that had not begun that day)."""
        day = self.since or self.as_of - dt.timedelta(days=1)
        fixed = not self.persona.date_range.relative
        if self.reset or (fixed and day < self.persona.date_range.start):
            return None
        return day

    @cached_property
    def previous_window(self) -> calendar.Window | None:
        """The window the day's changes are measured from (None: from nothing)."""
        day = self.changes_since
        return None if day is None else self.persona.window(day)

    @cached_property
    def months(self) -> np.ndarray:
        """The calendar months whose streams the window and the changes' window need."""
        windows = [w for w in (self.window, self.previous_window) if w is not None]
        return calendar.months_of(windows)

    @cached_property
    def state(self) -> str:
        """What the rows at any day are a function of, besides the day: the persona's
        content, the seed, the scale and this release. Changes are measured only from a
        published day of the same state; any other is a reset."""
        parts = [self.persona.digest, self.seed, self.scale, BLOCK_USERS, RELEASE]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def rng(
        self, table: str, purpose: str = "values", period: object = None
    ) -> np.random.Generator:
        """The stream of one purpose of one table, for this block (and calendar month)."""
        if period is not None:
            purpose = f"{purpose}@{period}"
        return seeding.rng(self.seed, self.persona.name, table, purpose, self.block)

    def persona_rng(self, table: str, purpose: str) -> np.random.Generator:
        """A stream shared by every block (the persona's merchant catalogue, say)."""
        return seeding.rng(self.seed, self.persona.name, table, purpose)

    def ids(self, table: str, count: int, period: object = None) -> np.ndarray:
        """Stable ids of this block's rows of ``table`` (of one calendar month's rows)."""
        name = table if period is None else f"{table}@{period}"
        return seeding.stable_uuids(self.seed, self.persona.name, name, count, self.block)

    def id_bytes(self, table: str, count: int, period: object = None) -> np.ndarray:
        """``ids`` as ``S36`` bytes, for code that still selects among them."""
        name = table if period is None else f"{table}@{period}"
        return seeding.stable_uuid_bytes(self.seed, self.persona.name, name, count, self.block)

    def for_block(self, block: int) -> Context:
        return replace(self, block=block)


def lognormal(rng: np.random.Generator, spec: LogNormal, size: int) -> np.ndarray:
    return (
        spec.median * np.exp(rng.normal(0.0, spec.sigma, size))
        if spec.sigma
        else np.full(size, spec.median)
    )


def choice_by_weight(
    rng: np.random.Generator, weights: Mapping[str, float], size: int
) -> np.ndarray:
    """Draw ``size`` keys of ``weights`` with probability proportional to their weight."""
    keys = np.array(list(weights), dtype=object).astype(str)
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def timestamps_between(
    rng: np.random.Generator, start: dt.date, end: dt.date, size: int
) -> pd.Series:
    """Uniform second-resolution timestamps in [start 00:00, end 23:59:59] (UTC, naive)."""
    span = ((end - start).days + 1) * SECONDS_PER_DAY
    seconds = rng.integers(0, span, size)
    return pd.Series(np.datetime64(start, "s") + seconds.astype("timedelta64[s]"))


def to_date(timestamps: np.ndarray | pd.Series) -> np.ndarray:
    return np.asarray(timestamps, dtype="datetime64[s]").astype("datetime64[D]")


TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default ``str``


def _nulls(valid: np.ndarray | None) -> np.ndarray | None:
    return None if valid is None else ~np.asarray(valid, dtype=bool)


def _strings(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, type=pa.large_string(), mask=mask, from_pandas=True)


def text(values: np.ndarray, valid: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """Python strings (None for null) as a pandas ``str`` column, converted by Arrow in one
    pass: pandas' own constructor checks every element first and takes twice as long."""
    return pd.arrays.ArrowStringArray(_strings(values, _nulls(valid)), dtype=TEXT_DTYPE)


def text_take(
    choices: np.ndarray, index: np.ndarray, valid: np.ndarray | None = None
) -> pd.api.extensions.ExtensionArray:
    """``choices[index]`` as a ``str`` column (null where ``valid`` is False), the few
    choices converted once and the rows gathered by Arrow."""
    rows = pa.array(np.asarray(index, dtype=np.int64), mask=_nulls(valid))
    return pd.arrays.ArrowStringArray(_strings(choices).take(rows), dtype=TEXT_DTYPE)
