"""The embedded PostgreSQL (pgserver) used when no database URL is configured, so the demo
runs on a machine with no server installed. Its data lives under DAGSTER_HOME."""

from __future__ import annotations

import os
import signal
import time
import warnings
from pathlib import Path

from synth_assets.load import postgres

DEFAULT_DATABASE = "synth_demo"


def data_dir() -> Path:
    home = os.environ.get("DAGSTER_HOME") or str(Path.cwd() / ".dagster_home")
    return Path(home) / "pgdata"


def embedded_url(directory: Path | None = None, database: str = DEFAULT_DATABASE) -> str:
    """Start (or reuse) the embedded server and return a URL for ``database`` on it.

    The server keeps running after this process exits (cleanup_mode=None) so later steps,
    `psql` and `make ui` find it; `make db-stop` stops it.
    """
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver  # lazily: only needed when no database URL is configured

    directory = directory or data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(directory, cleanup_mode=None)
    url = server.get_uri(database)
    postgres.ensure_database(url)
    return url


def stop(directory: Path | None = None, wait_s: float = 30.0) -> bool:
    """Stop the server of ``directory`` with a fast shutdown (SIGINT to the postmaster, as
    ``pg_ctl stop -m fast`` does; pg_ctl itself refuses to run as root). True if one ran."""
    pid_file = (directory or data_dir()) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGINT)
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return False
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return True
