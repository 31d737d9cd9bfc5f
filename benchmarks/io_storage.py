"""Intermediate storage between Dagster steps, for the transactions frame of a ~1M-transaction
persona, in the same run: Arrow IPC (shipped), pickle (Dagster's default fs IO manager) and
Parquet. Files on local disk; "extra MB" is how far RSS rose above the frame while writing.

    .venv/bin/python benchmarks/io_storage.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from common import scale_for

from synth_assets.defs.io_managers import read_frame, write_frame
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.personas import load_personas


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_during(action: Callable[[], object]) -> tuple[float, float]:
    """(seconds, MB by which RSS rose above its starting level) while ``action`` runs."""
    start_mb, peak, done = rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return seconds, max(peak[0] - start_mb, 0.0)


def pickle_write(frame: pd.DataFrame, path: Path) -> None:
    with path.open("wb") as file:
        pickle.dump(frame, file, pickle.HIGHEST_PROTOCOL)


def pickle_read(path: Path) -> pd.DataFrame:
    with path.open("rb") as file:
        return pickle.load(file)


FORMATS = {
    "Arrow IPC, memory-mapped read (shipped)": (
        lambda frame, path: write_frame(frame, str(path)),
        lambda path: read_frame(str(path)),
    ),
    "pickle (Dagster's default)": (pickle_write, pickle_read),
    "Parquet (zstd)": (
        lambda frame, path: pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False), path, compression="zstd"
        ),
        lambda path: pq.read_table(path).to_pandas(),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    persona = load_personas()["family"]
    frame = generate_all(Context(persona, scale=scale_for(args.rows)))["transactions"]
    print(f"Intermediate storage: the transactions frame, {len(frame):,} rows")
    print("| format | write s | extra MB while writing | read s | file MB |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as directory:
        for name, (write, read) in FORMATS.items():
            path = Path(directory) / name.split()[0]
            write_s, extra_mb = peak_during(lambda: write(frame, path))  # noqa: B023
            start = time.perf_counter()
            back = read(path)
            read_s = time.perf_counter() - start
            assert len(back) == len(frame)
            del back
            size = path.stat().st_size / 1e6
            print(f"| {name} | {write_s:.2f} | {extra_mb:,.0f} | {read_s:.2f} | {size:,.0f} |")
    print("Steps write Arrow IPC files (for later runs) and keep an in-run cache.")


if __name__ == "__main__":
    main()
