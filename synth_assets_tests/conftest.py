"""Shared fixtures: a real PostgreSQL database for the session, the personas' generated
frames, and runs that many tests only read.

The database is SYNTH_TEST_DATABASE_URL when set (.ci/run points it at the machine's server),
else a database on an embedded server the session starts in a folder of its own (never under
pytest's temporary root, whose permissions another pytest session may reset). Under xdist,
each worker has its own database (and embedded server)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from dagster import DagsterInstance, ExecuteInProcessResult, materialize

from synth_assets.definitions import ALL_ASSETS
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import embedded, target
from synth_assets.personas import Persona, load_personas
from synth_assets_tests.support.database import (
    drop_tables,
    on_database,
    other_database,
    worker_name,
)
from synth_assets_tests.support.runs import AS_OF, resources_for
from synth_assets_tests.support.wheel import build_wheel, fresh_venv

TEST_DATABASE = "synth_test"
SERVER_FOLDER_PREFIX = "synth_tests_pg_"


@pytest.fixture(scope="session")
def personas() -> dict[str, Persona]:
    return load_personas()


@pytest.fixture(scope="session")
def embedded_folder() -> Iterator[Path]:
    """A folder for the session's embedded server, outside pytest's temporary root."""
    folder = Path(tempfile.mkdtemp(prefix=SERVER_FOLDER_PREFIX))
    try:
        yield folder
    finally:
        embedded.stop(folder / "pg")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> str:
    """A URL to an empty database of this session (tables dropped at session start)."""
    configured = os.environ.get("SYNTH_TEST_DATABASE_URL")
    if configured:
        name = target.database_name(configured) or TEST_DATABASE
        url = on_database(configured, worker_name(name))
        target.ensure_database(url)
    else:
        folder = request.getfixturevalue("embedded_folder")
        url = embedded.embedded_url(folder / "pg", worker_name(TEST_DATABASE))
    drop_tables(url)
    return url


@pytest.fixture(scope="session")
def suite_server_folder(database_url: str, request: pytest.FixtureRequest) -> Path | None:
    """The folder of this session's embedded server, or None when a server is configured."""
    if os.environ.get("SYNTH_TEST_DATABASE_URL"):
        return None
    return request.getfixturevalue("embedded_folder")


@pytest.fixture(scope="session")
def frames(personas: dict[str, Persona]) -> dict[str, dict[str, pd.DataFrame]]:
    """Every shipped persona's tables at the default seed and scale, as of ``AS_OF``."""
    return {name: generate_all(Context(persona, as_of=AS_OF)) for name, persona in personas.items()}


@dataclass(frozen=True)
class Run:
    """A finished in-process run of every asset of one persona, kept for tests to read."""

    persona: str
    url: str  # the database it loaded, which no other test writes to
    database: str
    result: ExecuteInProcessResult
    instance: DagsterInstance


@pytest.fixture(scope="session")
def retiree_run(database_url: str) -> Iterator[Run]:
    """``--select '*'`` of retiree as of ``AS_OF``, into a database of its own: the tests
    that only read a run's events, metadata and rows share it (and the xdist group
    "retiree_run": one worker runs it once)."""
    name = "synth_run_test"
    url = other_database(database_url, name)
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            ALL_ASSETS,
            partition_key="retiree",
            resources=resources_for(url),
            instance=instance,
        )
        assert result.success
        yield Run("retiree", url, worker_name(name), result, instance)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from this tree (tests using it share the xdist group "wheel")."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def developer(tmp_path_factory, wheel) -> Path:
    """The ``bin`` of a fresh venv holding the wheel, outside the checkout."""
    return fresh_venv(tmp_path_factory.mktemp("developer") / "venv", wheel)
