"""Plaid views: the exact JSON objects Plaid's API returns, built from our table rows.

One source of truth: the format checks validate these objects, and file exports write them,
so what is checked is what is shipped. Columns are converted to Python values once, vectorised
(dates to ISO strings, NaN to None), then zipped into dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from synth_assets.plaid.schema import LOCATION, PAYMENT_META

PlaidObject = dict[str, Any]
PFC_VERSION = "v2"
INCOME_PRIMARY = "INCOME"
INSTITUTION_PRIMARIES = ("LOAN_PAYMENTS", "TRANSFER_IN", "TRANSFER_OUT", "BANK_FEES")
# Templates copied per object (dict.copy is several times faster than building anew); their
# keys are the schema's, so the two cannot drift apart.
_NULL_PAYMENT_META = dict.fromkeys(PAYMENT_META["required"])
_NULL_LOCATION = dict.fromkeys(LOCATION["required"])


def values(column: pd.Series) -> list[Any]:
    """Python values of a column with NaN / NaT / pd.NA as None."""
    array = column.to_numpy(dtype=object)
    return np.where(pd.isna(column).to_numpy(), None, array).tolist()


def iso_dates(column: pd.Series) -> list[str | None]:
    """``YYYY-MM-DD`` strings (None where missing), formatted in C, not per row in Python.
    A column that is not datetime64 is passed through for the validator to judge."""
    if not pd.api.types.is_datetime64_any_dtype(column):
        return values(column)
    array = column.to_numpy(dtype="datetime64[D]")
    text = np.datetime_as_string(array, unit="D").astype(object)
    return np.where(np.isnat(array), None, text).tolist()


def iso_datetimes(column: pd.Series) -> list[str | None]:
    """``YYYY-MM-DDTHH:MM:SSZ`` strings in UTC (None where missing); non-datetime64 passed through."""
    if not pd.api.types.is_datetime64_any_dtype(column):
        return values(column)
    array = column.to_numpy(dtype="datetime64[s]")
    text = np.char.add(np.datetime_as_string(array, unit="s"), "Z").astype(object)
    return np.where(np.isnat(array), None, text).tolist()


def money(column: pd.Series) -> list[float | None]:
    """Amounts as floats rounded to cents (None where missing or not a number)."""
    return values(pd.to_numeric(column, errors="coerce").round(2))


def _counterparty_types(primary: pd.Series) -> list[str]:
    kinds = np.where(primary.to_numpy() == INCOME_PRIMARY, "income_source", "merchant")
    kinds = np.where(primary.isin(INSTITUTION_PRIMARIES).to_numpy(), "financial_institution", kinds)
    return kinds.tolist()


Converter = Callable[[pd.Series], list[Any]]

# Which column feeds which JSON path of a Transaction, and how it is converted. The view is
# built from exactly these converted columns (every other key is a constant or derived), and
# the columnar check validates them: one declaration serves both.
TRANSACTION_COLUMNS: dict[str, tuple[str, Converter]] = {
    "$.transaction_id": ("transaction_id", values),
    "$.account_id": ("account_id", values),
    "$.amount": ("amount", money),
    "$.iso_currency_code": ("iso_currency_code", values),
    "$.unofficial_currency_code": ("unofficial_currency_code", values),
    "$.date": ("date", iso_dates),
    "$.authorized_date": ("authorized_date", iso_dates),
    "$.datetime": ("datetime", iso_datetimes),
    "$.authorized_datetime": ("authorized_datetime", iso_datetimes),
    "$.name": ("name", values),
    "$.merchant_name": ("merchant_name", values),
    "$.merchant_entity_id": ("merchant_entity_id", values),
    "$.logo_url": ("logo_url", values),
    "$.website": ("website", values),
    "$.payment_channel": ("payment_channel", values),
    "$.pending": ("pending", values),
    "$.pending_transaction_id": ("pending_transaction_id", values),
    "$.location.city": ("location_city", values),
    "$.location.region": ("location_region", values),
    "$.location.postal_code": ("location_postal_code", values),
    "$.location.country": ("location_country", values),
    "$.location.store_number": ("location_store_number", values),
    "$.personal_finance_category.primary": ("pfc_primary", values),
    "$.personal_finance_category.detailed": ("pfc_detailed", values),
    "$.personal_finance_category.confidence_level": ("pfc_confidence_level", values),
}


def transaction_variants(transactions: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct path through ``transaction_objects`` (in store or not, with or
    without a merchant, each category primary): together they exercise every constant and
    derived key the view emits."""
    shape = pd.DataFrame(
        {
            "in_store": transactions["payment_channel"] == "in store",
            "merchant": transactions["merchant_name"].notna(),
            "primary": transactions["pfc_primary"],
        }
    )
    return transactions.loc[~shape.duplicated()]


def location(channel, city, region, postal_code, country, store_number) -> PlaidObject:
    """A Transaction's ``location``: the store's place for in-store rows, else all null."""
    place = _NULL_LOCATION.copy()
    if channel == "in store":
        place.update(
            city=city, region=region, postal_code=postal_code, country=country,
            store_number=store_number,
        )  # fmt: skip
    return place


def counterparties(merchant_name, party, website, logo, entity, level) -> list[PlaidObject]:
    """A Transaction's ``counterparties``: the merchant, when the row names one (with its
    logo and entity id when Plaid knows it)."""
    if not merchant_name:
        return []
    return [
        {
            "name": merchant_name,
            "type": party,
            "website": website,
            "logo_url": logo,
            "entity_id": entity,
            "confidence_level": level,
        }
    ]


def _transaction(
    transaction_id, account_id, amount, iso, unofficial, date, authorized_date, datetime,
    authorized_datetime, name, merchant_name, entity, logo, website, channel, pending,
    pending_id, city, region, postal_code, country, store_number, primary, detailed, level,
    party,
) -> PlaidObject:  # fmt: skip
    """One Transaction; parameters in TRANSACTION_COLUMNS order, then the counterparty type."""
    return {
        "transaction_id": transaction_id,
        "account_id": account_id,
        "amount": amount,
        "iso_currency_code": iso,
        "unofficial_currency_code": unofficial,
        "date": date,
        "authorized_date": authorized_date,
        "datetime": datetime,
        "authorized_datetime": authorized_datetime,
        "name": name,
        "merchant_name": merchant_name,
        "merchant_entity_id": entity,
        "logo_url": logo,
        "website": website,
        "check_number": None,
        "payment_channel": channel,
        "pending": pending,
        "pending_transaction_id": pending_id,
        "account_owner": None,
        "transaction_code": None,
        "location": location(channel, city, region, postal_code, country, store_number),
        "payment_meta": _NULL_PAYMENT_META.copy(),
        "personal_finance_category": {
            "primary": primary,
            "detailed": detailed,
            "confidence_level": level,
            "version": PFC_VERSION,
        },
        "counterparties": counterparties(merchant_name, party, website, logo, entity, level),
    }


def transaction_columns(transactions: pd.DataFrame) -> dict[str, list[Any]]:
    """The converted values feeding each JSON path, as the view puts them in the objects."""
    return {
        path: convert(transactions[column])
        for path, (column, convert) in TRANSACTION_COLUMNS.items()
    }


def transaction_objects(transactions: pd.DataFrame) -> list[PlaidObject]:
    """Plaid ``Transaction`` objects, one per row, in row order."""
    columns = transaction_columns(transactions)
    party = _counterparty_types(transactions["pfc_primary"])
    return [_transaction(*row) for row in zip(*columns.values(), party, strict=True)]


def account_objects(accounts: pd.DataFrame) -> list[PlaidObject]:
    """Plaid ``AccountBase`` objects with their ``balances``."""
    a = accounts
    columns = zip(
        a["account_id"].tolist(),
        money(a["balance_available"]),
        money(a["balance_current"]),
        money(a["balance_limit"]),
        values(a["iso_currency_code"]),
        values(a["unofficial_currency_code"]),
        values(a["mask"]),
        a["name"].tolist(),
        values(a["official_name"]),
        a["type"].tolist(),
        values(a["subtype"]),
        strict=True,
    )
    return [
        {
            "account_id": account_id,
            "balances": {
                "available": available,
                "current": current,
                "limit": limit,
                "iso_currency_code": iso,
                "unofficial_currency_code": unofficial,
            },
            "mask": mask,
            "name": name,
            "official_name": official_name,
            "type": kind,
            "subtype": subtype,
        }
        for account_id, available, current, limit, iso, unofficial, mask, name, official_name, kind, subtype in columns
    ]


def _credit(rows: pd.DataFrame) -> list[PlaidObject]:
    columns = zip(
        rows["account_id"].tolist(),
        values(rows["is_overdue"]),
        money(rows["last_payment_amount"]),
        iso_dates(rows["last_payment_date"]),
        iso_dates(rows["last_statement_issue_date"]),
        money(rows["last_statement_balance"]),
        money(rows["minimum_payment_amount"]),
        iso_dates(rows["next_payment_due_date"]),
        money(rows["apr_percentage"]),
        strict=True,
    )
    return [
        {
            "account_id": account_id,
            "aprs": [
                {
                    "apr_percentage": apr,
                    "apr_type": "purchase_apr",
                    "balance_subject_to_apr": balance,
                    "interest_charge_amount": None,
                }
            ],
            "is_overdue": overdue,
            "last_payment_amount": paid,
            "last_payment_date": paid_on,
            "last_statement_issue_date": statement_date,
            "last_statement_balance": balance,
            "minimum_payment_amount": minimum,
            "next_payment_due_date": due,
        }
        for account_id, overdue, paid, paid_on, statement_date, balance, minimum, due, apr in columns
    ]


def _loan_columns(rows: pd.DataFrame) -> zip:
    return zip(
        money(rows["ytd_interest_paid"]),
        money(rows["ytd_principal_paid"]),
        rows["account_id"].tolist(),
        values(rows["is_overdue"]),
        money(rows["last_payment_amount"]),
        iso_dates(rows["last_payment_date"]),
        money(rows["minimum_payment_amount"]),
        iso_dates(rows["next_payment_due_date"]),
        money(rows["apr_percentage"]),
        iso_dates(rows["origination_date"]),
        money(rows["origination_principal_amount"]),
        iso_dates(rows["maturity_date"]),
        values(rows["loan_name"]),
        strict=True,
    )


def _student(rows: pd.DataFrame) -> list[PlaidObject]:
    return [
        {
            "account_id": account_id,
            "account_number": None,
            "disbursement_dates": [origination] if origination else None,
            "expected_payoff_date": maturity,
            "guarantor": None,
            "interest_rate_percentage": rate,
            "is_overdue": overdue,
            "last_payment_amount": paid,
            "last_payment_date": paid_on,
            "last_statement_balance": None,
            "last_statement_issue_date": None,
            "loan_name": name,
            "loan_status": {"end_date": maturity, "type": "repayment"},
            "minimum_payment_amount": minimum,
            "next_payment_due_date": due,
            "origination_date": origination,
            "origination_principal_amount": principal,
            "outstanding_interest_amount": None,
            "payment_reference_number": None,
            "pslf_status": dict.fromkeys(
                ("estimated_eligibility_date", "payments_made", "payments_remaining")
            ),
            "repayment_plan": {"description": "Standard Repayment", "type": "standard"},
            "sequence_number": None,
            "servicer_address": dict.fromkeys(
                ("city", "region", "street", "postal_code", "country")
            ),
            "ytd_interest_paid": ytd_interest,
            "ytd_principal_paid": ytd_principal,
        }
        for ytd_interest, ytd_principal, account_id, overdue, paid, paid_on, minimum, due, rate, origination, principal, maturity, name in _loan_columns(
            rows
        )
    ]


def _mortgage(rows: pd.DataFrame) -> list[PlaidObject]:
    return [
        {
            "account_id": account_id,
            "account_number": None,
            "current_late_fee": None,
            "escrow_balance": None,
            "has_pmi": None,
            "has_prepayment_penalty": None,
            "interest_rate": {"percentage": rate, "type": "fixed"},
            "last_payment_amount": paid,
            "last_payment_date": paid_on,
            "loan_type_description": name,
            "loan_term": "30 year",
            "maturity_date": maturity,
            "next_monthly_payment": minimum,
            "next_payment_due_date": due,
            "origination_date": origination,
            "origination_principal_amount": principal,
            "past_due_amount": None,
            "property_address": dict.fromkeys(
                ("city", "country", "postal_code", "region", "street")
            ),
            "ytd_interest_paid": ytd_interest,
            "ytd_principal_paid": ytd_principal,
        }
        for ytd_interest, ytd_principal, account_id, overdue, paid, paid_on, minimum, due, rate, origination, principal, maturity, name in _loan_columns(
            rows
        )
    ]


LIABILITY_BUILDERS = {"credit": _credit, "student": _student, "mortgage": _mortgage}


def liability_objects(liabilities: pd.DataFrame) -> dict[str, list[PlaidObject]]:
    """Plaid's ``liabilities`` object: ``{credit: [...], student: [...], mortgage: [...]}``."""
    kind = liabilities["liability_type"]
    return {name: build(liabilities[kind == name]) for name, build in LIABILITY_BUILDERS.items()}
