"""Metadata that makes a table asset readable in the UI: row count, schema, a preview."""

from __future__ import annotations

import pandas as pd
from dagster import MetadataValue, TableColumn, TableSchema

from synth_assets.builtin_tables import SCHEMA

PREVIEW_ROWS = 5
PREVIEW_CELL_CHARS = 40


def markdown_table(frame: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        text = text.replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= PREVIEW_CELL_CHARS else text[: PREVIEW_CELL_CHARS - 1] + "…"

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def column_schema(table: str) -> TableSchema:
    """The table's columns as the UI shows them: type and the description declared on the
    model (``comment``, also PostgreSQL's COMMENT ON COLUMN)."""
    model = SCHEMA[table]
    return TableSchema(
        columns=[
            TableColumn(
                c.name,
                str(c.type),
                description=f"{c.comment} (primary key)"
                if c.name in model.primary_key
                else c.comment,
            )
            for c in model.columns
        ]
    )


def table_metadata(table: str, frame: pd.DataFrame) -> dict[str, object]:
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(table),
        "preview": MetadataValue.md(markdown_table(frame.head(PREVIEW_ROWS))),
    }
