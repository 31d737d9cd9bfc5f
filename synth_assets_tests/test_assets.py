"""Dagster end to end in-process: one persona's assets, checks and loader, into a real database."""

from dagster import DagsterInstance, MarkdownMetadataValue, materialize

from synth_assets.checks import registry
from synth_assets.definitions import TABLE_ASSETS
from synth_assets.defs import assets
from synth_assets.defs.io_managers import ARROW_MAGIC, read_frame, write_frame
from synth_assets.load import schema
from synth_assets_tests.support.database import other_database, query, stored_rows
from synth_assets_tests.support.runs import resources_for


def test_materialize_one_persona_with_checks(retiree_run, frames):
    persona, result = retiree_run.persona, retiree_run.result
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(registry.RULES)
    assert all(e.passed for e in evaluations)
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
