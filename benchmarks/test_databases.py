"""The pytest plugin's costs (synth_assets.testing): loading the session's template once, then
per test, creating a database cloned from it and dropping it. The baseline, in the same run, is
creating and dropping an empty database on the same server (what any per-test database costs).

    .venv/bin/python benchmarks/test_databases.py [--persona student] [--runs 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import uuid
from collections.abc import Callable

from common import bench_database

from synth_assets.generate.common import Context
from synth_assets.personas import load_personas
from synth_assets.testing import create_database, drop_database, load_template

AS_OF = dt.date(2026, 11, 20)


def timed(action: Callable[..., None], *args, **kwargs) -> float:
    start = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - start


def clone_and_drop(server: str, template: str | None, runs: int) -> tuple[float, float]:
    """Median seconds to create (from ``template``, or empty) and to drop a database."""
    created, dropped = [], []
    for _ in range(runs):
        name = f"synth_bench_{uuid.uuid4().hex[:8]}_test"
        try:
            created.append(timed(create_database, server, name, template=template))
        finally:
            dropped.append(timed(drop_database, server, name))
    return statistics.median(created), statistics.median(dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persona", default="student")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    ctx = Context(load_personas()[args.persona], as_of=AS_OF)
    with bench_database() as server:
        start = time.perf_counter()
        template = load_template(server, ctx)
        loaded = time.perf_counter() - start
        try:
            clone = clone_and_drop(server, template.name, args.runs)
            empty = clone_and_drop(server, None, args.runs)
        finally:
            drop_database(server, template.name)
    print(f"persona {args.persona}, as of {AS_OF}; medians of {args.runs}")
    print(f"template: generated, judged and loaded once per session: {loaded:.1f} s")
    print(f"per test: clone {clone[0] * 1000:.0f} ms, drop {clone[1] * 1000:.0f} ms")
    print(
        f"baseline: empty database create {empty[0] * 1000:.0f} ms, drop {empty[1] * 1000:.0f} ms"
    )
    print(f"clone / empty create: {clone[0] / empty[0]:.2f}x")


if __name__ == "__main__":
    main()
