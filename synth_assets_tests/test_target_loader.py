"""Loading personas into an app's own tables (SPEC §9), end to end on a real PostgreSQL: the
app's own rows are left byte for byte, every constraint holds, counts match the transform, a
re-run is idempotent, the app's next INSERT gets a fresh key, and a collision with a row the
loader did not write is refused with nothing written."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import target
from synth_assets.target import loader, mapping, schema_input, transform
from synth_assets.testing import drop_database
from synth_assets_tests.support.app_schema import App
from synth_assets_tests.support.database import other_database, query
from synth_assets_tests.support.runs import AS_OF
from synth_assets_tests.test_target_mapping import SOUND

SEED = 42


@pytest.fixture(scope="module")
def worlds(personas):
    return {
        name: generate_all(Context(personas[name], seed=SEED, scale=0.3, as_of=AS_OF))
        for name in ("student", "retiree")
    }


@pytest.fixture
def app_url(database_url):
    """The app's database: its schema made by its own models, with rows of its own."""
    url = other_database(database_url, f"synth_app_{uuid.uuid4().hex[:6]}_test")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    App.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orgs (name) VALUES ('The App Team')"))
        conn.execute(
            sa.text(
                "INSERT INTO members (org_id, handle, email, joined_at) "
                "VALUES (1, 'founder', 'founder@app.example', '2020-01-01T00:00:00Z')"
            )
        )
    engine.dispose()
    try:
        yield url
    finally:
        drop_database(database_url, target.database_name(url))


def _dump(url: str, table: str, where: str = "true") -> list[tuple]:
    return query(url, f"SELECT * FROM {table} WHERE {where} ORDER BY 1")


def _load(url, worlds, persona, content=SOUND):
    read = mapping.Mapping.model_validate(content)
    schema = schema_input.read(read.target)
    return loader.load(url, persona, read, schema, worlds[persona], SEED, 0.3)


def test_personas_load_beside_the_apps_rows_and_reload_in_place(app_url, worlds):
    app_rows = {t: _dump(app_url, t) for t in ("orgs", "members")}
    counts = _load(app_url, worlds, "student")
    read = mapping.Mapping.model_validate(SOUND)
    expected = transform.row_counts(read, worlds["student"], 0.3)
    assert counts == {name: expected[name] for name in counts}
    for table, count in counts.items():
        [[stored]] = query(app_url, f"SELECT count(*) FROM {table}")
        assert stored == count + len(app_rows.get(table, []))
    student = {t: _dump(app_url, t) for t in counts}
    _load(app_url, worlds, "retiree")
    assert _load(app_url, worlds, "student") == counts  # a re-run: the same rows again
    for table in ("orgs", "members"):  # the app's own rows, byte for byte
        assert _dump(app_url, table, "id = 1") == app_rows[table]
    ours = _dump(app_url, "ledger_entries")
    assert (
        len(ours) == counts["ledger_entries"] + _load(app_url, worlds, "retiree")["ledger_entries"]
    )
    # The student's rows are what they were before the retiree loaded and it reloaded.
    for table in counts:
        now = {repr(row) for row in _dump(app_url, table)}
        assert {repr(row) for row in student[table]} <= now, table
    # The app's next INSERT gets a key past every key written.
    [[highest]] = query(app_url, "SELECT max(id) FROM members")
    engine = sa.create_engine(app_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        fresh = conn.execute(
            sa.text(
                "INSERT INTO members (org_id, handle, email, joined_at) "
                "VALUES (1, 'newcomer', 'new@app.example', now()) RETURNING id"
            )
        ).scalar()
    engine.dispose()
    assert fresh > highest


def test_a_value_that_meets_a_row_it_did_not_write_is_refused_with_nothing_written(app_url, worlds):
    taken = worlds["student"]["users"]["email"].iloc[3]
    engine = sa.create_engine(app_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:  # the app's founder happens to have a student's email
        conn.execute(sa.text("UPDATE members SET email = :e WHERE id = 1"), {"e": taken})
    engine.dispose()
    before = {t: _dump(app_url, t) for t in ("orgs", "members", "ledger_entries")}
    with pytest.raises(loader.CollisionError, match=rf"table members, column email: '{taken}'"):
        _load(app_url, worlds, "student")
    assert {t: _dump(app_url, t) for t in before} == before


def test_the_guard_judges_the_app_database(database_url, worlds):
    production = other_database(database_url, "gw_app_production")
    try:
        with pytest.raises(target.UnsafeDatabaseError, match="gw_app_production"):
            _load(production, worlds, "student")
    finally:
        drop_database(database_url, target.database_name(production))
