"""The bulk loader: one asset that generates, checks and loads a persona block by block, for
sizes the in-memory graph cannot hold (synth_assets.bulk). Launched on its own (job
``bulk_load``), never by the nightly refresh."""

from dataclasses import replace

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    Failure,
    MetadataValue,
    Output,
    asset,
    define_asset_job,
)
from pydantic import Field

from synth_assets import bulk
from synth_assets.defs.assets import REFUSALS
from synth_assets.defs.metadata import markdown_table
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.resources import GenerationSettings, SynthDatabase
from synth_assets.load import postgres

ASSET = "postgres_tables_bulk"
GROUP = "bulk"  # its own group, so `--select 'not group:bulk'` is "the whole graph"
RULES_CHECK = "blocking_rules"


class BulkLoadConfig(Config):
    transactions: int | None = Field(
        default=None,
        gt=0,
        description="About this many transactions (sets the scale); unset: the generation "
        "resource's scale.",
    )


@asset(
    name=ASSET,
    partitions_def=persona_partitions,
    group_name=GROUP,
    kinds={"postgres"},
    description=(
        "Large personas (10M+ transactions) straight into PostgreSQL, one block of users at a "
        "time: the same data as the table assets at the same seed and scale, every blocking "
        "rule run on every block, one transaction (nothing changes unless all blocks pass). "
        "Memory stays bounded by a block."
    ),
    check_specs=[
        AssetCheckSpec(
            RULES_CHECK,
            asset=ASSET,
            blocking=True,
            description="Integrity, Plaid format, balances, card payments and time rules, on "
            "every block before it is copied; database constraints across blocks.",
        )
    ],
)
def postgres_tables_bulk(
    context: AssetExecutionContext,
    config: BulkLoadConfig,
    generation: GenerationSettings,
    database: SynthDatabase,
):
    ctx = generation.context(context.partition_key)
    if config.transactions:
        ctx = replace(ctx, scale=bulk.scale_for(ctx, config.transactions))

    def progress(p: bulk.Progress) -> None:
        context.log.info(
            f"block {p.block}/{p.blocks}: {p.transactions:,} transactions checked and copied "
            f"in {p.seconds:.1f}s; peak RSS {bulk.peak_rss_mb():,.0f} MB"
        )

    try:
        where = database.target()
        postgres.ensure_schema(where)
        result = bulk.load_persona(ctx, where, database.timeout_s(), progress)
    except bulk.BulkCheckError as error:
        failed = pd.DataFrame(
            [(f.rule, f.checked, f.failures, ", ".join(f.examples)) for f in error.failed],
            columns=["rule", "checked", "failures", "examples"],
        )
        yield AssetCheckResult(
            check_name=RULES_CHECK,
            passed=False,
            metadata={"where": error.where, "failed": MetadataValue.md(markdown_table(failed))},
        )
        raise Failure(description=str(error), allow_retries=False) from None
    except REFUSALS as error:
        raise Failure(description=str(error), allow_retries=False) from None
    yield AssetCheckResult(
        check_name=RULES_CHECK,
        passed=True,
        metadata={"rows_checked_per_rule": MetadataValue.json(result.checked)},
    )
    total = sum(result.rows.values())
    yield Output(
        None,
        metadata={
            "dagster/row_count": total,
            "database": where.masked(),
            "scale": round(ctx.scale, 3),
            "blocks": result.blocks,
            "rows_per_table": dict(result.rows),
            "load_seconds": round(result.seconds, 3),
            "rows_per_second": round(total / result.seconds),
            "peak_rss_mb": round(result.peak_rss_mb),
        },
    )


bulk_load = define_asset_job(
    "bulk_load",
    selection=[ASSET],
    description="Generate, check and load one large persona block by block (run config: "
    f"ops.{ASSET}.config.transactions).",
)
