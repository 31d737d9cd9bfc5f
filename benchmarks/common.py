"""What the benchmarks share: a database to load into, measured in the same run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synth_assets.load import embedded, postgres


@contextmanager
def bench_database() -> Iterator[str]:
    """SYNTH_BENCH_DATABASE_URL when set (its database is created if missing), else a fresh
    embedded PostgreSQL in a temporary folder, stopped afterwards."""
    configured = os.environ.get("SYNTH_BENCH_DATABASE_URL")
    if configured:
        postgres.ensure_database(configured)
        yield configured
        return
    with tempfile.TemporaryDirectory(prefix="synth_bench_") as directory:
        try:
            yield embedded.embedded_url(Path(directory), "synth_bench_test")
        finally:
            embedded.stop(Path(directory))
