"""`make demo`'s job as a user runs it (`python -m synth_assets.demo`: every persona
generated, checked, exported and loaded, one after the other), on a fresh Dagster instance and
an emptied database each time, against the same demo of the tree before issue 25's work (a git
worktree of ``--baseline``, run with this environment's packages), the two in turn. The figure
is the demo summary's own seconds (the personas' runs, not the process start); the ratio is of
the medians. The baseline's personas are its own: the issues of that day changed the data too,
so a ratio near 1 is what "no slower" can show.

    .venv/bin/python benchmarks/make_demo.py [--runs 3] [--baseline 7eb626c]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common import ROOT, _drop_tables, bench_database, dagster_home, report_target

BEFORE_ISSUE_25 = "7eb626c"  # main before the first commit of issue 25
SUMMARY = re.compile(
    r"Generated, checked and loaded (\d+) personas .* in ([\d.]+)s; checks passed: (\d+)/(\d+)"
)


@contextmanager
def worktree(ref: str) -> Iterator[Path]:
    """A checkout of ``ref`` in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="synth_demo_baseline_") as folder:
        tree = Path(folder) / "tree"
        git = ["git", "-C", str(ROOT), "worktree"]
        added = subprocess.run(
            [*git, "add", "--detach", "-q", str(tree), ref], capture_output=True, text=True
        )
        if added.returncode:
            raise SystemExit(f"--baseline {ref!r}: no checkout of it: {added.stderr.strip()}")
        try:
            yield tree
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=True)


def demo_seconds(url: str, tree: Path) -> tuple[float, str]:
    """One demo of the code in ``tree`` into an emptied database: the summary's seconds and
    its line."""
    _drop_tables(url)
    with dagster_home() as home:
        env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            "SYNTH_DATABASE_URL": url,
            "SYNTH_EXPORT_DIR": str(home / "exports"),
            "PYTHONPATH": str(tree),  # the tree's package, not the installed one
        }
        done = subprocess.run(
            [sys.executable, "-m", "synth_assets.demo"],
            cwd=tree, env=env, capture_output=True, text=True,
        )  # fmt: skip
    found = SUMMARY.search(done.stdout)
    if done.returncode or not found or found[3] != found[4]:
        raise SystemExit(
            f"the demo of {tree} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return float(found[2]), found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default=BEFORE_ISSUE_25, help="a git revision")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    runs: dict[str, list[float]] = {"now": [], args.baseline: []}
    with bench_database() as url, worktree(args.baseline) as before:
        for _ in range(args.runs):
            for name, tree in (("now", ROOT), (args.baseline, before)):
                seconds, line = demo_seconds(url, tree)
                runs[name].append(seconds)
                print(f"{name}: {line}", flush=True)
    now, then = (statistics.median(seconds) for seconds in runs.values())
    for name, seconds in runs.items():
        print(
            f"{name}: median {statistics.median(seconds):.1f} s ({', '.join(f'{s:.1f}' for s in seconds)})"
        )
    report_target(
        f"`make demo` no slower than before issue 25 (`{args.baseline}`, same run)",
        f"{now:.1f} s against {then:.1f} s, medians of {args.runs}: {now / then:.2f}x",
        now <= then,
    )


if __name__ == "__main__":
    main()
