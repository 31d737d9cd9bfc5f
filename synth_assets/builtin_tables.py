"""synth_assets' own seven tables, as plain data (``table_model``), declared once: the
SQLAlchemy tables (``load.schema``), the generators' column order, the load order, the assets'
groups, descriptions and column schemas, and the exports all come from here.

Every table is partitioned by persona (LIST), one partition per persona: a persona is
replaced by building its new partitions bare, adding their keys and indexes, and swapping
them in, where the database validates every constraint (``load.partitions``). Keys therefore
include ``persona`` (PostgreSQL requires the partition key in unique constraints), and
foreign keys pair an id with its persona: an account's user is in the same persona.
"""

from __future__ import annotations

from synth_assets.table_model import Column, ForeignKey, Index, Schema, SqlType, Table

UUID, TEXT, DATE, TIMESTAMP, BOOLEAN, FLOAT = (
    SqlType(name) for name in ("uuid", "text", "date", "timestamp", "boolean", "double precision")
)
MONEY = SqlType("numeric", precision=14, scale=2)
TEXTS = SqlType("array", item=TEXT)
PERSONA = Column("persona", TEXT, nullable=False, comment="The persona (the partition key).")


def _refers(column: str, parent: str, parent_column: str) -> ForeignKey:
    """``column`` (with ``persona``) refers to ``parent``'s ``parent_column`` of the same
    persona."""
    return ForeignKey((column, "persona"), parent, (parent_column, "persona"))


USERS = Table(
    "users",
    (
        Column(
            "id",
            UUID,
            nullable=False,
            comment="The user's id (UUID v4, stable for the seed and persona).",
        ),
        PERSONA,
        Column(
            "username",
            TEXT,
            nullable=False,
            comment="Unique login name: name, position in the persona and a persona tag.",
        ),
        Column(
            "email",
            TEXT,
            nullable=False,
            comment="Unique email address on a reserved example domain.",
        ),
        Column("first_name", TEXT, nullable=False, comment="Given name (Faker pool)."),
        Column("last_name", TEXT, nullable=False, comment="Family name (Faker pool)."),
        Column(
            "created_at",
            TIMESTAMP,
            nullable=False,
            comment="When the user signed up (UTC; a fixed date between 2021 and 2025).",
        ),
        Column(
            "annual_income",
            MONEY,
            nullable=False,
            comment="Gross yearly income at signup, USD, bonus included; raised each year "
            "in the employer's review month.",
        ),
        Column(
            "income_band",
            TEXT,
            nullable=False,
            comment="Band of annual_income: <25k, 25k-50k, 50k-100k, 100k-200k, 200k+.",
        ),
        Column(
            "signup_channel",
            TEXT,
            nullable=False,
            comment="How the user found the app: organic, referral, paid_ads or partner.",
        ),
        Column("city", TEXT, nullable=False, comment="Home city; in-store purchases happen here."),
        Column("region", TEXT, nullable=False, comment="Home state (two letters)."),
        Column("postal_code", TEXT, nullable=False, comment="Home ZIP code."),
        Column(
            "is_fixed",
            BOOLEAN,
            nullable=False,
            comment="True for a user the persona file fixes (e.g. the demo admin).",
        ),
    ),
    primary_key=("id", "persona"),
    unique=(("email", "persona"), ("username", "persona")),
    comment="People of the persona: profile, income band, signup.",
    partitioned_by="persona",
    group="people",
)

ACCOUNTS = Table(
    "accounts",
    (
        Column("account_id", UUID, nullable=False, comment="Plaid account_id (UUID v4)."),
        Column(
            "user_id", UUID, nullable=False, indexed=True, comment="The user holding the account."
        ),
        PERSONA,
        Column(
            "kind",
            TEXT,
            nullable=False,
            comment="The persona's product: checking, savings, credit_card, student_loan, mortgage, auto_loan.",
        ),
        Column("name", TEXT, nullable=False, comment="Plaid name: the account's display name."),
        Column("official_name", TEXT, comment="Plaid official_name: the bank and product."),
        Column("mask", TEXT, comment="Plaid mask: the account number's last four digits."),
        Column("type", TEXT, nullable=False, comment="Plaid type: depository, credit or loan."),
        Column(
            "subtype",
            TEXT,
            comment="Plaid subtype (checking, savings, credit card, student, mortgage, auto).",
        ),
        Column(
            "balance_available",
            MONEY,
            comment="Plaid balances.available at the as-of date: current less pending outflows (credit: limit less current).",
        ),
        Column(
            "balance_current",
            MONEY,
            comment="Plaid balances.current at the as-of date: money held, or owed on credit and loans.",
        ),
        Column("balance_limit", MONEY, comment="Plaid balances.limit: a card's credit limit."),
        Column("iso_currency_code", TEXT, comment="Plaid iso_currency_code (USD)."),
        Column(
            "unofficial_currency_code",
            TEXT,
            comment="Plaid unofficial_currency_code (always null).",
        ),
        Column(
            "opening_balance",
            MONEY,
            nullable=False,
            comment="Balance at the window's start (or at opening, if later): current = opening -/+ posted flows.",
        ),
        Column(
            "created_at",
            TIMESTAMP,
            nullable=False,
            comment="When the account was opened (linked), UTC.",
        ),
    ),
    primary_key=("account_id", "persona"),
    foreign_keys=(_refers("user_id", "users", "id"),),
    comment="Plaid AccountBase rows: each user's depository, credit and loan accounts, with balances settled from their transactions.",
    partitioned_by="persona",
    group="banking",
)

TRANSACTIONS = Table(
    "transactions",
    (
        Column(
            "transaction_id",
            UUID,
            nullable=False,
            comment="Plaid transaction_id: the posted id, or the pending id while pending.",
        ),
        Column(
            "account_id",
            UUID,
            nullable=False,
            indexed=True,
            comment="The account it moved money on.",
        ),
        PERSONA,
        Column(
            "amount",
            MONEY,
            nullable=False,
            comment="Plaid amount, USD: positive is money out, negative money in.",
        ),
        Column("iso_currency_code", TEXT, comment="Plaid iso_currency_code (USD)."),
        Column(
            "unofficial_currency_code",
            TEXT,
            comment="Plaid unofficial_currency_code (always null).",
        ),
        Column(
            "date",
            DATE,
            nullable=False,
            comment="Plaid date: the day it posted, or, while pending, the day it happened.",
        ),
        Column("authorized_date", DATE, comment="Plaid authorized_date: the day it happened."),
        Column(
            "datetime",
            TIMESTAMP,
            comment="Plaid datetime: when it posted (pending: when it happened), UTC.",
        ),
        Column(
            "authorized_datetime",
            TIMESTAMP,
            comment="Plaid authorized_datetime: when it happened, UTC.",
        ),
        Column(
            "name",
            TEXT,
            nullable=False,
            comment="Plaid name: the statement descriptor (e.g. a chain's store and number).",
        ),
        Column(
            "merchant_name", TEXT, comment="Plaid merchant_name: the clean merchant or payer name."
        ),
        Column(
            "payment_channel",
            TEXT,
            nullable=False,
            comment="Plaid payment_channel: online, in store or other.",
        ),
        Column(
            "pending",
            BOOLEAN,
            nullable=False,
            comment="Plaid pending: true until it posts (at most five business days).",
        ),
        Column(
            "pending_transaction_id",
            UUID,
            comment="Plaid pending_transaction_id: the pending row this posted row replaced (null if never pending).",
        ),
        Column(
            "pfc_primary",
            TEXT,
            nullable=False,
            comment="Plaid personal_finance_category.primary (PFC v2).",
        ),
        Column(
            "pfc_detailed",
            TEXT,
            nullable=False,
            comment="Plaid personal_finance_category.detailed (PFC v2).",
        ),
        Column(
            "pfc_confidence_level",
            TEXT,
            comment="Plaid personal_finance_category.confidence_level.",
        ),
        Column("location_city", TEXT, comment="Plaid location.city (in-store purchases only)."),
        Column("location_region", TEXT, comment="Plaid location.region (in-store purchases only)."),
        Column(
            "location_postal_code",
            TEXT,
            comment="Plaid location.postal_code (in-store purchases only).",
        ),
        Column(
            "location_country", TEXT, comment="Plaid location.country (in-store purchases only)."
        ),
        Column("website", TEXT, comment="Plaid website: the merchant's site, when it has one."),
        Column(
            "merchant_entity_id",
            TEXT,
            comment="Plaid merchant_entity_id: one id per known chain or brand (null for a local business).",
        ),
        Column(
            "logo_url",
            TEXT,
            comment="Plaid logo_url: the known merchant's logo (null for a local business).",
        ),
        Column(
            "location_store_number",
            TEXT,
            comment="Plaid location.store_number: the store's number, for an in-store purchase whose descriptor carries one.",
        ),
    ),
    primary_key=("transaction_id", "persona"),
    foreign_keys=(_refers("account_id", "accounts", "account_id"),),
    comment="Plaid Transaction rows: payroll, rent, utilities, subscriptions, purchases, loan and card payments, transfers to savings.",
    partitioned_by="persona",
    group="banking",
)

LIABILITIES = Table(
    "liabilities",
    (
        Column(
            "account_id",
            UUID,
            nullable=False,
            comment="The credit card, student loan or mortgage account.",
        ),
        PERSONA,
        Column(
            "liability_type",
            TEXT,
            nullable=False,
            comment="Which Plaid liability it is: credit, student or mortgage.",
        ),
        Column(
            "is_overdue",
            BOOLEAN,
            comment="Plaid is_overdue: the next payment was due before the as-of date.",
        ),
        Column("last_payment_amount", MONEY, comment="Plaid last_payment_amount, USD."),
        Column("last_payment_date", DATE, comment="Plaid last_payment_date."),
        Column(
            "last_statement_issue_date",
            DATE,
            comment="Plaid last_statement_issue_date: a card's last month end.",
        ),
        Column(
            "last_statement_balance",
            MONEY,
            comment="Plaid last_statement_balance: that month's posted charges.",
        ),
        Column(
            "minimum_payment_amount",
            MONEY,
            comment="Plaid minimum_payment_amount (a loan: its level payment).",
        ),
        Column("next_payment_due_date", DATE, comment="Plaid next_payment_due_date."),
        Column(
            "apr_percentage",
            FLOAT,
            nullable=False,
            comment="The APR, percent (Plaid aprs[].apr_percentage / interest_rate_percentage).",
        ),
        Column("origination_date", DATE, comment="Plaid origination_date of a loan."),
        Column(
            "origination_principal_amount",
            MONEY,
            comment="Plaid origination_principal_amount of a loan, USD.",
        ),
        Column(
            "maturity_date",
            DATE,
            comment="When a loan is paid off (Plaid expected_payoff_date / maturity_date).",
        ),
        Column("loan_name", TEXT, comment="Plaid loan_name / loan_type_description."),
        Column(
            "ytd_interest_paid",
            MONEY,
            comment="Plaid ytd_interest_paid: this calendar year's interest, USD.",
        ),
        Column(
            "ytd_principal_paid",
            MONEY,
            comment="Plaid ytd_principal_paid: this calendar year's principal, USD.",
        ),
    ),
    primary_key=("account_id", "persona"),
    foreign_keys=(_refers("account_id", "accounts", "account_id"),),
    comment="Plaid liabilities: one row per credit card, student loan and mortgage account.",
    partitioned_by="persona",
    group="banking",
    lineage=("transactions",),  # a liability's payments and balances are its transactions'
)

CONTENT = Table(
    "content",
    (
        Column("id", UUID, nullable=False, comment="The content item's id (UUID v4)."),
        Column("user_id", UUID, nullable=False, indexed=True, comment="The user who made it."),
        PERSONA,
        Column("title", TEXT, nullable=False, comment="Title: the prompt's first phrase."),
        Column(
            "prompt",
            TEXT,
            nullable=False,
            comment="The prompt its completed job rendered (Jinja2 from the persona's phrase pools).",
        ),
        Column(
            "tags",
            TEXTS,
            nullable=False,
            comment="Tags: the item's domain, then tags from the global pool.",
        ),
        Column("image_path", TEXT, nullable=False, comment="Where the image would be stored."),
        Column(
            "kind",
            TEXT,
            nullable=False,
            comment="regular (made by the user) or auto (made for them).",
        ),
        Column(
            "created_at",
            TIMESTAMP,
            nullable=False,
            comment="When it was made, UTC (after its job completed).",
        ),
    ),
    primary_key=("id", "persona"),
    foreign_keys=(_refers("user_id", "users", "id"),),
    comment="Images users generated, with Jinja2-rendered prompts from the persona's domains.",
    partitioned_by="persona",
    group="content",
)

JOBS = Table(
    "jobs",
    (
        Column("id", UUID, nullable=False, comment="The generation job's id (UUID v4)."),
        Column(
            "content_id",
            UUID,
            indexed=True,
            comment="The content item a completed job made (null for the others).",
        ),
        Column("user_id", UUID, nullable=False, indexed=True, comment="The user who submitted it."),
        PERSONA,
        Column(
            "status",
            TEXT,
            nullable=False,
            comment="completed, failed, cancelled, running or pending (the last two: the as-of date's last hour).",
        ),
        Column("prompt", TEXT, nullable=False, comment="The prompt it rendered."),
        Column("created_at", TIMESTAMP, nullable=False, comment="When it was submitted, UTC."),
        Column("started_at", TIMESTAMP, comment="When it started, UTC (null while pending)."),
        Column(
            "completed_at",
            TIMESTAMP,
            comment="When it finished, UTC (completed, failed or cancelled).",
        ),
        Column("error_message", TEXT, comment="Why a failed job failed."),
    ),
    primary_key=("id", "persona"),
    foreign_keys=(
        _refers("content_id", "content", "id"),
        _refers("user_id", "users", "id"),
    ),
    indexes=(
        Index(
            name="one_completed_job_per_content",
            columns=("content_id", "persona"),
            unique=True,
            where="status = 'completed'",
        ),
    ),
    comment="Generation jobs: one completed job per content item plus the persona's failed / cancelled / running / pending mix.",
    partitioned_by="persona",
    group="content",
)

TRANSACTION_CHANGES = Table(
    "transaction_changes",
    (
        Column(
            "as_of", DATE, nullable=False, comment="The day the change happened (the as-of date)."
        ),
        Column(
            "transaction_id",
            UUID,
            nullable=False,
            comment="The transaction added or removed that day.",
        ),
        Column("account_id", UUID, nullable=False, indexed=True, comment="Its account."),
        PERSONA,
        Column(
            "change",
            TEXT,
            nullable=False,
            comment="added or removed, as /transactions/sync reports it.",
        ),
        Column(
            "since",
            DATE,
            comment="The day the changes start from (the persona's last publication); NULL: a reset, start over.",
        ),
    ),
    primary_key=("as_of", "transaction_id", "persona", "change"),
    foreign_keys=(_refers("account_id", "accounts", "account_id"),),
    comment="What changed in transactions since the day before the as-of date, as Plaid's /transactions/sync reports it: each added or removed transaction and its account.",
    partitioned_by="persona",
    short="changes",
    group="banking",
    lineage=("transactions",),
)


# Parents before children: the order to COPY in; reversed, the order to delete in.
SCHEMA = Schema.of((USERS, ACCOUNTS, TRANSACTIONS, LIABILITIES, CONTENT, JOBS, TRANSACTION_CHANGES))
TABLE_NAMES: tuple[str, ...] = SCHEMA.names


def columns(table: str) -> list[str]:
    """A table's columns, in the order its frames carry them and COPY writes them."""
    return SCHEMA[table].column_names
