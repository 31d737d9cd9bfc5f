"""An app's schema as its SQLAlchemy models, the way real apps write them: integer identity
keys, varchar lengths, an enum, a CHECK, a custom column type, a generated column, JSONB and an
array, a self-reference, and a two-table cycle broken at a nullable, deferrable key."""

from __future__ import annotations

import uuid
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Cents(sa.types.TypeDecorator):
    """An app's custom column type: whole cents, stored as bigint."""

    impl = sa.BigInteger
    cache_ok = True


class App(DeclarativeBase):
    pass


class Org(App):
    __tablename__ = "orgs"
    __table_args__: ClassVar = {"comment": "Companies members belong to."}
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True, comment="Display name.")
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", deferrable=True, initially="DEFERRED", use_alter=True)
    )


class Member(App):
    __tablename__ = "members"
    __table_args__ = (sa.CheckConstraint("char_length(handle) >= 3", name="handle_long_enough"),)
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("orgs.id"))
    referred_by: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    handle: Mapped[str] = mapped_column(sa.String(40), comment="Public handle, unique.")
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    status: Mapped[str] = mapped_column(
        sa.Enum("active", "invited", "closed", name="member_status"), server_default="invited"
    )
    tags: Mapped[list[str]] = mapped_column(postgresql.ARRAY(sa.Text), server_default="{}")
    profile: Mapped[dict | None] = mapped_column(postgresql.JSONB)
    handle_lower: Mapped[str] = mapped_column(sa.Text, sa.Computed("lower(handle)", persisted=True))
    joined_at: Mapped[sa.DateTime] = mapped_column(sa.DateTime(timezone=True))


class LedgerEntry(App):
    __tablename__ = "ledger_entries"
    id: Mapped[uuid.UUID] = mapped_column(postgresql.UUID, primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Cents, comment="Signed, whole cents.")
    posted_on: Mapped[sa.Date] = mapped_column(sa.Date)
    rate: Mapped[float] = mapped_column(sa.Numeric(9, 4))


class Note(App):
    """The app's own notes on members: a reload that deleted their member would take them
    along (ON DELETE CASCADE)."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    body: Mapped[str | None] = mapped_column(sa.Text)


class MemberBadge(App):
    """A composite primary key: the loader records both columns to know its rows."""

    __tablename__ = "member_badges"
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), primary_key=True)
    badge: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


# No primary key: its rows are told apart by a unique NOT NULL UUID, which the loader makes.
sa.Table(
    "devices", App.metadata,
    sa.Column("serial", postgresql.UUID, nullable=False, unique=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
    sa.Column("label", sa.Text),
)  # fmt: skip
# No key at all: the loader could not tell its rows from the app's.
sa.Table(
    "audit_log", App.metadata, sa.Column("member_id", sa.Integer),
    sa.Column("action", sa.Text, nullable=False),
)  # fmt: skip

# A cycle broken at a nullable key that is NOT deferrable (written NULL, then filled in), with
# plain integer keys SQLAlchemy creates as SERIAL.
TEAMS = sa.MetaData()
sa.Table(
    "teams", TEAMS, sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("people.id", use_alter=True)),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
)  # fmt: skip
sa.Table(
    "people", TEAMS, sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Index("people_email", "email", unique=True),
)  # fmt: skip

# Two tables referring to each other by NOT NULL, non-deferrable keys: no load order exists.
LOCKED = sa.MetaData()
sa.Table(
    "left_side", LOCKED, sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("right_id", sa.Integer, sa.ForeignKey("right_side.id", use_alter=True), nullable=False),
)  # fmt: skip
sa.Table(
    "right_side", LOCKED, sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("left_id", sa.Integer, sa.ForeignKey("left_side.id"), nullable=False),
)  # fmt: skip
