"""``make demo``: run the ``refresh_all_personas`` job for every persona on the project's
Dagster instance, then print what landed in PostgreSQL and how to look at it."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from pathlib import Path

import pandas as pd
from dagster import DagsterInstance

from synth_assets.definitions import defs
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.resources import GenerationSettings
from synth_assets.defs.schedules import as_of_config
from synth_assets.load import postgres, target
from synth_assets.settings import SettingError

# The demo prints each persona's outcome and a failure's reason itself (why_failed).
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _psql() -> str:
    if shutil.which("psql"):
        return "psql"
    import pgserver

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql")


def _profile(result) -> dict:
    """The persona profile the loader attached to its materialization."""
    for event in result.get_asset_materialization_events():
        if event.asset_key.path[-1] == "postgres_tables":
            return event.event_specific_data.materialization.metadata["profile"].value
    return {}


def why_failed(result) -> str:
    """The first failed step's error, in a line or two (the UI and the log have the rest)."""
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error.cause is not None and error.cls_name in WRAPPERS:
            error = error.cause
        text = error.message.strip()
        return text.split(f"{error.cls_name}: ", 1)[-1]
    return "see it in the UI (make ui)"


# Dagster's wrappers around the error a step raised.
WRAPPERS = {"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"}


def where_it_is(where: target.Target, exports: Path, embedded: bool) -> list[str]:
    """The summary's last lines: where the data is, how to query and browse it, and, for the
    embedded server, that it keeps running until stopped."""
    lines = [
        f"Data: {where.masked()}",
        f"""Query it:  {_psql()} "{target.without_secrets(where.url)}" \\""",
        '             -c "SELECT persona, count(*), sum(amount) FROM transactions GROUP BY persona"',
        f"Files:     {exports}/<persona>/ (Plaid JSON, Sandbox configs, the day's "
        "/transactions/sync pages, CSV, Parquet; manifest.json says what each holds)",
        "Browse it: make ui  (http://127.0.0.1:3000)",
    ]
    if embedded:
        lines.append(
            "The embedded PostgreSQL keeps running (for make ui and your queries); stop it "
            "with: make db-stop"
        )
    return lines


def main() -> int:
    instance = DagsterInstance.get()
    job = defs.resolve_job_def("refresh_all_personas")
    personas = persona_partitions.get_partition_keys()
    try:  # one date for every persona, even when the demo runs over midnight
        as_of = GenerationSettings().as_of_date(dt.datetime.now(dt.UTC)).value
    except SettingError as error:
        print(error, file=sys.stderr)
        return 2
    run_config = {**QUIET_LOGS, **as_of_config(as_of.isoformat())}
    checks_passed = checks_total = 0
    profiles: dict[str, dict] = {}
    failed: dict[str, str] = {}
    started = time.perf_counter()
    for persona in personas:
        t0 = time.perf_counter()
        result = job.execute_in_process(
            partition_key=persona, instance=instance, run_config=run_config, raise_on_error=False
        )
        evaluations = result.get_asset_check_evaluations()
        passed = sum(e.passed for e in evaluations)
        checks_passed, checks_total = checks_passed + passed, checks_total + len(evaluations)
        status = "ok" if result.success else "FAILED"
        print(
            f"{persona:<24} {status:<6} checks {passed}/{len(evaluations)}  {time.perf_counter() - t0:5.1f}s"
        )
        if not result.success:
            failed[persona] = f"run {result.run_id[:8]}: {why_failed(result)}"
            continue
        profiles[persona] = _profile(result)
    for persona, why in failed.items():
        print(f"{persona} FAILED, {why}", file=sys.stderr)
    if len(failed) == len(personas):
        return 1
    where = defs.resources["database"].target()
    counts = postgres.row_counts(where.url)
    counts.loc["TOTAL"] = counts.sum()
    print()
    print(
        f"Generated, checked and loaded {len(profiles)} personas as of {as_of} in "
        f"{time.perf_counter() - started:.1f}s; checks passed: {checks_passed}/{checks_total}."
    )
    print()
    print(counts.to_string())
    print()
    print("Persona profiles (per user; flows per user-month):")
    print(pd.DataFrame(profiles).fillna(0).to_string(float_format=lambda v: f"{v:,.2f}"))
    print()
    database = defs.resources["database"]
    embedded = database.resolved()["url"].value is None
    print("\n".join(where_it_is(where, defs.resources["exports"].root(), embedded)))
    if failed:
        print(f"\nNot loaded: {', '.join(failed)} (why: above; the others are loaded)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
