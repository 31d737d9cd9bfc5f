"""Persona fidelity: do the realised figures match what the persona file configures?

Each metric states its tolerance here, in code: sampling noise (three binomial or Poisson
standard errors at the partition's size) plus a small fixed allowance for what the generator
adds on purpose (subscriptions on top of discretionary spending, fixed users, rounding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth_assets.generate.accounts import PRODUCTS
from synth_assets.personas import Persona

DAYS_PER_MONTH = 365.25 / 12
SHARE_ALLOWANCE = 0.02  # on top of 3 standard errors, for shares (statuses, account mix)
CATEGORY_ALLOWANCE = 0.05  # subscriptions shift the category mix a little
VOLUME_ALLOWANCE = 0.10  # relative, for transactions per user per month
INCOME_ALLOWANCE = 0.05  # relative, for the median income
LOGNORMAL_MEDIAN_SE = 1.2533  # standard error of a sample median = 1.2533 * sigma / sqrt(n)


@dataclass(frozen=True)
class Metric:
    name: str
    configured: float
    realised: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return abs(self.realised - self.configured) <= self.tolerance


def _share_tolerance(p: float, n: int) -> float:
    return 3 * math.sqrt(max(p * (1 - p), 1e-9) / max(n, 1)) + SHARE_ALLOWANCE


def job_status_mix(persona: Persona, jobs: pd.DataFrame) -> list[Metric]:
    realised = jobs["status"].value_counts(normalize=True)
    return [
        Metric(
            f"jobs {status.value} share",
            p,
            float(realised.get(status.value, 0.0)),
            _share_tolerance(p, len(jobs)),
        )
        for status, p in persona.jobs.status_mix.items()
    ]


def account_mix(persona: Persona, users: pd.DataFrame, accounts: pd.DataFrame) -> list[Metric]:
    """Share of (generated) users holding each product, against its probability."""
    generated = users.loc[~users["is_fixed"], "id"]
    held = accounts[accounts["user_id"].isin(generated)].groupby("kind")["user_id"].nunique()
    n = len(generated)
    return [
        Metric(
            f"users with {kind.value}",
            spec.probability,
            held.get(kind.value, 0) / n,
            _share_tolerance(spec.probability, n),
        )
        for kind, spec in persona.accounts.items()
        if kind in PRODUCTS
    ]


def income_level(persona: Persona, users: pd.DataFrame) -> list[Metric]:
    incomes = users.loc[~users["is_fixed"], "annual_income"]
    spec = persona.income.annual
    relative = 3 * LOGNORMAL_MEDIAN_SE * spec.sigma / math.sqrt(len(incomes)) + INCOME_ALLOWANCE
    return [
        Metric("median annual income", spec.median, float(incomes.median()), spec.median * relative)
    ]


def _user_months(persona: Persona, users: pd.DataFrame) -> float:
    end = np.datetime64(persona.date_range.end, "s") + np.timedelta64(1, "D")
    days = (end - users["created_at"].to_numpy().astype("datetime64[s]")) / np.timedelta64(1, "D")
    return float(days.sum() / DAYS_PER_MONTH)


def spending(persona: Persona, users: pd.DataFrame, transactions: pd.DataFrame) -> list[Metric]:
    """Purchases per user per month (discretionary plus subscriptions) and the category mix
    of purchases, against the persona's configured volume and weights."""
    # The one column needed, not a filtered copy of the whole (million-row) frame.
    purchases = transactions.loc[transactions["payment_channel"] != "other", "pfc_primary"]
    expected = persona.spending.transactions_per_month + sum(
        s.probability for s in persona.spending.subscriptions
    )
    months = _user_months(persona, users)
    volume_tol = expected * VOLUME_ALLOWANCE + 3 * math.sqrt(expected * months) / months
    metrics = [
        Metric("purchases per user per month", expected, len(purchases) / months, volume_tol)
    ]
    weights = pd.Series(persona.spending.categories, dtype=float)
    weights /= weights.sum()
    realised = purchases.value_counts(normalize=True)
    for primary, weight in weights.items():
        share = float(realised.get(primary, 0.0))
        tolerance = (
            3 * math.sqrt(weight * (1 - weight) / max(len(purchases), 1)) + CATEGORY_ALLOWANCE
        )
        metrics.append(Metric(f"{primary} share of purchases", float(weight), share, tolerance))
    return metrics


def metadata(metrics: list[Metric]) -> dict[str, object]:
    table = ["| metric | configured | realised | tolerance | ok |", "|---|---:|---:|---:|---|"]
    table += [
        f"| {m.name} | {m.configured:.4g} | {m.realised:.4g} | ±{m.tolerance:.3g} | {'yes' if m.ok else 'NO'} |"
        for m in metrics
    ]
    return {"metrics": "\n".join(table), "outside_tolerance": sum(not m.ok for m in metrics)}
