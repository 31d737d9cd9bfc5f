"""Recurring transaction streams of one calendar month: payroll, rent, utilities,
subscriptions, loan payments (and the lender's side of them), transfers to savings and its
interest, and credit-card payments. Each reads the block's households (``book``) and draws
what varies from month to month from a stream anchored on that month, so a month's rows are
the same whichever window shows them. Amounts follow Plaid's sign (positive = money out).
"""

from __future__ import annotations

import numpy as np

from synth_assets.generate import calendar, schedules, withholding
from synth_assets.generate.book import Bill, Book, website
from synth_assets.generate.calendar import CARD_PAYMENT_DAY, EVENING, SAVINGS_DAY
from synth_assets.generate.catalogue import SEASONS
from synth_assets.generate.flows import Flows, concat, empty, flows
from synth_assets.personas import PayFrequency
from synth_assets.plaid.taxonomy import INTEREST_EARNED

TABLE = "transactions"
PERIODS_PER_YEAR = {
    PayFrequency.WEEKLY: 52,
    PayFrequency.BIWEEKLY: 26,
    PayFrequency.SEMI_MONTHLY: 24,
    PayFrequency.MONTHLY: 12,
    PayFrequency.IRREGULAR: 72,  # ~6 client payments a month
}
LOAN_CATEGORY = {
    "student": "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
    "mortgage": "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
    "auto": "LOAN_PAYMENTS_CAR_PAYMENT",
}
INTEREST_CHARGE = "BANK_FEES_INTEREST_CHARGE"
CARD_PAYMENT = "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"
ACH = {"payment_channel": "other", "confidence": "VERY_HIGH"}


def payroll(book: Book, month: np.datetime64) -> Flows:
    """Pay into checking on the persona's schedule, on business days, from one payer per
    user, net of what is withheld; gross pay rises by the persona's yearly raise in the
    employer's review month of every year after the signup, and a bonus earner's yearly bonus
    comes out of the income and is paid with the bonus month's first paycheck."""
    income = book.ctx.persona.income
    pay = book.pay
    frequency = income.pay_frequency
    if frequency is PayFrequency.IRREGULAR:
        rng = book.ctx.rng(TABLE, "payroll", month)
        first, last = calendar.month_days(month)
        length = (last - first).astype(int) + 1
        rows = np.repeat(
            np.arange(len(pay)), rng.poisson(PERIODS_PER_YEAR[frequency] / 12, len(pay))
        )
        days = calendar.business_day_in_month(first + rng.integers(0, length, len(rows)))
        share = rng.lognormal(-0.18, 0.6, len(rows))  # mean 1: irregular invoices
    else:
        rows, days = _paydays(month, frequency, pay["phase"].to_numpy())
        share = _shares(book, month, rows, days)
    account = pay["account"].to_numpy()[rows]
    when = calendar.at(days)
    keep = when > book.opened[account]
    rows, when, share, account = rows[keep], when[keep], share[keep], account[keep]
    raises = _raises(pay["signup"].to_numpy()[rows], pay["review"].to_numpy()[rows], when)
    raised = 1.0 if frequency is PayFrequency.IRREGULAR else (1 + income.annual_raise) ** raises
    gross = pay["annual"].to_numpy()[rows] * raised
    payer = pay["payer"].to_numpy()[rows]
    net = 1 - withholding.kept_back(gross, pay["region"].to_numpy()[rows], income, payer)
    amount = gross / PERIODS_PER_YEAR[frequency] * share * net
    suffix = " PAYROLL" if income.category == "INCOME_SALARY" else " DEPOSIT"
    return flows(
        account, when, -np.round(amount, 2), name=np.char.add(payer, suffix).astype(object),
        merchant_name=payer.astype(object), detailed=income.category, **ACH,
    )  # fmt: skip


def _shares(book: Book, month: np.datetime64, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Each payday's share of a period's gross pay: a bonus earner's paychecks less the
    bonus, and in the bonus month the yearly bonus added to the earner's first paycheck (paid
    with the payroll, as supplemental wages usually are)."""
    cut = book.pay["bonus"].to_numpy()
    share = 1.0 - cut[rows]
    bonus = book.ctx.persona.income.bonus
    if bonus is None or calendar.month_of_year(month) != bonus.month:
        return share
    order = np.lexsort((days, rows))
    _, first = np.unique(rows[order], return_index=True)
    first = order[first]
    periods = PERIODS_PER_YEAR[book.ctx.persona.income.pay_frequency]
    share[first] += cut[rows[first]] * periods
    return share


def _raises(signup: np.ndarray, review: np.ndarray, when: np.ndarray) -> np.ndarray:
    """How many yearly raises have taken effect by each payday: one on the first of the
    review month every year, from the first such day after the signup month."""
    signed = np.asarray(signup).astype("datetime64[M]").astype(np.int64)
    first = (signed // 12) * 12 + review - 1
    first = np.where(first <= signed, first + 12, first)
    paid = np.asarray(when).astype("datetime64[M]").astype(np.int64)
    return np.where(paid >= first, (paid - first) // 12 + 1, 0)


def _paydays(month: np.datetime64, frequency: PayFrequency, phase: np.ndarray):
    """(row, day) of each user's paydays in ``month``: fixed Fridays every week or two; the
    15th and the month's last day, or its last day (each moved back to a business day)."""
    if frequency in (PayFrequency.WEEKLY, PayFrequency.BIWEEKLY):
        step = 7 if frequency is PayFrequency.WEEKLY else 14
        return calendar.fixed_fridays(month, phase, step)
    first, last = calendar.month_days(month)
    grid = [first + 14, last] if frequency is PayFrequency.SEMI_MONTHLY else [last]
    days = calendar.business_day_in_month(np.array(grid, dtype="datetime64[D]"), before=True)
    rows = np.repeat(np.arange(len(phase)), len(days))
    return rows, np.tile(days, len(phase))


def bills(book: Book, month: np.datetime64) -> Flows:
    """Rent, utilities (with the season, and a little each month) and subscriptions that post in
    ``month``: a bill due on a weekend or a holiday posts on the next business day (pending until then),
    so those due at the end of the month before may post in this one."""
    every = [b for b in [book.rent, *book.utilities, *book.subscriptions] if b is not None]
    return concat(
        _bill(book, bill, due, month, variation)
        for due in (month - 1, month)
        for bill, variation in zip(every, _variations(book, every, due), strict=True)
    )


def _variations(book: Book, every: list[Bill], due: np.datetime64) -> list[np.ndarray]:
    """Standard normal draws of the bills due in ``due``: one per payer of every bill,
    whether or not it falls due (a fixed-size draw keeps the next bills' the same)."""
    rng = book.ctx.rng(TABLE, "bills", due)
    return [rng.normal(0.0, 1.0, len(b.payers)) for b in every]


def _bill(
    book: Book, bill: Bill, due: np.datetime64, month: np.datetime64, variation: np.ndarray
) -> Flows:
    """The payments of ``bill`` due in ``due`` that post in ``month``."""
    falls = np.ones(len(bill.payers), dtype=bool)
    if bill.month is not None:
        falls = bill.month == calendar.month_of_year(due)
    due_day = calendar.day_of_month(due, bill.day)
    when = calendar.at(due_day)
    posts = calendar.add_business_days(due_day, 0)
    falls &= (when > book.opened[bill.payers]) & (posts.astype("datetime64[M]") == month)
    season = SEASONS.get(bill.category, (1.0,) * 12)[calendar.month_of_year(due) - 1]
    amount = bill.amount * season * np.exp(bill.variation * variation)
    if bill.plan is not None:
        amount = bill.plan.price_on(due_day)
    pick = np.flatnonzero(falls)
    name = bill.name if np.isscalar(bill.name) else np.asarray(bill.name, dtype=object)[pick]
    merchant = (
        bill.merchant
        if np.isscalar(bill.merchant)
        else np.asarray(bill.merchant, dtype=object)[pick]
    )
    online = bill.channel == "online"
    return flows(
        bill.payers[pick], when[pick], amount[pick], posts[pick], name=name, merchant_name=merchant,
        detailed=bill.category, payment_channel=bill.channel,
        website=website(str(bill.merchant)) if online and np.isscalar(bill.merchant) else None,
        confidence="VERY_HIGH",
    )  # fmt: skip


def loans(book: Book, month: np.datetime64, loan: schedules.Loans) -> Flows:
    """Each loan's level payment due in ``month``: out of the borrower's checking account,
    and on the loan's own account the payment received and the month's interest charged."""
    rows, when, payment, interest = loan.due_in(month)
    if not len(rows):
        return empty()
    accounts = book.accounts
    subtype = accounts["subtype"].to_numpy()[rows]
    category = np.array([LOAN_CATEGORY[s] for s in subtype], dtype=object)
    servicer = np.char.add(accounts["official_name"].to_numpy()[rows].astype(str), " PAYMENT")
    lender_side = when > book.opened[rows]
    checking = book.checking_of(rows)
    paid_from = when > book.opened[checking]
    lender = np.flatnonzero(lender_side)
    charged = np.flatnonzero(lender_side & (interest > 0))
    return concat(
        [
            flows(checking[paid_from], when[paid_from], payment[paid_from],
                  name=servicer[paid_from].astype(object), detailed=category[paid_from], **ACH),
            flows(rows[lender], when[lender], -payment[lender], name="PAYMENT RECEIVED - THANK YOU",
                  detailed=category[lender], **ACH),
            flows(rows[charged], when[charged] - 1, interest[charged], name="INTEREST CHARGED",
                  detailed=INTEREST_CHARGE, **ACH),
        ]
    )  # fmt: skip


def savings(book: Book, month: np.datetime64, saved: schedules.Savings) -> Flows:
    """The fixed monthly transfer from checking to savings (out of one, into the other), and
    the interest the savings account earns at the month's end."""
    rows = saved.rows
    amount = book.accounts["_saving"].to_numpy(dtype=float)[rows]
    when = calendar.at(calendar.standing_day(month, np.full(len(rows), SAVINGS_DAY)))
    moving = (amount > 0) & (when > book.opened[rows])
    checking = book.checking_of(rows)[moving]
    into, moved, at = rows[moving], amount[moving], when[moving]
    interest_rows, interest = saved.interest_in(month)
    last = calendar.month_days(month)[1]
    return concat(
        [
            flows(checking, at, moved, name="TRANSFER TO SAVINGS", detailed="TRANSFER_OUT_SAVINGS", **ACH),
            flows(into, at, -moved, name="TRANSFER FROM CHECKING", detailed="TRANSFER_IN_SAVINGS", **ACH),
            flows(interest_rows, np.full(len(interest_rows), calendar.at(last, EVENING)), -interest,
                  name="INTEREST PAYMENT", detailed=INTEREST_EARNED, **ACH),
        ]
    )  # fmt: skip


def card_payments(book: Book, month: np.datetime64, statement: dict[int, float]) -> Flows:
    """Last month's statement of each card, paid in full by autopay on the 21st (the next
    business day when that is not one): the same amount leaves checking (positive) and
    reaches the card (negative) at the same time."""
    cards = np.array([card for card, owed in statement.items() if owed > 0], dtype=np.int64)
    if not len(cards):
        return empty()
    amount = np.round(np.array([statement[c] for c in cards]), 2)
    day = calendar.autopay_day(month, np.array([CARD_PAYMENT_DAY]))[0]
    when = np.full(len(cards), calendar.at(day) + np.timedelta64(3600, "s"))
    payer = book.checking_of(cards)
    bank = book.accounts["official_name"].to_numpy()[cards].astype(str)
    common = {"detailed": CARD_PAYMENT, **ACH}
    return concat(
        [
            flows(
                payer, when, amount, name=np.char.add("PAYMENT TO ", bank).astype(object), **common
            ),
            flows(cards, when, -amount, name="PAYMENT - THANK YOU", **common),
        ]
    )
