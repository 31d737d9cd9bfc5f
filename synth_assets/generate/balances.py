"""Balances that add up: each account's current balance is its opening balance plus the
window's posted flows (Plaid's signs), credit ``available`` is ``limit`` - ``current``, and
checking never goes negative unless the persona overdraws, in which case overdraft fees follow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate.common import Context
from synth_assets.generate.streams import stream

TABLE = "transactions"
OVERDRAFT_FEE = 35.0
OVERDRAFT_LIMIT = 500.0  # the lowest an overdrawing persona's checking may dip to
MAX_FEES_PER_MONTH = 3
CUSHION = (50.0, 600.0)  # lowest checking balance of a persona that does not overdraw
CREDIT_HEADROOM = 0.8  # limits are raised so the balance owed stays under 80% of the limit


def _running(flows: pd.DataFrame, opening: np.ndarray) -> np.ndarray:
    """Checking balance after each row (rows sorted by account, then time)."""
    spent = flows.groupby("account_index", sort=False)["amount"].cumsum().to_numpy()
    return opening[flows["account_index"].to_numpy()] - spent


def _lift_checking(ctx: Context, accounts: pd.DataFrame, flows: pd.DataFrame) -> np.ndarray:
    """Opening balances, with checking raised just enough that its lowest point is a small
    cushion (or, for personas that overdraw, no lower than the overdraft limit)."""
    opening = accounts["opening_balance"].to_numpy(dtype=float).copy()
    checking = (
        flows["account_index"].isin(accounts.index[accounts["subtype"] == "checking"]).to_numpy()
    )
    lowest = (
        pd.Series(_running(flows[checking], opening))
        .groupby(flows.loc[checking, "account_index"].to_numpy())
        .min()
    )
    rng = ctx.rng(TABLE, "balances")
    floor = (
        -OVERDRAFT_LIMIT if ctx.persona.spending.overdraws else rng.uniform(*CUSHION, len(lowest))
    )
    lift = np.maximum(floor - lowest.to_numpy(), 0.0)
    opening[lowest.index.to_numpy()] += np.round(lift, 2)
    return opening


def _overdraft_fees(
    accounts: pd.DataFrame, flows: pd.DataFrame, opening: np.ndarray
) -> pd.DataFrame:
    """A fee for each day a debit takes checking below zero, at most three a month."""
    checking = (
        flows["account_index"].isin(accounts.index[accounts["subtype"] == "checking"]).to_numpy()
    )
    debits = flows[checking]
    below = (_running(debits, opening) < 0) & (debits["amount"].to_numpy() > 0)
    hits = debits.loc[below, ["account_index", "timestamp"]].copy()
    hits["day"] = hits["timestamp"].to_numpy().astype("datetime64[D]")
    hits = hits.drop_duplicates(["account_index", "day"])
    hits["month"] = hits["day"].to_numpy().astype("datetime64[M]")
    hits = hits[hits.groupby(["account_index", "month"]).cumcount() < MAX_FEES_PER_MONTH]
    return stream(
        hits["account_index"].to_numpy(), hits["timestamp"].to_numpy() + np.timedelta64(1, "s"),
        np.full(len(hits), OVERDRAFT_FEE), name="OVERDRAFT FEE", detailed="BANK_FEES_OVERDRAFT_FEES",
        payment_channel="other", confidence="VERY_HIGH",
    ).assign(pending=False)  # fmt: skip


def settle(
    ctx: Context, accounts: pd.DataFrame, flows: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Final opening balances, overdraft fees and current / available balances."""
    opening = _lift_checking(ctx, accounts, flows)
    if ctx.persona.spending.overdraws:
        flows = pd.concat([flows, _overdraft_fees(accounts, flows, opening)], ignore_index=True)
        flows = flows.sort_values(["account_index", "timestamp"], kind="stable").reset_index(
            drop=True
        )
    posted = flows[~flows["pending"]].groupby("account_index")["amount"].sum()
    held = flows[flows["pending"] & (flows["amount"] > 0)].groupby("account_index")["amount"].sum()
    posted = posted.reindex(accounts.index, fill_value=0.0).to_numpy()
    held = held.reindex(accounts.index, fill_value=0.0).to_numpy()
    kind = accounts["type"].to_numpy()
    current = np.select(
        [kind == "depository", kind == "credit"], [opening - posted, opening + posted], opening
    )
    limit = accounts["balance_limit"].to_numpy(dtype=float)
    needed = np.ceil(np.maximum(current, 0) / CREDIT_HEADROOM / 500) * 500
    limit = np.where(kind == "credit", np.maximum(limit, needed), limit)
    available = np.select(
        [kind == "depository", kind == "credit"], [current - held, limit - current], np.nan
    )
    settled = accounts.assign(
        opening_balance=np.round(opening, 2),
        balance_current=np.round(current, 2),
        balance_available=np.round(available, 2),
        balance_limit=limit,
    )
    return settled, flows
