"""The target database: connection strings read as libpq reads them, secrets masked in every
shape, mis-parsed strings refused without echoing them, and the guard judging the database a
session is actually connected to (URL path, ``?dbname=``, the environment, a service file)."""

from __future__ import annotations

import pytest
from psycopg.conninfo import make_conninfo

from synth_assets.load import postgres, target
from synth_assets_tests.support.database import (
    database_exists,
    other_database,
    public_tables,
    worker_name,
)

SECRET = "Sup3rS3cret-pw"
SECRET_SHAPES = [
    f"postgresql://loader:{SECRET}@127.0.0.1:5433/rel_secret_test",
    f"postgresql://loader@127.0.0.1:5433/rel_secret_test?password={SECRET}",
    f"postgresql+psycopg://loader@127.0.0.1:5433/rel_secret_test?sslmode=prefer&password={SECRET}",
    f"postgresql://loader@127.0.0.1:5433/rel_secret_test?sslpassword={SECRET}",
    f"host=127.0.0.1 port=5433 dbname=rel_secret_test user=loader password={SECRET}",
    f"postgresql://loader:{SECRET.replace('-', '%2D')}@127.0.0.1:5433/rel_secret_test",
]
MISPARSED = [
    # an unencoded @ in the password: libpq takes "Tail-of-pw-33@127.0.0.1" for the host
    "postgresql://postgres:Head@Tail-of-pw-33@127.0.0.1:5433/rel_secret_test",
    # an unencoded / in the password: libpq takes "pass" for the port
    "postgresql://postgres:Head/Tail-of-pw-33@127.0.0.1:5433/rel_secret_test",
    "postgresql://postgres:Head Tail-of-pw-33@127.0.0.1:5433/rel_secret_test",
    "postgresql://postgres@127.0.0.1:5433/rel?secret=%zz-Tail-of-pw-33",
    # the @ and the / together: libpq ends the user info at the first /, so "Tail-of-pw-33"
    # is a valid-looking host name it would look up in DNS
    "postgresql://postgres:Head@Tail-of-pw-33:/x-Tail@127.0.0.1:5433/rel_secret_test",
]


@pytest.mark.parametrize("url", SECRET_SHAPES)
def test_masking_hides_every_secret_parameter(url):
    for shown in (target.masked(url), target.without_secrets(url)):
        assert SECRET not in shown and "S3cret" not in shown, shown
        assert "127.0.0.1:5433/rel_secret_test" in shown and "loader" in shown


@pytest.mark.parametrize("url", MISPARSED)
def test_misparsed_urls_are_refused_without_showing_them(url):
    with pytest.raises(target.TargetError) as error:
        target.parameters(url, "SYNTH_DATABASE_URL")
    message = str(error.value)
    assert "SYNTH_DATABASE_URL" in message
    assert "Tail" not in message and "Head" not in message and "127.0.0.1" not in message


@pytest.mark.parametrize("url", ["", "   ", "mysql://root@localhost/x_test", "not a url at all"])
def test_unusable_urls_are_refused_by_name(url):
    with pytest.raises(target.TargetError, match="SYNTH_DATABASE_URL"):
        target.parameters(url, "SYNTH_DATABASE_URL")


def test_masked_url_shows_the_database_libpq_will_use():
    """``?dbname=`` wins over the path in libpq; the shown URL says so."""
    shown = target.masked("postgresql://postgres@127.0.0.1:5432/decoy_test?dbname=postgres")
    assert shown == "postgresql://postgres@127.0.0.1:5432/postgres"


def test_closed_port_names_host_port_and_database():
    with pytest.raises(target.DatabaseUnavailableError) as error:
        target.connect(f"postgresql://loader:{SECRET}@127.0.0.1:1/synth_down_test")
    message = str(error.value)
    assert "127.0.0.1:1" in message and "'synth_down_test'" in message
    assert SECRET not in message


PRODLIKE = worker_name("synth_prodlike")  # a name the guard refuses, this worker's own


def _unsafe(database_url: str, name: str = "synth_prodlike") -> str:
    """An existing database on the test server whose name the guard refuses."""
    return other_database(database_url, name)


def _with(url: str, **overrides: str) -> str:
    return make_conninfo(make_conninfo("", **target.parameters(url)), **overrides)


@pytest.mark.parametrize("name", ["synth", "production", "synth_demo_backup", "test"])
def test_guard_refuses_unsafe_names_it_connects_to(database_url, name):
    with pytest.raises(target.UnsafeDatabaseError, match=f"'{worker_name(name)}'"):
        target.Target(_unsafe(database_url, name)).connect()


def test_guard_judges_dbname_override_not_the_url_path(database_url):
    """The hostile tester's URL: the path says *_test, ``?dbname=`` says otherwise."""
    unsafe = _unsafe(database_url)
    decoy = worker_name("heldout_decoy_test")
    params = target.parameters(unsafe)
    url = (
        f"postgresql://{params.get('user', '')}@/{decoy}?host={params['host']}"
        f"&port={params.get('port', '5432')}&dbname={PRODLIKE}"
    )
    assert target.parameters(url)["dbname"] == PRODLIKE
    with pytest.raises(target.UnsafeDatabaseError, match=f"'{PRODLIKE}'"):
        target.Target(url).connect()
    with pytest.raises(target.UnsafeDatabaseError, match=f"'{PRODLIKE}'"):
        postgres.ensure_schema(url)
    assert public_tables(unsafe) == 0
    with pytest.raises(target.UnsafeDatabaseError):
        target.ensure_database(url)
    assert not database_exists(database_url, decoy)


def test_guard_judges_a_database_taken_from_the_environment(database_url, monkeypatch):
    unsafe = _unsafe(database_url)
    bare = {k: v for k, v in target.parameters(unsafe).items() if k != "dbname"}
    monkeypatch.setenv("PGDATABASE", PRODLIKE)
    url = make_conninfo("", **bare)
    with pytest.raises(target.UnsafeDatabaseError, match=f"'{PRODLIKE}'"):
        postgres.ensure_schema(url)
    assert public_tables(unsafe) == 0


def test_guard_judges_a_database_taken_from_a_service_file(database_url, tmp_path, monkeypatch):
    unsafe = _unsafe(database_url)
    params = target.parameters(unsafe)
    lines = [f"{key}={params[key]}" for key in ("host", "port", "user") if params.get(key)]
    (tmp_path / "pg_service.conf").write_text(
        "[synth_service]\n" + "\n".join([*lines, f"dbname={PRODLIKE}"]) + "\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "pg_service.conf"))
    with pytest.raises(target.UnsafeDatabaseError, match=f"'{PRODLIKE}'"):
        postgres.ensure_schema("service=synth_service")
    assert public_tables(unsafe) == 0


def test_ensure_database_creates_the_resolved_name_only_when_safe(database_url):
    name = worker_name("synth_created_test")
    with target.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
    url = _with(database_url, dbname=name)
    target.ensure_database(url)
    assert database_exists(database_url, name)
    with pytest.raises(target.UnsafeDatabaseError):
        target.ensure_database(_with(database_url, dbname=worker_name("synth_never_created")))
    assert not database_exists(database_url, worker_name("synth_never_created"))


def test_guard_can_be_overridden_explicitly(database_url):
    unsafe = _unsafe(database_url)
    with target.Target(unsafe, allow_any=True).connect() as conn:
        assert target.current_database(conn) == PRODLIKE


@pytest.mark.parametrize(
    "url",
    [
        # a / in the password: libpq sees no user info, and the password lands in the
        # host, port or database name
        "postgresql://user:/Zq9vT2secret@127.0.0.1/db_test",
        "postgresql://user:1234/Zq9vT2secret@127.0.0.1/db_test",
        "postgresql://localhost:/Zq9vT2secret@db.example.com/app_test",
        "postgresql://u@127.0.0.1:\u00b2/Zq9vT2secret_test",  # a port digit that is not ASCII
    ],
)
def test_a_slash_or_odd_digit_in_the_password_is_refused_unseen(url):
    with pytest.raises(target.TargetError) as error:
        target.parameters(url, "SYNTH_DATABASE_URL")
    assert "Zq9vT2" not in str(error.value) and "127.0.0.1" not in str(error.value)


def test_a_short_password_is_not_revealed_by_scrubbing_the_error():
    with pytest.raises(target.DatabaseUnavailableError) as error:
        target.connect("postgresql://u:1@127.0.0.1:1/x_test")
    assert "***" not in str(error.value)
    assert "127.0.0.1:1" in str(error.value) or "not shown" in str(error.value)


def test_a_bad_parameter_value_is_a_refusal_not_a_driver_error():
    with pytest.raises(target.TargetError):
        target.connect("postgresql://postgres@127.0.0.1:5432/x_test?connect_timeout=abc")


def test_the_guard_cannot_be_spoofed_by_a_function_on_the_search_path(database_url):
    spoofed = other_database(database_url, "synth_spoof_test")
    with target.connect(spoofed, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION public.current_database() RETURNS name "
            "LANGUAGE sql AS $$ SELECT 'spoofed_prod'::name $$"
        )
    params = target.parameters(spoofed)
    url = make_conninfo("", **params, options="-c search_path=public,pg_catalog")
    with target.Target(url).connect() as conn:
        assert target.current_database(conn) == worker_name("synth_spoof_test")


def test_a_name_postgres_would_truncate_is_not_created(database_url):
    name = "x" * 60 + "_test"
    with pytest.raises(target.TargetError, match="longer than 63 bytes"):
        target.ensure_database(_with(database_url, dbname=name))
    assert not database_exists(database_url, name[:63])
