"""`make bench`: run every benchmark in this folder, print the figures, and write them with
the machine and versions to benchmarks/RESULTS.md, headed by the table of targets the scripts
report (``common.report_target``). Figures are only comparable within a run; a script that
fails is a row of the table and makes the exit status non-zero."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

from common import bench_database, target_rows

from synth_assets.load import target

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    ("Generation", ["generation.py"]),
    ("Plaid validation", ["plaid_validation.py"]),
    ("Intermediate storage", ["io_storage.py"]),
    ("Load into PostgreSQL", ["load.py"]),
    ("COPY formats: text against binary from Arrow", ["copy_formats.py"]),
    ("End to end: `--select '*'` at 1M and 10M transactions", ["end_to_end.py"]),
    ("Shard size: the same tables, and the time", ["shard_sizes.py"]),
    ("Through the mapping: the app's own tables at 1M transactions", ["app_schema.py"]),
    ("Executors", ["executors.py", "--scales", "1", "--rows", "10000000"]),
    ("Celery: two workers against one", ["celery_workers.py"]),
    ("Test databases: the pytest plugin's clone and drop", ["test_databases.py"]),
    ("`make demo`: every persona, as the demo runs them", ["make_demo.py"]),
]
TARGETS_HEADER = "| target | measured | |"
PACKAGES = ["dagster", "pandas", "numpy", "pyarrow", "psycopg", "jsonschema-rs", "faker"]


def machine(url: str) -> list[str]:
    with target.connect(url) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return [
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {memory_gb:.0f} GiB; {platform.platform()}",
        f"- Python {platform.python_version()}; PostgreSQL {server} ({target.masked(url)})",
        "- " + ", ".join(f"{name} {version(name)}" for name in PACKAGES),
    ]


def main() -> int:
    with bench_database() as url:
        env = {**os.environ, "SYNTH_BENCH_DATABASE_URL": url}
        header = ["# Benchmark results", "", *machine(url), ""]
        sections: list[str] = []
        targets: list[str] = []
        failed = 0
        for title, command in BENCHMARKS:
            print(f"== {title}", flush=True)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, *command], cwd=HERE, env=env, capture_output=True, text=True
            )
            output = (
                done.stdout.strip() if done.returncode == 0 else f"FAILED:\n{done.stderr[-2000:]}"
            )
            print(output, flush=True)
            failed += done.returncode != 0
            targets += target_rows(output) if done.returncode == 0 else [f"| {title} | FAILED | |"]
            sections += [
                f"## {title}",
                "",
                f"`{' '.join(command)}` ({time.perf_counter() - start:.0f}s)",
                "",
                output,
                "",
            ]
    table = [TARGETS_HEADER, "|---|---|---|", *targets]
    print("\n== Targets (each against its baseline in this run)\n" + "\n".join(table))
    (HERE / "RESULTS.md").write_text("\n".join([*header, "## Targets", "", *table, "", *sections]))
    print(f"wrote {HERE / 'RESULTS.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
