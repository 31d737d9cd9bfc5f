"""Validate Plaid objects: the JSON Schemas in ``schema.py`` (compiled once, run by
jsonschema-rs over the whole list in one call) plus the rules that need two fields or another
object: ``authorized_date`` on or before ``date``, and Plaid's sign convention.

Every error is reported with the object's index, its JSON path and a kind, not just the first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonschema_rs

from synth_assets.plaid.schema import SCHEMAS

# Money in (negative amounts) and money out (positive amounts), by PFC primary category.
MONEY_IN = frozenset({"INCOME", "TRANSFER_IN", "LOAN_DISBURSEMENTS"})
MONEY_OUT_EXCEPT = MONEY_IN | {"LOAN_PAYMENTS"}
CARD_PAYMENT = "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"
LIABILITY_KINDS = ("credit", "student", "mortgage")


@dataclass(frozen=True)
class PlaidError:
    index: int
    path: str
    kind: str
    message: str


@dataclass
class Report:
    checked: int
    errors: list[PlaidError] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.errors

    def by_kind(self) -> dict[str, int]:
        return dict(Counter(error.kind for error in self.errors).most_common())


@cache
def _validator(kind: str) -> jsonschema_rs.Draft7Validator:
    return jsonschema_rs.Draft7Validator(
        {"type": "array", "items": SCHEMAS[kind]}, validate_formats=True
    )


def _error_kind(schema_path: Sequence[Any]) -> str:
    """Name the rule an error broke: the three cross-field rules by where they sit in the
    schema, every other error by its JSON Schema keyword (required, type, enum, ...)."""
    path = [str(part) for part in schema_path]
    if "oneOf" in path:
        return "currency"
    if "then" in path:
        return "category" if "personal_finance_category" in path else "subtype"
    if path[-1] in ("format", "pattern"):
        return "format"
    return {"additionalProperties": "unknown_key"}.get(path[-1], path[-1])


def _json_path(parts: Sequence[Any]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _schema_errors(kind: str, objects: Sequence[Mapping[str, Any]]) -> list[PlaidError]:
    validator = _validator(kind)
    if validator.is_valid(objects):
        return []
    errors = []
    for error in validator.iter_errors(objects):
        index, *inner = error.instance_path
        errors.append(
            PlaidError(int(index), _json_path(inner), _error_kind(error.schema_path), error.message)
        )
    return errors


def _transaction_rules(
    objects: Sequence[Mapping[str, Any]], account_types: Mapping[str, str] | None
) -> list[PlaidError]:
    errors = []
    for index, tx in enumerate(objects):
        try:
            amount, date, authorized = tx["amount"], tx["date"], tx["authorized_date"]
            category = tx.get("personal_finance_category") or {}
        except (KeyError, TypeError):
            continue  # missing keys are schema errors, reported already
        if isinstance(authorized, str) and isinstance(date, str) and authorized > date:
            errors.append(
                PlaidError(
                    index,
                    "$.authorized_date",
                    "date_order",
                    f"authorized {authorized} after date {date}",
                )
            )
        expected = _expected_sign(
            category, account_types.get(tx["account_id"]) if account_types else None
        )
        if expected and isinstance(amount, int | float) and amount * expected <= 0:
            direction = "negative (money in)" if expected < 0 else "positive (money out)"
            detailed = category.get("detailed")
            errors.append(
                PlaidError(
                    index, "$.amount", "sign", f"{detailed} amount {amount} should be {direction}"
                )
            )
    return errors


def _expected_sign(category: Mapping[str, Any], account_type: str | None) -> int:
    """+1 money out, -1 money in, 0 when the category alone cannot tell (e.g. refunds aside,
    a loan payment leaves checking but arrives on the card)."""
    primary, detailed = category.get("primary"), category.get("detailed")
    if primary in MONEY_IN:
        return -1
    if detailed == CARD_PAYMENT and account_type:
        return -1 if account_type == "credit" else 1
    if primary == "LOAN_PAYMENTS":
        return 1 if account_type == "depository" else 0
    return 1 if primary else 0


def validate(
    kind: str, objects: Sequence[Mapping[str, Any]], account_types: Mapping[str, str] | None = None
) -> Report:
    """All errors of ``objects`` (Plaid objects of ``kind``: transaction, account, credit,
    student, mortgage). ``account_types`` (account_id -> Plaid type) sharpens the sign rule
    for card payments, whose sign depends on the side of the payment."""
    errors = _schema_errors(kind, objects)
    if kind == "transaction":
        errors += _transaction_rules(objects, account_types)
    errors.sort(key=lambda error: error.index)
    return Report(len(objects), errors)


def validate_liabilities(liabilities: Mapping[str, Sequence[Mapping[str, Any]]]) -> Report:
    """Validate Plaid's ``liabilities`` object. An error's index counts across the lists in
    their order (credit, then student, then mortgage); its path starts with the list's name."""
    report = Report(0)
    for kind, objects in liabilities.items():
        if kind not in LIABILITY_KINDS:
            report.errors.append(
                PlaidError(
                    report.checked, f"$.{kind}", "unknown_key", f"unknown liability list {kind!r}"
                )
            )
            continue
        part = validate(kind, objects or [])
        report.errors += [
            PlaidError(
                report.checked + e.index, f"$.{kind}[{e.index}]{e.path[1:]}", e.kind, e.message
            )
            for e in part.errors
        ]
        report.checked += part.checked
    return report
