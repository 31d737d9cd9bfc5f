"""Load speed into the real server: `replace_partition` of a ~1M-transaction persona (one
transaction: COPY into bare partitions, build keys, swap in with every constraint validated)
against, in the same run, the ceiling (a server-side `COPY ... FROM '<file>'` of the same
transactions into a table with no constraints or indexes) and the straightforward shape (COPY
into plain tables whose keys, foreign keys and indexes are maintained row by row).

    .venv/bin/python benchmarks/load.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from common import bench_database, scale_for
from psycopg import sql
from sqlalchemy import MetaData, create_engine
from sqlalchemy.pool import NullPool

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres, schema, target
from synth_assets.load.copy import csv_bytes
from synth_assets.personas import load_personas


def ceiling_seconds(url: str, csv: bytes) -> float:
    """Server-side COPY of the same rows into an unconstrained copy of the table's columns."""
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as handle:
        handle.write(csv)
    os.chmod(handle.name, 0o644)
    columns = sql.SQL(", ").join(map(sql.Identifier, schema.columns("transactions")))
    try:
        with target.connect(url) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_ceiling")
            conn.execute("CREATE TABLE bench_ceiling (LIKE transactions INCLUDING DEFAULTS)")
            conn.commit()
            start = time.perf_counter()
            conn.execute(
                sql.SQL("COPY bench_ceiling ({}) FROM {} WITH (FORMAT csv)").format(
                    columns, sql.Literal(handle.name)
                )
            )
            conn.commit()
            seconds = time.perf_counter() - start
            conn.execute("DROP TABLE bench_ceiling")
            conn.commit()
    finally:
        Path(handle.name).unlink()
    return seconds


def live_constraints_seconds(url: str, frames: dict) -> float:
    """COPY every table, in one transaction, into unpartitioned copies of the schema (in
    their own PostgreSQL schema) whose keys and indexes are live during the COPY."""
    plain = MetaData(schema="bench_live")
    for table in schema.TABLES:
        table.to_metadata(plain).dialect_kwargs.pop("postgresql_partition_by", None)
    with target.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS bench_live CASCADE")
        conn.execute("CREATE SCHEMA bench_live")
    engine = create_engine(
        "postgresql+psycopg://", creator=lambda: target.connect(url), poolclass=NullPool
    )
    plain.create_all(engine)
    engine.dispose()
    start = time.perf_counter()
    with target.connect(url) as conn, conn.cursor() as cursor:
        for table in schema.TABLE_NAMES:
            columns = schema.columns(table)
            statement = sql.SQL("COPY bench_live.{} ({}) FROM STDIN WITH (FORMAT csv)").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            with cursor.copy(statement) as copy:
                copy.write(csv_bytes(frames[table][columns]))
    seconds = time.perf_counter() - start
    with target.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA bench_live CASCADE")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    persona = load_personas()["family"]
    ctx = Context(persona, scale=scale_for(args.rows))
    frames = generate_all(ctx)
    transactions = frames["transactions"]
    total = sum(len(frame) for frame in frames.values())
    with bench_database() as url:
        postgres.ensure_schema(url)
        with target.connect(url) as conn:  # start from an empty partition, as a first load
            for table in reversed(schema.TABLE_NAMES):
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE persona = 'family'").format(sql.Identifier(table))
                )
        start = time.perf_counter()
        postgres.replace_partition(url, "family", frames, as_of=ctx.as_of)
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        postgres.replace_partition(url, "family", frames, as_of=ctx.as_of)
        reload_s = time.perf_counter() - start
        ceiling_s = ceiling_seconds(url, csv_bytes(transactions[schema.columns("transactions")]))
        live_s = live_constraints_seconds(url, frames)
    print(
        f"Load: {total:,} rows in {len(schema.TABLE_NAMES)} tables, {len(transactions):,} transactions"
    )
    print("| path | seconds | rows/s |")
    print("|---|---:|---:|")
    print(
        f"| replace_partition, first load (bare partitions, keys built, swapped in) | {load_s:.2f} | {total / load_s:,.0f} |"
    )
    print(
        f"| replace_partition, reload (same, old partitions dropped) | {reload_s:.2f} | {total / reload_s:,.0f} |"
    )
    print(
        f"| straightforward: COPY into tables with keys and FKs live | {live_s:.2f} | {total / live_s:,.0f} |"
    )
    print(
        f"| ceiling: server-side COPY of the transactions, no constraints | {ceiling_s:.2f} | {len(transactions) / ceiling_s:,.0f} |"
    )
    print(
        f"load vs ceiling: {(total / load_s) / (len(transactions) / ceiling_s):.2f}x (target >= 0.5x); "
        f"vs the straightforward shape: {live_s / load_s:.2f}x faster"
    )


if __name__ == "__main__":
    main()
