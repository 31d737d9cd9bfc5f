"""In-process vs multiprocess executor: wall time of `dagster asset materialize` of one
persona (all assets, checks, loader) at two scales, each executor in the same run.

    .venv/bin/python benchmarks/executors.py [--scales 1 10] [--persona family]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import bench_database

ROOT = Path(__file__).resolve().parent.parent
DAGSTER = str(Path(sys.executable).parent / "dagster")


def materialize_seconds(executor: str, persona: str, scale: float, home: Path, url: str) -> float:
    """Wall time of one CLI materialisation (process start and code loading included)."""
    env = {
        **os.environ,
        "SYNTH_EXECUTOR": executor,
        "SYNTH_SCALE": str(scale),
        "DAGSTER_HOME": str(home),
        "SYNTH_DATABASE_URL": url,
    }
    command = [
        DAGSTER,
        "asset",
        "materialize",
        "-m",
        "synth_assets",
        "--select",
        "*",
        "--partition",
        persona,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--persona", default="family")
    args = parser.parse_args()
    print("| scale | in_process s | multiprocess s | multiprocess / in_process |")
    print("|---:|---:|---:|---:|")
    local_yaml = (ROOT / "configs" / "dagster.local.yaml").read_text()
    with bench_database() as url:
        for scale in args.scales:
            with tempfile.TemporaryDirectory() as home:
                (Path(home) / "dagster.yaml").write_text(local_yaml)
                seconds = {
                    executor: materialize_seconds(executor, args.persona, scale, Path(home), url)
                    for executor in ("in_process", "multiprocess")
                }
            inproc, multi = seconds["in_process"], seconds["multiprocess"]
            print(f"| {scale:g} | {inproc:.1f} | {multi:.1f} | {multi / inproc:.2f} |")


if __name__ == "__main__":
    main()
