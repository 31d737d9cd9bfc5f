"""What the benchmarks share: a database to load into, measured in the same run."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from psycopg import sql

from synth_assets.load import embedded, schema, staging, target


@contextmanager
def bench_database() -> Iterator[str]:
    """SYNTH_BENCH_DATABASE_URL when set (its database is created if missing, and emptied of
    synth_assets' tables when this process is the first to use it), else a fresh embedded
    PostgreSQL in a temporary folder, stopped afterwards."""
    configured = os.environ.get("SYNTH_BENCH_DATABASE_URL")
    if configured:
        target.ensure_database(configured)
        if not os.environ.get(_CLEANED):
            _drop_tables(configured)
            os.environ[_CLEANED] = "1"  # run_all's benchmarks, its children, reuse the database
        yield configured
        return
    with tempfile.TemporaryDirectory(prefix="synth_bench_") as directory:
        try:
            yield embedded.embedded_url(Path(directory), "synth_bench_test")
        finally:
            embedded.stop(Path(directory))


ROOT = Path(__file__).resolve().parent.parent
_CLEANED = "SYNTH_BENCH_DATABASE_CLEANED"


def _drop_tables(url: str) -> None:
    """synth_assets' tables and its staging (what was published, so the next load is a
    first one): the benchmark database is the benchmarks' own."""
    with target.connect(url, autocommit=True) as conn:
        for table in reversed(schema.TABLE_NAMES):
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(table)))
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(staging.SCHEMA))
        )


@contextmanager
def dagster_home() -> Iterator[Path]:
    """A fresh, temporary DAGSTER_HOME with the project's local instance config (what `make
    demo` uses): the commands run in one start with an empty run history."""
    with tempfile.TemporaryDirectory(prefix="synth_bench_home_") as home:
        (Path(home) / "dagster.yaml").write_text(
            (ROOT / "configs" / "dagster.local.yaml").read_text()
        )
        yield Path(home)


class Measured(NamedTuple):
    """One command's wall seconds (process start and code loading included) and peak RSS
    (its largest process, the step processes it waited for included)."""

    seconds: float
    peak_mb: float


def materialize_cli(
    persona: str, selection: str, home: Path, config: str | None = None, **env: str
) -> Measured:
    """`dagster asset materialize`, measured, with ``env`` (e.g. SYNTH_SCALE,
    SYNTH_DATABASE_URL) on top of this process's environment and ``config`` as its run
    config (JSON)."""
    dagster = str(Path(sys.executable).parent / "dagster")
    command = [dagster, "asset", "materialize", "-m", "synth_assets", "--select", selection]
    command += ["--partition", persona, *(["--config-json", config] if config else [])]
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "DAGSTER_HOME": str(home), **env},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _, status, usage = os.wait4(process.pid, 0)  # the command's own resource usage
        except BaseException:  # interrupted: the command does not outlive the benchmark
            process.kill()
            process.wait()
            raise
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            log.seek(0)
            raise SystemExit(log.read()[-3000:].decode(errors="replace"))
    return Measured(seconds, usage.ru_maxrss / 1024)


def scale_for(rows: int, persona: str = "family") -> float:
    """The scale at which ``persona`` generates about ``rows`` transactions, extrapolated
    from its first two blocks of users (a default persona's few dozen users are too few)."""
    from synth_assets.generate.common import BLOCK_USERS, Context
    from synth_assets.generate.frames import shard_tables
    from synth_assets.personas import load_personas

    spec = load_personas()[persona]
    probe = Context(spec, scale=2 * BLOCK_USERS / spec.users)
    sample = len(shard_tables(probe, range(2))["transactions"])
    return rows / sample * probe.scale


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot, all cores (Linux
    /proc/stat: everything but idle and iowait): over an interval, busy seconds / wall seconds
    is how many cores were in use, this process's children, the database server and anything
    else together."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + ticks[4]
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


TARGET_MARK = "target |"


def report_target(goal: str, measured: str, met: bool) -> None:
    """Print one line of the target table ``make bench`` ends with (run_all gathers these
    lines from every script's output): the goal, what this run measured against its
    baseline, and whether the goal was met."""
    print(f"{TARGET_MARK} {goal} | {measured} | {'met' if met else 'MISSED'}", flush=True)


def target_rows(output: str) -> list[str]:
    """The target lines of a script's output as rows of a Markdown table."""
    return [
        "| " + line.removeprefix(TARGET_MARK).strip() + " |"
        for line in output.splitlines()
        if line.startswith(TARGET_MARK)
    ]
