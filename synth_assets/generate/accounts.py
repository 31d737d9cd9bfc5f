"""The ``accounts`` table (Plaid ``AccountBase``): each user's products, drawn from the
persona's account mix, with opening balances (credit: amount owed; loan: principal). Current
and available balances are settled from the transactions in ``balances.settle``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate.common import SECONDS_PER_DAY, Context, lognormal
from synth_assets.personas import AccountKind

TABLE = "accounts"
OPENING_WINDOW_DAYS = 30  # accounts are linked within a month of signup

# kind -> (Plaid type, Plaid subtype, display name, official-name suffix)
PRODUCTS: dict[AccountKind, tuple[str, str, str, str]] = {
    AccountKind.CHECKING: (
        "depository",
        "checking",
        "Everyday Checking",
        "Everyday Checking Account",
    ),
    AccountKind.SAVINGS: (
        "depository",
        "savings",
        "High-Yield Savings",
        "High-Yield Savings Account",
    ),
    AccountKind.CREDIT_CARD: (
        "credit",
        "credit card",
        "Rewards Card",
        "Cash Rewards Visa Signature",
    ),
    AccountKind.STUDENT_LOAN: (
        "loan",
        "student",
        "Student Loan",
        "Direct Unsubsidized Student Loan",
    ),
    AccountKind.MORTGAGE: ("loan", "mortgage", "Home Mortgage", "30-Year Fixed Rate Mortgage"),
    AccountKind.AUTO_LOAN: ("loan", "auto", "Auto Loan", "60-Month Auto Loan"),
}
BANKS = np.array(
    [
        "Harbor Federal",
        "Summit Credit Union",
        "Meridian Bank",
        "Pioneer Savings",
        "Blue Ridge Bank",
        "Cascade National",
        "Lakeside Trust",
        "Granite State Bank",
    ]
)


def generate_accounts(ctx: Context, users: pd.DataFrame) -> pd.DataFrame:
    """One row per (user, product held); checking is always held, the rest by probability."""
    rng = ctx.rng(TABLE)
    n_users = len(users)
    bank = BANKS[rng.integers(0, len(BANKS), n_users)]
    # Checking opens first (within a day of signup): pay lands there and it pays the other
    # products' bills, so nothing is paid from an account that does not exist yet.
    checking_opened = users["created_at"].to_numpy() + rng.integers(
        0, SECONDS_PER_DAY, n_users
    ).astype("timedelta64[s]")
    pieces = []
    for order, (kind, spec) in enumerate(ctx.persona.accounts.items()):
        held = np.flatnonzero(rng.random(n_users) < spec.probability)
        if not len(held):  # nobody holds it (a small persona, a low probability)
            continue
        plaid_type, subtype, name, official = PRODUCTS[kind]
        opening = np.round(lognormal(rng, spec.balance, len(held)), 2)
        limit = np.full(len(held), np.nan)
        if plaid_type == "credit":
            limit = np.round(lognormal(rng, spec.limit or spec.balance, len(held)), -2).clip(
                min=500
            )
            opening = np.minimum(opening, np.round(limit * 0.5, 2))
        later = 0 if kind is AccountKind.CHECKING else OPENING_WINDOW_DAYS * SECONDS_PER_DAY
        opened = checking_opened[held] + rng.integers(0, later + 1, len(held)).astype(
            "timedelta64[s]"
        )
        pieces.append(
            pd.DataFrame(
                {
                    "user_index": held,
                    "kind_order": order,
                    "user_id": users["id"].to_numpy()[held],
                    "persona": ctx.persona.name,
                    "kind": kind.value,
                    "name": name,
                    "official_name": np.char.add(bank[held].astype(str), " " + official),
                    "mask": np.char.zfill(rng.integers(0, 10_000, len(held)).astype(str), 4),
                    "type": plaid_type,
                    "subtype": subtype,
                    "balance_available": np.nan,
                    "balance_current": opening,
                    "balance_limit": limit,
                    "iso_currency_code": "USD",
                    "unofficial_currency_code": None,
                    "opening_balance": opening,
                    "created_at": opened,
                }
            )
        )
    frame = pd.concat(pieces, ignore_index=True).sort_values(
        ["user_index", "kind_order"], kind="stable"
    )
    frame = frame.drop(columns=["user_index", "kind_order"]).reset_index(drop=True)
    frame.insert(0, "account_id", ctx.ids(TABLE, len(frame)))
    return frame
