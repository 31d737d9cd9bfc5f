"""Dagster end to end in-process: one persona's assets, checks and loader, into a real database."""

import datetime as dt

import pytest
from dagster import DagsterInstance, MarkdownMetadataValue, materialize

from synth_assets.checks import registry
from synth_assets.definitions import ALL_ASSETS, TABLE_ASSETS
from synth_assets.defs import assets
from synth_assets.defs.io_managers import ARROW_MAGIC, read_frame, write_frame
from synth_assets.defs.resources import SynthDatabase
from synth_assets.load import schema, staging
from synth_assets_tests.support.database import other_database, query, stored_rows
from synth_assets_tests.support.runs import AS_OF, metadata_of, resources_for


@pytest.mark.xdist_group("retiree_run")
def test_materialize_one_persona_with_checks(retiree_run, frames):
    persona, result = retiree_run.persona, retiree_run.result
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(registry.RULES)
    assert all(e.passed for e in evaluations)
    assert {e.partition for e in evaluations} == {persona}  # the checks tab names the persona
    by_asset = {
        event.asset_key.path[-1]: event.event_specific_data.materialization
        for event in result.get_asset_materialization_events()
    }
    for table in schema.TABLE_NAMES:
        materialization = by_asset[table]
        assert materialization.partition == persona
        metadata = materialization.metadata
        assert metadata["dagster/row_count"].value == len(frames[persona][table])
        assert [c.name for c in metadata["dagster/column_schema"].schema.columns] == schema.columns(
            table
        )
        assert metadata["preview"].md_str.startswith("| ")
        assert stored_rows(retiree_run.url, table, persona) == len(frames[persona][table]), table
    loaded = by_asset["postgres_tables"].metadata
    assert loaded["dagster/row_count"].value == sum(len(f) for f in frames[persona].values())


def test_run_config_seed_changes_the_data(database_url, frames):
    """A run of its own: its run config is what is tested."""
    persona = "retiree"
    url = other_database(database_url, "synth_seed_test")
    result = materialize(
        [*TABLE_ASSETS, assets.postgres_tables],
        partition_key=persona,
        resources=resources_for(url),
        run_config={"resources": {"generation": {"config": {"seed": 7, "scale": 2.0}}}},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    ids = {row[0] for row in query(url, "SELECT id FROM users WHERE persona = %s", (persona,))}
    assert len(ids) == 2 * len(frames[persona]["users"])
    assert not ids & set(frames[persona]["users"]["id"])


def test_tables_round_trip_exactly_through_step_storage(frames, tmp_path):
    """A later run reads back exactly the frames a step wrote: values and dtypes."""
    path = str(tmp_path / "table.arrow")
    for persona, tables in frames.items():
        for table, frame in tables.items():
            write_frame(frame, path)
            back = read_frame(path)
            assert back.equals(frame), (persona, table)
            assert back.dtypes.to_dict() == frame.dtypes.to_dict(), (persona, table)
    with open(path, "rb") as file:
        assert file.read(len(ARROW_MAGIC)) == ARROW_MAGIC


@pytest.mark.xdist_group("retiree_run")
def test_check_results_name_their_persona_and_fidelity_renders_as_a_table(retiree_run):
    """The checks tab shows no partition for a check: each result names its persona in its
    metadata and description; the fidelity metrics are a markdown table, not raw text."""
    evaluations = retiree_run.result.get_asset_check_evaluations()
    for evaluation in evaluations:
        assert evaluation.metadata["persona"].value == "retiree"
        assert evaluation.description.startswith("retiree: ")
    fidelity = [e for e in evaluations if "metrics" in e.metadata]
    assert fidelity and all(
        isinstance(e.metadata["metrics"], MarkdownMetadataValue)
        and e.metadata["metrics"].md_str.startswith("| metric |")
        for e in fidelity
    )


def _failure(result) -> str:
    [failure] = result.get_step_failure_events()
    return failure.step_failure_data.error.message


def test_the_loader_and_exports_run_alone_on_tables_staged_for_the_same_day(database_url):
    """A loader refused after its tables were staged (here: an older day than the one in
    place) leaves the staging; a run of the loader alone, for the same day, publishes it.
    Alone for another day, or after tables that ran without it, it refuses, saying what to run."""
    persona, url = "student", other_database(database_url, "synth_alone_test")
    instance = DagsterInstance.ephemeral()
    later = (AS_OF + dt.timedelta(days=3)).isoformat()

    def run(selection, as_of=None, allow_older=False):
        resources = resources_for(url, scale=0.1, as_of=as_of or AS_OF.isoformat())
        resources["database"] = SynthDatabase(url=url, allow_older_as_of=allow_older)
        return materialize(
            ALL_ASSETS, selection=selection, partition_key=persona, resources=resources,
            instance=instance, raise_on_error=False,
        )  # fmt: skip

    assert run("*", as_of=later).success
    refused = run("*")  # older than the day in place: the loader refuses, the rows stay staged
    assert "older" in _failure(refused) and staging.published_as_of(
        url, persona
    ) == AS_OF + dt.timedelta(days=3)
    staged_rows = sum(
        metadata_of(refused, table)["dagster/row_count"].value for table in schema.TABLE_NAMES
    )
    other_day = run("postgres_tables", as_of=later, allow_older=True)
    assert f"materialised as of {AS_OF}; this run is as of {later}" in _failure(other_day)
    alone = run("postgres_tables", allow_older=True)
    assert alone.success, _failure(alone)
    assert metadata_of(alone, "postgres_tables")["dagster/row_count"].value == staged_rows
    assert staging.published_as_of(url, persona) == AS_OF
    # Tables that ran without the loader staged nothing: the loader alone says what to run.
    assert run(list(schema.TABLE_NAMES)).success
    unstaged = _failure(run("postgres_tables", allow_older=True))
    assert "ran without the loader" in unstaged and "--select '*postgres_tables'" in unstaged
    no_parts = _failure(run("exports"))
    assert "wrote no export parts" in no_parts and "'*exports'" in no_parts
