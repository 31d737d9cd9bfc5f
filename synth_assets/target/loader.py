"""Loading a persona into tables someone else owns (SPEC §9): the app's own tables, made by its
migrations. No DDL runs on them (the ledger lives in a schema of its own, ``synth_target``).
One transaction per persona, in foreign-key order, with COPY:

- it replaces only the rows it wrote for that persona before (the ledger records their keys);
  the app's rows and other personas' rows stay, and if a row it did not write refers to one it
  did (a delete would cascade to it, or be refused), the load is refused;
- a key or a unique value that would collide with a row it did not write is refused before
  anything is written, naming the table, the column and the value;
- each persona keeps a block of integer keys per table, the same on every load while it fits;
  identity and serial sequences are moved past every block, so the app's next INSERT lands
  in none of them;
- a cycle is broken at a nullable key (written NULL, then filled in) or a deferrable one
  (checked at commit);
- triggers and the app's constraints run as they would for the app; the guard judges the
  database as for synth_assets' own tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from collections.abc import Mapping as MappingType
from contextlib import contextmanager

import pandas as pd
import psycopg
from psycopg import sql

from synth_assets import table_model as tm
from synth_assets.load.copy import copy_columns
from synth_assets.load.target import Target, as_target
from synth_assets.target import transform
from synth_assets.target.mapping import Mapping, MappingError

LEDGER = "synth_target"
APPLICATION_NAME = "synth_assets_target_loader"
BLOCK_MINIMUM = 1_000
_SETUP = f"""
CREATE SCHEMA IF NOT EXISTS {LEDGER};
CREATE TABLE IF NOT EXISTS {LEDGER}.blocks (
    table_name text NOT NULL, persona text NOT NULL, first_key bigint NOT NULL,
    size bigint NOT NULL, PRIMARY KEY (table_name, persona)
);
CREATE TABLE IF NOT EXISTS {LEDGER}.written (
    table_name text NOT NULL, persona text NOT NULL, key text NOT NULL,
    PRIMARY KEY (table_name, persona, key)
);
"""


class CollisionError(MappingError):
    """A row this load would write meets a row it did not write; nothing was written."""


@contextmanager
def _transaction(target: Target | str, timeout_s: float) -> Iterator[psycopg.Cursor]:
    """One transaction on the guarded target (committed at the end of the block)."""
    with as_target(target).connect(application_name=APPLICATION_NAME) as conn, conn.cursor() as cur:
        cur.execute(
            sql.SQL("SET statement_timeout = {}").format(sql.Literal(f"{int(timeout_s * 1000)}ms"))
        )
        yield cur


def load(
    target: Target | str,
    persona: str,
    mapping: Mapping,
    schema: tm.Schema,
    frames: MappingType[str, pd.DataFrame],
    seed: int,
    scale: float = 1.0,
    timeout_s: float = 300.0,
    before_writing: Callable[[dict[str, pd.DataFrame]], None] | None = None,
) -> dict[str, int]:
    """Write ``persona``'s rows into the app's tables the mapping names, replacing the rows
    this persona's earlier loads wrote there; the rows per table. ``before_writing`` sees the
    rows exactly as they will be written (their keys included) and may refuse them by
    raising: nothing is written then."""
    mapped, order = transform.load_plan(mapping, schema)
    keys = {name: _key(mapped[name]) for name in order}
    counts = transform.row_counts(mapping, frames, scale)
    at = Place(mapping.target.schema_name)
    with _transaction(target, timeout_s) as cur:  # the ledger, once, in a short transaction
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{LEDGER}:setup",))
        cur.execute(_SETUP)
    with _transaction(target, timeout_s) as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{LEDGER}:{persona}",))
        first = _blocks(cur, at, persona, mapped, counts)
        tables = transform.transform(mapping, schema, frames, seed, persona, first, scale)
        if before_writing is not None:
            before_writing(tables)
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        _refuse_references_to_ours(cur, at, schema, set(order), keys, persona)
        late = _late_columns(mapped, order)
        for name, columns in late.items():  # the cycle's keys first, as they were filled last
            _clear_ours(cur, at, name, keys[name], persona, columns)
        for name in reversed(order):  # children first: nothing may refer to a removed row
            _remove_ours(cur, at, name, keys[name], persona)
        for name in order:
            _refuse_collisions(cur, at, mapped[name], tables[name], keys[name])
        for name in order:
            _copy(cur, at, name, tables[name], set(late.get(name, ())))
        for name, columns in late.items():
            _fill_in(cur, at, name, keys[name], tables[name], columns)
        for name in order:
            _record(cur, at, name, persona, tables[name][keys[name]])
            _move_sequence(cur, at, mapped[name], keys[name])
    return {name: len(tables[name]) for name in order}


class Place:
    """Where the app's tables are: their schema, for every name the loader writes."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    def table(self, name: str) -> sql.Composable:
        return sql.Identifier(self.schema, name)

    def ledger_name(self, name: str) -> str:
        """The table as the ledger records it: schema-qualified."""
        return f"{self.schema}.{name}"


def _key(table: tm.Table) -> str:
    """The one key column a table's rows are told apart by (what the ledger records)."""
    if len(table.primary_key) != 1:
        raise MappingError(
            f"table {table.name}: the loader needs a one-column primary key to know its rows "
            f"(it has {list(table.primary_key) or 'none'})"
        )
    return table.primary_key[0]


def _blocks(
    cur: psycopg.Cursor, at: Place, persona: str, mapped: tm.Schema, counts: dict[str, int]
) -> dict[str, int]:
    """The first key of each integer-keyed table's block for ``persona``: its block from an
    earlier load while the rows fit, else a new one past every key in the table and block."""
    first: dict[str, int] = {}
    for name, table in mapped.tables.items():
        key = transform.integer_key(table)
        if key is None:
            continue
        recorded = at.ledger_name(name)
        row = cur.execute(
            f"SELECT first_key, size FROM {LEDGER}.blocks WHERE table_name = %s AND persona = %s",
            (recorded, persona),
        ).fetchone()
        if row and row[1] >= counts[name]:
            first[name] = row[0]
            continue
        highest = cur.execute(
            sql.SQL(
                "SELECT greatest(coalesce(max({k}), 0), (SELECT coalesce(max(first_key + size - 1),"
                " 0) FROM {ledger}.blocks WHERE table_name = %s)) FROM {t}"
            ).format(k=sql.Identifier(key), ledger=sql.Identifier(LEDGER), t=at.table(name)),
            (recorded,),
        ).fetchone()[0]
        size = max(2 * counts[name], BLOCK_MINIMUM)
        cur.execute(
            f"INSERT INTO {LEDGER}.blocks VALUES (%s, %s, %s, %s) ON CONFLICT (table_name, persona) "
            "DO UPDATE SET first_key = EXCLUDED.first_key, size = EXCLUDED.size",
            (recorded, persona, highest + 1, size),
        )
        first[name] = highest + 1
    return first


_OURS = sql.SQL("SELECT key FROM {ledger}.written WHERE table_name = %s AND persona = %s").format(
    ledger=sql.Identifier(LEDGER)
)


def _refuse_references_to_ours(
    cur: psycopg.Cursor,
    at: Place,
    schema: tm.Schema,
    mapped: set[str],
    keys: dict[str, str],
    persona: str,
) -> None:
    """A row this persona's loads did not write that refers to one they did would be deleted
    with it (ON DELETE CASCADE) or stop the delete: refused, naming the table."""
    for child in schema.tables.values():
        for key in child.foreign_keys:
            if key.parent not in mapped or len(key.columns) != 1:
                continue
            theirs = sql.SQL("true")
            if child.name in mapped:
                theirs = (
                    sql.SQL("c.{} ::text NOT IN (").format(sql.Identifier(keys[child.name]))
                    + _OURS
                    + sql.SQL(")")
                )
            statement = sql.SQL(
                "SELECT count(*) FROM {c} c JOIN {p} p ON c.{fk} = p.{pk} "
                "WHERE p.{own}::text IN ("
            ).format(
                c=at.table(child.name), p=at.table(key.parent), fk=sql.Identifier(key.columns[0]),
                pk=sql.Identifier(key.parent_columns[0]), own=sql.Identifier(keys[key.parent]),
            ) + _OURS + sql.SQL(") AND ") + theirs  # fmt: skip
            params = [at.ledger_name(key.parent), persona]
            if child.name in mapped:
                params += [at.ledger_name(child.name), persona]
            [[count]] = cur.execute(statement, params).fetchall()
            if count:
                raise CollisionError(
                    f"table {child.name}, column {key.columns[0]}: {count} rows this persona's "
                    f"loads did not write refer to its rows in {key.parent}; replacing them "
                    "would delete or orphan those rows: nothing was written"
                )


def _clear_ours(
    cur: psycopg.Cursor, at: Place, name: str, key: str, persona: str, columns: list[str]
) -> None:
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = NULL").format(sql.Identifier(c)) for c in columns
    )
    cur.execute(
        sql.SQL("UPDATE {t} SET {a} WHERE {k}::text IN (").format(
            t=at.table(name), a=assignments, k=sql.Identifier(key)
        )
        + _OURS
        + sql.SQL(")"),
        (at.ledger_name(name), persona),
    )


def _remove_ours(cur: psycopg.Cursor, at: Place, name: str, key: str, persona: str) -> None:
    recorded = at.ledger_name(name)
    cur.execute(
        sql.SQL("DELETE FROM {t} WHERE {k}::text IN (").format(
            t=at.table(name), k=sql.Identifier(key)
        )
        + _OURS
        + sql.SQL(")"),
        (recorded, persona),
    )
    cur.execute(
        f"DELETE FROM {LEDGER}.written WHERE table_name = %s AND persona = %s", (recorded, persona)
    )


def _refuse_collisions(
    cur: psycopg.Cursor, at: Place, table: tm.Table, frame: pd.DataFrame, key: str
) -> None:
    """A key or unique value of ``frame`` already in the table (what is left there after this
    persona's own rows were removed: the app's, or another persona's) is refused."""
    for columns in [(key,), *table.unique]:
        if len(columns) != 1 or columns[0] not in frame.columns:
            continue
        column = columns[0]
        values = [str(v) for v in pd.unique(frame[column].dropna())]
        if not values:
            continue
        clash = cur.execute(
            sql.SQL("SELECT {c}::text FROM {t} WHERE {c}::text = ANY(%s) LIMIT 1").format(
                c=sql.Identifier(column), t=at.table(table.name)
            ),
            (values,),
        ).fetchone()
        if clash:
            raise CollisionError(
                f"table {table.name}, column {column}: {clash[0]!r} is already there in a row "
                "this persona's loads did not write; nothing was written"
            )


def _late_columns(mapped: tm.Schema, order: list[str]) -> dict[str, list[str]]:
    """The columns of keys to tables written later that are not deferrable: written NULL,
    then filled in once their parent is there."""
    late: dict[str, list[str]] = {}
    for name in order:
        for key in mapped[name].foreign_keys:
            later = key.parent in order and order.index(key.parent) > order.index(name)
            if later and not key.deferrable:
                late.setdefault(name, []).extend(key.columns)
    return late


def _copy(cur: psycopg.Cursor, at: Place, name: str, frame: pd.DataFrame, null: set[str]) -> None:
    """COPY the rows as ours are copied (CSV rendered by Arrow, in chunks)."""
    rows = frame.copy(deep=False)
    for column in null & set(rows.columns):  # a key to a later table: NULL until it is there
        rows[column] = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    copy_columns(cur, at.table(name), list(rows.columns), rows)


def _fill_in(
    cur: psycopg.Cursor, at: Place, name: str, key: str, frame: pd.DataFrame, columns: list[str]
) -> None:
    """Set the late keys, now that their parents are written (cast to the column's type)."""
    for column in columns:
        if column not in frame.columns:
            continue
        pairs = frame[[key, column]].dropna()
        if pairs.empty:
            continue
        [[kind]] = cur.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = %s",
            (at.table(name).as_string(cur), column),
        ).fetchall()
        cur.execute(
            sql.SQL(
                "UPDATE {t} SET {c} = v.value::{kind} FROM unnest(%s::text[], %s::text[]) "
                "AS v(key, value) WHERE {t}.{k}::text = v.key"
            ).format(
                t=at.table(name),
                c=sql.Identifier(column),
                k=sql.Identifier(key),
                kind=sql.SQL(kind),
            ),
            ([str(v) for v in pairs[key]], [str(v) for v in pairs[column]]),
        )


def _record(cur: psycopg.Cursor, at: Place, name: str, persona: str, keys: pd.Series) -> None:
    recorded = at.ledger_name(name)
    with cur.copy(f"COPY {LEDGER}.written (table_name, persona, key) FROM STDIN") as copy:
        for value in keys:
            copy.write_row((recorded, persona, str(value)))


def _move_sequence(cur: psycopg.Cursor, at: Place, table: tm.Table, key: str) -> None:
    """Move the key's identity or serial sequence past every key in the table and every
    persona's block there, so the app's next INSERT lands in none of them."""
    column = table.column(key)
    if not (column.identity or (column.default or "").startswith("nextval")):
        return
    sequence = cur.execute(
        "SELECT pg_get_serial_sequence(%s, %s)", (at.table(table.name).as_string(cur), key)
    ).fetchone()[0]
    if sequence is None:
        return
    cur.execute(
        sql.SQL(
            "SELECT setval(%s::regclass, greatest((SELECT coalesce(max({k}), 1) FROM {t}), "
            "(SELECT max(first_key + size - 1) FROM {ledger}.blocks WHERE table_name = %s), "
            "pg_sequence_last_value(%s::regclass)))"
        ).format(k=sql.Identifier(key), t=at.table(table.name), ledger=sql.Identifier(LEDGER)),
        (sequence, at.ledger_name(table.name), sequence),
    )
