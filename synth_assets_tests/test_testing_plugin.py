"""The pytest plugin apps use (synth_assets.testing): a real pytest run in which each test
gets a database of its own, cloned from a template loaded once, that it may write freely."""

from __future__ import annotations

import subprocess
import sys

from synth_assets_tests.conftest import AS_OF, other_database, public_tables, query

pytest_plugins = ["pytester"]

APP_TESTS = """
import psycopg
import pytest


@pytest.mark.parametrize("n", range(3))
def test_each_test_starts_from_the_same_rows_and_may_write(synth_database, n):
    with psycopg.connect(synth_database) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == {users}
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == {jobs}
        conn.execute("DELETE FROM jobs")  # this test's own copy: the next one is whole
        conn.execute("UPDATE users SET first_name = 'Test' || %s", (str(n),))
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 0
        assert conn.execute("SELECT pg_catalog.current_database()").fetchone()[0].endswith("_test")
"""


def test_each_test_gets_a_fresh_database_it_may_write(pytester, database_url, frames):
    pytester.makeini(
        f"[pytest]\nsynth_persona = retiree\nsynth_as_of = {AS_OF}\nsynth_server_url = {database_url}\n"
    )
    retiree = frames["retiree"]
    pytester.makepyfile(APP_TESTS.format(users=len(retiree["users"]), jobs=len(retiree["jobs"])))
    before = _plugin_databases(database_url)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert _plugin_databases(database_url) == before, "the plugin left databases behind"


def _plugin_databases(url: str) -> set[str]:
    rows = query(
        url, "SELECT datname FROM pg_database WHERE datname ~ '^synth_(tpl_.*|[0-9a-f]{12})_test$'"
    )
    return {name for (name,) in rows}


def test_an_unknown_persona_is_a_usage_error(pytester, database_url):
    pytester.makeini(f"[pytest]\nsynth_persona = nobody\nsynth_server_url = {database_url}\n")
    pytester.makepyfile("def test_x(synth_database):\n    assert synth_database\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    assert result.ret != 0
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*synth_persona: unknown persona 'nobody'; known:*"])


def test_importing_pure_modules_imports_no_dagster_and_reads_no_persona(tmp_path):
    code = (
        "import sys; import synth_assets.testing, synth_assets.generate.frames, "
        "synth_assets.plaid.views, synth_assets.plaid.sync; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'dagster'], 'dagster imported'"
    )
    env = {"SYNTH_PERSONAS_DIR": str(tmp_path), "PATH": ""}  # an empty persona folder
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_with_no_server_an_embedded_one_serves_the_session_and_is_removed(
    pytester, monkeypatch, tmp_path, frames
):
    monkeypatch.delenv("SYNTH_TEST_DATABASE_URL", raising=False)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # where the session's server folder goes
    pytester.makeini(f"[pytest]\nsynth_persona = retiree\nsynth_as_of = {AS_OF}\n")
    retiree = frames["retiree"]
    pytester.makepyfile(APP_TESTS.format(users=len(retiree["users"]), jobs=len(retiree["jobs"])))
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert not list(scratch.glob("synth_pg_*")), "the session's server folder was left behind"


def test_a_dbname_parameter_cannot_redirect_the_plugin(pytester, database_url):
    """libpq lets ``?dbname=`` override the URL's database: the plugin must not follow it
    into a database it did not create."""
    victim = other_database(database_url, "synth_victim_test")
    joiner = "&" if "?" in database_url else "?"
    pytester.makeini(
        f"[pytest]\nsynth_persona = retiree\nsynth_as_of = {AS_OF}\n"
        f"synth_server_url = {database_url}{joiner}dbname=synth_victim_test\n"
    )
    pytester.makepyfile(
        "import psycopg\n\n"
        "def test_reaches_its_own_database(synth_database):\n"
        "    with psycopg.connect(synth_database) as conn:\n"
        "        name = conn.execute('SELECT pg_catalog.current_database()').fetchone()[0]\n"
        "    assert name != 'synth_victim_test'\n"
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert public_tables(victim) == 0, "the plugin wrote into a database it did not create"


def test_a_bad_setting_is_refused_by_its_name(pytester, database_url):
    pytester.makeini(f"[pytest]\nsynth_scale = -1\nsynth_server_url = {database_url}\n")
    pytester.makepyfile("def test_x(synth_database):\n    assert synth_database\n")
    before = _plugin_databases(database_url)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*synth_scale (or $SYNTH_SCALE):*"])
    assert _plugin_databases(database_url) == before


def test_an_unusable_server_url_is_refused_by_its_name(pytester):
    secret = "s3cr3t-pw"
    pytester.makeini(
        f"[pytest]\nsynth_server_url = postgresql://app:{secret}@127.0.0.1:1/postgres\n"
    )
    pytester.makepyfile("def test_x(synth_database):\n    assert synth_database\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*synth_server_url (or $SYNTH_TEST_DATABASE_URL): cannot connect*"]
    )
    assert secret not in result.stdout.str() + result.stderr.str()
