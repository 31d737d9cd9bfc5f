"""A pytest plugin: a fresh, realistic database for every test of an app's own suite.

    def test_overdrawn_users_get_a_warning(synth_database):
        with psycopg.connect(synth_database) as conn:
            conn.execute("UPDATE accounts SET balance_current = -50 WHERE kind = 'checking'")
            ...  # write freely: the next test gets its own copy

The chosen persona is generated, checked by its blocking rules and loaded once per session
into a template database; each test gets a database PostgreSQL clones from it
(``CREATE DATABASE ... TEMPLATE``), dropped after the test. Settings, from pytest's ini file
(``[pytest]``) or the environment:

- ``synth_persona`` / ``SYNTH_TEST_PERSONA`` (default ``student``), ``synth_scale`` /
  ``SYNTH_SCALE``, ``synth_seed`` / ``SYNTH_SEED``, ``synth_as_of`` / ``SYNTH_AS_OF``;
- ``synth_server_url`` / ``SYNTH_TEST_DATABASE_URL``: the PostgreSQL server to use (its
  database is only where the plugin connects to create and drop the others); unset, an
  embedded server starts in a temporary folder for the session.

It is registered as a pytest plugin when synth_assets is installed; importing it imports
neither Dagster nor the persona files.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg import sql

INI = {
    "synth_persona": ("SYNTH_TEST_PERSONA", "student", "persona loaded into each test database"),
    "synth_scale": ("SYNTH_SCALE", "1", "multiplies the persona's users"),
    "synth_seed": ("SYNTH_SEED", "42", "global seed"),
    "synth_as_of": ("SYNTH_AS_OF", "", "the date the data is as of (default: today, UTC)"),
    "synth_server_url": ("SYNTH_TEST_DATABASE_URL", "", "PostgreSQL server (default: embedded)"),
}
TEMPLATE_PREFIX = "synth_tpl_"


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, (variable, default, help_text) in INI.items():
        parser.addini(name, f"{help_text}; else ${variable}, else {default or 'unset'}", default="")


def _setting(config: pytest.Config, name: str) -> str:
    variable, default, _ = INI[name]
    return config.getini(name) or os.environ.get(variable, "") or default


@dataclass(frozen=True)
class Template:
    """The session's template database and the server it lives on."""

    server: str  # a URL to the server (its maintenance database)
    name: str
    persona: str
    as_of: dt.date

    def url(self, database: str) -> str:
        return _on(self.server, database)


def _on(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _admin(server: str):
    """A connection to the server's maintenance database, where databases are created."""
    from synth_assets.load import target

    return target.connect(_on(server, "postgres"), autocommit=True)


def _create(server: str, name: str, template: str | None = None) -> None:
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _admin(server) as conn:
        conn.execute(statement)


def _drop(server: str, name: str) -> None:
    """Drop a database this plugin created (its connections closed first)."""
    with _admin(server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _context(config: pytest.Config):
    from synth_assets import settings
    from synth_assets.generate.common import Context
    from synth_assets.personas import load_personas

    personas, persona = load_personas(), _setting(config, "synth_persona")
    if persona not in personas:
        raise pytest.UsageError(
            f"synth_persona: unknown persona {persona!r}; known: {sorted(personas)}"
        )
    as_of = settings.resolve(settings.AS_OF, _setting(config, "synth_as_of") or None).value
    return Context(
        personas[persona],
        seed=settings.resolve(settings.SEED, _setting(config, "synth_seed")).value,
        scale=settings.resolve(settings.SCALE, _setting(config, "synth_scale")).value,
        as_of=as_of or dt.datetime.now(dt.UTC).date(),
    )


def load_template(server: str, ctx) -> Template:
    """Generate the persona, judge its blocking rules, and load it into a new template
    database on ``server`` (named for this session: nothing else's is touched)."""
    from synth_assets.checks import registry
    from synth_assets.generate.frames import generate_all
    from synth_assets.load import postgres

    tables = generate_all(ctx)
    failed = registry.blocking_failures(registry.judge(ctx, tables))
    if failed:
        raise pytest.UsageError(
            f"synth_assets: {ctx.persona.name}'s blocking rules failed: {failed}"
        )
    name = f"{TEMPLATE_PREFIX}{ctx.persona.name}_{uuid.uuid4().hex[:8]}_test"
    template = Template(server, name, ctx.persona.name, ctx.as_of)
    _create(server, name)
    try:
        postgres.ensure_schema(template.url(name))
        postgres.replace_partition(template.url(name), ctx.persona.name, tables)
    except BaseException:
        _drop(server, name)
        raise
    return template


@pytest.fixture(scope="session")
def synth_template(request: pytest.FixtureRequest) -> Iterator[Template]:
    """The session's template database, loaded once with the chosen persona."""
    from synth_assets.settings import SettingError

    try:
        ctx = _context(request.config)
    except SettingError as error:
        pytest.fail(f"synth_assets: {error}", pytrace=False)
    configured = _setting(request.config, "synth_server_url")
    folder = None if configured else Path(tempfile.mkdtemp(prefix="synth_pg_"))
    if folder is None:
        server = configured
    else:
        from synth_assets.load import embedded

        server = embedded.embedded_url(folder, "postgres")
    try:
        template = load_template(server, ctx)
        try:
            yield template
        finally:
            _drop(server, template.name)
    finally:
        if folder is not None:
            from synth_assets.load import embedded

            embedded.stop(folder)


@pytest.fixture
def synth_database(synth_template: Template) -> Iterator[str]:
    """A URL to a database of this test's own, cloned by PostgreSQL from the session's
    template (the persona's rows, keys and constraints), dropped when the test ends."""
    name = f"synth_{uuid.uuid4().hex[:12]}_test"
    _create(synth_template.server, name, template=synth_template.name)
    try:
        yield synth_template.url(name)
    finally:
        _drop(synth_template.server, name)
