"""Dry run: what a refresh would generate, per persona and table, without writing anything.

    .venv/bin/python -m synth_assets.plan [--scale 10] [--seed 7] [--persona student ...]

Counts are exact: the persona's tables are generated in memory (same seed, same rows) and
discarded; nothing touches the database, Dagster's storage or the export folder.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from synth_assets import settings
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import schema
from synth_assets.personas import PersonaError, load_personas


def plan(seed: int, scale: float, names: list[str] | None = None) -> pd.DataFrame:
    """Rows per table (columns) per persona (index) that a run with these settings writes."""
    personas = load_personas()
    unknown = sorted(set(names or []) - set(personas))
    if unknown:
        raise PersonaError(f"unknown personas {unknown}; known: {sorted(personas)}")
    rows = {
        name: {
            table: len(frame)
            for table, frame in generate_all(Context(persona, seed, scale)).items()
        }
        for name, persona in personas.items()
        if not names or name in names
    }
    return pd.DataFrame(rows).T.reindex(columns=list(schema.TABLE_NAMES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Show what a refresh would generate, writing nothing."
    )
    parser.add_argument("--seed", type=int, help="default: SYNTH_SEED, else 42")
    parser.add_argument("--scale", type=float, help="default: SYNTH_SCALE, else 1")
    parser.add_argument("--persona", action="append", help="limit to these personas (repeatable)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        seed = settings.resolve(settings.SEED, args.seed).value
        scale = settings.resolve(settings.SCALE, args.scale).value
        counts = plan(seed, scale, args.persona)
    except (PersonaError, settings.SettingError) as error:
        print(error, file=sys.stderr)
        return 2
    counts.loc["TOTAL"] = counts.sum()
    print(
        f"Dry run (seed {seed}, scale {scale:g}): rows each table would receive; nothing written."
    )
    print(counts.to_string())
    print(f"(generated in memory in {time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
