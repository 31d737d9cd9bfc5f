"""Loading personas into an app's own tables (SPEC §9), end to end on a real PostgreSQL: the
app's own rows are left byte for byte, every constraint holds, counts match the transform, a
re-run is idempotent, the app's next INSERT gets a fresh key, and a collision with a row the
loader did not write is refused with nothing written."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
import yaml
from dagster import materialize

from synth_assets.defs import app_tables
from synth_assets.generate.common import Context
from synth_assets.generate.frames import block_tables, generate_all
from synth_assets.generate.users import block_count
from synth_assets.load import target
from synth_assets.personas import load_personas
from synth_assets.target import check, loader, mapping, schema_input, transform
from synth_assets.testing import drop_database
from synth_assets_tests.support.app_schema import TEAMS, App
from synth_assets_tests.support.database import other_database, query
from synth_assets_tests.support.processes import BIN, ROOT
from synth_assets_tests.support.runs import AS_OF, LIGHT, light_persona, resources_for
from synth_assets_tests.test_target_mapping import SOUND, with_source

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
    [[blocks_end]] = query(
        app_url,
        "SELECT max(first_key + size - 1) FROM synth_target.key_blocks WHERE table_name = 'public.members'",
    )
    assert fresh > max(highest, blocks_end)  # in no persona's block either


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


def test_a_persona_loads_a_block_of_users_at_a_time(app_url):
    """The light persona's three blocks, one chunk each (as the asset loads them): a table
    made by count once, the others per block; keys, sequences and unique values carry on
    across chunks; a reload writes the same rows under the same keys."""
    ctx = Context(light_persona(), seed=SEED, as_of=AS_OF)
    blocks = [block_tables(ctx, block) for block in range(block_count(ctx))]
    assert len(blocks) == 3
    content = yaml.safe_load(yaml.safe_dump(SOUND))
    content["tables"]["orgs"]["rows"] = {"count": 2}
    read = mapping.Mapping.model_validate(content)
    schema = schema_input.read(read.target)

    def load() -> dict[str, int]:
        return loader.load_chunks(app_url, LIGHT, read, schema, iter(blocks), SEED)

    counts = load()
    users = sum(len(b["users"]) for b in blocks)
    posted = sum(int((~b["transactions"]["pending"]).sum()) for b in blocks)
    assert counts == {"orgs": 2, "members": users, "ledger_entries": posted}
    ours = "id > 1"  # the app's own org and member are id 1
    [[orgs, named]] = query(
        app_url, f"SELECT count(*), count(DISTINCT name) FROM orgs WHERE {ours}"
    )
    assert orgs == named == 2
    [[members, distinct, in_orgs]] = query(
        app_url,
        "SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE org_id IN "
        f"(SELECT id FROM orgs WHERE {ours})) FROM members WHERE {ours}",
    )
    assert members == distinct == in_orgs == users  # every block's members in the two orgs
    ranges = query(
        app_url,
        "SELECT rows FROM synth_target.written_ranges WHERE table_name = 'public.members' "
        "ORDER BY first_key",
    )
    assert [r for [r] in ranges] == [len(b["users"]) for b in blocks]
    before = {t: _dump(app_url, t) for t in counts}
    assert load() == counts
    assert {t: _dump(app_url, t) for t in counts} == before


def test_composite_and_unique_keys_tell_its_rows_from_the_apps(app_url, worlds):
    """A composite primary key and a unique NOT NULL UUID (no primary key, made by the
    loader) each tell the loader's rows from the app's: a reload replaces its own rows and
    leaves the app's."""
    content = yaml.safe_load(yaml.safe_dump(SOUND))
    content["tables"]["member_badges"] = {
        "from": "users",
        "columns": {"member_id": {"parent": "members"}, "badge": {"constant": "early"}},
    }
    content["tables"]["devices"] = {
        "from": "accounts",
        "columns": {"member_id": {"parent": "members"}, "label": {"template": "{{ name }}"}},
    }
    read = mapping.Mapping.model_validate(content)
    schema = schema_input.read(read.target)
    assert check.problems(read, schema) == []
    app_serial = "00000000-0000-4000-8000-000000000001"
    with target.connect(app_url) as conn:
        conn.execute("INSERT INTO member_badges VALUES (1, 'early')")
        conn.execute("INSERT INTO devices VALUES (%s, 1, 'the founder''s phone')", (app_serial,))
    counts = loader.load(app_url, "student", read, schema, worlds["student"], SEED, 0.3)
    assert counts["member_badges"] == len(worlds["student"]["users"])
    assert counts["devices"] == len(worlds["student"]["accounts"])
    before = {t: _dump(app_url, t) for t in ("member_badges", "devices")}
    assert loader.load(app_url, "student", read, schema, worlds["student"], SEED, 0.3) == counts
    assert {t: _dump(app_url, t) for t in before} == before  # the same rows, the app's kept
    assert len(before["member_badges"]) == counts["member_badges"] + 1
    assert (uuid.UUID(app_serial), 1, "the founder's phone") in before["devices"]
    unkeyed = yaml.safe_load(yaml.safe_dump(content))
    unkeyed["tables"]["audit_log"] = {"from": "users", "columns": {"action": {"constant": "x"}}}
    [problem] = check.problems(mapping.Mapping.model_validate(unkeyed), schema)
    assert (problem.table, problem.column) == ("audit_log", None)
    assert "no primary key and no unique NOT NULL columns" in problem.message


def test_a_key_range_that_meets_the_apps_rows_is_refused_with_nothing_written(app_url, worlds):
    """Keys the mapping gives (a sequence from 1) meet the app's founder, id 1: the app's own
    key refuses them as they are copied, naming table, column and key; nothing is written."""
    before = {t: _dump(app_url, t) for t in ("orgs", "members", "ledger_entries")}
    numbered = with_source("members", "id", {"sequence": 1})
    with pytest.raises(loader.CollisionError, match=r"table members, column id: '1' is already"):
        _load(app_url, worlds, "student", numbered)
    assert {t: _dump(app_url, t) for t in before} == before


def test_two_personas_load_side_by_side_without_sharing_keys(app_url, worlds):
    """Two loads at once, each in its own transaction: each takes its keys in a short
    transaction of its own under one lock, so neither meets the other's keys."""
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda persona: _load(app_url, worlds, persona), worlds))
    [[members, distinct]] = query(app_url, "SELECT count(*), count(DISTINCT id) FROM members")
    assert members == distinct == 1 + sum(counts["members"] for counts in done)


def test_the_guard_judges_the_app_database(database_url, worlds):
    production = other_database(database_url, "gw_app_production")
    try:
        with pytest.raises(target.UnsafeDatabaseError, match="gw_app_production"):
            _load(production, worlds, "student")
    finally:
        drop_database(database_url, target.database_name(production))


def _mapping_file(tmp_path, content=SOUND):
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def test_the_app_tables_are_assets_whose_blocking_checks_are_the_apps_constraints(
    app_url, tmp_path
):
    assets = app_tables.build(_mapping_file(tmp_path))
    keys = {k.to_user_string() for k in assets.keys}
    assert keys == {"app/orgs", "app/members", "app/ledger_entries"}
    spec = next(s for s in assets.specs if s.key.path[-1] == "ledger_entries")
    assert {d.asset_key.to_user_string() for d in spec.deps} == {"app/members", "transactions"}
    assert spec.group_name == "app"
    result = materialize(
        [assets], partition_key="student", resources=resources_for(app_url, scale=0.3)
    )
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    [[members]] = query(app_url, "SELECT count(*) FROM members WHERE id <> 1")
    assert members == len(
        generate_all(Context(load_personas()["student"], scale=0.3, as_of=AS_OF))["users"]
    )
    # Rows the mapping makes that break the app's constraints: refused, nothing written.
    long = with_source("members", "handle", {"template": "{{ email }}.{{ email }}.{{ username }}"})
    (tmp_path / "long").mkdir()
    refused = materialize(
        [app_tables.build(_mapping_file(tmp_path / "long", long))],
        partition_key="retiree",
        resources=resources_for(app_url, scale=0.3),
        raise_on_error=False,
    )
    assert not refused.success
    failed = [e for e in refused.get_asset_check_evaluations() if not e.passed]
    assert [e.asset_key.to_user_string() for e in failed] == ["app/members"]
    assert "longer than varchar(40)" in failed[0].description
    assert query(app_url, "SELECT count(*) FROM members WHERE id <> 1") == [(members,)]


def test_a_run_may_load_through_another_mapping_of_the_same_tables(app_url, tmp_path):
    """Run config ``mapping``: a variant of the same tables loads in its place; one of other
    tables, or a file that cannot be read, is refused naming the file, nothing written."""
    assets = app_tables.build(_mapping_file(tmp_path))
    (tmp_path / "closed").mkdir()
    closed = _mapping_file(
        tmp_path / "closed", with_source("members", "status", {"constant": "closed"})
    )

    def run(variant) -> object:
        return materialize(
            [assets],
            partition_key="student",
            resources=resources_for(app_url, scale=0.3),
            run_config={"ops": {"app_tables": {"config": {"mapping": str(variant)}}}},
            raise_on_error=False,
        )

    done = run(closed)
    assert done.success
    assert query(app_url, "SELECT DISTINCT status FROM members WHERE id <> 1") == [("closed",)]
    [members] = [
        m for m in done.get_asset_materialization_events() if m.asset_key.path[-1] == "members"
    ]
    assert members.materialization.metadata["mapping"].value == str(closed)
    before = _dump(app_url, "members")
    fewer = yaml.safe_load(yaml.safe_dump(SOUND))
    del fewer["tables"]["ledger_entries"]
    (tmp_path / "fewer").mkdir()
    for variant, said in [
        (_mapping_file(tmp_path / "fewer", fewer), "its target and tables must be those of"),
        (tmp_path / "missing.yaml", "missing.yaml"),
    ]:
        refused = run(variant)
        assert not refused.success
        [failure] = refused.get_step_failure_events()
        message = failure.step_failure_data.error.message
        assert str(variant) in message and said in message
        assert _dump(app_url, "members") == before


def test_a_mapping_it_cannot_use_is_one_asset_that_names_the_refusal(tmp_path):
    path = _mapping_file(tmp_path, with_source("members", "email", {"column": "emial"}))
    assets = app_tables.build(path)
    assert [k.to_user_string() for k in assets.keys] == ["app/mapping"]
    result = materialize([assets], partition_key="student", raise_on_error=False)
    [failure] = result.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert f"{path}: table members, column email: column: users has no column 'emial'" in message


def test_the_one_command_loads_the_app_tables_with_ours(app_url, tmp_path):
    """`dagster asset materialize --select '*'` with SYNTH_TARGET set: the app's tables are
    assets of the code location, loaded after ours."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SYNTH_")},
        "SYNTH_TARGET": str(_mapping_file(tmp_path)),
        "SYNTH_DATABASE_URL": app_url,
        "SYNTH_AS_OF": AS_OF.isoformat(),
        "SYNTH_SCALE": "0.3",
        "SYNTH_EXPORT_DIR": str(tmp_path / "exports"),
        "DAGSTER_HOME": str(tmp_path),
    }
    command = [BIN / "dagster", "asset", "materialize", "-m", "synth_assets"]
    done = subprocess.run(
        [*command, "--select", "*", "--partition", "student"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    [[ours]] = query(app_url, "SELECT count(*) FROM users WHERE persona = 'student'")
    [[theirs]] = query(app_url, "SELECT count(*) FROM members WHERE id <> 1")
    assert ours == theirs > 0


def _engine(url):
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def test_a_reload_that_would_delete_the_apps_rows_with_its_own_is_refused(app_url, worlds):
    _load(app_url, worlds, "student")
    engine = _engine(app_url)
    with engine.begin() as conn:  # the app's note on a student member: ON DELETE CASCADE
        conn.execute(sa.text("INSERT INTO notes (member_id, body) VALUES (2, 'keep me')"))
    engine.dispose()
    with pytest.raises(loader.CollisionError, match="table notes, column member_id: 1 rows"):
        _load(app_url, worlds, "student")
    assert query(app_url, "SELECT body FROM notes") == [("keep me",)]


def test_a_cycle_at_a_nullable_key_that_is_not_deferrable_loads_in_the_mappings_schema(
    database_url, worlds
):
    """teams.lead_id -> people is nullable and not deferrable: written NULL, then filled in;
    the tables are in the schema ``crew``, beside a decoy ``public.people`` left alone."""
    url = other_database(database_url, f"synth_teams_{uuid.uuid4().hex[:6]}_test")
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE SCHEMA crew"))
            conn.execute(sa.text("CREATE TABLE public.people (id int PRIMARY KEY, email text)"))
        crew = engine.execution_options(schema_translate_map={None: "crew"})
        TEAMS.create_all(crew)
        content = {
            "target": {"models": "synth_assets_tests.support.app_schema:TEAMS", "schema": "crew"},
            "tables": {
                "teams": {
                    "rows": {"per": "people", "ratio": 4.0},
                    "columns": {"lead_id": {"parent": "people"}, "name": {"pool": "companies"}},
                },
                "people": {
                    "from": "users",
                    "columns": {"team_id": {"parent": "teams"}, "email": {"column": "email"}},
                },
            },
        }
        counts = _load(url, worlds, "student", content)
        assert _load(url, worlds, "student", content) == counts
        [[people, teams, led]] = query(
            url,
            "SELECT (SELECT count(*) FROM crew.people), (SELECT count(*) FROM crew.teams), "
            "(SELECT count(*) FROM crew.teams WHERE lead_id IS NOT NULL)",
        )
        assert (people, teams) == (counts["people"], counts["teams"]) and led == teams
        assert query(url, "SELECT count(*) FROM public.people") == [(0,)]
        with engine.begin() as conn:  # SERIAL: the app's next person gets a fresh key
            fresh = conn.execute(
                sa.text(
                    "INSERT INTO crew.people (team_id, email) VALUES (1, 'x@app.example') RETURNING id"
                )
            ).scalar()
        [[end]] = query(
            url,
            "SELECT max(first_key + size - 1) FROM synth_target.key_blocks WHERE table_name = 'crew.people'",
        )
        assert fresh > end
    finally:
        engine.dispose()
        drop_database(database_url, target.database_name(url))


@pytest.mark.parametrize(
    ("target_spec", "environment", "named"),
    [
        ({"models": "raising_models:Base"}, {}, "importing 'raising_models' failed: RuntimeError: boom"),
        ({"database_env": "APP_URL"}, {"APP_URL": "postgresql://app:S3cret@PW@127.0.0.1:1/app_test"},
         "target.database_env: APP_URL"),
        ({"database_env": "APP_URL"}, {"APP_URL": "postgresql://app:S3cretPW@127.0.0.1:1/app_test"},
         "cannot read the schema 'public' of"),
    ],
)  # fmt: skip
def test_a_schema_it_cannot_read_still_lets_the_code_location_load(
    tmp_path, monkeypatch, target_spec, environment, named
):
    (tmp_path / "raising_models.py").write_text("raise RuntimeError('boom')\n")
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    path = _mapping_file(tmp_path, {"target": target_spec, "tables": {}})
    assets = app_tables.build(path)
    assert [k.to_user_string() for k in assets.keys] == ["app/mapping"]
    result = materialize([assets], partition_key="student", raise_on_error=False)
    [failure] = result.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert named in message and "S3cret" not in message, message


def test_moving_the_as_of_posts_pending_rows_in_the_apps_tables_too(app_url, personas):
    """A day later, the card purchases pending on the first day have posted: their posted
    rows reach ledger_entries (the mapping takes posted rows), the members stay as they were."""
    read = mapping.Mapping.model_validate(SOUND)
    schema = schema_input.read(read.target)
    student = personas["student"]
    days = [AS_OF, AS_OF + dt.timedelta(days=1)]
    worlds = [generate_all(Context(student, seed=SEED, scale=0.3, as_of=day)) for day in days]
    seen = []
    for frames in worlds:
        loader.load(app_url, "student", read, schema, frames, SEED, 0.3)
        seen.append(({r[0] for r in _dump(app_url, "ledger_entries")}, _dump(app_url, "members")))
    first, second = worlds
    pending = set(first["transactions"].loc[first["transactions"]["pending"], "transaction_id"])
    later = second["transactions"]
    posted = later.loc[~later["pending"] & later["pending_transaction_id"].isin(pending)]
    assert len(posted) > 0
    posted_ids = {uuid.UUID(i) for i in posted["transaction_id"]}
    assert posted_ids <= seen[1][0] and not posted_ids & seen[0][0]
    assert seen[1][1] == seen[0][1]  # the members, keys and all
