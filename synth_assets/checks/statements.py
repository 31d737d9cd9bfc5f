"""What a person reading one user's statements would notice (WARN rules): pay that arrives
gross, a bank moving money on a weekend or a holiday, money swept out and brought back days
later, a merchant paid through the wrong channel, a fare off the fare table, a mechanic every
month or a second dentist, trips scattered over every store, a chain without Plaid's
enrichment. Each rule is a plain function of the tables; ``registry`` declares where it runs.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from synth_assets.checks.integrity import Finding, examples
from synth_assets.generate import calendar, services, withholding
from synth_assets.generate.catalogue import FARE_KINDS, IN_PERSON, ONLINE_ONLY, SERVICES, TRANSIT
from synth_assets.generate.enrichment import STORE_NUMBER, known_merchants
from synth_assets.generate.habits import HABITUAL, SLOT_WEIGHTS
from synth_assets.generate.purchases import transit_fares
from synth_assets.generate.recurring import PERIODS_PER_YEAR
from synth_assets.personas import Income, PayFrequency, Persona
from synth_assets.plaid.taxonomy import ACCOUNT_TRANSFER_IN as TRANSFER_IN
from synth_assets.plaid.taxonomy import ACCOUNT_TRANSFER_OUT as TRANSFER_OUT
from synth_assets.plaid.taxonomy import INTEREST_EARNED

# Every wage earner pays Social Security and Medicare out of each paycheck; a year's wages
# deposited above gross pay less that share were not withheld from.
PAYROLL_TAX = withholding.SOCIAL_SECURITY + withholding.MEDICARE
ROUND_TRIP_DAYS = 5
# An account's trips in a category before its regulars are judged: with nine trips in ten at
# its regulars, 30 trips leave chance no room to put fewer than 60% there.
MIN_TRIPS_JUDGED = 30
LEAST_AT_REGULARS = 0.6  # of those trips, at its three most visited places


def _least_withheld(income: Income) -> float | None:
    """The smallest share a deposit of ``income`` can have had withheld (None: any, or pay
    too irregular to add up to a year's share)."""
    if income.pay_frequency is PayFrequency.IRREGULAR:
        return None
    if income.withholding is not None:
        return income.withholding
    return PAYROLL_TAX if income.category == withholding.WAGES else None


def net_pay(
    income: Income,
    users: pd.DataFrame,
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
    start: dt.date,
    end: dt.date,
) -> list[Finding]:
    """Pay arrives net: what a user signed up before the window was paid in it is at most
    their gross income (raised every year since signup) less the least that is withheld,
    over the window's share of a year and one pay period more (a window can hold one payday
    more than its share); a bonus earner's paychecks are that much smaller and the window
    holds a bonus for each bonus month it touches."""
    least = _least_withheld(income)
    rule = "pay deposits are net of withholding"
    if least is None:
        return [Finding(rule, 0, 0)]
    paid = transactions[
        (transactions["pfc_detailed"] == income.category) & ~transactions["pending"]
    ]
    owner = accounts.set_index("account_id")["user_id"].reindex(paid["account_id"]).to_numpy()
    deposited = (-paid["amount"]).groupby(owner).sum()
    before = users[users["created_at"] < pd.Timestamp(start)].set_index("id")
    deposited = deposited.reindex(before.index, fill_value=0.0)
    years = (pd.Timestamp(end) - before["created_at"]).dt.days / calendar.DAYS_PER_YEAR
    gross = before["annual_income"] * (1 + income.annual_raise) ** np.ceil(years)
    share = ((end - start).days + 1) / calendar.DAYS_PER_YEAR + 1 / PERIODS_PER_YEAR[
        income.pay_frequency
    ]
    if income.bonus is not None:  # a bonus earner's paychecks are smaller by the bonus
        cut = income.bonus.share
        bonuses = _bonuses_held(start, end, income.bonus.month, income.pay_frequency)
        share = max(share, (1 - cut) * share + cut * bonuses)
    over = deposited > gross * share * (1 - least) + 0.005
    return [Finding(rule, len(before), int(over.sum()), examples(over.index[over].to_series()))]


def _bonuses_held(start: dt.date, end: dt.date, month: int, frequency: PayFrequency) -> int:
    """How many bonuses the window can hold: a bonus rides on the first paycheck of its
    month, by the 15th (monthly pay: at the month's end)."""
    months = np.arange(np.datetime64(start, "M"), np.datetime64(end, "M") + 1)
    months = months[calendar.month_of_year(months) == month]
    first, last = calendar.month_days(months)
    latest = last if frequency is PayFrequency.MONTHLY else first + 14
    return int(np.sum((latest >= np.datetime64(start)) & (first <= np.datetime64(end))))


def bank_days(transactions: pd.DataFrame) -> list[Finding]:
    """Money the bank moves (autopay, loan payments, transfers, payroll) settles on business
    days: not on a weekend, not on a Federal Reserve holiday. Interest credited on the
    statement date is not a movement."""
    moved = transactions[
        (transactions["payment_channel"] == "other")
        & ~transactions["pending"]
        & (transactions["pfc_detailed"] != INTEREST_EARNED)
    ]
    closed = ~calendar.is_business_day(moved["date"].to_numpy().astype("datetime64[D]"))
    return [
        Finding(
            "bank movements settle on business days",
            len(moved),
            int(closed.sum()),
            examples(moved["transaction_id"][closed]),
        )
    ]


def sweep_round_trips(transactions: pd.DataFrame) -> list[Finding]:
    """Money moved out to the user's other bank is not brought back within a few days: a
    standing rule sweeps the surplus once a month, and a cover-up comes when it is needed."""
    moves = transactions[
        transactions["pfc_detailed"].isin([TRANSFER_OUT, TRANSFER_IN]) & ~transactions["pending"]
    ][["transaction_id", "account_id", "pfc_detailed", "datetime"]]
    out = moves[moves["pfc_detailed"] == TRANSFER_OUT].sort_values("datetime")
    back = moves[moves["pfc_detailed"] == TRANSFER_IN].sort_values("datetime")
    pairs = pd.merge_asof(
        out, back[["account_id", "datetime"]].rename(columns={"datetime": "back"}),
        left_on="datetime", right_on="back", by="account_id", direction="forward",
    )  # fmt: skip
    soon = (pairs["back"] - pairs["datetime"]) <= pd.Timedelta(days=ROUND_TRIP_DAYS)
    return [
        Finding(
            f"nothing swept out comes back within {ROUND_TRIP_DAYS} days",
            len(out),
            int(soon.sum()),
            examples(pairs["transaction_id"][soon]),
        )
    ]


def channels(transactions: pd.DataFrame) -> list[Finding]:
    """A merchant's channel fits the merchant: one that exists only online is paid online,
    a restaurant, a dentist or a salon in person."""
    merchant = transactions["merchant_name"]
    channel = transactions["payment_channel"]
    wrong = (merchant.isin(ONLINE_ONLY) & (channel != "online")) | (
        transactions["pfc_detailed"].isin(IN_PERSON) & (channel == "online")
    )
    return [
        Finding(
            "the channel fits the merchant",
            len(transactions),
            int(wrong.sum()),
            examples(transactions["transaction_id"][wrong]),
        )
    ]


def service_rates(
    persona: Persona,
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
    start: dt.date,
    end: dt.date,
) -> list[Finding]:
    """A household uses a service at a human rate: in no calendar year more visits than its
    yearly rate (the persona's or the catalogue's), only in the service's season, and
    always at the one provider it keeps."""
    rate = services.rates(persona)
    used = transactions[services.visit_rows(transactions)]
    used = used[used["pfc_detailed"].isin(list(rate))]
    owner = accounts.set_index("account_id")["user_id"].reindex(used["account_id"]).to_numpy()
    keys = [owner, used["pfc_detailed"].to_numpy()]
    year = used["authorized_date"].dt.year.to_numpy()
    visits = used.groupby([*keys, year]).size()
    most = pd.Series({d: float(np.ceil(r)) for d, r in rate.items()})
    too_many = visits > most.reindex(visits.index.get_level_values(1)).to_numpy()
    open_months = pd.DataFrame(
        {d: [w > 0 for w in SERVICES[d].months or (1,) * 12] for d in rate}, index=range(1, 13)
    )
    month = used["authorized_date"].dt.month.to_numpy()
    column = open_months.columns.get_indexer(used["pfc_detailed"])
    season = open_months.to_numpy(dtype=bool)[month - 1, column]
    providers = used.groupby(keys)["merchant_name"].nunique()
    strays = providers > 1
    return [
        Finding(
            "service visits within the yearly rate, each calendar year",
            len(visits),
            int(too_many.sum()),
            examples(
                pd.Series([f"{u} {d} {y}" for u, d, y in visits.index[too_many]], dtype=object)
            ),
        ),
        Finding(
            "service visits in their season",
            len(used),
            int((~season).sum()),
            examples(used["transaction_id"][~season]),
        ),
        Finding(
            "one provider per service",
            len(providers),
            int(strays.sum()),
            examples(pd.Series([f"{u} {d}" for u, d in providers.index[strays]], dtype=object)),
        ),
    ]


def regular_places(transactions: pd.DataFrame) -> list[Finding]:
    """People return to a few places: in an everyday category (groceries, coffee, gas), an
    account's three most visited stores take most of its trips there."""
    everyday = transactions[transactions["pfc_detailed"].isin(HABITUAL)]
    keys = ["account_id", "pfc_detailed"]
    trips = everyday.groupby([*keys, "name"], observed=True).size().rename("n").reset_index()
    trips = trips.sort_values([*keys, "n"], ascending=[True, True, False], kind="stable")
    total = trips.groupby(keys)["n"].sum()
    regulars = len(SLOT_WEIGHTS)
    top = trips[trips.groupby(keys).cumcount() < regulars].groupby(keys)["n"].sum()
    judged = total >= MIN_TRIPS_JUDGED
    scattered = judged & (top < total * LEAST_AT_REGULARS)
    return [
        Finding(
            f"most everyday trips go to an account's three regular places "
            f"(at least {LEAST_AT_REGULARS:.0%})",
            int(judged.sum()),
            int(scattered.sum()),
            examples(pd.Series([f"{a} {d}" for a, d in scattered.index[scattered]], dtype=object)),
        )
    ]


def store_numbers(names: pd.Series) -> pd.Series:
    """Each descriptor's store number (missing when it has none), matched once per distinct
    descriptor: a persona has a few thousand descriptors over a million rows."""
    codes, distinct = pd.factorize(names)
    found = pd.Series(distinct, dtype=names.dtype).str.extract(STORE_NUMBER.pattern, expand=False)
    return pd.Series(found.array.take(codes, allow_fill=True), index=names.index)


def enrichment(persona: Persona, transactions: pd.DataFrame) -> list[Finding]:
    """Plaid's enrichment fields, as Plaid fills them: a known chain or brand has one
    ``merchant_entity_id`` and a logo on every row, a local business neither; an in-store
    row whose descriptor carries a store number has it as ``location.store_number``."""
    known = transactions["merchant_name"].isin(known_merchants(persona))
    entity, logo = transactions["merchant_entity_id"], transactions["logo_url"]
    wrong = (known & (entity.isna() | logo.isna())) | (~known & (entity.notna() | logo.notna()))
    ids = transactions.loc[known & entity.notna(), ["merchant_name", "merchant_entity_id"]]
    ids = ids.drop_duplicates()
    shared = ids["merchant_name"].duplicated(keep=False) | ids["merchant_entity_id"].duplicated(
        keep=False
    )
    number = store_numbers(transactions["name"])
    in_store = transactions["payment_channel"] == "in store"
    expected = number.where(in_store)
    stored = transactions["location_store_number"]
    mismatched = ~((expected.isna() & stored.isna()) | (expected == stored).fillna(False))
    return [
        Finding(
            "known merchants enriched, local ones not",
            len(transactions),
            int(wrong.sum()),
            examples(transactions["transaction_id"][wrong]),
        ),
        Finding(
            "one entity id per known merchant",
            int(ids["merchant_name"].nunique()),
            int(ids.loc[shared, "merchant_name"].nunique()),
            examples(ids.loc[shared, "merchant_name"].drop_duplicates()),
        ),
        Finding(
            "a descriptor's store number is its location.store_number",
            len(transactions),
            int(mismatched.sum()),
            examples(transactions["transaction_id"][mismatched]),
        ),
    ]


def transit_fares_fixed(
    users: pd.DataFrame, accounts: pd.DataFrame, transactions: pd.DataFrame
) -> list[Finding]:
    """Transit charges its fare: one ride, two, or a pass of the user's home system."""
    rides = transactions[transactions["pfc_detailed"] == TRANSIT]
    fares = pd.DataFrame(
        transit_fares(accounts, users), index=accounts["account_id"], columns=["ride", "pass"]
    ).reindex(rides["account_id"])
    amount = rides["amount"].to_numpy(dtype=float)
    allowed = [fares["ride"].to_numpy() * k for k in FARE_KINDS if k] + [fares["pass"].to_numpy()]
    fits = np.any([np.isclose(amount, a, atol=0.005) for a in allowed], axis=0)
    return [
        Finding(
            "transit charges the home system's fare",
            len(rides),
            int((~fits).sum()),
            examples(rides["transaction_id"][~fits]),
        )
    ]


def subscription_prices(persona: Persona, transactions: pd.DataFrame) -> list[Finding]:
    """A subscription charges its plan's price on the day it is charged: one price until the
    brand's dated price rise, the next after it."""
    findings = []
    for plan in persona.spending.subscriptions:
        rows = transactions[
            (transactions["merchant_name"] == plan.name)
            & (transactions["name"] == plan.name.upper())
            & (transactions["pfc_detailed"] == plan.category)
        ]
        charged = rows["authorized_date"].to_numpy().astype("datetime64[D]")
        off = ~np.isclose(rows["amount"].to_numpy(dtype=float), plan.price_on(charged), atol=0.005)
        findings.append(
            Finding(
                f"{plan.name} charges its plan's price of the day",
                len(rows),
                int(off.sum()),
                examples(rows["transaction_id"][off]),
            )
        )
    return findings
