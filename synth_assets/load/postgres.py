"""Write one persona's tables into PostgreSQL: atomically, idempotently, with COPY.

The whole replace (COPY into new bare partitions, key them, swap them for the old ones; see
load.partitions) is one transaction under a per-persona advisory lock, so readers see the old
partition or the new one, never a mix, and two loads of the same persona queue instead of
interleaving. Other personas COPY in parallel and queue only for the brief swap.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from synth_assets.load import drift, partitions, schema
from synth_assets.load.partitions import PartitionBusyError
from synth_assets.load.target import Target, as_target, connect, ensure_database
from synth_assets.prefetch import ahead

STATEMENT_TIMEOUT_S = 300.0
APPLICATION_NAME = "synth_assets_loader"
COPY_CHUNK_ROWS = 200_000


def ensure_schema(target: Target | str) -> None:
    """Create the target database if it is missing and the guard accepts its name, check
    existing tables against the declared schema (raising SchemaDriftError, before writing
    anything), then create the missing tables, keys and indexes. Every connection,
    SQLAlchemy's included, is the guard's (``Target.connect``)."""
    target = as_target(target)
    ensure_database(target.url, target.allow_any)
    with target.connect() as conn:
        drift.check(conn)
    engine = create_engine("postgresql+psycopg://", creator=target.connect, poolclass=NullPool)
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

    def __init__(self, cursor: psycopg.Cursor, persona: str, lock_wait_s: float) -> None:
        self._cursor, self.persona, self._lock_wait_s = cursor, persona, lock_wait_s
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
        self.deleted = partitions.swap(self._cursor, self.persona, self.staged, self._lock_wait_s)


@contextmanager
def partition_writer(
    target: Target | str, persona: str, timeout_s: float = STATEMENT_TIMEOUT_S
) -> Iterator[PartitionWriter]:
    """Open the replace of ``persona``'s partitions; the caller COPYs, this swaps and commits.

    On any exception (in the caller's COPYs, or a constraint the swap finds broken) the
    transaction rolls back and the previous partitions stay as they were. A concurrent load
    of the same persona waits on the advisory lock, and the swap for the tables' locks (each
    up to ``timeout_s``, then PartitionBusyError); any statement running longer than
    ``timeout_s`` is cancelled.
    """
    connection = as_target(target).connect(application_name=APPLICATION_NAME)
    with connection as conn, conn.cursor() as cur:
        timeout = sql.Literal(f"{int(timeout_s * 1000)}ms")
        cur.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(timeout))
        try:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock_key(persona),))
        except psycopg.errors.QueryCanceled:
            raise PartitionBusyError(
                f"another load of persona {persona!r} held its lock for over {timeout_s:g}s; nothing was written"
            ) from None
        writer = PartitionWriter(cur, persona, timeout_s)
        yield writer
        writer.finish()


def replace_partition(
    target: Target | str,
    persona: str,
    frames: Mapping[str, pd.DataFrame],
    timeout_s: float = STATEMENT_TIMEOUT_S,
) -> LoadResult:
    """Replace everything stored for ``persona`` with ``frames``, in one transaction."""
    missing = set(schema.TABLE_NAMES) - set(frames)
    if missing:
        raise ValueError(f"replace_partition needs all six tables; missing {sorted(missing)}")
    with partition_writer(target, persona, timeout_s) as writer:
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
