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
    return Column("persona", Text, primary_key=True)


def _refers(column: str, target: str) -> ForeignKeyConstraint:
    """``column`` (with ``persona``) references ``target`` (``table.column``) of the same persona."""
    table = target.split(".")[0]
    return ForeignKeyConstraint([column, "persona"], [target, f"{table}.persona"])


def _money(name: str, nullable: bool = True) -> Column:
    return Column(name, Numeric(14, 2), nullable=nullable)


users = Table(
    "users",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    _persona(),
    Column("username", Text, nullable=False),
    Column("email", Text, nullable=False),
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
    UniqueConstraint("username", "persona"),
    UniqueConstraint("email", "persona"),
    **PARTITIONED,
)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", UUID(as_uuid=False), primary_key=True),
    Column("user_id", UUID(as_uuid=False), nullable=False, index=True),
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
    _refers("user_id", "users.id"),
    **PARTITIONED,
)

transactions = Table(
    "transactions",
    metadata,
    Column("transaction_id", UUID(as_uuid=False), primary_key=True),
    Column("account_id", UUID(as_uuid=False), nullable=False, index=True),
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
    Column("pending_transaction_id", UUID(as_uuid=False)),
    Column("pfc_primary", Text, nullable=False),
    Column("pfc_detailed", Text, nullable=False),
    Column("pfc_confidence_level", Text),
    Column("location_city", Text),
    Column("location_region", Text),
    Column("location_postal_code", Text),
    Column("location_country", Text),
    Column("website", Text),
    _refers("account_id", "accounts.account_id"),
    **PARTITIONED,
)

liabilities = Table(
    "liabilities",
    metadata,
    Column("account_id", UUID(as_uuid=False), primary_key=True),
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
    _money("ytd_interest_paid"),
    _money("ytd_principal_paid"),
    _refers("account_id", "accounts.account_id"),
    **PARTITIONED,
)

content = Table(
    "content",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("user_id", UUID(as_uuid=False), nullable=False, index=True),
    _persona(),
    Column("title", Text, nullable=False),
    Column("prompt", Text, nullable=False),
    Column("tags", ARRAY(Text), nullable=False),
    Column("image_path", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    _refers("user_id", "users.id"),
    **PARTITIONED,
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("content_id", UUID(as_uuid=False), index=True),
    Column("user_id", UUID(as_uuid=False), nullable=False, index=True),
    _persona(),
    Column("status", Text, nullable=False),
    Column("prompt", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("completed_at", DateTime),
    Column("error_message", Text),
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

# What changed in ``transactions`` since the day before the as-of date, as Plaid's
# /transactions/sync reports it: a removed transaction is no longer in the table, so only the
# account is a foreign key.
transaction_changes = Table(
    "transaction_changes",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("transaction_id", UUID(as_uuid=False), primary_key=True),
    Column("account_id", UUID(as_uuid=False), nullable=False, index=True),
    _persona(),
    Column("change", Text, primary_key=True),
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
