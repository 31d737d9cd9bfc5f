"""Loading a persona into tables someone else owns (SPEC §9): the app's own tables, made by its
migrations. No DDL runs on them (the ledger lives in a schema of its own, ``synth_target``).
One transaction per persona, in foreign-key order, with COPY:

- it replaces only the rows it wrote for that persona before (the ledger records the ranges
  of keys it numbered, and any other key one by one); the app's rows and other personas' rows
  stay, and if a row it did not write refers to one it did (a delete would cascade to it,
  change it, or be refused), the load is refused;
- a key or a unique value that collides with a row it did not write is refused by the app's
  own constraint as the rows are copied, naming the table, the column and the value: the
  transaction ends and nothing is written;
- each chunk of a persona's users keeps a block of integer keys per table, the same on every
  load while its rows fit; identity and serial sequences are moved past every block, so the
  app's next INSERT lands in none of them;
- a cycle is broken at a nullable key (written NULL, then filled in) or a deferrable one
  (checked at commit);
- triggers and the app's constraints run as they would for the app; the guard judges the
  database as for synth_assets' own tables."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
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
CREATE TABLE IF NOT EXISTS {LEDGER}.key_blocks (
    table_name text NOT NULL, persona text NOT NULL, chunk integer NOT NULL,
    first_key bigint NOT NULL, size bigint NOT NULL, PRIMARY KEY (table_name, persona, chunk)
);
CREATE TABLE IF NOT EXISTS {LEDGER}.written_ranges (
    table_name text NOT NULL, persona text NOT NULL, first_key bigint NOT NULL,
    rows bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS written_ranges_table ON {LEDGER}.written_ranges (table_name, persona);
CREATE TABLE IF NOT EXISTS {LEDGER}.written_keys (
    table_name text NOT NULL, persona text NOT NULL, key text[] NOT NULL,
    PRIMARY KEY (table_name, persona, key)
);
"""


class CollisionError(MappingError):
    """A row this load would write meets a row it did not write; nothing was written."""


Tables = MappingType[str, pd.DataFrame]


@contextmanager
def _connection(target: Target | str, timeout_s: float) -> Iterator[psycopg.Connection]:
    """A connection to the guarded target with the load's statement timeout."""
    with as_target(target).connect(application_name=APPLICATION_NAME) as conn:
        conn.execute(
            sql.SQL("SET statement_timeout = {}").format(sql.Literal(f"{int(timeout_s * 1000)}ms"))
        )
        yield conn


def load(
    target: Target | str,
    persona: str,
    mapping: Mapping,
    schema: tm.Schema,
    frames: Tables,
    seed: int,
    scale: float = 1.0,
    timeout_s: float = 300.0,
    before_writing: Callable[[dict[str, pd.DataFrame]], None] | None = None,
) -> dict[str, int]:
    """``load_chunks`` for a persona's synth tables in one piece."""
    return load_chunks(
        target, persona, mapping, schema, [frames], seed, scale, timeout_s, before_writing
    )


def load_chunks(
    target: Target | str,
    persona: str,
    mapping: Mapping,
    schema: tm.Schema,
    chunks: Iterable[Tables],
    seed: int,
    scale: float = 1.0,
    timeout_s: float = 300.0,
    before_writing: Callable[[dict[str, pd.DataFrame]], None] | None = None,
) -> dict[str, int]:
    """Write ``persona``'s rows into the app's tables the mapping names, replacing the rows
    this persona's earlier loads wrote there; the rows per table. ``chunks`` are the persona's
    synth tables a chunk of users at a time (in a fixed order: the rows depend on it), each
    turned, judged and copied in turn, in the one transaction. ``before_writing`` sees each
    chunk's rows exactly as they will be written (their keys included) and may refuse them by
    raising: nothing is written then."""
    mapped, order = transform.load_plan(mapping, schema)
    keys = {name: _key(mapped[name]) for name in order}
    at = Place(mapping.target.schema_name)
    made = transform.Transform(mapping, schema, seed, persona, scale=scale)
    written = dict.fromkeys(order, 0)
    with _connection(target, timeout_s) as conn:  # the ledger, once, in a short transaction
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{LEDGER}:setup",))
        conn.execute(_SETUP)
        conn.commit()
        conn.autocommit = True  # each chunk's keys are taken in a short transaction of their own
        with _connection(target, timeout_s) as main, main.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{LEDGER}:{persona}",))
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            late = _late_columns(mapped, order)
            _remove_ours(cur, at, schema, mapped, order, keys, late, persona)
            for index, frames in enumerate(chunks):
                first = _take_keys(conn, at, persona, index, mapped, made.counts(frames))
                tables = made.chunk(frames, first)
                if before_writing is not None:
                    before_writing(made.judged(tables))
                for name in order:
                    _copy(cur, at, name, tables[name], set(late.get(name, ())))
                for name, columns in late.items():
                    _fill_in(cur, at, name, keys[name], tables[name], columns)
                for name in order:
                    numbered = name in first and keys[name][0] not in mapping.tables[name].columns
                    _record(cur, at, name, persona, tables[name][list(keys[name])], numbered)
                    written[name] += len(tables[name])
            for name in order:
                _move_sequence(cur, at, mapped[name], keys[name])
    return written


class Place:
    """Where the app's tables are: their schema, for every name the loader writes."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    def table(self, name: str) -> sql.Composable:
        return sql.Identifier(self.schema, name)

    def ledger_name(self, name: str) -> str:
        """The table as the ledger records it: schema-qualified."""
        return f"{self.schema}.{name}"


def _key(table: tm.Table) -> tuple[str, ...]:
    """The columns a table's rows are told apart by (what the ledger records)."""
    row_key = table.row_key()
    if row_key is None:
        raise MappingError(
            f"table {table.name}: no primary key and no unique NOT NULL columns, so the loader "
            "could not tell its rows from the app's"
        )
    return row_key


def _take_keys(
    conn: psycopg.Connection,
    at: Place,
    persona: str,
    chunk: int,
    mapped: tm.Schema,
    counts: dict[str, int],
) -> dict[str, int]:
    """The first key of each integer-keyed table's block for this chunk of ``persona``'s
    rows: the chunk's block from an earlier load while its rows fit, else a new one past
    every key in the table and every block. Taken and committed at once, under a lock every
    loader takes, so two personas loading side by side never take the same keys."""
    first: dict[str, int] = {}
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{LEDGER}:keys",))
        for name, rows in counts.items():
            key = transform.integer_key(mapped[name])
            if key is None:
                continue
            recorded = at.ledger_name(name)
            row = cur.execute(
                f"SELECT first_key, size FROM {LEDGER}.key_blocks "
                "WHERE table_name = %s AND persona = %s AND chunk = %s",
                (recorded, persona, chunk),
            ).fetchone()
            if row and row[1] >= rows:
                first[name] = row[0]
                continue
            highest = cur.execute(
                sql.SQL(
                    "SELECT greatest(coalesce(max({k}), 0), (SELECT coalesce(max(first_key + "
                    "size - 1), 0) FROM {ledger}.key_blocks WHERE table_name = %s)) FROM {t}"
                ).format(k=sql.Identifier(key), ledger=sql.Identifier(LEDGER), t=at.table(name)),
                (recorded,),
            ).fetchone()[0]
            cur.execute(
                f"INSERT INTO {LEDGER}.key_blocks VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (table_name, persona, chunk) "
                "DO UPDATE SET first_key = EXCLUDED.first_key, size = EXCLUDED.size",
                (recorded, persona, chunk, highest + 1, max(2 * rows, BLOCK_MINIMUM)),
            )
            first[name] = highest + 1
    return first


_RANGES = sql.Identifier(LEDGER, "written_ranges")


def _ours(
    at: Place, table: tm.Table, key: tuple[str, ...], persona: str, alias: str
) -> list[tuple[sql.Composable | None, sql.Composable]]:
    """How to find the rows of ``table`` (as ``alias``) this persona's loads wrote: one
    (ledger table to join as ``r``, condition) per way the ledger records them: the ranges
    of keys it numbered (joined, so each range is an index scan of the key), and the keys it
    recorded one by one (as text, a column each)."""
    recorded, who = sql.Literal(at.ledger_name(table.name)), sql.Literal(persona)
    columns = [sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(c)) for c in key]
    listed = sql.SQL(
        "ARRAY[{c}] IN (SELECT key FROM {keys} WHERE table_name = {t} AND persona = {p})"
    ).format(
        c=sql.SQL(", ").join(sql.SQL("{}::text").format(c) for c in columns),
        keys=sql.Identifier(LEDGER, "written_keys"),
        t=recorded,
        p=who,
    )
    if len(key) != 1 or not table.column(key[0]).type.is_integer:
        return [(None, listed)]
    column = columns[0]
    ranged = sql.SQL(
        "r.table_name = {t} AND r.persona = {p} AND {c} >= r.first_key "
        "AND {c} < r.first_key + r.rows"
    ).format(c=column, t=recorded, p=who)
    return [(_RANGES, ranged), (None, listed)]


def _is_ours(
    at: Place, table: tm.Table, key: tuple[str, ...], persona: str, alias: str
) -> sql.Composable:
    """``_ours`` as one condition on row ``alias``."""
    return sql.SQL(" OR ").join(
        sql.SQL("EXISTS (SELECT 1 FROM {} AS r WHERE {})").format(joined, condition)
        if joined is not None
        else condition
        for joined, condition in _ours(at, table, key, persona, alias)
    )


def _remove_ours(
    cur: psycopg.Cursor,
    at: Place,
    schema: tm.Schema,
    mapped: tm.Schema,
    order: list[str],
    keys: dict[str, tuple[str, ...]],
    late: dict[str, list[str]],
    persona: str,
) -> None:
    """Remove the rows this persona's earlier loads wrote, children first. A row they did not
    write that refers to one of them would be deleted with it (ON DELETE CASCADE), changed
    (SET NULL) or stop the delete: refused, naming the table and column."""
    for name, columns in late.items():  # the cycle's keys first, as they were filled last
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = NULL").format(sql.Identifier(c)) for c in columns
        )
        for joined, condition in _ours(at, mapped[name], keys[name], persona, "o"):
            cur.execute(
                sql.SQL("UPDATE {t} AS o SET {a} ").format(t=at.table(name), a=assignments)
                + (sql.SQL("FROM {} AS r ").format(joined) if joined else sql.SQL(""))
                + sql.SQL("WHERE {}").format(condition)
            )
    removed: set[str] = set()
    for name in reversed(order):
        ways = _ours(at, mapped[name], keys[name], persona, "o")
        _refuse_references(cur, at, schema, mapped, keys, name, ways, persona, removed)
        for joined, condition in ways:
            cur.execute(
                sql.SQL("DELETE FROM {} AS o ").format(at.table(name))
                + (sql.SQL("USING {} AS r ").format(joined) if joined else sql.SQL(""))
                + sql.SQL("WHERE {}").format(condition)
            )
        for ledger in ("written_ranges", "written_keys"):
            cur.execute(
                sql.SQL("DELETE FROM {} WHERE table_name = %s AND persona = %s").format(
                    sql.Identifier(LEDGER, ledger)
                ),
                (at.ledger_name(name), persona),
            )
        removed.add(name)


def _refuse_references(
    cur: psycopg.Cursor,
    at: Place,
    schema: tm.Schema,
    mapped: tm.Schema,
    keys: dict[str, tuple[str, ...]],
    name: str,
    ways: list[tuple[sql.Composable | None, sql.Composable]],
    persona: str,
    removed: set[str],
) -> None:
    """Rows referring to this persona's rows of table ``name`` are someone else's, once its
    own rows of the referring table were removed (of a table not removed yet, a cycle's or
    ``name`` itself: unless they are its own)."""
    parent = mapped[name]
    for child in schema.tables.values():
        for fk in child.foreign_keys:
            if fk.parent != parent.name or len(fk.columns) != 1:
                continue
            count = 0
            for joined, condition in ways:
                statement = sql.SQL(
                    "SELECT count(*) FROM {c} AS c JOIN {p} AS o ON c.{fk} = o.{pk} "
                ).format(
                    c=at.table(child.name),
                    p=at.table(parent.name),
                    fk=sql.Identifier(fk.columns[0]),
                    pk=sql.Identifier(fk.parent_columns[0]),
                )
                if joined is not None:
                    statement += sql.SQL("CROSS JOIN {} AS r ").format(joined)
                statement += sql.SQL("WHERE {}").format(condition)
                if child.name in mapped.tables and child.name not in removed:
                    statement += sql.SQL(" AND NOT ({})").format(
                        _is_ours(at, child, keys[child.name], persona, "c")
                    )
                [[found]] = cur.execute(statement).fetchall()
                count += found
            if count:
                raise CollisionError(
                    f"table {child.name}, column {fk.columns[0]}: {count} rows this persona's "
                    f"loads did not write refer to its rows in {parent.name}; replacing them "
                    "would delete or orphan those rows: nothing was written"
                )


_CLASH = re.compile(r"Key \((?P<columns>.+?)\)=\((?P<value>.*)\) already exists")


@contextmanager
def _clashes_named(name: str) -> Iterator[None]:
    """A key or unique value already in the table (the app's row, another persona's, or a
    repeat within this load), refused by table, column and value."""
    try:
        yield
    except psycopg.errors.UniqueViolation as error:
        found = _CLASH.search(error.diag.message_detail or "")
        columns, value = (found["columns"], found["value"]) if found else ("?", "?")
        raise CollisionError(
            f"table {name}, column {columns}: {value!r} is already there in a row this "
            "persona's loads did not write; nothing was written"
        ) from None


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
    if frame.empty:
        return
    rows = frame.copy(deep=False)
    for column in null & set(rows.columns):  # a key to a later table: NULL until it is there
        rows[column] = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    with _clashes_named(name):
        copy_columns(cur, at.table(name), list(rows.columns), rows)


def _type_of(cur: psycopg.Cursor, at: Place, name: str, column: str) -> sql.Composable:
    [[kind]] = cur.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attname = %s",
        (at.table(name).as_string(cur), column),
    ).fetchall()
    return sql.SQL(kind)


def _fill_in(
    cur: psycopg.Cursor,
    at: Place,
    name: str,
    key: tuple[str, ...],
    frame: pd.DataFrame,
    columns: list[str],
) -> None:
    """Set the late keys, now that their parents are written (cast to the column's type)."""
    for column in columns:
        if column not in frame.columns:
            continue
        rows = frame[[*key, column]].dropna()
        if rows.empty:
            continue
        given = [f"k{i}" for i in range(len(key))]
        matched = sql.SQL(" AND ").join(
            sql.SQL("{t}.{k} = v.{given}::{kind}").format(
                t=at.table(name),
                k=sql.Identifier(k),
                given=sql.Identifier(g),
                kind=_type_of(cur, at, name, k),
            )
            for k, g in zip(key, given, strict=True)
        )
        with _clashes_named(name):
            cur.execute(
                sql.SQL(
                    "UPDATE {t} SET {c} = v.value::{kind} FROM unnest({arrays}) AS v({names}) "
                    "WHERE {matched}"
                ).format(
                    t=at.table(name),
                    c=sql.Identifier(column),
                    kind=_type_of(cur, at, name, column),
                    arrays=sql.SQL(", ").join([sql.SQL("%s::text[]")] * (len(key) + 1)),
                    names=sql.SQL(", ").join(map(sql.Identifier, [*given, "value"])),
                    matched=matched,
                ),
                [[str(v) for v in rows[c]] for c in [*key, column]],
            )


def _record(
    cur: psycopg.Cursor, at: Place, name: str, persona: str, keys: pd.DataFrame, numbered: bool
) -> None:
    """What this chunk wrote: the range of keys it numbered, else every key (as a text
    array, a column each)."""
    if keys.empty:
        return
    recorded = at.ledger_name(name)
    if numbered:
        cur.execute(
            f"INSERT INTO {LEDGER}.written_ranges VALUES (%s, %s, %s, %s)",
            (recorded, persona, int(keys.iloc[0, 0]), len(keys)),
        )
        return
    rows = pd.DataFrame({"table_name": recorded, "persona": persona, "key": _array_text(keys)})
    copy_columns(cur, sql.Identifier(LEDGER, "written_keys"), list(rows.columns), rows)


def _array_text(keys: pd.DataFrame) -> pd.Series:
    """Each row as PostgreSQL's text[] input (``{"1","abc"}``): every element quoted, its
    backslashes and quotes escaped."""
    quoted = [
        '"' + keys[c].astype(str).str.replace("\\", "\\\\").str.replace('"', '\\"') + '"'
        for c in keys.columns
    ]
    joined = quoted[0]
    for more in quoted[1:]:
        joined = joined + "," + more
    return "{" + joined + "}"


def _move_sequence(
    cur: psycopg.Cursor, at: Place, table: tm.Table, row_key: tuple[str, ...]
) -> None:
    """Move the key's identity or serial sequence past every key in the table and every
    persona's block there, so the app's next INSERT lands in none of them."""
    if len(row_key) != 1:
        return
    key = row_key[0]
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
            "(SELECT max(first_key + size - 1) FROM {ledger}.key_blocks WHERE table_name = %s), "
            "pg_sequence_last_value(%s::regclass)))"
        ).format(k=sql.Identifier(key), t=at.table(table.name), ledger=sql.Identifier(LEDGER)),
        (sequence, at.ledger_name(table.name), sequence),
    )
