"""In-process vs multiprocess executor: wall time of `dagster asset materialize` of one
persona (all assets, checks, loader) at two scales, each executor in the same run.

    .venv/bin/python benchmarks/executors.py [--scales 1 10] [--persona family]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import ROOT, bench_database, materialize_cli


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
                    executor: materialize_cli(
                        args.persona,
                        "*",
                        Path(home),
                        SYNTH_EXECUTOR=executor,
                        SYNTH_SCALE=str(scale),
                        SYNTH_DATABASE_URL=url,
                        SYNTH_EXPORT_DIR=str(Path(home) / "exports"),
                    )
                    for executor in ("in_process", "multiprocess")
                }
            inproc, multi = seconds["in_process"], seconds["multiprocess"]
            print(f"| {scale:g} | {inproc:.1f} | {multi:.1f} | {multi / inproc:.2f} |")


if __name__ == "__main__":
    main()
