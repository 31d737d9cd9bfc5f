"""A persona's synthetic tables, turned into the app's tables by a mapping: plain functions
from (mapping, target schema, synth frames, seed, persona, first keys) to DataFrames, one per
target table, in load order. Every random choice has its own stream from the seed, the
persona, the table and the column, so the same inputs give the same rows.

Keys: a target table's integer primary key is numbered from the first key the caller gives
(the loader hands out ranges no one else holds); a UUID key keeps the synth UUID. A parent
reference is resolved through the synth tables' own foreign keys (a transaction's member is
its account's user), else drawn among the parent's rows."""

from __future__ import annotations

from collections.abc import Mapping as MappingType
from dataclasses import dataclass

import jinja2
import jinja2.meta
import numpy as np
import pandas as pd
from jinja2.sandbox import SandboxedEnvironment

from synth_assets import builtin_tables
from synth_assets import table_model as tm
from synth_assets.generate import pools as pool_module
from synth_assets.generate.seeding import rng
from synth_assets.generate.users import persona_tag
from synth_assets.target.mapping import Mapping, MappingError, Source, TargetTable

SYNTH = builtin_tables.SCHEMA
GENERATORS = ("constant", "sequence", "choice", "pool", "number", "date")  # read no synth row


@dataclass
class Built:
    """A target table's rows, its key column, and what they were made from: the synth table
    and each row's synth id (None for generated rows), so children can find their parent."""

    frame: pd.DataFrame
    key: str | None
    synth: str | None = None
    origin: pd.Series | None = None


def transform(
    mapping: Mapping,
    schema: tm.Schema,
    frames: MappingType[str, pd.DataFrame],
    seed: int,
    persona: str,
    first_keys: MappingType[str, int] | None = None,
    scale: float = 1.0,
) -> dict[str, pd.DataFrame]:
    """Every mapped table's rows, in load order (parents first; a cycle is broken at a
    nullable or deferrable key, whose column is filled in with the rest of the rows)."""
    mapped, order = load_plan(mapping, schema)
    built: dict[str, Built] = {}
    counts = row_counts(mapping, frames, scale)
    for name in order:
        built[name] = _table(
            name, mapping.tables[name], mapped[name], frames, counts, built, seed, persona,
            (first_keys or {}).get(name, 1),
        )  # fmt: skip
    # Keys to tables built later (the broken cycle's): filled in now that every key exists.
    for name in order:
        _late_parents(name, mapping.tables[name], mapped[name], frames, built, seed, persona)
    return {name: built[name].frame for name in order}


def load_plan(mapping: Mapping, schema: tm.Schema) -> tuple[tm.Schema, list[str]]:
    """The mapped tables, and the order to write them in: parents first, a cycle broken at
    a nullable or deferrable key."""
    mapped = tm.Schema.of(schema[name] for name in mapping.tables)
    return mapped, tm.load_order(mapped, tm.breakable(mapped))


def row_counts(
    mapping: Mapping, frames: MappingType[str, pd.DataFrame], scale: float
) -> dict[str, int]:
    """How many rows each table gets: its filtered synth rows, or its generated count."""
    counts: dict[str, int] = {}
    pending = dict(mapping.tables)
    while pending:
        before = len(pending)
        for name, table in list(pending.items()):
            if table.source:
                counts[name] = int(_filtered(frames[table.source], table).shape[0])
            elif table.rows.count is not None:
                counts[name] = max(round(table.rows.count * scale), 0)
            elif table.rows.per in counts:
                counts[name] = max(int(np.ceil(counts[table.rows.per] / table.rows.ratio)), 1)
            else:
                continue
            del pending[name]
        if len(pending) == before:
            raise MappingError(
                f"rows.per: no count for {sorted(pending)} (a loop, or a table not mapped)"
            )
    return counts


def _filtered(frame: pd.DataFrame, table: TargetTable) -> pd.DataFrame:
    if not table.where:
        return frame
    keep = np.ones(len(frame), dtype=bool)
    for column, wanted in table.where.items():
        allowed = wanted if isinstance(wanted, list) else [wanted]
        keep &= frame[column].isin(allowed).to_numpy()
    return frame[keep].reset_index(drop=True)


def _table(
    name: str,
    table: TargetTable,
    target: tm.Table,
    frames: MappingType[str, pd.DataFrame],
    counts: dict[str, int],
    built: dict[str, Built],
    seed: int,
    persona: str,
    first_key: int,
) -> Built:
    source = _filtered(frames[table.source], table) if table.source else None
    n = counts[name]
    out: dict[str, object] = {}
    key = integer_key(target)
    if key is not None and key not in table.columns:
        out[key] = np.arange(first_key, first_key + n, dtype=np.int64)
    for column, spec in table.columns.items():
        if spec.kind == "parent" and spec.parent not in built:
            continue  # a later table's key: ``_late_parents``
        values = _values(
            name, column, spec, source, n, out, frames, built, seed, persona, table, target
        )
        values = _finish(name, target.column(column), spec, values, seed, persona)
        if spec.kind in GENERATORS:
            values = _distinct(name, target, column, values, persona)
        out[column] = values
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    own = key or (target.primary_key[0] if target.primary_key else None)
    if table.source is None:
        return Built(frame, own)
    origin = source[SYNTH[table.source].primary_key[0]].reset_index(drop=True)
    return Built(frame, own, table.source, origin)


def integer_key(target: tm.Table) -> str | None:
    """The table's own integer key, which this module numbers (None: it has another)."""
    if len(target.primary_key) == 1:
        column = target.column(target.primary_key[0])
        if column.type.is_integer:
            return column.name
    return None


def _values(
    table: str,
    column: str,
    spec: Source,
    source: pd.DataFrame | None,
    n: int,
    out: dict[str, object],
    frames: MappingType[str, pd.DataFrame],
    built: dict[str, Built],
    seed: int,
    persona: str,
    mapping_table: TargetTable,
    target: tm.Table,
) -> object:
    stream = rng(seed, persona, f"target.{table}", column)
    kind = spec.kind
    if kind == "column":
        return source[spec.column].to_numpy()
    if kind == "cents":
        dollars = source[spec.cents].astype("float64").to_numpy()
        return np.round(dollars * 100).astype(np.int64)
    if kind == "template":
        return _rendered(spec.template, source)
    if kind == "key":
        return source[spec.key].to_numpy()
    if kind == "constant":
        return np.full(n, spec.constant, dtype=object)
    if kind == "sequence":
        return np.arange(spec.sequence, spec.sequence + n, dtype=np.int64)
    if kind == "choice":
        labels = list(spec.choice)
        weights = np.array([spec.choice[label] for label in labels], dtype=float)
        return np.array(labels, dtype=object)[
            stream.choice(len(labels), n, p=weights / weights.sum())
        ]
    if kind == "pool":
        pool = getattr(pool_module.pools(seed), spec.pool)
        return pool[stream.integers(0, len(pool), n)]
    if kind == "number":
        return _number(spec, n, stream)
    if kind == "date":
        after = pd.to_datetime(pd.Series(out[spec.date.after]))
        low, high = spec.date.days
        days = stream.integers(low, high + 1, n)
        return (after + pd.to_timedelta(days, unit="D")).to_numpy()
    if kind == "parent":
        referred = _referred(target, column, spec.parent, built)
        return _parent_keys(
            table, column, spec.parent, source, n, frames, built, mapping_table, stream, referred
        )
    raise MappingError(f"table {table}, column {column}: unknown source {kind!r}")


def _rendered(text: str, source: pd.DataFrame) -> np.ndarray:
    """The template rendered for each row, once per distinct combination of the fields it
    reads (``pending`` takes two renders, not one per transaction). Sandboxed: a mapping
    file's template reads the row's fields, nothing of Python's."""
    environment = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
    fields = sorted(jinja2.meta.find_undeclared_variables(environment.parse(text)))
    template = environment.from_string(text)
    read = source[[f for f in fields if f in source.columns]].astype(object)
    if read.columns.empty:  # reads no field: one render for every row
        return np.full(len(source), template.render(), dtype=object)
    rows = read.where(read.notna(), None)
    codes, distinct = pd.factorize(pd.Series(list(rows.itertuples(index=False, name=None))))
    names = list(rows.columns)
    rendered = [template.render(dict(zip(names, values, strict=True))) for values in distinct]
    return np.array(rendered, dtype=object)[codes]


def _number(spec: Source, n: int, stream: np.random.Generator) -> np.ndarray:
    number = spec.number
    if number.median is not None:
        drawn = stream.lognormal(np.log(number.median), number.sigma, n)
    else:
        drawn = stream.uniform(number.min, number.max, n)
    return np.round(drawn, number.digits) if number.digits else np.round(drawn).astype(np.int64)


def _parent_keys(
    table: str,
    column: str,
    parent: str,
    source: pd.DataFrame | None,
    n: int,
    frames: MappingType[str, pd.DataFrame],
    built: dict[str, Built],
    mapping_table: TargetTable,
    stream: np.random.Generator,
    referred: str,
) -> np.ndarray:
    """Each row's parent key: through the synth tables' own links when both sides come from
    synth rows (a transaction's member is its account's user), else drawn among the
    parent's rows (a generated org for each member, in turn)."""
    above = built[parent]
    keys = above.frame[referred].to_numpy()
    if len(keys) == 0:
        raise MappingError(f"table {table}, column {column}: parent {parent} has no rows")
    if source is not None and above.synth is not None and mapping_table.source != above.synth:
        linked = _link(mapping_table.source, above.synth, source, frames)
        if linked is not None:
            position = pd.Index(above.origin).get_indexer(linked)
            if (position < 0).any():
                missing = linked[position < 0][:3]
                raise MappingError(
                    f"table {table}, column {column}: rows whose {above.synth} is not in "
                    f"{parent} (filtered out there?), e.g. {list(missing)}"
                )
            return keys[position]
    if table == parent:
        # A self-reference names an earlier row (the first row, itself), so the rows can be
        # written in order with the key checked as they go.
        picks = np.floor(stream.random(n) * np.arange(n)).astype(np.int64)
        return keys[picks]
    if source is None and above.origin is None:
        return keys[np.arange(n) % len(keys)]
    return keys[np.sort(stream.integers(0, len(keys), n))]


def _referred(target: tm.Table, column: str, parent: str, built: dict[str, Built]) -> str:
    """The parent's column a reference holds: the one its foreign key names (a unique column,
    not always the key), else the parent's key (a virtual foreign key)."""
    for key in target.foreign_keys:
        if key.columns == (column,) and key.parent == parent:
            referred = key.parent_columns[0]
            if referred not in built[parent].frame.columns:
                raise MappingError(
                    f"table {target.name}, column {column}: refers to {parent}.{referred}, "
                    "which the mapping does not fill"
                )
            return referred
    return built[parent].key


def _link(
    child: str, parent: str, rows: pd.DataFrame, frames: MappingType[str, pd.DataFrame]
) -> np.ndarray | None:
    """The ``parent`` synth id of each of ``rows`` (of synth table ``child``), following the
    synth foreign keys (transactions -> accounts -> users); None if no path leads there."""
    path = _path(child, parent)
    if path is None:
        return None
    values = rows
    for key in path[:-1]:  # up to the table just below ``parent``
        above = frames[key.parent].set_index(key.parent_columns[0])
        values = above.loc[values[key.columns[0]]].reset_index()
    return values[path[-1].columns[0]].to_numpy()


def _path(child: str, parent: str) -> list[tm.ForeignKey] | None:
    """The chain of synth foreign keys from ``child`` up to ``parent``, shortest first."""
    queue: list[tuple[str, list[tm.ForeignKey]]] = [(child, [])]
    seen = {child}
    while queue:
        name, path = queue.pop(0)
        for key in SYNTH[name].foreign_keys:
            if key.parent == parent:
                return [*path, key]
            if key.parent not in seen:
                seen.add(key.parent)
                queue.append((key.parent, [*path, key]))
    return None


def _finish(
    table: str, column: tm.Column, spec: Source, values: object, seed: int, persona: str
) -> object:
    """A column's values after its value map and its share of NULLs."""
    series = pd.Series(values)
    if spec.values is not None:
        mapped = series.map(lambda v: spec.values.get(str(v), _UNMAPPED))
        unmapped = series[mapped.map(lambda v: v is _UNMAPPED)].unique()
        if len(unmapped):
            raise MappingError(
                f"table {table}, column {column.name}: values: no mapping for "
                f"{sorted(map(str, unmapped))[:5]}"
            )
        series = mapped
    if spec.nulls:
        stream = rng(seed, persona, f"target.{table}", f"{column.name}.nulls")
        series = series.astype(object).where(stream.random(len(series)) >= spec.nulls, None)
    return series.to_numpy()


_UNMAPPED = object()


def _distinct(
    table: str, target: tm.Table, column: str, values: np.ndarray, persona: str
) -> np.ndarray:
    """A unique column's generated values made distinct, as synth usernames are: a text
    gets the persona's tag (unique across personas), and a repeat within the persona a
    number (`` 2``, `` 3``: a pool of company names drawn for many orgs). A repeated value of
    another type is refused, naming the column, before anything is written."""
    if not target.is_unique(column):
        return values
    series = pd.Series(values)
    repeat = series.groupby(series, dropna=True).cumcount()
    if not target.column(column).type.is_text:
        if (repeat > 0).any():
            shown = series[repeat > 0].iloc[0]
            shown = shown.item() if hasattr(shown, "item") else shown  # not numpy's repr
            raise MappingError(f"table {table}, column {column}: unique, but {shown!r} repeats")
        return values
    numbered = np.where(repeat > 0, series.astype(str) + " " + (repeat + 1).astype(str), series)
    tagged = pd.Series(numbered).astype(str) + f" ({persona_tag(persona)})"
    return np.where(series.isna(), None, tagged)


def _late_parents(
    name: str,
    table: TargetTable,
    target: tm.Table,
    frames: MappingType[str, pd.DataFrame],
    built: dict[str, Built],
    seed: int,
    persona: str,
) -> None:
    frame = built[name].frame
    source = _filtered(frames[table.source], table) if table.source else None
    for column, spec in table.columns.items():
        if spec.kind != "parent" or column in frame.columns:
            continue
        stream = rng(seed, persona, f"target.{name}", column)
        referred = _referred(target, column, spec.parent, built)
        values = _parent_keys(
            name, column, spec.parent, source, len(frame), frames, built, table, stream, referred
        )
        frame[column] = _finish(name, target.column(column), spec, values, seed, persona)
