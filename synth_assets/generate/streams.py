"""Shared shapes for transaction streams: the columns every stream returns, the persona's
time window, and vectorised calendars (monthly on a fixed day, yearly on an anniversary)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from synth_assets.generate.common import SECONDS_PER_DAY, Context

COLUMNS = [
    "account_index", "timestamp", "amount", "name", "merchant_name", "detailed",
    "payment_channel", "in_store", "website", "confidence",
]  # fmt: skip
MORNING = np.timedelta64(9 * 3600, "s")  # when scheduled payments post


def stream(
    account_index: np.ndarray, timestamp: np.ndarray, amount: np.ndarray, **columns: object
) -> pd.DataFrame:
    """A stream's rows; scalars in ``columns`` broadcast, missing columns are null."""
    frame = pd.DataFrame(
        {
            "account_index": np.asarray(account_index, dtype=np.int64),
            "timestamp": timestamp,
            "amount": amount,
        }
    )
    for column in COLUMNS[3:]:
        value = columns.get(column)
        # object, not pandas' Arrow strings: streams are concatenated and sorted before the
        # table is built, and converting each intermediate to Arrow cost seconds per 1M rows.
        frame[column] = pd.Series(
            value if np.ndim(value) else np.full(len(frame), value, dtype=object), dtype=object
        )
    frame["in_store"] = frame["in_store"].fillna(False).astype(bool)
    frame["timestamp"] = frame["timestamp"].astype("datetime64[s]")
    return frame


def empty() -> pd.DataFrame:
    return stream(
        np.array([], dtype=np.int64), np.array([], dtype="datetime64[s]"), np.array([], dtype=float)
    )


def window(ctx: Context) -> tuple[np.datetime64, np.datetime64]:
    """First and last second of the persona's date range."""
    dates = ctx.persona.date_range
    start = np.datetime64(dates.start, "s")
    return start, np.datetime64(dates.end + dt.timedelta(days=1), "s") - 1


def month_starts(ctx: Context) -> np.ndarray:
    dates = ctx.persona.date_range
    return np.arange(np.datetime64(dates.start, "M"), np.datetime64(dates.end, "M") + 1).astype(
        "datetime64[D]"
    )


def monthly(
    ctx: Context, opened: np.ndarray, day_of_month: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(row index into the inputs, timestamp) of a monthly charge on a fixed day of month,
    from after ``opened`` to the window's end."""
    start, end = window(ctx)
    when = month_starts(ctx)[None, :] + (np.asarray(day_of_month)[:, None] - 1).astype(
        "timedelta64[D]"
    )
    when = when.astype("datetime64[s]") + MORNING
    keep = (
        (when > np.asarray(opened, dtype="datetime64[s]")[:, None])
        & (when >= start)
        & (when <= end)
    )
    rows, cols = np.nonzero(keep)
    return rows, when[rows, cols]


def yearly(
    ctx: Context, opened: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(row index, timestamp) of a yearly charge on an anniversary drawn after ``opened``."""
    start, end = window(ctx)
    opened = np.asarray(opened, dtype="datetime64[s]")
    first = opened + (rng.integers(1, 30, len(opened)) * SECONDS_PER_DAY).astype("timedelta64[s]")
    years = np.arange(0, (end - start) // np.timedelta64(365 * SECONDS_PER_DAY, "s") + 2)
    when = first[:, None] + (years[None, :] * 365 * SECONDS_PER_DAY).astype("timedelta64[s]")
    rows, cols = np.nonzero(when <= end)
    return rows, when[rows, cols]


def index_by_user(accounts: pd.DataFrame, subtype: str) -> pd.Series:
    """user_id -> row index of the user's account of ``subtype`` (one per user at most)."""
    held = accounts[accounts["subtype"] == subtype]
    return pd.Series(held.index.to_numpy(), index=held["user_id"].to_numpy())
