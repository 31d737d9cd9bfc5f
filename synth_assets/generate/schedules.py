"""Balances that follow a schedule from the day an account began, to the cent: a loan's level
payments (each lowering the principal by what is left after the month's interest), and a
savings account's monthly transfer and interest.

Both are computed month by month from the loan's origination (the account's opening) up to
the last month a window needs, for the block's few loan and savings accounts at once; a
window then reads a month's payments and the balance at any moment from them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate import calendar
from synth_assets.generate.calendar import EVENING, SAVINGS_DAY


def _month_index(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[M]").astype(np.int64)


def _cents(values: np.ndarray) -> np.ndarray:
    return np.round(values, 2)


class Loans:
    """The amortisation of every loan account in ``rows``: payment k (1, 2, ...) falls on the
    loan's payment day of the k-th month after origination; its interest is the balance
    before it times the monthly rate, in cents, and the rest of the level payment repays
    principal (the last payment clears what is left)."""

    def __init__(self, accounts: pd.DataFrame, last_month: np.datetime64) -> None:
        self.rows = accounts.index[accounts["type"] == "loan"].to_numpy()
        loans = accounts.loc[self.rows]
        self.principal = loans["_principal"].to_numpy(dtype=float)
        self.rate = loans["_apr"].to_numpy(dtype=float) / 1200
        self.first = _month_index(loans["_origination"].to_numpy())  # origination month
        self.day = loans["_payment_day"].to_numpy(dtype=np.int64)
        level = loans["_payment"].to_numpy(dtype=float)
        count = int(np.max(_month_index(last_month) - self.first, initial=0)) + 1
        n = len(self.rows)
        self.balance = np.zeros((n, count + 1))  # after k payments
        self.payment = np.zeros((n, count + 1))
        self.interest = np.zeros((n, count + 1))
        balance = _cents(self.principal)
        self.balance[:, 0] = balance
        for k in range(1, count + 1):
            interest = _cents(balance * self.rate)
            payment = np.where(balance > 0, np.minimum(level, _cents(balance + interest)), 0.0)
            interest = np.where(balance > 0, interest, 0.0)
            balance = _cents(balance + interest - payment)
            self.balance[:, k], self.payment[:, k], self.interest[:, k] = balance, payment, interest

    def _when(self, k: np.ndarray) -> np.ndarray:
        """When payment k of each loan posts: its payment day, on a business day."""
        month = (self.first + k).astype("datetime64[M]")
        return calendar.at(calendar.standing_day(month, self.day))

    def due_in(self, month: np.datetime64):
        """(account rows, when, payment, interest) of the payments posting in ``month``."""
        k = _month_index(month) - self.first
        valid = (k >= 1) & (k < self.payment.shape[1])
        k_safe = np.where(valid, k, 0)
        payment = self.payment[np.arange(len(k)), k_safe]
        due = valid & (payment > 0)
        pick = np.flatnonzero(due)
        return (
            self.rows[pick],
            self._when(k_safe)[pick],
            payment[pick],
            self.interest[pick, k_safe[pick]],
        )

    def paid_before(self, moment: np.ndarray) -> np.ndarray:
        """How many payments of each loan have posted before its ``moment`` (one, or one per
        loan)."""
        moment = np.asarray(moment, dtype="datetime64[s]")
        k = _month_index(moment.astype("datetime64[D]")) - self.first
        k = k - (self._when(np.maximum(k, 0)) >= moment)
        return np.clip(k, 0, self.balance.shape[1] - 1)

    def balance_at(self, moment: np.ndarray) -> np.ndarray:
        """Principal owed just before each loan's ``moment``."""
        k = self.paid_before(moment)
        return self.balance[np.arange(len(k)), k]

    def facts(self, moment: np.datetime64) -> pd.DataFrame:
        """What a lender reports just before ``moment``, per loan: the last payment, the next
        one due, and this calendar year's interest and principal paid so far."""
        k = self.paid_before(moment)
        every = np.arange(len(k))
        count = self.balance.shape[1]
        paid = k > 0
        upcoming = np.minimum(k + 1, count - 1)
        has_next = (k + 1 < count) & (self.balance[every, k] > 0)
        year = np.datetime64(moment, "Y")
        steps = np.arange(count)
        when = np.stack([self._when(np.full(len(k), step)) for step in steps], axis=1)
        this_year = (
            (steps[None, :] >= 1)
            & (steps[None, :] <= k[:, None])
            & (when.astype("datetime64[Y]") == year)
        )
        interest = (self.interest * this_year).sum(axis=1)
        principal = ((self.payment - self.interest) * this_year).sum(axis=1)
        nat = np.datetime64("NaT", "D")
        return pd.DataFrame(
            {
                "last_payment_amount": np.where(paid, self.payment[every, k], np.nan),
                "last_payment_date": np.where(paid, when[every, k].astype("datetime64[D]"), nat),
                "next_payment_due_date": np.where(
                    has_next, when[every, upcoming].astype("datetime64[D]"), nat
                ),
                "next_payment_amount": np.where(has_next, self.payment[every, upcoming], np.nan),
                "ytd_interest_paid": np.round(interest, 2),
                "ytd_principal_paid": np.round(principal, 2),
            },
            index=self.rows,
        )


class Savings:
    """Every savings account in ``rows`` from its opening: the first deposit, the fixed
    transfer from checking on the 3rd of each month (or the next business day), and the
    interest paid on the month's last evening (the balance then times the monthly rate, in
    cents)."""

    def __init__(self, accounts: pd.DataFrame, last_month: np.datetime64) -> None:
        self.rows = accounts.index[accounts["subtype"] == "savings"].to_numpy()
        held = accounts.loc[self.rows]
        self.opened = held["created_at"].to_numpy().astype("datetime64[s]")
        self.rate = held["_apr"].to_numpy(dtype=float) / 1200
        saving = held["_saving"].to_numpy(dtype=float)
        self.first = int(np.min(_month_index(self.opened), initial=_month_index(last_month)))
        count = _month_index(last_month) - self.first + 1
        n = len(self.rows)
        self.start = np.full((n, count), np.nan)  # balance at the month's start (or opening)
        self.moved = np.zeros((n, count))
        self.interest = np.zeros((n, count))
        balance = np.full(n, np.nan)
        opened_month = _month_index(self.opened)
        for i in range(count):
            month = np.datetime64(self.first + i, "M")
            balance = np.where(
                opened_month == self.first + i, held["_principal"].to_numpy(), balance
            )
            self.start[:, i] = balance
            transfer_at = calendar.standing_day(month, np.array([SAVINGS_DAY]))[0]
            moved = np.where(
                (calendar.at(transfer_at) > self.opened) & ~np.isnan(balance), saving, 0.0
            )
            last = calendar.month_days(month)[1]
            open_then = (calendar.at(last, EVENING) > self.opened) & ~np.isnan(balance)
            interest = np.where(open_then, _cents((balance + moved) * self.rate), 0.0)
            self.moved[:, i], self.interest[:, i] = moved, interest
            balance = _cents(balance + moved + interest)

    def interest_in(self, month: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
        i = int(_month_index(month) - self.first)
        if not 0 <= i < self.interest.shape[1]:
            return self.rows[:0], np.zeros(0)
        pick = np.flatnonzero(self.interest[:, i] > 0)
        return self.rows[pick], self.interest[pick, i]

    def balance_at(self, moment: np.ndarray) -> np.ndarray:
        """Each account's balance just before its ``moment`` (NaN before it opened)."""
        moment = np.broadcast_to(np.asarray(moment, dtype="datetime64[s]"), len(self.rows))
        month = moment.astype("datetime64[M]")
        i = np.clip(_month_index(month) - self.first, 0, self.start.shape[1] - 1)
        every = np.arange(len(self.rows))
        transfer_at = calendar.standing_day(month, np.full(len(month), SAVINGS_DAY))
        last = (month + 1).astype("datetime64[D]") - 1
        balance = (
            self.start[every, i]
            + np.where(calendar.at(transfer_at) < moment, self.moved[every, i], 0.0)
            + np.where(calendar.at(last, EVENING) < moment, self.interest[every, i], 0.0)
        )
        return _cents(balance)
