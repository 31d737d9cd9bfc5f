"""Accounts and their transactions, generated together because balances depend on the flows:
open accounts, run every transaction stream, then settle balances (and overdraft fees).

Users are taken in fixed blocks of ``BLOCK_USERS``, each with its own random streams and ids:
a user's accounts and transactions never reach outside their block, so a persona of any size
can be generated, checked and loaded a shard of blocks at a time (``synth_assets.shards``) and
still be identical, row for row, to the same persona generated whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from synth_assets.generate.accounts import generate_accounts
from synth_assets.generate.balances import settle
from synth_assets.generate.common import Context
from synth_assets.generate.transactions import plaid_transactions, transaction_streams


@dataclass(frozen=True)
class Block:
    """One block of users' banking: their accounts and transactions."""

    index: int
    users: pd.DataFrame
    accounts: pd.DataFrame
    transactions: pd.DataFrame


def banking_block(ctx: Context, block: int, users: pd.DataFrame) -> Block:
    """The banking of one block of users, from that block's own random streams."""
    ctx = ctx.for_block(block)
    opened = generate_accounts(ctx, users)
    accounts, flows = settle(ctx, opened, transaction_streams(ctx, users, opened))
    return Block(block, users, accounts, plaid_transactions(ctx, flows, users, accounts))
