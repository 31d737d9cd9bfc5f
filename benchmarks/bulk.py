"""Scale in bounded memory: `dagster asset materialize` of the bulk asset (generate, check and
load block by block, one transaction) at ~1M and ~10M transactions of one persona, in the
same run: wall time, throughput and peak RSS of each, and how both scale from 1M to 10M.

    .venv/bin/python benchmarks/bulk.py [--rows 1000000 10000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
from pathlib import Path

from common import ROOT, bench_database, materialize_cli

from synth_assets.defs.bulk import ASSET
from synth_assets.load import postgres, target

PERSONA = "family"


def run(url: str, rows: int) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB, transactions stored) of one bulk materialisation, each in
    a fresh process (RUSAGE_CHILDREN's peak is per finished child, so runs go smallest first)."""
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "dagster.yaml").write_text(
            (ROOT / "configs" / "dagster.local.yaml").read_text()
        )
        config = json.dumps({"ops": {ASSET: {"config": {"transactions": rows}}}})
        seconds = materialize_cli(PERSONA, ASSET, Path(home), config, SYNTH_DATABASE_URL=url)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with target.connect(url) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM transactions WHERE persona = %s", (PERSONA,)
        ).fetchone()[0]
    return seconds, peak_mb, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    results = []
    with bench_database() as url:
        postgres.ensure_schema(url)
        for rows in sorted(args.rows):
            results.append((rows, *run(url, rows)))
    print(f"Bulk asset (persona {PERSONA}, checked and loaded block by block, one transaction)")
    print("| target | transactions stored | wall s (CLI) | transactions/s | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|")
    for rows, seconds, peak_mb, stored in results:
        print(
            f"| {rows:,} | {stored:,} | {seconds:.0f} | {stored / seconds:,.0f} | {peak_mb:,.0f} |"
        )
    (small, s_s, s_mb, s_n), (large, l_s, l_mb, l_n) = results[0], results[-1]
    if large > small:
        print(
            f"{l_n / s_n:.1f}x the transactions: {l_s / s_s:.1f}x the time, "
            f"{l_mb / s_mb:.2f}x the peak memory (target: 10M with peak RSS <= 2,000 MB)"
        )


if __name__ == "__main__":
    main()
