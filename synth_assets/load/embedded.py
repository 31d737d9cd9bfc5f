"""The embedded PostgreSQL (pgserver) used when no database URL is configured, so the demo
runs on a machine with no server installed. Its data lives under DAGSTER_HOME."""

from __future__ import annotations

import os
import signal
import time
import warnings
from pathlib import Path

from synth_assets.load import target

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
    if _postmaster_pid(directory) is None:
        # pgserver hands back the server this process started earlier even after it was
        # stopped (`make db-stop`, a crash); start it again so a retried step finds it.
        server.ensure_postgres_running()
    url = server.get_uri(database)
    target.ensure_database(url)
    return url


def _postmaster_pid(directory: Path) -> int | None:
    """The pid of the server running on ``directory``, or None when none is."""
    try:
        pid = int((directory / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None
    return pid


def stop(directory: Path | None = None, wait_s: float = 30.0) -> bool:
    """Stop the server of ``directory`` with a fast shutdown (SIGINT to the postmaster, as
    ``pg_ctl stop -m fast`` does; pg_ctl itself refuses to run as root). True if one ran."""
    pid = _postmaster_pid(directory or data_dir())
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return True
