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
- ``synth_server_url`` / ``SYNTH_TEST_DATABASE_URL``: the PostgreSQL server to use (the
  database it names is not touched: the plugin creates and drops its own from the server's
  ``postgres`` database); unset, an embedded server starts in a temporary folder for the
  session and is stopped and removed at its end.

It is registered as a pytest plugin when synth_assets is installed; importing it imports
neither Dagster nor the persona files.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from psycopg import sql

INI = {
    "synth_persona": ("SYNTH_TEST_PERSONA", "student", "persona loaded into each test database"),
    "synth_scale": ("SYNTH_SCALE", "1", "multiplies the persona's users"),
    "synth_seed": ("SYNTH_SEED", "42", "global seed"),
    "synth_as_of": ("SYNTH_AS_OF", "", "the day the data is as of (default: yesterday, UTC)"),
    "synth_server_url": ("SYNTH_TEST_DATABASE_URL", "", "PostgreSQL server (default: embedded)"),
}
TEMPLATE_PREFIX = "synth_tpl_"


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, (variable, default, help_text) in INI.items():
        parser.addini(name, f"{help_text}; else ${variable}, else {default or 'unset'}", default="")


def settings_from(config: pytest.Config) -> dict[str, str]:
    """Each of the plugin's settings: the ini file's, else its variable's, else its default."""
    return {
        name: config.getini(name) or os.environ.get(variable, "") or default
        for name, (variable, default, _) in INI.items()
    }


@dataclass(frozen=True)
class Template:
    """The session's template database and the server it lives on."""

    server: str = field(repr=False)  # a URL to the server (may hold a password)
    name: str
    persona: str
    as_of: dt.date

    def url(self, database: str) -> str:
        return _on(self.server, database)


def _on(url: str, database: str) -> str:
    """``url`` naming ``database`` (libpq's ``?dbname=`` would override the path: dropped),
    in the plain ``postgresql://`` form psycopg and libpq accept."""
    from sqlalchemy.engine import make_url

    address = make_url(url).difference_update_query(["dbname"])
    return address.set(drivername="postgresql", database=database).render_as_string(
        hide_password=False
    )


def _admin(server: str):
    """A connection to the server's maintenance database, where databases are created."""
    from synth_assets.load import target

    return target.connect(_on(server, "postgres"), autocommit=True)


def create_database(server: str, name: str, template: str | None = None) -> None:
    """Create database ``name`` on ``server``, empty or cloned from ``template``."""
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _admin(server) as conn:
        conn.execute(statement)


def drop_database(server: str, name: str) -> None:
    """Drop database ``name`` on ``server`` if it exists, its connections closed first: only
    ever called with a name its caller created."""
    with _admin(server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def generation_context(chosen: Mapping[str, str]):
    """The persona and generation settings ``chosen`` names (``settings_from``); a value it
    cannot use is a usage error naming the setting."""
    from synth_assets import settings
    from synth_assets.generate.common import Context
    from synth_assets.personas import load_personas

    personas, persona = load_personas(), chosen["synth_persona"]
    if persona not in personas:
        raise pytest.UsageError(
            f"synth_persona: unknown persona {persona!r}; known: {sorted(personas)}"
        )

    def resolved(name: str, setting: settings.Spec, when: dt.datetime | None = None):
        try:
            chosen_setting = settings.resolve(setting, chosen[name] or None)
            if when is not None:  # the as-of day: one that has ended
                chosen_setting = settings.as_of_in_force(chosen_setting, when)
            return chosen_setting.value
        except settings.SettingError as error:
            raise pytest.UsageError(f"{name} (or ${INI[name][0]}): {error}") from None

    return Context(
        personas[persona],
        seed=resolved("synth_seed", settings.SEED),
        scale=resolved("synth_scale", settings.SCALE),
        as_of=resolved("synth_as_of", settings.AS_OF, dt.datetime.now(dt.UTC)),
    )


def load_template(server: str, ctx) -> Template:
    """Create a new template database on ``server`` (named for this session: nothing else's
    is touched; a server it cannot use fails first), generate the persona, judge its
    blocking rules, and load it."""
    from synth_assets.checks import registry
    from synth_assets.generate.frames import generate_all
    from synth_assets.load import postgres

    # Not named for the persona: a long name would overflow PostgreSQL's 63 bytes.
    name = f"{TEMPLATE_PREFIX}{uuid.uuid4().hex[:12]}_test"
    template = Template(server, name, ctx.persona.name, ctx.as_of)
    create_database(server, name)
    try:
        _expect(template.url(name), name)
        tables = generate_all(ctx)
        failed = registry.blocking_failures(registry.judge(ctx, tables))
        if failed:
            raise pytest.UsageError(
                f"synth_assets: {ctx.persona.name}'s blocking rules failed: {failed}"
            )
        postgres.ensure_schema(template.url(name))
        postgres.replace_partition(template.url(name), ctx.persona.name, tables, as_of=ctx.as_of)
    except BaseException:
        drop_database(server, name)
        raise
    return template


def _expect(url: str, name: str) -> None:
    """Refuse to write unless ``url`` reaches the database this plugin just created (an
    environment variable or a service file could send libpq elsewhere)."""
    from synth_assets.load import target

    with target.connect(url) as conn:
        reached = target.current_database(conn)
    if reached != name:
        raise pytest.UsageError(
            f"synth_server_url: a connection meant for {name!r} reached {reached!r}; "
            "nothing was written"
        )


@contextmanager
def template_database(chosen: Mapping[str, str]) -> Iterator[Template]:
    """The template database of ``chosen`` settings (``settings_from``), loaded once; dropped
    at the end, with the embedded server it started when no server was chosen."""
    ctx = generation_context(chosen)
    configured = chosen["synth_server_url"]
    folder = None if configured else Path(tempfile.mkdtemp(prefix="synth_pg_"))
    try:
        server = configured or _embedded(folder)
        template = _template_on(server, ctx)
        try:
            yield template
        finally:
            drop_database(server, template.name)
    finally:
        if folder is not None:
            from synth_assets.load import embedded

            embedded.stop(folder)
            shutil.rmtree(folder, ignore_errors=True)


def _template_on(server: str, ctx) -> Template:
    """``load_template``, its failures reported by their message alone: a traceback would
    show the server URL, password included, among the frames' arguments (the messages quote
    no secret). A URL the plugin cannot use is named by its setting."""
    from sqlalchemy.exc import ArgumentError

    from synth_assets.load.target import DatabaseUnavailableError, TargetError

    try:
        return load_template(server, ctx)
    except (ArgumentError, TargetError, DatabaseUnavailableError) as error:
        message = f"synth_server_url (or $SYNTH_TEST_DATABASE_URL): {error}"
    except Exception as error:
        message = f"synth_assets: the template database was not prepared: {error}"
    pytest.fail(message, pytrace=False)


def _embedded(folder: Path) -> str:
    """A server of the session's own in ``folder`` (stopped and removed when it ends)."""
    from synth_assets.load import embedded

    return embedded.embedded_url(folder, "synth_plugin_test")


@contextmanager
def cloned_database(template: Template) -> Iterator[str]:
    """A URL to a new database cloned by PostgreSQL from ``template`` (the persona's rows,
    keys and constraints), dropped at the end."""
    name = f"synth_{uuid.uuid4().hex[:12]}_test"
    create_database(template.server, name, template=template.name)
    try:
        yield template.url(name)
    finally:
        drop_database(template.server, name)


@pytest.fixture(scope="session")
def synth_template(request: pytest.FixtureRequest) -> Iterator[Template]:
    """The session's template database, loaded once with the chosen persona."""
    with template_database(settings_from(request.config)) as template:
        yield template


@pytest.fixture
def synth_database(synth_template: Template) -> Iterator[str]:
    """A URL to a database of this test's own, cloned by PostgreSQL from the session's
    template, dropped when the test ends: write to it freely."""
    with cloned_database(synth_template) as url:
        yield url
