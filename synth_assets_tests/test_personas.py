"""Persona files: the shipped ones validate; bad ones fail naming file and field; files are partitions."""

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from synth_assets.defs.partitions import persona_partitions_from
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
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
        (
            lambda d: d.update(date_range={"start": "2025-01-01", "end": "2024-01-01"}),
            "date_range",
            "must be after",
        ),
        (
            lambda d: d["content"].update(domains=["underwater_basket_weaving"]),
            "content.domains",
            "unknown",
        ),
        # YAML's booleans and quoted numbers are not numbers (pydantic would take true as 1).
        (lambda d: d.update(date_range={"months": True}), "date_range.months", "valid integer"),
        (lambda d: d.update(users=True), "users", "valid integer"),
        (lambda d: d["spending"].update(overdraws=1), "spending.overdraws", "valid boolean"),
        (
            lambda d: d["accounts"]["savings"].update(probability="0.3"),
            "accounts.savings.probability",
            "valid number",
        ),
        (
            lambda d: d["spending"]["categories"].update(TRAVEL=False),
            "spending.categories.TRAVEL",
            "valid number",
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


def _text(directory: Path, name: str, edit) -> Path:
    """A copy of student.yaml as ``name``, with its text changed by ``edit``."""
    text = (
        (DEFAULT_PERSONAS_DIR / "student.yaml")
        .read_text()
        .replace("name: student", f"name: {name}")
    )
    path = directory / f"{name}.yaml"
    path.write_text(edit(text))
    return path


def _swap(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new)

    return edit


SIGNUP = "signup_channels: {organic: 0.3, referral: 0.45, paid_ads: 0.2, partner: 0.05}"
CATEGORY = "FOOD_AND_DRINK: 0.38"
RANGE = "date_range: {months: 12}"
TPM = "transactions_per_month: 28"
RISES = "price_rises: {2023-08-24: 5.99, 2026-02-01: 6.99}"
HOSTILE_TEXT = [
    (_swap(RANGE, "date_range: {start: 2025-02-30, end: 2025-12-31}"), "date_range.start"),
    (_swap(RANGE, "date_range: {months: 0}"), "date_range.months"),
    (_swap(RANGE, "date_range: {months: -12}"), "date_range.months"),
    (_swap(RANGE, "date_range: {months: 121}"), "date_range.months"),
    (_swap(RANGE, "date_range: {months: .nan}"), "date_range.months"),
    (_swap(RANGE, "date_range: {months: twelve}"), "date_range.months"),
    (_swap(RANGE, "date_range: {months: 1.5}"), "date_range.months"),
    (_swap(RANGE, "date_range: {days: 99999}"), "date_range.days"),
    (_swap(RANGE, "date_range: {months: 12, days: 30}"), "date_range"),
    (_swap(RANGE, "date_range: {start: 2025-01-01, months: 12}"), "date_range"),
    (_swap(RANGE, "date_range: {}"), "date_range"),
    (_swap(RANGE, "date_range: {weeks: 3}"), "date_range.weeks"),
    (_swap(RANGE, "date_range: 12"), "date_range"),
    (_swap("users: 60", "users: 60\nusers: 5"), "found the key 'users' twice"),
    (_swap("  auto_share: 0.35", "  auto_share: 0.35\n  auto_share: 0.1"), "'auto_share' twice"),
    (_swap(SIGNUP, "signup_channels: {organic: -1, referral: 2}"), "signup_channels.organic"),
    (_swap(SIGNUP, "signup_channels: {organic: .nan}"), "signup_channels.organic"),
    (_swap(SIGNUP, "signup_channels: {organic: 0, referral: 0}"), "signup_channels"),
    (_swap(SIGNUP, "signup_channels: {}"), "signup_channels"),
    (_swap(CATEGORY, "FOOD_AND_DRINK: .inf"), "spending.categories.FOOD_AND_DRINK"),
    (_swap("transactions_per_month: 28", "transactions_per_month: .inf"), "transactions_per_month"),
    (_swap("transactions_per_month: 28", "transactions_per_month: 5000"), "transactions_per_month"),
    (_swap("users: 60", "users: 2000000"), "users"),
    (_swap(RANGE, "date_range: {start: 2025-01-01, end: 2045-12-31}"), "date_range"),
    (
        _swap("items_per_user: {min: 2, max: 12}", "items_per_user: {min: 2, max: 99999}"),
        "items_per_user.max",
    ),
    (_swap("median: 21000", "median: 1.0e+300"), "income.annual.median"),
    *[
        (_swap(TPM, f"{TPM}\n  services: {value}"), field)
        for value, field in [
            ("{MEDICAL_DENTAL_CARE: -1}", "spending.services.MEDICAL_DENTAL_CARE"),
            ("{MEDICAL_DENTAL_CARE: .nan}", "spending.services.MEDICAL_DENTAL_CARE"),
            ("{MEDICAL_DENTAL_CARE: .inf}", "spending.services.MEDICAL_DENTAL_CARE"),
            ("{MEDICAL_DENTAL_CARE: 366}", "spending.services.MEDICAL_DENTAL_CARE"),
            ("{MEDICAL_DENTAL_CARE: true}", "spending.services.MEDICAL_DENTAL_CARE"),
            ("{MEDICAL_DENTAL_CARE: '2'}", "spending.services.MEDICAL_DENTAL_CARE"),
            ("{FOOD_AND_DRINK_COFFEE: 2}", "not services"),
            ("{MEDICAL_VETERINARY_SERVICES: 1, MEDICAL_VETERINARY_SERVICES: 2}", "twice"),
            ("{HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE: 1}", "categories the persona does not"),
            ("[MEDICAL_DENTAL_CARE]", "spending.services"),
            ("{GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING: 2}", "once a year"),
        ]
    ],
    *[
        (
            _swap("  category: INCOME_SALARY\n", f"  category: INCOME_SALARY\n  bonus: {value}\n"),
            field,
        )
        for value, field in [
            ("{share: -0.1}", "income.bonus.share"),
            ("{share: .nan}", "income.bonus.share"),
            ("{share: 0.9}", "income.bonus.share"),
            ("{share: 0.1, month: 13}", "income.bonus.month"),
            ("{share: 0.1, month: 0}", "income.bonus.month"),
            ("{share: 0.1, month: 3.5}", "income.bonus.month"),
            ("{share: 0.1, probability: 2}", "income.bonus.probability"),
            ("{share: 0.1, when: March}", "income.bonus.when"),
            ("0.1", "income.bonus"),
        ]
    ],
    (
        _swap(
            "  pay_frequency: BIWEEKLY\n",
            "  pay_frequency: IRREGULAR\n  bonus: {share: 0.1}\n",
        ),
        "only a salary paid on a schedule",
    ),
    (
        _swap(
            "  category: INCOME_SALARY\n",
            "  category: INCOME_RETIREMENT_PENSION\n  bonus: {share: 0.1}\n",
        ),
        "only a salary paid on a schedule",
    ),
    (
        _swap(
            "    - {name: Mint Mobile,",
            "    - {name: SPOTIFY, amount: 9.99, category: ENTERTAINMENT_MUSIC_AND_AUDIO}\n"
            "    - {name: Mint Mobile,",
        ),
        "'SPOTIFY'] more than once",
    ),
    *[
        (_swap(RISES, f"price_rises: {value}"), field)
        for value, field in [
            ("{2205-01-01: 6.99}", "price rise dated 2205-01-01"),
            ("{2026-02-01: -1}", "spending.subscriptions.0.price_rises"),
            ("{2026-02-01: .nan}", "spending.subscriptions.0.price_rises"),
            ("{2026-02-01: 1.0e+300}", "spending.subscriptions.0.price_rises"),
            ("{2026-02-01: '6.99'}", "spending.subscriptions.0.price_rises"),
            ("{soon: 6.99}", "spending.subscriptions.0.price_rises"),
            ("{2026-02-30: 6.99}", "spending.subscriptions.0.price_rises"),
            ("{2026-02-01: 6.99, 2026-02-01: 7.99}", "twice"),
            ("[6.99]", "spending.subscriptions.0.price_rises"),
        ]
    ],
    (
        lambda text: _swap(TPM, f"{TPM}\n  services: {{MEDICAL_DENTAL_CARE: 2}}")(
            _swap("    MEDICAL: 0.04", "    MEDICAL: 0.0")(text)
        ),
        "categories the persona does not",
    ),
]


@pytest.mark.parametrize(("edit", "field"), HOSTILE_TEXT)
def test_hostile_values_are_refused_naming_file_and_field(tmp_path, edit, field):
    path = _text(tmp_path, "hostile", edit)
    with pytest.raises(PersonaError) as error:
        load_persona(path)
    assert str(path) in str(error.value) and field in str(error.value), str(error.value)


def test_binary_garbage_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(PersonaError, match="not UTF-8"):
        load_persona(path)


def test_a_folder_named_like_a_persona_file_is_refused(tmp_path):
    shutil.copy(DEFAULT_PERSONAS_DIR / "student.yaml", tmp_path)
    (tmp_path / "x.yaml").mkdir()
    with pytest.raises(PersonaError, match=r"x\.yaml: not a regular file"):
        load_personas(tmp_path)


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path):
    path = _text(tmp_path, "huge", lambda text: text + "#" * 2_000_000)
    with pytest.raises(PersonaError, match="larger than"):
        load_persona(path)


def test_scale_beyond_the_limit_is_refused_by_name():
    persona = load_personas()["student"]
    with pytest.raises(PersonaError, match=r"'student'.*above the limit"):
        persona.user_count(10_000_000)


def test_plan_reports_a_bad_file_without_a_traceback(tmp_path):
    path = _text(tmp_path, "student", _swap("users: 60", "users: 60\nusers: 5"))
    done = subprocess.run(
        [sys.executable, "-m", "synth_assets.plan"],
        env={**os.environ, "SYNTH_PERSONAS_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert str(path) in done.stderr and "twice" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "edit",
    [
        _swap(RANGE, "date_range: {start: !!timestamp 2025-02-30, end: 2025-12-31}"),
        _swap(RANGE, "date_range: {start: !!timestamp garbage, end: 2025-12-31}"),
        _swap("users: 60", "users: !!int abc"),
        _swap("users: 60", "users: !!bool maybe"),
        _swap("users: 60", "users: " + "9" * 5000),
        _swap("users: 60", "users: " + "[" * 5000 + "]" * 5000),
        _swap(CATEGORY, "FOOD_AND_DRINK: 1.0e+308\n    TRAVEL: 1.0e+308"),
    ],
)
def test_yaml_tricks_are_refused_naming_the_file(tmp_path, edit):
    path = _text(tmp_path, "tricky", edit)
    with pytest.raises(PersonaError, match=str(path)):
        load_persona(path)


def test_a_category_weighted_zero_is_never_bought_nor_visited(tmp_path):
    """A primary weighted 0 is accepted: its purchases, regular places and services (the
    doctor, the dentist) simply never happen."""
    path = _text(tmp_path, "no_medical", _swap("    MEDICAL: 0.04", "    MEDICAL: 0.0"))
    persona = load_persona(path)
    tx = generate_all(Context(persona, as_of=dt.date(2026, 1, 2)))["transactions"]
    assert len(tx) > 100 and not tx["pfc_primary"].eq("MEDICAL").any()
