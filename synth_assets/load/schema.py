"""The database schema, declared once. Generators' frames carry exactly these columns; the
loader creates the tables if missing and COPYs into them in this column order.

Every table is partitioned by persona (LIST), one partition per persona: a persona is
replaced by building its new partitions bare, adding their keys and indexes, and swapping
them in, where the database validates every constraint (load.postgres). Keys therefore
include ``persona`` (PostgreSQL requires the partition key in unique constraints), and
foreign keys pair an id with its persona: an account's user is in the same persona.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    MetaData,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()


PARTITIONED = {"postgresql_partition_by": "LIST (persona)"}


def _persona() -> Column:
    """The partition key, part of every table's primary key."""
    return Column("persona", Text, primary_key=True, comment="The persona (the partition key).")


def _refers(column: str, target: str) -> ForeignKeyConstraint:
    """``column`` (with ``persona``) references ``target`` (``table.column``) of the same persona."""
    table = target.split(".")[0]
    return ForeignKeyConstraint([column, "persona"], [target, f"{table}.persona"])


def _money(name: str, nullable: bool = True, comment: str | None = None) -> Column:
    return Column(name, Numeric(14, 2), nullable=nullable, comment=comment)


users = Table(
    "users",
    metadata,
    Column(
        "id",
        UUID(as_uuid=False),
        primary_key=True,
        comment="The user's id (UUID v4, stable for the seed and persona).",
    ),
    _persona(),
    Column(
        "username",
        Text,
        nullable=False,
        comment="Unique login name: name, position in the persona and a persona tag.",
    ),
    Column(
        "email", Text, nullable=False, comment="Unique email address on a reserved example domain."
    ),
    Column("first_name", Text, nullable=False, comment="Given name (Faker pool)."),
    Column("last_name", Text, nullable=False, comment="Family name (Faker pool)."),
    Column(
        "created_at",
        DateTime,
        nullable=False,
        comment="When the user signed up (UTC; a fixed date between 2021 and 2025).",
    ),
    _money(
        "annual_income",
        nullable=False,
        comment="Yearly income at signup, USD (raised yearly on the signup's anniversary).",
    ),
    Column(
        "income_band",
        Text,
        nullable=False,
        comment="Band of annual_income: <25k, 25k-50k, 50k-100k, 100k-200k, 200k+.",
    ),
    Column(
        "signup_channel",
        Text,
        nullable=False,
        comment="How the user found the app: organic, referral, paid_ads or partner.",
    ),
    Column("city", Text, nullable=False, comment="Home city; in-store purchases happen here."),
    Column("region", Text, nullable=False, comment="Home state (two letters)."),
    Column("postal_code", Text, nullable=False, comment="Home ZIP code."),
    Column(
        "is_fixed",
        Boolean,
        nullable=False,
        comment="True for a user the persona file fixes (e.g. the demo admin).",
    ),
    UniqueConstraint("username", "persona"),
    UniqueConstraint("email", "persona"),
    **PARTITIONED,
)

accounts = Table(
    "accounts",
    metadata,
    Column(
        "account_id", UUID(as_uuid=False), primary_key=True, comment="Plaid account_id (UUID v4)."
    ),
    Column(
        "user_id",
        UUID(as_uuid=False),
        nullable=False,
        index=True,
        comment="The user holding the account.",
    ),
    _persona(),
    Column(
        "kind",
        Text,
        nullable=False,
        comment="The persona's product: checking, savings, credit_card, student_loan, mortgage, auto_loan.",
    ),
    Column("name", Text, nullable=False, comment="Plaid name: the account's display name."),
    Column("official_name", Text, comment="Plaid official_name: the bank and product."),
    Column("mask", Text, comment="Plaid mask: the account number's last four digits."),
    Column("type", Text, nullable=False, comment="Plaid type: depository, credit or loan."),
    Column(
        "subtype",
        Text,
        comment="Plaid subtype (checking, savings, credit card, student, mortgage, auto).",
    ),
    _money(
        "balance_available",
        comment="Plaid balances.available at the as-of date: current less pending outflows (credit: limit less current).",
    ),
    _money(
        "balance_current",
        comment="Plaid balances.current at the as-of date: money held, or owed on credit and loans.",
    ),
    _money("balance_limit", comment="Plaid balances.limit: a card's credit limit."),
    Column("iso_currency_code", Text, comment="Plaid iso_currency_code (USD)."),
    Column(
        "unofficial_currency_code", Text, comment="Plaid unofficial_currency_code (always null)."
    ),
    _money(
        "opening_balance",
        nullable=False,
        comment="Balance at the window's start (or at opening, if later): current = opening -/+ posted flows.",
    ),
    Column(
        "created_at", DateTime, nullable=False, comment="When the account was opened (linked), UTC."
    ),
    _refers("user_id", "users.id"),
    **PARTITIONED,
)

transactions = Table(
    "transactions",
    metadata,
    Column(
        "transaction_id",
        UUID(as_uuid=False),
        primary_key=True,
        comment="Plaid transaction_id: the posted id, or the pending id while pending.",
    ),
    Column(
        "account_id",
        UUID(as_uuid=False),
        nullable=False,
        index=True,
        comment="The account it moved money on.",
    ),
    _persona(),
    _money(
        "amount",
        nullable=False,
        comment="Plaid amount, USD: positive is money out, negative money in.",
    ),
    Column("iso_currency_code", Text, comment="Plaid iso_currency_code (USD)."),
    Column(
        "unofficial_currency_code", Text, comment="Plaid unofficial_currency_code (always null)."
    ),
    Column(
        "date",
        Date,
        nullable=False,
        comment="Plaid date: the day it posted, or, while pending, the day it happened.",
    ),
    Column("authorized_date", Date, comment="Plaid authorized_date: the day it happened."),
    Column(
        "datetime",
        DateTime,
        comment="Plaid datetime: when it posted (pending: when it happened), UTC.",
    ),
    Column(
        "authorized_datetime", DateTime, comment="Plaid authorized_datetime: when it happened, UTC."
    ),
    Column(
        "name",
        Text,
        nullable=False,
        comment="Plaid name: the statement descriptor (e.g. a chain's store and number).",
    ),
    Column("merchant_name", Text, comment="Plaid merchant_name: the clean merchant or payer name."),
    Column(
        "payment_channel",
        Text,
        nullable=False,
        comment="Plaid payment_channel: online, in store or other.",
    ),
    Column(
        "pending",
        Boolean,
        nullable=False,
        comment="Plaid pending: true until it posts (at most five business days).",
    ),
    Column(
        "pending_transaction_id",
        UUID(as_uuid=False),
        comment="Plaid pending_transaction_id: the pending row this posted row replaced (null if never pending).",
    ),
    Column(
        "pfc_primary",
        Text,
        nullable=False,
        comment="Plaid personal_finance_category.primary (PFC v2).",
    ),
    Column(
        "pfc_detailed",
        Text,
        nullable=False,
        comment="Plaid personal_finance_category.detailed (PFC v2).",
    ),
    Column(
        "pfc_confidence_level", Text, comment="Plaid personal_finance_category.confidence_level."
    ),
    Column("location_city", Text, comment="Plaid location.city (in-store purchases only)."),
    Column("location_region", Text, comment="Plaid location.region (in-store purchases only)."),
    Column(
        "location_postal_code",
        Text,
        comment="Plaid location.postal_code (in-store purchases only).",
    ),
    Column("location_country", Text, comment="Plaid location.country (in-store purchases only)."),
    Column("website", Text, comment="Plaid website: the merchant's site, when it has one."),
    _refers("account_id", "accounts.account_id"),
    **PARTITIONED,
)

liabilities = Table(
    "liabilities",
    metadata,
    Column(
        "account_id",
        UUID(as_uuid=False),
        primary_key=True,
        comment="The credit card, student loan or mortgage account.",
    ),
    _persona(),
    Column(
        "liability_type",
        Text,
        nullable=False,
        comment="Which Plaid liability it is: credit, student or mortgage.",
    ),
    Column(
        "is_overdue",
        Boolean,
        comment="Plaid is_overdue: the next payment was due before the as-of date.",
    ),
    _money("last_payment_amount", comment="Plaid last_payment_amount, USD."),
    Column("last_payment_date", Date, comment="Plaid last_payment_date."),
    Column(
        "last_statement_issue_date",
        Date,
        comment="Plaid last_statement_issue_date: a card's last month end.",
    ),
    _money(
        "last_statement_balance",
        comment="Plaid last_statement_balance: that month's posted charges.",
    ),
    _money(
        "minimum_payment_amount",
        comment="Plaid minimum_payment_amount (a loan: its level payment).",
    ),
    Column("next_payment_due_date", Date, comment="Plaid next_payment_due_date."),
    Column(
        "apr_percentage",
        Float,
        nullable=False,
        comment="The APR, percent (Plaid aprs[].apr_percentage / interest_rate_percentage).",
    ),
    Column("origination_date", Date, comment="Plaid origination_date of a loan."),
    _money(
        "origination_principal_amount", comment="Plaid origination_principal_amount of a loan, USD."
    ),
    Column(
        "maturity_date",
        Date,
        comment="When a loan is paid off (Plaid expected_payoff_date / maturity_date).",
    ),
    Column("loan_name", Text, comment="Plaid loan_name / loan_type_description."),
    _money(
        "ytd_interest_paid", comment="Plaid ytd_interest_paid: this calendar year's interest, USD."
    ),
    _money(
        "ytd_principal_paid",
        comment="Plaid ytd_principal_paid: this calendar year's principal, USD.",
    ),
    _refers("account_id", "accounts.account_id"),
    **PARTITIONED,
)

content = Table(
    "content",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True, comment="The content item's id (UUID v4)."),
    Column(
        "user_id", UUID(as_uuid=False), nullable=False, index=True, comment="The user who made it."
    ),
    _persona(),
    Column("title", Text, nullable=False, comment="Title: the prompt's first phrase."),
    Column(
        "prompt",
        Text,
        nullable=False,
        comment="The prompt its completed job rendered (Jinja2 from the persona's phrase pools).",
    ),
    Column(
        "tags",
        ARRAY(Text),
        nullable=False,
        comment="Tags: the item's domain, then tags from the global pool.",
    ),
    Column("image_path", Text, nullable=False, comment="Where the image would be stored."),
    Column(
        "kind", Text, nullable=False, comment="regular (made by the user) or auto (made for them)."
    ),
    Column(
        "created_at",
        DateTime,
        nullable=False,
        comment="When it was made, UTC (after its job completed).",
    ),
    _refers("user_id", "users.id"),
    **PARTITIONED,
)

jobs = Table(
    "jobs",
    metadata,
    Column(
        "id", UUID(as_uuid=False), primary_key=True, comment="The generation job's id (UUID v4)."
    ),
    Column(
        "content_id",
        UUID(as_uuid=False),
        index=True,
        comment="The content item a completed job made (null for the others).",
    ),
    Column(
        "user_id",
        UUID(as_uuid=False),
        nullable=False,
        index=True,
        comment="The user who submitted it.",
    ),
    _persona(),
    Column(
        "status",
        Text,
        nullable=False,
        comment="completed, failed, cancelled, running or pending (the last two: the as-of date's last hour).",
    ),
    Column("prompt", Text, nullable=False, comment="The prompt it rendered."),
    Column("created_at", DateTime, nullable=False, comment="When it was submitted, UTC."),
    Column("started_at", DateTime, comment="When it started, UTC (null while pending)."),
    Column(
        "completed_at", DateTime, comment="When it finished, UTC (completed, failed or cancelled)."
    ),
    Column("error_message", Text, comment="Why a failed job failed."),
    _refers("content_id", "content.id"),
    _refers("user_id", "users.id"),
    **PARTITIONED,
)
Index(
    "one_completed_job_per_content",
    jobs.c.content_id,
    jobs.c.persona,
    unique=True,
    postgresql_where=text("status = 'completed'"),
)

# What changed in ``transactions`` since the day the changes start from, as Plaid's
# /transactions/sync reports it: a removed transaction is no longer in the table, so only the
# account is a foreign key.
transaction_changes = Table(
    "transaction_changes",
    metadata,
    Column(
        "as_of", Date, primary_key=True, comment="The day the change happened (the as-of date)."
    ),
    Column(
        "transaction_id",
        UUID(as_uuid=False),
        primary_key=True,
        comment="The transaction added or removed that day.",
    ),
    Column("account_id", UUID(as_uuid=False), nullable=False, index=True, comment="Its account."),
    _persona(),
    Column(
        "change",
        Text,
        primary_key=True,
        comment="added or removed, as /transactions/sync reports it.",
    ),
    Column(
        "since",
        Date,
        comment="The day the changes start from (the persona's last publication); NULL: a "
        "reset, start over.",
    ),
    _refers("account_id", "accounts.account_id"),
    info={"short": "changes"},  # staged tables' names (and their keys') fit in 63 bytes
    **PARTITIONED,
)

# Parents before children: the order to COPY in; reversed, the order to delete in.
TABLES: tuple[Table, ...] = (
    users, accounts, transactions, liabilities, content, jobs, transaction_changes,
)  # fmt: skip
TABLE_NAMES: tuple[str, ...] = tuple(table.name for table in TABLES)


def short_name(table_name: str) -> str:
    """The table's name in names PostgreSQL limits to 63 bytes (staged tables, their keys)."""
    return metadata.tables[table_name].info.get("short", table_name)


def columns(table_name: str) -> list[str]:
    return [column.name for column in metadata.tables[table_name].columns]
