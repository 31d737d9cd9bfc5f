"""Blocking integrity checks, one check function per table (a multi-asset blocking check
would create a cycle): keys unique, foreign keys resolve within the partition."""

import warnings
from collections.abc import Sequence

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetIn, asset_check

from synth_assets.checks import integrity
from synth_assets.checks.integrity import Finding
from synth_assets.defs.partitions import persona_partitions

# Partitioned asset checks are "preview" in Dagster 1.13; the issue asks for them, so the
# warning would only repeat on every import and run.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")


def result(findings: Sequence[Finding]) -> AssetCheckResult:
    """One check result from several findings: passes only if all do; metadata names each."""
    failed = [f for f in findings if not f.passed]
    metadata: dict[str, object] = {"rows_checked": findings[0].checked if findings else 0}
    for finding in findings:
        metadata[f"{finding.rule}: failures"] = finding.failures
        if finding.examples:
            metadata[f"{finding.rule}: examples"] = ", ".join(finding.examples)
    return AssetCheckResult(passed=not failed, severity=AssetCheckSeverity.ERROR, metadata=metadata)


def _blocking(table: str, *parents: str) -> dict[str, object]:
    return {
        "asset": table,
        "blocking": True,
        "partitions_def": persona_partitions,
        "additional_ins": {parent: AssetIn(parent) for parent in parents},
    }


@asset_check(**_blocking("users"))
def users_integrity(users: pd.DataFrame) -> AssetCheckResult:
    """User ids, usernames and emails are unique and not null."""
    return result([integrity.unique(users, column) for column in ("id", "username", "email")])


@asset_check(**_blocking("accounts", "users"))
def accounts_integrity(accounts: pd.DataFrame, users: pd.DataFrame) -> AssetCheckResult:
    """account_id is unique; every account's user exists."""
    return result(
        [
            integrity.unique(accounts, "account_id"),
            integrity.foreign_key(accounts, "user_id", users, "id"),
        ]
    )


@asset_check(**_blocking("transactions", "accounts"))
def transactions_integrity(transactions: pd.DataFrame, accounts: pd.DataFrame) -> AssetCheckResult:
    """transaction_id is unique; every transaction's account exists."""
    return result(
        [
            integrity.unique(transactions, "transaction_id"),
            integrity.foreign_key(transactions, "account_id", accounts, "account_id"),
        ]
    )


@asset_check(**_blocking("liabilities", "accounts"))
def liabilities_integrity(liabilities: pd.DataFrame, accounts: pd.DataFrame) -> AssetCheckResult:
    """One liability per account; every liability's account exists."""
    return result(
        [
            integrity.unique(liabilities, "account_id"),
            integrity.foreign_key(liabilities, "account_id", accounts, "account_id"),
        ]
    )


@asset_check(**_blocking("content", "users"))
def content_integrity(content: pd.DataFrame, users: pd.DataFrame) -> AssetCheckResult:
    """Content ids are unique; every item's user exists."""
    return result(
        [integrity.unique(content, "id"), integrity.foreign_key(content, "user_id", users, "id")]
    )


@asset_check(**_blocking("jobs", "users", "content"))
def jobs_integrity(
    jobs: pd.DataFrame, users: pd.DataFrame, content: pd.DataFrame
) -> AssetCheckResult:
    """Job ids unique; users and content exist; every content item has exactly one completed
    job with its prompt."""
    return result(
        [
            integrity.unique(jobs, "id"),
            integrity.foreign_key(jobs, "user_id", users, "id"),
            integrity.foreign_key(jobs, "content_id", content, "id", nullable=True),
            integrity.one_completed_job_per_content(content, jobs),
        ]
    )


integrity_checks = [
    users_integrity,
    accounts_integrity,
    transactions_integrity,
    liabilities_integrity,
    content_integrity,
    jobs_integrity,
]
