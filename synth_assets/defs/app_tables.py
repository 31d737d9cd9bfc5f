"""The app's own tables as assets (SPEC §9), when a mapping is set: SYNTH_TARGET names its
file, else the app folder's ``synth_assets.yaml`` (``mapping:``). Each target table is an asset
in group ``app`` whose upstream dependencies are its foreign keys and the synth table its rows
come from, whose column schema and description are the app's own comments, and whose blocking
check is the app's constraints, judged on the rows before anything is written. The one
command stays the same: ``--select '*' --partition <persona>``. A run may load through another
mapping file of the same target and tables (run config ``mapping``: a CI variant, say).

A mapping that cannot be used (a malformed file, a schema that cannot be read, a models module
that fails to import) does not stop the code location: its one asset, ``app/mapping``, fails
with the refusal (file, table, column) when materialised. The schema is read as the code
location loads: the app's models imported, or its database reflected."""

import os
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    multi_asset,
)
from pydantic import Field

from synth_assets import app_folder
from synth_assets import table_model as tm
from synth_assets.defs.failure_policy import LOAD_RETRIES, step_failures
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.resources import GenerationSettings, StepRetries, SynthDatabase
from synth_assets.defs.tables import run_as_of
from synth_assets.generate.frames import block_tables
from synth_assets.generate.users import block_count
from synth_assets.prefetch import ahead
from synth_assets.target import check, judge, loader, mapping, schema_input

TARGET_ENV = "SYNTH_TARGET"
GROUP = "app"
CONSTRAINTS = "app_constraints"


def mapping_path() -> Path | None:
    """The mapping file in force: SYNTH_TARGET, else the app folder's, else none."""
    named = os.environ.get(TARGET_ENV)
    if named:
        return Path(named)
    try:
        folder = app_folder.find()
    except app_folder.AppFolderError:
        return None
    return folder.mapping if folder else None


class ConstraintsBroken(Failure):
    """The rows broke the app's constraints: the load stops before writing anything (a
    refusal, never retried: the same rows would break them again)."""

    def __init__(self) -> None:
        super().__init__(description="the app's constraints do not hold", allow_retries=False)


def key_of(table: str) -> AssetKey:
    return AssetKey([GROUP, table])


def _spec(name: str, table: tm.Table, entry: mapping.TargetTable, mapped: set[str]) -> AssetSpec:
    deps = {key_of(k.parent) for k in table.foreign_keys if k.parent in mapped and k.parent != name}
    if entry.source:
        deps.add(AssetKey(entry.source))
    columns = TableSchema(
        columns=[TableColumn(c.name, str(c.type), description=c.comment) for c in table.columns]
    )
    return AssetSpec(
        key=key_of(name),
        group_name=GROUP,
        deps=sorted(deps, key=lambda k: k.to_user_string()),
        description=table.comment or f"The app's {name} table, filled through the mapping.",
        kinds={"postgres"},
        metadata={"dagster/column_schema": columns},
    )


class AppMapping(Config):
    """The app tables' run config."""

    mapping: str | None = Field(
        default=None,
        description="Another mapping file for this run (a CI variant, say): the same target "
        "and tables as the code location's mapping, whose tables the assets are; other "
        "sources. Unset: the code location's mapping.",
    )


def _for_run(
    given: str | None, path: Path, read: mapping.Mapping, schema: tm.Schema
) -> tuple[Path, mapping.Mapping]:
    """The mapping this run loads through: the run config's, judged as the code location's
    was and refused (naming its file) unless it names the same target and tables."""
    if not given:
        return path, read
    other = Path(given)
    try:
        chosen = mapping.read(other)
    except mapping.MappingError as error:
        raise Failure(description=f"run config mapping: {error}", allow_retries=False) from None
    if chosen.target != read.target or set(chosen.tables) != set(read.tables):
        raise Failure(
            description=f"run config mapping: {other}: its target and tables must be those of "
            f"{path}, whose tables the assets are (tables {sorted(chosen.tables)}, not "
            f"{sorted(read.tables)}); nothing was written",
            allow_retries=False,
        )
    problems = check.problems(chosen, schema)
    if problems:
        shown = "\n".join(problem.shown(other) for problem in problems)
        raise Failure(description=f"run config mapping:\n{shown}", allow_retries=False)
    return other, chosen


def build(path: Path) -> AssetsDefinition:
    """The app-table assets of the mapping at ``path`` (or the one that names its refusal)."""
    try:
        read = mapping.read(path)
        schema = schema_input.read(read.target, path.parent)
        problems = check.problems(read, schema)
    except mapping.MappingError as error:
        return _refused(f"{path}: {error}" if str(path) not in str(error) else str(error))
    except Exception as error:  # whatever else reading it meets, the code location loads
        return _refused(f"{path}: {type(error).__name__}: {error}")
    if problems:
        return _refused("\n".join(p.shown(path) for p in problems))
    return _assets(path, read, schema)


def _refused(message: str) -> AssetsDefinition:
    @multi_asset(
        specs=[AssetSpec(key_of("mapping"), group_name=GROUP, description="The app mapping.")],
        partitions_def=persona_partitions,
        name="app_mapping",
    )
    def app_mapping(context: AssetExecutionContext):
        raise Failure(description=f"the app mapping is refused; nothing was written:\n{message}")

    return app_mapping


def _assets(path: Path, read: mapping.Mapping, schema: tm.Schema) -> AssetsDefinition:
    mapped = set(read.tables)
    specs = [_spec(name, schema[name], entry, mapped) for name, entry in read.tables.items()]
    checks = [
        AssetCheckSpec(
            CONSTRAINTS,
            asset=key_of(name),
            blocking=True,
            description="The app's own constraints (NOT NULL, keys, foreign keys, lengths, enum "
            "labels), judged on the rows before anything is written.",
        )
        for name in read.tables
    ]

    @multi_asset(
        specs=specs, check_specs=checks, partitions_def=persona_partitions, name="app_tables"
    )
    def app_tables(
        context: AssetExecutionContext,
        config: AppMapping,
        generation: GenerationSettings,
        database: SynthDatabase,
        retries: StepRetries,
    ):
        """Make the persona's rows a block of users at a time, judge the app's constraints on
        each block's, and load them into the app's tables (one transaction)."""
        persona = context.partition_key
        used, chosen = _for_run(config.mapping, path, read, schema)
        findings: dict[str, list[str]] = {}

        def judged(tables: dict) -> None:  # the rows as they will be written, keys and all
            for name, found in judge.judge(schema, tables).items():
                findings.setdefault(name, []).extend(found)
            if any(findings.values()):
                raise ConstraintsBroken

        try:
            with step_failures(context, retries, LOAD_RETRIES):
                as_of = run_as_of(context, generation).value
                ctx = generation.context(persona, as_of)
                # A block of users at a time: memory follows the block, not the persona;
                # the next block is generated while the server ingests this one's rows.
                blocks = ahead(block_tables(ctx, block) for block in range(block_count(ctx)))
                where = database.target()
                counts = loader.load_chunks(
                    where, persona, chosen, schema, blocks, ctx.seed, ctx.scale,
                    database.timeout_s(), before_writing=judged,
                )  # fmt: skip
        except ConstraintsBroken:
            counts = None
        for name, found in findings.items():
            yield AssetCheckResult(
                asset_key=key_of(name),
                check_name=CONSTRAINTS,
                passed=not found,
                metadata={"persona": persona, "findings": MetadataValue.json(found)},
                description=f"{persona}: " + ("; ".join(found) or "every constraint holds"),
            )
        if counts is None:
            raise Failure(
                description="the app's constraints do not hold (see the checks); nothing was written",
                allow_retries=False,
            )
        for name, rows in counts.items():
            yield MaterializeResult(
                asset_key=key_of(name),
                metadata={
                    "dagster/row_count": rows,
                    "persona": persona,
                    "mapping": str(used),
                    "database": where.masked(),
                },
            )

    return app_tables


_path = mapping_path()
app_tables = build(_path) if _path is not None else None
