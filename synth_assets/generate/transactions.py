"""The ``transactions`` table (Plaid ``Transaction``), built from streams that real accounts
show: payroll, subscriptions, discretionary purchases, loan payments and card payments.

Amounts follow Plaid's sign convention: positive is money leaving the account.
Each stream is a vectorised function returning the same columns; they are concatenated,
ordered by (account, time) and given stable ids.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from synth_assets.generate.catalogue import CATALOGUE
from synth_assets.generate.common import SECONDS_PER_DAY, Context
from synth_assets.generate.pools import pools
from synth_assets.personas import PayFrequency
from synth_assets.plaid.taxonomy import DETAILED_TO_PRIMARY

TABLE = "transactions"
PENDING_DAYS = 3  # purchases in the window's last days have not posted yet
LOCAL_VARIANTS = 6  # local businesses per "{surname}" merchant template
CARD_SHARE = 0.65  # share of purchases on the credit card, for users who have one
LOAN_TERMS_MONTHS = {"student": 120, "mortgage": 360, "auto": 60}
LOAN_CATEGORY = {
    "student": "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
    "mortgage": "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
    "auto": "LOAN_PAYMENTS_CAR_PAYMENT",
}
DEFAULT_APR = {"student": 5.5, "mortgage": 6.5, "auto": 7.0}
PERIODS_PER_YEAR = {
    PayFrequency.WEEKLY: 52,
    PayFrequency.BIWEEKLY: 26,
    PayFrequency.SEMI_MONTHLY: 24,
    PayFrequency.MONTHLY: 12,
    PayFrequency.IRREGULAR: 72,  # ~6 client payments a month
}
# Share of purchases by hour of day (UTC-naive local time): quiet nights, lunch and evening peaks.
HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 3.5, 4, 5, 6.5, 5.5, 4.5, 4.5, 5, 6, 6.5, 6, 5, 4, 3, 2]
)
COLUMNS = [
    "account_index",
    "timestamp",
    "amount",
    "name",
    "merchant_name",
    "detailed",
    "payment_channel",
    "in_store",
    "website",
    "confidence",
]


def _stream(
    account_index: np.ndarray, timestamp: np.ndarray, amount: np.ndarray, **columns
) -> pd.DataFrame:
    frame = pd.DataFrame({"account_index": account_index, "timestamp": timestamp, "amount": amount})
    for column in COLUMNS[3:]:
        frame[column] = columns.get(column)
    frame["in_store"] = frame["in_store"].fillna(False).astype(bool)
    return frame


def _window_seconds(ctx: Context) -> tuple[np.datetime64, np.datetime64]:
    rng_ = ctx.persona.date_range
    return np.datetime64(rng_.start, "s"), np.datetime64(rng_.end + dt.timedelta(days=1), "s") - 1


def _month_starts(ctx: Context) -> np.ndarray:
    rng_ = ctx.persona.date_range
    first = np.datetime64(rng_.start, "M")
    last = np.datetime64(rng_.end, "M")
    return np.arange(first, last + 1).astype("datetime64[D]")


def _monthly(
    ctx: Context, opened: np.ndarray, day_of_month: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(row index into the inputs, timestamp) for a monthly charge on a fixed day, from the
    month after opening to the window's end."""
    months = _month_starts(ctx)
    start, end = _window_seconds(ctx)
    when = months[None, :] + (day_of_month[:, None] - 1).astype("timedelta64[D]")
    when = when.astype("datetime64[s]") + np.timedelta64(9 * 3600, "s")
    keep = (when > opened[:, None]) & (when <= end) & (when >= start)
    rows, cols = np.nonzero(keep)
    return rows, when[rows, cols]


def _payroll(ctx: Context, users: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    rng, income = ctx.rng(TABLE, "payroll"), ctx.persona.income
    checking = accounts.index[accounts["subtype"] == "checking"].to_numpy()
    user_of = users.reset_index().set_index("id")["index"]
    user_rows = user_of.loc[accounts["user_id"].to_numpy()[checking]].to_numpy()
    opened = accounts["created_at"].to_numpy()[checking]
    start, end = _window_seconds(ctx)
    periods = PERIODS_PER_YEAR[income.pay_frequency]
    if income.pay_frequency is PayFrequency.IRREGULAR:
        span = (end - start) / np.timedelta64(1, "s")
        counts = rng.poisson(periods * span / (365 * SECONDS_PER_DAY), len(checking))
        rows = np.repeat(np.arange(len(checking)), counts)
        when = start + (rng.random(len(rows)) * span).astype("timedelta64[s]")
        share = rng.lognormal(0, 0.6, len(rows))
    else:
        rows, when = _pay_dates(ctx, income.pay_frequency, rng, len(checking))
        share = np.ones(len(rows))
    keep = when > opened[rows]
    rows, when, share = rows[keep], when[keep], share[keep]
    annual = users["annual_income"].to_numpy()[user_rows][rows]
    amount = -np.round(annual / periods * share, 2)
    employer = _employers(ctx, rng, len(checking))[rows]
    return _stream(
        checking[rows],
        when,
        amount,
        name=np.char.add(employer, " PAYROLL"),
        merchant_name=employer,
        detailed=income.category,
        payment_channel="other",
        confidence="VERY_HIGH",
    )


def _employers(ctx: Context, rng: np.random.Generator, count: int) -> np.ndarray:
    if ctx.persona.income.category == "INCOME_RETIREMENT_PENSION":
        payers = np.array(
            ["Social Security Administration", "CalPERS Pension", "State Teachers Retirement"]
        )
    else:
        payers = pools(ctx.seed).companies
    return payers[rng.integers(0, len(payers), count)].astype(str)


def _pay_dates(ctx: Context, frequency: PayFrequency, rng: np.random.Generator, count: int):
    start, end = _window_seconds(ctx)
    nine_am = np.timedelta64(6 * 3600, "s")
    if frequency in (PayFrequency.WEEKLY, PayFrequency.BIWEEKLY):
        step = 7 if frequency is PayFrequency.WEEKLY else 14
        phase = rng.integers(0, step, count)
        days = np.arange(0, ctx.persona.date_range.days, step)
        when = start + ((phase[:, None] + days[None, :]) * SECONDS_PER_DAY).astype("timedelta64[s]")
        when = when + nine_am
    else:
        months = _month_starts(ctx)
        pay_days = [1, 15] if frequency is PayFrequency.SEMI_MONTHLY else [1]
        offsets = np.array([d - 1 for d in pay_days])
        grid = (months[:, None] + offsets[None, :].astype("timedelta64[D]")).ravel()
        when = np.broadcast_to(grid.astype("datetime64[s]") + nine_am, (count, len(grid)))
    keep = when <= end
    rows, cols = np.nonzero(keep)
    return rows, when[rows, cols]


def _subscriptions(ctx: Context, accounts: pd.DataFrame, payer: pd.Series) -> pd.DataFrame:
    rng = ctx.rng(TABLE, "subscriptions")
    checking = accounts.index[accounts["subtype"] == "checking"].to_numpy()
    pieces = []
    for sub in ctx.persona.spending.subscriptions:
        subscribed = checking[rng.random(len(checking)) < sub.probability]
        account = payer.loc[accounts["user_id"].to_numpy()[subscribed]].to_numpy()
        rows, when = _monthly(
            ctx, accounts["created_at"].to_numpy()[account], rng.integers(1, 29, len(account))
        )
        pieces.append(
            _stream(
                account[rows],
                when,
                np.full(len(rows), sub.amount),
                name=sub.name.upper(),
                merchant_name=sub.name,
                detailed=sub.category,
                payment_channel="online",
                website=_website(np.array([sub.name]))[0],
                confidence="VERY_HIGH",
            )
        )
    return (
        pd.concat(pieces, ignore_index=True)
        if pieces
        else _stream(np.array([], int), np.array([], "datetime64[s]"), np.array([]))
    )


def _website(merchants: np.ndarray) -> np.ndarray:
    slug = np.char.lower(merchants.astype(str))
    for char in " '&+.-":
        slug = np.char.replace(slug, char, "")
    return np.char.add(slug, ".com")


def _merchant_table(ctx: Context) -> pd.DataFrame:
    """Every merchant the persona can buy from, with its category, channel and website."""
    rng, surnames = ctx.rng(TABLE, "merchants"), pools(ctx.seed).local_surnames
    primaries = ctx.persona.spending.categories
    total = sum(primaries.values())
    rows = []
    for primary, weight in primaries.items():
        spends = CATALOGUE[primary]
        spend_total = sum(s.weight for s in spends)
        for spend in spends:
            p_spend = weight / total * spend.weight / spend_total
            names = [
                m.replace("{surname}", str(surnames[rng.integers(len(surnames))]))
                for m in spend.merchants
                for _ in range(LOCAL_VARIANTS if "{surname}" in m else 1)
            ]
            online = rng.random(len(names)) < spend.online
            for name, is_online in zip(names, online, strict=True):
                rows.append(
                    (
                        name,
                        spend.detailed,
                        p_spend / len(names),
                        spend.median,
                        spend.sigma,
                        bool(is_online),
                        "{" not in name and not is_online,
                    )
                )
    table = pd.DataFrame(
        rows, columns=["merchant", "detailed", "p", "median", "sigma", "online", "chain"]
    )
    table["website"] = np.where(
        table["online"] | table["chain"], _website(table["merchant"].to_numpy()), None
    )
    return table


def _purchases(ctx: Context, users: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng(TABLE, "purchases")
    _, end = _window_seconds(ctx)
    spenders = accounts.index[accounts["subtype"].isin(["checking", "credit card"])].to_numpy()
    has_card = accounts.loc[accounts["subtype"] == "credit card", "user_id"]
    is_card = accounts["subtype"].to_numpy()[spenders] == "credit card"
    card_holder = accounts["user_id"].to_numpy()[spenders]
    share = np.where(
        is_card, CARD_SHARE, np.where(np.isin(card_holder, has_card), 1 - CARD_SHARE, 1.0)
    )
    opened = accounts["created_at"].to_numpy()[spenders]
    active_s = (end - opened) / np.timedelta64(1, "s")
    per_second = ctx.persona.spending.transactions_per_month * 12 / (365 * SECONDS_PER_DAY)
    counts = rng.poisson(per_second * active_s * share)
    rows = np.repeat(np.arange(len(spenders)), counts)
    merchants = _merchant_table(ctx)
    pick = rng.choice(
        len(merchants), size=len(rows), p=merchants["p"].to_numpy() / merchants["p"].sum()
    )
    chosen = merchants.iloc[pick]
    amount = np.round(
        chosen["median"].to_numpy() * np.exp(rng.normal(0, chosen["sigma"].to_numpy())), 2
    ).clip(min=0.5)
    day = opened[rows].astype("datetime64[D]") + (
        rng.random(len(rows)) * (active_s[rows] // SECONDS_PER_DAY + 1)
    ).astype("timedelta64[D]")
    hour = rng.choice(24, size=len(rows), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    when = day.astype("datetime64[s]") + (hour * 3600 + rng.integers(0, 3600, len(rows))).astype(
        "timedelta64[s]"
    )
    when = np.clip(np.maximum(when, opened[rows] + 1), None, end)
    in_store = ~chosen["online"].to_numpy()
    return _stream(
        spenders[rows],
        when,
        amount,
        name=chosen["merchant"].to_numpy(),
        merchant_name=chosen["merchant"].to_numpy(),
        detailed=chosen["detailed"].to_numpy(),
        payment_channel=np.where(in_store, "in store", "online"),
        in_store=in_store,
        website=chosen["website"].to_numpy(),
        confidence="HIGH",
    )


def _loan_payments(ctx: Context, accounts: pd.DataFrame, checking_of: pd.Series) -> pd.DataFrame:
    rng = ctx.rng(TABLE, "loans")
    loans = accounts.index[accounts["type"] == "loan"].to_numpy()
    subtype = accounts["subtype"].to_numpy()[loans]
    principal = accounts["balance_current"].to_numpy()[loans]
    apr = np.array([_apr(ctx, s) for s in subtype]) / 100 / 12
    term = np.array([LOAN_TERMS_MONTHS[s] for s in subtype])
    monthly = np.round(principal * apr / (1 - (1 + apr) ** -term), 2)
    payer = checking_of.loc[accounts["user_id"].to_numpy()[loans]].to_numpy()
    rows, when = _monthly(
        ctx, accounts["created_at"].to_numpy()[loans], rng.integers(1, 29, len(loans))
    )
    category = np.array([LOAN_CATEGORY[s] for s in subtype])[rows]
    servicer = np.char.add(accounts["official_name"].to_numpy()[loans].astype(str), " PAYMENT")[
        rows
    ]
    return _stream(
        payer[rows],
        when,
        monthly[rows],
        name=servicer,
        detailed=category,
        payment_channel="other",
        confidence="VERY_HIGH",
    )


def _apr(ctx: Context, subtype: str) -> float:
    kind = {"student": "student_loan", "mortgage": "mortgage", "auto": "auto_loan"}[subtype]
    spec = ctx.persona.accounts.get(kind)
    return spec.apr_percentage if spec and spec.apr_percentage is not None else DEFAULT_APR[subtype]


def _card_payments(
    ctx: Context, accounts: pd.DataFrame, spent: pd.DataFrame, checking_of: pd.Series
) -> pd.DataFrame:
    """Each month the card's previous-month purchases are paid from checking: the same amount
    leaves checking (positive) and reaches the card (negative) on the same day."""
    cards = accounts.index[accounts["subtype"] == "credit card"]
    on_card = spent[spent["account_index"].isin(cards)]
    if on_card.empty:
        return spent.iloc[0:0]
    month = on_card["timestamp"].to_numpy().astype("datetime64[M]")
    due = pd.DataFrame(
        {
            "card": on_card["account_index"].to_numpy(),
            "month": month,
            "amount": on_card["amount"].to_numpy(),
        }
    )
    bills = due.groupby(["card", "month"], sort=True)["amount"].sum().round(2).reset_index()
    paid_on = (bills["month"].to_numpy().astype("datetime64[M]") + 1).astype(
        "datetime64[D]"
    ) + np.timedelta64(20, "D")
    when = paid_on.astype("datetime64[s]") + np.timedelta64(10 * 3600, "s")
    keep = when <= _window_seconds(ctx)[1]
    bills, when = bills[keep], when[keep]
    card = bills["card"].to_numpy()
    bank = accounts["official_name"].to_numpy()[card].astype(str)
    payer = checking_of.loc[accounts["user_id"].to_numpy()[card]].to_numpy()
    amount = bills["amount"].to_numpy()
    common = {
        "detailed": "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
        "payment_channel": "other",
        "confidence": "VERY_HIGH",
    }
    return pd.concat(
        [
            _stream(payer, when, amount, name=np.char.add("PAYMENT TO ", bank), **common),
            _stream(card, when, -amount, name="PAYMENT - THANK YOU", **common),
        ],
        ignore_index=True,
    )


def generate_transactions(
    ctx: Context, users: pd.DataFrame, accounts: pd.DataFrame
) -> pd.DataFrame:
    """All of a persona's transactions, ordered by account and time, with Plaid columns."""
    checking = accounts[accounts["subtype"] == "checking"]
    checking_of = pd.Series(checking.index.to_numpy(), index=checking["user_id"].to_numpy())
    cards = accounts[accounts["subtype"] == "credit card"]
    payer = checking_of.copy()
    payer.loc[cards["user_id"].to_numpy()] = cards.index.to_numpy()
    purchases = pd.concat(
        [_purchases(ctx, users, accounts), _subscriptions(ctx, accounts, payer)], ignore_index=True
    )
    frame = pd.concat(
        [
            _payroll(ctx, users, accounts),
            purchases,
            _loan_payments(ctx, accounts, checking_of),
            _card_payments(ctx, accounts, purchases, checking_of),
        ],
        ignore_index=True,
    )
    frame = frame.sort_values(["account_index", "timestamp"], kind="stable").reset_index(drop=True)
    return _plaid_columns(ctx, frame, users, accounts)


def _plaid_columns(
    ctx: Context, frame: pd.DataFrame, users: pd.DataFrame, accounts: pd.DataFrame
) -> pd.DataFrame:
    rng = ctx.rng(TABLE, "finish")
    n = len(frame)
    _, end = _window_seconds(ctx)
    when = frame["timestamp"].to_numpy().astype("datetime64[s]")
    date = when.astype("datetime64[D]")
    card_like = frame["payment_channel"].to_numpy() != "other"
    lag = np.where(card_like, rng.integers(0, 3, n), 0).astype("timedelta64[D]")
    pending = card_like & (date > end.astype("datetime64[D]") - PENDING_DAYS)
    authorized = np.where(pending, date, date - lag)
    account = frame["account_index"].to_numpy()
    user_row = (
        pd.Series(np.arange(len(users)), index=users["id"].to_numpy())
        .loc[accounts["user_id"].to_numpy()[account]]
        .to_numpy()
    )
    in_store = frame["in_store"].to_numpy()

    def where_in_store(column: str) -> np.ndarray:
        return np.where(in_store, users[column].to_numpy()[user_row], None)

    detailed = frame["detailed"].to_numpy().astype(str)
    return pd.DataFrame(
        {
            "transaction_id": ctx.ids(TABLE, n),
            "account_id": accounts["account_id"].to_numpy()[account],
            "persona": ctx.persona.name,
            "amount": frame["amount"].to_numpy(),
            "iso_currency_code": "USD",
            "unofficial_currency_code": None,
            "date": date,
            "authorized_date": authorized,
            "datetime": when,
            "authorized_datetime": np.where(
                pending | ~card_like, when, when - lag.astype("timedelta64[s]")
            ),
            "name": frame["name"].to_numpy(),
            "merchant_name": frame["merchant_name"].to_numpy(),
            "payment_channel": frame["payment_channel"].to_numpy(),
            "pending": pending,
            "pfc_primary": _primary(detailed),
            "pfc_detailed": detailed,
            "pfc_confidence_level": frame["confidence"].to_numpy(),
            "location_city": where_in_store("city"),
            "location_region": where_in_store("region"),
            "location_postal_code": where_in_store("postal_code"),
            "location_country": np.where(in_store, "US", None),
            "website": frame["website"].to_numpy(),
        }
    )


def _primary(detailed: np.ndarray) -> np.ndarray:
    uniques, inverse = np.unique(detailed, return_inverse=True)
    return np.array([DETAILED_TO_PRIMARY[d] for d in uniques])[inverse]
