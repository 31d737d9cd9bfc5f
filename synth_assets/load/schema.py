"""The database schema, declared once. Generators' frames carry exactly these columns; the
loader creates the tables if missing and COPYs into them in this column order."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()


def _persona() -> Column:
    return Column("persona", Text, nullable=False, index=True)


def _money(name: str, nullable: bool = True) -> Column:
    return Column(name, Numeric(14, 2), nullable=nullable)


users = Table(
    "users",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    _persona(),
    Column("username", Text, nullable=False, unique=True),
    Column("email", Text, nullable=False, unique=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    _money("annual_income", nullable=False),
    Column("income_band", Text, nullable=False),
    Column("signup_channel", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("postal_code", Text, nullable=False),
    Column("is_fixed", Boolean, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", UUID(as_uuid=False), primary_key=True),
    Column("user_id", UUID(as_uuid=False), ForeignKey("users.id"), nullable=False, index=True),
    _persona(),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("official_name", Text),
    Column("mask", Text),
    Column("type", Text, nullable=False),
    Column("subtype", Text),
    _money("balance_available"),
    _money("balance_current"),
    _money("balance_limit"),
    Column("iso_currency_code", Text),
    Column("unofficial_currency_code", Text),
    _money("opening_balance", nullable=False),
    Column("created_at", DateTime, nullable=False),
)

transactions = Table(
    "transactions",
    metadata,
    Column("transaction_id", UUID(as_uuid=False), primary_key=True),
    Column(
        "account_id",
        UUID(as_uuid=False),
        ForeignKey("accounts.account_id"),
        nullable=False,
        index=True,
    ),
    _persona(),
    _money("amount", nullable=False),
    Column("iso_currency_code", Text),
    Column("unofficial_currency_code", Text),
    Column("date", Date, nullable=False),
    Column("authorized_date", Date),
    Column("datetime", DateTime),
    Column("authorized_datetime", DateTime),
    Column("name", Text, nullable=False),
    Column("merchant_name", Text),
    Column("payment_channel", Text, nullable=False),
    Column("pending", Boolean, nullable=False),
    Column("pfc_primary", Text, nullable=False),
    Column("pfc_detailed", Text, nullable=False),
    Column("pfc_confidence_level", Text),
    Column("location_city", Text),
    Column("location_region", Text),
    Column("location_postal_code", Text),
    Column("location_country", Text),
    Column("website", Text),
)

liabilities = Table(
    "liabilities",
    metadata,
    Column("account_id", UUID(as_uuid=False), ForeignKey("accounts.account_id"), primary_key=True),
    _persona(),
    Column("liability_type", Text, nullable=False),
    Column("is_overdue", Boolean),
    _money("last_payment_amount"),
    Column("last_payment_date", Date),
    Column("last_statement_issue_date", Date),
    _money("last_statement_balance"),
    _money("minimum_payment_amount"),
    Column("next_payment_due_date", Date),
    Column("apr_percentage", Float, nullable=False),
    Column("origination_date", Date),
    _money("origination_principal_amount"),
    Column("maturity_date", Date),
    Column("loan_name", Text),
)

content = Table(
    "content",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("user_id", UUID(as_uuid=False), ForeignKey("users.id"), nullable=False, index=True),
    _persona(),
    Column("title", Text, nullable=False),
    Column("prompt", Text, nullable=False),
    Column("tags", ARRAY(Text), nullable=False),
    Column("image_path", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("content_id", UUID(as_uuid=False), ForeignKey("content.id"), index=True),
    Column("user_id", UUID(as_uuid=False), ForeignKey("users.id"), nullable=False, index=True),
    _persona(),
    Column("status", Text, nullable=False),
    Column("prompt", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("completed_at", DateTime),
    Column("error_message", Text),
)
Index(
    "one_completed_job_per_content",
    jobs.c.content_id,
    unique=True,
    postgresql_where=jobs.c.status == "completed",
)

# Parents before children: the order to COPY in; reversed, the order to delete in.
TABLES: tuple[Table, ...] = (users, accounts, transactions, liabilities, content, jobs)
TABLE_NAMES: tuple[str, ...] = tuple(table.name for table in TABLES)


def columns(table_name: str) -> list[str]:
    return [column.name for column in metadata.tables[table_name].columns]
