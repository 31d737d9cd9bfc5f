"""A persona's partitions: built bare, keyed after their rows are in, then swapped in.

Loading into a table whose keys, indexes and foreign keys are live costs an index insertion
and a foreign-key lookup per row; building the keys afterwards sorts once, and attaching a
partition validates each foreign key with one join (benchmarks/load.py measures both). So a
load (1) creates one bare table per table, (2) COPYs into them (load.staging: shard by shard,
across steps), (3) adds the declared primary key, unique constraints and indexes, then (4) locks
the parent tables, drops the persona's old partitions and attaches the new ones, which is where
PostgreSQL checks the partition bound and every foreign key. Steps 3 and 4 are one
transaction: on any failure the old partitions are untouched, and readers see the old rows
until the commit.

SQL is composed from the declared schema (load.schema) with psycopg's ``sql`` module, so
every name is quoted and nothing is formatted into a statement as text.
"""

from __future__ import annotations

import time

import psycopg
from psycopg import sql
from sqlalchemy import Index, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql

from synth_assets.load import schema

_DIALECT = postgresql.dialect()
# One attempt at the parent tables' locks waits at most this long: while a lock request waits,
# PostgreSQL queues every later reader of that table behind it, so a short attempt (given up,
# then retried with backoff) keeps readers of every persona answering.
LOCK_ATTEMPT_MS = 200
LOCK_RETRY_MAX_S = 2.0


class PartitionBusyError(RuntimeError):
    """The persona's tables stayed locked by another session (or its load lock held by
    another load) past the timeout; nothing was written."""


def partition_name(table: str, persona: str) -> str:
    """The name a persona's partition of ``table`` has once attached (``transactions__family``)."""
    return f"{table}__{persona}"


def _columns(names) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, names))


def create_bare(cursor: psycopg.Cursor, table: str, name: sql.Identifier) -> None:
    """The table's columns, types and NOT NULLs, without keys or indexes."""
    columns = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(column.name),
            sql.SQL(column.type.compile(dialect=_DIALECT)),
            sql.SQL("" if column.nullable else " NOT NULL"),
        )
        for column in schema.metadata.tables[table].columns
    ]
    cursor.execute(sql.SQL("CREATE TABLE {} ({})").format(name, sql.SQL(", ").join(columns)))


def _where(index: Index) -> sql.Composable:
    predicate = index.dialect_options["postgresql"]["where"]
    return (
        sql.SQL(" WHERE {}").format(sql.SQL(str(predicate)))
        if predicate is not None
        else sql.SQL("")
    )


def add_keys(cursor: psycopg.Cursor, table: str, name: str) -> None:
    """The declared primary key, unique constraints and indexes, built on the filled table
    (each a single sort) so that attaching it finds them already in place."""
    declared: Table = schema.metadata.tables[table]
    target = sql.Identifier(name)
    keys = [
        sql.SQL("ADD CONSTRAINT {} PRIMARY KEY ({})").format(
            sql.Identifier(f"{name}_pkey"), _columns(c.name for c in declared.primary_key)
        )
    ]
    uniques = [c for c in declared.constraints if isinstance(c, UniqueConstraint)]
    keys += [
        sql.SQL("ADD CONSTRAINT {} UNIQUE ({})").format(
            sql.Identifier(f"{name}_key{n}"), _columns(c.name for c in unique.columns)
        )
        for n, unique in enumerate(uniques)
    ]
    cursor.execute(sql.SQL("ALTER TABLE {} {}").format(target, sql.SQL(", ").join(keys)))
    for n, index in enumerate(sorted(declared.indexes, key=lambda index: index.name)):
        cursor.execute(
            sql.SQL("CREATE {}INDEX {} ON {} ({}){}").format(
                sql.SQL("UNIQUE " if index.unique else ""),
                sql.Identifier(f"{name}_idx{n}"),
                target,
                _columns(c.name for c in index.columns),
                _where(index),
            )
        )


def attached(cursor: psycopg.Cursor, table: str, persona: str) -> str | None:
    """The name of the partition of ``table`` that holds ``persona``, if there is one."""
    row = cursor.execute(
        "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = inhrelid "
        "JOIN pg_class parent ON parent.oid = inhparent "
        "WHERE parent.relname = %s AND parent.relnamespace = current_schema()::regnamespace "
        "AND pg_get_expr(child.relpartbound, child.oid) = 'FOR VALUES IN (' || quote_literal(%s) || ')'",
        (table, persona),
    ).fetchone()
    return row[0] if row else None


def lock_parents(cursor: psycopg.Cursor, persona: str, wait_s: float) -> None:
    """Lock the parent tables, always in the same order (so concurrent loads queue instead
    of deadlocking), all of them or none: an attempt that cannot get every lock within
    LOCK_ATTEMPT_MS rolls back to its savepoint, releasing what it got, and is retried with
    exponential backoff until ``wait_s`` has passed."""
    statement = sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
        _columns(schema.TABLE_NAMES)
    )
    deadline = time.monotonic() + wait_s
    delay = LOCK_ATTEMPT_MS / 1000
    while True:
        cursor.execute("SAVEPOINT synth_lock_parents")
        cursor.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(f"{LOCK_ATTEMPT_MS}ms"))
        try:
            cursor.execute(statement)
        except psycopg.errors.LockNotAvailable:
            cursor.execute("ROLLBACK TO SAVEPOINT synth_lock_parents")
            if time.monotonic() + delay > deadline:
                raise PartitionBusyError(
                    f"the tables stayed locked by another session for over {wait_s:g}s, so "
                    f"persona {persona!r} could not be swapped in; nothing was written"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, LOCK_RETRY_MAX_S)
            continue
        cursor.execute("RELEASE SAVEPOINT synth_lock_parents")
        cursor.execute("SET LOCAL lock_timeout = 0")
        return


def swap(
    cursor: psycopg.Cursor, persona: str, staged: dict[str, str], wait_s: float
) -> dict[str, int]:
    """Replace ``persona``'s partitions with the ``staged`` tables; returns the rows each old
    partition held. The parent tables are locked first (``lock_parents``)."""
    lock_parents(cursor, persona, wait_s)
    replaced: dict[str, int] = {}
    for table in reversed(schema.TABLE_NAMES):  # children first: nothing may refer to a dropped row
        old = attached(cursor, table, persona)
        replaced[table] = 0
        if old:
            count = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(old))
            replaced[table] = cursor.execute(count).fetchone()[0]
            # Detached first: a referenced partition carries its referrers' foreign keys.
            cursor.execute(
                sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(
                    sql.Identifier(table), sql.Identifier(old)
                )
            )
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(old)))
    for table in schema.TABLE_NAMES:  # parents first: foreign keys are validated on attach
        cursor.execute(
            sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
                sql.Identifier(table), sql.Identifier(staged[table]), sql.Literal(persona)
            )
        )
        cursor.execute(
            sql.SQL("ALTER TABLE {} RENAME TO {}").format(
                sql.Identifier(staged[table]), sql.Identifier(partition_name(table, persona))
            )
        )
    return replaced
