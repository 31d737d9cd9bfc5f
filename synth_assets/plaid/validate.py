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
import numpy as np

from synth_assets.plaid import rules
from synth_assets.plaid.schema import SCHEMAS

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
    """authorized_date <= date and the sign convention, via the shared vectorised rules."""
    if not all(isinstance(tx, Mapping) for tx in objects):
        return []  # non-objects are schema errors, reported already
    pfc = [tx.get("personal_finance_category") or {} for tx in objects]
    amount = np.array([_number(tx.get("amount")) for tx in objects], dtype=float)
    expected = rules.expected_sign(
        np.array([c.get("primary") for c in pfc], dtype=object),
        np.array([c.get("detailed") for c in pfc], dtype=object),
        np.array([(account_types or {}).get(tx.get("account_id")) for tx in objects], dtype=object),
    )
    date = np.array([_text(tx.get("date")) for tx in objects], dtype=object)
    authorized = np.array([_text(tx.get("authorized_date")) for tx in objects], dtype=object)
    late = np.flatnonzero(rules.date_order_violations(date, authorized))
    wrong_sign = np.flatnonzero(rules.sign_violations(amount, expected))
    return [
        PlaidError(
            int(i),
            "$.authorized_date",
            "date_order",
            rules.date_order_message(date[i], authorized[i]),
        )
        for i in late
    ] + [
        PlaidError(
            int(i),
            "$.amount",
            "sign",
            rules.sign_message(pfc[i].get("detailed"), amount[i], expected[i]),
        )
        for i in wrong_sign
    ]


def _number(value: Any) -> float:
    """The amount as a float; NaN for a non-number (a schema error, not a sign error)."""
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else np.nan
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


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
