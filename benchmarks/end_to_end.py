"""End to end through Dagster: `dagster asset materialize` of one persona scaled to ~1M
transactions (all six tables, every check, the loader; exports left out), its wall time and
peak memory, against bare generation + COPY of the same rows measured in the same run.

    .venv/bin/python benchmarks/end_to_end.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from common import ROOT, bench_database, materialize_cli, scale_for
from psycopg import sql

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres, schema, target
from synth_assets.personas import load_personas

SELECTION = ",".join([*schema.TABLE_NAMES, "postgres_tables"])


def bare_seconds(url: str, scale: float) -> tuple[float, int]:
    """Generate the persona and COPY its six tables into unconstrained copies."""
    start = time.perf_counter()
    frames = generate_all(Context(load_personas()["family"], scale=scale))
    with target.connect(url) as conn, conn.cursor() as cursor:
        for table in schema.TABLE_NAMES:
            bare = sql.Identifier(f"bare_{table}")
            cursor.execute(
                sql.SQL("CREATE TEMP TABLE {} (LIKE {})").format(bare, sql.Identifier(table))
            )
            columns = sql.SQL(", ").join(map(sql.Identifier, schema.columns(table)))
            with cursor.copy(
                sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(bare, columns)
            ) as copy:
                copy.write(postgres._csv(frames[table][schema.columns(table)]))
    return time.perf_counter() - start, sum(len(frame) for frame in frames.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    scale = scale_for(args.rows)
    with bench_database() as url, tempfile.TemporaryDirectory() as home:
        postgres.ensure_schema(url)
        (Path(home) / "dagster.yaml").write_text(
            (ROOT / "configs" / "dagster.local.yaml").read_text()
        )
        bare_s, rows = bare_seconds(url, scale)
        e2e_s = materialize_cli(
            "family", SELECTION, Path(home), SYNTH_SCALE=str(scale), SYNTH_DATABASE_URL=url
        )
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"End to end: persona family at scale {scale:.1f} (~{args.rows:,} transactions, {rows:,} rows in all)"
    )
    print("| path | seconds |")
    print("|---|---:|")
    print(f"| bare: generate + COPY into unconstrained tables (in-process) | {bare_s:.1f} |")
    print(
        f"| dagster asset materialize: tables, all checks, loader (CLI, incl. start-up) | {e2e_s:.1f} |"
    )
    print(
        f"ratio end to end / bare: {e2e_s / bare_s:.2f}x (target <= 3x); wall {e2e_s:.1f}s (target <= 30s)"
    )
    print(f"peak RSS of the materialize process: {peak_mb:,.0f} MB (target <= 1,500 MB)")


if __name__ == "__main__":
    main()
