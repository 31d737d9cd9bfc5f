"""Money movements as column arrays: what every transaction stream returns, before the rows
become Plaid transactions.

A flow is one movement on one account: when it happened (``authorized``), the day it posts
(``posted``; a hold that never posts has none, and ``dropped`` says when it disappears), the
amount it posts for and the amount it shows while pending (a restaurant's tip comes on
posting). Amounts follow Plaid's sign: positive is money leaving the account. Streams build
their flows with ``flows`` (scalars broadcast), and a month's flows are joined with ``concat``
and ordered with ``ordered``; nothing here is a DataFrame, so the per-month streams stay
cheap.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

Flows = dict[str, np.ndarray]
TEXT = ("name", "merchant_name", "detailed", "payment_channel", "website", "confidence")
COLUMNS = (
    "account", "authorized", "posted", "dropped", "amount", "pending_amount", "in_store", *TEXT,
)  # fmt: skip
NAT_DAY = np.datetime64("NaT", "D")


def flows(
    account: np.ndarray,
    authorized: np.ndarray,
    amount: np.ndarray,
    posted: np.ndarray | None = None,
    **columns: object,
) -> Flows:
    """Flows of one stream; ``posted`` defaults to the authorised day (an ACH or a transfer
    posts the day it is made), the pending amount to the amount, scalars broadcast, missing
    text is null."""
    account = np.asarray(account, dtype=np.int64)
    n = len(account)
    authorized = np.broadcast_to(np.asarray(authorized, dtype="datetime64[s]"), n).copy()
    amount = np.round(np.broadcast_to(np.asarray(amount, dtype=float), n), 2)
    out: Flows = {
        "account": account,
        "authorized": authorized,
        "posted": (
            authorized.astype("datetime64[D]")
            if posted is None
            else np.broadcast_to(np.asarray(posted, dtype="datetime64[D]"), n).copy()
        ),
        "dropped": _column(columns.pop("dropped", NAT_DAY), n, "datetime64[D]"),
        "amount": amount,
        "pending_amount": np.round(_column(columns.pop("pending_amount", amount), n, float), 2),
        "in_store": _column(columns.pop("in_store", False), n, bool),
    }
    for name in TEXT:
        out[name] = _column(columns.pop(name, None), n, object)
    if columns:
        raise TypeError(f"unknown flow columns {sorted(columns)}")
    return out


def _column(value: object, n: int, dtype) -> np.ndarray:
    if np.ndim(value):
        return np.asarray(value, dtype=dtype)
    return np.full(n, value, dtype=dtype)


def empty() -> Flows:
    return flows(np.array([], dtype=np.int64), np.array([], dtype="datetime64[s]"), 0.0)


def concat(parts: Iterable[Flows]) -> Flows:
    parts = [p for p in parts if len(p["account"])] or [empty()]
    return {name: np.concatenate([p[name] for p in parts]) for name in COLUMNS}


def take(rows: Flows, index: np.ndarray) -> Flows:
    return {name: values[index] for name, values in rows.items()}


def settles_on(rows: Flows) -> np.ndarray:
    """The day a flow leaves the pending list: it posts, or (a hold) it is dropped."""
    return np.where(np.isnat(rows["posted"]), rows["dropped"], rows["posted"])


def posted_at(rows: Flows) -> np.ndarray:
    """When a flow posts, to the second: its posting day at its time of authorisation (a
    hold, which never posts: NaT)."""
    time_of_day = rows["authorized"] - rows["authorized"].astype("datetime64[D]")
    return rows["posted"].astype("datetime64[s]") + time_of_day


def ordered(rows: Flows) -> Flows:
    """Rows by account, then by when they settle and were authorised (a stable sort: rows
    that tie keep the order their streams made them in)."""
    settles = settles_on(rows).astype("datetime64[s]") + (
        rows["authorized"] - rows["authorized"].astype("datetime64[D]")
    )
    order = np.lexsort((rows["authorized"], settles, rows["account"]))
    return take(rows, order)


def is_posted_by(rows: Flows, day: np.datetime64) -> np.ndarray:
    """Flows that have posted by the end of ``day``."""
    return ~np.isnat(rows["posted"]) & (rows["posted"] <= day)
