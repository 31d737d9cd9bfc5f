"""A persona's partitions: built bare, keyed after their rows are in, then swapped in.

Loading into a table whose keys, indexes and foreign keys are live costs an index insertion
and a foreign-key lookup per row; building the keys afterwards sorts once, and attaching a
partition validates each foreign key with one join (benchmarks/load.py measures both). So a
replace (1) creates one bare table per table, (2) COPYs into them, (3) adds the declared
primary key, unique constraints and indexes, then (4) locks the six parents, drops the
persona's old partitions and attaches the new ones, which is where PostgreSQL checks the
partition bound and every foreign key. All of it is one transaction: on any failure the old
partitions are untouched, and readers see the old rows until the commit.

SQL is composed from the declared schema (load.schema) with psycopg's ``sql`` module, so
every name is quoted and nothing is formatted into a statement as text.
"""

from __future__ import annotations

import secrets

import psycopg
from psycopg import sql
from sqlalchemy import Index, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql

from synth_assets.load import schema

_DIALECT = postgresql.dialect()


def partition_name(table: str, persona: str) -> str:
    """The name a persona's partition of ``table`` has once attached (``transactions__family``)."""
    return f"{table}__{persona}"


def staging_name(table: str, persona: str) -> str:
    """A fresh name for a partition being built; unique per load, so it never collides with
    the partition it replaces or with its constraint and index names."""
    return f"{partition_name(table, persona)}__{secrets.token_hex(4)}"


def _columns(names) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, names))


def create_bare(cursor: psycopg.Cursor, table: str, name: str) -> None:
    """The table's columns, types and NOT NULLs, without keys or indexes."""
    columns = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(column.name),
            sql.SQL(column.type.compile(dialect=_DIALECT)),
            sql.SQL("" if column.nullable else " NOT NULL"),
        )
        for column in schema.metadata.tables[table].columns
    ]
    cursor.execute(
        sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(name), sql.SQL(", ").join(columns))
    )


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


def swap(cursor: psycopg.Cursor, persona: str, staged: dict[str, str]) -> dict[str, int]:
    """Replace ``persona``'s partitions with the ``staged`` tables; returns the rows each old
    partition held. All six parents are locked first, always in the same order, so concurrent
    loads of other personas queue here instead of deadlocking."""
    cursor.execute(
        sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(_columns(schema.TABLE_NAMES))
    )
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
