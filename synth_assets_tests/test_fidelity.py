"""Persona fidelity: every metric holds on the shipped personas, and each one catches a
deliberate defect of the kind it exists for."""

from __future__ import annotations

import pytest

from synth_assets.checks import fidelity
from synth_assets.personas import Persona
from synth_assets_tests.support.runs import AS_OF

NAME = "family"


def _all(persona: Persona, f: dict) -> list[fidelity.Metric]:
    return [
        *fidelity.job_status_mix(persona, f["jobs"]),
        *fidelity.account_mix(persona, f["users"], f["accounts"]),
        *fidelity.income_level(persona, f["users"]),
        *fidelity.spending(persona, persona.window(AS_OF), f["users"], f["transactions"]),
    ]


def _failed(metrics: list[fidelity.Metric]) -> set[str]:
    return {m.name for m in metrics if not m.ok}


@pytest.mark.parametrize("name", ["family", "student", "retiree"])
def test_every_metric_holds_on_a_shipped_persona(personas, frames, name):
    metrics = _all(personas[name], frames[name])
    assert len(metrics) > 10
    assert _failed(metrics) == set(), [m for m in metrics if not m.ok]


def test_job_status_mix_catches_a_skewed_mix(personas, frames):
    jobs = frames[NAME]["jobs"].copy()
    jobs.loc[jobs.index[: len(jobs) // 5], "status"] = "failed"
    failed = _failed(fidelity.job_status_mix(personas[NAME], jobs))
    assert {"jobs completed share", "jobs failed share"} <= failed


def test_account_mix_catches_missing_products(personas, frames):
    f = frames[NAME]
    accounts = f["accounts"][f["accounts"]["kind"] != "mortgage"]
    assert _failed(fidelity.account_mix(personas[NAME], f["users"], accounts)) == {
        "users with mortgage"
    }


def test_income_level_catches_a_shifted_median(personas, frames):
    users = frames[NAME]["users"].copy()
    users["annual_income"] = users["annual_income"] * 1.5
    assert _failed(fidelity.income_level(personas[NAME], users)) == {"median annual income"}


def test_spending_catches_missing_purchases_and_a_wrong_category_mix(personas, frames):
    f = frames[NAME]
    tx = f["transactions"]
    window = personas[NAME].window(AS_OF)
    purchases = tx.index[tx["payment_channel"] != "other"]
    halved = tx.drop(index=purchases[::2])
    assert "purchases per user per month" in _failed(
        fidelity.spending(personas[NAME], window, f["users"], halved)
    )
    food = tx.index[(tx["payment_channel"] != "other") & (tx["pfc_primary"] == "FOOD_AND_DRINK")]
    skewed = tx.drop(index=food)
    assert "FOOD_AND_DRINK share of purchases" in _failed(
        fidelity.spending(personas[NAME], window, f["users"], skewed)
    )


def test_metadata_counts_what_is_outside_tolerance():
    metrics = [fidelity.Metric("a", 1.0, 1.05, 0.1), fidelity.Metric("b", 1.0, 2.0, 0.1)]
    table = fidelity.metadata(metrics)
    assert table["outside_tolerance"] == 1
    assert "| b | 1 | 2 | ±0.1 | NO |" in table["metrics"]
