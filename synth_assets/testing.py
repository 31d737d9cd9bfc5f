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
- ``synth_personas_dir`` / ``SYNTH_PERSONAS_DIR``: the persona files (relative to the ini
  file); unset, those of the app folder pytest runs in (``python -m synth_assets init``), else
  the shipped ones;
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
import signal
import tempfile
import threading
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
    "synth_personas_dir": (
        "SYNTH_PERSONAS_DIR",
        "",
        "folder of persona files, relative to the ini file (default: the app folder's)",
    ),
}
TEMPLATE_PREFIX = "synth_tpl_"


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, (variable, default, help_text) in INI.items():
        parser.addini(name, f"{help_text}; else ${variable}, else {default or 'unset'}", default="")


class SecretUrl(str):
    """A connection string whose repr hides its password. pytest shows fixture values and,
    in long tracebacks, the arguments of every frame by their repr: a failing test must not
    print the server's password. psycopg and libpq take it as the string it is."""

    def __repr__(self) -> str:
        from synth_assets.load.target import masked

        try:
            return repr(masked(self))
        except Exception:  # unparsable: show none of it
            return "'<a connection string, not shown>'"


def settings_from(config: pytest.Config) -> dict[str, str]:
    """Each of the plugin's settings: the ini file's, else its variable's, else its default
    (the server URL as a ``SecretUrl``)."""
    chosen = {
        name: config.getini(name) or os.environ.get(variable, "") or default
        for name, (variable, default, _) in INI.items()
    }
    chosen["synth_server_url"] = SecretUrl(chosen["synth_server_url"])
    folder = config.getini("synth_personas_dir")
    if folder and config.inipath is not None:  # the ini's own folder, not pytest's cwd
        chosen["synth_personas_dir"] = str(config.inipath.parent / folder)
    return chosen


@dataclass(frozen=True)
class Template:
    """The session's template database and the server it lives on."""

    server: str = field(repr=False)  # a URL to the server (may hold a password)
    name: str
    persona: str
    as_of: dt.date
    passfile: Path | None = field(default=None, repr=False)  # the server's password, if any

    def url(self, database: str) -> str:
        """A URL to ``database`` on the server with no password in it: libpq reads it from
        the session's passfile, so a failing test that shows the URL shows no secret."""
        from synth_assets.load import target

        address = _on(self.server, database)
        return target.with_passfile(address, self.passfile) if self.passfile else address


def _on(url: str, database: str) -> SecretUrl:
    """``url`` naming ``database`` (libpq's ``?dbname=`` would override the path: dropped),
    in the plain ``postgresql://`` form psycopg and libpq accept."""
    from sqlalchemy.engine import make_url

    address = make_url(url).difference_update_query(["dbname"])
    return SecretUrl(
        address.set(drivername="postgresql", database=database).render_as_string(
            hide_password=False
        )
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
    from synth_assets.personas import PersonaError, load_named

    try:
        folder = chosen.get("synth_personas_dir")
        persona = load_named(chosen["synth_persona"], Path(folder) if folder else None)
    except PersonaError as error:
        raise pytest.UsageError(f"synth_persona (or $SYNTH_TEST_PERSONA): {error}") from None

    def resolved(name: str, setting: settings.Spec, when: dt.datetime | None = None):
        try:
            chosen_setting = settings.resolve(setting, chosen[name] or None)
            if when is not None:  # the as-of day: one that has ended
                chosen_setting = settings.as_of_in_force(chosen_setting, when)
            return chosen_setting.value
        except settings.SettingError as error:
            raise pytest.UsageError(f"{name} (or ${INI[name][0]}): {error}") from None

    return Context(
        persona,
        seed=resolved("synth_seed", settings.SEED),
        scale=resolved("synth_scale", settings.SCALE),
        as_of=resolved("synth_as_of", settings.AS_OF, dt.datetime.now(dt.UTC)),
    )


def load_template(server: str, ctx, passfile: Path | None = None) -> Template:
    """Generate the persona and judge its blocking rules, then load it into a new template
    database on ``server`` (named for this session: nothing else's is touched). A server it
    cannot reach fails first; the database exists only while it is being loaded or used, so
    a session killed while generating leaves none behind."""
    from synth_assets.checks import registry
    from synth_assets.generate.frames import generate_all
    from synth_assets.load import postgres

    with _admin(server):
        pass  # reachable, before the persona is generated
    tables = generate_all(ctx)
    failed = registry.blocking_failures(registry.judge(ctx, tables))
    if failed:
        raise pytest.UsageError(
            f"synth_assets: {ctx.persona.name}'s blocking rules failed: {failed}"
        )
    # Not named for the persona: a long name would overflow PostgreSQL's 63 bytes.
    name = f"{TEMPLATE_PREFIX}{uuid.uuid4().hex[:12]}_test"
    template = Template(server, name, ctx.persona.name, ctx.as_of, passfile)
    create_database(server, name)
    try:
        _expect(template.url(name), name)
        postgres.ensure_schema(template.url(name))
        postgres.replace_partition(
            template.url(name), ctx.persona.name, tables, as_of=ctx.as_of, state=ctx.state
        )
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
    secrets = Path(tempfile.mkdtemp(prefix="synth_plugin_"))  # 0700: the passfile's home
    try:
        server = SecretUrl(configured or _embedded(folder))
        template = _template_on(server, ctx, _passfile(server, secrets))
        try:
            yield template
        finally:
            drop_database(server, template.name)
    finally:
        shutil.rmtree(secrets, ignore_errors=True)
        if folder is not None:
            from synth_assets.load import embedded

            embedded.stop(folder)
            shutil.rmtree(folder, ignore_errors=True)


def _passfile(server: str, folder: Path) -> Path | None:
    """The server's password in a .pgpass file of its own (mode 0600), for the URLs the
    tests get; None when the URL carries no password (or one libpq cannot read)."""
    from synth_assets.load import target

    try:
        password = target.parameters(server).get("password")
    except Exception:
        return None  # refused with its setting's name by the template's load
    if not password:
        return None
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    path = folder / "pgpass"
    path.touch(mode=0o600)
    path.write_text(f"*:*:*:*:{escaped}\n")
    return path


def _template_on(server: str, ctx, passfile: Path | None) -> Template:
    """``load_template``, its failures reported by their message alone: a traceback would
    show the server URL, password included, among the frames' arguments (the messages quote
    no secret). A URL the plugin cannot use is named by its setting."""
    from sqlalchemy.exc import ArgumentError

    from synth_assets.load.target import DatabaseUnavailableError, TargetError

    try:
        return load_template(server, ctx, passfile)
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


@contextmanager
def terminated_as_interrupted() -> Iterator[None]:
    """While it lasts, SIGTERM (a CI runner cancelling the job, ``kill``) ends the session as
    Ctrl-C does, so the databases it made are dropped: by default SIGTERM ends the process
    at once, and they were left behind. A handler someone else installed is left alone."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum} (SIGTERM)")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.fixture(scope="session")
def synth_template(request: pytest.FixtureRequest) -> Iterator[Template]:
    """The session's template database, loaded once with the chosen persona."""
    with terminated_as_interrupted(), template_database(settings_from(request.config)) as made:
        yield made


@pytest.fixture
def synth_database(synth_template: Template) -> Iterator[str]:
    """A URL to a database of this test's own, cloned by PostgreSQL from the session's
    template, dropped when the test ends: write to it freely."""
    with cloned_database(synth_template) as url:
        yield url
