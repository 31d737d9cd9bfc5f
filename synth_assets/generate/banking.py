"""Accounts and their transactions at an as-of date, generated together because balances
depend on the flows: open the accounts, run every stream of every calendar month the window
needs, settle each month's checking (cover-ups, fees, the sweep), then show the window.

Users are taken in fixed blocks of ``BLOCK_USERS``, each with its own random streams and ids:
a user's accounts and transactions never reach outside their block, so a persona of any size
can be generated, checked and loaded a shard of blocks at a time (``synth_assets.shards``) and
still be identical, row for row, to the same persona generated whole. Streams over time are
anchored on calendar months, so a month's rows are the same at every as-of date that shows
them (``calendar``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth_assets.generate import accounts as accounts_table
from synth_assets.generate import balances, purchases, recurring, transactions
from synth_assets.generate.book import Book
from synth_assets.generate.common import Context
from synth_assets.generate.flows import Flows, concat, ordered, settles_on
from synth_assets.generate.liabilities import generate_liabilities
from synth_assets.generate.schedules import Loans, Savings


@dataclass(frozen=True)
class Block:
    """One block of users' banking at the as-of date."""

    index: int
    accounts: pd.DataFrame
    transactions: pd.DataFrame
    liabilities: pd.DataFrame
    changes: pd.DataFrame


def _card_charges(book: Book, rows: Flows) -> dict[int, float]:
    """Each card's statement for a month: its posted charges (money out) that month."""
    cards = book.of_kind("credit card")
    on_card = np.isin(rows["account"], cards) & ~np.isnat(rows["posted"]) & (rows["amount"] > 0)
    total = np.bincount(
        rows["account"][on_card], weights=rows["amount"][on_card], minlength=len(book.accounts)
    )
    return {int(card): round(float(total[card]), 2) for card in cards}


def history(book: Book, months: np.ndarray, loans: Loans, savings: Savings):
    """Every month's flows (ordered) and each month's card statements. The first month only
    gives its statements: its own card payments would need the month before it."""
    flows_by_month: dict[np.datetime64, Flows] = {}
    statements: dict[np.datetime64, dict[int, float]] = {}
    for month in months:
        streams = [
            recurring.payroll(book, month),
            recurring.bills(book, month),
            purchases.purchases(book.ctx, book.accounts, book.merchants, month, book.habits),
        ]
        if month == months[0]:
            statements[month] = _card_charges(book, concat(streams))
            continue
        streams += [
            recurring.loans(book, month, loans),
            recurring.savings(book, month, savings),
            recurring.card_payments(book, month, statements[month - 1]),
        ]
        rows = concat(streams)
        statements[month] = _card_charges(book, rows)
        rows = concat([rows, balances.checking_month(book, month, rows)])
        if (settles_on(rows).astype("datetime64[M]") != month).any():
            raise RuntimeError(f"a flow of {month}'s streams settles in another month")
        flows_by_month[month] = ordered(rows)
    return flows_by_month, statements


def banking_block(ctx: Context, block: int, users: pd.DataFrame) -> Block:
    """The banking of one block of users at ``ctx``'s as-of date, from the block's streams."""
    ctx = ctx.for_block(block)
    book = Book(ctx, users, accounts_table.generate_accounts(ctx, users))
    window = ctx.window
    months = ctx.months  # the changes may start from a day further back (or ahead)
    loans, savings = Loans(book.accounts, months[-1]), Savings(book.accounts, months[-1])
    by_month, statements = history(book, months, loans, savings)
    past = transactions.History.of_months(ctx, by_month)
    open_by_end = book.opened <= window.last_second
    args = (by_month, statements, loans, savings)
    settled = book.accounts.assign(
        opening_balance=balances.balances_at(
            book, np.maximum(window.first_second, book.opened), *args
        ),
        balance_current=balances.balances_at(book, window.last_second + 1, *args),
    )
    accounts = _available(settled, past, ctx)
    shown = accounts[open_by_end]
    return Block(
        block,
        accounts_table.table(shown),
        transactions.table(ctx, past, users, accounts),
        generate_liabilities(ctx, book, statements, loans, past.rows),
        transactions.changes(ctx, past, accounts),
    )


def _available(accounts: pd.DataFrame, past: transactions.History, ctx: Context) -> pd.DataFrame:
    """Available balances at the as-of date: depository = current less pending outflows
    (holds included); credit = limit less current; loans have none."""
    status = past.status(ctx.window)
    out = (status == transactions.PENDING) & (past.rows["pending_amount"] > 0)
    held = np.bincount(
        past.rows["account"][out], weights=past.rows["pending_amount"][out], minlength=len(accounts)
    )
    kind = accounts["type"].to_numpy()
    current = accounts["balance_current"].to_numpy(dtype=float)
    limit = accounts["balance_limit"].to_numpy(dtype=float)
    available = np.select(
        [kind == "depository", kind == "credit"], [current - held, limit - current], np.nan
    )
    return accounts.assign(balance_available=np.round(available, 2))
