"""Services at human rates: a household that uses a mechanic, a dentist, a salon or a tax
preparer goes a few times a year (``catalogue.SERVICES``, or the persona's own rate), in the
service's season, and always to the one provider it keeps.

Who uses which service, at which provider and how often is drawn once per block (it holds for
years); the visits of a calendar year from a stream of that year, so a month's visits read the
same whatever months are generated around it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth_assets.generate import calendar
from synth_assets.generate.catalogue import CATALOGUE, SERVICES, Visits
from synth_assets.generate.common import Context
from synth_assets.personas import Persona

TABLE = "transactions"
JITTER_DAYS = 10  # an evenly spaced visit falls up to this many days either side of its date
# When a provider sees its customers: opening hours, busiest late morning and after work.
OPEN_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0.5, 2, 4, 5, 5, 4, 4, 4, 4, 4.5, 4.5, 3, 1.5, 0.5, 0, 0, 0]
)
EMPTY = {
    "user": np.empty(0, dtype=np.int64), "pick": np.empty(0, dtype=np.int64),
    "day": np.empty(0, dtype="datetime64[D]"), "hour": np.empty(0, dtype=np.int64),
    "second": np.empty(0, dtype=np.int64), "card": np.empty(0), "lag": np.empty(0),
    "z": np.empty(0),
}  # fmt: skip


def rates(persona: Persona) -> dict[str, float]:
    """Visits a year by a household that uses each service the persona spends on: the
    persona's own rate, else the catalogue's."""
    spending = persona.spending
    return {
        spend.detailed: spending.services.get(spend.detailed, spend.visits.per_year)
        for primary, weight in spending.categories.items()
        if weight > 0
        for spend in CATALOGUE[primary]
        if spend.visits is not None
    }


def expected_monthly(ctx: Context) -> float:
    """What a household's service visits add up to in a typical month (the mean amount)."""
    rate = rates(ctx.persona)
    return sum(
        SERVICES[s.detailed].share * rate[s.detailed] / 12 * s.median * np.exp(s.sigma**2 / 2)
        for spends in CATALOGUE.values()
        for s in spends
        if s.detailed in rate
    )


def visit_rows(transactions: pd.DataFrame) -> pd.Series:
    """Which rows of a transactions table are service visits: a service's category, and not
    a recurring bill in it (an accounting app's subscription, ``VERY_HIGH`` confidence)."""
    return transactions["pfc_detailed"].isin(list(SERVICES)) & (
        transactions["pfc_confidence_level"] != "VERY_HIGH"
    )


def visits_per_month(persona: Persona) -> float:
    """A household's service visits in a typical month."""
    return sum(SERVICES[d].share * rate / 12 for d, rate in rates(persona).items())


@dataclass(frozen=True)
class Keeper:
    """The households (users of a block) that use one service: which of them, the merchant
    row of the provider each keeps, its visits a year, and where in the year its evenly
    spaced visits fall (0-1 of the gap between two visits)."""

    visits: Visits
    users: np.ndarray
    provider: np.ndarray
    per_year: np.ndarray
    phase: np.ndarray


def keepers(ctx: Context, n_users: int, merchants: pd.DataFrame) -> list[Keeper]:
    """Per service the persona buys, who of ``n_users`` uses it and with which provider
    (a row of ``merchants``, the persona's ``merchant_table``), drawn once per block."""
    rng = ctx.rng(TABLE, "service providers")
    out = []
    for detailed, rate in rates(ctx.persona).items():
        visits = SERVICES[detailed]
        offered = np.flatnonzero(merchants["detailed"].to_numpy() == detailed)
        uses = rng.random(n_users) < visits.share
        provider = offered[rng.integers(0, len(offered), n_users)]
        per_year = np.floor(rate) + (rng.random(n_users) < rate - np.floor(rate))
        phase = rng.random(n_users)
        users = np.flatnonzero(uses & (per_year > 0))
        out.append(
            Keeper(visits, users, provider[users], per_year[users].astype(int), phase[users])
        )
    return out


def _year_days(rng: np.random.Generator, keeper: Keeper, year: int) -> tuple:
    """(user, day) of every visit of ``keeper`` in ``year``: evenly spaced (a visit pushed
    past the year's end by its jitter wraps round to its start), or in the service's
    season; each on a business day of its month (providers keep office hours)."""
    n, most = len(keeper.users), int(keeper.per_year.max(initial=0))
    start = np.datetime64(dt.date(year, 1, 1), "D")
    days_in_year = int((np.datetime64(dt.date(year + 1, 1, 1), "D") - start).astype(int))
    if keeper.visits.months is None:
        gap = calendar.DAYS_PER_YEAR / np.maximum(keeper.per_year, 1)
        k = np.arange(most)[None, :]
        offset = (keeper.phase[:, None] + k) * gap[:, None]
        offset = offset + rng.integers(-JITTER_DAYS, JITTER_DAYS + 1, (n, most))
        offset = np.floor(offset).astype(int) % days_in_year
    else:
        weights = np.asarray(keeper.visits.months, dtype=float)
        month = rng.choice(12, size=(n, most), p=weights / weights.sum())
        first = (np.datetime64(f"{year}-01", "M") + month).astype("datetime64[D]")
        length = (calendar.month_days(first.astype("datetime64[M]"))[1] - first).astype(int) + 1
        offset = (first - start).astype(int) + (rng.random((n, most)) * length).astype(int)
    held = np.arange(most)[None, :] < keeper.per_year[:, None]
    rows, cols = np.nonzero(held)
    day = start + offset[rows, cols].astype("timedelta64[D]")
    return keeper.users[rows], calendar.business_day_in_month(day)


def visits(
    ctx: Context, kept: list[Keeper], first: np.datetime64, last: np.datetime64
) -> dict[str, np.ndarray]:
    """Every service visit from ``first`` to ``last``: its user, merchant row (the provider),
    day and time, and the draws that settle how it is paid (``card``, ``lag``: uniform in
    [0, 1); ``z``: standard normal for the amount), each from the stream of the visit's
    year, so a visit reads the same in every month whose generation reaches it."""
    parts = []
    for year in range(first.astype(object).year, last.astype(object).year + 1):
        rng = ctx.rng(TABLE, "service visits", year)
        for keeper in kept:
            user, day = _year_days(rng, keeper, year)
            n = len(user)
            drawn = {
                "user": user,
                "pick": keeper.provider[np.searchsorted(keeper.users, user)],
                "day": day,
                "hour": rng.choice(24, size=n, p=OPEN_HOURS / OPEN_HOURS.sum()),
                "second": rng.integers(0, 3600, n),
                "card": rng.random(n),
                "lag": rng.random(n),
                "z": rng.normal(0, 1, n),
            }
            inside = (day >= first) & (day <= last)
            parts.append({k: v[inside] for k, v in drawn.items()})
    return {k: np.concatenate([p[k] for p in parts]) for k in EMPTY} if parts else dict(EMPTY)
