"""Write one persona's tables into PostgreSQL: the schema, and whole-persona replaces.

A replace stages the rows (COPY into bare tables outside the readers' schema) and publishes
them in one transaction under a per-persona advisory lock (load.staging, load.partitions), so
readers see the old partition or the new one, never a mix, and two loads of the same persona
queue instead of interleaving. Other personas COPY in parallel and queue only for the swap.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping

import pandas as pd
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from synth_assets.liveness import RunState
from synth_assets.load import drift, schema, staging
from synth_assets.load.partitions import PartitionBusyError
from synth_assets.load.staging import APPLICATION_NAME, LoadResult, lock_key
from synth_assets.load.target import Target, as_target, connect, ensure_database

__all__ = [
    "APPLICATION_NAME",
    "LoadResult",
    "PartitionBusyError",
    "ensure_schema",
    "lock_key",
    "replace_partition",
]

STATEMENT_TIMEOUT_S = 300.0


def ensure_schema(target: Target | str) -> None:
    """Create the target database if it is missing and the guard accepts its name, add the
    nullable columns a newer version declares to tables an older one made, check existing
    tables against the declared schema (raising SchemaDriftError, before writing anything
    else), then create the missing tables, keys and indexes. Every connection,
    SQLAlchemy's included, is the guard's (``Target.connect``)."""
    target = as_target(target)
    ensure_database(target.url, target.allow_any)
    with target.connect() as conn:
        drift.add_missing_optional(conn)
        drift.check(conn)
    engine = create_engine("postgresql+psycopg://", creator=target.connect, poolclass=NullPool)
    try:
        schema.metadata.create_all(engine)
    finally:
        engine.dispose()
    with target.connect() as conn:
        document(conn)


def document(conn) -> list[str]:
    """Set each column's description (``COMMENT ON COLUMN``, what ``\\d+`` and database IDEs
    show) where the database's differs from the schema's: tables an older version made
    get them too, and an unchanged database takes no lock. Returns the columns set."""
    rows = conn.execute(
        "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) FROM pg_class c "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE c.relname = ANY(%s) AND c.relnamespace = current_schema()::regnamespace",
        (list(schema.TABLE_NAMES),),
    ).fetchall()
    present = {(table, column): comment for table, column, comment in rows}
    changed = []
    for table in schema.TABLES:
        for column in table.columns:
            if (table.name, column.name) in present and present[
                table.name, column.name
            ] != column.comment:
                conn.execute(
                    sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
                        sql.Identifier(table.name), sql.Identifier(column.name),
                        sql.Literal(column.comment),
                    )
                )  # fmt: skip
                changed.append(f"{table.name}.{column.name}")
    return changed


def replace_partition(
    target: Target | str,
    persona: str,
    frames: Mapping[str, pd.DataFrame],
    timeout_s: float = STATEMENT_TIMEOUT_S,
    *,
    as_of: dt.date,
    allow_older: bool = False,
    state: str | None = None,
) -> LoadResult:
    """Replace everything stored for ``persona`` with ``frames``, the persona as of ``as_of``:
    a load of one shard, staged and published (``load.staging``) exactly as a sharded load
    is. ``state`` is what the frames were generated from (``Context.state``; None: unknown,
    so the next run's changes are a reset); their changes say the day they start from."""
    missing = set(schema.TABLE_NAMES) - set(frames)
    if missing:
        raise ValueError(f"replace_partition needs every table; missing {sorted(missing)}")
    load = secrets.token_hex(6)
    staging.prepare(target, persona, load, load, 1, lambda run: RunState.LIVE, timeout_s)
    try:
        staging.stage_shard(target, persona, load, 0, frames, timeout_s)
        starts = frames["transaction_changes"]["since"].drop_duplicates()
        since = starts.iloc[0].date() if len(starts) == 1 and pd.notna(starts.iloc[0]) else None
        return staging.publish(
            target, persona, load, 1, timeout_s, as_of=as_of, allow_older=allow_older,
            state=state, since=since,
        )  # fmt: skip
    except BaseException:
        staging.cleanup(
            target, lambda run: RunState.ENDED if run == load else RunState.LIVE, persona
        )
        raise


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
