"""Referential integrity and uniqueness, as plain functions over DataFrames.

Each returns a ``Finding``: what was checked, how many rows break the rule and a few
offending keys, so a failure is readable in the UI without opening the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

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
    dupes = values[values.duplicated(keep=False) | values.isna()]
    return Finding(f"{column} unique and not null", len(frame), len(dupes), examples(dupes))


def foreign_key(
    child: pd.DataFrame, column: str, parent: pd.DataFrame, key: str, nullable: bool = False
) -> Finding:
    """Every non-null ``child[column]`` exists in ``parent[key]`` (and none is null unless allowed)."""
    values = child[column]
    bad = ~values.isin(parent[key])
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
    ]


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
