"""The ``transactions`` table (Plaid ``Transaction``) at an as-of date, and the day's changes.

A block's ``History`` holds every flow of the months a window needs, each with two stable
ids: the one it has once posted, and the one it has while pending. At an as-of date D a flow
is shown

- posted, under its posted id, if it posted inside the window by D; its
  ``pending_transaction_id`` names its pending id when it was pending on some earlier day
  (it posted after the day it happened), as Plaid links a posted transaction to the pending
  one it replaces;
- pending, under its pending id, if it happened inside the window by D and posts (or, a
  hold, is released) after D, with the amount authorised (before a tip);
- not at all otherwise.

So between D - 1 and D the table changes exactly as ``/transactions/sync`` reports it: a
flow that appears is added, a pending one that posts is removed and its posted row added, a
hold released or a row older than the window is removed (``changes``).

Amounts follow Plaid's sign convention: positive is money leaving the account.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth_assets import builtin_tables
from synth_assets.generate import enrichment
from synth_assets.generate.calendar import Window
from synth_assets.generate.common import Context, text, text_take
from synth_assets.generate.flows import Flows, posted_at, settles_on, take
from synth_assets.generate.seeding import uuid_column
from synth_assets.plaid.taxonomy import DETAILED_TO_PRIMARY

TABLE = "transactions"
PENDING_TABLE = "transactions-pending"
ABSENT, PENDING, POSTED = 0, 1, 2


@dataclass(frozen=True)
class History:
    """Every flow of a block's months, ordered by account and time, with both ids."""

    rows: Flows
    posted_id: np.ndarray
    pending_id: np.ndarray

    @classmethod
    def of_months(cls, ctx: Context, months: dict[np.datetime64, Flows]) -> History:
        """Each month's flows (already ordered) keep ids of their own month's stream, so a
        flow's ids never depend on which other months are generated."""
        parts, posted, pending = [], [], []
        for month, rows in months.items():
            n = len(rows["account"])
            parts.append(rows)
            posted.append(ctx.id_bytes(TABLE, n, period=month))
            pending.append(ctx.id_bytes(PENDING_TABLE, n, period=month))
        rows = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
        return cls(rows, np.concatenate(posted), np.concatenate(pending))

    def status(self, window: Window | None) -> np.ndarray:
        """ABSENT, PENDING or POSTED per flow, at ``window``'s end (None: all absent)."""
        if window is None:
            return np.full(len(self.posted_id), ABSENT)
        start, end = np.datetime64(window.start, "D"), np.datetime64(window.end, "D")
        posted, happened = self.rows["posted"], self.rows["authorized"].astype("datetime64[D]")
        is_posted = ~np.isnat(posted) & (posted >= start) & (posted <= end)
        is_pending = (happened >= start) & (happened <= end) & (settles_on(self.rows) > end)
        return np.where(is_posted, POSTED, np.where(is_pending, PENDING, ABSENT))


def table(
    ctx: Context, history: History, users: pd.DataFrame, accounts: pd.DataFrame
) -> pd.DataFrame:
    """The table's rows at ``ctx``'s as-of date, by account and date, with Plaid's columns."""
    status = history.status(ctx.window)
    shown = np.flatnonzero(status != ABSENT)
    rows = take(history.rows, shown)
    posted = status[shown] == POSTED
    when = np.where(posted, posted_at(rows), rows["authorized"])
    order = np.lexsort((rows["authorized"], when, rows["account"]))
    rows, posted, when, shown = take(rows, order), posted[order], when[order], shown[order]
    happened, date = rows["authorized"], when.astype("datetime64[D]")
    was_pending = posted & (rows["authorized"].astype("datetime64[D]") < rows["posted"])
    account = rows["account"]
    # Each account's user row (a few thousand lookups), then one integer take per row.
    user_row = pd.Index(users["id"]).get_indexer(accounts["user_id"])[account]
    in_store = rows["in_store"]

    def where_in_store(column: str) -> pd.api.extensions.ExtensionArray:
        return text_take(users[column].to_numpy(), user_row, in_store)

    # Hash-factorised, a few dozen categories: a string sort of 1M rows costs seconds.
    category, categories = pd.factorize(rows["detailed"])
    frame = pd.DataFrame(
        {
            "transaction_id": uuid_column(
                np.where(posted, history.posted_id[shown], history.pending_id[shown])
            ),
            "account_id": text_take(accounts["account_id"].to_numpy(), account),
            "persona": ctx.persona.name,
            "amount": np.where(posted, rows["amount"], rows["pending_amount"]),
            "iso_currency_code": "USD",
            "unofficial_currency_code": None,
            "date": date,
            "authorized_date": happened.astype("datetime64[D]"),
            "datetime": when,
            "authorized_datetime": happened,
            "name": text(rows["name"]),
            "merchant_name": text(rows["merchant_name"]),
            "payment_channel": text(rows["payment_channel"]),
            "pending": ~posted,
            "pending_transaction_id": uuid_column(history.pending_id[shown], was_pending),
            "pfc_primary": text_take(_primary(categories), category),
            "pfc_detailed": text_take(categories, category),
            "pfc_confidence_level": text(rows["confidence"]),
            "location_city": where_in_store("city"),
            "location_region": where_in_store("region"),
            "location_postal_code": where_in_store("postal_code"),
            "location_country": text_take(np.array(["US"]), np.zeros(len(in_store), int), in_store),
            "website": text(rows["website"]),
            **enrichment.enrich(ctx.persona, rows["merchant_name"], rows["name"], in_store),
        }
    )
    return frame[builtin_tables.columns(TABLE)]


def changes(ctx: Context, history: History, accounts: pd.DataFrame) -> pd.DataFrame:
    """The ``transaction_changes`` rows of the as-of date: what changed in the table since
    the day ``ctx`` names (the day before, unless told), as ``/transactions/sync`` reports
    it (``added``, ``removed``); from nothing, every row is added."""
    before, now = history.status(ctx.previous_window), history.status(ctx.window)
    # A flow whose status differs loses the id it had and gains the one it has (either way
    # in time: going back to an earlier day, a posted row turns pending again).
    added_posted = (now == POSTED) & (before != POSTED)
    added_pending = (now == PENDING) & (before != PENDING)
    removed_pending = (before == PENDING) & (now != PENDING)
    removed_posted = (before == POSTED) & (now != POSTED)
    pieces = [
        (added_posted, history.posted_id, "added"),
        (added_pending, history.pending_id, "added"),
        (removed_pending, history.pending_id, "removed"),
        (removed_posted, history.posted_id, "removed"),
    ]
    ids = np.concatenate([ident[mask] for mask, ident, _ in pieces])
    change = np.concatenate(
        [np.full(int(mask.sum()), kind, dtype=object) for mask, _, kind in pieces]
    )
    account = np.concatenate([history.rows["account"][mask] for mask, _, _ in pieces])
    frame = pd.DataFrame(
        {
            "as_of": np.datetime64(ctx.window.end, "D"),
            "transaction_id": uuid_column(ids),
            "account_id": accounts["account_id"].to_numpy()[account],
            "persona": ctx.persona.name,
            "change": change,
            "since": np.full(len(ids), np.datetime64(ctx.changes_since, "D")),
        }
    )
    return frame.sort_values(["account_id", "change", "transaction_id"], kind="stable")[
        builtin_tables.columns("transaction_changes")
    ].reset_index(drop=True)


def _primary(detailed: np.ndarray) -> np.ndarray:
    return np.array([DETAILED_TO_PRIMARY[d] for d in detailed], dtype=object)
