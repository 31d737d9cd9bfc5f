"""The table assets, as one graph: ``plan_shards`` splits the persona into shards,
``build_shard`` runs once per shard (a Dagster step each, on whatever executor the run uses),
and ``combine_shards`` turns the shards' results into the tables' materialisations and every
check of the rule registry. The graph declares the foreign keys as asset edges
(``internal_asset_deps``), so the UI shows users <- accounts <- transactions, and so on.

What passes between steps is small: each shard's counts, findings and sums; each table's
output is a ``TableLoad`` naming the load its rows were staged under, never the rows."""

import datetime as dt
import socket
import time
import warnings
from dataclasses import dataclass, replace
from functools import reduce
from pathlib import Path

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetsDefinition,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    DynamicOut,
    DynamicOutput,
    GraphOut,
    MetadataValue,
    OpExecutionContext,
    Out,
    Output,
    PreviewWarning,
    graph,
    op,
)

from synth_assets import export, profile, shards
from synth_assets.builtin_tables import SCHEMA, TABLE_NAMES
from synth_assets.checks import registry
from synth_assets.checks.fidelity import add
from synth_assets.defs.failure_policy import LOAD_RETRIES, SHARD_RETRIES, step_failures
from synth_assets.defs.metadata import table_metadata
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.resources import (
    ExportSettings,
    GenerationSettings,
    StepRetries,
    SynthDatabase,
    describe,
)
from synth_assets.generate.common import Context
from synth_assets.liveness import Judge, RunState
from synth_assets.load import postgres, staging
from synth_assets.load.target import Target
from synth_assets.progress import Progress
from synth_assets.settings import Setting, SettingError

LOADER = AssetKey("postgres_tables")
EXPORTS = AssetKey("exports")
FINISHED = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)


@dataclass(frozen=True)
class TableLoad:
    """What a table asset hands the loader and the exports: where its rows went."""

    persona: str
    as_of: dt.date
    load: str
    shards: int
    rows: dict[str, int]  # every table's rows (the loader needs every count)
    staged: bool
    export_dir: str | None  # the export being built, finished by the exports asset
    profile: dict[str, float]  # the persona's profile (``synth_assets.profile``)
    home: str | None = None  # ``database.schema`` the loader publishes into
    state: str | None = None  # what the rows are a function of (``Context.state``)
    basis: staging.Basis | None = None  # where the plan measured the changes from
    since: dt.date | None = None  # the day the changes start from (None: from nothing)
    about: dict[str, object] | None = None  # what the rows were made from, for the manifest


def _selected(context: OpExecutionContext, key: AssetKey) -> bool:
    """Whether the run also materialises ``key``: by the run's asset selection, or, for a run
    of a whole job (no selection), by the job's own nodes."""
    selection = context.run.asset_selection
    if selection:
        return key in selection
    return context.job_def.graph.has_node_named(key.to_python_identifier())


def _judge(context: OpExecutionContext) -> Judge:
    """What this run's instance knows of another run (``liveness``): a run it does not know
    may be alive in another instance sharing the database or export folder."""

    def judge(run_id: str) -> RunState:
        run = context.instance.get_run_by_id(run_id)
        if run is None:
            return RunState.UNKNOWN
        return RunState.ENDED if run.status in FINISHED else RunState.LIVE

    return judge


def run_created(context: OpExecutionContext) -> dt.datetime:
    """When the run was created (UTC): the same for every step and retry of the run."""
    record = context.instance.get_run_record_by_id(context.run.run_id)
    created = record.create_timestamp if record else dt.datetime.now(dt.UTC)
    return created.astimezone(dt.UTC)


def run_as_of(context: OpExecutionContext, generation: GenerationSettings) -> Setting:
    """The run's as-of date (and where it came from), as in force when the run was created:
    every step and retry of the run agrees on it."""
    return generation.as_of_date(run_created(context))


def _stamp(context: OpExecutionContext, as_of: dt.date) -> str:
    """The export's folder name: the run's creation time (UTC), id and as-of day, the same
    on a retry; exports sort by when they were made, and name the day they show."""
    return f"{run_created(context):%Y%m%dT%H%M%SZ}-{context.run_id[:8]}-as-of-{as_of}"


AS_OF_TAG = "synth/as_of"
PERSONA_TAG = "synth/persona_sha256"  # the persona content the run's shards generated from


def _start_export(
    context: OpExecutionContext, exports: ExportSettings, persona: str, stamp: str
) -> str:
    """The folder the run's export is built in, after removing the unfinished exports of
    ended runs. A folder that cannot be written is a refusal naming the setting: another
    try would meet the same folder."""
    resolved = exports.resolved()
    root = exports.root(resolved)
    try:
        for abandoned in export.remove_abandoned(root, persona, _judge(context)):
            context.log.info(f"removed {abandoned}, the unfinished export of an ended run")
        return str(export.start_export(root, persona, stamp, context.run_id))
    except OSError as error:
        source = resolved["directory"].source
        raise SettingError(
            f"{source}: cannot write exports under {root}: {error.strerror or error}"
        ) from None


def _basis_line(ctx: Context, published: staging.Published | None) -> str:
    """Where the day's changes start, and why, for the run's log."""
    if published is None:
        return f"changes from {ctx.changes_since}: the persona was never published here"
    if ctx.reset:
        return (
            f"changes are a reset (clients start over): the persona was published as of "
            f"{published.as_of} from another persona file, seed, scale or release"
        )
    return f"changes from {ctx.changes_since}, as of which the persona was last published"


@op(out=DynamicOut(shards.ShardPlan), tags={"kind": "plan"})
def plan_shards(
    context: OpExecutionContext,
    generation: GenerationSettings,
    database: SynthDatabase,
    exports: ExportSettings,
    retries: StepRetries,
):
    """Split the persona into shards; create the load's staging and the export's folder."""
    persona = context.partition_key
    with step_failures(context, retries, LOAD_RETRIES):
        as_of = run_as_of(context, generation)
        ctx = generation.context(persona, as_of.value)
        load = staging.load_id(context.run_id)
        stage, export_dir = _selected(context, LOADER), None
        stamp = _stamp(context, ctx.as_of)
        if _selected(context, EXPORTS):
            export_dir = _start_export(context, exports, persona, stamp)
        home = None
        if stage:
            where = database.target()
            postgres.ensure_schema(where)
            home = staging.home(where)
            published = staging.published(where, persona)
            basis = staging.changes_basis(published, ctx.as_of, ctx.state)
            ctx = replace(ctx, since=basis.since, reset=basis.reset)
            context.log.info(_basis_line(ctx, published))
        plans = shards.plan(ctx, generation.shard_size(), load, stage, export_dir, home)
        if stage:
            dropped = staging.prepare(
                where, persona, load, context.run_id, len(plans), _judge(context),
                database.timeout_s(),
            )  # fmt: skip
            if dropped:
                context.log.info(f"removed the staging of ended loads {dropped}")
    context.instance.add_run_tags(
        context.run_id, {AS_OF_TAG: ctx.as_of.isoformat(), PERSONA_TAG: ctx.persona.digest}
    )
    context.log.info(
        f"{persona} as of {ctx.as_of} ({as_of.source}; window {ctx.window.start} to "
        f"{ctx.window.end}): {plans[-1].stop_block} blocks of users in {len(plans)} shards of "
        f"up to {generation.shard_size()} users"
    )
    for shard in plans:
        yield DynamicOutput(shard, mapping_key=shard.key)


def _can_do(shard: shards.ShardPlan, where: Target | None) -> None:
    """Refuse a shard this process cannot do as its run planned (a worker deployed with
    another database, or without the run's export folder), naming what differs."""
    here = socket.gethostname()
    if where is not None and (reached := staging.home(where)) != shard.home:
        raise staging.StagingError(
            f"{shard.label} reaches {reached} ({where.masked()}) on {here}, but its run stages "
            f"into {shard.home}: give this worker the database settings (SYNTH_DATABASE_URL) "
            "of where the run starts"
        )
    if shard.export_dir and not Path(shard.export_dir).is_dir():
        raise SettingError(
            f"{shard.label}: the run's export folder {shard.export_dir} is not reachable on "
            f"{here}: mount it at the same path on every worker (SYNTH_EXPORT_DIR)"
        )


@op(tags={"kind": "shard"})
def build_shard(
    context: OpExecutionContext,
    database: SynthDatabase,
    retries: StepRetries,
    shard: shards.ShardPlan,
) -> Output[shards.ShardResult]:
    """Generate one shard's rows of every table, judge every rule, write its export part and
    stage its rows (the last two only if no blocking rule failed); log the run's progress."""
    with step_failures(context, retries, SHARD_RETRIES):
        ctx = shard.context
        where = database.target() if shard.stage else None
        _can_do(shard, where)
        result = shards.run_shard(ctx, shard, where, database.timeout_s())
    transactions = result.rows["transactions"]
    context.log.info(
        f"{shard.label}: blocks {shard.first_block}-{shard.stop_block - 1}, "
        f"{transactions:,} transactions in {result.seconds:.2f}s ("
        + ", ".join(
            f"{phase} {result.phases[phase]:.2f}s"
            for phase in shards.PHASES
            if phase in result.phases
        )
        + f"; pid {result.pid}, peak RSS {result.peak_rss_mb:,.0f} MB)"
        + (f"; blocking rules failed: {result.blocked}" if result.blocked else "")
    )
    made = sum(result.rows.values())
    try:
        context.log.info(_progress(context, shard, made).line())
    except Exception as error:  # the line is for people; the shard is done whatever it says
        context.log.warning(f"no progress line: {type(error).__name__}: {error}")
    return Output(result, metadata={SHARD_ROWS: made})


SHARD_ROWS = "rows"  # a shard step's output metadata: the rows it made, every table


def _progress(context: OpExecutionContext, shard: shards.ShardPlan, made: int) -> Progress:
    """The run's shards so far, from its events: the shard steps that have put out their
    rows, and when its first shard step started; this shard counts as done. A re-execution
    counts the shards its parent runs finished as done too."""
    rows, started = _shard_events(context.instance, context.run_id)
    rows[shard.key] = made
    earlier: set[str] = set()
    parent = context.run.parent_run_id
    while parent is not None:
        earlier |= set(_shard_events(context.instance, parent)[0]) - set(rows)
        run = context.instance.get_run_by_id(parent)
        parent = run.parent_run_id if run else None
    seconds = time.time() - min(started, default=time.time())
    return Progress(
        len(rows) + len(earlier), shard.count, sum(rows.values()), seconds, done_here=len(rows)
    )


def _shard_events(instance: DagsterInstance, run_id: str) -> tuple[dict[str, int], list[float]]:
    """A run's finished shards (mapping key: rows made) and its shard steps' start times."""
    records = instance.get_records_for_run(
        run_id, of_type={DagsterEventType.STEP_START, DagsterEventType.STEP_OUTPUT}
    ).records
    rows: dict[str, int] = {}
    started: list[float] = []
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None or "build_shard[" not in (event.step_key or ""):
            continue
        if event.event_type is DagsterEventType.STEP_START:
            started.append(record.event_log_entry.timestamp)
        elif event.step_output_data is not None:
            value = event.step_output_data.metadata.get(SHARD_ROWS)
            key = event.step_key.rsplit("[", 1)[1].rstrip("]")
            rows[key] = int(getattr(value, "value", value) or 0)
    return rows, started


def _about(ctx: Context) -> dict[str, object]:
    """What a persona's rows were made from, as the export's manifest records it."""
    return {
        "as_of": ctx.as_of.isoformat(),
        "since": ctx.changes_since and ctx.changes_since.isoformat(),
        "window": {"start": ctx.window.start.isoformat(), "end": ctx.window.end.isoformat()},
        "seed": ctx.seed,
        "scale": ctx.scale,
        "persona_sha256": ctx.persona.digest,
    }


def _severity(rule: registry.Rule) -> AssetCheckSeverity:
    return AssetCheckSeverity.ERROR if rule.blocking else AssetCheckSeverity.WARN


def _check_results(persona, results: list[shards.ShardResult]):
    for rule in registry.RULES:
        judged = [(r.plan.label, r.judgements[rule.key]) for r in results]
        verdict = registry.verdict(rule, persona, judged)
        metadata = {"persona": persona.name, **verdict.metadata()}
        if "metrics" in metadata:  # a markdown table of configured against realised
            metadata["metrics"] = MetadataValue.md(metadata["metrics"])
        yield AssetCheckResult(
            asset_key=AssetKey(rule.table),
            check_name=rule.check,
            passed=verdict.passed,
            severity=_severity(rule),
            metadata=metadata,
            description=f"{persona.name}: {rule.description}",
        )


def _shard_metadata(results: list[shards.ShardResult]) -> dict[str, object]:
    return {
        "shards": len(results),
        "processes": len({r.pid for r in results}),
        "shard_pids": MetadataValue.json(sorted({r.pid for r in results})),
        "slowest_shard_seconds": round(max(r.seconds for r in results), 3),
        "peak_rss_mb": round(max(r.peak_rss_mb for r in results)),
        "seconds_per_phase": MetadataValue.json(
            {
                phase: round(sum(r.phases.get(phase, 0.0) for r in results), 3)
                for phase in shards.PHASES
                if any(phase in r.phases for r in results)
            }
        ),
    }


def _check_specs() -> list[AssetCheckSpec]:
    """One spec per rule, partitioned by persona like its asset, so each result shows its
    persona in the UI's checks tab. Dagster 1.13 calls partitioned checks a preview and warns
    at every load; the choice is made here, once, so the warning is not repeated to users."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)
        return _partitioned_check_specs()


def _partitioned_check_specs() -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec(
            rule.check,
            asset=rule.table,
            blocking=rule.blocking,
            description=rule.description,
            partitions_def=persona_partitions,
        )
        for rule in registry.RULES
    ]


CHECK_SPECS = _check_specs()
# Outputs of the graph: one per table, and one per check (Dagster's naming for check outputs).
CHECK_OUTPUTS = [spec.get_python_identifier() for spec in CHECK_SPECS]


@op(
    out={
        **{name: Out(TableLoad) for name in TABLE_NAMES},
        **{name: Out(is_required=False) for name in CHECK_OUTPUTS},
    },
    tags={"kind": "combine"},
)
def combine_shards(
    context: OpExecutionContext, generation: GenerationSettings, results: list[shards.ShardResult]
):
    """Every table's materialisation and every check, from the shards' results."""
    results = sorted(results, key=lambda r: r.plan.index)
    first = results[0].plan
    ctx = first.context
    rows = {name: sum(r.rows[name] for r in results) for name in TABLE_NAMES}
    handed = TableLoad(
        first.persona,
        first.as_of,
        first.load,
        len(results),
        rows,
        all(r.staged or not r.plan.stage for r in results) and first.stage,
        first.export_dir,
        profile.figures(reduce(add, (r.profile for r in results), {})),
        first.home,
        ctx.state,
        staging.Basis(ctx.since, ctx.reset),
        ctx.changes_since,
        _about(ctx),
    )
    resolved = {**generation.resolved(), "as_of": run_as_of(context, generation)}
    settings = MetadataValue.json(describe(resolved))
    common = {
        "as_of": first.as_of.isoformat(),
        "window": f"{ctx.window.start} to {ctx.window.end}",
        "persona_sha256": ctx.persona.digest,
        "changes_since": str(ctx.changes_since or "nothing (a reset)"),
        "generation_settings": settings,
        **_shard_metadata(results),
    }
    for name in TABLE_NAMES:
        preview = results[0].preview.get(name, pd.DataFrame())
        metadata = table_metadata(name, preview)
        metadata["dagster/row_count"] = rows[name]
        if first.home:  # where the loader publishes it
            metadata["dagster/table_name"] = f"{first.home}.{name}"
        yield Output(handed, output_name=name, metadata={**metadata, **common})
    yield from _check_results(ctx.persona, results)


@graph(out={name: GraphOut() for name in [*TABLE_NAMES, *CHECK_OUTPUTS]})
def persona_tables():
    plans = plan_shards()
    results = plans.map(build_shard).collect()
    return combine_shards(results)._asdict()


tables = AssetsDefinition.from_graph(
    persona_tables,
    keys_by_output_name={name: AssetKey(name) for name in TABLE_NAMES},
    # The foreign keys (and what a table is made from) as asset edges: users <- accounts <-
    # transactions, and so on.
    internal_asset_deps={
        name: {AssetKey(p) for p in SCHEMA[name].parents | set(SCHEMA[name].lineage)}
        for name in TABLE_NAMES
    },
    partitions_def=persona_partitions,
    group_names_by_output_name={name: SCHEMA[name].group for name in TABLE_NAMES},
    descriptions_by_output_name={name: SCHEMA[name].comment for name in TABLE_NAMES},
    check_specs=CHECK_SPECS,
).map_asset_specs(lambda spec: spec.replace_attributes(kinds={"postgres"}))
