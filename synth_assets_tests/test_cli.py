"""The command line a user and CI run: `dagster asset materialize -m synth_assets ...`."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from synth_assets.load import schema
from synth_assets_tests.conftest import AS_OF, stored_rows

ROOT = Path(__file__).resolve().parent.parent
DAGSTER = str(Path(sys.executable).parent / "dagster")


def _run(args: list[str], database_url: str, home: Path) -> subprocess.CompletedProcess:
    home.mkdir(exist_ok=True)
    shutil.copy(ROOT / "configs" / "dagster.local.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SYNTH_DATABASE_URL": database_url,
        "SYNTH_AS_OF": AS_OF.isoformat(),
        "SYNTH_EXPORT_DIR": str(home / "exports"),
    }
    return subprocess.run(
        [DAGSTER, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


MATERIALIZE = ["asset", "materialize", "-m", "synth_assets", "--select", "not group:bulk"]


def test_cli_materializes_one_persona(database_url, frames, tmp_path):
    persona = "family"
    done = _run(
        [*MATERIALIZE, "--partition", persona],
        database_url,
        tmp_path / "home",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RUN_SUCCESS" in done.stderr
    assert "ASSET_CHECK_EVALUATION" in done.stderr
    assert "postgres_tables_bulk" not in done.stderr  # the large-persona path is separate
    for table in schema.TABLE_NAMES:
        assert stored_rows(database_url, table, persona) == len(frames[persona][table]), table


def test_cli_rejects_an_unknown_persona(database_url, tmp_path):
    done = _run(
        [*MATERIALIZE, "--partition", "nobody"],
        database_url,
        tmp_path / "home",
    )
    assert done.returncode != 0
    assert "nobody" in done.stderr
