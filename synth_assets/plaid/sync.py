"""The day's changes as Plaid's ``/transactions/sync`` returns them: for each account, the
pages a client receives when it asks for what changed from the day before the as-of date to
the as-of date.

A page holds at most ``PAGE_SIZE`` updates: ``added`` (full Transaction objects, built by the
views), ``modified`` (always empty here: a transaction that changes, such as a pending one
that posts, is removed and added under a new id, as Plaid does) and ``removed`` (only
``transaction_id`` and ``account_id``), plus ``accounts`` (the account's AccountBase),
``has_more`` and ``next_cursor`` (opaque: it names the account, the day and the page that
follows; the last page's names the day, from which the next day's changes start).

Each page also says which day its changes start from (``since``, not a Plaid field): the
day the persona was last published with the same state, whose last cursor a client holds.
``since: null`` is a reset, what Plaid answers to an empty cursor: the whole table is
``added``, and a client drops what it held of these accounts before applying it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import pandas as pd

from synth_assets.membership import is_in
from synth_assets.plaid import views

PAGE_SIZE = 500
UPDATE_STATUS = "HISTORICAL_UPDATE_COMPLETE"
REQUEST_ID_LENGTH = 15


def cursor(account_id: str, as_of: dt.date, page: int | str) -> str:
    """An opaque, stable cursor: the same account, day and page give the same cursor."""
    return base64.urlsafe_b64encode(f"{account_id}|{as_of}|{page}".encode()).decode().rstrip("=")


def request_id(account_id: str, as_of: dt.date, page: int) -> str:
    digest = hashlib.blake2b(f"{account_id}|{as_of}|{page}".encode(), digest_size=16)
    return digest.hexdigest()[:REQUEST_ID_LENGTH]


def sync_pages(
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
    changes: pd.DataFrame,
    as_of: dt.date,
    since: dt.date | None,
) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(account id, page number from 1, page) for every account, in account order: an
    account with no change that day gets one empty page, as Plaid answers it. ``since``:
    the day the changes start from (None: from nothing)."""
    added_ids = changes.loc[changes["change"] == "added", "transaction_id"]
    added_rows = transactions[is_in(transactions["transaction_id"], added_ids)]
    added = pd.Series(
        views.transaction_objects(added_rows),
        index=added_rows["account_id"].to_numpy(),
        dtype=object,
    )
    removed = changes[changes["change"] == "removed"]
    account_objects = dict(
        zip(accounts["account_id"], views.account_objects(accounts), strict=True)
    )
    added_by = added.groupby(level=0).apply(list).to_dict() if len(added) else {}
    removed_by = {
        account: [{"transaction_id": t, "account_id": account} for t in group["transaction_id"]]
        for account, group in removed.groupby("account_id", sort=False)
    }
    for account_id in accounts["account_id"]:
        updates = [("added", item) for item in added_by.get(account_id, [])]
        updates += [("removed", item) for item in removed_by.get(account_id, [])]
        pages = [updates[i : i + PAGE_SIZE] for i in range(0, len(updates), PAGE_SIZE)] or [[]]
        for number, page in enumerate(pages, start=1):
            last = number == len(pages)
            yield (
                account_id,
                number,
                {
                    "accounts": [account_objects[account_id]],
                    "added": [item for kind, item in page if kind == "added"],
                    "modified": [],
                    "removed": [item for kind, item in page if kind == "removed"],
                    "next_cursor": cursor(account_id, as_of, "end" if last else number + 1),
                    "has_more": not last,
                    "request_id": request_id(account_id, as_of, number),
                    "transactions_update_status": UPDATE_STATUS,
                    "since": since.isoformat() if since else None,
                },
            )
