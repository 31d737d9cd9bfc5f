"""Celery: shard throughput of one worker against two, on this machine, with the same
deployment the test suite starts (kombu's filesystem broker, two `dagster-celery` worker
processes, --concurrency=1 each). Each figure is `dagster asset materialize --select
'*postgres_tables'` of a persona in 250-user shards, from process start to exit; throughput
is shard steps per minute of that wall time.

    .venv/bin/python benchmarks/celery_workers.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, bench_database, scale_for

sys.path.insert(0, str(ROOT))
from synth_assets_tests.test_celery import PERSONA, Deployment


def timed_run(deployed: Deployment) -> float:
    start = time.perf_counter()
    run = deployed.materialize()
    output = run.communicate(timeout=3600)[0].decode()
    if run.returncode:
        raise SystemExit(output[-3000:])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    scale = scale_for(args.rows, PERSONA)
    print(f"{PERSONA} at scale {scale:.1f} (~{args.rows:,} transactions), 250 users per shard")
    print("| workers | seconds | shards | shards per minute |")
    print("|---:|---:|---:|---:|")
    seconds = {}
    with bench_database() as url:
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                deployed = Deployment(Path(tmp), url)
                deployed.env["SYNTH_SCALE"] = str(scale)
                deployed.instance()
                try:
                    for n in range(workers):
                        deployed.start_worker(f"w{n + 1}")
                    seconds[workers] = timed_run(deployed)
                finally:
                    deployed.stop()
            shards = -(-round(scale * 80 + 1) // 250)
            rate = shards / seconds[workers] * 60
            print(f"| {workers} | {seconds[workers]:.1f} | {shards} | {rate:.1f} |", flush=True)
    print(f"two workers / one: {seconds[1] / seconds[2]:.2f}x shard throughput (target >= 1.6x)")


if __name__ == "__main__":
    main()
