"""The six table assets and the loader. Each is a thin wrapper over a plain generator;
dependencies mirror the foreign keys (users <- accounts <- transactions, ...)."""

import time

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetOut,
    Backoff,
    Failure,
    MetadataValue,
    Output,
    RetryPolicy,
    asset,
    multi_asset,
)

from synth_assets import profile
from synth_assets.defs.metadata import markdown_table, table_metadata
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.resources import (
    ExportSettings,
    GenerationSettings,
    SynthDatabase,
    describe,
)
from synth_assets.export import prune_exports, write_exports
from synth_assets.generate.banking import generate_banking
from synth_assets.generate.content import generate_content
from synth_assets.generate.jobs import generate_jobs
from synth_assets.generate.liabilities import generate_liabilities
from synth_assets.generate.users import generate_users
from synth_assets.load import postgres, target
from synth_assets.load.drift import SchemaDriftError
from synth_assets.load.schema import TABLE_NAMES
from synth_assets.settings import SettingError

# Refusals that another try cannot fix: fail at once, without the retry policy.
REFUSALS = (target.UnsafeDatabaseError, target.TargetError, SettingError, SchemaDriftError)

# Transient failures (server down, a concurrent load holding the lock) are retried with
# exponential backoff; a refused target or a drifted schema fails at once.
LOAD_RETRY = RetryPolicy(max_retries=3, delay=1, backoff=Backoff.EXPONENTIAL)
TABLE_ASSET = {"partitions_def": persona_partitions, "kinds": {"pandas"}}


def _metadata(table: str, frame: pd.DataFrame, generation: GenerationSettings) -> dict:
    """The table's metadata, with the generation settings in force and their sources."""
    settings = MetadataValue.json(describe(generation.resolved()))
    return {**table_metadata(table, frame), "generation_settings": settings}


def _output(
    table: str, frame: pd.DataFrame, generation: GenerationSettings
) -> Output[pd.DataFrame]:
    return Output(frame, metadata=_metadata(table, frame, generation))


@asset(
    group_name="people",
    description="People of the persona: profile, income band, signup.",
    **TABLE_ASSET,
)
def users(context: AssetExecutionContext, generation: GenerationSettings) -> Output[pd.DataFrame]:
    return _output("users", generate_users(generation.context(context.partition_key)), generation)


@multi_asset(
    name="banking",
    partitions_def=persona_partitions,
    outs={
        "accounts": AssetOut(
            group_name="banking",
            kinds={"pandas"},
            description="Plaid AccountBase rows: each user's depository, credit and loan "
            "accounts, with balances settled from their transactions.",
        ),
        "transactions": AssetOut(
            group_name="banking",
            kinds={"pandas"},
            description="Plaid Transaction rows: payroll, rent, utilities, subscriptions, "
            "purchases, loan and card payments, transfers to savings.",
        ),
    },
    internal_asset_deps={
        "accounts": {AssetKey("users")},
        "transactions": {AssetKey("users"), AssetKey("accounts")},
    },
)
def banking(context: AssetExecutionContext, generation: GenerationSettings, users: pd.DataFrame):
    """Accounts and transactions in one step: balances are the flows' sum (generate.banking)."""
    accounts, transactions = generate_banking(generation.context(context.partition_key), users)
    for name, frame in (("accounts", accounts), ("transactions", transactions)):
        yield Output(frame, output_name=name, metadata=_metadata(name, frame, generation))


@asset(
    group_name="banking",
    description="Plaid liabilities: one row per credit card, student loan and mortgage account.",
    **TABLE_ASSET,
)
def liabilities(
    context: AssetExecutionContext,
    generation: GenerationSettings,
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
) -> Output[pd.DataFrame]:
    ctx = generation.context(context.partition_key)
    return _output("liabilities", generate_liabilities(ctx, accounts, transactions), generation)


@asset(
    group_name="content",
    description="Images users generated, with Jinja2-rendered prompts from the persona's domains.",
    **TABLE_ASSET,
)
def content(
    context: AssetExecutionContext, generation: GenerationSettings, users: pd.DataFrame
) -> Output[pd.DataFrame]:
    ctx = generation.context(context.partition_key)
    return _output("content", generate_content(ctx, users), generation)


@asset(
    group_name="content",
    description="Generation jobs: one completed job per content item plus the persona's failed / cancelled / running / pending mix.",
    **TABLE_ASSET,
)
def jobs(
    context: AssetExecutionContext,
    generation: GenerationSettings,
    users: pd.DataFrame,
    content: pd.DataFrame,
) -> Output[pd.DataFrame]:
    ctx = generation.context(context.partition_key)
    return _output("jobs", generate_jobs(ctx, users, content), generation)


@asset(
    partitions_def=persona_partitions,
    group_name="warehouse",
    kinds={"postgres"},
    description=(
        "Replaces the persona's rows of all six tables in PostgreSQL in one transaction "
        "(COPY into new partitions, keyed, swapped in with every constraint validated). Runs only "
        "after every blocking check on its inputs passed."
    ),
    retry_policy=LOAD_RETRY,
)
def postgres_tables(
    context: AssetExecutionContext,
    database: SynthDatabase,
    users: pd.DataFrame,
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
    liabilities: pd.DataFrame,
    content: pd.DataFrame,
    jobs: pd.DataFrame,
) -> Output[None]:
    frames = dict(
        zip(TABLE_NAMES, (users, accounts, transactions, liabilities, content, jobs), strict=True)
    )
    figures = profile.profile(frames)
    started = time.perf_counter()
    try:
        resolved = database.resolved()
        where = database.target(resolved)
        postgres.ensure_schema(where)
        result = postgres.replace_partition(
            where, context.partition_key, frames, resolved["statement_timeout_s"].value
        )
    except REFUSALS as error:
        raise Failure(description=str(error), allow_retries=False) from None
    seconds = time.perf_counter() - started
    total = sum(result.rows.values())
    context.log.info(
        f"loaded {total} rows for {context.partition_key} into {where.masked()} in {seconds:.2f}s"
    )
    counts = pd.DataFrame(
        [(t, n, result.deleted[t]) for t, n in result.rows.items()],
        columns=["table", "rows", "replaced"],
    )
    return Output(
        None,
        metadata={
            "dagster/row_count": total,
            "database": where.masked(),
            "database_settings": MetadataValue.json(database.described(resolved, where)),
            "rows_per_table": MetadataValue.md(markdown_table(counts)),
            "persona_profile": MetadataValue.md(profile.markdown(figures)),
            "profile": MetadataValue.json(figures),
            "load_seconds": round(seconds, 3),
            "rows_per_second": round(total / seconds) if seconds else None,
        },
    )


@asset(
    partitions_def=persona_partitions,
    group_name="exports",
    kinds={"json", "parquet"},
    description=(
        "Files for teams that ingest through their own API: one Plaid-shaped JSON per user "
        "({user_id, accounts, transactions, liabilities}, from the same views the checks "
        "validate), one Plaid Sandbox custom-user config per user, and CSV + Parquet per table, "
        "under <exports>/<persona>/<stamp>/. Older exports this project wrote beyond `keep` "
        "are deleted; nothing else in the folder is touched."
    ),
)
def exports(
    context: AssetExecutionContext,
    exports: ExportSettings,
    users: pd.DataFrame,
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
    liabilities: pd.DataFrame,
    content: pd.DataFrame,
    jobs: pd.DataFrame,
) -> Output[None]:
    frames = dict(
        zip(TABLE_NAMES, (users, accounts, transactions, liabilities, content, jobs), strict=True)
    )
    stamp = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{context.run.run_id[:8]}"
    resolved = exports.resolved()
    root = exports.root(resolved)
    written = write_exports(frames, root, context.partition_key, stamp)
    removed = prune_exports(root, context.partition_key, resolved["keep"].value, written.directory)
    context.log.info(
        f"wrote {len(written.files)} files to {written.directory}; removed {len(removed)} old exports"
    )
    return Output(
        None,
        metadata={
            "directory": MetadataValue.path(str(written.directory)),
            "files": len(written.files),
            "rows_per_table": dict(written.rows),
            "old_exports_removed": len(removed),
            "export_settings": MetadataValue.json(describe(resolved)),
        },
    )
