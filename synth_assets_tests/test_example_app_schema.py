"""examples/app_schema: an app's own schema as a person meets it. The shipped draft is what
`draft` writes for the models today, schema.sql is what the models create, and the edited
mapping checks sound and loads two personas into that schema beside the app's own rows, every
constraint (CHECK lists included) held by PostgreSQL."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import target
from synth_assets.target import check, loader, mapping, schema_input, transform
from synth_assets.target.__main__ import main as cli
from synth_assets.testing import drop_database
from synth_assets_tests.support.database import other_database, query
from synth_assets_tests.support.processes import ROOT
from synth_assets_tests.support.runs import AS_OF

EXAMPLE = ROOT / "examples" / "app_schema"


def _models():
    read = mapping.read(EXAMPLE / "mapping.yaml")
    return read, schema_input.read(read.target, EXAMPLE)


def test_the_shipped_draft_is_what_draft_writes_today(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    drafted = tmp_path / "draft.yaml"
    assert cli(["draft", "--models", "models:Base", "--output", str(drafted)]) == 0
    assert drafted.read_text() == (EXAMPLE / "mapping.draft.yaml").read_text()


def test_schema_sql_is_what_the_models_create(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import models

    made = []
    engine = sa.create_mock_engine(
        "postgresql+psycopg://",
        lambda statement, *a, **k: made.append(
            str(statement.compile(dialect=engine.dialect)).strip() + ";"
        ),
    )
    models.Base.metadata.create_all(engine, checkfirst=False)
    assert "\n\n".join(made) in (EXAMPLE / "schema.sql").read_text()


def test_the_edited_mapping_loads_two_personas_beside_the_apps_rows(database_url, personas):
    read, schema = _models()
    assert check.problems(read, schema) == []
    url = other_database(database_url, f"synth_example_{uuid.uuid4().hex[:6]}_test")
    try:
        with target.connect(url) as conn:
            conn.execute((EXAMPLE / "schema.sql").read_text())
            conn.execute("INSERT INTO teams (name) VALUES ('The app team')")
            conn.execute(
                "INSERT INTO app_users (team_id, email, handle, display_name, plan, created_at) "
                "VALUES (1, 'founder@app.example', 'founder', 'The Founder', 'team', now())"
            )
        app_rows = query(url, "SELECT * FROM app_users")
        for name in ("student", "retiree"):
            frames = generate_all(Context(personas[name], scale=0.3, as_of=AS_OF))
            counts = loader.load(url, name, read, schema, frames, 42, 0.3)
            expected = transform.row_counts(read, frames, 0.3)
            assert counts == {table: expected[table] for table in counts}
            manual = int((frames["content"]["kind"] == "regular").sum())
            assert (
                counts["content_items"] == manual
                and counts["content_items_auto"] == len(frames["content"]) - manual
            )
        assert query(url, "SELECT * FROM app_users WHERE id = 1") == app_rows
        states = {s for (s,) in query(url, "SELECT DISTINCT state FROM generation_jobs")}
        assert states <= {"queued", "running", "done", "error", "cancelled"} and "done" in states
        assert {s for (s,) in query(url, "SELECT DISTINCT status FROM ledger_entries")} == {
            "posted",
            "pending",
        }
    finally:
        drop_database(database_url, target.database_name(url))
