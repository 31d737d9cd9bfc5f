"""Discretionary purchases: the persona's category mix, merchants from the catalogue, amounts
typical of each detailed category, busier weekends and lunch / evening peaks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate.catalogue import CATALOGUE
from synth_assets.generate.common import SECONDS_PER_DAY, Context
from synth_assets.generate.pools import pools
from synth_assets.generate.streams import stream, window

TABLE = "transactions"
LOCAL_VARIANTS = 6  # local businesses per "{surname}" merchant template
CARD_SHARE = 0.65  # share of purchases on the credit card, for users who have one
MIN_AMOUNT = 0.5
# Relative activity by hour of day (local time) and by weekday (Monday first).
HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 3.5, 4, 5, 6.5, 5.5, 4.5, 4.5, 5, 6, 6.5, 6, 5, 4, 3, 2]
)
WEEKDAY_WEIGHTS = np.array([0.85, 0.85, 0.9, 0.95, 1.15, 1.35, 1.1])


def merchant_table(ctx: Context) -> pd.DataFrame:
    """Every merchant the persona buys from: detailed category, probability, amount
    distribution, and a fixed channel (a merchant is online or in store, not both)."""
    rng, surnames = ctx.persona_rng(TABLE, "merchants"), pools(ctx.seed).local_surnames
    weights = ctx.persona.spending.categories
    total = sum(weights.values())
    rows = []
    for primary, weight in weights.items():
        spends = CATALOGUE[primary]
        spend_total = sum(s.weight for s in spends)
        for spend in spends:
            names = [
                (
                    template.replace("{surname}", str(surnames[rng.integers(len(surnames))])),
                    "{surname}" in template,
                )
                for template in spend.merchants
                for _ in range(LOCAL_VARIANTS if "{surname}" in template else 1)
            ]
            online = rng.random(len(names)) < spend.online
            p = weight / total * spend.weight / spend_total / len(names)
            rows += [
                (name, spend.detailed, p, spend.median, spend.sigma, bool(web), not local)
                for (name, local), web in zip(names, online, strict=True)
            ]
    table = pd.DataFrame(
        rows, columns=["merchant", "detailed", "p", "median", "sigma", "online", "chain"]
    )
    slug = table["merchant"].str.lower().str.replace(r"[^a-z0-9]", "", regex=True) + ".com"
    table["website"] = slug.where(table["online"] | table["chain"], None)
    return table


def _days(rng: np.random.Generator, first: np.ndarray, span_days: np.ndarray) -> np.ndarray:
    """A day in [first, first + span_days) per row, weekends likelier (rejection sampling)."""
    day = np.empty(len(first), dtype="datetime64[D]")
    todo = np.arange(len(first))
    accept = WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.max()
    while len(todo):
        candidate = first[todo] + (rng.random(len(todo)) * span_days[todo]).astype("timedelta64[D]")
        weekday = (candidate.view("int64") + 3) % 7  # 1970-01-01 was a Thursday
        ok = rng.random(len(todo)) < accept[weekday]
        day[todo[ok]] = candidate[ok]
        todo = todo[~ok]
    return day


def purchases(ctx: Context, accounts: pd.DataFrame) -> pd.DataFrame:
    """Discretionary purchases on checking and credit-card accounts."""
    rng = ctx.rng(TABLE, "purchases")
    _, end = window(ctx)
    spenders = accounts.index[accounts["subtype"].isin(["checking", "credit card"])].to_numpy()
    is_card = accounts["subtype"].to_numpy()[spenders] == "credit card"
    card_holders = accounts.loc[accounts["subtype"] == "credit card", "user_id"]
    has_card = np.isin(accounts["user_id"].to_numpy()[spenders], card_holders)
    share = np.where(is_card, CARD_SHARE, np.where(has_card, 1 - CARD_SHARE, 1.0))
    opened = accounts["created_at"].to_numpy()[spenders].astype("datetime64[s]")
    active_s = (end - opened) / np.timedelta64(1, "s")
    per_second = ctx.persona.spending.transactions_per_month * 12 / (365 * SECONDS_PER_DAY)
    rows = np.repeat(np.arange(len(spenders)), rng.poisson(per_second * active_s * share))
    merchants = merchant_table(ctx)
    pick = rng.choice(len(merchants), size=len(rows), p=merchants["p"] / merchants["p"].sum())
    # Index small per-merchant arrays by ``pick``: every row then points at one of a few
    # hundred string objects instead of materialising a million new ones (memory).
    column = {
        name: merchants[name].to_numpy(dtype=object) for name in ("merchant", "detailed", "website")
    }
    spread = np.exp(rng.normal(0, merchants["sigma"].to_numpy()[pick]))
    amount = np.round(merchants["median"].to_numpy()[pick] * spread, 2).clip(min=MIN_AMOUNT)
    day = _days(rng, opened[rows].astype("datetime64[D]"), active_s[rows] // SECONDS_PER_DAY + 1)
    hour = rng.choice(24, size=len(rows), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    seconds = (hour * 3600 + rng.integers(0, 3600, len(rows))).astype("timedelta64[s]")
    when = np.clip(np.maximum(day.astype("datetime64[s]") + seconds, opened[rows] + 1), None, end)
    in_store = ~merchants["online"].to_numpy()[pick]
    channel = np.array(["online", "in store"], dtype=object)[in_store.astype(np.int8)]
    return stream(
        spenders[rows], when, amount, name=column["merchant"][pick], merchant_name=column["merchant"][pick],
        detailed=column["detailed"][pick], payment_channel=channel, in_store=in_store,
        website=column["website"][pick], confidence="HIGH",
    )  # fmt: skip
