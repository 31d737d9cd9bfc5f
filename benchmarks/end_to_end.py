"""End to end, as a user runs it: `dagster asset materialize -m synth_assets --select '*'`
of the family persona scaled to ~1M (and ~10M) transactions: every table shard by shard, every
check, the publish into PostgreSQL and the file exports, from process start to exit, each a
first load of the persona into the database. The baseline, measured in the same run, is a bare
vectorised generation of the same rows plus a COPY of them into unconstrained tables (no checks, no exports, no Dagster).

    .venv/bin/python benchmarks/end_to_end.py [--rows 1000000 10000000]
"""

from __future__ import annotations

import argparse
import resource
import time

from common import (
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
    measured: dict[int, tuple[float, float, float]] = {}
    print(
        "| transactions | bare gen + COPY s | `--select '*'` s | ratio | s per 1M | peak RSS MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    with bench_database() as url:
        for rows in args.rows:
            # Each command a first load: a persona published before in another state (another
            # scale) is reloaded as a reset, whose sync pages hold every transaction.
            _drop_tables(url)
            postgres.ensure_schema(url)
            scale = scale_for(rows)
            with dagster_home() as home:
                bare_s = bare_seconds(url, scale)
                e2e_s = materialize_cli(
                    "family",
                    "*",
                    home,
                    SYNTH_SCALE=str(scale),
                    SYNTH_DATABASE_URL=url,
                    SYNTH_EXPORT_DIR=str(home / "exports"),
                )
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(
                f"| ~{rows:,} | {bare_s:.1f} | {e2e_s:.1f} | {e2e_s / bare_s:.2f}x | "
                f"{e2e_s / rows * 1e6:.1f} | {peak_mb:,.0f} |",
                flush=True,
            )
            measured[rows] = (bare_s, e2e_s, peak_mb)
    print("(peak RSS: the largest of the commands so far, an upper bound for the last)")
    for rows, (bare_s, e2e_s, _) in measured.items():
        report_target(
            f"`--select '*'` at ~{rows / 1e6:g}M transactions <= {RATIO_GOAL}x bare generation "
            "+ COPY of the same rows",
            f"{e2e_s:.1f} s against {bare_s:.1f} s: {e2e_s / bare_s:.2f}x",
            e2e_s / bare_s <= RATIO_GOAL,
        )
    largest = max(measured)
    report_target(
        f"at ~{largest / 1e6:g}M transactions, no process above {RSS_GOAL_MB:,} MB RSS",
        f"{measured[largest][2]:,.0f} MB",
        measured[largest][2] <= RSS_GOAL_MB,
    )


if __name__ == "__main__":
    main()
