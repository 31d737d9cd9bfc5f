"""A persona's load, one shard at a time: the work each Dagster shard step does, as plain
functions (no Dagster import), so any executor, a test or a benchmark runs exactly the same.

A shard is a run of consecutive blocks of users (``generate.frames``). For its blocks, a
shard (1) generates every table, (2) judges every rule of the registry, and, only when no
blocking rule failed, (3) writes its part of the file exports and (4) stages its rows for the
persona's publish. What it hands on (``ShardResult``) is small and does not grow with its
rows: counts, the rules' findings and sums, the profile's sums, and a preview of the first
shard's rows.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from synth_assets import export, profile
from synth_assets.builtin_tables import TABLE_NAMES
from synth_assets.checks import registry
from synth_assets.checks.fidelity import Sums
from synth_assets.generate.common import BLOCK_USERS, Context
from synth_assets.generate.frames import shard_tables
from synth_assets.generate.users import block_count
from synth_assets.load import staging
from synth_assets.load.target import Target

PREVIEW_ROWS = 5
PHASES = ("generate", "judge", "export", "stage")  # what a shard times, in this order
T = TypeVar("T")


@dataclass(frozen=True)
class ShardPlan:
    """Which blocks one shard covers, and where its rows and files go."""

    persona: str
    as_of: dt.date  # the run's: every shard of a run shows the same day
    index: int
    count: int
    first_block: int
    stop_block: int
    load: str  # the load id its rows are staged under
    stage: bool  # stage rows for the publish step (the run loads the database)
    export_dir: str | None  # the export being built (the run writes exports), else None
    # What the plan read: the persona's content and the seed, scale and as-of day. Every shard
    # generates from it, not from the persona file or settings as they are where it runs (a
    # file edited mid-run, or another worker's environment, would mix two personas).
    context: Context = field(repr=False, compare=False)
    home: str | None = None  # ``database.schema`` the rows are published into

    @property
    def label(self) -> str:
        return f"shard {self.index + 1}/{self.count}"

    @property
    def key(self) -> str:
        """A Dagster mapping key: a shard's step is ``…[shard_00003]``."""
        return f"shard_{self.index:05d}"

    @property
    def blocks(self) -> range:
        return range(self.first_block, self.stop_block)


def plan(
    ctx: Context,
    shard_users: int,
    load: str,
    stage: bool,
    export_dir: str | None,
    home: str | None = None,
) -> list[ShardPlan]:
    """The persona's shards: ``shard_users`` users each (a multiple of the block), the last
    one taking what is left."""
    if shard_users < BLOCK_USERS or shard_users % BLOCK_USERS:
        raise ValueError(f"shard_users must be a multiple of {BLOCK_USERS}, got {shard_users}")
    per, blocks = shard_users // BLOCK_USERS, block_count(ctx)
    count = -(-blocks // per)
    return [
        ShardPlan(
            ctx.persona.name,
            ctx.as_of,
            i,
            count,
            i * per,
            min((i + 1) * per, blocks),
            load,
            stage,
            export_dir,
            ctx,
            home,
        )
        for i in range(count)
    ]


@dataclass
class ShardResult:
    plan: ShardPlan
    rows: dict[str, int]
    judgements: dict[str, registry.Judgement]
    profile: Sums
    blocked: list[str]  # keys of the blocking rules that failed: nothing staged or exported
    staged: bool = False
    files: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase
    pid: int = field(default_factory=os.getpid)
    peak_rss_mb: float = 0.0
    preview: dict[str, pd.DataFrame] = field(default_factory=dict)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(phases: dict[str, float], phase: str, work: Callable[[], T]) -> T:
    started = time.perf_counter()
    try:
        return work()
    finally:
        phases[phase] = round(time.perf_counter() - started, 3)


class _Verdict:
    """Whether the shard's rows may be committed, awaited by its staging thread."""

    def __init__(self) -> None:
        self._given = threading.Event()
        self._commit = False

    def give(self, commit: bool) -> None:
        """The first verdict given stands (a failed export does not undo a judged shard)."""
        if not self._given.is_set():
            self._commit = commit
            self._given.set()

    def wait(self) -> bool:
        self._given.wait()
        return self._commit


def run_shard(
    ctx: Context, shard: ShardPlan, target: Target | None, timeout_s: float = 300.0
) -> ShardResult:
    """Generate, judge, export and stage one shard (see the module's docstring).

    The rows are sent to the database in a thread of its own from the moment they exist,
    while this one judges them and writes the export part (the server ingests COPY on another
    core; most of the export is Arrow work and file writes, which release the GIL). They are
    committed only when no blocking rule failed, and the export is written only then too.
    An error of either is raised once both have ended, so a retry starts clean; when staging
    fails or the step is interrupted, the export stops at its next file."""
    if shard.stage and target is None:
        raise ValueError("a shard that stages rows needs a target database")
    started = time.perf_counter()
    phases: dict[str, float] = {}
    tables = _timed(phases, "generate", lambda: shard_tables(ctx, shard.blocks))
    verdict, stop = _Verdict(), threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="stage") as pool:
        staged = None
        if shard.stage:
            staged = pool.submit(
                _timed, phases, "stage",
                lambda: staging.stage_shard(
                    target, shard.persona, shard.load, shard.index, tables, timeout_s, verdict.wait
                ),
            )  # fmt: skip
            staged.add_done_callback(lambda done: done.exception() and stop.set())
        try:
            result = _judged(ctx, shard, tables, phases)
            verdict.give(not result.blocked)
            if shard.export_dir and not result.blocked:
                result.files = _timed(
                    phases,
                    "export",
                    lambda: export.write_part(
                        Path(shard.export_dir),
                        shard.index,
                        tables,
                        export.Day(ctx.as_of, ctx.changes_since),
                        stop.is_set,
                    ),
                )
        except BaseException as error:
            verdict.give(False)
            stop.set()
            export.raise_first_real(error, staged.exception() if staged else None, "staging")
        if staged is not None:
            result.staged = staged.result()
    result.seconds = time.perf_counter() - started
    result.peak_rss_mb = peak_rss_mb()
    return result


def _judged(
    ctx: Context, shard: ShardPlan, tables: dict[str, pd.DataFrame], phases: dict[str, float]
) -> ShardResult:
    """Every rule of the registry on the shard's tables, with what the shard hands on."""
    judgements = _timed(phases, "judge", lambda: registry.judge(ctx, tables))
    result = ShardResult(
        shard,
        {name: len(tables[name]) for name in TABLE_NAMES},
        judgements,
        profile.sums(ctx.window, tables),
        registry.blocking_failures(judgements),
        phases=phases,
    )
    if shard.index == 0:
        result.preview = {name: tables[name].head(PREVIEW_ROWS) for name in TABLE_NAMES}
    return result
