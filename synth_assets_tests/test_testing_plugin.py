"""The pytest plugin apps use (synth_assets.testing): each test gets a database of its own,
cloned from a template loaded once, that it may write freely; bad settings are refused by
name. One real pytest run (pytester) of an app's tests on a fresh machine; the rest through
the plugin's functions, on one template."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from synth_assets import testing
from synth_assets.load import embedded, target
from synth_assets_tests.support.database import (
    on_database,
    other_database,
    public_tables,
    query,
    worker_name,
)
from synth_assets_tests.support.processes import ROOT, wait_for
from synth_assets_tests.support.runs import AS_OF, LIGHT, LIGHT_DIR

pytest_plugins = ["pytester"]
# Its module fixture is costly: the module's tests share one xdist worker.
pytestmark = pytest.mark.xdist_group(__name__)

VICTIM = "synth_victim_test"
APP_TESTS = """
import psycopg
import pytest


@pytest.mark.parametrize("n", range(3))
def test_each_test_starts_from_the_same_rows_and_may_write(synth_database, n, tmp_path):
    with psycopg.connect(synth_database) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == {users}
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == {jobs}
        conn.execute("DELETE FROM jobs")  # this test's own copy: the next one is whole
        conn.execute("UPDATE users SET first_name = 'Test' || %s", (str(n),))
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 0
        assert conn.execute("SELECT pg_catalog.current_database()").fetchone()[0].endswith("_test")
    assert tmp_path.is_dir()  # pytest's temporary root, which this session resets
"""


@pytest.fixture
def scratch_folder() -> Iterator[Path]:
    """An empty folder outside pytest's temporary root, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="synth_scratch_"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _settings(**chosen: str) -> dict[str, str]:
    """The plugin's settings as ``settings_from`` gives them: defaults, then ``chosen``."""
    return {name: default for name, (_, default, _) in testing.INI.items()} | chosen


def _plugin_databases(url: str) -> set[str]:
    rows = query(
        url, "SELECT datname FROM pg_database WHERE datname ~ '^synth_(tpl_.*|[0-9a-f]{12})_test$'"
    )
    return {name for (name,) in rows}


@pytest.fixture(scope="module")
def template(database_url: str) -> Iterator[testing.Template]:
    """One template of retiree for the module, made through a server URL whose ``?dbname=``
    names another database (libpq would follow it): it must be ignored. Dropped at the end,
    which the teardown checks."""
    victim = other_database(database_url, VICTIM)
    joiner = "&" if "?" in database_url else "?"
    server = f"{database_url}{joiner}dbname={worker_name(VICTIM)}"
    chosen = _settings(synth_persona="retiree", synth_as_of=str(AS_OF), synth_server_url=server)
    with testing.template_database(chosen) as made:
        assert public_tables(victim) == 0, "the plugin wrote into a database it did not create"
        yield made
    assert made.name not in _plugin_databases(database_url), "the template was left behind"


def test_each_test_gets_a_fresh_database_it_may_write(template, database_url, frames):
    retiree = frames["retiree"]
    made = []
    for n in range(3):
        with testing.cloned_database(template) as url, psycopg.connect(url) as conn:
            made.append(target.database_name(url))
            assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == len(retiree["users"])
            assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == len(retiree["jobs"])
            conn.execute("DELETE FROM jobs")  # this test's own copy: the next one is whole
            conn.execute("UPDATE users SET first_name = 'Test' || %s", (str(n),))
            assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 0
            assert target.current_database(conn).endswith("_test")
    assert len(set(made)) == 3
    assert not set(made) & _plugin_databases(database_url), "the plugin left databases behind"


def test_an_unknown_persona_is_a_usage_error():
    with pytest.raises(
        pytest.UsageError,
        match=r"synth_persona \(or \$SYNTH_TEST_PERSONA\): unknown persona 'nobody'; known: family, ",
    ):
        testing.generation_context(_settings(synth_persona="nobody"))


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
    pytester,
    monkeypatch,
    scratch_folder,
    tmp_path_factory,
    frames,
    database_url,
    suite_server_folder,
):
    """An app's pytest run, end to end, as on a fresh machine: settings from its ini file,
    an embedded server of its own, three tests each writing its own database. It shares this
    session's temporary root, which it closes to other users (pytest does so on every start
    when the root is open, as the embedded server's own folder needs its parents): this
    session's server, when it runs one, still starts and answers, as its folder is elsewhere."""
    monkeypatch.delenv("SYNTH_TEST_DATABASE_URL", raising=False)
    scratch = scratch_folder  # where the plugin's server folder goes: not under the root
    monkeypatch.setenv("TMPDIR", str(scratch))
    [root] = [p for p in tmp_path_factory.getbasetemp().parents if p.name.startswith("pytest-of-")]
    monkeypatch.setenv("PYTEST_DEBUG_TEMPROOT", str(root.parent))
    root.chmod(0o755)  # open, as pgserver leaves a folder's parents for its server's user
    pytester.makeini(f"[pytest]\nsynth_persona = retiree\nsynth_as_of = {AS_OF}\n")
    retiree = frames["retiree"]
    pytester.makepyfile(APP_TESTS.format(users=len(retiree["users"]), jobs=len(retiree["jobs"])))
    # Not runpytest_subprocess, which gives the run a --basetemp of its own.
    result = pytester.run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert not list(scratch.glob("synth_pg_*")), "the plugin's server folder was left behind"
    assert root.stat().st_mode & 0o077 == 0, "the other session did not close the root"
    if suite_server_folder is not None:  # its server's user must still reach its folder
        assert root not in suite_server_folder.parents
        assert embedded.stop(suite_server_folder / "pg")
        embedded.embedded_url(suite_server_folder / "pg", target.database_name(database_url))
    assert query(database_url, "SELECT 1") == [(1,)]


def test_a_dbname_parameter_cannot_redirect_the_plugin(template, database_url):
    """libpq lets ``?dbname=`` override the URL's database: neither the template (made
    through such a URL) nor a test's database may land in the database it names."""
    assert "dbname=" in template.server
    with testing.cloned_database(template) as url, psycopg.connect(url) as conn:
        name = conn.execute("SELECT pg_catalog.current_database()").fetchone()[0]
    assert name not in (worker_name(VICTIM), template.name)
    assert public_tables(on_database(database_url, worker_name(VICTIM))) == 0


def test_a_bad_setting_is_refused_by_its_name(database_url):
    before = _plugin_databases(database_url)
    chosen = _settings(synth_scale="-1", synth_server_url=database_url)
    with (
        pytest.raises(pytest.UsageError, match=r"synth_scale \(or \$SYNTH_SCALE\):"),
        testing.template_database(chosen),
    ):
        pass
    assert _plugin_databases(database_url) == before


def test_an_unusable_server_url_is_refused_by_its_name():
    secret = "s3cr3t-pw"
    url = f"postgresql://app:{secret}@127.0.0.1:1/postgres"
    with (
        pytest.raises(pytest.fail.Exception) as failed,
        testing.template_database(_settings(synth_server_url=url)),
    ):
        pass
    message = str(failed.value)
    assert message.startswith("synth_server_url (or $SYNTH_TEST_DATABASE_URL): cannot connect")
    assert not failed.value.pytrace, "a traceback would show the URL among its arguments"
    assert secret not in message


def test_settings_come_from_the_ini_file_else_the_environment_else_defaults(pytester, monkeypatch):
    for variable, _, _ in testing.INI.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("SYNTH_SCALE", "3")
    monkeypatch.setenv("SYNTH_TEST_PERSONA", "family")
    url = "postgresql://app:Sup3rS3cretPW@127.0.0.1:5432/postgres"
    pytester.makeini(f"[pytest]\nsynth_persona = retiree\nsynth_server_url = {url}\n")
    chosen = testing.settings_from(pytester.parseconfig())
    assert chosen == {
        "synth_persona": "retiree",  # the ini file's, over $SYNTH_TEST_PERSONA
        "synth_scale": "3",  # the variable's
        "synth_seed": "42",  # the default
        "synth_as_of": "",
        "synth_server_url": url,
        "synth_personas_dir": "",
    }
    assert "Sup3rS3cretPW" not in repr(chosen), "the server's password is in the settings' repr"


def test_the_ini_names_a_persona_folder_relative_to_itself(pytester, monkeypatch):
    """An app whose tests run from its repository's root, with its personas in synth/."""
    monkeypatch.delenv("SYNTH_PERSONAS_DIR", raising=False)
    folder = pytester.path / "synth" / "personas"
    folder.mkdir(parents=True)
    light = (LIGHT_DIR / f"{LIGHT}.yaml").read_text()
    (folder / "night_owl.yaml").write_text(light.replace(f"name: {LIGHT}", "name: night_owl"))
    pytester.makeini("[pytest]\nsynth_persona = night_owl\nsynth_personas_dir = synth/personas\n")
    chosen = testing.settings_from(pytester.parseconfig())
    assert chosen["synth_personas_dir"] == str(folder)
    assert testing.generation_context(chosen).persona.name == "night_owl"


FAILING_APP_TESTS = """
import os
import time
from pathlib import Path


def test_a_failure_shows_no_password(synth_database):
    assert synth_database == "another database"


def test_killed_while_it_runs(synth_database):
    Path(os.environ["SYNTH_TEST_RUNNING"]).write_text(synth_database)
    time.sleep(120)
"""


def test_a_failing_test_shows_no_password_and_sigterm_leaves_no_database(
    pytester, monkeypatch, database_url
):
    """An app's tests with a password in the server URL, run with long tracebacks and their
    locals: the failing comparison and its frames show the URL masked. The run is then
    stopped with SIGTERM (a CI runner cancelling) while a test holds its database: the
    template and the test's database are dropped, as on Ctrl-C."""
    secret = "Sup3rS3cretPW"
    server = make_url(database_url).set(password=secret).render_as_string(hide_password=False)
    running = pytester.path / "running"
    monkeypatch.setenv("SYNTH_TEST_RUNNING", str(running))
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(LIGHT_DIR))  # the light persona: cheap
    pytester.makeini(
        f"[pytest]\nsynth_persona = {LIGHT}\nsynth_as_of = {AS_OF}\nsynth_server_url = {server}\n"
    )
    pytester.makepyfile(FAILING_APP_TESTS)
    before = _plugin_databases(database_url)
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--tb=long", "-l", "-rA"],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wait_for(running.exists, 120, "the second test to hold its database")
    clone = target.database_name(running.read_text())
    assert clone in _plugin_databases(database_url)
    run.send_signal(signal.SIGTERM)
    output = run.communicate(timeout=120)[0].decode()
    assert "test_a_failure_shows_no_password FAILED" in output or "1 failed" in output, output
    assert "synth_database = " in output  # the fixture's value is shown, masked
    assert secret not in output
    assert "KeyboardInterrupt" in output, output[-2000:]
    left = _plugin_databases(database_url) - before
    assert clone not in left and not left, f"SIGTERM left the plugin's databases {left}"


def readme_blocks(section: str) -> dict[str, str]:
    """The fenced blocks of one README section, by the language their fence names."""
    text = (ROOT / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"```(\w+)\n(.*?)```", body, flags=re.DOTALL))


def test_the_readme_example_passes_as_it_stands(pytester, monkeypatch, database_url):
    """The README's ini and test, pasted as they stand (an inline comment in the ini once
    became part of the persona's name), run by pytest on this session's server."""
    blocks = readme_blocks("Seed your own tests")
    assert set(blocks) == {"ini", "python"}
    monkeypatch.setenv("SYNTH_TEST_DATABASE_URL", database_url)
    pytester.makefile(".ini", pytest=blocks["ini"])
    name = re.search(r"# (test_\w+)\.py", blocks["python"]).group(1)
    pytester.makepyfile(**{name: blocks["python"]})
    result = pytester.run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
