"""Dry run: what a refresh would generate, per persona and table, and every check's verdict
on it, without writing anything.

    .venv/bin/python -m synth_assets.plan [--scale 10] [--seed 7] [--as-of 2026-11-20]
        [--persona student ...]

Counts and verdicts are exact: the persona is generated shard by shard (the same rows a run
makes, from the same seed), every rule of the registry judges each shard, and the rows are
discarded; nothing touches the database, Dagster's storage or the export folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass

import pandas as pd

from synth_assets import settings, shards
from synth_assets.builtin_tables import TABLE_NAMES
from synth_assets.checks import registry
from synth_assets.generate import calendar
from synth_assets.generate.common import Context
from synth_assets.personas import Persona, PersonaError, load_each


@dataclass(frozen=True)
class Dry:
    """What a run would write for one persona, and every rule's verdict on it."""

    rows: dict[str, int]
    verdicts: dict[str, registry.Verdict]

    def failed(self, blocking: bool) -> list[str]:
        return [k for k, v in self.verdicts.items() if v.rule.blocking == blocking and not v.passed]


def dry_run(ctx: Context, shard_users: int) -> Dry:
    """The persona generated and judged shard by shard, exactly as a run does; nothing kept."""
    results = [
        shards.run_shard(ctx, shard, None)
        for shard in shards.plan(ctx, shard_users, "dry-run", stage=False, export_dir=None)
    ]
    rows = {table: sum(r.rows[table] for r in results) for table in TABLE_NAMES}
    verdicts = {
        rule.key: registry.verdict(
            rule, ctx.persona, [(r.plan.label, r.judgements[rule.key]) for r in results]
        )
        for rule in registry.RULES
    }
    return Dry(rows, verdicts)


def personas_chosen(names: list[str] | None = None) -> dict[str, Persona | PersonaError]:
    """The personas ``names`` picks (default: every persona file), each read on its own, so a
    malformed file is one refusal, not the end of the dry run. An unknown name is refused,
    listing the known ones."""
    loaded = load_each()
    unknown = sorted(set(names or []) - set(loaded))
    if unknown:
        raise PersonaError(f"unknown personas {unknown}; known: {', '.join(sorted(loaded))}")
    return {name: p for name, p in sorted(loaded.items()) if not names or name in names}


def plan(
    seed: int,
    scale: float,
    names: list[str] | None = None,
    shard_users: int = 250,
    as_of: dt.date | None = None,
    chosen: dict[str, Persona | PersonaError] | None = None,
) -> dict[str, Dry]:
    """Each persona's dry run (rows per table, every rule's verdict) at these settings (as
    of ``as_of``, default the last whole day), of ``chosen`` (default: ``personas_chosen``
    of ``names``); a persona whose file is refused is left out."""
    as_of = as_of or calendar.last_whole_day()
    chosen = personas_chosen(names) if chosen is None else chosen
    return {
        name: dry_run(Context(persona, seed, scale, as_of=as_of), shard_users)
        for name, persona in chosen.items()
        if not isinstance(persona, PersonaError)
    }


def counts(dry: dict[str, Dry]) -> pd.DataFrame:
    """Rows per table (columns) per persona (index)."""
    frame = pd.DataFrame({name: d.rows for name, d in dry.items()}).T
    return frame.reindex(columns=list(TABLE_NAMES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Show what a refresh would generate and run every check on it, writing "
        "nothing. Exits 1 if a blocking check fails, 2 if a persona file or setting is refused."
    )
    parser.add_argument("--seed", type=int, help="default: SYNTH_SEED, else 42")
    parser.add_argument("--scale", type=float, help="default: SYNTH_SCALE, else 1")
    parser.add_argument("--shard-users", type=int, help="default: SYNTH_SHARD_USERS, else 250")
    parser.add_argument("--as-of", help="YYYY-MM-DD; default: SYNTH_AS_OF, else today (UTC)")
    parser.add_argument("--persona", action="append", help="limit to these personas (repeatable)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        seed = settings.resolve(settings.SEED, args.seed).value
        scale = settings.resolve(settings.SCALE, args.scale).value
        shard_users = settings.resolve(settings.SHARD_USERS, args.shard_users).value
        day = settings.resolve(settings.AS_OF, args.as_of)
        as_of = settings.as_of_in_force(day, dt.datetime.now(dt.UTC)).value
        chosen = personas_chosen(args.persona)
        refused = {n: e for n, e in chosen.items() if isinstance(e, PersonaError)}
        dry = plan(seed, scale, args.persona, shard_users, as_of, chosen)
    except (PersonaError, settings.SettingError) as error:
        print(error, file=sys.stderr)
        return 2
    for error in refused.values():
        print(f"refused: {error}", file=sys.stderr)
    if not dry:
        return 2
    table = counts(dry)
    table.loc["TOTAL"] = table.sum()
    print(
        f"Dry run (seed {seed}, scale {scale:g}, as of {as_of}): rows each table would receive; "
        "nothing written."
    )
    print(table.to_string())
    blocking = False
    for name, d in dry.items():
        failed, warned = d.failed(blocking=True), d.failed(blocking=False)
        blocking |= bool(failed)
        print(
            f"{name}: {len(d.verdicts) - len(failed) - len(warned)} of {len(d.verdicts)} checks "
            f"passed" + (f"; BLOCKING failed: {failed}" if failed else "")
            + (f"; warnings: {warned}" if warned else "")
        )  # fmt: skip
    print(f"(generated and checked in memory in {time.perf_counter() - started:.1f}s)")
    if refused:
        print(f"refused (see above): {', '.join(refused)}")
        return 2
    return 1 if blocking else 0


if __name__ == "__main__":
    sys.exit(main())
