"""Plaid format of a partition's tables: build the Plaid objects with the same view functions
the exports use, validate every one of them, and summarise what failed."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from synth_assets.checks.integrity import Finding
from synth_assets.plaid import views
from synth_assets.plaid.columnar import validate_transactions
from synth_assets.plaid.validate import Report, validate, validate_liabilities

EXAMPLES = 5


@dataclass(frozen=True)
class FormatResult:
    report: Report
    offending: list[str]  # "<row id> <json path>: <message>" for the first few errors

    @property
    def passed(self) -> bool:
        return self.report.passed

    def finding(self) -> Finding:
        """The result as a Finding (rows checked, errors, first offending rows)."""
        return Finding("Plaid format", self.report.checked, len(self.report.errors), self.offending)

    def metadata(self) -> dict[str, object]:
        return {
            "rows_checked": self.report.checked,
            "errors": len(self.report.errors),
            "errors_by_kind": self.report.by_kind(),
            "first_offending": "\n".join(self.offending) or "none",
        }


def _result(report: Report, ids: list[str]) -> FormatResult:
    offending = [f"{ids[e.index]} {e.path}: {e.message}" for e in report.errors[:EXAMPLES]]
    return FormatResult(report, offending)


def check_transactions(transactions: pd.DataFrame, accounts: pd.DataFrame) -> FormatResult:
    """Every transaction as a Plaid Transaction, validated column-wise (the same schema and
    rules as per object, at column speed); card-payment signs judged by account type."""
    account_types = dict(zip(accounts["account_id"], accounts["type"], strict=True))
    report = validate_transactions(transactions, account_types)
    return _result(report, transactions["transaction_id"].tolist())


def check_accounts(accounts: pd.DataFrame) -> FormatResult:
    report = validate("account", views.account_objects(accounts))
    return _result(report, accounts["account_id"].tolist())


def check_liabilities(liabilities: pd.DataFrame) -> FormatResult:
    """Every liability in Plaid's ``{credit, student, mortgage}`` lists."""
    objects = views.liability_objects(liabilities)
    ids = [obj.get("account_id") for items in objects.values() for obj in items]
    return _result(validate_liabilities(objects), ids)
