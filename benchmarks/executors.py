"""In-process vs multiprocess executor (as shipped: forkserver, and with Dagster's spawn
start): wall time of `dagster asset materialize` of one persona (all assets, checks, loader)
at each size, each in the same run, each a first load of the persona. Sizes are scales
(``--scales``) or about so many transactions (``--rows``); the spawn start, a fresh
interpreter per step, is measured at scales up to 10 only, where its cost per step shows.

    .venv/bin/python benchmarks/executors.py [--scales 1 10] [--rows 10000000] [--persona family]
"""

from __future__ import annotations

import argparse
import json

from common import (
    _drop_tables,
    bench_database,
    dagster_home,
    materialize_cli,
    report_target,
    scale_for,
)

from synth_assets.defs.executors import DEFAULT_EXECUTOR

SPAWN = json.dumps({"execution": {"config": {"start_method": {"spawn": {}}}}})
SPAWN_MAX_SCALE = 10.0
SPEEDUP_GOAL = 1.4
# Each executor's (SYNTH_EXECUTOR, run config): multiprocess as shipped (forkserver with the
# definitions preloaded), and with Dagster's default start, a fresh interpreter per step.
RUNS = {
    "in_process": ("in_process", None),
    "multiprocess": ("multiprocess", None),
    "multiprocess, spawn": ("multiprocess", SPAWN),
}


def timed(url: str, persona: str, scale: float, executor: str, config: str | None) -> float:
    """One first load of ``persona`` at ``scale`` with ``executor``, in a fresh instance."""
    _drop_tables(url)  # each run a first load: the same rows to write
    with dagster_home() as home:
        return materialize_cli(
            persona,
            "*",
            home,
            config,
            SYNTH_EXECUTOR=executor,
            SYNTH_SCALE=str(scale),
            SYNTH_DATABASE_URL=url,
            SYNTH_EXPORT_DIR=str(home / "exports"),
        ).seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="*", default=[1.0, 10.0])
    parser.add_argument("--rows", type=int, nargs="*", default=[])
    parser.add_argument("--persona", default="family")
    args = parser.parse_args()
    if not args.scales + args.rows or min(args.scales + args.rows) <= 0:
        parser.error("give at least one size, every --scales and --rows above 0")
    sizes = [(f"scale {scale:g}", scale) for scale in args.scales]
    sizes += [
        (f"~{rows / 1e6:g}M transactions", scale_for(rows, args.persona)) for rows in args.rows
    ]
    print(
        "| size | in_process s | multiprocess s | multiprocess, spawn s | "
        "multiprocess / in_process | spawn / forkserver |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    with bench_database() as url:
        for label, scale in sizes:
            seconds = {
                name: timed(url, args.persona, scale, executor, config)
                for name, (executor, config) in RUNS.items()
                if config is None or scale <= SPAWN_MAX_SCALE
            }
            inproc, multi = seconds["in_process"], seconds["multiprocess"]
            spawn = seconds.get("multiprocess, spawn")
            print(
                f"| {label} | {inproc:.1f} | {multi:.1f} | "
                + (
                    f"{spawn:.1f} | {multi / inproc:.2f} | {spawn / multi:.2f} |"
                    if spawn
                    else f"- | {multi / inproc:.2f} | - |"
                ),
                flush=True,
            )
    default = seconds[DEFAULT_EXECUTOR]
    report_target(
        f"the default executor at {label} >= {SPEEDUP_GOAL}x faster than one process",
        f"the default is {DEFAULT_EXECUTOR}: {inproc / default:.2f}x; multiprocess "
        f"{inproc / multi:.2f}x ({multi:.1f} s against {inproc:.1f} s)",
        inproc / default >= SPEEDUP_GOAL,
    )


if __name__ == "__main__":
    main()
