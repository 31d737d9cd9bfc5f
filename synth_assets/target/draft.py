"""Drafting a mapping from the app's schema, so nobody starts from a blank page: each target
table is matched to the synth table its name and columns fit best (or gets generated rows),
each column to a synth column by name, type and comment, a conversion, a parent reference or a
generator, and each guess carries a note saying what it matched. A NOT NULL column it cannot
fill is left out, with a note, for ``check`` to name."""

from __future__ import annotations

import difflib
import re
from typing import Any

from synth_assets import builtin_tables
from synth_assets import table_model as tm
from synth_assets.personas import AccountKind

SYNTH = builtin_tables.SCHEMA
# Names apps give the tables synth_assets has (matched on words of the target's name).
TABLE_WORDS = {
    "users": {"user", "users", "member", "members", "customer", "customers", "people", "person",
              "profile", "profiles", "account_holders"},
    "accounts": {"account", "accounts", "bank", "bank_accounts", "financial"},
    "transactions": {"transaction", "transactions", "txn", "txns", "ledger", "entries", "payment",
                     "payments"},
    "liabilities": {"liability", "liabilities", "debt", "debts", "loan", "loans"},
    "content": {"content", "contents", "item", "items", "image", "images", "post", "posts",
                "asset", "assets"},
    "jobs": {"job", "jobs", "task", "tasks", "generation", "generations", "run", "runs"},
    "transaction_changes": {"change", "changes", "sync"},
}  # fmt: skip
# Names apps give the columns synth_assets has, per synth column.
COLUMN_WORDS = {
    "email": {"email", "email_address", "mail"},
    "username": {"username", "user_name", "handle", "login", "screen_name", "nickname"},
    "first_name": {"first_name", "given_name", "firstname"},
    "last_name": {"last_name", "family_name", "surname", "lastname"},
    "created_at": {"created_at", "created", "joined_at", "signed_up_at", "inserted_at",
                   "registered_at", "submitted_at"},
    "annual_income": {"annual_income", "income", "salary", "yearly_income"},
    "city": {"city", "town"}, "region": {"region", "state", "province"},
    "postal_code": {"postal_code", "zip", "zip_code", "zipcode", "postcode"},
    "amount": {"amount", "value", "amount_usd", "amount_dollars", "amount_cents", "cents",
               "amount_in_cents"},
    "date": {"date", "posted_on", "posted_at", "posted_date", "booked_on", "booking_date",
             "transaction_date"},
    "name": {"name", "description", "memo", "descriptor", "label"},
    "merchant_name": {"merchant", "merchant_name", "payee", "counterparty"},
    "pending": {"pending", "is_pending"},
    "pfc_primary": {"category", "category_primary", "pfc_primary"},
    "pfc_detailed": {"subcategory", "category_detailed", "pfc_detailed"},
    "payment_channel": {"channel", "payment_channel"},
    "iso_currency_code": {"currency", "currency_code", "iso_currency_code"},
    "transaction_id": {"external_id", "plaid_id", "plaid_transaction_id", "transaction_id"},
    "account_id": {"plaid_account_id", "account_id", "external_account_id"},
    "title": {"title", "caption", "headline"}, "prompt": {"prompt", "instructions"},
    "tags": {"tags", "keywords", "labels"}, "kind": {"kind", "type", "source"},
    "status": {"status", "state"}, "image_path": {"image_path", "path", "url", "image_url"},
    "started_at": {"started_at", "began_at"}, "completed_at": {"completed_at", "finished_at",
                                                                 "done_at"},
    "error_message": {"error_message", "error", "failure_reason"},
    "balance_current": {"balance", "current_balance", "balance_current"},
    "mask": {"mask", "last4", "last_four"}, "official_name": {"official_name"},
    "subtype": {"subtype"}, "liability_type": {"liability_type"},
}  # fmt: skip
INTEGERS, TEXTS, NUMBERS = tm.INTEGERS, tm.TEXTS, tm.NUMBERS


def _words(name: str) -> set[str]:
    lowered = name.lower()
    return {lowered, *re.split(r"[_\W]+", lowered)} - {""}


def match_table(target: tm.Table) -> tuple[str | None, str]:
    """The synth table a target table takes its rows from, and why (None: generated)."""
    best, why, score = None, "", 0.0
    for name, synth in SYNTH.tables.items():
        by_name = bool(_words(target.name) & TABLE_WORDS[name])
        columns = sum(1 for c in target.columns if _synth_column(c, synth) is not None)
        value = (2.0 if by_name else 0.0) + columns / max(len(target.columns), 1)
        if value > score:
            best, score = name, value
            why = (f"name like {name}; " if by_name else "") + f"{columns} columns match"
    if score < 1.0:
        return None, "no synth table matches its name or columns"
    return best, why


def _synth_column(column: tm.Column, synth: tm.Table) -> tuple[str, str] | None:
    """The synth column a target column takes, and how (``column`` or ``cents``)."""
    words = _words(column.name)
    for name, alike in COLUMN_WORDS.items():
        if name not in synth.column_names or not (words & alike or column.name.lower() in alike):
            continue
        kind = synth.column(name).type
        if kind.name == "numeric" and column.type.is_integer and "cent" in column.name.lower():
            return name, "cents"
        if tm.compatible(kind, column.type):
            return name, "column"
    same = column.name in synth.column_names and column.name != "persona"
    if same and tm.compatible(synth.column(column.name).type, column.type):
        return column.name, "column"
    return None


def draft(schema: tm.Schema, target: dict[str, Any]) -> dict[str, Any]:
    """A mapping for every table of ``schema`` the loader can tell its rows apart in (see
    ``left_out``), as the YAML file holds it."""
    tables: dict[str, Any] = {}
    origins = {name: match_table(table) for name, table in schema.tables.items()}
    for name, table in schema.tables.items():
        if name in left_out(schema):
            continue
        source, why = origins[name]
        entry: dict[str, Any] = {"note": why}
        if source:
            entry["from"] = source
        else:
            parents = [k.parent for k in table.foreign_keys if origins.get(k.parent, (None,))[0]]
            entry["rows"] = {"per": parents[0], "ratio": 1.0} if parents else {"count": 10}
        entry["columns"] = _columns(table, SYNTH[source] if source else None)
        tables[name] = entry
    return {"target": target, "tables": tables}


def left_out(schema: tm.Schema) -> list[str]:
    """The tables with no primary key and no unique NOT NULL columns: the loader could not
    tell its rows from the app's there, so the draft leaves them out."""
    return [name for name, table in schema.tables.items() if table.row_key() is None]


def _columns(table: tm.Table, synth: tm.Table | None) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    parents = {key.columns[0]: key for key in table.foreign_keys if len(key.columns) == 1}
    for column in table.columns:
        if column.generated or column.identity:
            continue
        guess = _guess(column, synth, parents.get(column.name), table)
        if guess is not None:
            columns[column.name] = guess
    return columns


def _guess(
    column: tm.Column, synth: tm.Table | None, key: tm.ForeignKey | None, table: tm.Table
) -> dict[str, Any] | None:
    if key is not None:
        return {"parent": key.parent, "note": f"foreign key to {key.parent}"}
    if synth and table.primary_key == (column.name,) and column.type.name == "uuid":
        own = synth.primary_key[0]
        return {"column": own, "note": f"its UUID key: {synth.name}.{own}"}
    found = _synth_column(column, synth) if synth else None
    if found is not None:
        name, how = found
        guess: dict[str, Any] = {how: name, "note": f"matched {synth.name}.{name} by name and type"}
        labels = table.choices(column.name)
        if labels:
            guess["values"] = _closest(labels, synth.name, name)
            guess["note"] += "; values mapped to the closest labels: check them"
        return guess
    if column.nullable or column.default:
        return None  # the database fills it, or NULL is allowed
    return _generator(column, table)


def _closest(labels: tuple[str, ...], synth_table: str, synth_column: str) -> dict[str, str]:
    """Each known value of a synth column mapped to the nearest allowed value."""
    known = KNOWN_VALUES.get((synth_table, synth_column), ())
    return {
        value: (difflib.get_close_matches(value, labels, n=1, cutoff=0.0) or [labels[0]])[0]
        for value in known
    }


# The values the synth tables' categorical columns hold (the persona model's own lists).
KNOWN_VALUES = {
    ("jobs", "status"): ("completed", "failed", "cancelled", "running", "pending"),
    ("content", "kind"): ("regular", "auto"),
    ("accounts", "kind"): tuple(kind.value for kind in AccountKind),
    ("accounts", "type"): ("depository", "credit", "loan"),
    ("transactions", "payment_channel"): ("online", "in store", "other"),
    ("users", "signup_channel"): ("organic", "referral", "paid_ads", "partner"),
}


def _generator(column: tm.Column, table: tm.Table) -> dict[str, Any] | None:
    """A generator from the column's name and type, for a NOT NULL column nothing matched."""
    kind, name = column.type, column.name.lower()
    note = "no synth column matches: generated"
    labels = table.choices(column.name)
    if labels:
        return {"choice": dict.fromkeys(labels, 1.0), "note": f"{note}, uniform over its values"}
    if kind.name in TEXTS:
        pool = (
            "companies"
            if {"company", "org", "name"} & _words(table.name + "_" + name)
            else "last_names"
        )
        unique = (
            " (unique: check the pool is larger than the rows)"
            if (column.name,) in table.unique
            else ""
        )
        return {"pool": pool, "note": f"{note} from a Faker pool{unique}"}
    if kind.name in INTEGERS:
        return {"number": {"min": 0.0, "max": 100.0}, "note": f"{note}: a number"}
    if kind.name in NUMBERS:
        return {"number": {"min": 0.0, "max": 100.0, "digits": 2}, "note": f"{note}: a number"}
    if kind.name == "boolean":
        return {"constant": False, "note": f"{note}: a constant"}
    return None
