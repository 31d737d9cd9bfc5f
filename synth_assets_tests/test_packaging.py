"""The package outside any checkout: a wheel built from this tree, installed into a fresh venv
in a folder of its own, finds its shipped personas and instance configs."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from synth_assets_tests.support.processes import ROOT

pytestmark = pytest.mark.xdist_group("wheel")
SHIPPED = {"family", "retiree", "small_business_owner", "student", "young_professional"}


@pytest.fixture
def fresh(developer) -> Path:
    """The python of a fresh venv holding the wheel, outside the checkout."""
    return developer / "python"


def _run(python: Path, code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "-c", code], cwd=cwd, capture_output=True, text=True,
        env={"PATH": str(python.parent), **env},
    )  # fmt: skip


def test_the_wheel_holds_the_shipped_personas_and_instance_configs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"synth_assets/configs/personas/{p}.yaml" for p in SHIPPED} <= names
    assert {"synth_assets/configs/dagster.yaml", "synth_assets/configs/dagster.local.yaml"} <= names
    # Every file of the package: its modules, dg.toml (which folder load_from_defs_folder
    # reads) and the app folder's templates.
    package = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "synth_assets").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert package <= names, sorted(package - names)


def test_installed_outside_the_checkout_it_loads_the_shipped_personas(fresh, tmp_path):
    code = (
        "import synth_assets.personas as p, synth_assets.shipped as s; "
        "print(s.personas()); print(sorted(p.load_personas()))"
    )
    result = _run(fresh, code, tmp_path)
    assert result.returncode == 0, result.stderr
    where, names = result.stdout.splitlines()
    assert "site-packages/synth_assets/configs/personas" in where
    assert not Path(where).is_relative_to(ROOT)
    assert eval(names) == sorted(SHIPPED)


def test_a_folder_without_persona_files_is_refused_naming_the_variable(fresh, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code = "import synth_assets.personas as p; p.load_personas()"
    result = _run(fresh, code, tmp_path, SYNTH_PERSONAS_DIR=str(empty))
    assert result.returncode != 0
    assert f"{empty} (SYNTH_PERSONAS_DIR): no persona files" in result.stderr
    assert "point SYNTH_PERSONAS_DIR at a folder of persona files" in result.stderr


def test_a_seeding_install_needs_no_ui_celery_or_dev_tools(wheel):
    """The webserver, Celery and dg are extras (ui, celery); a plain install seeds."""
    archive = zipfile.ZipFile(wheel)
    [metadata] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    requires = [
        line.removeprefix("Requires-Dist: ")
        for line in archive.read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    plain = {
        r.split(";")[0].split("=")[0].split(">")[0].strip() for r in requires if "extra" not in r
    }
    assert "dagster" in plain and "psycopg[binary]" in plain
    assert not plain & {"dagster-webserver", "dagster-celery", "dagster-dg-cli", "pytest", "redis"}
    extras = {r.split("extra ==")[1].strip(' "') for r in requires if "extra ==" in r}
    assert {"ui", "celery", "dev"} <= extras
