"""The CI recipes in examples/ci: GitHub Actions' `run:` steps run as written, in order,
against this suite's PostgreSQL in place of the service container, and its SQL assertions
fail on a database that breaks them; GitLab CI's `script:` runs the same commands with the
same settings."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres, target
from synth_assets.personas import load_personas
from synth_assets.testing import drop_database
from synth_assets_tests.support.database import other_database, query
from synth_assets_tests.support.processes import ROOT

RECIPES = ROOT / "examples" / "ci"
ASSERTIONS = "examples/ci/assertions.sql"


def _psql_folder() -> str:
    """Where psql is: the machine's, else the one the embedded server ships."""
    found = shutil.which("psql")
    if found:
        return str(Path(found).parent)
    import pgserver

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin")


def github_steps(path: Path) -> tuple[dict[str, str], list[str]]:
    """The job's environment and its `run:` steps, in order."""
    [job] = yaml.safe_load(path.read_text())["jobs"].values()
    return dict(job["env"]), [step["run"] for step in job["steps"] if "run" in step]


def gitlab_steps(path: Path) -> tuple[dict[str, str], list[str]]:
    """The job's variables and its `script:` lines, in order (`before_script` installs the
    PostgreSQL client, which the test finds on its own)."""
    [job] = [v for k, v in yaml.safe_load(path.read_text()).items() if isinstance(v, dict)]
    return dict(job["variables"]), list(job["script"])


@pytest.fixture
def service_database(database_url) -> Iterator[str]:
    """A database of this test's own standing in for the recipe's service container (never
    the recipe's own name, which a developer's server may hold), dropped afterwards."""
    url = other_database(database_url, f"synth_ci_{uuid.uuid4().hex[:8]}_test")
    try:
        yield url
    finally:
        drop_database(database_url, target.database_name(url))


def _runner_python(folder: Path) -> Path:
    """The ``bin`` of a venv standing in for the runner's Python: it sees the suite's
    packages (a .pth file), so the recipe's ``pip install -e .`` installs the project into
    it, and never reinstalls it in the suite's own venv under the other xdist worker."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    [site] = (folder / "lib").glob("python3*/site-packages")
    suite = [entry for entry in sys.path if entry.endswith("site-packages")]
    (site / "synth_suite_packages.pth").write_text("\n".join(suite) + "\n")
    return folder / "bin"


def _environment(
    variables: dict[str, str], workspace: Path, url: str, python: Path | None = None
) -> dict[str, str]:
    """The job's environment as the runner makes it: the workspace for ${{ github.workspace }}
    and $CI_PROJECT_DIR, GitLab's $VAR references expanded, the service's URL replaced, the
    runner's ``python`` first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNTH_", "DAGSTER_"))}
    env["CI_PROJECT_DIR"] = str(workspace)
    for name, value in variables.items():
        value = str(value).replace("${{ github.workspace }}", str(workspace))
        env[name] = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), value)
    env["SYNTH_DATABASE_URL"] = url
    first = [str(python)] if python else []
    bins = [*first, str(Path(sys.executable).parent), _psql_folder(), env["PATH"]]
    env["PATH"] = os.pathsep.join(bins)
    assert Path(env["DAGSTER_HOME"]).is_absolute(), env["DAGSTER_HOME"]
    return env


def _run(step: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-e", "-c", step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )


def test_the_github_recipe_seeds_and_asserts_as_written(service_database, tmp_path):
    variables, steps = github_steps(RECIPES / "github-actions.yml")
    assert any("asset materialize" in s for s in steps) and any(ASSERTIONS in s for s in steps)
    assert make_url(variables["SYNTH_DATABASE_URL"]).database.endswith("_test")
    url = service_database
    env = _environment(variables, tmp_path, url, _runner_python(tmp_path / "runner"))
    for step in steps:
        done = _run(step, env)
        assert done.returncode == 0, (step, done.stdout[-2000:], done.stderr[-3000:])
    assert re.search(r"seeded: \d+ users, \d+ transactions", done.stdout)
    [[users]] = query(url, "SELECT count(*) FROM users WHERE persona = 'student'")
    assert users >= 50
    # Another persona seeded as of another day beside it: every rule is the persona's own.
    retiree = Context(load_personas()["retiree"], as_of=LATER)
    postgres.replace_partition(url, "retiree", generate_all(retiree), as_of=LATER)
    assertions = next(s for s in steps if ASSERTIONS in s)
    done = _run(assertions, env)
    assert done.returncode == 0, done.stderr[-3000:]
    # The assertions can fail: each breakage, in a transaction of its own that is rolled back
    # when psql ends, is caught by its own rule.
    for breakage, message in BREAKAGES:
        assert message in assertions_sql(), message
        broken = _run(
            f'psql "$SYNTH_DATABASE_URL" -v ON_ERROR_STOP=1 -c BEGIN -c "{breakage}" -f {ASSERTIONS}',
            env,
        )
        assert broken.returncode != 0, breakage
        assert message in broken.stderr, (breakage, broken.stderr[-2000:])
    assert _run(assertions, env).returncode == 0, "a breakage was not rolled back"


def _commands(steps: list[str]) -> list[str]:
    """Each shell command of the steps, in order, its spacing normalised."""
    parts = (part for step in steps for line in step.splitlines() for part in line.split("&&"))
    return [" ".join(part.split()) for part in parts if part.strip()]


def test_the_gitlab_recipe_runs_the_same_commands_with_the_same_settings(tmp_path):
    """What the GitHub recipe's test ran is what GitLab runs: the same commands in the same
    order, the same as-of date and database, DAGSTER_HOME in the job's workspace."""
    github_vars, github = github_steps(RECIPES / "github-actions.yml")
    gitlab_vars, gitlab = gitlab_steps(RECIPES / "gitlab-ci.yml")
    assert _commands(gitlab) == _commands(github)
    # The same settings: GitLab's service container takes its password as a job variable.
    assert set(gitlab_vars) - {"POSTGRES_PASSWORD"} == set(github_vars)
    same = set(github_vars) - {"DAGSTER_HOME", "SYNTH_DATABASE_URL"}
    assert {k: str(gitlab_vars[k]) for k in same} == {k: str(github_vars[k]) for k in same}
    github_url, gitlab_url = (make_url(v["SYNTH_DATABASE_URL"]) for v in (github_vars, gitlab_vars))
    assert (gitlab_url.database, gitlab_url.port) == (github_url.database, github_url.port)
    for variables in (github_vars, gitlab_vars):
        env = _environment(variables, tmp_path, "postgresql://unused@127.0.0.1/x_test")
        assert env["DAGSTER_HOME"] == str(tmp_path / ".dagster_home")


LATER = dt.date(2026, 11, 27)  # the recipe seeds student as of 2026-11-20


def assertions_sql() -> str:
    return (ROOT / ASSERTIONS).read_text()


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
