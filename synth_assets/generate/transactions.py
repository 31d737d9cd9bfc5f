"""The ``transactions`` table (Plaid ``Transaction``): all streams of a persona's accounts,
ordered by account and time, with Plaid's columns and stable ids.

Amounts follow Plaid's sign convention: positive is money leaving the account.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate import recurring
from synth_assets.generate.common import Context
from synth_assets.generate.purchases import purchases
from synth_assets.generate.streams import index_by_user, window
from synth_assets.plaid.taxonomy import DETAILED_TO_PRIMARY

TABLE = "transactions"
PENDING_DAYS = 3  # card and online activity of the window's last days has not posted yet
AUTHORIZATION_LAG_DAYS = 3  # card purchases post 0-2 days after authorisation


def transaction_streams(ctx: Context, users: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Every stream of the persona, one row per transaction, with a ``pending`` flag."""
    payer = index_by_user(accounts, "checking")
    cards = index_by_user(accounts, "credit card")
    payer.loc[cards.index] = cards.to_numpy()  # subscriptions go on the card when there is one
    spending = pd.concat(
        [purchases(ctx, accounts), recurring.subscriptions(ctx, accounts, payer)], ignore_index=True
    )
    flows = pd.concat(
        [
            recurring.payroll(ctx, users, accounts),
            recurring.rent(ctx, accounts),
            recurring.utilities(ctx, accounts),
            spending,
            recurring.loan_payments(ctx, accounts),
            recurring.savings_transfers(ctx, users, accounts),
            recurring.card_payments(ctx, accounts, spending),
        ],
        ignore_index=True,
    )
    flows = flows.sort_values(["account_index", "timestamp"], kind="stable").reset_index(drop=True)
    last_day = window(ctx)[1].astype("datetime64[D]")
    recent = flows["timestamp"].to_numpy().astype("datetime64[D]") > last_day - PENDING_DAYS
    flows["pending"] = recent & (flows["payment_channel"] != "other").to_numpy()
    return flows


def plaid_transactions(
    ctx: Context, flows: pd.DataFrame, users: pd.DataFrame, accounts: pd.DataFrame
) -> pd.DataFrame:
    """The table's rows: Plaid columns from the settled flows, with stable ids."""
    rng = ctx.rng(TABLE, "finish")
    n = len(flows)
    when = flows["timestamp"].to_numpy().astype("datetime64[s]")
    date = when.astype("datetime64[D]")
    card_like = (flows["payment_channel"] != "other").to_numpy()
    pending = flows["pending"].to_numpy()
    lag = np.where(card_like & ~pending, rng.integers(0, AUTHORIZATION_LAG_DAYS, n), 0).astype(
        "timedelta64[D]"
    )
    account = flows["account_index"].to_numpy()
    # Each account's user row (a few thousand lookups), then one integer take per row.
    user_row = pd.Index(users["id"]).get_indexer(accounts["user_id"])[account]
    in_store = flows["in_store"].to_numpy()

    def where_in_store(column: str) -> np.ndarray:
        return np.where(in_store, users[column].to_numpy()[user_row], None)

    detailed = flows["detailed"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "transaction_id": ctx.ids(TABLE, n),
            "account_id": accounts["account_id"].to_numpy()[account],
            "persona": ctx.persona.name,
            "amount": flows["amount"].to_numpy(),
            "iso_currency_code": "USD",
            "unofficial_currency_code": None,
            "date": date,
            "authorized_date": date - lag,
            "datetime": when,
            "authorized_datetime": when - lag.astype("timedelta64[s]"),
            "name": flows["name"].to_numpy(),
            "merchant_name": flows["merchant_name"].to_numpy(),
            "payment_channel": flows["payment_channel"].to_numpy(),
            "pending": pending,
            "pfc_primary": _primary(detailed),
            "pfc_detailed": detailed,
            "pfc_confidence_level": flows["confidence"].to_numpy(),
            "location_city": where_in_store("city"),
            "location_region": where_in_store("region"),
            "location_postal_code": where_in_store("postal_code"),
            "location_country": np.where(in_store, "US", None),
            "website": flows["website"].to_numpy(),
        }
    )


def _primary(detailed: np.ndarray) -> np.ndarray:
    """Primary category per row: hash-factorised (a string sort of 1M rows costs seconds)."""
    codes, uniques = pd.factorize(detailed)
    return np.array([DETAILED_TO_PRIMARY[d] for d in uniques], dtype=object)[codes]
