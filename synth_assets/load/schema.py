"""The database schema as SQLAlchemy tables, built from the plain model of synth_assets' own
tables (``builtin_tables``, where they are declared). The loader creates the tables if
missing and COPYs into them in this column order."""

from __future__ import annotations

from sqlalchemy import Table

from synth_assets import builtin_tables
from synth_assets.builtin_tables import TABLE_NAMES, columns
from synth_assets.load.model_sql import make_metadata

metadata = make_metadata(builtin_tables.SCHEMA)
# Parents before children: the order to COPY in; reversed, the order to delete in.
TABLES: tuple[Table, ...] = tuple(metadata.tables[name] for name in TABLE_NAMES)

__all__ = ["TABLES", "TABLE_NAMES", "columns", "metadata", "short_name"]


def short_name(table_name: str) -> str:
    """The table's name in names PostgreSQL limits to 63 bytes (staged tables, their keys)."""
    return builtin_tables.SCHEMA[table_name].short or table_name
