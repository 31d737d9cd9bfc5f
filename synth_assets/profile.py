"""A persona's profile: the figures a person compares personas by (income, spend by
category, subscriptions, accounts, content), from its generated tables.

Like the fidelity checks, a profile is built from additive sums (``sums`` per shard, added
with ``fidelity.add``, then ``figures``), so it costs the same at any scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.checks.fidelity import Sums, add, median_of_counts, user_months
from synth_assets.generate import calendar, services
from synth_assets.generate.calendar import Window
from synth_assets.plaid.taxonomy import ACCOUNT_TRANSFER_IN, ACCOUNT_TRANSFER_OUT, INTEREST_EARNED

DAYS_PER_MONTH = calendar.DAYS_PER_YEAR / 12
# The month-end sweep to (or from) the user's account at another bank, and the cover-ups.
SWEEPS = (ACCOUNT_TRANSFER_OUT, ACCOUNT_TRANSFER_IN)


def _counts(prefix: str, values: pd.Series, weights: pd.Series | None = None) -> Sums:
    grouped = values.value_counts() if weights is None else weights.groupby(values).sum()
    return {f"{prefix}{key}": float(n) for key, n in grouped.items()}


def sums(window: Window, frames: dict[str, pd.DataFrame]) -> Sums:
    """One shard's contribution to the profile."""
    users, accounts, tx = frames["users"], frames["accounts"], frames["transactions"]
    jobs = frames["jobs"]
    # Only the columns each figure needs: a filtered copy of the whole table costs seconds.
    # Money out of pocket: not moved between the user's own accounts, not a loan's repayment
    # (nor the interest the lender charges inside it).
    spent = (
        (tx["amount"] > 0)
        & ~tx["pfc_primary"].isin(["LOAN_PAYMENTS", "TRANSFER_OUT"])
        & (tx["pfc_detailed"] != "BANK_FEES_INTEREST_CHARGE")
    )
    recurring = (tx["pfc_confidence_level"] == "VERY_HIGH") & (tx["payment_channel"] == "online")
    subscriptions = tx.loc[recurring, ["account_id", "merchant_name"]]
    card = (tx["payment_channel"] != "other").to_numpy() & ~tx["pending"].to_numpy(dtype=bool)
    lag = tx["date"].to_numpy()[card] - tx["authorized_date"].to_numpy()[card]
    detailed = tx["pfc_detailed"]
    return {
        "users": float(len(users)),
        "user months": user_months(window, users),
        "income": float(-tx.loc[tx["pfc_primary"] == "INCOME", "amount"].sum()),
        "spend": float(tx.loc[spent, "amount"].sum()),
        "subscriptions": float(
            subscriptions.groupby("account_id")["merchant_name"].nunique().sum()
        ),
        "transactions": float(len(tx)),
        "content": float(len(frames["content"])),
        "jobs": float(len(jobs)),
        "failed jobs": float((jobs["status"] == "failed").sum()),
        "pending": float(tx["pending"].sum()),
        "card posted": float(card.sum()),
        "card posting days": float((lag / np.timedelta64(1, "D")).sum()),
        "savings interest": float(-tx.loc[detailed == INTEREST_EARNED, "amount"].sum()),
        "loan interest": float(tx.loc[detailed == "BANK_FEES_INTEREST_CHARGE", "amount"].sum()),
        "sweeps": float(detailed.isin(SWEEPS).sum()),
        **_counts("income=", users["annual_income"].astype(float)),
        **_counts("spend=", tx.loc[spent, "pfc_primary"], tx.loc[spent, "amount"]),
        **_counts("accounts=", accounts["subtype"]),
        **_counts("visits=", detailed[services.visit_rows(tx) & ~tx["pending"]]),
        **_counts("visitors=", _visitors(accounts, tx)),
    }


def _visitors(accounts: pd.DataFrame, tx: pd.DataFrame) -> pd.Series:
    """Per service, one row per household that visited it (its users are in one shard)."""
    visits = tx.loc[services.visit_rows(tx), ["account_id", "pfc_detailed"]]
    owner = accounts.set_index("account_id")["user_id"].reindex(visits["account_id"]).to_numpy()
    return visits.assign(user=owner).drop_duplicates(["user", "pfc_detailed"])["pfc_detailed"]


def _prefixed(prefix: str, total: Sums) -> dict[str, float]:
    return {k[len(prefix) :]: v for k, v in total.items() if k.startswith(prefix)}


def figures(total: Sums) -> dict[str, float]:
    """Figures per user (and per user-month for flows), rounded for display."""
    n = max(total.get("users", 0.0), 1.0)
    months = max(total.get("user months", 0.0), 1e-9)
    jobs = total.get("jobs", 0.0)
    transactions = max(total.get("transactions", 0.0), 1.0)
    return {
        "users": int(total.get("users", 0)),
        "median annual income": median_of_counts(_prefixed("income=", total)),
        "income received per user-month": round(total.get("income", 0.0) / months, 0),
        "spend per user-month": round(total.get("spend", 0.0) / months, 0),
        **{
            f"spend: {primary}": round(value / months, 0)
            for primary, value in sorted(_prefixed("spend=", total).items(), key=lambda kv: -kv[1])
        },
        "subscriptions and bills per user": round(total.get("subscriptions", 0.0) / n, 2),
        "transactions per user-month": round(total.get("transactions", 0.0) / months, 1),
        **{
            f"accounts: {s}": round(v / n, 2)
            for s, v in sorted(_prefixed("accounts=", total).items(), key=lambda kv: -kv[1])
        },
        **{
            f"visits a year by a household that uses it: {service}": round(
                12 * value * n / months / max(_prefixed("visitors=", total).get(service, 1.0), 1.0),
                2,
            )
            for service, value in sorted(_prefixed("visits=", total).items())
        },
        "content per user": round(total.get("content", 0.0) / n, 2),
        "failed jobs share": round(total.get("failed jobs", 0.0) / jobs if jobs else 0.0, 4),
        "pending transactions, % of all": round(100 * total.get("pending", 0.0) / transactions, 2),
        "days from card purchase to posting": round(
            total.get("card posting days", 0.0) / max(total.get("card posted", 0.0), 1.0), 2
        ),
        "savings interest per user-month": round(total.get("savings interest", 0.0) / months, 2),
        "loan interest per user-month": round(total.get("loan interest", 0.0) / months, 2),
        "transfers to or from another bank per user-month": round(
            total.get("sweeps", 0.0) / months, 2
        ),
    }


def profile(window: Window, frames: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The profile of a persona held whole in memory (its window at the as-of date)."""
    return figures(add({}, sums(window, frames)))


def markdown(figures: dict[str, float]) -> str:
    rows = [f"| {name} | {value:,.2f} |".replace(".00 |", " |") for name, value in figures.items()]
    return "\n".join(["| figure | value |", "|---|---:|", *rows])
