"""The command lines a user and CI run: `dagster asset materialize -m synth_assets ...`, and
Dagster's current CLI, `dg check defs`, `dg list defs` and `dg launch`."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from synth_assets.checks import registry
from synth_assets.load import schema
from synth_assets_tests.conftest import AS_OF, stored_rows

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(
    program: str, args: list[str], database_url: str, home: Path
) -> subprocess.CompletedProcess:
    home.mkdir(exist_ok=True)
    shutil.copy(ROOT / "configs" / "dagster.local.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SYNTH_DATABASE_URL": database_url,
        "SYNTH_AS_OF": AS_OF.isoformat(),
        "SYNTH_EXPORT_DIR": str(home / "exports"),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [str(BIN / program), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


MATERIALIZE = ["asset", "materialize", "-m", "synth_assets", "--select", "*"]


def _stored_as_generated(database_url: str, frames, persona: str) -> None:
    for table in schema.TABLE_NAMES:
        assert stored_rows(database_url, table, persona) == len(frames[persona][table]), table


def test_cli_materializes_one_persona(database_url, frames, tmp_path):
    persona = "family"
    done = _run("dagster", [*MATERIALIZE, "--partition", persona], database_url, tmp_path / "home")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RUN_SUCCESS" in done.stderr
    assert "ASSET_CHECK_EVALUATION" in done.stderr
    _stored_as_generated(database_url, frames, persona)


def test_cli_rejects_an_unknown_persona(database_url, tmp_path):
    done = _run("dagster", [*MATERIALIZE, "--partition", "nobody"], database_url, tmp_path / "home")
    assert done.returncode != 0
    assert "nobody" in done.stderr


def test_dg_checks_and_lists_the_definitions(database_url, tmp_path):
    checked = _run("dg", ["check", "defs"], database_url, tmp_path / "home")
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "All definitions loaded successfully" in checked.stdout + checked.stderr
    listed = _run("dg", ["list", "defs", "--json"], database_url, tmp_path / "home")
    assert listed.returncode == 0, listed.stderr[-3000:]
    defs = json.loads(listed.stdout)
    assets = {asset["asset_key"] for asset in defs["assets"]}
    assert assets == {*schema.TABLE_NAMES, "postgres_tables", "exports"}
    assert "refresh_all_personas" in {job["name"] for job in defs["jobs"]}
    checks = {(check["asset_key"], check["name"]) for check in defs["asset_checks"]}
    assert checks == {(rule.table, rule.check) for rule in registry.RULES}


def test_dg_launch_loads_one_persona(database_url, frames, tmp_path):
    persona = "retiree"
    done = _run(
        "dg", ["launch", "--assets", "*", "--partition", persona], database_url, tmp_path / "home"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RUN_SUCCESS" in done.stderr
    _stored_as_generated(database_url, frames, persona)
