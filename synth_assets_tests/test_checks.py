"""Integrity checks: the plain rules catch each defect; in Dagster a failing check blocks the loader."""

import pandas as pd
import pytest
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetOut,
    DagsterInstance,
    Output,
    asset,
    materialize,
    multi_asset,
)

from synth_assets.checks import integrity
from synth_assets.definitions import ALL_ASSETS, ALL_CHECKS
from synth_assets.defs.partitions import persona_partitions
from synth_assets.defs.resources import GenerationSettings
from synth_assets.generate.banking import generate_banking
from synth_assets.generate.jobs import generate_jobs
from synth_assets_tests.conftest import resources_for, stored_rows


def test_unique_reports_duplicates_and_nulls():
    frame = pd.DataFrame({"id": ["a", "b", "b", None]})
    finding = integrity.unique(frame, "id")
    assert not finding.passed
    assert finding.failures == 3
    assert finding.examples[:1] == ["b"]


def test_foreign_key_reports_orphans_and_respects_nullable():
    parent = pd.DataFrame({"id": ["u1", "u2"]})
    child = pd.DataFrame({"user_id": ["u1", "ghost", None]})
    assert integrity.foreign_key(child, "user_id", parent, "id").failures == 2
    nullable = integrity.foreign_key(child, "user_id", parent, "id", nullable=True)
    assert nullable.failures == 1 and nullable.examples == ["ghost"]


def test_every_shipped_persona_passes_integrity(frames):
    for name, f in frames.items():
        findings = [
            integrity.unique(f["users"], "email"),
            integrity.foreign_key(f["transactions"], "account_id", f["accounts"], "account_id"),
            integrity.one_completed_job_per_content(f["content"], f["jobs"]),
        ]
        assert all(x.passed for x in findings), (name, findings)


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(
            lambda jobs: jobs[jobs["status"] != "completed"], id="content without its job"
        ),
        pytest.param(
            lambda jobs: pd.concat(
                [jobs, jobs[jobs["status"] == "completed"].head(1).assign(id="x")]
            ),
            id="two completed jobs",
        ),
        pytest.param(
            lambda jobs: jobs.assign(prompt=jobs["prompt"].where(jobs.index != 0, "other")),
            id="prompt differs",
        ),
    ],
)
def test_content_job_pairing_catches_each_defect(frames, corrupt):
    f = frames["student"]
    finding = integrity.one_completed_job_per_content(f["content"], corrupt(f["jobs"]))
    assert not finding.passed and finding.failures >= 1 and finding.examples


@asset(name="jobs", partitions_def=persona_partitions, group_name="content")
def jobs_missing_one(
    context: AssetExecutionContext,
    generation: GenerationSettings,
    users: pd.DataFrame,
    content: pd.DataFrame,
) -> pd.DataFrame:
    """The real generator's jobs minus one completed job: valid for the database's constraints,
    invalid for the product (a content item without its job), so only the check can stop it."""
    frame = generate_jobs(generation.context(context.partition_key), users, content)
    return frame.drop(index=frame.index[frame["status"] == "completed"][0])


@multi_asset(
    name="banking",
    partitions_def=persona_partitions,
    outs={
        "accounts": AssetOut(group_name="banking"),
        "transactions": AssetOut(group_name="banking"),
    },
    internal_asset_deps={"accounts": {AssetKey("users")}, "transactions": {AssetKey("accounts")}},
)
def banking_in_store_typo(
    context: AssetExecutionContext, generation: GenerationSettings, users: pd.DataFrame
):
    """Real accounts and transactions, with Plaid's "in store" misspelt "in_store" on ten rows."""
    accounts, transactions = generate_banking(generation.context(context.partition_key), users)
    transactions.loc[transactions.index[:10], "payment_channel"] = "in_store"
    yield Output(accounts, output_name="accounts")
    yield Output(transactions, output_name="transactions")


@pytest.mark.parametrize(
    ("corrupt", "table", "check", "failures_key", "failures"),
    [
        (
            jobs_missing_one,
            "jobs",
            "integrity",
            "one completed job with the same prompt per content item: failures",
            1,
        ),
        (banking_in_store_typo, "transactions", "plaid_format", "errors", 10),
    ],
)
def test_failing_check_blocks_the_loader(
    database_url, corrupt, table, check, failures_key, failures
):
    persona = "retiree"
    stored = stored_rows(database_url, table, persona)
    assets = [corrupt if set(a.keys) & set(corrupt.keys) else a for a in ALL_ASSETS]
    result = materialize(
        [*assets, *ALL_CHECKS],
        partition_key=persona,
        resources=resources_for(database_url),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    evaluations = {
        (e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()
    }
    failed = evaluations[(table, check)]
    assert not failed.passed
    assert failed.metadata[failures_key].value == failures
    materialized = {event.asset_key.path[-1] for event in result.get_asset_materialization_events()}
    assert "users" in materialized
    assert "postgres_tables" not in materialized
    loader_events = {
        e.event_type_value for e in result.all_events if e.step_key == "postgres_tables"
    }
    assert "STEP_START" not in loader_events, "the loader ran although a blocking check failed"
    assert evaluations[("users", "integrity")].passed
    assert stored_rows(database_url, table, persona) == stored
