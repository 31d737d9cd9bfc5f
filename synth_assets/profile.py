"""A persona's profile: the figures a person compares personas by (income, spend by
category, subscriptions, accounts, content), computed from its generated tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 365.25 / 12


def _user_months(users: pd.DataFrame, end: np.datetime64) -> float:
    days = (end - users["created_at"].to_numpy().astype("datetime64[s]")) / np.timedelta64(1, "D")
    return float(np.maximum(days, 0).sum() / DAYS_PER_MONTH)


def profile(frames: dict[str, pd.DataFrame]) -> dict[str, float]:
    """Figures per user (and per user-month for flows), rounded for display."""
    users, accounts, tx = frames["users"], frames["accounts"], frames["transactions"]
    content, jobs = frames["content"], frames["jobs"]
    n = max(len(users), 1)
    end = tx["datetime"].max() if len(tx) else users["created_at"].max()
    months = max(_user_months(users, np.datetime64(end, "s")), 1e-9)
    income = -tx.loc[tx["pfc_primary"] == "INCOME", "amount"].sum()
    # Only the columns each figure needs: a filtered copy of the whole table costs seconds.
    spent = (tx["amount"] > 0) & ~tx["pfc_primary"].isin(["LOAN_PAYMENTS", "TRANSFER_OUT"])
    spend = tx.loc[spent, ["pfc_primary", "amount"]]
    by_primary = (spend.groupby("pfc_primary")["amount"].sum() / months).round(0)
    recurring = (tx["pfc_confidence_level"] == "VERY_HIGH") & (tx["payment_channel"] == "online")
    subscriptions = tx.loc[recurring, ["account_id", "merchant_name"]]
    figures: dict[str, float] = {
        "users": len(users),
        "median annual income": float(users["annual_income"].median()),
        "income received per user-month": round(income / months, 0),
        "spend per user-month": round(float(spend["amount"].sum()) / months, 0),
        **{f"spend: {primary}": float(value) for primary, value in by_primary.items()},
        "subscriptions and bills per user": round(
            subscriptions.groupby("account_id")["merchant_name"].nunique().sum() / n, 2
        ),
        "transactions per user-month": round(len(tx) / months, 1),
        **{
            f"accounts: {s}": round(float(v) / n, 2)
            for s, v in accounts["subtype"].value_counts().items()
        },
        "content per user": round(len(content) / n, 2),
        "failed jobs share": round(
            float((jobs["status"] == "failed").mean()) if len(jobs) else 0.0, 4
        ),
    }
    return figures


def markdown(figures: dict[str, float]) -> str:
    rows = [f"| {name} | {value:,.2f} |".replace(".00 |", " |") for name, value in figures.items()]
    return "\n".join(["| figure | value |", "|---|---:|", *rows])
