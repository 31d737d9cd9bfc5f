"""The ``users`` table: people of one persona, plus the persona's fixed users."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate.calendar import SIGNUPS
from synth_assets.generate.common import (
    BLOCK_USERS,
    Context,
    choice_by_weight,
    lognormal,
    timestamps_between,
)
from synth_assets.generate.pools import pools
from synth_assets.generate.seeding import stable_hash

TABLE = "users"
INCOME_BANDS = np.array(["<25k", "25k-50k", "50k-100k", "100k-200k", "200k+"])
INCOME_EDGES = np.array([25_000, 50_000, 100_000, 200_000])
EMAIL_DOMAINS = np.array(["example.com", "example.net", "example.org", "mail.example.com"])
_DIGITS36 = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"))


def persona_tag(persona: str) -> str:
    """A short tag that keeps usernames unique across personas (a 1-in-46,656 clash between
    two persona names would surface as a unique-constraint error at load)."""
    return str(_base36(np.array([stable_hash(persona) % 36**3]))[0]).rjust(3, "0")


def _base36(numbers: np.ndarray) -> np.ndarray:
    remaining = numbers.astype(np.int64)
    out = _DIGITS36[remaining % 36]
    remaining //= 36
    while remaining.any():
        out = np.where(remaining > 0, np.char.add(_DIGITS36[remaining % 36], out), out)
        remaining //= 36
    return out


def income_band(income: np.ndarray) -> np.ndarray:
    return INCOME_BANDS[np.searchsorted(INCOME_EDGES, income, side="right")]


def block_count(ctx: Context) -> int:
    """How many blocks of ``BLOCK_USERS`` the persona's users (generated, then fixed) fill."""
    total = ctx.persona.user_count(ctx.scale) + len(ctx.persona.fixed_users)
    return -(-total // BLOCK_USERS)


def users_block(ctx: Context, block: int) -> pd.DataFrame:
    """The users at positions ``[block * BLOCK_USERS, (block + 1) * BLOCK_USERS)`` of the
    persona, drawn from that block's own stream: generated users first, fixed users last.
    Every user of the block, whatever the as-of date: who signed up later is left out by
    the caller, so that no draw depends on the date."""
    persona = ctx.persona
    generated = persona.user_count(ctx.scale)
    first, last = block * BLOCK_USERS, (block + 1) * BLOCK_USERS
    fixed = _fixed_users(ctx).iloc[max(first - generated, 0) : max(last - generated, 0)]
    if first >= generated:  # a block of fixed users only
        return fixed.reset_index(drop=True)
    frame = _generated_users(ctx.for_block(block), np.arange(first, min(last, generated)))
    return pd.concat([frame, fixed], ignore_index=True) if len(fixed) else frame


def generate_users(ctx: Context) -> pd.DataFrame:
    """The persona's users who signed up by the as-of date, block by block (a block's users
    never depend on another's)."""
    users = pd.concat([users_block(ctx, b) for b in range(block_count(ctx))], ignore_index=True)
    signed_up = users["created_at"].to_numpy().astype("datetime64[s]") <= ctx.window.last_second
    return users[signed_up].reset_index(drop=True)


def _generated_users(ctx: Context, positions: np.ndarray) -> pd.DataFrame:
    """Generated users at these positions (their usernames carry the position, so they stay
    unique across blocks); ids and values from the block's streams."""
    persona, rng = ctx.persona, ctx.rng(TABLE)
    count = len(positions)
    p = pools(ctx.seed)
    first = p.first_names[rng.integers(0, len(p.first_names), count)]
    last = p.last_names[rng.integers(0, len(p.last_names), count)]
    handle = np.char.lower(np.char.add(np.char.add(first, "."), last))
    handle = np.char.replace(np.char.replace(handle, " ", ""), "'", "")
    username = np.char.add(np.char.add(handle, "."), _base36(positions))
    username = np.char.add(username, persona_tag(persona.name))
    email = np.char.add(
        np.char.add(username, "@"), EMAIL_DOMAINS[rng.integers(0, len(EMAIL_DOMAINS), count)]
    )
    income = np.round(lognormal(rng, persona.income.annual, count), -2)
    home = rng.integers(0, len(p.cities), count)
    frame = pd.DataFrame(
        {
            "id": ctx.ids(TABLE, count),
            "persona": persona.name,
            "username": username,
            "email": email,
            "first_name": first,
            "last_name": last,
            "created_at": timestamps_between(rng, *SIGNUPS, count),
            "annual_income": income,
            "income_band": income_band(income),
            "signup_channel": choice_by_weight(rng, persona.signup_channels, count),
            "city": p.cities[home],
            "region": p.regions[home],
            "postal_code": p.postal_codes[home],
            "is_fixed": False,
        }
    )
    return frame


def _fixed_users(ctx: Context) -> pd.DataFrame:
    persona, p = ctx.persona, pools(ctx.seed)
    start = pd.Timestamp(SIGNUPS[0])
    income = float(persona.income.annual.median)
    rows = [
        {
            "id": str(user.id),
            "persona": persona.name,
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "created_at": start,
            "annual_income": income,
            "income_band": income_band(np.array([income]))[0],
            "signup_channel": "organic",
            "city": p.cities[0],
            "region": p.regions[0],
            "postal_code": p.postal_codes[0],
            "is_fixed": True,
        }
        for user in persona.fixed_users
    ]
    return pd.DataFrame(rows)
