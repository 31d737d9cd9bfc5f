"""The persona-level steps after the shards: the loader publishes every shard's staged rows in
one transaction, and the exports asset finishes the export the shards wrote their parts of."""

import time
from pathlib import Path

import pandas as pd
from dagster import (
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from synth_assets import export, profile
from synth_assets.defs.failure_policy import LOAD_RETRIES, step_failures
from synth_assets.defs.metadata import markdown_table
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.resources import (
    ExportSettings,
    GenerationSettings,
    StepRetries,
    SynthDatabase,
    describe,
)
from synth_assets.defs.tables import TableLoad, run_as_of
from synth_assets.load import staging


def _same_load(
    context: AssetExecutionContext, generation: GenerationSettings, loads: tuple[TableLoad, ...]
) -> TableLoad:
    """The load every table input names. Tables from different runs are refused; so are
    tables of another day than this run's as-of, when the tables ran in an earlier run."""
    first = loads[0]
    if any(load.load != first.load for load in loads) or first.persona != context.partition_key:
        raise Failure(
            description=f"the tables of {context.partition_key} come from different runs; {AGAIN}",
            allow_retries=False,
        )
    if first.load != staging.load_id(context.run.run_id):
        as_of = run_as_of(context, generation)
        if as_of.value != first.as_of:
            raise Failure(
                description=f"the tables of {first.persona} were materialised as of "
                f"{first.as_of}; this run is as of {as_of.value} ({as_of.source}): give it "
                f"as_of {first.as_of} (SYNTH_AS_OF or run config), or {AGAIN}",
                allow_retries=False,
            )
    return first


AGAIN = "materialise the tables with this asset (--select '*postgres_tables', '*exports' or '*')"


@asset(
    partitions_def=persona_partitions,
    group_name="warehouse",
    kinds={"postgres"},
    description=(
        "Publishes the persona's rows, staged shard by shard, into PostgreSQL in one "
        "transaction (keyed, swapped in for the old partitions with every constraint "
        "validated across shards). Runs only after every blocking check passed. Materialised "
        "alone, it publishes what the tables' latest run staged, for the same as-of day (after "
        "a refused or failed loader); otherwise it says what to run."
    ),
)
def postgres_tables(
    context: AssetExecutionContext,
    database: SynthDatabase,
    generation: GenerationSettings,
    retries: StepRetries,
    users: TableLoad,
    accounts: TableLoad,
    transactions: TableLoad,
    liabilities: TableLoad,
    content: TableLoad,
    jobs: TableLoad,
    transaction_changes: TableLoad,
) -> MaterializeResult:
    loads = (users, accounts, transactions, liabilities, content, jobs, transaction_changes)
    return _publish(context, database, generation, retries, loads)


def _publish(
    context: AssetExecutionContext,
    database: SynthDatabase,
    generation: GenerationSettings,
    retries: StepRetries,
    loads: tuple[TableLoad, ...],
) -> MaterializeResult:
    """Publish the staged load every table names (staged by this run, or by the run that
    materialised the tables, if its staging is still there), with what the loader reports."""
    load = _same_load(context, generation, loads)
    if not load.staged:
        raise Failure(
            description=f"no rows of {load.persona!r} were staged for the database by the "
            f"run that materialised the tables (load {load.load}: it ran without the loader); "
            f"{AGAIN}",
            allow_retries=False,
        )
    started = time.perf_counter()
    with step_failures(context, retries, LOAD_RETRIES):
        resolved = database.resolved()
        where = database.target(resolved)
        result = staging.publish(
            where,
            load.persona,
            load.load,
            load.shards,
            resolved["statement_timeout_s"].value,
            as_of=load.as_of,
            allow_older=bool(resolved["allow_older_as_of"].value),
            state=load.state,
            basis=load.basis,
            since=load.since,
        )
    seconds = time.perf_counter() - started
    total = sum(result.rows.values())
    context.log.info(
        f"published {total:,} rows of {load.persona} ({load.shards} shards) into "
        f"{where.masked()} in {seconds:.2f}s"
    )
    counts = pd.DataFrame(
        [(t, n, result.deleted[t]) for t, n in result.rows.items()],
        columns=["table", "rows", "replaced"],
    )
    return MaterializeResult(
        metadata={
            "dagster/row_count": total,
            "as_of": load.as_of.isoformat(),
            "changes_since": str(load.since or "nothing (a reset)"),
            "database": where.masked(),
            "database_settings": MetadataValue.json(database.described(resolved, where)),
            "rows_per_table": MetadataValue.md(markdown_table(counts)),
            "tables": MetadataValue.json({t: f"{load.home}.{t}" for t in result.rows}),
            "shards": load.shards,
            "persona_profile": MetadataValue.md(profile.markdown(load.profile)),
            "profile": MetadataValue.json(load.profile),
            "publish_seconds": round(seconds, 3),
        },
    )


@asset(
    partitions_def=persona_partitions,
    group_name="exports",
    kinds={"json", "parquet"},
    description=(
        "Files for teams that ingest through their own API: one Plaid-shaped JSON per user "
        "({user_id, accounts, transactions, liabilities}, from the same views the checks "
        "validate), one Plaid Sandbox custom-user config per user, each account's "
        "/transactions/sync pages of the as-of date (sync/<as_of>/), and per table one CSV "
        "file and a Parquet dataset, under <exports>/<persona>/<stamp>/. Each shard writes its "
        "part; this step joins them and puts the export in place (alone: the export the tables' "
        "latest run began, for the same as-of day). Older exports this project wrote beyond "
        "`keep` are deleted; nothing else in the folder is touched."
    ),
)
def exports(
    context: AssetExecutionContext,
    exports: ExportSettings,
    generation: GenerationSettings,
    users: TableLoad,
    accounts: TableLoad,
    transactions: TableLoad,
    liabilities: TableLoad,
    content: TableLoad,
    jobs: TableLoad,
    transaction_changes: TableLoad,
) -> MaterializeResult:
    loads = (users, accounts, transactions, liabilities, content, jobs, transaction_changes)
    load = _same_load(context, generation, loads)
    building = Path(load.export_dir) if load.export_dir else None
    if building is None or not building.is_dir():
        gone = (
            f"the export its tables began ({building}) is gone"
            if building
            else ("the run that materialised its tables wrote no export parts")
        )
        raise Failure(
            description=f"no export of {load.persona!r} to finish: {gone} (the table shards "
            f"write the parts as they generate the rows); {AGAIN}",
            allow_retries=False,
        )
    resolved = exports.resolved()
    root = exports.root(resolved)
    persona, stamp = load.persona, export.building_stamp(building)
    written = export.finish_export(building, persona, stamp, load.shards, load.rows, load.about)
    removed = export.prune_exports(root, persona, resolved["keep"].value, written.directory)
    context.log.info(
        f"wrote {len(written.files)} files to {written.directory}; removed {len(removed)} old "
        "exports"
    )
    return MaterializeResult(
        metadata={
            "directory": MetadataValue.path(str(written.directory)),
            "as_of": load.as_of.isoformat(),
            "files": len(written.files),
            "bytes": sum(p.stat().st_size for p in written.files),
            "rows_per_table": dict(written.rows),
            "old_exports_removed": len(removed),
            "export_settings": MetadataValue.json(describe(resolved)),
        },
    )
