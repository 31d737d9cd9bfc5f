"""JSON Schemas (draft 7) of the Plaid objects synth_assets emits, written from Plaid's API
reference (version 2020-09-14): required keys, nullability, types, enums, formats, and no
keys Plaid does not define.

Three rules of Plaid's that its OpenAPI file cannot state are encoded here as well, so one
validator pass finds them: the category pair is in the PFC v2 taxonomy, exactly one currency
code is set, and an account's subtype belongs to its type.
"""

from __future__ import annotations

from typing import Any

from synth_assets.plaid.taxonomy import PFC_V2

Schema = dict[str, Any]

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
DATETIME = {
    "type": "string",
    "format": "date-time",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}",
}
STRING = {"type": "string"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}

PAYMENT_CHANNELS = ["online", "in store", "other"]
TRANSACTION_CODES = [
    "adjustment",
    "atm",
    "bank charge",
    "bill payment",
    "cash",
    "cashback",
    "cheque",
    "direct debit",
    "interest",
    "payment",
    "purchase",
    "refund",
    "standing order",
    "transfer",
]
CONFIDENCE_LEVELS = ["VERY_HIGH", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
COUNTERPARTY_TYPES = [
    "merchant",
    "financial_institution",
    "payment_app",
    "marketplace",
    "payment_terminal",
    "income_source",
]
SUBTYPES: dict[str, list[str]] = {
    "depository": [
        "checking",
        "savings",
        "hsa",
        "cd",
        "money market",
        "paypal",
        "prepaid",
        "cash management",
        "ebt",
    ],
    "credit": ["credit card", "paypal"],
    "loan": [
        "auto",
        "business",
        "commercial",
        "construction",
        "consumer",
        "home equity",
        "loan",
        "mortgage",
        "overdraft",
        "line of credit",
        "student",
        "other",
    ],
}
# Types whose subtypes Plaid does not tie to the type, and the subtypes only they use.
UNCHECKED_TYPES = ["investment", "brokerage", "other"]
INVESTMENT_SUBTYPES = [
    "401a",
    "401k",
    "403B",
    "457b",
    "529",
    "brokerage",
    "cash isa",
    "crypto exchange",
    "education savings account",
    "fhsa",
    "fixed annuity",
    "gic",
    "health reimbursement arrangement",
    "isa",
    "ira",
    "keogh",
    "lif",
    "life insurance",
    "limited purpose checking",
    "lira",
    "lrif",
    "lrsp",
    "mutual fund",
    "non-custodial wallet",
    "non-taxable brokerage account",
    "other",
    "other insurance",
    "other annuity",
    "payroll",
    "pension",
    "prif",
    "profit sharing plan",
    "qshr",
    "rdsp",
    "resp",
    "retirement",
    "rlif",
    "roth",
    "roth 401k",
    "roth 403B",
    "roth 457b",
    "roth pension",
    "roth profit sharing plan",
    "roth thrift savings plan",
    "rrif",
    "rrsp",
    "sarsep",
    "sep ira",
    "simple ira",
    "sipp",
    "stock plan",
    "thrift savings plan",
    "tfsa",
    "trust",
    "ugma",
    "utma",
    "variable annuity",
]
ALL_SUBTYPES = sorted({s for subs in SUBTYPES.values() for s in subs} | set(INVESTMENT_SUBTYPES))
APR_TYPES = ["balance_transfer_apr", "cash_apr", "purchase_apr", "special"]


def nullable(schema: Schema) -> Schema:
    """The same schema, also admitting null (OpenAPI's ``nullable: true``)."""
    if "enum" in schema:
        return {**schema, "type": [schema["type"], "null"], "enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(
    required: dict[str, Schema], optional: dict[str, Schema] | None = None, **extra: Any
) -> Schema:
    """A closed object: every key in ``required`` must be present, no unknown key allowed."""
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
        **extra,
    }


def enum(values: list[str]) -> Schema:
    return {"type": "string", "enum": values}


def _exactly_one_currency(prefix: str = "") -> Schema:
    """Exactly one of iso_currency_code / unofficial_currency_code is non-null."""
    iso, unofficial = f"{prefix}iso_currency_code", f"{prefix}unofficial_currency_code"
    return {
        "oneOf": [
            {"properties": {iso: STRING, unofficial: {"type": "null"}}},
            {"properties": {iso: {"type": "null"}, unofficial: STRING}},
        ]
    }


def _category_pairs() -> list[Schema]:
    """If primary is P then detailed is one of P's detailed categories (PFC v2)."""
    return [
        {
            "if": {"properties": {"primary": {"const": primary}}},
            "then": {"properties": {"detailed": {"enum": sorted(details)}}},
        }
        for primary, details in sorted(PFC_V2.items())
    ]


PERSONAL_FINANCE_CATEGORY = obj(
    {"primary": enum(sorted(PFC_V2)), "detailed": STRING},
    {"confidence_level": nullable(enum(CONFIDENCE_LEVELS)), "version": enum(["v1", "v2"])},
    allOf=_category_pairs(),
)

LOCATION = obj(
    {
        "address": nullable(STRING),
        "city": nullable(STRING),
        "region": nullable(STRING),
        "postal_code": nullable(STRING),
        "country": nullable(STRING),
        "lat": nullable(NUMBER),
        "lon": nullable(NUMBER),
        "store_number": nullable(STRING),
    }
)

PAYMENT_META = obj(
    {
        key: nullable(STRING)
        for key in (
            "reference_number",
            "ppd_id",
            "payee",
            "by_order_of",
            "payer",
            "payment_method",
            "payment_processor",
            "reason",
        )
    }
)

COUNTERPARTY = obj(
    {
        "name": STRING,
        "type": enum(COUNTERPARTY_TYPES),
        "website": nullable(STRING),
        "logo_url": nullable(STRING),
    },
    {
        "entity_id": nullable(STRING),
        "confidence_level": nullable(enum(CONFIDENCE_LEVELS)),
        "account_numbers": {"type": ["object", "null"]},
    },
)

TRANSACTION = obj(
    {
        "transaction_id": STRING,
        "account_id": STRING,
        "amount": NUMBER,
        "iso_currency_code": nullable(STRING),
        "unofficial_currency_code": nullable(STRING),
        "date": DATE,
        "authorized_date": nullable(DATE),
        "datetime": nullable(DATETIME),
        "authorized_datetime": nullable(DATETIME),
        "name": STRING,
        "payment_channel": enum(PAYMENT_CHANNELS),
        "pending": BOOLEAN,
        "pending_transaction_id": nullable(STRING),
        "account_owner": nullable(STRING),
        "location": LOCATION,
        "payment_meta": PAYMENT_META,
        "transaction_code": nullable(enum(TRANSACTION_CODES)),
    },
    {
        "merchant_name": nullable(STRING),
        "merchant_entity_id": nullable(STRING),
        "check_number": nullable(STRING),
        "logo_url": nullable(STRING),
        "website": nullable(STRING),
        "original_description": nullable(STRING),
        "personal_finance_category": {**PERSONAL_FINANCE_CATEGORY, "type": ["object", "null"]},
        "personal_finance_category_icon_url": STRING,
        "business_finance_category": {"type": ["object", "null"]},
        "client_customization": {"type": ["object", "null"]},
        "counterparties": {"type": "array", "items": COUNTERPARTY},
        # Deprecated by Plaid but still in its responses: accepted, never emitted by us.
        "category": {"type": ["array", "null"], "items": STRING},
        "category_id": nullable(STRING),
        "transaction_type": enum(["digital", "place", "special", "unresolved"]),
    },
    allOf=[_exactly_one_currency()],
)

BALANCES = obj(
    {
        "available": nullable(NUMBER),
        "current": nullable(NUMBER),
        "limit": nullable(NUMBER),
        "iso_currency_code": nullable(STRING),
        "unofficial_currency_code": nullable(STRING),
    },
    {"last_updated_datetime": nullable(DATETIME)},
    allOf=[_exactly_one_currency()],
)

ACCOUNT = obj(
    {
        "account_id": STRING,
        "balances": BALANCES,
        "mask": nullable(STRING),
        "name": STRING,
        "official_name": nullable(STRING),
        "type": enum(sorted([*SUBTYPES, *UNCHECKED_TYPES])),
        "subtype": nullable(enum(ALL_SUBTYPES)),
    },
    {
        "verification_status": STRING,
        "verification_name": STRING,
        "persistent_account_id": STRING,
        "holder_category": nullable(STRING),
        "verification_insights": {"type": ["object", "null"]},
    },
    allOf=[
        {
            "if": {"properties": {"type": {"const": kind}}},
            "then": {"properties": {"subtype": {"enum": [*subtypes, None]}}},
        }
        for kind, subtypes in SUBTYPES.items()
    ],
)

APR = obj(
    {
        "apr_percentage": NUMBER,
        "apr_type": enum(APR_TYPES),
        "balance_subject_to_apr": nullable(NUMBER),
        "interest_charge_amount": nullable(NUMBER),
    }
)

CREDIT = obj(
    {
        "account_id": nullable(STRING),
        "aprs": {"type": "array", "items": APR},
        "is_overdue": nullable(BOOLEAN),
        "last_payment_amount": nullable(NUMBER),
        "last_payment_date": nullable(DATE),
        "last_statement_issue_date": nullable(DATE),
        "last_statement_balance": nullable(NUMBER),
        "minimum_payment_amount": nullable(NUMBER),
        "next_payment_due_date": nullable(DATE),
    }
)

_ADDRESS = {key: nullable(STRING) for key in ("city", "region", "street", "postal_code", "country")}
STUDENT_LOAN_STATUSES = [
    "cancelled",
    "charged off",
    "claim",
    "consolidated",
    "deferment",
    "delinquent",
    "discharged",
    "extension",
    "forbearance",
    "in grace",
    "in military",
    "in school",
    "not fully disbursed",
    "other",
    "paid in full",
    "refunded",
    "repayment",
    "transferred",
    "pending idr",
]
REPAYMENT_PLANS = [
    "extended graduated",
    "extended standard",
    "graduated",
    "income-contingent repayment",
    "income-based repayment",
    "income-sensitive repayment",
    "interest-only",
    "other",
    "pay as you earn",
    "revised pay as you earn",
    "standard",
    "saving on a valuable education",
]

STUDENT = obj(
    {
        **{
            key: nullable(STRING)
            for key in (
                "account_id",
                "account_number",
                "guarantor",
                "loan_name",
                "payment_reference_number",
                "sequence_number",
            )
        },
        **{
            key: nullable(DATE)
            for key in (
                "expected_payoff_date",
                "last_payment_date",
                "last_statement_issue_date",
                "next_payment_due_date",
                "origination_date",
            )
        },
        **{
            key: nullable(NUMBER)
            for key in (
                "last_payment_amount",
                "minimum_payment_amount",
                "origination_principal_amount",
                "outstanding_interest_amount",
                "ytd_interest_paid",
                "ytd_principal_paid",
            )
        },
        "disbursement_dates": {"type": ["array", "null"], "items": DATE},
        "interest_rate_percentage": NUMBER,
        "is_overdue": nullable(BOOLEAN),
        "loan_status": obj(
            {"end_date": nullable(DATE), "type": nullable(enum(STUDENT_LOAN_STATUSES))}
        ),
        "repayment_plan": obj(
            {"description": nullable(STRING), "type": nullable(enum(REPAYMENT_PLANS))}
        ),
        "servicer_address": obj(_ADDRESS),
        # Deprecated by Plaid yet still required by its schema and present in its responses.
        "pslf_status": obj(
            {
                "estimated_eligibility_date": nullable(DATE),
                "payments_made": nullable({"type": "integer"}),
                "payments_remaining": nullable({"type": "integer"}),
            }
        ),
    },
    {"last_statement_balance": nullable(NUMBER)},
)

MORTGAGE = obj(
    {
        "account_id": STRING,
        **{
            key: nullable(STRING)
            for key in ("account_number", "loan_type_description", "loan_term")
        },
        **{
            key: nullable(NUMBER)
            for key in (
                "current_late_fee",
                "escrow_balance",
                "last_payment_amount",
                "next_monthly_payment",
                "origination_principal_amount",
                "past_due_amount",
                "ytd_interest_paid",
                "ytd_principal_paid",
            )
        },
        **{key: nullable(BOOLEAN) for key in ("has_pmi", "has_prepayment_penalty")},
        **{
            key: nullable(DATE)
            for key in (
                "last_payment_date",
                "maturity_date",
                "next_payment_due_date",
                "origination_date",
            )
        },
        "interest_rate": obj({"percentage": nullable(NUMBER), "type": nullable(STRING)}),
        "property_address": obj(_ADDRESS),
    }
)

SCHEMAS: dict[str, Schema] = {
    "transaction": TRANSACTION,
    "account": ACCOUNT,
    "credit": CREDIT,
    "student": STUDENT,
    "mortgage": MORTGAGE,
}
