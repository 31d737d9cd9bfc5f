"""Judging a mapping against the app's schema before anything runs: every problem, each
naming the file, the target table and the column, so a mapping is fixed in one pass.

What is judged: tables and columns exist (and generated columns are never written); sources
name real synth tables and columns (templates included); every NOT NULL column without a
server default has a source; the values it knows fit their column (lengths, enum labels);
a parent reference follows a declared foreign key, or says it is virtual; a relative date
reads a column made before it; unique columns do not get one value for every row; generated
row counts do not loop; every foreign key to a table left empty can be NULL; every table has
a key the loader can tell its rows apart by (a primary key, also composite, or unique NOT NULL
columns); and every foreign-key cycle among the mapped tables can be broken at a nullable or
deferrable key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta
from jinja2.sandbox import SandboxedEnvironment

from synth_assets import builtin_tables
from synth_assets import table_model as tm
from synth_assets.target import transform
from synth_assets.target.mapping import Mapping, Source, TargetTable

SYNTH = builtin_tables.SCHEMA
ROW_SOURCES = ("column", "template", "cents", "key")  # read the synth row: need ``from``


@dataclass(frozen=True)
class Problem:
    table: str
    column: str | None
    message: str

    def shown(self, path: Path) -> str:
        place = f"table {self.table}" + (f", column {self.column}" if self.column else "")
        return f"{path}: {place}: {self.message}"


def problems(mapping: Mapping, schema: tm.Schema) -> list[Problem]:
    """Every problem of ``mapping`` against the target ``schema``, in file order."""
    found: list[Problem] = []
    for name, table in mapping.tables.items():
        if name not in schema.tables:
            found.append(
                Problem(
                    name,
                    None,
                    f"no such table in the target schema (it has {_names_shown(schema.names)})",
                )
            )
            continue
        found += _table(name, table, schema[name], mapping, schema)
        found += _row_key(name, table, schema[name])
    found += _cycles(mapping, schema)
    found += _row_counts(mapping)
    return found


KEY_TYPES = ("uuid", "date")  # beyond integers and texts: their text is the same both sides


def _row_key(name: str, table: TargetTable, target: tm.Table) -> list[Problem]:
    """The loader tells its rows from the app's by their key, recorded as text: the key must
    exist, be of a type whose text it can match, and be filled by the mapping (an integer or
    UUID key alone, the loader makes)."""
    row_key = target.row_key()
    if row_key is None:
        return [
            Problem(
                name,
                None,
                "no primary key and no unique NOT NULL columns: the loader could not tell "
                "its rows from the app's (add a key, or leave the table out)",
            )
        ]
    made = {transform.integer_key(target), transform.uuid_key(target)}
    found = []
    for column in row_key:
        kind = target.column(column).type
        if not (kind.is_integer or kind.is_text or kind.name in KEY_TYPES):
            found.append(
                Problem(
                    name,
                    column,
                    f"part of the key the loader tells its rows apart by, of type {kind}: it "
                    "can match integer, text, uuid and date keys",
                )
            )
        elif column not in table.columns and column not in made:
            found.append(
                Problem(
                    name,
                    column,
                    "part of the key the loader tells its rows apart by: the mapping must "
                    "fill it (a key the server makes, the loader cannot know)",
                )
            )
    return found


def _row_counts(mapping: Mapping) -> list[Problem]:
    """Generated rows counted per another table must lead to a table counted otherwise."""
    found = []
    for name, table in mapping.tables.items():
        seen, current = [name], table
        while current.rows and current.rows.per and current.rows.per in mapping.tables:
            if current.rows.per in seen:
                loop = " -> ".join([*seen, current.rows.per])
                found.append(Problem(name, None, f"rows.per: counted in a loop ({loop})"))
                break
            seen.append(current.rows.per)
            current = mapping.tables[current.rows.per]
    return found


def _names_shown(names: object, limit: int = 12) -> str:
    names = sorted(names)  # type: ignore[call-overload]
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def _table(
    name: str, table: TargetTable, target: tm.Table, mapping: Mapping, schema: tm.Schema
) -> Iterator[Problem]:
    synth = SYNTH.tables.get(table.source) if table.source else None
    if table.source and synth is None:
        yield Problem(
            name,
            None,
            f"from: no synth table {table.source!r} (there are {_names_shown(SYNTH.names)})",
        )
    if table.rows and table.rows.per and table.rows.per not in mapping.tables:
        yield Problem(name, None, f"rows.per: {table.rows.per!r} is not a table of this mapping")
    for column in (table.where or {}) if synth else ():
        if column not in synth.column_names:
            yield Problem(name, None, f"where: {table.source} has no column {column!r}")
    for column, source in table.columns.items():
        if column not in target.column_names:
            yield Problem(
                name,
                column,
                f"no such column in {name} (it has {_names_shown(target.column_names)})",
            )
            continue
        yield from _column(name, target.column(column), source, synth, table, target, mapping)
    made = {transform.integer_key(target), transform.uuid_key(target)}  # the loader's keys
    for column in target.columns:
        if column.name in table.columns or column.nullable or column.name in made:
            continue
        if column.default or column.identity or column.generated:
            continue
        yield Problem(
            name, column.name, "NOT NULL with no server default, and the mapping gives it no source"
        )


def _column(
    table: str,
    column: tm.Column,
    source: Source,
    synth: tm.Table | None,
    mapping_table: TargetTable,
    target: tm.Table,
    mapping: Mapping,
) -> Iterator[Problem]:
    name, kind = column.name, source.kind
    if column.generated:
        yield Problem(
            table, name, "a generated column: the database computes it, nothing writes it"
        )
        return
    if kind in ROW_SOURCES and synth is None:
        if mapping_table.source is None:
            yield Problem(
                table, name, f"{kind}: generated rows have no synth row to read (give from:)"
            )
        return
    if kind in ("column", "cents", "key"):
        wanted = getattr(source, kind)
        if wanted not in synth.column_names:
            yield Problem(table, name, f"{kind}: {synth.name} has no column {wanted!r}")
        else:
            yield from _types(table, column, source, synth.column(wanted))
    yield from _ranges(table, column, source)
    if kind == "template":
        yield from _template(table, name, source.template, synth)
    if kind == "parent":
        yield from _parent(table, name, source, target, mapping)
    if kind == "date":
        yield from _after(table, name, source.date.after, mapping_table)
    if source.nulls and not column.nullable:
        yield Problem(
            table, name, f"nulls: {source.nulls} of the rows would be NULL in a NOT NULL column"
        )
    allowed = target.choices(name)
    yield from _fits(table, column, _known_values(source), allowed)
    if (
        allowed is not None
        and kind in ("column", "pool", "number", "sequence")  # a template's: on the rows
        and source.values is None
    ):
        yield Problem(
            table, name,
            f"{kind}: its values are not known to be among {list(allowed)}: map them with "
            "values, or use a choice",
        )  # fmt: skip
    if kind in ("constant", "choice") and target.is_unique(name):
        yield Problem(table, name, f"unique, but a {kind} gives many rows the same value")


def _template(table: str, column: str, text: str, synth: tm.Table) -> Iterator[Problem]:
    try:
        fields = jinja2.meta.find_undeclared_variables(SandboxedEnvironment().parse(text))
    except jinja2.TemplateSyntaxError as error:
        yield Problem(table, column, f"template: not a valid Jinja2 template: {error.message}")
        return
    for field in sorted(fields - set(synth.column_names)):
        yield Problem(table, column, f"template: {synth.name} has no column {field!r}")


def _parent(
    table: str, column: str, source: Source, target: tm.Table, mapping: Mapping
) -> Iterator[Problem]:
    if source.parent not in mapping.tables:
        yield Problem(table, column, f"parent: {source.parent!r} is not a table of this mapping")
        return
    declared = any(
        key.columns == (column,) and key.parent == source.parent for key in target.foreign_keys
    )
    if not declared and not source.virtual:
        yield Problem(
            table, column,
            f"parent: no foreign key from {column} to {source.parent} in the schema; if the "
            "database does not declare one, say so with virtual: true",
        )  # fmt: skip


def _after(table: str, column: str, after: str, mapping_table: TargetTable) -> Iterator[Problem]:
    """A relative date reads a column the mapping makes before it, in the same row."""
    earlier = list(mapping_table.columns)[: list(mapping_table.columns).index(column)]
    if after not in earlier or mapping_table.columns[after].kind == "parent":
        yield Problem(
            table, column, f"date.after: {after!r} is not a column this table maps before it"
        )


def _types(table: str, column: tm.Column, source: Source, read: tm.Column) -> Iterator[Problem]:
    """A synth column's values fit the target column's type (a value map may turn them)."""
    if source.values is not None:
        return
    if source.kind == "cents":
        if not (column.type.is_integer or column.type.name == "numeric"):
            yield Problem(
                table, column.name, f"cents: whole cents go into a number, not {column.type}"
            )
        elif read.type.name not in tm.NUMBERS:
            yield Problem(table, column.name, f"cents: {read.name} is {read.type}, not an amount")
    elif not tm.compatible(read.type, column.type):
        yield Problem(
            table,
            column.name,
            f"{source.kind}: {read.name} is {read.type}; {column.name} is {column.type}",
        )


def _ranges(table: str, column: tm.Column, source: Source) -> Iterator[Problem]:
    """Generated numbers fit an integer column's range, or a numeric column's precision."""
    top = tm.number_limit(column.type)
    if top is None:
        return
    highest = None
    if source.kind == "number" and source.number.max is not None:
        highest = max(abs(source.number.max), abs(source.number.min or 0))
    elif source.kind == "sequence":
        highest = abs(source.sequence)
    if highest is not None and highest >= top:
        yield Problem(
            table, column.name, f"{source.kind}: values up to {highest:g} do not fit {column.type}"
        )


def _known_values(source: Source) -> list[object]:
    """The values a source is known to write, whatever the rows: what it can be judged by."""
    if source.values is not None:
        return list(source.values.values())
    if source.kind == "constant":
        return [source.constant]
    if source.kind == "choice":
        return list(source.choice)
    return []


def _fits(
    table: str, column: tm.Column, values: list[object], allowed: tuple[str, ...] | None
) -> Iterator[Problem]:
    kind = column.type
    what = f"{kind.enum_name}'s labels" if kind.labels is not None else "its CHECK list"
    for value in values:
        if value is None:
            if not column.nullable:
                yield Problem(table, column.name, "a NULL value in a NOT NULL column")
            continue
        if allowed is not None and value not in allowed:
            yield Problem(table, column.name, f"{value!r} is not one of {what} {list(allowed)}")
        if kind.length is not None and len(str(value)) > kind.length:
            yield Problem(table, column.name, f"{str(value)[:40]!r} is longer than {kind} allows")


def _fk_to_unmapped(name: str, target: tm.Table, mapping: Mapping) -> Iterator[Problem]:
    for key in target.foreign_keys:
        if key.parent not in mapping.tables and not key.nullable_in(target):
            yield Problem(
                name,
                ", ".join(key.columns),
                f"refers to {key.parent}, which the mapping leaves empty, and cannot be NULL: map {key.parent} too",
            )


def _cycles(mapping: Mapping, schema: tm.Schema) -> list[Problem]:
    """The foreign keys to tables the mapping leaves empty that cannot be NULL, and the
    cycles among mapped tables that no nullable or deferrable key breaks."""
    found: list[Problem] = []
    mapped = tm.Schema.of(schema[n] for n in mapping.tables if n in schema.tables)
    for name, table in mapped.tables.items():
        found += _fk_to_unmapped(name, table, mapping)
    try:
        tm.load_order(mapped, tm.breakable(mapped))
    except ValueError as error:
        cycle = str(error).removeprefix("foreign keys form a cycle: ")
        found.append(
            Problem(
                cycle.split(" -> ")[0],
                None,
                f"a cycle of NOT NULL, non-deferrable foreign keys cannot be loaded: {cycle}",
            )
        )
    return found
