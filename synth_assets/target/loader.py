"""Loading a persona into tables someone else owns (SPEC §9): the app's own tables, made by its
migrations. No DDL runs there. One transaction per persona, in foreign-key order, with COPY:

- it replaces only the rows it wrote for that persona before (a ledger in its own schema,
  ``synth_target``, records their keys); the app's rows and other personas' rows stay;
- a key or a unique value that would collide with a row it did not write is refused before
  anything is written, naming the table, the column and the value;
- each persona keeps a block of integer keys per table, the same on every load while it fits;
- a cycle is broken at a nullable key (written NULL, then filled in) or a deferrable one
  (checked at commit); identity and serial sequences are moved past the keys it wrote, so the
  app's next INSERT does not collide;
- triggers and the app's constraints run as they would for the app; the guard judges the
  database as for synth_assets' own tables."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as MappingType
from contextlib import contextmanager

import pandas as pd
import psycopg
from psycopg import sql

from synth_assets import table_model as tm
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
) -> dict[str, int]:
    """Write ``persona``'s rows into the app's tables the mapping names, replacing the rows
    this persona's earlier loads wrote there; the rows per table."""
    mapped, order = transform.load_plan(mapping, schema)
    keys = {name: _key(mapped[name]) for name in order}
    counts = transform.row_counts(mapping, frames, scale)
    with _transaction(target, timeout_s) as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{LEDGER}:{persona}",))
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{LEDGER}:setup",))
        cur.execute(_SETUP)
        first = _blocks(cur, persona, mapped, counts)
        tables = transform.transform(mapping, schema, frames, seed, persona, first, scale)
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        for name in reversed(order):  # children first: nothing may refer to a removed row
            _remove_ours(cur, name, keys[name], persona)
        for name in order:
            _refuse_collisions(cur, mapped[name], tables[name], keys[name])
        late = _late_columns(mapped, order)
        for name in order:
            _copy(cur, name, tables[name], set(late.get(name, ())))
        for name, columns in late.items():
            _fill_in(cur, name, keys[name], tables[name], columns)
        for name in order:
            _record(cur, name, keys[name], persona, tables[name])
            _move_sequence(cur, mapped[name], keys[name])
    return {name: len(tables[name]) for name in order}


def _key(table: tm.Table) -> str:
    """The one key column a table's rows are told apart by (what the ledger records)."""
    if len(table.primary_key) != 1:
        raise MappingError(
            f"table {table.name}: the loader needs a one-column primary key to know its rows "
            f"(it has {list(table.primary_key) or 'none'})"
        )
    return table.primary_key[0]


def _blocks(
    cur: psycopg.Cursor, persona: str, mapped: tm.Schema, counts: dict[str, int]
) -> dict[str, int]:
    """The first key of each integer-keyed table's block for ``persona``: its block from an
    earlier load while the rows fit, else a new one past every key in the table and block."""
    first: dict[str, int] = {}
    for name, table in mapped.tables.items():
        key = transform.integer_key(table)
        if key is None:
            continue
        row = cur.execute(
            f"SELECT first_key, size FROM {LEDGER}.blocks WHERE table_name = %s AND persona = %s",
            (name, persona),
        ).fetchone()
        if row and row[1] >= counts[name]:
            first[name] = row[0]
            continue
        highest = cur.execute(
            sql.SQL(
                "SELECT greatest(coalesce(max({}), 0), (SELECT coalesce(max(first_key + size - 1), 0) FROM {}.blocks WHERE table_name = %s)) FROM {}"
            ).format(sql.Identifier(key), sql.Identifier(LEDGER), sql.Identifier(name)),
            (name,),
        ).fetchone()[0]
        size = max(2 * counts[name], BLOCK_MINIMUM)
        cur.execute(
            f"INSERT INTO {LEDGER}.blocks VALUES (%s, %s, %s, %s) ON CONFLICT (table_name, persona) "
            "DO UPDATE SET first_key = EXCLUDED.first_key, size = EXCLUDED.size",
            (name, persona, highest + 1, size),
        )
        first[name] = highest + 1
    return first


def _remove_ours(cur: psycopg.Cursor, name: str, key: str, persona: str) -> None:
    cur.execute(
        sql.SQL(
            "DELETE FROM {} WHERE {}::text IN (SELECT key FROM {}.written WHERE table_name = %s AND persona = %s)"
        ).format(sql.Identifier(name), sql.Identifier(key), sql.Identifier(LEDGER)),
        (name, persona),
    )
    cur.execute(
        f"DELETE FROM {LEDGER}.written WHERE table_name = %s AND persona = %s", (name, persona)
    )


def _refuse_collisions(cur: psycopg.Cursor, table: tm.Table, frame: pd.DataFrame, key: str) -> None:
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
            sql.SQL("SELECT {}::text FROM {} WHERE {}::text = ANY(%s) LIMIT 1").format(
                sql.Identifier(column), sql.Identifier(table.name), sql.Identifier(column)
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


def _copy(cur: psycopg.Cursor, name: str, frame: pd.DataFrame, null: set[str]) -> None:
    columns = list(frame.columns)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    rows = frame.astype(object).where(frame.notna(), None)
    for column in null:
        rows[column] = None
    with cur.copy(statement) as copy:
        for row in rows.itertuples(index=False, name=None):
            copy.write_row(row)


def _fill_in(
    cur: psycopg.Cursor, name: str, key: str, frame: pd.DataFrame, columns: list[str]
) -> None:
    for column in columns:
        pairs = frame[[key, column]].dropna()
        if pairs.empty:
            continue
        cur.execute(
            sql.SQL(
                "UPDATE {t} SET {c} = v.value FROM unnest(%s::text[], %s::text[]) AS v(key, value) WHERE {t}.{k}::text = v.key"
            ).format(t=sql.Identifier(name), c=sql.Identifier(column), k=sql.Identifier(key)),
            ([str(v) for v in pairs[key]], [str(v) for v in pairs[column]]),
        )


def _record(cur: psycopg.Cursor, name: str, key: str, persona: str, frame: pd.DataFrame) -> None:
    with cur.copy(f"COPY {LEDGER}.written (table_name, persona, key) FROM STDIN") as copy:
        for value in frame[key]:
            copy.write_row((name, persona, str(value)))


def _move_sequence(cur: psycopg.Cursor, table: tm.Table, key: str) -> None:
    """Move the key's identity or serial sequence past every key in the table."""
    if not (table.column(key).identity or (table.column(key).default or "").startswith("nextval")):
        return
    quoted = sql.Identifier(table.name).as_string(cur)
    sequence = cur.execute("SELECT pg_get_serial_sequence(%s, %s)", (quoted, key)).fetchone()[0]
    if sequence is None:
        return
    cur.execute(
        sql.SQL(
            "SELECT setval(%s::regclass, greatest((SELECT coalesce(max({k}), 1) FROM {t}), "
            "pg_sequence_last_value(%s::regclass)))"
        ).format(k=sql.Identifier(key), t=sql.Identifier(table.name)),
        (sequence, sequence),
    )
