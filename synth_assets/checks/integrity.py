"""Referential integrity and uniqueness, as plain functions over DataFrames.

Each returns a ``Finding``: what was checked, how many rows break the rule and a few
offending keys, so a failure is readable in the UI without opening the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synth_assets.membership import is_in

EXAMPLES = 5


@dataclass(frozen=True)
class Finding:
    rule: str
    checked: int
    failures: int
    examples: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failures == 0


def unique(frame: pd.DataFrame, column: str) -> Finding:
    """``column`` is non-null and unique (a primary key or a unique constraint)."""
    values = frame[column]
    if distinct_and_whole(values):  # the common case, counted by Arrow
        return Finding(f"{column} unique and not null", len(frame), 0)
    dupes = values[values.duplicated(keep=False) | values.isna()]
    return Finding(f"{column} unique and not null", len(frame), len(dupes), examples(dupes))


def distinct_and_whole(values: pd.Series) -> bool:
    """No value missing and none twice (pandas' own count of a million strings takes a
    second; Arrow's, milliseconds)."""
    array = pa.array(values, from_pandas=True)
    return array.null_count == 0 and len(pc.unique(array)) == len(array)


def foreign_key(
    child: pd.DataFrame, column: str, parent: pd.DataFrame, key: str, nullable: bool = False
) -> Finding:
    """Every non-null ``child[column]`` exists in ``parent[key]`` (and none is null unless allowed)."""
    values = child[column]
    bad = ~is_in(values, parent[key])
    if nullable:
        bad &= values.notna()
    return Finding(f"{column} -> {key}", len(child), int(bad.sum()), examples(values[bad]))


def one_completed_job_per_content(content: pd.DataFrame, jobs: pd.DataFrame) -> Finding:
    """Every content item has exactly one completed job, and that job's prompt is the item's."""
    completed = jobs[jobs["status"] == "completed"]
    per_item = completed.groupby("content_id")["id"].count().reindex(content["id"], fill_value=0)
    prompts = completed.drop_duplicates("content_id").set_index("content_id")["prompt"]
    same_prompt = prompts.reindex(content["id"]).to_numpy() == content["prompt"].to_numpy()
    bad = content["id"][(per_item.to_numpy() != 1) | ~same_prompt]
    return Finding(
        "one completed job with the same prompt per content item",
        len(content),
        len(bad),
        examples(bad),
    )


# --- The integrity rules of each table (the asset checks and the bulk path both run these) ---


def users_integrity(users: pd.DataFrame) -> list[Finding]:
    return [unique(users, column) for column in ("id", "username", "email")]


def accounts_integrity(accounts: pd.DataFrame, users: pd.DataFrame) -> list[Finding]:
    return [
        unique(accounts, "account_id"),
        foreign_key(accounts, "user_id", users, "id"),
    ]


def transactions_integrity(transactions: pd.DataFrame, accounts: pd.DataFrame) -> list[Finding]:
    return [
        unique(transactions, "transaction_id"),
        foreign_key(transactions, "account_id", accounts, "account_id"),
        *pending_links(transactions),
    ]


def pending_links(transactions: pd.DataFrame) -> list[Finding]:
    """``pending_transaction_id`` as Plaid links it: only a posted row names the pending one
    it replaced, each pending one is replaced once, and it names no row of the table (the
    pending row is gone once its posted row is there)."""
    link = transactions["pending_transaction_id"]
    named = link.notna().to_numpy()
    ids = transactions["transaction_id"]
    on_pending = named & transactions["pending"].to_numpy(dtype=bool)
    linked = link[named]
    twice = np.zeros(len(link), dtype=bool)
    if not distinct_and_whole(linked):
        twice[named] = linked.duplicated(keep=False).to_numpy()
    still_there = named & is_in(link, ids)
    return [
        Finding(f"{rule}", len(transactions), int(bad.sum()), examples(ids[bad]))
        for rule, bad in (
            ("only posted rows name a pending transaction", on_pending),
            ("a pending transaction is replaced once", twice),
            ("pending_transaction_id names no row of the table", still_there),
        )
    ]


def changes_integrity(
    changes: pd.DataFrame,
    transactions: pd.DataFrame,
    accounts: pd.DataFrame,
    as_of: dt.date,
    since: dt.date | None,
) -> list[Finding]:
    """The day's changes say what the table now holds: what was added is there (on the
    account the change names), what was removed is not, a posted row whose pending one was
    removed that day stays on that pending row's account, and all are of the as-of date and
    start from ``since`` (None: from nothing, so every row of the table is added)."""
    ids = changes["transaction_id"]
    key = ids + "|" + changes["change"]
    added = (changes["change"] == "added").to_numpy()
    removed = (changes["change"] == "removed").to_numpy()
    present = is_in(ids, transactions["transaction_id"])
    involved = transactions[is_in(transactions["transaction_id"], ids)]  # a day's few rows
    account_of = pd.Series(involved["account_id"].to_numpy(), index=involved["transaction_id"])
    moved = (
        added & present & (account_of.reindex(ids).to_numpy() != changes["account_id"].to_numpy())
    )
    gone = changes.loc[removed].set_index("transaction_id")["account_id"]
    posted = involved[is_in(involved["transaction_id"], ids[added])]
    linked = is_in(posted["pending_transaction_id"], gone.index)
    crossed = linked & (
        gone.reindex(posted["pending_transaction_id"]).to_numpy() != posted["account_id"].to_numpy()
    )
    day = changes["as_of"].to_numpy().astype("datetime64[D]") != np.datetime64(as_of, "D")
    start = changes["since"].to_numpy().astype("datetime64[D]")
    other_start = np.isnat(start) if since is not None else ~np.isnat(start)
    if since is not None:
        other_start |= start != np.datetime64(since, "D")
    unreported = (
        ~is_in(transactions["transaction_id"], ids[added])
        if since is None
        else np.zeros(len(transactions), dtype=bool)
    )
    findings = [
        Finding("(transaction_id, change) unique", len(changes), int(key.duplicated(keep=False).sum()),
                examples(ids[key.duplicated(keep=False)])),
        foreign_key(changes, "account_id", accounts, "account_id"),
        Finding("added transactions are in the table", int(added.sum()),
                int((added & ~present).sum()), examples(ids[added & ~present])),
        Finding("added on the account of its row", int(added.sum()), int(moved.sum()),
                examples(ids[moved])),
        Finding("removed transactions are not in the table", int(removed.sum()),
                int((removed & present).sum()), examples(ids[removed & present])),
        Finding("a posted row stays on its pending row's account", int(linked.sum()),
                int(crossed.sum()), examples(posted["transaction_id"][crossed])),
        Finding("changes are of the as-of date", len(changes), int(day.sum()), examples(ids[day])),
        Finding(f"changes start from {since or 'nothing (a reset)'}", len(changes),
                int(other_start.sum()), examples(ids[other_start])),
        Finding("from nothing, every row of the table is added", len(transactions),
                int(unreported.sum()), examples(transactions["transaction_id"][unreported])),
    ]  # fmt: skip
    return findings


def liabilities_integrity(liabilities: pd.DataFrame, accounts: pd.DataFrame) -> list[Finding]:
    return [
        unique(liabilities, "account_id"),
        foreign_key(liabilities, "account_id", accounts, "account_id"),
    ]


def content_integrity(content: pd.DataFrame, users: pd.DataFrame) -> list[Finding]:
    return [unique(content, "id"), foreign_key(content, "user_id", users, "id")]


def jobs_integrity(jobs: pd.DataFrame, users: pd.DataFrame, content: pd.DataFrame) -> list[Finding]:
    return [
        unique(jobs, "id"),
        foreign_key(jobs, "user_id", users, "id"),
        foreign_key(jobs, "content_id", content, "id", nullable=True),
        one_completed_job_per_content(content, jobs),
    ]


def examples(values: pd.Series) -> list[str]:
    return [str(v) for v in values.drop_duplicates().head(EXAMPLES)]
