"""Where and how often each household shops: a few regular stores per everyday category (most
trips to the first), its service providers (``services``), how often it buys against the
persona's rate, and its home transit fares.

Everything here is drawn once per block, not per month, so a household keeps its grocery
store, its coffee shop and its mechanic for as long as it is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth_assets.generate import services
from synth_assets.generate.common import Context

TABLE = "transactions"
# Everyday categories people return to the same few places for. A household's trips there go
# to its regulars (the first most, the third least) but for occasional one-offs: a primary
# grocery store takes most of a household's grocery trips (FMI, U.S. Grocery Shopper Trends);
# the shares are ours.
HABITUAL = frozenset(
    {
        "FOOD_AND_DRINK_GROCERIES", "FOOD_AND_DRINK_COFFEE", "FOOD_AND_DRINK_FAST_FOOD",
        "TRANSPORTATION_GAS",
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "GENERAL_MERCHANDISE_SUPERSTORES",
        "HOME_IMPROVEMENT_HARDWARE", "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING",
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
    }
)  # fmt: skip
# Household spending rises with income, far more slowly than income does (BLS Consumer
# Expenditure Survey 2023, table 1101, by income quintile): purchases a month scale by
# (income / the persona's median) to this power (ours, near what the quintiles show), within
# the range.
SPENDING_ELASTICITY = 0.5
APPETITE_RANGE = (0.5, 2.0)
REGULAR_SHARE = 0.9  # of a household's trips in an everyday category, at one of its regulars
SLOT_WEIGHTS = np.array([0.6, 0.28, 0.12])  # first, second and third regular


@dataclass(frozen=True)
class Habits:
    """A block's households, in ``spending_users`` order: ``places[user, code, slot]`` is the
    merchant row of a regular store (``code`` per merchant row: its everyday category, or -1),
    ``kept`` the service providers, ``appetite`` each account row's purchase rate against
    the persona's, ``fares`` each account row's transit fare and pass."""

    code: np.ndarray
    places: np.ndarray
    kept: list[services.Keeper]
    appetite: np.ndarray
    fares: np.ndarray

    def regular(self, rng: np.random.Generator, user: np.ndarray, pick: np.ndarray) -> np.ndarray:
        """Each purchase's merchant row once habits apply: in an everyday category, most
        trips go to one of the buyer's regulars instead of a place drawn at random."""
        code = self.code[pick]
        loyal = (code >= 0) & (rng.random(len(pick)) < REGULAR_SHARE)
        slot = rng.choice(len(SLOT_WEIGHTS), size=len(pick), p=SLOT_WEIGHTS)
        out = pick.copy()
        out[loyal] = self.places[user[loyal], code[loyal], slot[loyal]]
        return out


def regular_places(ctx: Context, n_users: int, merchants: pd.DataFrame) -> tuple:
    """(code per merchant row, places[user, code, slot]): each household's regulars in each
    everyday category, chosen by the merchants' popularity (a chain's store is one of its
    outlets, so a household keeps its store number)."""
    rng = ctx.rng(TABLE, "regular places")
    detailed = merchants["detailed"].to_numpy()
    habitual = sorted(HABITUAL & set(detailed))
    code = np.full(len(merchants), -1)
    places = np.zeros((n_users, len(habitual), len(SLOT_WEIGHTS)), dtype=np.int64)
    p = merchants["p"].to_numpy(dtype=float)
    for i, category in enumerate(habitual):
        rows = np.flatnonzero(detailed == category)
        if not p[rows].sum():
            continue  # a category weighted 0: never bought, so no regulars
        code[rows] = i
        places[:, i, :] = rng.choice(
            rows, size=(n_users, len(SLOT_WEIGHTS)), p=p[rows] / p[rows].sum()
        )
    return code, places


def appetite(users: pd.DataFrame, accounts: pd.DataFrame, median_income: float) -> np.ndarray:
    """Per account row: how often its owner buys, against the persona's rate."""
    income = users.set_index("id")["annual_income"].astype(float)
    owner = income.reindex(accounts["user_id"]).to_numpy()
    return np.clip((owner / median_income) ** SPENDING_ELASTICITY, *APPETITE_RANGE)
