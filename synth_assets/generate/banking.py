"""Accounts and their transactions, generated together because balances depend on the flows:
open accounts, run every transaction stream, then settle balances (and overdraft fees)."""

from __future__ import annotations

import pandas as pd

from synth_assets.generate.accounts import generate_accounts
from synth_assets.generate.balances import settle
from synth_assets.generate.common import Context
from synth_assets.generate.transactions import plaid_transactions, transaction_streams


def generate_banking(ctx: Context, users: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accounts, transactions) of the persona's users, balances consistent with the flows."""
    opened = generate_accounts(ctx, users)
    accounts, flows = settle(ctx, opened, transaction_streams(ctx, users, opened))
    return accounts, plaid_transactions(ctx, flows, users, accounts)
