"""The bulk path: the same data as the asset graph, generated, checked and loaded one block of
users at a time in one transaction; a failing block leaves the database as it was."""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from dagster import DagsterInstance, materialize

from synth_assets import bulk
from synth_assets.defs.bulk import RULES_CHECK, postgres_tables_bulk
from synth_assets.generate.banking import BLOCK_USERS, banking_blocks
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres, schema
from synth_assets_tests.conftest import (
    checksums,
    other_database,
    query,
    resources_for,
    stored_rows,
)

ROOT = Path(__file__).resolve().parent.parent
PERSONA = "retiree"
SCALE = 7.0  # 280 users: two blocks


@pytest.fixture(scope="module")
def multi_block(personas):
    ctx = Context(personas[PERSONA], scale=SCALE)
    return ctx, generate_all(ctx)


@pytest.fixture(scope="module")
def bulk_url(database_url):
    url = other_database(database_url, "synth_bulk_test")
    postgres.ensure_schema(url)
    return url


def test_blocks_are_self_contained_and_draw_their_own_streams(multi_block):
    ctx, frames = multi_block
    blocks = list(banking_blocks(ctx, frames["users"]))
    assert len(frames["users"]) > BLOCK_USERS and len(blocks) == 2
    for block in blocks:
        assert set(block.accounts["user_id"]) <= set(block.users["id"])
        assert set(block.transactions["account_id"]) <= set(block.accounts["account_id"])
    first, second = (set(b.transactions["transaction_id"]) for b in blocks)
    assert first and second and not first & second
    # Blocks are not copies of each other: their users' spending differs.
    amounts = [b.transactions["amount"].to_numpy()[:100] for b in blocks]
    assert not np.array_equal(*amounts)


def test_bulk_load_stores_exactly_what_the_graph_generates(bulk_url, multi_block):
    ctx, frames = multi_block
    postgres.replace_partition(bulk_url, PERSONA, frames)
    expected = checksums(bulk_url, PERSONA)
    seen: list[bulk.Progress] = []
    result = bulk.load_persona(ctx, bulk_url, progress=seen.append)
    assert checksums(bulk_url, PERSONA) == expected
    assert result.rows == {table: len(frames[table]) for table in schema.TABLE_NAMES}
    assert result.deleted == result.rows
    assert [p.block for p in seen] == [1, 2]
    assert seen[-1].transactions == len(frames["transactions"])
    plaid_rows = sum(len(frames[t]) for t in ("accounts", "transactions", "liabilities"))
    assert result.checked["Plaid format"] == plaid_rows


def _corrupt_second_block(real):
    def blocks(ctx, users):
        for block in real(ctx, users):
            if block.index == 1:
                bad = block.transactions.copy()
                bad.loc[5, "authorized_date"] = bad.loc[5, "date"] + np.timedelta64(3, "D")
                block = dataclasses.replace(block, transactions=bad)
            yield block

    return blocks


def test_a_failing_block_rolls_the_whole_load_back(bulk_url, multi_block, monkeypatch):
    ctx, frames = multi_block
    postgres.replace_partition(bulk_url, PERSONA, frames)
    before = checksums(bulk_url, PERSONA)
    monkeypatch.setattr(bulk, "banking_blocks", _corrupt_second_block(bulk.banking_blocks))
    with pytest.raises(bulk.BulkCheckError) as raised:
        bulk.load_persona(ctx, bulk_url)
    assert raised.value.where == "block 2 of 2"
    # Plaid's rules and the time rules both see a posting before its authorisation.
    failed = {f.rule: f.failures for f in raised.value.failed}
    assert failed == {"Plaid format": 1, "authorized on or before posted": 1}
    assert checksums(bulk_url, PERSONA) == before
    active = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND state <> 'idle'"
    assert query(bulk_url, active, (postgres.APPLICATION_NAME,))[0][0] == 0


def test_bulk_asset_reports_its_check_and_loads_through_dagster(bulk_url):
    result = materialize(
        [postgres_tables_bulk],
        partition_key="student",
        resources=resources_for(bulk_url),
        run_config={"ops": {postgres_tables_bulk.op.name: {"config": {"transactions": 30_000}}}},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == RULES_CHECK and evaluation.passed
    [event] = result.get_asset_materialization_events()
    metadata = event.event_specific_data.materialization.metadata
    stored = metadata["rows_per_table"].value
    assert 25_000 < stored["transactions"] < 35_000
    for table in schema.TABLE_NAMES:
        assert stored_rows(bulk_url, table, "student") == stored[table], table
    assert metadata["blocks"].value == -(-stored["users"] // BLOCK_USERS)


def test_cli_loads_and_refuses_unsafe_targets(bulk_url, personas):
    def run(url: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "synth_assets.bulk", "family"],
            cwd=ROOT,
            env={**os.environ, "SYNTH_DATABASE_URL": url},
            capture_output=True,
            text=True,
        )

    done = run(bulk_url)
    assert done.returncode == 0, done.stderr
    assert "loaded" in done.stdout
    expected = generate_all(Context(personas["family"]))
    assert stored_rows(bulk_url, "transactions", "family") == len(expected["transactions"])
    refused = run(bulk_url.replace("synth_bulk_test", "synth_bulk_prod"))
    assert refused.returncode != 0 and "refusing to load" in refused.stderr
