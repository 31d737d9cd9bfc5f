"""COPY a DataFrame into a table: CSV rendered by pyarrow in chunks, streamed over one COPY."""

from __future__ import annotations

import io

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql

from synth_assets import hooks
from synth_assets.load import schema
from synth_assets.prefetch import ahead

COPY_CHUNK_ROWS = 200_000


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for COPY: strings always quoted, NULLs unquoted empty (Postgres' CSV semantics)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    buffer = io.BytesIO()
    pa_csv.write_csv(
        table, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    )
    return buffer.getvalue()


def copy_frame(
    cursor: psycopg.Cursor, target: sql.Composable, table: str, frame: pd.DataFrame
) -> None:
    """COPY ``frame`` (rows of our ``table``, columns in the declared order) into ``target``."""
    copy_columns(cursor, target, schema.columns(table), frame)


def copy_columns(
    cursor: psycopg.Cursor, target: sql.Composable, cols: list[str], frame: pd.DataFrame
) -> None:
    """COPY ``frame``'s ``cols`` into ``target`` (any table: an app's too); the next chunk is
    rendered while the server ingests this one."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        target, sql.SQL(", ").join(map(sql.Identifier, cols))
    )
    chunks = (
        csv_bytes(frame[cols].iloc[start : start + COPY_CHUNK_ROWS])
        for start in range(0, len(frame), COPY_CHUNK_ROWS)
    )
    with cursor.copy(statement) as copy:
        for chunk in ahead(chunks) if len(frame) > COPY_CHUNK_ROWS else chunks:
            copy.write(chunk)
            hooks.reached("copy")
