"""The CI recipes in examples/ci, in an app's repository: a throwaway repository outside this
checkout, its synth/ folder written by ``python -m synth_assets init`` from the built wheel, and
a fresh venv standing in for the runner, where the recipe installs the pinned wheel. GitHub
Actions' `run:` steps run as written, in order, against this suite's PostgreSQL in place of the
service container, and the shipped SQL assertions fail on a database that breaks them; GitLab
CI's `script:` runs the same commands with the same settings. Then the whole of an app's use:
a persona the app adds is seeded with `dg launch`, and its own pytest run uses the plugin with
the README's ini pasted as it stands."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from synth_assets import scaffold
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres, target
from synth_assets.personas import load_personas
from synth_assets.testing import drop_database
from synth_assets_tests.support.database import other_database, query
from synth_assets_tests.support.processes import ROOT
from synth_assets_tests.support.runs import AS_OF, LIGHT_DIR
from synth_assets_tests.support.wheel import fresh_venv
from synth_assets_tests.test_testing_plugin import readme_blocks

pytestmark = pytest.mark.xdist_group("wheel")
RECIPES = ROOT / "examples" / "ci"
APP = "synth"  # the folder the recipes' header has the app make with init
ASSERTIONS = "assertions.sql"


def _psql_folder() -> str:
    """Where psql is: the machine's, else the one the embedded server ships."""
    found = shutil.which("psql")
    if found:
        return str(Path(found).parent)
    import pgserver

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin")


def github_steps(path: Path) -> tuple[dict[str, str], str, list[str]]:
    """The job's environment, the folder its steps run in, and its `run:` steps, in order."""
    [job] = yaml.safe_load(path.read_text())["jobs"].values()
    folder = job.get("defaults", {}).get("run", {}).get("working-directory", ".")
    return dict(job["env"]), folder, [step["run"] for step in job["steps"] if "run" in step]


def gitlab_steps(path: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """The job's variables, its `before_script` and its `script:` lines, in order."""
    [job] = [v for k, v in yaml.safe_load(path.read_text()).items() if isinstance(v, dict)]
    return dict(job["variables"]), list(job["before_script"]), list(job["script"])


@pytest.fixture
def service_database(database_url) -> Iterator[str]:
    """A database of this test's own standing in for the recipe's service container (never
    the recipe's own name, which a developer's server may hold), dropped afterwards."""
    url = other_database(database_url, f"synth_ci_{uuid.uuid4().hex[:8]}_test")
    try:
        yield url
    finally:
        drop_database(database_url, target.database_name(url))


@pytest.fixture
def app_repo(tmp_path, developer) -> Path:
    """A throwaway app repository whose synth/ folder ``init`` wrote, as the recipes ask."""
    repo = tmp_path / "app"
    repo.mkdir()
    done = subprocess.run(
        [developer / "python", "-m", "synth_assets", "init", APP],
        cwd=repo, capture_output=True, text=True, env=_clean_environment(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not repo.is_relative_to(ROOT)
    return repo


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SYNTH_", "DAGSTER_"))}


def _environment(
    variables: dict[str, str],
    workspace: Path,
    url: str,
    runner: Path | None = None,
    wheel: Path | None = None,
) -> dict[str, str]:
    """The job's environment as the runner makes it: the workspace for $CI_PROJECT_DIR,
    GitLab's $VAR references expanded, the service's URL replaced, the runner's ``bin``
    first on PATH, and pip pointed at the built wheel in place of the team's index."""
    env = _clean_environment()
    env["CI_PROJECT_DIR"] = str(workspace)
    for name, value in variables.items():
        env[name] = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), str(value))
    env["SYNTH_DATABASE_URL"] = url
    if wheel is not None:
        env.update(PIP_FIND_LINKS=str(wheel.parent), PIP_NO_INDEX="1")
    first = [str(runner)] if runner else []
    env["PATH"] = os.pathsep.join([*first, _psql_folder(), env["PATH"]])
    return env


def _run(step: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-e", "-c", step], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )


def test_the_github_recipe_seeds_and_asserts_as_written(
    service_database, app_repo, wheel, tmp_path
):
    variables, folder, steps = github_steps(RECIPES / "github-actions.yml")
    assert any("asset materialize" in s for s in steps) and any(ASSERTIONS in s for s in steps)
    assert make_url(variables["SYNTH_DATABASE_URL"]).database.endswith("_test")
    assert "DAGSTER_HOME" not in variables  # the app folder's dagster.yaml is enough
    url = service_database
    runner = fresh_venv(tmp_path / "runner")  # the wheel comes from the recipe's install
    env = _environment(variables, app_repo, url, runner, wheel)
    where = app_repo / folder
    for step in steps:
        done = _run(step, env, where)
        assert done.returncode == 0, (step, done.stdout[-2000:], done.stderr[-3000:])
    assert re.search(r"seeded: \d+ users, \d+ transactions", done.stdout)
    installed = subprocess.run(
        [runner / "python", "-c", "import synth_assets; print(synth_assets.__file__)"],
        capture_output=True, text=True, check=True, cwd=where,
    ).stdout  # fmt: skip
    assert installed.startswith(str(runner.parent)), installed  # the wheel, not the checkout
    [[users]] = query(url, "SELECT count(*) FROM users WHERE persona = 'student'")
    assert users >= 50
    # Another persona seeded as of another day beside it: every rule is the persona's own.
    retiree = Context(load_personas()["retiree"], as_of=LATER)
    postgres.replace_partition(url, "retiree", generate_all(retiree), as_of=LATER)
    assertions = next(s for s in steps if ASSERTIONS in s)
    done = _run(assertions, env, where)
    assert done.returncode == 0, done.stderr[-3000:]
    # The assertions can fail: each breakage, in a transaction of its own that is rolled back
    # when psql ends, is caught by its own rule.
    for breakage, message in BREAKAGES:
        assert message in assertions_sql(), message
        broken = _run(
            f'psql "$SYNTH_DATABASE_URL" -v ON_ERROR_STOP=1 -c BEGIN -c "{breakage}" -f {ASSERTIONS}',
            env,
            where,
        )
        assert broken.returncode != 0, breakage
        assert message in broken.stderr, (breakage, broken.stderr[-2000:])
    assert _run(assertions, env, where).returncode == 0, "a breakage was not rolled back"


def _commands(steps: list[str]) -> list[str]:
    """Each shell command of the steps, in order, its spacing normalised."""
    parts = (part for step in steps for line in step.splitlines() for part in line.split("&&"))
    return [" ".join(part.split()) for part in parts if part.strip()]


def test_the_gitlab_recipe_runs_the_same_commands_with_the_same_settings():
    """What the GitHub recipe's test ran is what GitLab runs: the same commands in the same
    order, in the same folder, with the same as-of date and database."""
    github_vars, folder, github = github_steps(RECIPES / "github-actions.yml")
    gitlab_vars, before, gitlab = gitlab_steps(RECIPES / "gitlab-ci.yml")
    assert _commands(gitlab) == _commands(github)
    assert before[-1] == f"cd {folder}"
    # The same settings: GitLab's service container takes its password as a job variable.
    assert set(gitlab_vars) - {"POSTGRES_PASSWORD"} == set(github_vars)
    same = set(github_vars) - {"SYNTH_DATABASE_URL"}
    assert {k: str(gitlab_vars[k]) for k in same} == {k: str(github_vars[k]) for k in same}
    github_url, gitlab_url = (make_url(v["SYNTH_DATABASE_URL"]) for v in (github_vars, gitlab_vars))
    assert (gitlab_url.database, gitlab_url.port) == (github_url.database, github_url.port)


def test_an_app_seeds_a_persona_it_added_and_its_own_tests_use_its_personas(
    app_repo, developer, database_url
):
    """In the app's folder, with no SYNTH_ or DAGSTER_ variable but the database's: a persona
    file the app adds is a partition `dg launch` seeds, and a pytest run with the README's
    ini pasted as it stands gets the app's own edit of its persona."""
    folder = app_repo / APP
    added = folder / "personas" / "night_owl.yaml"
    added.write_text(
        (LIGHT_DIR / "light.yaml").read_text().replace("name: light", "name: night_owl")
    )
    student = folder / "personas" / "student.yaml"
    student.write_text(re.sub(r"(?m)^users: \d+$", "users: 17", student.read_text()))
    url = other_database(database_url, "synth_app_repo_test")
    env = {**_clean_environment(), "SYNTH_DATABASE_URL": url, "SYNTH_AS_OF": AS_OF.isoformat()}
    env["PATH"] = os.pathsep.join([str(developer), env["PATH"]])
    launched = subprocess.run(
        ["dg", "launch", "--assets", "*", "--partition", "night_owl"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stderr[-3000:]
    checked = subprocess.run(
        ["dg", "check", "defs"], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stderr[-3000:]  # as dg dev loads it
    [[users]] = query(url, "SELECT count(*) FROM users WHERE persona = 'night_owl'")
    assert users == 501  # its 500 users and its fixed one
    blocks = readme_blocks("Seed your own tests")
    (folder / "pytest.ini").write_text(blocks["ini"])
    name = re.search(r"# (test_\w+)\.py", blocks["python"]).group(1)
    (folder / f"{name}.py").write_text(blocks["python"])
    (folder / "test_the_apps_persona.py").write_text(APPS_PERSONA_TEST)
    env = {**_clean_environment(), "SYNTH_TEST_DATABASE_URL": database_url}
    tested = subprocess.run(
        [developer / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert tested.returncode == 0, tested.stdout[-3000:]
    assert "2 passed" in tested.stdout, tested.stdout[-2000:]


APPS_PERSONA_TEST = """
import psycopg


def test_the_database_holds_the_apps_student(synth_database):
    with psycopg.connect(synth_database) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 17
"""


LATER = dt.date(2026, 11, 27)  # the recipe seeds student as of 2026-11-20


def assertions_sql() -> str:
    return (scaffold.TEMPLATE / ASSERTIONS).read_text()


# Each one on the seeded student; the hostile tester's list, and what the first rules caught.
ONE_ACCOUNT = "SELECT account_id FROM accounts WHERE persona = 'student' AND type = '{}' LIMIT 1"
BREAKAGES = [
    (
        f"UPDATE accounts SET balance_current = NULL WHERE account_id = ({ONE_ACCOUNT.format('depository')})",
        "a balance that does not add up",
    ),
    (
        "UPDATE accounts SET balance_current = balance_current + 500, "
        "balance_available = balance_available - 500 WHERE type = 'credit'",
        "a balance that does not add up",
    ),
    (
        "UPDATE accounts SET balance_current = 0 WHERE type = 'loan'",
        "a balance that does not add up",
    ),
    (
        "UPDATE accounts SET balance_available = 10 * balance_limit WHERE type = 'credit'",
        "a card whose available credit is not its limit less what it owes",
    ),
    (
        "UPDATE transactions SET amount = -amount WHERE account_id IN "
        "(SELECT account_id FROM accounts WHERE type = 'credit') "
        "AND payment_channel IN ('in store', 'online')",
        "a balance that does not add up",  # and its purchases bring money in
    ),
    (
        "UPDATE transactions SET amount = -amount WHERE persona = 'student' "
        "AND payment_channel IN ('in store', 'online') AND pending",
        "a purchase that brought money in",
    ),
    (
        "UPDATE transactions SET authorized_date = date + 30 WHERE transaction_id = "
        "(SELECT transaction_id FROM transactions WHERE persona = 'student' LIMIT 1)",
        "a transaction authorised after it posted",
    ),
    (
        "INSERT INTO transactions SELECT (jsonb_populate_record(t, jsonb_build_object("
        "'transaction_id', t.pending_transaction_id, 'pending', true, "
        "'pending_transaction_id', null))).* FROM transactions t "
        "WHERE t.persona = 'student' AND t.pending_transaction_id IS NOT NULL "
        "ORDER BY t.date DESC LIMIT 1",
        "a pending transaction still there beside its posted one",
    ),
    (
        "DELETE FROM transaction_changes WHERE persona = 'student'",
        "a persona without its transaction changes of the day",
    ),
    (
        "DELETE FROM liabilities WHERE persona = 'student'",
        "a credit or loan account without its liability",
    ),
    (
        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status = 'completed' LIMIT 1)",
        "a content item without its completed job",
    ),
]
