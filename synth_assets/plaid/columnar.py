"""Validate a whole transactions table at column speed, with the same schema and rules as
the object validator.

Every column that feeds a JSON path of the Transaction view is checked, as the view emits
it, against that path's leaf in ``schema.TRANSACTION`` (null allowed?, type, enum, format);
the cross-field rules run vectorised from ``rules``; and the view's constant and derived keys
are validated as full objects on one row per distinct path through the view. A test holds
the result equal to validating every object (``validate.validate``) on every defect class.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synth_assets.plaid import rules, views
from synth_assets.plaid.schema import TRANSACTION
from synth_assets.plaid.validate import PlaidError, Report, validate

Schema = dict[str, Any]
Found = tuple[np.ndarray, str, str]  # (rows, kind, message)
PATTERNS = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "date-time": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"),
}
PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "number": (int, float),
    "boolean": bool,
}


def leaf(schema: Schema, path: str) -> Schema:
    """The schema at a JSON path like ``$.location.city``."""
    for key in path.removeprefix("$.").split("."):
        schema = schema["properties"][key]
    return schema


def _json_type(schema: Schema) -> tuple[str, bool]:
    """(the non-null JSON type, whether null is allowed)."""
    kinds = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
    return next(k for k in kinds if k != "null"), "null" in kinds


def _uniform(column: pd.Series, expected: str, fmt: str | None) -> bool:
    """Whether every non-missing value has the JSON type, judged from the dtype alone."""
    if fmt and pd.api.types.is_datetime64_any_dtype(column):
        return True  # the view formats datetime64 as ISO strings
    if expected == "boolean":
        return pd.api.types.is_bool_dtype(column)
    if expected == "number":
        return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    return pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")


def _as_emitted(column: pd.Series, convert: views.Converter, schema: Schema) -> pd.Series:
    """The column as the view emits it: the raw column when its dtype already fits (fast),
    else the view's own converted values."""
    expected, _ = _json_type(schema)
    if _uniform(column, expected, schema.get("format")):
        return column
    return pd.Series(convert(column), index=column.index, dtype=object)


def _wrong_type(column: pd.Series, expected: str, fmt: str | None) -> np.ndarray:
    if _uniform(column, expected, fmt):
        return np.zeros(len(column), dtype=bool)
    python_type = PYTHON_TYPES[expected]
    ok = column.map(
        lambda v: isinstance(v, python_type) and not (expected == "number" and isinstance(v, bool))
    )
    return ~ok.to_numpy(dtype=bool) & column.notna().to_numpy()


def _bad_format(column: pd.Series, fmt: str) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(column) or fmt not in PATTERNS:
        return np.zeros(len(column), dtype=bool)
    text = column.where(column.map(lambda v: isinstance(v, str)), None).astype("string")
    shaped = text.str.match(PATTERNS[fmt].pattern).fillna(True).to_numpy(dtype=bool)
    parsed = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    return ~shaped | (parsed.isna() & text.notna()).to_numpy()


def _column_errors(column: pd.Series, schema: Schema) -> list[Found]:
    """Each way ``column`` breaks the leaf ``schema``."""
    expected, nullable = _json_type(schema)
    missing = column.isna().to_numpy()
    found: list[Found] = [
        (_wrong_type(column, expected, schema.get("format")), "type", f"not of type {expected!r}")
    ]
    if not nullable:
        found.append((missing, "type", f"None is not of type {expected!r}"))
    if "enum" in schema:
        allowed = [v for v in schema["enum"] if v is not None]
        found.append((~column.isin(allowed).to_numpy() & ~missing, "enum", f"not one of {allowed}"))
    if "format" in schema:
        found.append(
            (_bad_format(column, schema["format"]), "format", f'not a "{schema["format"]}"')
        )
    return found


PRIMARIES = leaf(TRANSACTION, "$.personal_finance_category.primary")["enum"]


def _distinct(columns: Mapping[str, pd.Series]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(row -> index of its combination, each column's value per distinct combination).

    The text rules then run once per combination (a few hundred) instead of once per row,
    and no column is turned into a million Python strings."""
    combined = np.zeros(len(next(iter(columns.values()))), dtype=np.int64)
    factorized = {}
    for name, column in columns.items():
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        combined = combined * len(uniques) + codes
        factorized[name] = (codes, np.asarray(uniques, dtype=object))
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    values = {name: uniques[codes[first]] for name, (codes, uniques) in factorized.items()}
    return inverse, values


def _account_types(t: pd.DataFrame, account_types: Mapping[str, str] | None) -> pd.Series:
    codes, accounts = pd.factorize(t["account_id"], use_na_sentinel=False)
    types = pd.Series(accounts).map(account_types or {}).to_numpy(dtype=object)
    return pd.Series(types[codes])


def _rule_errors(
    t: pd.DataFrame, account_types: Mapping[str, str] | None
) -> list[tuple[str, Found]]:
    """The cross-field rules, each as (path, found)."""
    row, v = _distinct(
        {
            "primary": t["pfc_primary"],
            "detailed": t["pfc_detailed"],
            "account_type": _account_types(t, account_types),
            "iso": t["iso_currency_code"],
            "unofficial": t["unofficial_currency_code"],
        }
    )
    amount = pd.to_numeric(t["amount"], errors="coerce").round(2).to_numpy(dtype=float)
    dates, authorized = _comparable_dates(t["date"]), _comparable_dates(t["authorized_date"])
    known_primary = np.isin(v["primary"], PRIMARIES)
    expected_sign = rules.expected_sign(v["primary"], v["detailed"], v["account_type"])
    return [
        (
            "$",
            (
                rules.currency_violations(v["iso"], v["unofficial"])[row],
                "currency",
                "not exactly one currency code",
            ),
        ),
        (
            "$.personal_finance_category.detailed",
            (
                (rules.category_violations(v["primary"], v["detailed"]) & known_primary)[row],
                "category",
                "not a detailed category of its primary",
            ),
        ),
        (
            "$.amount",
            (
                rules.sign_violations(amount, np.asarray(expected_sign)[row]),
                "sign",
                "wrong sign",
            ),
        ),
        (
            "$.authorized_date",
            (
                rules.date_order_violations(dates, authorized),
                "date_order",
                "authorized_date after date",
            ),
        ),
    ]


def _comparable_dates(column: pd.Series) -> np.ndarray:
    """datetime64[D] when the column is datetime64 (compared natively), else the values."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.to_numpy(dtype="datetime64[D]")
    return np.array(views.values(column), dtype=object)


def validate_transactions(
    transactions: pd.DataFrame, account_types: Mapping[str, str] | None = None
) -> Report:
    """Every error of every row, as validating ``transaction_objects(...)`` would report it,
    computed column by column."""
    t = transactions.reset_index(drop=True)
    found: list[tuple[str, Found]] = []
    for path, (column, convert) in views.TRANSACTION_COLUMNS.items():
        schema = leaf(TRANSACTION, path)
        found += [
            (path, item) for item in _column_errors(_as_emitted(t[column], convert, schema), schema)
        ]
    found += _rule_errors(t, account_types)
    errors = [
        PlaidError(int(i), path, kind, message)
        for path, (rows, kind, message) in found
        for i in np.flatnonzero(rows)
    ]
    known = {(e.index, e.path, e.kind) for e in errors}
    variants = views.transaction_variants(t)
    for error in validate("transaction", views.transaction_objects(variants), account_types).errors:
        row = int(variants.index[error.index])
        if (row, error.path, error.kind) not in known:  # constant and derived keys
            errors.append(PlaidError(row, error.path, error.kind, error.message))
    errors.sort(key=lambda error: error.index)
    return Report(len(t), errors)
