"""In-process vs multiprocess executor (as shipped: forkserver, and with Dagster's spawn
start): wall time of `dagster asset materialize` of one persona (all assets, checks, loader)
at two scales, each in the same run, each a first load of the persona.

    .venv/bin/python benchmarks/executors.py [--scales 1 10] [--persona family]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import ROOT, _drop_tables, bench_database, materialize_cli

SPAWN = json.dumps({"execution": {"config": {"start_method": {"spawn": {}}}}})
# Each executor's (SYNTH_EXECUTOR, run config): multiprocess as shipped (forkserver with the
# definitions preloaded), and with Dagster's default start, a fresh interpreter per step.
RUNS = {
    "in_process": ("in_process", None),
    "multiprocess": ("multiprocess", None),
    "multiprocess, spawn": ("multiprocess", SPAWN),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--persona", default="family")
    args = parser.parse_args()
    print(
        "| scale | in_process s | multiprocess s | multiprocess, spawn s | "
        "multiprocess / in_process | spawn / forkserver |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    local_yaml = (ROOT / "configs" / "dagster.local.yaml").read_text()
    with bench_database() as url:
        for scale in args.scales:
            seconds = {}
            for name, (executor, config) in RUNS.items():
                _drop_tables(url)  # each run a first load: the same rows to write
                with tempfile.TemporaryDirectory() as home:
                    (Path(home) / "dagster.yaml").write_text(local_yaml)
                    seconds[name] = materialize_cli(
                        args.persona,
                        "*",
                        Path(home),
                        config,
                        SYNTH_EXECUTOR=executor,
                        SYNTH_SCALE=str(scale),
                        SYNTH_DATABASE_URL=url,
                        SYNTH_EXPORT_DIR=str(Path(home) / "exports"),
                    )
            inproc, multi, spawn = (seconds[name] for name in RUNS)
            print(
                f"| {scale:g} | {inproc:.1f} | {multi:.1f} | {spawn:.1f} | "
                f"{multi / inproc:.2f} | {spawn / multi:.2f} |"
            )


if __name__ == "__main__":
    main()
