"""The tests' PostgreSQL: names that stay apart per xdist worker, queries, checksums."""

from __future__ import annotations

import os

from psycopg import sql
from sqlalchemy.engine import make_url

from synth_assets.load import schema, target
from synth_assets.load.staging import APPLICATION_NAME, SCHEMA

PKS = {
    "users": ("id",),
    "accounts": ("account_id",),
    "transactions": ("transaction_id",),
    "liabilities": ("account_id",),
    "content": ("id",),
    "jobs": ("id",),
    "transaction_changes": ("transaction_id", "change"),
}


def worker_name(name: str) -> str:
    """``name`` (a database or role on the shared server) made this xdist worker's own:
    ``synth_x_test`` becomes ``synth_x_gw1_test``; any other name gets the worker in front
    (``gw1synth_demo_backup``, ``gw1test``), so the ending the guard judges stays exactly
    what the test chose. Unchanged outside xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return name
    if name.endswith("_test"):
        return f"{name.removesuffix('_test')}_{worker}_test"
    return f"{worker}{name}"


def on_database(url: str, name: str) -> str:
    """``url`` naming database ``name`` on the same server."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_tables(url: str) -> None:
    with target.connect(url, autocommit=True) as conn:
        for table in reversed(schema.TABLE_NAMES):
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(table)))
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))


def query(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with target.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def stored_rows(url: str, table: str, persona: str) -> int:
    """Rows of ``persona`` in ``table`` (0 when the table does not exist yet)."""
    if not query(url, "SELECT to_regclass(%s) IS NOT NULL", (table,))[0][0]:
        return 0
    statement = sql.SQL("SELECT count(*) FROM {} WHERE persona = %s").format(sql.Identifier(table))
    with target.connect(url) as conn:
        return conn.execute(statement, (persona,)).fetchone()[0]


def checksum(url: str, table: str, persona: str) -> str:
    order = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in PKS[table])
    statement = sql.SQL(
        "SELECT md5(string_agg(t::text, '|' ORDER BY {})) FROM {} t WHERE persona = %s"
    ).format(order, sql.Identifier(table))
    with target.connect(url) as conn:
        return conn.execute(statement, (persona,)).fetchone()[0]


def checksums(url: str, persona: str) -> dict[str, str]:
    return {table: checksum(url, table, persona) for table in schema.TABLE_NAMES}


def other_database(url: str, name: str) -> str:
    """A URL to this worker's database ``name`` on the same server (created if missing,
    tables dropped)."""
    address = on_database(url, worker_name(name))
    target.ensure_database(address, allow_any=True)
    drop_tables(address)
    return address


def database_exists(url: str, name: str) -> bool:
    return bool(query(url, "SELECT count(*) FROM pg_database WHERE datname = %s", (name,))[0][0])


def public_tables(url: str) -> int:
    """Tables in ``url``'s public schema (0 for a database nothing was written to)."""
    statement = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    return query(url, statement)[0][0]


def waiting_loaders(url: str, locktype: str | None = None) -> int:
    """The loader's sessions on ``url``'s database waiting for a lock (of ``locktype``, or
    any): other databases' sessions (another xdist worker's) are not counted."""
    statement = (
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
        "WHERE NOT l.granted AND a.application_name = %s "
        "AND a.datname = pg_catalog.current_database() "
        "AND (%s::text IS NULL OR l.locktype = %s)"
    )
    return query(url, statement, (APPLICATION_NAME, locktype, locktype))[0][0]


def loader_sessions(url: str, statement_like: str) -> list[int]:
    """The pids of the loader's sessions on ``url``'s database running a statement LIKE
    ``statement_like`` (case-insensitive)."""
    rows = query(
        url,
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s "
        "AND datname = pg_catalog.current_database() AND query ILIKE %s",
        (APPLICATION_NAME, statement_like),
    )
    return [pid for (pid,) in rows]
