"""Accounts and their transactions, generated together because balances depend on the flows:
open accounts, run every transaction stream, then settle balances (and overdraft fees).

Users are taken in fixed blocks of ``BLOCK_USERS``, each with its own random streams and ids:
a user's accounts and transactions never reach outside their block, so a persona of any size
can be generated, checked and loaded one block at a time (``synth_assets.bulk``) and still be
identical, row for row, to the same persona generated whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from synth_assets.generate.accounts import generate_accounts
from synth_assets.generate.balances import settle
from synth_assets.generate.common import Context
from synth_assets.generate.liabilities import liability_facts
from synth_assets.generate.transactions import plaid_transactions, transaction_streams

BLOCK_USERS = 250  # part of the data's definition: changing it changes every large persona


@dataclass(frozen=True)
class Block:
    """One block of users' banking: their accounts and transactions."""

    index: int
    users: pd.DataFrame
    accounts: pd.DataFrame
    transactions: pd.DataFrame

    def liability_facts(self, ctx: Context) -> pd.DataFrame:
        """What ``liabilities`` needs from this block (see ``liability_facts``)."""
        return liability_facts(ctx, self.accounts, self.transactions)


def user_blocks(users: pd.DataFrame) -> Iterator[tuple[int, pd.DataFrame]]:
    for block, start in enumerate(range(0, len(users), BLOCK_USERS)):
        yield block, users.iloc[start : start + BLOCK_USERS].reset_index(drop=True)


def banking_block(ctx: Context, block: int, users: pd.DataFrame) -> Block:
    """The banking of one block of users, from that block's own random streams."""
    ctx = ctx.for_block(block)
    opened = generate_accounts(ctx, users)
    accounts, flows = settle(ctx, opened, transaction_streams(ctx, users, opened))
    return Block(block, users, accounts, plaid_transactions(ctx, flows, users, accounts))


def banking_blocks(ctx: Context, users: pd.DataFrame) -> Iterator[Block]:
    """The persona's banking, one block at a time (memory bounded by the block size)."""
    for block, members in user_blocks(users):
        yield banking_block(ctx, block, members)


def generate_banking(ctx: Context, users: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accounts, transactions) of the persona's users, balances consistent with the flows."""
    accounts, transactions = [], []
    for block in banking_blocks(ctx, users):
        accounts.append(block.accounts)
        transactions.append(block.transactions)
    return _concat(accounts), _concat(transactions)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
