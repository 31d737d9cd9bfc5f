"""Persona fidelity: do the realised figures match what the persona file configures?

Each metric states its tolerance here, in code: sampling noise (three binomial or Poisson
standard errors at the partition's size) plus a small fixed allowance for what the generator
adds on purpose (subscriptions on top of discretionary spending, fixed users, rounding).

Every metric is computed in two halves, so that it holds at any scale: ``*_sums`` reduces one
shard's rows to additive counts, and ``*_metrics`` judges the persona from the shards' sums
added together (``add``). Nothing a shard hands on grows with its rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth_assets.generate import calendar, services
from synth_assets.generate.accounts import PRODUCTS
from synth_assets.generate.calendar import Window
from synth_assets.generate.habits import SPENDING_ELASTICITY
from synth_assets.membership import is_in
from synth_assets.personas import Persona

DAYS_PER_MONTH = calendar.DAYS_PER_YEAR / 12
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


Sums = dict[str, float]  # additive partial sums: a persona's are its shards' added up


def add(total: Sums, part: Sums) -> Sums:
    """Shards' sums combined (every figure here is a count or a sum)."""
    for key, value in part.items():
        total[key] = total.get(key, 0.0) + value
    return total


def _counts(prefix: str, values: pd.Series) -> Sums:
    return {f"{prefix}{key}": float(n) for key, n in values.value_counts().items()}


def _counted(prefix: str, sums: Sums) -> dict[str, float]:
    return {key[len(prefix) :]: n for key, n in sums.items() if key.startswith(prefix)}


def job_status_sums(persona: Persona, jobs: pd.DataFrame) -> Sums:
    return {"jobs": float(len(jobs)), **_counts("status=", jobs["status"])}


def job_status_metrics(persona: Persona, sums: Sums) -> list[Metric]:
    n, counted = sums.get("jobs", 0.0), _counted("status=", sums)
    return [
        Metric(
            f"jobs {status.value} share",
            p,
            counted.get(status.value, 0.0) / n if n else 0.0,
            _share_tolerance(p, int(n)),
        )
        for status, p in persona.jobs.status_mix.items()
    ]


def account_mix_sums(persona: Persona, users: pd.DataFrame, accounts: pd.DataFrame) -> Sums:
    generated = users.loc[~users["is_fixed"], "id"]
    held = accounts[is_in(accounts["user_id"], generated)].groupby("kind")["user_id"].nunique()
    holders = {f"holders={kind}": float(n) for kind, n in held.items()}
    return {"generated users": float(len(generated)), **holders}


def account_mix_metrics(persona: Persona, sums: Sums) -> list[Metric]:
    """Share of (generated) users holding each product, against its probability."""
    n, held = sums.get("generated users", 0.0), _counted("holders=", sums)
    return [
        Metric(
            f"users with {kind.value}",
            spec.probability,
            held.get(kind.value, 0.0) / n if n else 0.0,
            _share_tolerance(spec.probability, int(n)),
        )
        for kind, spec in persona.accounts.items()
        if kind in PRODUCTS
    ]


def income_sums(persona: Persona, users: pd.DataFrame) -> Sums:
    """Incomes are whole hundreds, so counts per value give the exact median when added up."""
    return _counts("income=", users.loc[~users["is_fixed"], "annual_income"].astype(float))


def median_of_counts(counts: dict[str, float]) -> float:
    """The median of values given as {value: count}, as pandas' median would compute it."""
    if not counts:
        return float("nan")
    values = np.array([float(v) for v in counts])
    order = np.argsort(values)
    values, n = values[order], np.array(list(counts.values()))[order]
    total, cumulative = n.sum(), np.cumsum(n)
    low = values[np.searchsorted(cumulative, (total - 1) // 2 + 1)]
    high = values[np.searchsorted(cumulative, total // 2 + 1)]
    return float((low + high) / 2)


def income_metrics(persona: Persona, sums: Sums) -> list[Metric]:
    counts = _counted("income=", sums)
    spec = persona.income.annual
    n = max(sum(counts.values()), 1)
    relative = 3 * LOGNORMAL_MEDIAN_SE * spec.sigma / math.sqrt(n) + INCOME_ALLOWANCE
    median = median_of_counts(counts)
    return [Metric("median annual income", spec.median, median, spec.median * relative)]


def user_months(window: Window, users: pd.DataFrame) -> float:
    """Months each user was signed up inside the window, added up."""
    end = window.last_second + 1
    since = np.maximum(users["created_at"].to_numpy().astype("datetime64[s]"), window.first_second)
    days = (end - since) / np.timedelta64(1, "D")
    return float(np.maximum(days, 0).sum() / DAYS_PER_MONTH)


def spending_sums(window: Window, users: pd.DataFrame, transactions: pd.DataFrame) -> Sums:
    # The one column needed, not a filtered copy of the whole (million-row) frame.
    purchases = transactions.loc[transactions["payment_channel"] != "other", "pfc_primary"]
    return {
        "user months": user_months(window, users),
        "spending users": float(len(users)),
        "purchases": float(len(purchases)),
        **_counts("primary=", purchases),
    }


def spending_metrics(persona: Persona, sums: Sums) -> list[Metric]:
    """Purchases per user per month (discretionary, subscriptions and service visits) and
    the category mix of purchases, against the persona's configured volume and weights."""
    expected = (
        persona.spending.transactions_per_month
        + sum(s.probability for s in persona.spending.subscriptions)
        + services.visits_per_month(persona)
    )
    months = max(sums.get("user months", 0.0), 1e-9)
    purchases, counted = sums.get("purchases", 0.0), _counted("primary=", sums)
    # Each household buys at its own rate, which follows its income (``habits.appetite``): a
    # few households' mean rate strays from the persona's by their incomes' spread as well.
    spread = SPENDING_ELASTICITY * persona.income.annual.sigma
    households = max(sums.get("spending users", 0.0), 1.0)
    volume_tol = (
        expected * VOLUME_ALLOWANCE
        + 3 * math.sqrt(expected * months) / months
        + 3 * expected * spread / math.sqrt(households)
    )
    metrics = [Metric("purchases per user per month", expected, purchases / months, volume_tol)]
    weights = pd.Series(persona.spending.categories, dtype=float)
    weights /= weights.sum()
    for primary, weight in weights.items():
        share = counted.get(primary, 0.0) / purchases if purchases else 0.0
        tolerance = 3 * math.sqrt(weight * (1 - weight) / max(purchases, 1)) + CATEGORY_ALLOWANCE
        metrics.append(Metric(f"{primary} share of purchases", float(weight), share, tolerance))
    return metrics


# Whole-table forms, for callers holding a persona's tables in memory.
def job_status_mix(persona: Persona, jobs: pd.DataFrame) -> list[Metric]:
    return job_status_metrics(persona, job_status_sums(persona, jobs))


def account_mix(persona: Persona, users: pd.DataFrame, accounts: pd.DataFrame) -> list[Metric]:
    return account_mix_metrics(persona, account_mix_sums(persona, users, accounts))


def income_level(persona: Persona, users: pd.DataFrame) -> list[Metric]:
    return income_metrics(persona, income_sums(persona, users))


def spending(
    persona: Persona, window: Window, users: pd.DataFrame, transactions: pd.DataFrame
) -> list[Metric]:
    return spending_metrics(persona, spending_sums(window, users, transactions))


def metadata(metrics: list[Metric]) -> dict[str, object]:
    table = ["| metric | configured | realised | tolerance | ok |", "|---|---:|---:|---:|---|"]
    table += [
        f"| {m.name} | {m.configured:.4g} | {m.realised:.4g} | ±{m.tolerance:.3g} | {'yes' if m.ok else 'NO'} |"
        for m in metrics
    ]
    return {"metrics": "\n".join(table), "outside_tolerance": sum(not m.ok for m in metrics)}
