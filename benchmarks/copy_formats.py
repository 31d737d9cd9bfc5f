"""Text COPY (what the loader ships: CSV rendered by pyarrow, streamed over psycopg's COPY)
against binary COPY fed from Arrow (the ADBC PostgreSQL driver's ingest, `adbc_ingest`), on
the same rows: the family persona's transactions at ~1M rows, into two bare copies of the
transactions table (no keys, no indexes), each measured in the same run, median of three.

What each figure includes: "encode" is the client's work alone (CSV bytes; for binary, the
frame turned into an Arrow table of the table's exact types: UUIDs as 16 bytes, amounts as
decimals, days as dates). "COPY" is the whole path a load would take, encoding included, from
the frame to the rows committed on the server.

    .venv/bin/python benchmarks/copy_formats.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from common import bench_database, scale_for
from psycopg import sql

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres, target
from synth_assets.load.copy import COPY_CHUNK_ROWS, copy_columns, csv_bytes
from synth_assets.personas import load_personas

TABLE = "transactions"
RUNS = 3
HEX = np.full(256, 255, dtype=np.uint8)
HEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)
HEX[np.frombuffer(b"ABCDEF", dtype=np.uint8)] = np.arange(10, 16, dtype=np.uint8)
DASHES = [8, 13, 18, 23]


def uuids(values: pd.Series) -> pa.Array:
    """UUID text (36 characters, or null) as Arrow's uuid type: 16 bytes each, vectorised."""
    present = values.notna().to_numpy()
    text = np.array(values.fillna("0" * 36).tolist(), dtype="S36").view(np.uint8)
    digits = HEX[np.delete(text.reshape(-1, 36), DASHES, axis=1)]
    raw = (digits[:, 0::2] << 4) | digits[:, 1::2]
    storage = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(16), len(values), [None, pa.py_buffer(raw.tobytes())]
    )
    if not present.all():
        storage = pc.if_else(pa.array(present), storage, pa.nulls(len(values), pa.binary(16)))
    return pa.ExtensionArray.from_storage(pa.uuid(), storage)


def money(values: pd.Series, precision: int, scale: int) -> pa.Array:
    """Dollars as Arrow decimals: the unscaled integer (cents) in 128 bits, vectorised."""
    unscaled = np.rint(values.to_numpy(dtype=float) * 10**scale).astype(np.int64)
    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0], words[:, 1] = unscaled, np.where(unscaled < 0, -1, 0)
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale), len(unscaled), [None, pa.py_buffer(words.tobytes())]
    )


def arrow_table(frame: pd.DataFrame, types: dict[str, tuple[str, int, int]]) -> pa.Table:
    """``frame`` as Arrow columns of the server's exact column types (binary COPY checks them)."""
    columns = {}
    for name, (kind, precision, scale) in types.items():
        values = frame[name]
        if kind == "uuid":
            columns[name] = uuids(values)
        elif kind == "numeric":
            columns[name] = money(values, precision, scale)
        elif kind == "date":
            columns[name] = pa.array(values.to_numpy().astype("datetime64[D]"), pa.date32())
        elif kind.startswith("timestamp"):
            zone = "UTC" if "with time zone" in kind else None
            columns[name] = pa.array(
                values.to_numpy().astype("datetime64[us]"), pa.timestamp("us", tz=zone)
            )
        elif kind == "boolean":
            columns[name] = pa.array(values.to_numpy(dtype=bool))
        else:
            columns[name] = pa.array(values, pa.string(), from_pandas=True)
    return pa.table(columns)


def _types(url: str) -> dict[str, tuple[str, int, int]]:
    with target.connect(url) as conn:
        rows = conn.execute(
            "SELECT column_name, data_type, coalesce(numeric_precision, 0), "
            "coalesce(numeric_scale, 0) FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            (TABLE,),
        ).fetchall()
    return {name: (kind, precision, scale) for name, kind, precision, scale in rows}


def _fresh_copy(url: str, name: str) -> None:
    with target.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {})").format(sql.Identifier(name), sql.Identifier(TABLE))
        )


def text_copy(url: str, frame: pd.DataFrame, columns: list[str]) -> float:
    _fresh_copy(url, "bench_text")
    start = time.perf_counter()
    with target.connect(url) as conn, conn.cursor() as cursor:
        copy_columns(cursor, sql.Identifier("bench_text"), columns, frame)
        conn.commit()
    return time.perf_counter() - start


def binary_copy(url: str, frame: pd.DataFrame, types: dict) -> float:
    import adbc_driver_postgresql.dbapi as adbc

    _fresh_copy(url, "bench_binary")
    start = time.perf_counter()
    table = arrow_table(frame, types)
    with adbc.connect(url) as conn, conn.cursor() as cursor:
        cursor.adbc_ingest("bench_binary", table, mode="append")
        conn.commit()
    return time.perf_counter() - start


def _same_rows(url: str) -> bool:
    with target.connect(url) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM (TABLE bench_text EXCEPT ALL TABLE bench_binary) d) = 0 "
            "AND (SELECT count(*) FROM bench_text) = (SELECT count(*) FROM bench_binary)"
        ).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    ctx = Context(load_personas()["family"], scale=scale_for(args.rows))
    frame = generate_all(ctx)[TABLE]
    with bench_database() as url:
        postgres.ensure_schema(url)
        types = _types(url)
        columns = list(types)
        encode = {
            "text": statistics.median(
                _timed(
                    lambda: [
                        csv_bytes(frame[columns].iloc[i : i + COPY_CHUNK_ROWS])
                        for i in range(0, len(frame), COPY_CHUNK_ROWS)
                    ]
                )
                for _ in range(RUNS)
            ),
            "binary": statistics.median(
                _timed(lambda: arrow_table(frame, types)) for _ in range(RUNS)
            ),
        }
        copy = {"text": [], "binary": []}
        for _ in range(RUNS):  # interleaved, so both meet the same machine
            copy["text"].append(text_copy(url, frame, columns))
            copy["binary"].append(binary_copy(url, frame, types))
        same = _same_rows(url)
        with target.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE bench_text; DROP TABLE bench_binary")
    text, binary = statistics.median(copy["text"]), statistics.median(copy["binary"])
    print(
        f"{len(frame):,} transactions ({len(columns)} columns) into a bare table, median of {RUNS}"
    )
    print("| path | encode s | COPY, encode included s | rows/s |")
    print("|---|---:|---:|---:|")
    for name, seconds in (("text (CSV, shipped)", text), ("binary (ADBC ingest)", binary)):
        key = name.split()[0]
        print(f"| {name} | {encode[key]:.2f} | {seconds:.2f} | {len(frame) / seconds:,.0f} |")
    print(f"binary / text: {binary / text:.2f}x; the same rows on the server: {same}")


def _timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
