"""Persona files: the shipped ones validate; bad ones fail naming file and field; files are partitions."""

import shutil
from pathlib import Path

import pytest
import yaml

from synth_assets.defs.partitions import persona_partitions_from
from synth_assets.personas import DEFAULT_PERSONAS_DIR, PersonaError, load_persona, load_personas


def _write(directory: Path, name: str, mutate) -> Path:
    data = yaml.safe_load((DEFAULT_PERSONAS_DIR / "student.yaml").read_text())
    data["name"] = name
    mutate(data)
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_shipped_personas_are_valid_and_contrasting():
    personas = load_personas()
    assert len(personas) >= 5
    assert {p.income.pay_frequency for p in personas.values()} >= {
        "BIWEEKLY",
        "MONTHLY",
        "IRREGULAR",
    }
    assert len({p.income.annual.median for p in personas.values()}) == len(personas)


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (lambda d: d.update(users=-3), "users", "greater than or equal to 1"),
        (lambda d: d.update(favourite_colour="blue"), "favourite_colour", "Extra inputs"),
        (
            lambda d: d["jobs"].update(status_mix={"completed": 0.5, "failed": 0.2}),
            "jobs.status_mix",
            "sum to 1",
        ),
        (
            lambda d: d["spending"]["categories"].update(NOT_A_CATEGORY=1),
            "spending.categories",
            "NOT_A_CATEGORY",
        ),
        (
            lambda d: d["income"].update(pay_frequency="FORTNIGHTLY"),
            "income.pay_frequency",
            "BIWEEKLY",
        ),
        (lambda d: d["date_range"].update(end="2024-01-01"), "date_range", "must be after"),
        (
            lambda d: d["content"].update(domains=["underwater_basket_weaving"]),
            "content.domains",
            "unknown",
        ),
    ],
)
def test_invalid_persona_names_file_and_field(tmp_path, mutate, field, message):
    path = _write(tmp_path, "broken", mutate)
    with pytest.raises(PersonaError) as error:
        load_persona(path)
    text = str(error.value)
    assert str(path) in text
    assert field in text
    assert message in text


def test_persona_name_must_be_snake_case_and_match_file(tmp_path):
    path = _write(tmp_path, "Bad-Name", lambda d: None)
    with pytest.raises(PersonaError, match="snake_case"):
        load_persona(path)
    other = _write(tmp_path, "good_name", lambda d: d.update(name="other_name"))
    with pytest.raises(PersonaError, match="must equal the file name"):
        load_persona(other)
    long = _write(tmp_path, "a_persona_name_of_thirty_one_xx", lambda d: None)
    with pytest.raises(PersonaError, match="longer than 30 characters"):
        load_persona(long)


def test_malformed_yaml_names_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(PersonaError, match=str(path)):
        load_persona(path)


def test_adding_a_file_adds_a_partition(tmp_path):
    for source in DEFAULT_PERSONAS_DIR.glob("*.yaml"):
        shutil.copy(source, tmp_path)
    before = persona_partitions_from(tmp_path).get_partition_keys()
    _write(tmp_path, "night_owl", lambda d: None)
    after = persona_partitions_from(tmp_path).get_partition_keys()
    assert set(after) - set(before) == {"night_owl"}


def test_an_edited_file_is_read_again(tmp_path):
    """Parsed personas are reused only while the file's content is unchanged."""
    path = _write(tmp_path, "night_owl", lambda d: d.update(users=10))
    assert load_persona(path).users == 10
    _write(tmp_path, "night_owl", lambda d: d.update(users=11))
    assert load_persona(path).users == 11
    path.write_text(path.read_text().replace("users: 11", "users: -1"))
    with pytest.raises(PersonaError, match="users"):
        load_persona(path)
