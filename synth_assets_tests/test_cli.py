"""The command lines a user and CI run: `dagster asset materialize -m synth_assets ...`, and
Dagster's current CLI, `dg check defs`, `dg list defs` and `dg launch`."""

import json
import os
import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner
from dagster_dg_cli.cli import cli as dg_cli

from synth_assets.checks import registry
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import schema
from synth_assets_tests.support.database import other_database, stored_rows
from synth_assets_tests.support.processes import BIN, ROOT
from synth_assets_tests.support.runs import AS_OF, LIGHT, LIGHT_DIR, light_persona


def _run(
    program: str, args: list[str], database_url: str, home: Path, **env: str
) -> subprocess.CompletedProcess:
    """``program`` as a user runs it from the project: DAGSTER_HOME with the shipped
    instance config, the light persona's folder (the commands, not the rows, are tested)."""
    home.mkdir(exist_ok=True)
    shutil.copy(ROOT / "configs" / "dagster.local.yaml", home / "dagster.yaml")
    environment = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SYNTH_DATABASE_URL": database_url,
        "SYNTH_AS_OF": AS_OF.isoformat(),
        "SYNTH_EXPORT_DIR": str(home / "exports"),
        "SYNTH_PERSONAS_DIR": str(LIGHT_DIR),
        "COLUMNS": "200",
        **env,
    }
    return subprocess.run(
        [str(BIN / program), *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


MATERIALIZE = ["asset", "materialize", "-m", "synth_assets", "--select", "*"]


def _stored_as_generated(url: str) -> None:
    frames = generate_all(Context(light_persona(), as_of=AS_OF))
    for table in schema.TABLE_NAMES:
        assert stored_rows(url, table, LIGHT) == len(frames[table]), table


def test_cli_materializes_one_persona(database_url, tmp_path):
    url = other_database(database_url, "synth_cli_test")
    done = _run("dagster", [*MATERIALIZE, "--partition", LIGHT], url, tmp_path / "home")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RUN_SUCCESS" in done.stderr
    assert "ASSET_CHECK_EVALUATION" in done.stderr
    _stored_as_generated(url)


def test_cli_rejects_an_unknown_persona(database_url, tmp_path):
    done = _run("dagster", [*MATERIALIZE, "--partition", "nobody"], database_url, tmp_path / "home")
    assert done.returncode != 0
    assert "nobody" in done.stderr


def _dg(*args: str) -> str:
    """``dg`` run in this process (its definitions load in process): the output."""
    done = CliRunner().invoke(dg_cli, [*args, "--target-path", str(ROOT)], catch_exceptions=False)
    assert done.exit_code == 0, done.output[-3000:]
    return done.output


def test_dg_checks_and_lists_the_definitions(monkeypatch, tmp_path):
    monkeypatch.setenv("DAGSTER_IS_DEFS_VALIDATION_CLI", "")  # dg check sets it: undone after
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # not the developer's instance
    assert "All definitions loaded successfully" in _dg("check", "defs")
    defs = json.loads(_dg("list", "defs", "--json"))
    assets = {asset["asset_key"] for asset in defs["assets"]}
    assert assets == {*schema.TABLE_NAMES, "postgres_tables", "exports"}
    assert "refresh_all_personas" in {job["name"] for job in defs["jobs"]}
    checks = {(check["asset_key"], check["name"]) for check in defs["asset_checks"]}
    assert checks == {(rule.table, rule.check) for rule in registry.RULES}


def test_dg_launch_loads_one_persona(database_url, tmp_path):
    url = other_database(database_url, "synth_dg_test")
    done = _run("dg", ["launch", "--assets", "*", "--partition", LIGHT], url, tmp_path / "home")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RUN_SUCCESS" in done.stderr
    _stored_as_generated(url)
