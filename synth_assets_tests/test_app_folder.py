"""The app-side folder: ``init`` writes it and refuses to overwrite; commands run in it read
its personas; a malformed persona file is refused alone, by file and field, and an unknown
persona is refused listing the known ones."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import materialize

from synth_assets import app_folder, personas, plan, scaffold, settings, shipped
from synth_assets.__main__ import main as cli
from synth_assets.checks import registry
from synth_assets.definitions import ALL_ASSETS
from synth_assets.defs.failure_policy import NOTHING_CHANGED
from synth_assets.defs.partitions import persona_partitions_from
from synth_assets_tests.support.database import other_database, stored_rows
from synth_assets_tests.support.runs import AS_OF, resources_for

SHIPPED = sorted(p.stem for p in shipped.personas().glob("*.yaml"))


@pytest.fixture
def app(tmp_path, monkeypatch) -> Path:
    """An app folder made by ``init``, the working folder, with no SYNTH_PERSONAS_DIR."""
    monkeypatch.delenv(personas.PERSONAS_DIR, raising=False)
    folder = tmp_path / "repo" / "synth"
    scaffold.init(folder, "9.9.9")
    monkeypatch.chdir(folder)
    return folder


def test_init_writes_the_app_folder(app):
    names = {p.relative_to(app).as_posix() for p in app.rglob("*") if p.is_file()}
    expected = {f"personas/{name}.yaml" for name in SHIPPED} | {
        "synth_assets.yaml", "dagster.yaml", "dg.toml", "workspace.yaml", "README.md",
        "requirements.txt", "assertions.sql", ".gitignore", "synth_location/__init__.py",
        "synth_location/definitions.py",
    }  # fmt: skip
    assert names == expected
    assert "synth_assets==9.9.9" in (app / "requirements.txt").read_text().splitlines()
    assert "run_monitoring" in (app / "dagster.yaml").read_text()
    for name in SHIPPED:
        shipped_file = shipped.personas() / f"{name}.yaml"
        assert (app / "personas" / f"{name}.yaml").read_bytes() == shipped_file.read_bytes()


def test_init_overwrites_nothing_and_writes_nothing_when_one_file_is_there(tmp_path, capsys):
    folder = tmp_path / "synth"
    (folder / "personas").mkdir(parents=True)
    (folder / "personas" / "student.yaml").write_text("the app's own\n")
    (folder / "README.md").write_text("the app's readme\n")
    assert cli(["init", str(folder)]) == 2
    error = capsys.readouterr().err
    assert "README.md, personas/student.yaml" in error and "nothing written" in error
    assert sorted(p.name for p in folder.rglob("*")) == ["README.md", "personas", "student.yaml"]
    assert (folder / "README.md").read_text() == "the app's readme\n"


def test_init_refuses_a_path_that_is_not_a_folder_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(scaffold.ScaffoldError, match="exists and is not a folder"):
        scaffold.init(blocker, "1")
    with pytest.raises(scaffold.ScaffoldError, match="cannot be written"):
        scaffold.init(blocker / "below", "1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_commands_in_the_app_folder_read_its_personas_and_nowhere_else(app, monkeypatch):
    """The working folder only: below it, dagster.yaml, .env and the exports would be another
    folder's, so its personas are not taken either."""
    assert personas.personas_dir() == app / "personas"
    below = app / "deeper"
    below.mkdir()
    monkeypatch.chdir(below)
    assert personas.personas_dir() == shipped.personas()
    monkeypatch.chdir(app)
    added = app / "personas" / "night_owl.yaml"
    added.write_text(
        (app / "personas" / "student.yaml").read_text().replace("student", "night_owl")
    )
    assert "night_owl" in persona_partitions_from().get_partition_keys()
    assert settings.run_environment()[personas.PERSONAS_DIR] == str(app / "personas")
    # The environment still overrides.
    monkeypatch.setenv(personas.PERSONAS_DIR, str(shipped.personas()))
    assert personas.persona_names() == SHIPPED


@pytest.mark.parametrize(
    ("marker", "named"),
    [
        ("personas: [a, b]\n", "personas: Input should be a valid string"),
        ("folders: x\n", "folders: Extra inputs are not permitted"),
        ("personas: ''\n", "personas: String should have at least 1 character"),
        ("personas: {{\n", "not valid YAML"),
        ("- a list\n", "expected a mapping of settings (personas: FOLDER)"),
        ("personas: !!int abc\n", "not valid YAML: ValueError"),
        ("personas: !!timestamp 2025-02-30\n", "not valid YAML: ValueError"),
        ("personas: " + "[" * 5000 + "]" * 5000 + "\n", "not valid YAML"),
        ("personas: a\npersonas: b\n", "found the key 'personas' twice"),
    ],
)
def test_a_marker_it_cannot_use_is_refused_naming_file_and_field(app, marker, named):
    (app / app_folder.MARKER).write_text(marker)
    with pytest.raises(personas.PersonaError) as refused:
        personas.personas_dir()
    assert str(app / app_folder.MARKER) in str(refused.value)
    assert named in str(refused.value)


def test_an_empty_persona_folder_says_where_it_looked_and_how_to_point_elsewhere(app):
    shutil.rmtree(app / "personas")
    (app / "personas").mkdir()
    with pytest.raises(personas.PersonaError) as refused:
        personas.persona_names()
    message = str(refused.value)
    assert str(app / "personas") in message and app_folder.MARKER in message
    assert "SYNTH_PERSONAS_DIR" in message and "python -m synth_assets init" in message


def _break(folder: Path, name: str = "retiree") -> Path:
    broken = folder / f"{name}.yaml"
    broken.write_text(broken.read_text().replace("users: 40", "users: lots"))
    return broken


def test_one_malformed_persona_is_refused_alone_by_file_and_field(app, capsys):
    broken = _break(app / "personas")
    assert personas.persona_names() == SHIPPED  # every partition is still there
    with pytest.raises(personas.PersonaError, match=rf"{broken}: invalid persona\n  users:"):
        personas.load_named("retiree")
    assert personas.load_named("student").name == "student"
    assert cli(["personas"]) == 2
    listing = capsys.readouterr().out
    assert "'student'                  ok" in listing
    assert f"'retiree'                  refused: {broken}" in listing
    # The dry run judges the others and says which one it refused.
    assert set(plan.plan(7, 0.05, as_of=AS_OF)) == set(SHIPPED) - {"retiree"}
    assert plan.main(["--scale", "0.05", "--as-of", AS_OF.isoformat()]) == 2
    out = capsys.readouterr()
    assert f"refused: {broken}: invalid persona" in out.err
    assert f"student: {len(registry.RULES)} of {len(registry.RULES)} checks passed" in out.out


def test_an_unknown_persona_is_refused_listing_the_known(app):
    with pytest.raises(personas.PersonaError) as refused:
        personas.load_named("studnt")
    assert str(refused.value) == f"unknown persona 'studnt'; known: {', '.join(SHIPPED)}"
    with pytest.raises(personas.PersonaError, match="unknown personas \\['studnt'\\]; known: "):
        plan.plan(7, 0.05, ["studnt"], as_of=AS_OF)


def test_a_run_of_a_malformed_persona_says_nothing_changed_and_the_others_run(app, database_url):
    url = other_database(database_url, "synth_app_folder_test")
    broken = _break(app / "personas")
    resources = resources_for(url, scale=0.05)
    refused = materialize(
        ALL_ASSETS, partition_key="retiree", resources=resources, raise_on_error=False
    )
    assert not refused.success
    [failure] = refused.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert f"{broken}: invalid persona\n  users:" in message and NOTHING_CHANGED in message
    assert stored_rows(url, "users", "retiree") == 0
    loaded = materialize(ALL_ASSETS, partition_key="student", resources=resources)
    assert loaded.success and stored_rows(url, "users", "student") > 0


def test_a_file_name_that_is_no_persona_name_is_refused_alone(app, capsys):
    """A stem with a trailing newline once passed the name pattern and broke the partitions
    of every persona; an upper-case suffix is still a persona file."""
    folder = app / "personas"
    (folder / "junk\n.yaml").write_text("")
    (folder / "Bad Name.yaml").write_text("")
    shutil.copy(folder / "student.yaml", folder / "upper.YAML")
    with_upper = sorted([*SHIPPED, "upper"])  # its own partition, refused when used
    assert personas.persona_names() == with_upper
    assert persona_partitions_from().get_partition_keys() == with_upper
    with pytest.raises(personas.PersonaError, match="is no persona name"):
        personas.load_named("junk\n")
    with pytest.raises(personas.PersonaError, match="must equal the file name 'upper'"):
        personas.load_named("upper")
    assert cli(["personas"]) == 2
    listing = capsys.readouterr().out
    assert "'Bad Name'" in listing and "'junk\\n'" in listing and "'student'" in listing


def test_init_refuses_a_dangling_link_and_leaves_no_folder_it_made(tmp_path):
    (tmp_path / "nowhere").symlink_to(tmp_path / "missing")
    with pytest.raises(scaffold.ScaffoldError, match="symbolic link to nowhere"):
        scaffold.init(tmp_path / "nowhere", "1")
    # A write that fails part-way (a file size limit) removes the folders it made too.
    done = subprocess.run(
        ["bash", "-c", f"ulimit -f 4; {sys.executable} -B -m synth_assets init n1/n2/app"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and "nothing was left behind" in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nowhere"]


def test_the_next_step_it_prints_is_quoted_for_the_shell(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli(["init", "my app; rm -rf ~"]) == 0
    assert "cd 'my app; rm -rf ~' and read README.md" in capsys.readouterr().out
