"""The mapping file and its check (SPEC §9): a mapping that fits the app's schema is judged
sound and shown table by table; each hostile one is refused before anything runs, naming the
file, the target table and the column."""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from jinja2.exceptions import SecurityError

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import target
from synth_assets.target import check, judge, mapping, schema_input, transform
from synth_assets.target.__main__ import main as cli
from synth_assets.testing import drop_database
from synth_assets_tests.support.app_schema import App
from synth_assets_tests.support.database import other_database
from synth_assets_tests.support.runs import AS_OF
from synth_assets_tests.test_testing_plugin import readme_blocks

MODELS = "synth_assets_tests.support.app_schema:App"
SOUND = {
    "target": {"models": MODELS},
    "tables": {
        "orgs": {
            "rows": {"per": "members", "ratio": 8.0},
            "columns": {"name": {"pool": "companies"}, "owner_id": {"parent": "members"}},
        },
        "members": {
            "from": "users",
            "columns": {
                "org_id": {"parent": "orgs"},
                "referred_by": {"parent": "members", "nulls": 0.7},
                "handle": {"column": "username"},
                "email": {"column": "email"},
                "status": {"choice": {"active": 8.0, "invited": 1.0, "closed": 1.0}},
                "joined_at": {"column": "created_at"},
                "profile": {"constant": None, "note": "filled in by the app on first login"},
            },
        },
        "ledger_entries": {
            "from": "transactions",
            "where": {"pending": False},
            "columns": {
                "id": {"column": "transaction_id"},
                "member_id": {"parent": "members"},
                "amount_cents": {"cents": "amount"},
                "posted_on": {"column": "date"},
                "rate": {"number": {"min": 0.0, "max": 0.2, "digits": 4}},
            },
        },
    },
}


def _write(tmp_path: Path, content: dict) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def with_source(table: str, column: str, source: dict) -> dict:
    changed = yaml.safe_load(yaml.safe_dump(SOUND))
    changed["tables"][table]["columns"][column] = source
    return changed


def test_a_sound_mapping_is_judged_and_shown_table_by_table(tmp_path, capsys):
    path = _write(tmp_path, SOUND)
    read = mapping.read(path)
    assert check.problems(read, schema_input.read(read.target)) == []
    assert cli(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "orgs: one per 8 members rows" in out
    assert "ledger_entries: one row per transactions row where {'pending': False}" in out
    assert "amount_cents             cents: amount" in out
    # The cycle members <-> orgs is broken at orgs.owner_id (nullable, deferrable).
    assert "load order: orgs, members, ledger_entries" in out


@pytest.mark.parametrize(
    ("table", "column", "source", "message"),
    [
        ("members", "email", {"column": "emial"}, "column: users has no column 'emial'"),
        ("members", "handle", {"constant": "x" * 41}, "is longer than varchar(40) allows"),
        ("members", "status", {"column": "signup_channel", "values": {"organic": "done"}},
         "'done' is not one of member_status's labels ['active', 'invited', 'closed']"),
        ("members", "handle", {"template": "{{ first_name }}.{{ nickname }}"},
         "template: users has no column 'nickname'"),
        ("members", "handle_lower", {"column": "username"}, "a generated column"),
        ("members", "emial", {"column": "email"}, "no such column in members"),
        ("members", "email", {"constant": "a@example.com"}, "unique, but a constant gives"),
        ("members", "org_id", {"parent": "teams"}, "parent: 'teams' is not a table of this mapping"),
        ("orgs", "name", {"column": "username"}, "generated rows have no synth row to read"),
        ("members", "joined_at", {"column": "created_at", "nulls": 0.1},
         "would be NULL in a NOT NULL column"),
        ("ledger_entries", "rate", {"parent": "orgs"}, "no foreign key from rate to orgs"),
        ("ledger_entries", "amount_cents", {"column": "merchant_name"},
         "column: merchant_name is text; amount_cents is bigint"),
        ("members", "handle", {"cents": "annual_income"}, "cents: whole cents go into a number"),
        ("members", "org_id", {"sequence": 2**40}, "do not fit integer"),
        ("ledger_entries", "rate", {"number": {"min": 0, "max": 1e5, "digits": 2}},
         "number: values up to 100000 do not fit numeric(9, 4)"),
        ("members", "org_id", {"parent": "members"}, "no foreign key from org_id to members"),
        ("members", "joined_at", {"date": {"after": "status"}},
         "date.after: 'status' is not a column this table maps before it"),
    ],
)  # fmt: skip
def test_a_hostile_column_is_refused_naming_file_table_and_column(
    tmp_path, capsys, table, column, source, message
):
    path = _write(tmp_path, with_source(table, column, source))
    assert cli(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: table {table}, column {column}: " in err and message in err, err


def test_the_judge_finds_numbers_too_large_for_their_column():
    """Rows whose numbers PostgreSQL would refuse ("numeric field overflow", "out of range
    for type integer") are findings of the app's constraints, named by column and value."""
    schema = schema_input.read(mapping.Mapping.model_validate(SOUND).target)
    rows = pd.DataFrame({"rate": [0.5, 99999.99994, 99999.99995], "org_id": [1, 2, 2**31]})
    found = judge.judge(schema, {"ledger_entries": rows[["rate"]], "members": rows[["org_id"]]})
    assert found["ledger_entries"] == ["rate: 1 values too large for numeric(9, 4) (99999.99995)"]
    assert found["members"] == ["org_id: 1 values too large for integer (2147483648)"]


def test_a_not_null_column_left_without_a_source_is_refused(tmp_path, capsys):
    broken = yaml.safe_load(yaml.safe_dump(SOUND))
    del broken["tables"]["members"]["columns"]["email"]
    assert cli(["check", str(_write(tmp_path, broken))]) == 1
    assert "table members, column email: NOT NULL with no server default" in capsys.readouterr().err


def test_a_cycle_of_not_null_keys_is_refused_naming_it(tmp_path, capsys):
    locked = {
        "target": {"models": "synth_assets_tests.support.app_schema:LOCKED"},
        "tables": {
            "left_side": {"from": "users", "columns": {"right_id": {"parent": "right_side"}}},
            "right_side": {"from": "users", "columns": {"left_id": {"parent": "left_side"}}},
        },
    }
    assert cli(["check", str(_write(tmp_path, locked))]) == 1
    err = capsys.readouterr().err
    assert "cannot be loaded: left_side -> right_side -> left_side" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"tables": {}}, "target: Field required"),
        ({"target": {"models": MODELS}, "tables": {"members": {"columns": {}}}},
         "table members: Value error, give either from (a synth table) or rows"),
        (with_source("members", "referred_by", {"parent": "members", "nulls": 2}),
         "table members, column referred_by: nulls: Input should be less than or equal to 1"),
        (with_source("members", "email", {"column": "email", "cents": "amount"}),
         "table members, column email: Value error, give exactly one source"),
        (with_source("members", "status", {"choice": {"active": float("nan")}}),
         "table members, column status: choice.active:"),
        ({"target": {"models": "no_such_module:Base"}, "tables": {}}, "cannot import 'no_such_module'"),
        ({"target": {"models": MODELS, "database_env": "APP_URL"}, "tables": {}},
         "give either models (module:attribute) or database_env"),
    ],
)  # fmt: skip
def test_a_malformed_mapping_is_refused_naming_file_and_field(tmp_path, capsys, content, message):
    path = _write(tmp_path, content)
    assert cli(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith(f"{path}: "), err


@pytest.fixture(scope="module")
def student_frames(personas):
    return generate_all(Context(personas["student"], as_of=AS_OF))


def _app_tables(frames, content=SOUND, first_keys=None):
    read = mapping.Mapping.model_validate(content)
    schema = schema_input.read(read.target)
    return transform.transform(read, schema, frames, 42, "student", first_keys)


def test_the_app_tables_follow_the_synth_world_and_are_the_same_every_time(student_frames):
    app = _app_tables(student_frames, first_keys={"members": 1001})
    users, transactions = student_frames["users"], student_frames["transactions"]
    members, orgs, ledger = app["members"], app["orgs"], app["ledger_entries"]
    assert list(app) == ["orgs", "members", "ledger_entries"]
    assert len(members) == len(users) and members["id"].tolist()[:2] == [1001, 1002]
    assert len(orgs) == -(-len(users) // 8)
    posted = transactions[~transactions["pending"]]
    assert len(ledger) == len(posted)
    assert (
        ledger["amount_cents"].to_numpy() == (posted["amount"].astype(float) * 100).round()
    ).all()
    # A transaction's member is its account's user: the synth links carry over.
    account_user = student_frames["accounts"].set_index("account_id")["user_id"]
    member_of_user = dict(zip(users["id"], members["id"], strict=True))
    expected = [member_of_user[account_user[a]] for a in posted["account_id"]]
    assert ledger["member_id"].tolist() == expected
    assert set(members["org_id"]) <= set(orgs["id"]) and set(orgs["owner_id"]) <= set(members["id"])
    assert members["referred_by"].isna().mean() == pytest.approx(0.7, abs=0.2)
    referring = members[members["referred_by"].notna()].iloc[1:]  # the first may name itself
    assert (referring["referred_by"] < referring["id"]).all()  # an earlier member
    again = _app_tables(student_frames, first_keys={"members": 1001})
    for name, frame in app.items():
        pd.testing.assert_frame_equal(frame, again[name])


def test_a_value_with_no_mapping_is_refused_naming_table_column_and_values(student_frames):
    content = with_source(
        "members", "status", {"column": "signup_channel", "values": {"organic": "active"}}
    )
    with pytest.raises(
        mapping.MappingError, match=r"table members, column status: values: no mapping for \["
    ):
        _app_tables(student_frames, content)


def test_the_app_tables_load_into_the_app_schema_with_its_constraints(student_frames, database_url):
    """The database is the judge: NOT NULL, foreign keys (the cycle's deferred), enum labels,
    lengths and the CHECK all hold for the rows as made."""
    url = other_database(database_url, f"synth_mapped_{uuid.uuid4().hex[:6]}_test")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        App.metadata.create_all(engine)
        app = _app_tables(student_frames)
        with engine.begin() as conn:
            for name, frame in app.items():
                rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
                conn.execute(App.metadata.tables[name].insert(), rows)
        with engine.connect() as conn:
            for name, frame in app.items():
                assert conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar() == len(frame)
    finally:
        engine.dispose()
        drop_database(database_url, target.database_name(url))


def test_the_readme_mapping_is_sound(tmp_path, capsys):
    """The README's example, with its models pointed at this suite's copy of them."""
    block = readme_blocks("Seed your app's own schema")["yaml"]
    path = tmp_path / "mapping.yaml"
    path.write_text(block.replace("app.models:Base", MODELS))
    assert cli(["check", str(path)]) == 0, capsys.readouterr().err


def test_the_draft_is_the_same_from_models_and_from_the_database_and_loads_as_written(
    tmp_path, capsys, student_frames, database_url, monkeypatch
):
    """Every NOT NULL column of the example is guessable, so the draft passes check and
    PostgreSQL accepts the rows it makes, with every constraint."""
    drafted = tmp_path / "drafted.yaml"
    assert cli(["draft", "--models", MODELS, "--output", str(drafted)]) == 0
    assert "left out audit_log: no primary key" in capsys.readouterr().out
    assert "audit_log" not in drafted.read_text()
    url = other_database(database_url, f"synth_draft_{uuid.uuid4().hex[:6]}_test")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        App.metadata.create_all(engine)
        monkeypatch.setenv("APP_TEST_URL", url)
        reflected = tmp_path / "reflected.yaml"
        assert cli(["draft", "--database-env", "APP_TEST_URL", "--output", str(reflected)]) == 0
        from_models, from_database = (yaml.safe_load(p.read_text()) for p in (drafted, reflected))
        assert from_models["tables"] == from_database["tables"]
        assert all(
            "note" in s for t in from_models["tables"].values() for s in t["columns"].values()
        )
        assert cli(["check", str(drafted)]) == 0, capsys.readouterr().err
        app = _app_tables(student_frames, from_models)
        with engine.begin() as conn:
            for name, frame in app.items():
                rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
                conn.execute(App.metadata.tables[name].insert(), rows)
    finally:
        engine.dispose()
        drop_database(database_url, target.database_name(url))


def test_draft_never_overwrites(tmp_path, capsys):
    kept = tmp_path / "mapping.yaml"
    kept.write_text("the team's own\n")
    assert cli(["draft", "--models", MODELS, "--output", str(kept)]) == 2
    assert "already exists; nothing written" in capsys.readouterr().err
    assert kept.read_text() == "the team's own\n"


def test_a_template_reads_the_row_and_nothing_of_python(student_frames):
    content = with_source(
        "members", "handle", {"template": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
    )
    with pytest.raises(SecurityError):
        _app_tables(student_frames, content)


def test_generated_rows_counted_in_a_loop_are_refused(tmp_path, capsys):
    looped = yaml.safe_load(yaml.safe_dump(SOUND))
    looped["tables"]["orgs"]["rows"] = {"per": "orgs", "ratio": 2.0}
    assert cli(["check", str(_write(tmp_path, looped))]) == 1
    assert "table orgs: rows.per: counted in a loop (orgs -> orgs)" in capsys.readouterr().err


def test_a_virtual_foreign_key_is_a_parent_the_database_does_not_declare(tmp_path, capsys):
    virtual = with_source("ledger_entries", "rate", {"parent": "orgs", "virtual": True})
    assert cli(["check", str(_write(tmp_path, virtual))]) == 0, capsys.readouterr().err
