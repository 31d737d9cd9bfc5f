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

import numpy as np
import pandas as pd

from synth_assets.membership import is_in
from synth_assets.plaid import json_text, views

PAGE_SIZE = 500
UPDATE_STATUS = "HISTORICAL_UPDATE_COMPLETE"
REQUEST_ID_LENGTH = 15


def cursor(account_id: str, as_of: dt.date, page: int | str) -> str:
    """An opaque, stable cursor: the same account, day and page give the same cursor."""
    return base64.urlsafe_b64encode(f"{account_id}|{as_of}|{page}".encode()).decode().rstrip("=")


def request_id(account_id: str, as_of: dt.date, page: int) -> str:
    digest = hashlib.blake2b(f"{account_id}|{as_of}|{page}".encode(), digest_size=16)
    return digest.hexdigest()[:REQUEST_ID_LENGTH]


def _page(
    account: dict[str, Any],
    added: list[Any],
    removed: list[dict[str, str]],
    as_of: dt.date,
    since: dt.date | None,
    number: int,
    last: bool,
) -> dict[str, Any]:
    """One page of an account's changes, as Plaid lays it out."""
    account_id = account["account_id"]
    return {
        "accounts": [account],
        "added": added,
        "modified": [],
        "removed": removed,
        "next_cursor": cursor(account_id, as_of, "end" if last else number + 1),
        "has_more": not last,
        "request_id": request_id(account_id, as_of, number),
        "transactions_update_status": UPDATE_STATUS,
        "since": since.isoformat() if since else None,
    }


def _changes(
    accounts: pd.DataFrame, transactions: pd.DataFrame, changes: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, dict[str, list[dict[str, str]]], list[dict[str, Any]]]:
    """The added transactions' rows grouped by account in account order (each account's in
    row order) and where each account's start (account ``n``'s rows are
    ``starts[n]:starts[n + 1]``); the removed ones by account; the accounts' objects."""
    added_ids = changes.loc[changes["change"] == "added", "transaction_id"]
    kept = is_in(transactions["transaction_id"], added_ids)
    added = transactions if kept.all() else transactions[kept]  # a reset adds every row
    place = pd.Series(range(len(accounts)), index=accounts["account_id"].to_numpy())
    owner = place.loc[added["account_id"]].to_numpy()
    if len(owner) and (np.diff(owner) < 0).any():  # generated rows come by account already
        order = np.argsort(owner, kind="stable")
        added, owner = added.iloc[order], owner[order]
    starts = np.r_[0, np.cumsum(np.bincount(owner, minlength=len(accounts)))]
    removed = changes[changes["change"] == "removed"]
    removed_by = {
        account: [{"transaction_id": t, "account_id": account} for t in group["transaction_id"]]
        for account, group in removed.groupby("account_id", sort=False)
    }
    return added, starts, removed_by, views.account_objects(accounts)


def _pages(added: int, removed: int) -> list[tuple[range, range]]:
    """Each page's slice of an account's added and removed updates (added first)."""
    total = added + removed
    bounds = list(range(0, total, PAGE_SIZE)) or [0]
    return [
        (range(min(a, added), min(a + PAGE_SIZE, added)),
         range(max(a - added, 0), max(min(a + PAGE_SIZE, total) - added, 0)))
        for a in bounds
    ]  # fmt: skip


def _layout(
    starts: np.ndarray, removed_by: dict[str, list[dict[str, str]]], account_objects: list
) -> Iterator[tuple[dict[str, Any], int, range, list[dict[str, str]], bool]]:
    """Every page in order: (account object, page number from 1, its added rows as a range of
    the grouped added rows, its removed items, whether it is the account's last). The pages'
    ranges follow one another: together they cover the added rows once, in order."""
    for n, account in enumerate(account_objects):
        first = starts[n]
        removed = removed_by.get(account["account_id"], [])
        pages = _pages(starts[n + 1] - first, len(removed))
        for number, (adds, drops) in enumerate(pages, start=1):
            rows = range(first + adds.start, first + adds.stop)
            yield account, number, rows, removed[drops.start : drops.stop], number == len(pages)


def sync_pages(
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
    changes: pd.DataFrame,
    as_of: dt.date,
    since: dt.date | None,
) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(account id, page number from 1, page) for every account, in account order: an
    account with no change that day gets one empty page, as Plaid answers it. ``since``:
    the day the changes start from (None: from nothing). The added transactions are the
    views' objects; ``sync_page_texts`` writes the same pages column-wise."""
    added, starts, removed_by, account_objects = _changes(accounts, transactions, changes)
    objects = views.transaction_objects(added)
    for account, number, rows, removed, last in _layout(starts, removed_by, account_objects):
        page = _page(account, objects[rows.start : rows.stop], removed, as_of, since, number, last)
        yield account["account_id"], number, page


def sync_page_texts(
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
    changes: pd.DataFrame,
    as_of: dt.date,
    since: dt.date | None,
) -> Iterator[tuple[str, int, bytes]]:
    """``sync_pages``' pages as UTF-8 JSON text, the added transactions written column-wise
    (``json_text``) into buffers that each page slices, a batch of pages at a time: a reset
    adds every transaction, and one object per row, or one buffer for all, would cost memory
    that grows with the shard."""
    added, starts, removed_by, account_objects = _changes(accounts, transactions, changes)
    pages = list(_layout(starts, removed_by, account_objects))
    bounds = np.array([rows.start for _, _, rows, _, _ in pages] + [len(added)])
    slices = json_text.grouped_bytes(added, bounds)
    marker = json_text.slot(0)
    for (account, number, _, removed, last), rows in zip(pages, slices, strict=True):
        layout = _page(account, [marker], removed, as_of, since, number, last)
        head, tail = json_text.dumps(layout).split(json_text.dumps(marker))
        yield account["account_id"], number, b"".join([head.encode(), rows[:-1], tail.encode()])
