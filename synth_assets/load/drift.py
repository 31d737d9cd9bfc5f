"""Schema drift: compare the tables already in the database with the declared schema, so a
load into a table with a missing column or a column of another type stops with a message
naming the table and column, before anything is written."""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlalchemy.dialects import postgresql

from synth_assets.load import schema

# Compiled SQLAlchemy type -> PostgreSQL's udt_name in information_schema.columns.
UDT = {
    "UUID": "uuid",
    "TEXT": "text",
    "TIMESTAMP WITHOUT TIME ZONE": "timestamp",
    "DATE": "date",
    "NUMERIC": "numeric",
    "FLOAT": "float8",
    "BOOLEAN": "bool",
    "TEXT[]": "_text",
}


class SchemaDriftError(RuntimeError):
    """An existing table does not have the columns and types synth_assets writes."""


def expected_udt(table: str, column: str) -> str:
    compiled = schema.metadata.tables[table].c[column].type.compile(dialect=postgresql.dialect())
    return UDT[compiled.split("(")[0]]


def differences(existing: dict[str, dict[str, tuple[str, bool]]]) -> list[str]:
    """Human-readable problems, given {table: {column: (udt_name, nullable)}} from the catalog."""
    problems = []
    for table, columns in existing.items():
        declared = schema.metadata.tables[table].c
        for column in declared:
            if column.name not in columns:
                problems.append(f"table {table!r}: column {column.name!r} is missing")
            elif columns[column.name][0] != expected_udt(table, column.name):
                found = columns[column.name][0]
                problems.append(
                    f"table {table!r}: column {column.name!r} is {found}, expected {expected_udt(table, column.name)}"
                )
        for name, (_, nullable) in columns.items():
            if name not in declared and not nullable:
                problems.append(
                    f"table {table!r}: extra NOT NULL column {name!r} that synth_assets cannot fill"
                )
    return problems


def _existing(conn: psycopg.Connection) -> dict[str, dict[str, tuple[str, bool]]]:
    rows = conn.execute(
        "SELECT table_name, column_name, udt_name, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ANY(%s)",
        (list(schema.TABLE_NAMES),),
    ).fetchall()
    existing: dict[str, dict[str, tuple[str, bool]]] = {}
    for table, column, udt, nullable in rows:
        existing.setdefault(table, {})[column] = (udt, nullable)
    return existing


def missing_optional(existing: dict[str, dict[str, tuple[str, bool]]]) -> list[tuple[str, str]]:
    """(table, column) of declared nullable columns an existing table lacks: a newer
    synth_assets added them, and adding them changes no row."""
    return [
        (table, column.name)
        for table, columns in existing.items()
        for column in schema.metadata.tables[table].c
        if column.name not in columns and column.nullable
    ]


def add_missing_optional(conn: psycopg.Connection) -> list[str]:
    """Add the nullable columns this version declares to the partitioned tables an older one
    made (``ALTER TABLE ... ADD COLUMN``: nothing is rewritten or lost); returns them."""
    added = []
    partitioned = _partitioned(conn)
    for table, column in missing_optional(_existing(conn)):
        if table not in partitioned:
            continue
        declared = (
            schema.metadata.tables[table].c[column].type.compile(dialect=postgresql.dialect())
        )
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                sql.Identifier(table), sql.Identifier(column), sql.SQL(declared)
            )
        )
        added.append(f"{table}.{column}")
    return added


def _partitioned(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'p' "
        "AND relnamespace = current_schema()::regnamespace",
        (list(schema.TABLE_NAMES),),
    ).fetchall()
    return {name for (name,) in rows}


def check(conn: psycopg.Connection) -> None:
    existing = _existing(conn)
    unpartitioned = conn.execute(
        "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r' "
        "AND relnamespace = current_schema()::regnamespace",
        (list(schema.TABLE_NAMES),),
    ).fetchall()
    problems = [
        f"table {table!r} is not partitioned by persona (made by an older synth_assets)"
        for (table,) in unpartitioned
    ]
    problems += differences(existing)
    if problems:
        raise SchemaDriftError(
            "the database's tables do not match synth_assets' schema; nothing was written:\n  "
            + "\n  ".join(problems)
            + "\nMigrate or drop these tables, or point SYNTH_DATABASE_URL at another database."
        )
