"""Shared fixtures: a real PostgreSQL database for the session and generated frames.

The database is SYNTH_TEST_DATABASE_URL when set (.ci/run points it at the machine's server),
else a database on the embedded server started in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from synth_assets.defs.io_managers import run_cached_arrow_io_manager
from synth_assets.defs.resources import ExportSettings, GenerationSettings, SynthDatabase
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import embedded, schema, target
from synth_assets.load.staging import SCHEMA
from synth_assets.personas import Persona, load_personas

TEST_DATABASE = "synth_test"


@pytest.fixture(scope="session")
def personas() -> dict[str, Persona]:
    return load_personas()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL to an empty ``synth_test`` database (tables dropped at session start); an
    embedded server started for the session is stopped at its end."""
    configured = os.environ.get("SYNTH_TEST_DATABASE_URL")
    if configured:
        target.ensure_database(configured)
        drop_tables(configured)
        yield configured
        return
    directory = Path(tmp_path_factory.mktemp("pg"))
    url = embedded.embedded_url(directory, TEST_DATABASE)
    drop_tables(url)
    yield url
    embedded.stop(directory)


def drop_tables(url: str) -> None:
    with target.connect(url, autocommit=True) as conn:
        for table in reversed(schema.TABLE_NAMES):
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(table)))
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))


def query(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with target.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


# The date the tests' data is as of, so that no result depends on the day the suite runs (a
# Monday: the day before it is a Sunday, so pending rows span a weekend).
AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="session")
def frames(personas: dict[str, Persona]) -> dict[str, dict[str, pd.DataFrame]]:
    """Every shipped persona's tables at the default seed and scale, as of ``AS_OF``."""
    return {name: generate_all(Context(persona, as_of=AS_OF)) for name, persona in personas.items()}


def stored_rows(url: str, table: str, persona: str) -> int:
    """Rows of ``persona`` in ``table`` (0 when the table does not exist yet)."""
    if not query(url, "SELECT to_regclass(%s) IS NOT NULL", (table,))[0][0]:
        return 0
    statement = sql.SQL("SELECT count(*) FROM {} WHERE persona = %s").format(sql.Identifier(table))
    with target.connect(url) as conn:
        return conn.execute(statement, (persona,)).fetchone()[0]


def resources_for(url: str, **generation: object) -> dict[str, object]:
    """Run resources for tests: the given database, exports in a fresh temporary folder, as
    of ``AS_OF`` unless ``as_of`` says otherwise."""
    exports = tempfile.mkdtemp(prefix="synth_exports_")
    generation.setdefault("as_of", AS_OF.isoformat())
    return {
        "io_manager": run_cached_arrow_io_manager,
        "generation": GenerationSettings(**generation),
        "database": SynthDatabase(url=url),
        "exports": ExportSettings(directory=exports),
    }


PKS = {
    "users": ("id",),
    "accounts": ("account_id",),
    "transactions": ("transaction_id",),
    "liabilities": ("account_id",),
    "content": ("id",),
    "jobs": ("id",),
    "transaction_changes": ("transaction_id", "change"),
}


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
    """A URL to database ``name`` on the same server (created if missing, tables dropped)."""
    address = make_url(url).set(database=name).render_as_string(hide_password=False)
    target.ensure_database(address, allow_any=True)
    drop_tables(address)
    return address


def database_exists(url: str, name: str) -> bool:
    return bool(query(url, "SELECT count(*) FROM pg_database WHERE datname = %s", (name,))[0][0])


def public_tables(url: str) -> int:
    """Tables in ``url``'s public schema (0 for a database nothing was written to)."""
    statement = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    return query(url, statement)[0][0]
