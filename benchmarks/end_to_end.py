"""End to end, as a user runs it: `dagster asset materialize -m synth_assets --select '*'`
of the family persona scaled to ~1M (and ~10M) transactions: every table shard by shard, every
check, the publish into PostgreSQL and the file exports, from process start to exit, each a
first load of the persona into the database; then the same command with another seed, a reset
(every transaction "added" in the changes table and the sync pages), for its time and memory.
The baseline, measured in the same run, is a bare vectorised generation of the same rows plus
a COPY of them into unconstrained tables (no checks, no exports, no Dagster).

    .venv/bin/python benchmarks/end_to_end.py [--rows 1000000 10000000]
"""

from __future__ import annotations

import argparse
import time

from common import (
    Measured,
    _drop_tables,
    bench_database,
    dagster_home,
    materialize_cli,
    report_target,
    scale_for,
)
from psycopg import sql

from synth_assets.builtin_tables import TABLE_NAMES
from synth_assets.generate.common import Context
from synth_assets.generate.frames import shard_tables
from synth_assets.generate.users import block_count
from synth_assets.load import postgres, target
from synth_assets.load.copy import copy_frame
from synth_assets.personas import load_personas

RATIO_GOAL = 1.5
RSS_GOAL_MB = 2048
SEEDS = {"SYNTH_SEED": "42"}, {"SYNTH_SEED": "43"}  # a first load's, then a reset's


def bare_seconds(url: str, scale: float) -> float:
    """Generate the persona block by block and COPY its tables into unconstrained
    copies: the least any pipeline making these rows can do."""
    start = time.perf_counter()
    ctx = Context(load_personas()["family"], scale=scale)
    with target.connect(url) as conn, conn.cursor() as cursor:
        for table in TABLE_NAMES:
            bare = sql.Identifier(f"bare_{table}")
            cursor.execute(
                sql.SQL("CREATE TEMP TABLE {} (LIKE {})").format(bare, sql.Identifier(table))
            )
        for block in range(block_count(ctx)):
            frames = shard_tables(ctx, [block])
            for table in TABLE_NAMES:
                copy_frame(cursor, sql.Identifier(f"bare_{table}"), table, frames[table])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    if min(args.rows) <= 0:
        parser.error(f"--rows: a count of transactions above zero, not {min(args.rows)}")
    measured: dict[int, tuple[float, Measured, Measured]] = {}
    print(
        "| transactions | bare gen + COPY s | `--select '*'` s | ratio | s per 1M | peak RSS MB "
        "| a reset s | its peak RSS MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with bench_database() as url:
        for rows in args.rows:
            # Each size a first load (a persona published before in another state is reloaded
            # as a reset), then a reset: the same rows of another seed.
            _drop_tables(url)
            postgres.ensure_schema(url)
            scale = scale_for(rows)
            with dagster_home() as home:
                env = {
                    "SYNTH_SCALE": str(scale),
                    "SYNTH_DATABASE_URL": url,
                    "SYNTH_EXPORT_DIR": str(home / "exports"),
                }
                bare_s = bare_seconds(url, scale)
                first, reset = (materialize_cli("family", "*", home, **env, **s) for s in SEEDS)
            print(
                f"| ~{rows:,} | {bare_s:.1f} | {first.seconds:.1f} | "
                f"{first.seconds / bare_s:.2f}x | {first.seconds / rows * 1e6:.1f} | "
                f"{first.peak_mb:,.0f} | {reset.seconds:.1f} | {reset.peak_mb:,.0f} |",
                flush=True,
            )
            measured[rows] = (bare_s, first, reset)
    print("(peak RSS: each command's largest process)")
    for rows, (bare_s, first, _) in measured.items():
        report_target(
            f"`--select '*'` at ~{rows / 1e6:g}M transactions <= {RATIO_GOAL}x bare generation "
            "+ COPY of the same rows",
            f"{first.seconds:.1f} s against {bare_s:.1f} s: {first.seconds / bare_s:.2f}x",
            first.seconds / bare_s <= RATIO_GOAL,
        )
    largest = max(measured)
    _, first, reset = measured[largest]
    report_target(
        f"at ~{largest / 1e6:g}M transactions, no process above {RSS_GOAL_MB:,} MB RSS",
        f"{first.peak_mb:,.0f} MB first load, {reset.peak_mb:,.0f} MB a reset",
        max(first.peak_mb, reset.peak_mb) <= RSS_GOAL_MB,
    )


if __name__ == "__main__":
    main()
