"""Intermediate storage between Dagster steps: pickle (Dagster's default fs IO manager) vs
Parquet, for the transactions frame of a ~1M-transaction persona, in the same run.

    .venv/bin/python benchmarks/io_storage.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import io
import pickle
import time

import pyarrow as pa
import pyarrow.parquet as pq
from common import scale_for

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.personas import load_personas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    persona = load_personas()["family"]
    frame = generate_all(Context(persona, scale=scale_for(args.rows)))["transactions"]
    timings = []
    start = time.perf_counter()
    blob = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    timings.append(("pickle", time.perf_counter() - start, len(blob)))
    start = time.perf_counter()
    pickle.loads(blob)
    read_pickle = time.perf_counter() - start
    buffer = io.BytesIO()
    start = time.perf_counter()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer, compression="zstd")
    timings.append(("parquet (zstd)", time.perf_counter() - start, buffer.tell()))
    buffer.seek(0)
    start = time.perf_counter()
    pq.read_table(buffer).to_pandas()
    read_parquet = time.perf_counter() - start
    print(f"Intermediate storage: the transactions frame, {len(frame):,} rows")
    print("| format | write s | read s | MB |")
    print("|---|---:|---:|---:|")
    for (name, write_s, size), read_s in zip(timings, (read_pickle, read_parquet), strict=True):
        print(f"| {name} | {write_s:.2f} | {read_s:.2f} | {size / 1e6:,.0f} |")
    print(
        "Steps keep pickle files (for later runs) plus an in-run cache: a table is unpickled at most once a run."
    )


if __name__ == "__main__":
    main()
