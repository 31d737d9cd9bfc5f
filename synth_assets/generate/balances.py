"""Balances that add up at every as-of date, without replaying years of history.

Each account's balance at a moment is its balance at the start of that calendar month plus
the month's flows posted before the moment:

- checking starts each month at the balance its owner keeps there (``Book.kept_balance``,
  drawn once per account): a standing rule moves whatever is above it to the user's account at
  another bank at the end of the month's last business day (or brings the shortfall back),
  and if a month's debits would take it below a cushion (for a persona that overdraws: below
  its overdraft limit), a transfer from that bank covers it just before. Nothing posts on
  checking after that moment in the month (every debit and credit posts on a business day).
  Overdraft fees follow debits that post below zero;
- a credit card starts each month owing last month's statement (paid in full by autopay on the
  21st, or the business day after);
- savings and loans follow their schedules (``schedules``).

So a window needs only its months and the one before, and moving the as-of date changes
nothing already shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate import calendar
from synth_assets.generate.book import Book
from synth_assets.generate.flows import Flows, concat, empty, flows, posted_at, take
from synth_assets.generate.schedules import Loans, Savings
from synth_assets.plaid.taxonomy import ACCOUNT_TRANSFER_IN, ACCOUNT_TRANSFER_OUT

OVERDRAFT_FEE = 35.0
OVERDRAFT_LIMIT = 500.0  # the lowest an overdrawing persona's checking may dip to
MAX_FEES_PER_MONTH = 3
CUSHION = (50.0, 600.0)  # lowest checking balance of a persona that does not overdraw
SWEEP_TIME = np.timedelta64(24 * 3600 - 1, "s")  # the last second of the last business day
ACH = {"payment_channel": "other", "confidence": "VERY_HIGH"}


def _floor(book: Book) -> np.ndarray:
    if book.ctx.persona.spending.overdraws:
        return np.full(len(book.checking), -OVERDRAFT_LIMIT + MAX_FEES_PER_MONTH * OVERDRAFT_FEE)
    return book.rng("cushion").uniform(*CUSHION, len(book.checking))


def checking_month(book: Book, month: np.datetime64, rows: Flows) -> Flows:
    """The transfers (and overdraft fees) that keep ``month``'s checking balances where
    they belong: a cover-up before the month's lowest point would go below the floor, fees
    for debits that post below zero, and the sweep to next month's starting balance."""
    checking = book.checking.to_numpy()
    slot = np.full(len(book.accounts), -1)
    slot[checking] = np.arange(len(checking))
    on = np.flatnonzero((slot[rows["account"]] >= 0) & ~np.isnat(rows["posted"]))
    mine = take(rows, on)
    at = posted_at(mine)
    order = np.lexsort((at, slot[mine["account"]]))
    mine, at = take(mine, order), at[order]
    who = slot[mine["account"]]
    opening = book.kept_balance
    spent = _cumsum_by(who, mine["amount"])
    running = opening[who] - spent
    cover = _cover(book, month, who, running, at)
    lifted = running + _lift_after(who, at, cover)
    fees = _fees(book, mine, who, lifted, at) if book.ctx.persona.spending.overdraws else empty()
    ending = opening - _sum_by(who, mine["amount"], len(checking))
    ending += _sum_by(cover["slot"], cover["amount"], len(checking))
    ending -= _sum_by(slot[fees["account"]], fees["amount"], len(checking))
    return concat([_transfers(book, cover), fees, _sweep(book, month, ending)])


def _cumsum_by(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running sums of ``values`` within each group (rows already grouped)."""
    if not len(values):
        return values.copy()
    total = np.cumsum(values)
    starts = np.r_[True, group[1:] != group[:-1]]
    offset = np.maximum.accumulate(np.where(starts, np.arange(len(values)), 0))
    before = np.r_[0.0, total][offset]
    return total - before


def _sum_by(group: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return (
        np.bincount(group, weights=values, minlength=size)[:size] if len(group) else np.zeros(size)
    )


def _cover(book: Book, month, who, running, at) -> dict:
    """One transfer in per account whose balance would fall below its floor this month,
    one second before the first debit that would take it there, for the whole shortfall."""
    floor = _floor(book)[who]
    short = running < floor
    frame = pd.DataFrame({"slot": who, "gap": floor - running, "at": at, "short": short})
    worst = frame.groupby("slot")["gap"].max()
    firsts = frame[frame["short"]].groupby("slot")["at"].min()
    need = worst.reindex(firsts.index)
    amount = np.ceil(need.to_numpy() / 10) * 10  # round up to $10
    return {
        "slot": firsts.index.to_numpy(dtype=np.int64),
        "at": firsts.to_numpy().astype("datetime64[s]") - 1,
        "amount": amount,
    }


def _lift_after(who: np.ndarray, at: np.ndarray, cover: dict) -> np.ndarray:
    if not len(cover["slot"]):
        return np.zeros(len(who))
    when = np.full(int(who.max(initial=-1)) + 1, np.datetime64("NaT", "s"))
    size = np.zeros(len(when))
    when[cover["slot"]], size[cover["slot"]] = cover["at"], cover["amount"]
    return np.where(~np.isnat(when[who]) & (at > when[who]), size[who], 0.0)


def _fees(book: Book, mine: Flows, who, lifted, at) -> Flows:
    """A fee for each day a debit posts with checking below zero, at most three a month."""
    below = (lifted < 0) & (mine["amount"] > 0)
    hits = pd.DataFrame({"slot": who[below], "at": at[below]})
    hits["day"] = hits["at"].to_numpy().astype("datetime64[D]")
    hits = hits.drop_duplicates(["slot", "day"])
    hits = hits[hits.groupby("slot").cumcount() < MAX_FEES_PER_MONTH]
    account = book.checking.to_numpy()[hits["slot"].to_numpy()]
    return flows(
        account, hits["at"].to_numpy().astype("datetime64[s]") + 1, OVERDRAFT_FEE,
        name="OVERDRAFT FEE", detailed="BANK_FEES_OVERDRAFT_FEES", **ACH,
    )  # fmt: skip


def _names(book: Book, slots: np.ndarray, direction: str) -> np.ndarray:
    return book.external[direction][slots]


def _transfers(book: Book, cover: dict) -> Flows:
    slots = cover["slot"]
    return flows(
        book.checking.to_numpy()[slots], cover["at"], -cover["amount"],
        name=_names(book, slots, "FROM"), detailed=ACCOUNT_TRANSFER_IN, **ACH,
    )  # fmt: skip


def _sweep(book: Book, month: np.datetime64, ending: np.ndarray) -> Flows:
    """At the end of the month's last business day, the standing rule moves what is above
    the kept balance out (or brings back what is below it)."""
    amount = np.round(ending - book.kept_balance, 2)
    last = calendar.business_day_in_month(calendar.month_days(month)[1], before=True)
    when = last.astype("datetime64[s]") + SWEEP_TIME
    open_then = book.opened[book.checking.to_numpy()] < when
    slots = np.flatnonzero(open_then & (amount != 0))
    out = amount[slots] > 0
    return concat(
        [
            flows(book.checking.to_numpy()[slots[out]], when, amount[slots[out]],
                  name=_names(book, slots[out], "TO"), detailed=ACCOUNT_TRANSFER_OUT, **ACH),
            flows(book.checking.to_numpy()[slots[~out]], when, amount[slots[~out]],
                  name=_names(book, slots[~out], "FROM"), detailed=ACCOUNT_TRANSFER_IN, **ACH),
        ]
    )  # fmt: skip


def balances_at(
    book: Book,
    moment: np.ndarray,
    months: dict[np.datetime64, Flows],
    statements: dict[np.datetime64, dict[int, float]],
    loans: Loans,
    savings: Savings,
) -> np.ndarray:
    """Each account's balance just before its ``moment`` (one per account row; Plaid's
    sense: owed on credit and loans): its month's starting balance plus the month's flows
    posted before the moment. NaN for an account not yet open at its moment."""
    accounts = book.accounts
    moment = np.broadcast_to(np.asarray(moment, dtype="datetime64[s]"), len(accounts))
    month_of = moment.astype("datetime64[M]")
    start = np.full(len(accounts), np.nan)
    checking = book.checking.to_numpy()
    cards = book.of_kind("credit card")
    movement = np.zeros(len(accounts))
    for month in np.intersect1d(np.unique(month_of), np.array(list(months))):
        here = month_of == month
        start[checking[here[checking]]] = book.kept_balance[here[checking]]
        owed = statements.get(month - 1, {})
        start[cards[here[cards]]] = [owed.get(card, 0.0) for card in cards[here[cards]]]
        rows = months[month]
        before = ~np.isnat(rows["posted"]) & (posted_at(rows) < moment[rows["account"]])
        before &= here[rows["account"]]
        movement += np.bincount(
            rows["account"][before], weights=rows["amount"][before], minlength=len(accounts)
        )
    kind = accounts["type"].to_numpy()
    balance = np.where(kind == "depository", start - movement, start + movement)
    balance[savings.rows] = savings.balance_at(moment[savings.rows])
    balance[loans.rows] = loans.balance_at(moment[loans.rows])
    balance[(book.opened > moment) | ~np.isin(month_of, np.array(list(months)))] = np.nan
    return np.round(balance, 2)
