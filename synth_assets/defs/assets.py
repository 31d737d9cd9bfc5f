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
from synth_assets.defs.resources import ExportSettings, StepRetries, SynthDatabase, describe
from synth_assets.defs.tables import TableLoad
from synth_assets.load import staging

TABLE_INPUTS = (
    "users", "accounts", "transactions", "liabilities", "content", "jobs", "transaction_changes",
)  # fmt: skip


def _same_load(context: AssetExecutionContext, loads: tuple[TableLoad, ...]) -> TableLoad:
    """The load every table input names; tables from another run are refused."""
    first = loads[0]
    if any(load.load != first.load for load in loads) or first.persona != context.partition_key:
        raise Failure(
            description="the tables come from different runs; materialise them together "
            "with this asset (--select '*')",
            allow_retries=False,
        )
    return first


@asset(
    partitions_def=persona_partitions,
    group_name="warehouse",
    kinds={"postgres"},
    description=(
        "Publishes the persona's rows, staged shard by shard, into PostgreSQL in one "
        "transaction (keyed, swapped in for the old partitions with every constraint "
        "validated across shards). Runs only after every blocking check passed."
    ),
)
def postgres_tables(
    context: AssetExecutionContext,
    database: SynthDatabase,
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
    return _publish(context, database, retries, loads)


def _publish(
    context: AssetExecutionContext,
    database: SynthDatabase,
    retries: StepRetries,
    loads: tuple[TableLoad, ...],
) -> MaterializeResult:
    """Publish the staged load every table names, with what the loader reports."""
    load = _same_load(context, loads)
    if not load.staged:
        raise Failure(
            description=f"no rows of {load.persona!r} were staged by run {context.run_id[:8]}: "
            "the tables and this loader run together (--select '*' or '*postgres_tables')",
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
        "part; this step joins them and puts the export in place. Older exports this project "
        "wrote beyond `keep` are deleted; nothing else in the folder is touched."
    ),
)
def exports(
    context: AssetExecutionContext,
    exports: ExportSettings,
    users: TableLoad,
    accounts: TableLoad,
    transactions: TableLoad,
    liabilities: TableLoad,
    content: TableLoad,
    jobs: TableLoad,
    transaction_changes: TableLoad,
) -> MaterializeResult:
    loads = (users, accounts, transactions, liabilities, content, jobs, transaction_changes)
    load = _same_load(context, loads)
    building = Path(load.export_dir) if load.export_dir else None
    if building is None or not building.is_dir():
        raise Failure(
            description="the export parts are written by the table shards as they generate "
            "the rows: run the tables with this asset (--select '*exports' for files only, "
            "or --select '*')",
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
