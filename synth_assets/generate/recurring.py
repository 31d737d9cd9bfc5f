"""Recurring transaction streams: payroll, rent, utilities, subscriptions, loan payments,
transfers to savings and credit-card payments. Each is vectorised over accounts and returns
the columns of ``streams.COLUMNS``; amounts follow Plaid's sign (positive = money out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate.common import SECONDS_PER_DAY, Context, lognormal
from synth_assets.generate.pools import pools
from synth_assets.generate.streams import (
    MORNING,
    empty,
    index_by_user,
    month_starts,
    monthly,
    stream,
    window,
    yearly,
)
from synth_assets.personas import Frequency, PayFrequency

TABLE = "transactions"
PERIODS_PER_YEAR = {
    PayFrequency.WEEKLY: 52,
    PayFrequency.BIWEEKLY: 26,
    PayFrequency.SEMI_MONTHLY: 24,
    PayFrequency.MONTHLY: 12,
    PayFrequency.IRREGULAR: 72,  # ~6 client payments a month
}
PENSION_PAYERS = np.array(
    ["Social Security Administration", "CalPERS Pension", "State Teachers Retirement"]
)
LANDLORDS = np.array(
    ["Greystar", "Equity Residential", "AvalonBay Communities", "Camden Property Trust"]
)
LOAN_TERMS_MONTHS = {"student": 120, "mortgage": 360, "auto": 60}
LOAN_CATEGORY = {
    "student": "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
    "mortgage": "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
    "auto": "LOAN_PAYMENTS_CAR_PAYMENT",
}
LOAN_KIND = {
    "student": "student_loan",
    "mortgage": "mortgage",
    "auto": "auto_loan",
    "credit card": "credit_card",
}
DEFAULT_APR = {"student": 5.5, "mortgage": 6.5, "auto": 7.0, "credit card": 24.0}
CARD_PAYMENT_DAY = 21  # statements close at month end; the bill is paid on the 21st
SAVINGS_DAY = 3


def apr(ctx: Context, subtype: str) -> float:
    """The persona's APR (percent) for a loan or card subtype, or a typical default."""
    spec = ctx.persona.accounts.get(LOAN_KIND[subtype])
    return spec.apr_percentage if spec and spec.apr_percentage is not None else DEFAULT_APR[subtype]


def monthly_payment(
    principal: np.ndarray, apr_percent: np.ndarray, months: np.ndarray
) -> np.ndarray:
    """The level payment that amortises ``principal`` over ``months`` at ``apr_percent``."""
    rate = np.asarray(apr_percent, dtype=float) / 100 / 12
    return np.round(principal * rate / (1 - (1 + rate) ** -np.asarray(months, dtype=float)), 2)


def payroll(ctx: Context, users: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Pay into checking on the persona's schedule from one employer per user, with one raise."""
    rng, income = ctx.rng(TABLE, "payroll"), ctx.persona.income
    checking = index_by_user(accounts, "checking")
    user_rows = pd.Series(np.arange(len(users)), index=users["id"]).loc[checking.index].to_numpy()
    n = len(checking)
    start, end = window(ctx)
    periods = PERIODS_PER_YEAR[income.pay_frequency]
    if income.pay_frequency is PayFrequency.IRREGULAR:
        span = (end - start) / np.timedelta64(1, "s")
        rows = np.repeat(np.arange(n), rng.poisson(periods * span / (365 * SECONDS_PER_DAY), n))
        when = start + (rng.random(len(rows)) * span).astype("timedelta64[s]")
        share = rng.lognormal(-0.18, 0.6, len(rows))  # mean 1: irregular invoices
    else:
        rows, when = _pay_dates(ctx, income.pay_frequency, rng, n)
        share = np.ones(len(rows))
    raise_at = month_starts(ctx)[rng.integers(1, max(len(month_starts(ctx)), 2), n)].astype(
        "datetime64[s]"
    )
    raised = np.where(when[:] >= raise_at[rows], 1 + income.annual_raise, 1.0)
    if income.pay_frequency is PayFrequency.IRREGULAR:
        raised[:] = 1.0
    keep = when > accounts["created_at"].to_numpy()[checking.to_numpy()][rows]
    rows, when, share, raised = rows[keep], when[keep], share[keep], raised[keep]
    annual = users["annual_income"].to_numpy()[user_rows][rows]
    employer = _payers(ctx, rng, n)[rows]
    return stream(
        checking.to_numpy()[rows],
        when,
        -np.round(annual / periods * share * raised, 2),
        name=np.char.add(
            employer, " PAYROLL" if income.category == "INCOME_SALARY" else " DEPOSIT"
        ),
        merchant_name=employer,
        detailed=income.category,
        payment_channel="other",
        confidence="VERY_HIGH",
    )


def _payers(ctx: Context, rng: np.random.Generator, count: int) -> np.ndarray:
    retired = ctx.persona.income.category == "INCOME_RETIREMENT_PENSION"
    payers = PENSION_PAYERS if retired else pools(ctx.seed).companies
    return payers[rng.integers(0, len(payers), count)].astype(str)


def _pay_dates(ctx: Context, frequency: PayFrequency, rng: np.random.Generator, count: int):
    start, end = window(ctx)
    if frequency in (PayFrequency.WEEKLY, PayFrequency.BIWEEKLY):
        step = 7 if frequency is PayFrequency.WEEKLY else 14
        first_friday = (
            4 - (start.astype("datetime64[D]").view("int64") - 4) % 7
        ) % 7  # 1970-01-01 was a Thursday
        phase = first_friday + rng.integers(0, step // 7, count) * 7
        days = np.arange(0, ctx.persona.date_range.days, step)
        when = (
            start
            + ((phase[:, None] + days[None, :]) * SECONDS_PER_DAY).astype("timedelta64[s]")
            + MORNING
        )
    else:
        offsets = np.array([0, 14] if frequency is PayFrequency.SEMI_MONTHLY else [0])
        grid = (month_starts(ctx)[:, None] + offsets[None, :].astype("timedelta64[D]")).ravel()
        when = np.broadcast_to(grid.astype("datetime64[s]") + MORNING, (count, len(grid)))
    rows, cols = np.nonzero(when <= end)
    return rows, when[rows, cols]


def rent(ctx: Context, accounts: pd.DataFrame) -> pd.DataFrame:
    """Monthly rent on a fixed day, a fixed amount per user, for users without a mortgage."""
    housing = ctx.persona.spending.housing
    if housing is None:
        return empty()
    rng = ctx.rng(TABLE, "rent")
    checking = index_by_user(accounts, "checking")
    owners = set(accounts.loc[accounts["subtype"] == "mortgage", "user_id"])
    renters = checking[
        ~checking.index.isin(owners) & (rng.random(len(checking)) < housing.rent_probability)
    ]
    amount = np.round(lognormal(rng, housing.rent, len(renters)), -1)
    landlord = np.where(
        rng.random(len(renters)) < 0.5,
        LANDLORDS[rng.integers(0, len(LANDLORDS), len(renters))],
        np.char.add(
            pools(ctx.seed).local_surnames[rng.integers(0, 50, len(renters))],
            " Property Management",
        ),
    )
    day = np.full(len(renters), housing.day_of_month)
    rows, when = monthly(ctx, accounts["created_at"].to_numpy()[renters.to_numpy()], day)
    return stream(
        renters.to_numpy()[rows],
        when,
        amount[rows],
        name=np.char.add("RENT ", landlord[rows].astype(str)),
        merchant_name=landlord[rows],
        detailed="RENT_AND_UTILITIES_RENT",
        payment_channel="other",
        confidence="VERY_HIGH",
    )


def utilities(ctx: Context, accounts: pd.DataFrame) -> pd.DataFrame:
    """Monthly bills from checking: a base amount per household, varying a little each month."""
    rng = ctx.rng(TABLE, "utilities")
    checking = index_by_user(accounts, "checking").to_numpy()
    pieces = [empty()]
    for bill in ctx.persona.spending.utilities:
        payers = checking[rng.random(len(checking)) < bill.probability]
        base = lognormal(rng, bill.amount, len(payers))
        rows, when = monthly(
            ctx, accounts["created_at"].to_numpy()[payers], rng.integers(5, 26, len(payers))
        )
        amount = np.round(base[rows] * np.exp(rng.normal(0, bill.variation, len(rows))), 2)
        pieces.append(_online_bill(payers[rows], when, amount, bill.name, bill.category))
    return pd.concat(pieces, ignore_index=True)


def subscriptions(ctx: Context, accounts: pd.DataFrame, payer: pd.Series) -> pd.DataFrame:
    """Fixed-amount subscriptions, monthly or yearly, on the card when the user has one."""
    rng = ctx.rng(TABLE, "subscriptions")
    users = index_by_user(accounts, "checking").index.to_numpy()
    pieces = [empty()]
    for sub in ctx.persona.spending.subscriptions:
        account = payer.loc[users[rng.random(len(users)) < sub.probability]].to_numpy()
        opened = accounts["created_at"].to_numpy()[account]
        if sub.frequency is Frequency.ANNUALLY:
            rows, when = yearly(ctx, opened, rng)
        else:
            rows, when = monthly(ctx, opened, rng.integers(1, 29, len(account)))
        pieces.append(
            _online_bill(
                account[rows], when, np.full(len(rows), sub.amount), sub.name, sub.category
            )
        )
    return pd.concat(pieces, ignore_index=True)


def _online_bill(
    account: np.ndarray, when: np.ndarray, amount: np.ndarray, payee: str, category: str
) -> pd.DataFrame:
    """Rows of a recurring bill paid online to one payee (utilities and subscriptions)."""
    return stream(
        account, when, amount, name=payee.upper(), merchant_name=payee, detailed=category,
        payment_channel="online", website=_website(payee), confidence="VERY_HIGH",
    )  # fmt: skip


def _website(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum()) + ".com"


def loan_payments(ctx: Context, accounts: pd.DataFrame) -> pd.DataFrame:
    """The level monthly payment of each loan, out of the borrower's checking account."""
    rng = ctx.rng(TABLE, "loans")
    loans = accounts.index[accounts["type"] == "loan"].to_numpy()
    subtype = accounts["subtype"].to_numpy()[loans]
    payment = monthly_payment(
        accounts["balance_current"].to_numpy()[loans],
        np.array([apr(ctx, s) for s in subtype]),
        np.array([LOAN_TERMS_MONTHS[s] for s in subtype]),
    )
    payer = (
        index_by_user(accounts, "checking").loc[accounts["user_id"].to_numpy()[loans]].to_numpy()
    )
    rows, when = monthly(
        ctx, accounts["created_at"].to_numpy()[loans], rng.integers(1, 29, len(loans))
    )
    servicer = np.char.add(accounts["official_name"].to_numpy()[loans].astype(str), " PAYMENT")
    return stream(
        payer[rows],
        when,
        payment[rows],
        name=servicer[rows],
        detailed=np.array([LOAN_CATEGORY[s] for s in subtype], dtype=object)[rows],
        payment_channel="other",
        confidence="VERY_HIGH",
    )


def savings_transfers(ctx: Context, users: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """A fixed monthly transfer from checking to savings: out of one, into the other."""
    rng, saving = ctx.rng(TABLE, "savings"), ctx.persona.spending.saving
    savings = index_by_user(accounts, "savings")
    savers = savings[rng.random(len(savings)) < saving.probability]
    checking = index_by_user(accounts, "checking").loc[savers.index].to_numpy()
    income = users.set_index("id")["annual_income"].loc[savers.index].to_numpy()
    amount = np.maximum(np.round(income * saving.share_of_income / 12, -1), 10.0)
    opened = np.maximum(
        accounts["created_at"].to_numpy()[savers.to_numpy()],
        accounts["created_at"].to_numpy()[checking],
    )
    rows, when = monthly(ctx, opened, np.full(len(savers), SAVINGS_DAY))
    common = {"payment_channel": "other", "confidence": "VERY_HIGH"}
    return pd.concat(
        [
            stream(
                checking[rows],
                when,
                amount[rows],
                name="TRANSFER TO SAVINGS",
                detailed="TRANSFER_OUT_SAVINGS",
                **common,
            ),
            stream(
                savers.to_numpy()[rows],
                when,
                -amount[rows],
                name="TRANSFER FROM CHECKING",
                detailed="TRANSFER_IN_SAVINGS",
                **common,
            ),
        ],
        ignore_index=True,
    )


def card_payments(ctx: Context, accounts: pd.DataFrame, card_spend: pd.DataFrame) -> pd.DataFrame:
    """Each month's card statement (the month's purchases; the first also clears the opening
    balance) is paid in full on the 21st of the next month: the same amount leaves checking
    (positive) and reaches the card (negative) at the same time."""
    cards = accounts.index[accounts["subtype"] == "credit card"]
    on_card = card_spend[card_spend["account_index"].isin(cards)]
    month = on_card["timestamp"].to_numpy().astype("datetime64[M]")
    bills = (
        pd.DataFrame(
            {
                "card": on_card["account_index"].to_numpy(),
                "month": month,
                "amount": on_card["amount"].to_numpy(),
            }
        )
        .groupby(["card", "month"], sort=True)["amount"]
        .sum()
        .reset_index()
    )
    first = ~bills["card"].duplicated()
    bills.loc[first, "amount"] += accounts["opening_balance"].to_numpy()[
        bills.loc[first, "card"].to_numpy()
    ]
    paid = (bills["month"].to_numpy().astype("datetime64[M]") + 1).astype("datetime64[D]") + (
        CARD_PAYMENT_DAY - 1
    )
    when = paid.astype("datetime64[s]") + MORNING + np.timedelta64(3600, "s")
    keep = when <= window(ctx)[1]
    card, amount, when = (
        bills["card"].to_numpy()[keep],
        np.round(bills["amount"].to_numpy()[keep], 2),
        when[keep],
    )
    if not len(card):
        return empty()
    payer = index_by_user(accounts, "checking").loc[accounts["user_id"].to_numpy()[card]].to_numpy()
    bank = accounts["official_name"].to_numpy()[card].astype(str)
    common = {
        "detailed": "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
        "payment_channel": "other",
        "confidence": "VERY_HIGH",
    }
    return pd.concat(
        [
            stream(payer, when, amount, name=np.char.add("PAYMENT TO ", bank), **common),
            stream(card, when, -amount, name="PAYMENT - THANK YOU", **common),
        ],
        ignore_index=True,
    )
