"""Staging and publishing a persona's load across steps (and machines).

A load has an id (from its Dagster run). ``prepare`` creates one bare table per table for it,
in the ``synth_staging`` schema, where no reader of the tables looks. Each shard step then
COPYs its rows into them with ``stage_shard``, in its own transaction, recording the shard in
a ledger in that same transaction: a retried shard whose rows are already committed finds its
ledger row and stages nothing more (its rows would be identical), and one that failed before
its commit left nothing behind. ``publish`` takes the persona's lock, checks that every shard
is in the ledger, keys the staged tables and swaps them in for the persona's partitions
(``partitions.swap``), all in one transaction: PostgreSQL validates uniqueness and every
foreign key across shards there, and a failure leaves the previous rows as they were.

Staging of a load whose run has ended without publishing (failed, killed, cancelled) is
dropped by the next ``prepare`` of the same persona, or by ``cleanup``: at once when the
caller's Dagster instance knows the run ended, and only after ``liveness.STALE_AFTER`` without
a heartbeat (each shard's staging gives one) when it does not know the run, which may be
alive in another instance sharing the database. Only tables recorded in the ledger are ever
dropped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from synth_assets.liveness import STALE_AFTER, Judge, abandoned
from synth_assets.load import partitions, schema
from synth_assets.load.copy import copy_frame
from synth_assets.load.partitions import PartitionBusyError
from synth_assets.load.target import Target, as_target

SCHEMA = "synth_staging"
APPLICATION_NAME = "synth_assets_loader"
_SETUP_LOCK = "synth_assets:staging-setup"
_LEDGER = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.loads (
    load_id text PRIMARY KEY,
    persona text NOT NULL,
    run_id text NOT NULL,
    shards integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.shards (
    load_id text NOT NULL REFERENCES {SCHEMA}.loads ON DELETE CASCADE,
    shard integer NOT NULL,
    rows jsonb NOT NULL,
    PRIMARY KEY (load_id, shard)
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.published (
    persona text PRIMARY KEY,
    as_of date NOT NULL,
    load_id text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
"""
# Columns later releases added to the ledger: added to an older ledger once. Only when one is
# missing: ALTER TABLE locks the table against the shards' COPY transactions, which hold the
# load's row for their whole length, even when the column exists.
_ADDED_COLUMNS = {
    ("loads", "heartbeat_at"): "timestamptz NOT NULL DEFAULT now()",
    ("published", "since"): "date",
    ("published", "state"): "text",
}


class StagingError(RuntimeError):
    """A load's staging is missing or incomplete; nothing was published."""


class OlderAsOfError(StagingError):
    """The persona is published as of a later day than the load's; nothing was published."""


class ReplayError(StagingError):
    """Another load of the persona was published after this one measured its changes from
    the published day; nothing was published."""


@dataclass(frozen=True)
class Published:
    """What a client of the persona holds: the day its tables are as of, the day that
    publication's changes started from (None: from nothing) and the state they came from
    (``Context.state``; None: published by a release that did not record it)."""

    as_of: dt.date
    since: dt.date | None
    state: str | None


@dataclass(frozen=True)
class Basis:
    """Where a load's changes start: from ``since`` (None: the day before), or a ``reset``."""

    since: dt.date | None = None
    reset: bool = False


def changes_basis(published: Published | None, as_of: dt.date, state: str) -> Basis:
    """The day's changes run from what was last published: from its day when the state is
    the same (for the same day again, from where that publication's changes ran, so a
    re-run publishes the same changes); any other state is a reset. Nothing published:
    from the day before."""
    if published is None:
        return Basis()
    if published.state != state:
        return Basis(reset=True)
    if published.as_of == as_of:
        return Basis(published.since, reset=published.since is None)
    return Basis(published.as_of)


@dataclass(frozen=True)
class LoadResult:
    persona: str
    rows: dict[str, int]
    deleted: dict[str, int]


def load_id(run_id: str) -> str:
    """A load's id: the run's, shortened so staged names stay within PostgreSQL's 63 bytes."""
    return run_id.replace("-", "")[:12].lower()


def staged_name(table: str, persona: str, load: str) -> str:
    """A staged table's name; with its keys' suffixes (``_idx0``) it fits PostgreSQL's 63
    bytes for the longest persona name."""
    return f"{schema.short_name(table)}__{persona}__{load}"


def _staged(table: str, persona: str, load: str) -> sql.Identifier:
    return sql.Identifier(SCHEMA, staged_name(table, persona, load))


@contextmanager
def _transaction(target: Target | str, timeout_s: float) -> Iterator[psycopg.Connection]:
    """A connection whose work commits at the end of the block, or rolls back. A statement
    still running when the block is left by an interrupt (a run terminated from the UI) is
    cancelled on the server, so no backend goes on waiting for a lock on a dead run's
    behalf (psycopg does so itself only for KeyboardInterrupt)."""
    with as_target(target).connect(application_name=APPLICATION_NAME) as conn:
        conn.execute(
            sql.SQL("SET statement_timeout = {}").format(sql.Literal(f"{int(timeout_s * 1000)}ms"))
        )
        try:
            yield conn
        except BaseException:
            if conn.info.transaction_status == TransactionStatus.ACTIVE:
                conn.cancel_safe()
            raise


def _ensure_ledger(cur: psycopg.Cursor) -> None:
    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_SETUP_LOCK,))
    try:
        cur.execute(_LEDGER)
        present = set(
            cur.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = %s",
                (SCHEMA,),
            ).fetchall()
        )
        for (table, column), kind in _ADDED_COLUMNS.items():
            if (table, column) not in present:
                cur.execute(f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN {column} {kind}")
    except psycopg.errors.InsufficientPrivilege:
        database, role = cur.connection.info.dbname, cur.connection.info.user
        raise StagingError(
            f"the loader's role {role!r} may not create the schema {SCHEMA!r} in database "
            f"{database!r}, where loads are staged: GRANT CREATE ON DATABASE {database} TO "
            f"{role}, or create it for the role (CREATE SCHEMA {SCHEMA} AUTHORIZATION {role})"
        ) from None


def _drop(cur: psycopg.Cursor, persona: str, load: str) -> None:
    for table in reversed(schema.TABLE_NAMES):
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_staged(table, persona, load)))
    cur.execute(f"DELETE FROM {SCHEMA}.loads WHERE load_id = %s", (load,))


def _stale(
    cur: psycopg.Cursor, persona: str | None, judge: Judge, stale_after: dt.timedelta
) -> list[tuple[str, str]]:
    rows = cur.execute(
        f"SELECT load_id, persona, run_id, now() - heartbeat_at FROM {SCHEMA}.loads "
        "WHERE %(persona)s::text IS NULL OR persona = %(persona)s",
        {"persona": persona},
    ).fetchall()
    return [
        (load, who)
        for load, who, run, silent_for in rows
        if abandoned(judge(run), silent_for, stale_after)
    ]


def _heartbeat(target: Target | str, load: str, timeout_s: float) -> None:
    """A sign that ``load`` is being worked on, in a transaction of its own (the shards'
    COPY transactions hold the load's row only against deletion, not against this)."""
    with _transaction(target, timeout_s) as conn:
        conn.execute(f"UPDATE {SCHEMA}.loads SET heartbeat_at = now() WHERE load_id = %s", (load,))


def prepare(
    target: Target | str,
    persona: str,
    load: str,
    run_id: str,
    shards: int,
    judge: Judge,
    timeout_s: float = 300.0,
    stale_after: dt.timedelta = STALE_AFTER,
) -> list[str]:
    """Create the load's staging tables (once: a retried plan finds them), after dropping
    the staging of this persona's loads that ``judge`` and their heartbeats say are
    abandoned (``liveness``); returns the dropped load ids."""
    with _transaction(target, timeout_s) as conn, conn.cursor() as cur:
        _ensure_ledger(cur)
        dropped = []
        for stale, who in _stale(cur, persona, judge, stale_after):
            if stale != load:
                _drop(cur, who, stale)
                dropped.append(stale)
        inserted = cur.execute(
            f"INSERT INTO {SCHEMA}.loads (load_id, persona, run_id, shards) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (load_id) DO UPDATE SET heartbeat_at = now() RETURNING xmax = 0",
            (load, persona, run_id, shards),
        ).fetchone()[0]
        if inserted:
            for table in schema.TABLE_NAMES:
                partitions.create_bare(cur, table, _staged(table, persona, load))
    return dropped


def stage_shard(
    target: Target | str,
    persona: str,
    load: str,
    shard: int,
    tables: Mapping[str, pd.DataFrame],
    timeout_s: float = 300.0,
    commit_if: Callable[[], bool] = lambda: True,
) -> bool:
    """COPY one shard's rows into the load's staging; False if the shard was already staged.

    ``commit_if`` is asked once the rows are sent, before the shard is recorded: the rows may
    be sent while the shard is still being judged, and are rolled back (False) when a
    blocking rule failed."""
    _heartbeat(target, load, timeout_s)
    with _transaction(target, timeout_s) as conn, conn.cursor() as cur:
        known = cur.execute(
            f"SELECT persona FROM {SCHEMA}.loads WHERE load_id = %s FOR KEY SHARE", (load,)
        ).fetchone()
        if known is None or known[0] != persona:
            raise StagingError(
                f"the staging of load {load} for persona {persona!r} is gone (a newer load of "
                "the persona removes the staging of ended runs); nothing was published"
            )
        done = cur.execute(
            f"SELECT 1 FROM {SCHEMA}.shards WHERE load_id = %s AND shard = %s", (load, shard)
        ).fetchone()
        if done:
            return False
        for table in schema.TABLE_NAMES:
            copy_frame(cur, _staged(table, persona, load), table, tables[table])
        if not commit_if():
            conn.rollback()
            return False
        rows = {table: len(tables[table]) for table in schema.TABLE_NAMES}
        cur.execute(
            f"INSERT INTO {SCHEMA}.shards (load_id, shard, rows) VALUES (%s, %s, %s)",
            (load, shard, json.dumps(rows)),
        )
    return True


def lock_key(persona: str) -> str:
    """The advisory-lock key of a persona's publish (hashed with ``hashtext`` in SQL)."""
    return f"synth_assets:{persona}"


def _lock_persona(cur: psycopg.Cursor, persona: str, timeout_s: float) -> None:
    try:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock_key(persona),))
    except psycopg.errors.QueryCanceled:
        raise PartitionBusyError(
            f"another load of persona {persona!r} held its lock for over {timeout_s:g}s; "
            "nothing was written"
        ) from None


def publish(
    target: Target | str,
    persona: str,
    load: str,
    shards: int,
    timeout_s: float = 300.0,
    *,
    as_of: dt.date,
    allow_older: bool = False,
    state: str | None = None,
    basis: Basis | None = None,
    since: dt.date | None = None,
) -> LoadResult:
    """Swap the load's staged tables in for ``persona``'s partitions, in one transaction,
    and record the day they are as of, the day their changes start from (``since``) and
    their ``state``. A load older than the day the persona is published as of is refused
    unless ``allow_older``: runs that start out of order (a backfill, a schedule catching
    up) must not leave the tables on an older day. So is a load whose changes were measured
    from another publication than the one now in place (``basis``, from ``changes_basis``):
    its changes would not apply to what clients hold. A load of unknown ``state`` (tables
    handed in whole) checks no basis, and the next load's changes are a reset."""
    with _transaction(target, timeout_s) as conn, conn.cursor() as cur:
        _lock_persona(cur, persona, timeout_s)
        _ensure_ledger(cur)
        _check_order(cur, persona, as_of, allow_older)
        if basis is not None and state is not None:
            _check_basis(cur, persona, as_of, state, basis)
        ledger = cur.execute(
            f"SELECT shard, rows FROM {SCHEMA}.shards JOIN {SCHEMA}.loads USING (load_id) "
            "WHERE load_id = %s AND persona = %s",
            (load, persona),
        ).fetchall()
        staged = {shard for shard, _ in ledger}
        missing = sorted(set(range(shards)) - staged)
        if missing or len(staged) != shards:
            raise StagingError(
                f"load {load} of persona {persona!r} has {len(staged)} of {shards} shards "
                f"staged (missing {missing[:10]}); nothing was published"
            )
        rows = dict.fromkeys(schema.TABLE_NAMES, 0)
        for _, counts in ledger:
            for table, n in counts.items():
                rows[table] += n
        home = cur.execute("SELECT current_schema()").fetchone()[0]
        names = {}
        for table in schema.TABLE_NAMES:
            names[table] = staged_name(table, persona, load)
            cur.execute(
                sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                    _staged(table, persona, load), sql.Identifier(home)
                )
            )
            partitions.add_keys(cur, table, names[table])
        deleted = partitions.swap(cur, persona, names, timeout_s)
        cur.execute(f"DELETE FROM {SCHEMA}.loads WHERE load_id = %s", (load,))
        cur.execute(
            f"INSERT INTO {SCHEMA}.published (persona, as_of, load_id, since, state) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (persona) DO UPDATE SET "
            "as_of = EXCLUDED.as_of, load_id = EXCLUDED.load_id, published_at = now(), "
            "since = EXCLUDED.since, state = EXCLUDED.state",
            (persona, as_of, load, since, state),
        )
    return LoadResult(persona, rows, deleted)


def _check_order(cur: psycopg.Cursor, persona: str, as_of: dt.date, allow_older: bool) -> None:
    now = published_in(cur, persona)
    current = now.as_of if now else None
    if current is not None and as_of < current and not allow_older:
        raise OlderAsOfError(
            f"persona {persona!r} is published as of {current}; this load is as of {as_of}, "
            "an older day, so nothing was published. To go back to it, set "
            "SYNTH_ALLOW_OLDER_AS_OF=1 (or resources.database.config.allow_older_as_of: true)"
        )


def _check_basis(
    cur: psycopg.Cursor, persona: str, as_of: dt.date, state: str, basis: Basis
) -> None:
    now = published_in(cur, persona)
    if changes_basis(now, as_of, state) != basis:
        raise ReplayError(
            f"persona {persona!r} was published as of {now.as_of if now else None} by another "
            f"load after this run measured its changes (as of {as_of}) from what was published "
            "then, so they would not apply to what clients now hold; nothing was published. "
            "Run it again, as a new run (a re-execution reuses these changes): it measures "
            "them from the new day"
        )


def published_in(cur: psycopg.Cursor, persona: str) -> Published | None:
    row = cur.execute(
        f"SELECT as_of, since, state FROM {SCHEMA}.published WHERE persona = %s", (persona,)
    ).fetchone()
    return Published(*row) if row else None


def published(target: Target | str, persona: str) -> Published | None:
    """What ``persona``'s published tables are (None: never published here)."""
    with _transaction(target, 60.0) as conn, conn.cursor() as cur:
        _ensure_ledger(cur)
        return published_in(cur, persona)


def published_as_of(target: Target | str, persona: str) -> dt.date | None:
    """The day ``persona``'s published tables are as of (None: never published here)."""
    now = published(target, persona)
    return now.as_of if now else None


def home(target: Target | str) -> str:
    """``database.schema`` the tables are published into, as the server says."""
    with _transaction(target, 60.0) as conn:
        database, where = conn.execute(
            "SELECT pg_catalog.current_database(), pg_catalog.current_schema()"
        ).fetchone()
    return f"{database}.{where}"


def cleanup(
    target: Target | str,
    judge: Judge,
    persona: str | None = None,
    stale_after: dt.timedelta = STALE_AFTER,
) -> list[str]:
    """Drop the staging of every load (of ``persona``, or of all) that ``judge`` and its
    heartbeat say is abandoned (``liveness``)."""
    with _transaction(target, 300.0) as conn, conn.cursor() as cur:
        _ensure_ledger(cur)
        stale = _stale(cur, persona, judge, stale_after)
        for load, who in stale:
            _drop(cur, who, load)
    return [load for load, _ in stale]


def pending_loads(target: Target | str) -> list[tuple[str, str]]:
    """(load id, persona) of every load with staging in the database."""
    with _transaction(target, 60.0) as conn, conn.cursor() as cur:
        _ensure_ledger(cur)
        return cur.execute(f"SELECT load_id, persona FROM {SCHEMA}.loads ORDER BY 1").fetchall()
