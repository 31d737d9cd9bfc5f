"""An app's own schema, as its SQLAlchemy models: the content app the FK-aware seeding tool
seeded (users, content items, the auto-generated ones apart, generation jobs) and a part that
ingests Plaid with its own names, integer cents and CHECK-constrained statuses. ``teams`` has no
synth counterpart; ``app_users.referred_by`` refers to its own table; ``teams`` and
``app_users`` refer to each other (broken at ``teams.owner_id``, nullable)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    __table_args__: ClassVar = {"comment": "Workspaces users share."}
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True, comment="Workspace name.")
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("app_users.id", use_alter=True), comment="The member who owns it."
    )


class AppUser(Base):
    __tablename__ = "app_users"
    __table_args__ = (
        sa.CheckConstraint("plan IN ('free', 'pro', 'team')", name="plan_known"),
        {"comment": "People who signed up."},
    )
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), comment="Their workspace.")
    referred_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("app_users.id"), comment="Who invited them."
    )
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, comment="Login email.")
    handle: Mapped[str] = mapped_column(sa.String(60), unique=True, comment="Public handle.")
    display_name: Mapped[str] = mapped_column(sa.String(120), comment="Full name shown.")
    plan: Mapped[str] = mapped_column(sa.String(10), comment="free, pro or team.")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class ContentItem(Base):
    __tablename__ = "content_items"
    __table_args__: ClassVar = {"comment": "Images a user made by hand."}
    id: Mapped[uuid.UUID] = mapped_column(postgresql.UUID, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_users.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    prompt: Mapped[str] = mapped_column(sa.Text, comment="The prompt it was made from.")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class ContentItemAuto(Base):
    __tablename__ = "content_items_auto"
    __table_args__: ClassVar = {"comment": "Images the app made on its own."}
    id: Mapped[uuid.UUID] = mapped_column(postgresql.UUID, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_users.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    prompt: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class GenerationJob(Base):
    __tablename__ = "generation_jobs"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'error', 'cancelled')", name="state_known"
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(postgresql.UUID, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_users.id"))
    state: Mapped[str] = mapped_column(sa.String(12))
    prompt: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class BankAccount(Base):
    __tablename__ = "bank_accounts"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('checking', 'savings', 'credit', 'loan')", name="kind_known"),
    )
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_users.id"), index=True)
    plaid_account_id: Mapped[uuid.UUID] = mapped_column(postgresql.UUID, unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10))
    balance_cents: Mapped[int] = mapped_column(sa.BigInteger, comment="Current balance, cents.")


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (sa.CheckConstraint("status IN ('posted', 'pending')", name="status_known"),)
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_accounts.id"), index=True)
    plaid_transaction_id: Mapped[uuid.UUID] = mapped_column(postgresql.UUID, unique=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, comment="Money out is positive.")
    posted_on: Mapped[dt.date] = mapped_column(sa.Date)
    description: Mapped[str] = mapped_column(sa.String(200))
    merchant: Mapped[str | None] = mapped_column(sa.String(120))
    status: Mapped[str] = mapped_column(sa.String(10))
