"""Through the mapping (SPEC §9): `dagster asset materialize -m synth_assets --select '*'`
of the family persona scaled to ~1M transactions with SYNTH_TARGET naming
examples/app_schema/mapping.yaml, against the same command without it, measured in the same
run. Both runs include everything the command does: every shard, check, export and the publish
of synth_assets' own tables; the mapped run adds the app-table step (the persona made again a
block of users at a time, turned into the app's tables, judged and copied into them, in one
transaction). Its floor is printed beside it: COPY of the same app rows into copies of the
app's tables without their indexes and constraints, and with them (up to 2M transactions:
that measurement holds every app row in memory at once, which the product never does).

    .venv/bin/python benchmarks/app_schema.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time

from common import ROOT, bench_database, dagster_home, materialize_cli, scale_for
from psycopg import sql

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import target
from synth_assets.load.copy import copy_columns
from synth_assets.personas import load_personas
from synth_assets.target import mapping, schema_input, transform

EXAMPLE = ROOT / "examples" / "app_schema"
FLOOR_UP_TO = 2_000_000  # the floor holds the persona's app rows in this process at once


def _app_schema(url: str) -> None:
    """The example app's tables, made afresh (the benchmark's database is its own)."""
    read = mapping.read(EXAMPLE / "mapping.yaml")
    with target.connect(url, autocommit=True) as conn:
        for name in read.tables:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(name)))
        conn.execute("DROP SCHEMA IF EXISTS synth_target CASCADE")
        conn.execute((EXAMPLE / "schema.sql").read_text())


def copy_floor(url: str, scale: float) -> tuple[float, float, int]:
    """Seconds to COPY the persona's app rows into bare copies of the app's tables, and into
    copies with their indexes and constraints (foreign keys aside); and the rows."""
    ctx = Context(load_personas()["family"], scale=scale)
    read = mapping.read(EXAMPLE / "mapping.yaml")
    schema = schema_input.read(read.target, EXAMPLE)
    tables = transform.transform(read, schema, generate_all(ctx), ctx.seed, "family", None, scale)
    seconds = []
    with target.connect(url) as conn, conn.cursor() as cursor:
        for including in ("", " INCLUDING INDEXES INCLUDING CONSTRAINTS"):
            copies = {name: sql.Identifier(f"bench_{name}") for name in tables}
            for name, copy in copies.items():
                cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(copy))
                cursor.execute(
                    sql.SQL(
                        "CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS" + including + ")"
                    ).format(copy, sql.Identifier(name))
                )
            start = time.perf_counter()
            for name, frame in tables.items():
                copy_columns(cursor, copies[name], list(frame.columns), frame)
            seconds.append(time.perf_counter() - start)
        conn.rollback()
    return seconds[0], seconds[1], sum(len(frame) for frame in tables.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    args = parser.parse_args()
    print(
        "| transactions | built-in `--select '*'` s | through the mapping s | ratio | "
        "app rows | their COPY: bare s | with indexes, checks s | peak RSS MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with bench_database() as url:
        _app_schema(url)
        for rows in args.rows:
            scale = scale_for(rows)
            with dagster_home() as home:
                env = {
                    "SYNTH_SCALE": str(scale),
                    "SYNTH_DATABASE_URL": url,
                    "SYNTH_EXPORT_DIR": str(home / "exports"),
                }
                built_in = materialize_cli("family", "*", home, **env)
                mapped = materialize_cli(
                    "family", "*", home, SYNTH_TARGET=str(EXAMPLE / "mapping.yaml"), **env
                )
            seconds = {"built-in": built_in.seconds, "mapped": mapped.seconds}
            peak_mb = max(built_in.peak_mb, mapped.peak_mb)
            floor = "| — | — | — |"
            if rows <= FLOOR_UP_TO:
                bare, constrained, app_rows = copy_floor(url, scale)
                floor = f"| {app_rows:,} | {bare:.1f} | {constrained:.1f} |"
            print(
                f"| ~{rows:,} | {seconds['built-in']:.1f} | {seconds['mapped']:.1f} | "
                f"{seconds['mapped'] / seconds['built-in']:.2f}x {floor} {peak_mb:,.0f} |",
                flush=True,
            )
    print(
        "target: through the mapping <= 1.3x the built-in command; no process above 2,048 MB "
        "(peak RSS: the larger of the two commands' largest process)"
    )


if __name__ == "__main__":
    main()
