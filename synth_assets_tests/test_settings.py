"""Run settings: run config overrides only the fields it names, the environment supplies the
rest, a configured target that is empty or unusable is an error (never a fall-back to the
embedded server), and the run's metadata says what was in force and where it came from."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from dagster import AssetSelection, DagsterInstance, materialize

from synth_assets import settings
from synth_assets.checks.realism import STAMPED
from synth_assets.definitions import ALL_ASSETS, TABLE_ASSETS
from synth_assets.defs import assets
from synth_assets.defs.resources import GenerationSettings, SynthDatabase, default_resources
from synth_assets.generate.calendar import last_whole_day
from synth_assets.generate.common import Context
from synth_assets.generate.users import generate_users
from synth_assets.load import postgres, staging, target
from synth_assets.settings import LAST_WHOLE_DAY, SettingError
from synth_assets_tests.support.database import (
    checksums,
    other_database,
    query,
    stored_rows,
    worker_name,
)
from synth_assets_tests.support.runs import AS_OF, metadata_of, resources_for

PERSONA = "retiree"


def test_run_config_for_a_resource_keeps_what_the_environment_set(
    database_url, personas, tmp_path, monkeypatch
):
    """The hostile tester's command: SYNTH_DATABASE_URL and SYNTH_SCALE in the environment,
    run config naming only statement_timeout_s (and the README's seed example). A run of its
    own: the environment and run config it is given are what is tested."""
    fault = other_database(database_url, "synth_fault_test")
    monkeypatch.setenv("SYNTH_DATABASE_URL", fault)
    monkeypatch.setenv("SYNTH_SCALE", "2")
    monkeypatch.setenv("SYNTH_EXPORT_DIR", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))  # no embedded server here
    run_config = {
        "resources": {
            "database": {"config": {"statement_timeout_s": 5}},
            "generation": {"config": {"seed": 7}},
        }
    }
    started = dt.datetime.now(dt.UTC)
    result = materialize(
        ALL_ASSETS,
        partition_key=PERSONA,
        resources=default_resources(),
        run_config=run_config,
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    yesterday = last_whole_day(started)  # no as-of configured: the last whole day
    expected = generate_users(Context(personas[PERSONA], seed=7, scale=2, as_of=yesterday))
    assert stored_rows(fault, "users", PERSONA) == len(expected)
    assert not (tmp_path / "home" / "pgdata").exists()
    loaded = metadata_of(result, "postgres_tables")["database_settings"].value
    assert loaded["url"]["source"] == "SYNTH_DATABASE_URL"
    assert target.database_name(loaded["url"]["value"]) == worker_name("synth_fault_test")
    assert loaded["statement_timeout_s"] == {"value": 5.0, "source": "config"}
    assert loaded["allow_any_database"] == {"value": False, "source": "default"}
    generation = metadata_of(result, "users")["generation_settings"].value
    assert generation == {
        "seed": {"value": 7, "source": "config"},
        "scale": {"value": 2.0, "source": "SYNTH_SCALE"},
        "shard_users": {"value": 250, "source": "default"},
        "as_of": {"value": yesterday.isoformat(), "source": LAST_WHOLE_DAY},
    }
    for table, columns in STAMPED.items():  # nothing stored happened after the run started
        for column in columns:
            statement = f"SELECT max({column}) FROM {table} WHERE persona = %s"
            [[latest]] = query(fault, statement, (PERSONA,))
            assert latest < started.replace(tzinfo=None), (table, column, latest)


@pytest.mark.parametrize("url", ["", "   ", "postgresql://u:Head@Tail@127.0.0.1/x_test"])
def test_an_empty_or_unusable_configured_target_fails_without_falling_back(
    tmp_path, monkeypatch, url
):
    """A run of its own, refused at its first step: the configured target is what is tested."""
    monkeypatch.setenv("SYNTH_DATABASE_URL", url)
    monkeypatch.setenv("SYNTH_EXPORT_DIR", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    result = materialize(
        [*TABLE_ASSETS, assets.postgres_tables],
        partition_key=PERSONA,
        resources=default_resources(),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    # The shard plan, the first step to reach for the target, fails at once, without retries.
    planner = [e for e in result.all_events if e.step_key == "persona_tables.plan_shards"]
    assert not any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in result.all_events)
    failure = next(e for e in planner if e.is_step_failure)
    assert "SYNTH_DATABASE_URL" in str(failure.event_specific_data.error)
    assert not (tmp_path / "home" / "pgdata").exists(), "fell back to the embedded server"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SYNTH_SCALE", "0"),
        ("SYNTH_SCALE", "-2"),
        ("SYNTH_SCALE", "nan"),
        ("SYNTH_SCALE", "inf"),
        ("SYNTH_SCALE", "1e9"),
        ("SYNTH_SCALE", "twenty"),
        ("SYNTH_SEED", "-1"),
        ("SYNTH_SEED", "4.5"),
        ("SYNTH_SEED", "99999999999999999999999"),
        ("SYNTH_AS_OF", "2026-02-30"),
        ("SYNTH_AS_OF", "yesterday"),
        ("SYNTH_AS_OF", ""),
        ("SYNTH_AS_OF", "2026-12-02T00:00"),
        ("SYNTH_AS_OF", "1999-01-01"),
        ("SYNTH_AS_OF", "2150-01-01"),
        ("SYNTH_AS_OF", "20261202"),
        ("SYNTH_AS_OF", "2026-11-20"),  # the run's own day: it has not ended
        ("SYNTH_AS_OF", "2099-12-31"),
    ],
)
def test_bad_generation_settings_in_the_environment_name_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError, match=variable):
        settings = GenerationSettings()
        started = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
        settings.context(PERSONA, settings.as_of_date(started).value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SYNTH_STATEMENT_TIMEOUT_S", "0"),
        ("SYNTH_STATEMENT_TIMEOUT_S", "nan"),
        ("SYNTH_ALLOW_ANY_DATABASE", "maybe"),
        ("SYNTH_ALLOW_OLDER_AS_OF", "maybe"),
        ("SYNTH_ALLOW_OLDER_AS_OF", "2"),
    ],
)
def test_bad_database_settings_in_the_environment_name_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError, match=variable):
        SynthDatabase().resolved()


def test_config_beats_environment_beats_default(monkeypatch):
    monkeypatch.delenv("SYNTH_SEED", raising=False)
    monkeypatch.setenv("SYNTH_SCALE", "3")
    resolved = GenerationSettings(scale=0.5).resolved()
    assert (resolved["scale"].value, resolved["scale"].source) == (0.5, "config")
    assert (resolved["seed"].value, resolved["seed"].source) == (42, "default")
    resolved = GenerationSettings().resolved()
    assert (resolved["scale"].value, resolved["scale"].source) == (3.0, "SYNTH_SCALE")


def test_the_database_password_is_never_in_the_settings_metadata(monkeypatch):
    monkeypatch.setenv("SYNTH_DATABASE_URL", "postgresql://u:pw-hidden-9@db.example:5432/a_test")
    database = SynthDatabase()
    resolved = database.resolved()
    shown = database.described(resolved, database.target(resolved))
    assert "pw-hidden-9" not in str(shown)
    assert shown["url"] == {
        "value": "postgresql://u:***@db.example:5432/a_test",
        "source": "SYNTH_DATABASE_URL",
    }


@pytest.mark.parametrize("value", ["0.0004", "1e-300"])
def test_a_timeout_that_would_round_to_no_timeout_is_refused(monkeypatch, value):
    monkeypatch.setenv("SYNTH_STATEMENT_TIMEOUT_S", value)
    with pytest.raises(SettingError, match="SYNTH_STATEMENT_TIMEOUT_S"):
        SynthDatabase().resolved()


def test_an_older_as_of_is_refused_at_publish_unless_the_run_allows_it(database_url, frames):
    """Runs of its own: the as-of order is what is tested. The loader refuses a day older than
    the published one once, without retries, naming the setting; a run that writes only files
    for that day is not refused; the setting lets the older day be published."""
    url = other_database(database_url, "synth_order_test")
    postgres.ensure_schema(url)
    postgres.replace_partition(url, PERSONA, frames[PERSONA], as_of=AS_OF)
    before = checksums(url, PERSONA)
    earlier = (AS_OF - dt.timedelta(days=3)).isoformat()

    def run(selection, **database: object):
        resources = resources_for(url, as_of=earlier)
        resources["database"] = SynthDatabase(url=url, **database)
        return materialize(
            ALL_ASSETS,
            selection=selection,
            partition_key=PERSONA,
            resources=resources,
            instance=DagsterInstance.ephemeral(),
            raise_on_error=False,
        )

    refused = run(AssetSelection.all())
    assert not refused.success
    assert not any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in refused.all_events)
    [failure] = [e for e in refused.all_events if e.is_step_failure]
    assert failure.step_key == "postgres_tables"
    assert "SYNTH_ALLOW_OLDER_AS_OF=1" in str(failure.event_specific_data.error)
    assert checksums(url, PERSONA) == before
    files_only = run(AssetSelection.assets("exports").upstream())
    assert files_only.success
    allowed = run(AssetSelection.all(), allow_older_as_of=True)
    assert allowed.success
    assert staging.published_as_of(url, PERSONA).isoformat() == earlier
    loaded = metadata_of(allowed, "postgres_tables")["database_settings"].value
    assert loaded["allow_older_as_of"] == {"value": True, "source": "config"}


def test_text_settings_read_the_same_from_run_config_and_the_environment(monkeypatch):
    """Spaces around a value are dropped in both places (they were from the environment
    only, so the same as-of was accepted from one and refused from the other)."""
    monkeypatch.setenv("SYNTH_AS_OF", " 2026-11-20 ")
    from_env = GenerationSettings().resolved()["as_of"]
    from_config = GenerationSettings(as_of=" 2026-11-20 ").resolved()["as_of"]
    assert from_env.value == from_config.value == dt.date(2026, 11, 20)
    assert (from_env.source, from_config.source) == ("SYNTH_AS_OF", "config")


def test_a_runs_pinned_environment_beats_the_steps_own(monkeypatch, tmp_path):
    """What a Celery worker with settings of its own resolves: the run's, each unset one of
    the run's taking its default, never the worker's; secrets are not pinned."""
    monkeypatch.chdir(tmp_path)
    started = {"SYNTH_AS_OF": "2026-11-20", "SYNTH_PERSONAS_DIR": "mine",
               "SYNTH_DATABASE_URL": "postgresql://u:pw@h/a_test"}  # fmt: skip
    pinned = settings.run_environment(started)
    assert pinned["SYNTH_PERSONAS_DIR"] == str(tmp_path / "mine")
    assert pinned["cwd"] == str(tmp_path)
    assert "SYNTH_DATABASE_URL" not in pinned and "pw" not in json.dumps(pinned)
    monkeypatch.setenv("SYNTH_AS_OF", "2026-11-01")
    monkeypatch.setenv("SYNTH_SEED", "99")
    as_of = settings.resolve(settings.AS_OF, None, pinned)
    seed = settings.resolve(settings.SEED, None, pinned)
    assert (as_of.value, as_of.source) == (dt.date(2026, 11, 20), "SYNTH_AS_OF")
    assert (seed.value, seed.source) == (42, "default")
    assert settings.resolve(settings.SEED, 7, pinned).value == 7  # run config still wins


@pytest.mark.parametrize("tag", ["not json", "[1, 2]", '{"SYNTH_SEED": 7}', '{"SYNTH_AS_OF": {}}'])
def test_a_garbled_run_environment_tag_is_refused_by_name(tag):
    """The tag a run's settings are pinned in, set by hand on a launch: refused, not
    half-read."""
    instance = DagsterInstance.ephemeral()
    result = materialize(
        TABLE_ASSETS,
        partition_key=PERSONA,
        resources=resources_for("postgresql://nobody@127.0.0.1:1/never_test"),
        instance=instance,
        tags={"synth/run_environment": tag},
        raise_on_error=False,
    )
    assert not result.success
    errors = [
        str(e.event_specific_data.error)
        for e in result.all_events
        if e.event_type_value in ("RESOURCE_INIT_FAILURE", "STEP_FAILURE")
    ]
    assert errors and all("run tag synth/run_environment is not a JSON object" in e for e in errors)
