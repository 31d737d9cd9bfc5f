"""Discretionary purchases: the persona's category mix, merchants from the catalogue, amounts
typical of each detailed category, busier weekends and lunch / evening peaks; card timing as a
statement shows it: a purchase posts zero to five business days after it is made, a
restaurant's posts with the tip added, and a hotel or car rental holds a deposit it releases
unposted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate import calendar, services
from synth_assets.generate.catalogue import (
    CATALOGUE,
    DEFAULT_FARE,
    FARE_KINDS,
    FARE_WEIGHTS,
    ONLINE_ONLY,
    TRANSIT,
    TRANSIT_FARES,
)
from synth_assets.generate.common import Context
from synth_assets.generate.flows import NAT_DAY, Flows, concat, flows, take
from synth_assets.generate.habits import Habits
from synth_assets.generate.pools import pools

TABLE = "transactions"
LOCAL_VARIANTS = 6  # local businesses per "{surname}" merchant template
OUTLETS = 3  # stores of a chain (or order references of an online shop) a persona buys at
REFERENCE_CHARS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"))
READERS = np.array(["SQ *", "TST* ", "", ""])  # Square, Toast, or the shop's own terminal
CARD_SHARE = 0.65  # share of purchases on the credit card, for users who have one
MIN_AMOUNT = 0.5
# Relative activity by hour of day (local time) and by weekday (Monday first).
HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 3.5, 4, 5, 6.5, 5.5, 4.5, 4.5, 5, 6, 6.5, 6, 5, 4, 3, 2]
)
WEEKDAY_WEIGHTS = np.array([0.85, 0.85, 0.9, 0.95, 1.15, 1.35, 1.1])
# Business days a card purchase takes to post (0: the same day, if that is a business day).
POSTING_LAG = np.array([0.25, 0.4, 0.2, 0.08, 0.04, 0.03])
TIPPED = "FOOD_AND_DRINK_RESTAURANT"  # authorised for the bill; the tip comes on posting
TIP = (0.15, 0.22)
HELD = ("TRAVEL_LODGING", "TRAVEL_RENTAL_CARS")  # a deposit is held, then released
HOLD_SHARE, HOLD_MINIMUM = 0.5, 50.0
HOLD_BUSINESS_DAYS = (3, 6)


def merchant_table(ctx: Context) -> pd.DataFrame:
    """Every merchant the persona buys from: detailed category, probability, amount
    distribution, and its channel (online for a merchant that exists only online, else in
    store)."""
    rng, surnames = ctx.persona_rng(TABLE, "merchants"), pools(ctx.seed).local_surnames
    weights = ctx.persona.spending.categories
    total = sum(weights.values())
    rows = []
    for primary, weight in weights.items():
        spends = CATALOGUE[primary]
        # The primary's share of purchases goes to what is bought at will; services come
        # at their yearly rates on top (``services``), with no share of it.
        spend_total = sum(s.weight for s in spends if s.visits is None)
        for spend in spends:
            names = [
                (
                    template.replace("{surname}", str(surnames[rng.integers(len(surnames))])),
                    "{surname}" in template,
                )
                for template in spend.merchants
                for _ in range(LOCAL_VARIANTS if "{surname}" in template else 1)
            ]
            online = [name in ONLINE_ONLY for name, _ in names]
            bought = spend.visits is None
            p = weight / total * spend.weight / spend_total / len(names) * bought
            rows += [
                (name, spend.detailed, p, spend.median, spend.sigma, bool(web), not local)
                for (name, local), web in zip(names, online, strict=True)
            ]
    table = pd.DataFrame(
        rows, columns=["merchant", "detailed", "p", "median", "sigma", "online", "chain"]
    )
    slug = table["merchant"].str.lower().str.replace(r"[^a-z0-9]", "", regex=True) + ".com"
    table["website"] = slug.where(table["online"] | table["chain"], None)
    return _descriptors(table, rng)


def transit_fares(accounts: pd.DataFrame, users: pd.DataFrame) -> np.ndarray:
    """Per account row: the one-ride fare and the pass of its owner's home transit system."""
    home = users.set_index("id")["city"].reindex(accounts["user_id"]).to_numpy()
    return np.array([TRANSIT_FARES.get(city, DEFAULT_FARE) for city in home]).reshape(-1, 2)


def _descriptors(table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """How each purchase reads on a statement (Plaid's ``name``; ``merchant_name`` stays the
    clean name): a chain's store and number ("SHELL #04521"), an online order's merchant and
    reference ("NETFLIX.COM*K2D81Q"), a local shop through its card reader ("SQ *HARRIS
    GRILL"). A chain or online merchant has ``OUTLETS`` of them (stores, order references),
    each a share of its purchases."""
    label = (
        table["merchant"]
        .str.upper()
        .str.replace(r"[^A-Z0-9 &'.-]", "", regex=True)
        .str.slice(0, 22)
    )
    several = (table["chain"] | table["online"]).to_numpy()
    copies = np.where(several, OUTLETS, 1)
    out = table.loc[table.index.repeat(copies)].reset_index(drop=True)
    label = label.loc[table.index.repeat(copies)].reset_index(drop=True)
    out["p"] = out["p"] / np.repeat(copies, copies)
    n = len(out)
    number = pd.Series(rng.integers(0, 10_000, n)).astype(str).str.zfill(5)
    reference = pd.Series(
        ["".join(c) for c in REFERENCE_CHARS[rng.integers(0, len(REFERENCE_CHARS), (n, 6))]]
    )
    reader = pd.Series(READERS[rng.integers(0, len(READERS), n)])
    out["descriptor"] = np.select(
        [out["online"].to_numpy(), out["chain"].to_numpy()],
        [(label + "*" + reference).to_numpy(), (label + " #" + number).to_numpy()],
        (reader + label).to_numpy(),
    )
    return out


def expected_monthly_purchases(ctx: Context) -> float:
    """What a user's purchases and service visits add up to in a typical month (the mean of
    the amounts)."""
    merchants = merchant_table(ctx)
    p = merchants["p"] / merchants["p"].sum()
    mean = (p * merchants["median"] * np.exp(merchants["sigma"] ** 2 / 2)).sum()
    return float(ctx.persona.spending.transactions_per_month * mean) + services.expected_monthly(
        ctx
    )


def _days(rng: np.random.Generator, first: np.ndarray, span_days: np.ndarray) -> np.ndarray:
    """A day in [first, first + span_days) per row, weekends likelier (rejection sampling)."""
    day = np.empty(len(first), dtype="datetime64[D]")
    todo = np.arange(len(first))
    accept = WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.max()
    while len(todo):
        candidate = first[todo] + (rng.random(len(todo)) * span_days[todo]).astype("timedelta64[D]")
        ok = rng.random(len(todo)) < accept[calendar.weekday(candidate)]
        day[todo[ok]] = candidate[ok]
        todo = todo[~ok]
    return day


def purchases(
    ctx: Context,
    accounts: pd.DataFrame,
    merchants: pd.DataFrame,
    month: np.datetime64,
    habits: Habits,
) -> Flows:
    """The discretionary purchases and service visits on checking and credit-card accounts
    that post in ``month``: those made in it, and in the days before it, that post after a
    card's delay. ``merchants`` is the persona's ``merchant_table``; ``habits`` the block's
    households' regular places, service providers, purchase rates and transit fares."""
    rng = ctx.rng(TABLE, "purchases", month)
    first, last = calendar.month_days(month)
    spenders = accounts.index[accounts["subtype"].isin(["checking", "credit card"])].to_numpy()
    is_card = accounts["subtype"].to_numpy()[spenders] == "credit card"
    card_holders = accounts.loc[accounts["subtype"] == "credit card", "user_id"]
    has_card = np.isin(accounts["user_id"].to_numpy()[spenders], card_holders)
    share = np.where(is_card, CARD_SHARE, np.where(has_card, 1 - CARD_SHARE, 1.0))
    opened = accounts["created_at"].to_numpy()[spenders].astype("datetime64[s]")
    since = np.maximum(first - calendar.PENDING_REACH_DAYS, opened.astype("datetime64[D]"))
    span = np.maximum((last - since).astype(np.int64) + 1, 0)
    per_day = ctx.persona.spending.transactions_per_month * 12 / calendar.DAYS_PER_YEAR
    rate = per_day * span * share * habits.appetite[spenders]
    rows = np.repeat(np.arange(len(spenders)), rng.poisson(rate))
    n = len(rows)
    bought = {
        "row": rows,
        "pick": habits.regular(
            rng,
            _owners(accounts, spenders)[rows],
            rng.choice(len(merchants), size=n, p=merchants["p"] / merchants["p"].sum()),
        ),
        "day": _days(rng, since[rows], span[rows]),
        "hour": rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()),
        "second": rng.integers(0, 3600, n),
        "lag": rng.choice(len(POSTING_LAG), size=n, p=POSTING_LAG),
        "z": rng.normal(0, 1, n),
    }
    reach = first - calendar.PENDING_REACH_DAYS
    visited = _visits(ctx, accounts, spenders, habits.kept, reach, last)
    visited = {k: v[visited["day"] >= since[visited["row"]]] for k, v in visited.items()}
    rows, pick, day, hour, second, lag, z = (
        np.r_[bought[k], visited[k]] for k in ("row", "pick", "day", "hour", "second", "lag", "z")
    )
    # Index small per-merchant arrays by ``pick``: every row then points at one of a few
    # hundred string objects instead of materialising a million new ones (memory).
    column = {
        name: merchants[name].to_numpy(dtype=object)
        for name in ("merchant", "descriptor", "detailed", "website")
    }
    spread = np.exp(z * merchants["sigma"].to_numpy()[pick])
    amount = np.round(merchants["median"].to_numpy()[pick] * spread, 2).clip(min=MIN_AMOUNT)
    transit = np.flatnonzero(column["detailed"][pick] == TRANSIT)
    rides = rng.choice(FARE_KINDS, size=len(transit), p=FARE_WEIGHTS)
    ride, monthly = habits.fares[spenders[rows[transit]]].T
    amount[transit] = np.where(rides > 0, ride * rides, monthly)
    seconds = (hour * 3600 + second).astype("timedelta64[s]")
    when = np.maximum(day.astype("datetime64[s]") + seconds, opened[rows] + 1)
    posted = calendar.add_business_days(when.astype("datetime64[D]"), lag)
    tipped = column["detailed"][pick] == TIPPED
    tip = np.where(tipped, rng.uniform(*TIP, len(rows)), 0.0)
    held = np.isin(column["detailed"][pick], HELD)
    hold_days = rng.integers(*HOLD_BUSINESS_DAYS, len(rows))
    in_store = ~merchants["online"].to_numpy()[pick]
    channel = np.array(["online", "in store"], dtype=object)[in_store.astype(np.int8)]
    keep = (posted >= first) & (posted <= last)
    made = flows(
        spenders[rows], when, amount * (1 + tip), posted, pending_amount=amount,
        name=column["descriptor"][pick], merchant_name=column["merchant"][pick],
        detailed=column["detailed"][pick], payment_channel=channel, in_store=in_store,
        website=column["website"][pick], confidence="HIGH",
    )  # fmt: skip
    dropped = calendar.add_business_days(when.astype("datetime64[D]"), hold_days)
    holds = held & (dropped >= first) & (dropped <= last)
    return concat(
        [
            take(made, np.flatnonzero(keep)),
            _holds(take(made, holds), dropped[holds], opened[rows][holds]),
        ]
    )


def spending_users(accounts: pd.DataFrame) -> np.ndarray:
    """The users who own a checking or card account, in a fixed order (services' keepers)."""
    spenders = accounts["subtype"].isin(["checking", "credit card"]).to_numpy()
    return pd.unique(accounts["user_id"].to_numpy()[spenders])


def _owners(accounts: pd.DataFrame, spenders: np.ndarray) -> np.ndarray:
    """Each spending account's owner, as an index into ``spending_users``."""
    users = pd.Index(spending_users(accounts))
    return users.get_indexer(accounts["user_id"].to_numpy()[spenders])


def _visits(ctx, accounts, spenders, kept, first, last) -> dict[str, np.ndarray]:
    """The service visits from ``first`` to ``last``, each on its user's card (at the card's
    share of purchases, once the card is open) or checking account, as rows of
    ``spenders``."""
    visited = services.visits(ctx, kept, first, last)
    users = spending_users(accounts)
    owner = _owners(accounts, spenders)
    is_card = accounts["subtype"].to_numpy()[spenders] == "credit card"
    checking, card = np.full(len(users), -1), np.full(len(users), -1)
    checking[owner[~is_card]] = np.flatnonzero(~is_card)
    card[owner[is_card]] = np.flatnonzero(is_card)
    user = visited.pop("user")
    opened = accounts["created_at"].to_numpy()[spenders].astype("datetime64[D]")
    card_open = (card[user] >= 0) & (opened[card[user]] <= visited["day"])
    checking_open = (checking[user] >= 0) & (opened[checking[user]] <= visited["day"])
    on_card = card_open & ((visited.pop("card") < CARD_SHARE) | ~checking_open)
    lag = np.searchsorted(np.cumsum(POSTING_LAG), visited.pop("lag") * POSTING_LAG.sum())
    lag = np.minimum(lag, len(POSTING_LAG) - 1)
    return {"row": np.where(on_card, card[user], checking[user]), "lag": lag, **visited}


def _holds(rows: Flows, dropped: np.ndarray, opened: np.ndarray) -> Flows:
    """A deposit a hotel or a car rental holds at check-in: pending until it is released a
    few business days later, never posted (the stay itself posts as its own charge). The
    hold comes a minute before the charge, but never before the account was opened."""
    deposit = np.maximum(np.round(rows["pending_amount"] * HOLD_SHARE, -1), HOLD_MINIMUM)
    held_at = np.maximum(rows["authorized"] - np.timedelta64(60, "s"), opened + 1)
    return flows(
        rows["account"], held_at, deposit,
        np.full(len(deposit), NAT_DAY), dropped=dropped, name=rows["name"],
        merchant_name=rows["merchant_name"], detailed=rows["detailed"],
        payment_channel=rows["payment_channel"], in_store=rows["in_store"],
        website=rows["website"], confidence="HIGH",
    )  # fmt: skip
