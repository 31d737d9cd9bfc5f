"""Celery: shard throughput of one worker against two, on this machine, with the same
deployment the test suite starts (kombu's filesystem broker, two `dagster-celery` worker
processes, --concurrency=1 each). Each figure is `dagster asset materialize --select
'*postgres_tables'` of a persona split into an even number of shards (default 6 of 500 users,
~2.9M transactions: a Celery step costs about a second of its own; with an odd count the last
shard runs alone on one worker, which measures the split, not the workers). Shard throughput
is shard steps per minute from the first shard step's start to the last one's end (the run's
events); the command's wall time, which adds the process start, the plan step and the
publish, is printed beside it, and so are the cores the whole machine kept busy over it.

    .venv/bin/python benchmarks/celery_workers.py [--shards 6] [--shard-users 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, bench_database, machine_busy_seconds, report_target, scale_for
from dagster import DagsterEventType

from synth_assets.generate.common import Context
from synth_assets.personas import load_personas
from synth_assets.shards import plan

sys.path.insert(0, str(ROOT))
from synth_assets_tests.support.celery import Deployment

PERSONA = "young_professional"
SPEEDUP_GOAL = 1.6


def timed_run(deployed: Deployment) -> tuple[float, float, float, int]:
    """(the command's wall seconds, the machine's cores in use over it, the seconds from the
    first shard step's start to the last one's end, and the shard steps that succeeded; the
    last two read from the run's events)."""
    start, busy = time.perf_counter(), machine_busy_seconds()
    run = deployed.materialize()
    output = run.communicate(timeout=3600)[0].decode()
    if run.returncode:
        raise SystemExit(output[-3000:])
    wall = time.perf_counter() - start
    cores = (machine_busy_seconds() - busy) / wall
    instance = deployed.instance()
    [record] = instance.get_run_records(limit=1)
    kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS}
    entries = [
        entry
        for kind in kinds
        for entry in instance.all_logs(record.dagster_run.run_id, of_type=kind)
        if "build_shard[" in (entry.step_key or "")
    ]
    stamps = [entry.timestamp for entry in entries]
    done = {e.step_key for e in entries if e.dagster_event_type == DagsterEventType.STEP_SUCCESS}
    return wall, cores, max(stamps) - min(stamps), len(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=int, default=6)
    parser.add_argument("--shard-users", type=int, default=500)
    args = parser.parse_args()
    spec = load_personas()[PERSONA]
    # The persona's fixed users come on top of its scaled ones: whole shards of both.
    scale = (args.shards * args.shard_users - len(spec.fixed_users)) / spec.users
    ctx = Context(spec, scale=scale)
    shards = len(plan(ctx, args.shard_users, "bench", stage=False, export_dir=None))
    per_transaction = scale_for(1, PERSONA)  # the scale that makes about one transaction
    print(
        f"{PERSONA} at scale {scale:.1f} (~{scale / per_transaction:,.0f} transactions), "
        f"{args.shard_users:,} users per shard, {shards} shards"
    )
    print(
        "| workers | command s | cores in use (whole machine) | shard steps s (first start to "
        "last end) | shards per minute |"
    )
    print("|---:|---:|---:|---:|---:|")
    seconds = {}
    with bench_database() as url:
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                deployed = Deployment(Path(tmp), url, PERSONA)  # the shipped personas
                deployed.env["SYNTH_SCALE"] = str(scale)
                deployed.env["SYNTH_SHARD_USERS"] = str(args.shard_users)
                deployed.instance()
                try:
                    for n in range(workers):
                        deployed.start_worker(f"w{n + 1}")
                    wall, cores, seconds[workers], ran = timed_run(deployed)
                    if ran != shards:
                        raise SystemExit(f"planned {shards} shard steps, the run ran {ran}")
                finally:
                    deployed.stop()
            rate = shards / seconds[workers] * 60
            print(
                f"| {workers} | {wall:.1f} | {cores:.2f} of {os.cpu_count()} | "
                f"{seconds[workers]:.1f} | {rate:.1f} |",
                flush=True,
            )
    speedup = seconds[1] / seconds[2]
    report_target(
        f"two Celery workers against one >= {SPEEDUP_GOAL}x shard throughput",
        f"{speedup:.2f}x ({seconds[2]:.1f} s of shard steps against {seconds[1]:.1f} s)",
        speedup >= SPEEDUP_GOAL,
    )


if __name__ == "__main__":
    main()
