"""The embedded PostgreSQL (pgserver) used when no database URL is configured, so the demo
runs on a machine with no server installed. Its data lives under DAGSTER_HOME."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg
from psycopg import sql

DEFAULT_DATABASE = "synth_demo"


def data_dir() -> Path:
    home = os.environ.get("DAGSTER_HOME") or str(Path.cwd() / ".dagster_home")
    return Path(home) / "pgdata"


def ensure_database(admin_url: str, name: str) -> None:
    """CREATE DATABASE ``name`` if it does not exist (CREATE DATABASE cannot run in a transaction)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def embedded_url(directory: Path | None = None, database: str = DEFAULT_DATABASE) -> str:
    """Start (or reuse) the embedded server and return a URL for ``database`` on it.

    The server keeps running after this process exits (cleanup_mode=None) so later steps,
    `psql` and `make ui` find it; `make db-stop` stops it.
    """
    import pgserver  # imported lazily: starting it is only needed without a configured URL

    directory = directory or data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(directory, cleanup_mode=None)
    ensure_database(server.get_uri("postgres"), database)
    return server.get_uri(database)


def stop(directory: Path | None = None) -> None:
    import pgserver

    directory = directory or data_dir()
    if (directory / "postmaster.pid").exists():
        pgserver.get_server(directory, cleanup_mode="stop").cleanup()
        print(f"stopped the embedded PostgreSQL in {directory}")
    else:
        print(f"no embedded PostgreSQL is running in {directory}")


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(embedded_url())
