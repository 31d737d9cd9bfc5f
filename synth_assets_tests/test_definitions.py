"""The code location loads, and every asset and check is described, grouped and partitioned."""

import re
from pathlib import Path

import pytest

from synth_assets.definitions import defs
from synth_assets.defs.partitions import persona_partitions
from synth_assets.load import schema
from synth_assets.personas import load_personas


def test_definitions_load_with_all_assets_checks_and_jobs():
    graph = defs.resolve_asset_graph()
    keys = {key.path[-1] for key in graph.get_all_asset_keys()}
    assert keys == {*schema.TABLE_NAMES, "postgres_tables", "exports"}
    checks = {(key.asset_key.path[-1], key.name) for key in graph.asset_check_keys}
    expected = {(table, "integrity") for table in schema.TABLE_NAMES}
    expected |= {(table, "plaid_format") for table in ("accounts", "transactions", "liabilities")}
    expected |= {
        (table, "persona_fidelity") for table in ("users", "accounts", "transactions", "jobs")
    }
    expected |= {
        (table, "time_integrity")
        for table in ("users", "accounts", "transactions", "content", "jobs")
    }
    expected |= {
        ("transactions", rule)
        for rule in ("balance_consistency", "card_payment_pairing", "recurring_regularity")
    }
    expected |= {("liabilities", "follows_transactions")}
    statements = {
        ("transactions", "net_pay"),
        ("transactions", "bank_days"),
        ("transactions", "sweep_round_trips"),
        ("transactions", "channels"),
        ("transactions", "fixed_prices"),
        ("transactions", "service_rates"),
        ("transactions", "regular_places"),
        ("transactions", "enrichment"),
        ("users", "real_places"),
        ("content", "prompt_fit"),
    }
    assert checks == expected | statements
    blocking = {
        (k.asset_key.path[-1], k.name)
        for k in graph.asset_check_keys
        if graph.get_check_spec(k).blocking
    }
    assert blocking == expected - {(t, "persona_fidelity") for t in schema.TABLE_NAMES} - {
        ("transactions", "recurring_regularity")
    }
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert "refresh_all_personas" in jobs
    refresh = defs.resolve_job_def("refresh_all_personas")
    assert refresh.partitions_def == persona_partitions
    selected = {key.path[-1] for key in refresh.asset_layer.asset_graph.get_all_asset_keys()}
    assert {*schema.TABLE_NAMES, "postgres_tables", "exports"} <= selected


def test_every_asset_is_described_grouped_kinded_and_partitioned():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.group_name != "default", key
        assert node.kinds, key
        assert node.partitions_def == persona_partitions, key


def test_dependencies_mirror_foreign_keys():
    graph = defs.resolve_asset_graph()
    parents = {
        key.path[-1]: {p.path[-1] for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    assert parents["accounts"] == {"users"}
    assert "accounts" in parents["transactions"]
    assert "accounts" in parents["liabilities"]
    assert parents["content"] == {"users"}
    assert {"content", "users"} <= parents["jobs"]
    assert parents["transaction_changes"] == {"accounts", "transactions"}
    assert parents["postgres_tables"] == set(schema.TABLE_NAMES)


def test_integrity_and_format_checks_block_fidelity_checks_warn():
    graph = defs.resolve_asset_graph()
    for key in graph.asset_check_keys:
        warns = key.name in (
            "persona_fidelity", "recurring_regularity", "net_pay", "bank_days",
            "sweep_round_trips", "channels", "fixed_prices", "service_rates", "regular_places",
            "enrichment",
            "real_places",
            "prompt_fit",
        )  # fmt: skip
        assert graph.get_check_spec(key).blocking == (not warns), key


def test_partitions_are_the_persona_files():
    assert persona_partitions.get_partition_keys() == sorted(load_personas())


def test_exports_read_the_same_tables_as_the_loader():
    graph = defs.resolve_asset_graph()
    parents = {
        key.path[-1]: {p.path[-1] for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    assert parents["exports"] == parents["postgres_tables"] == set(schema.TABLE_NAMES)


def test_no_module_imports_dagster_private_api():
    """Dagster's ``dagster._…`` modules change on any release; only public API is used."""
    root = Path(__file__).resolve().parent.parent
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("synth_assets", "synth_assets_tests", "benchmarks")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*(from|import)\s+dagster(_\w+)?\._", line)
    ]
    assert offenders == []


def test_an_unknown_executor_is_refused_naming_the_variable(monkeypatch):
    from synth_assets.defs.executors import executor
    from synth_assets.settings import SettingError

    assert executor({"SYNTH_EXECUTOR": "multiprocess"}).name == "multiprocess"
    assert executor({}).name == "in_process"
    monkeypatch.setenv("SYNTH_EXECUTOR", "celery")  # with no settings given, the environment
    assert executor().name == "synth_celery_executor"
    with pytest.raises(SettingError, match="SYNTH_EXECUTOR='kubernetes' is not one of"):
        executor({"SYNTH_EXECUTOR": "kubernetes"})
