"""Write one persona's tables into PostgreSQL: atomically, idempotently, with COPY.

The whole replace (COPY into new bare partitions, key them, swap them for the old ones; see
load.partitions) is one transaction under a per-persona advisory lock, so readers see the old
partition or the new one, never a mix, and two loads of the same persona queue instead of
interleaving. Other personas COPY in parallel and queue only for the brief swap.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from synth_assets.load import drift, partitions, schema
from synth_assets.prefetch import ahead

SAFE_SUFFIXES = ("_demo", "_test")
ALLOW_ANY_ENV = "SYNTH_ALLOW_ANY_DATABASE"
STATEMENT_TIMEOUT_S = 300.0
APPLICATION_NAME = "synth_assets_loader"
COPY_CHUNK_ROWS = 200_000


class UnsafeDatabaseError(RuntimeError):
    """The target database does not look like a scratch database."""


class PartitionBusyError(RuntimeError):
    """Another load of the same persona kept its lock past the timeout."""


class DatabaseUnavailableError(RuntimeError):
    """The server could not be reached; the message names host and database, never secrets."""


def masked(url: str) -> str:
    """The URL with its password replaced by ***, safe for logs, metadata and errors."""
    return make_url(url).render_as_string(hide_password=True)


def without_password(url: str) -> str:
    """The URL for psql and friends: no password (libpq takes it from PGPASSWORD or asks)."""
    parsed = make_url(url)
    return parsed._replace(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )


def database_name(url: str) -> str:
    return make_url(url).database or ""


def check_safe_target(url: str, allow_any: bool = False) -> None:
    """Refuse databases that do not end in _demo or _test unless explicitly allowed."""
    name = database_name(url)
    if allow_any or os.environ.get(ALLOW_ANY_ENV) == "1" or name.endswith(SAFE_SUFFIXES):
        return
    raise UnsafeDatabaseError(
        f"refusing to load into database {name!r}: its name does not end in "
        f"{' or '.join(SAFE_SUFFIXES)}. Set {ALLOW_ANY_ENV}=1 (or the resource's "
        "allow_any_database) if you really mean it."
    )


def _libpq(url: str) -> str:
    """A libpq conninfo from a SQLAlchemy-style URL (drops the +driver part)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def connect(url: str, **kwargs) -> psycopg.Connection:
    try:
        return psycopg.connect(_libpq(url), connect_timeout=10, **kwargs)
    except psycopg.OperationalError as exc:
        parsed = make_url(url)
        host = parsed.host or parsed.query.get("host") or "local socket"
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        if parsed.password:
            reason = reason.replace(parsed.password, "***")
        raise DatabaseUnavailableError(
            f"cannot connect to PostgreSQL at {host} (database {parsed.database!r}): {reason}"
        ) from None


def ensure_database(url: str) -> None:
    """Create the URL's database on its server if missing (connecting to ``postgres``)."""
    name = database_name(url)
    admin = str(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    with connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def ensure_schema(url: str) -> None:
    """Check existing tables against the declared schema (raising SchemaDriftError, before
    writing anything), then create the missing tables, keys and indexes."""
    with connect(url) as conn:
        drift.check(conn)
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"), poolclass=NullPool)
    try:
        schema.metadata.create_all(engine)
    finally:
        engine.dispose()


def _csv(frame: pd.DataFrame) -> bytes:
    """CSV for COPY: strings always quoted, NULLs unquoted empty (Postgres' CSV semantics)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    buffer = io.BytesIO()
    pa_csv.write_csv(
        table, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class LoadResult:
    persona: str
    rows: dict[str, int]
    deleted: dict[str, int]


def _copy(cursor: psycopg.Cursor, target: str, table: str, frame: pd.DataFrame) -> None:
    """COPY ``frame`` (rows of ``table``) into ``target``; FREEZE, since ``target`` was
    created in this transaction (its rows need no later vacuum to be frozen)."""
    cols = schema.columns(table)
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, FREEZE)").format(
        sql.Identifier(target), sql.SQL(", ").join(map(sql.Identifier, cols))
    )
    chunks = (
        _csv(frame[cols].iloc[start : start + COPY_CHUNK_ROWS])
        for start in range(0, len(frame), COPY_CHUNK_ROWS)
    )
    with cursor.copy(statement) as copy:
        for chunk in ahead(chunks) if len(frame) > COPY_CHUNK_ROWS else chunks:
            copy.write(chunk)


def lock_key(persona: str) -> str:
    """The advisory-lock key of a persona's load (hashed with ``hashtext`` in SQL)."""
    return f"synth_assets:{persona}"


class PartitionWriter:
    """One persona's replace in progress: ``copy`` appends a frame to the table's new, bare
    partition (parents before children; a table may be copied in several pieces). Nothing is
    visible to other sessions until ``partition_writer`` swaps the partitions in and commits."""

    def __init__(self, cursor: psycopg.Cursor, persona: str) -> None:
        self._cursor, self.persona = cursor, persona
        self.staged: dict[str, str] = {}
        self.rows = dict.fromkeys(schema.TABLE_NAMES, 0)
        self.deleted: dict[str, int] = {}

    def _staging(self, table: str) -> str:
        if table not in self.staged:
            self.staged[table] = partitions.staging_name(table, self.persona)
            partitions.create_bare(self._cursor, table, self.staged[table])
        return self.staged[table]

    def copy(self, table: str, frame: pd.DataFrame) -> None:
        _copy(self._cursor, self._staging(table), table, frame)
        self.rows[table] += len(frame)

    def finish(self) -> None:
        """Key the new partitions, then swap them in (constraints are validated here)."""
        for table in schema.TABLE_NAMES:
            partitions.add_keys(self._cursor, table, self._staging(table))
        self.deleted = partitions.swap(self._cursor, self.persona, self.staged)


@contextmanager
def partition_writer(
    url: str, persona: str, timeout_s: float = STATEMENT_TIMEOUT_S
) -> Iterator[PartitionWriter]:
    """Open the replace of ``persona``'s partitions; the caller COPYs, this swaps and commits.

    On any exception (in the caller's COPYs, or a constraint the swap finds broken) the
    transaction rolls back and the previous partitions stay as they were. A concurrent load
    of the same persona waits on the advisory lock (up to ``timeout_s``, then
    PartitionBusyError); any statement running longer than ``timeout_s`` is cancelled.
    """
    with connect(url, application_name=APPLICATION_NAME) as conn, conn.cursor() as cur:
        timeout = sql.Literal(f"{int(timeout_s * 1000)}ms")
        cur.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(timeout))
        try:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock_key(persona),))
        except psycopg.errors.QueryCanceled:
            raise PartitionBusyError(
                f"another load of persona {persona!r} held its lock for over {timeout_s:g}s; nothing was written"
            ) from None
        writer = PartitionWriter(cur, persona)
        yield writer
        writer.finish()


def replace_partition(
    url: str,
    persona: str,
    frames: Mapping[str, pd.DataFrame],
    timeout_s: float = STATEMENT_TIMEOUT_S,
) -> LoadResult:
    """Replace everything stored for ``persona`` with ``frames``, in one transaction."""
    missing = set(schema.TABLE_NAMES) - set(frames)
    if missing:
        raise ValueError(f"replace_partition needs all six tables; missing {sorted(missing)}")
    with partition_writer(url, persona, timeout_s) as writer:
        for table in schema.TABLE_NAMES:
            writer.copy(table, frames[table])
    return LoadResult(persona, writer.rows, writer.deleted)


def row_counts(url: str) -> pd.DataFrame:
    """Rows per table per persona, as stored (for summaries and tests)."""
    parts = [
        sql.SQL("SELECT {} AS table_name, persona, count(*) AS n FROM {} GROUP BY persona").format(
            sql.Literal(table), sql.Identifier(table)
        )
        for table in schema.TABLE_NAMES
    ]
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL(" UNION ALL ").join(parts))
        rows = cur.fetchall()
    frame = pd.DataFrame(rows, columns=["table", "persona", "rows"])
    return (
        frame.pivot(index="persona", columns="table", values="rows")
        .reindex(columns=list(schema.TABLE_NAMES))
        .fillna(0)
        .astype(int)
    )
