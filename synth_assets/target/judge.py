"""The app's constraints, judged on its rows before anything is written: the blocking checks
of its tables' assets. Each table's findings: NOT NULL, primary and unique keys, foreign keys
among the mapped tables, varchar lengths, number ranges (integer types, numeric precision) and
enum labels (plain functions over DataFrames)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from synth_assets import table_model as tm

MAX_SHOWN = 3


def judge(schema: tm.Schema, tables: Mapping[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Every table's broken constraints (an empty list: it holds them all)."""
    return {name: list(_findings(schema[name], frame, tables)) for name, frame in tables.items()}


def _findings(table: tm.Table, frame: pd.DataFrame, tables: Mapping[str, pd.DataFrame]):
    for column in table.columns:
        if column.name not in frame.columns:
            continue
        values = frame[column.name]
        if not column.nullable and values.isna().any():
            yield f"{column.name}: {int(values.isna().sum())} rows NULL in a NOT NULL column"
        present = values.dropna()
        if column.type.length is not None:
            long = present[present.astype(str).str.len() > column.type.length]
            if len(long):
                yield f"{column.name}: {len(long)} values longer than {column.type} ({_values_shown(long)})"
        limit = tm.number_limit(column.type)
        if limit is not None and len(present):
            numbers = pd.to_numeric(present, errors="coerce")
            if column.type.name == "numeric":  # PostgreSQL rounds to the scale, then judges
                numbers = numbers.round(column.type.scale or 0)
            large = present[numbers.abs() >= limit]
            if len(large):
                yield f"{column.name}: {len(large)} values too large for {column.type} ({_values_shown(large)})"
        allowed = table.choices(column.name)
        if allowed is not None:
            stray = present[~present.isin(allowed)]
            if len(stray):
                yield f"{column.name}: values not among {list(allowed)} ({_values_shown(stray)})"
    for columns in [table.primary_key, *table.unique]:
        if columns and all(c in frame.columns for c in columns):
            repeated = frame[list(columns)].dropna().duplicated()
            if repeated.any():
                yield f"{', '.join(columns)}: {int(repeated.sum())} repeated values of a unique key"
    for key in table.foreign_keys:
        parent = tables.get(key.parent)
        if parent is None or len(key.columns) != 1 or key.columns[0] not in frame.columns:
            continue
        refers = frame[key.columns[0]].dropna()
        known = parent[key.parent_columns[0]] if key.parent_columns[0] in parent.columns else None
        if known is not None:
            dangling = refers[~refers.isin(known)]
            if len(dangling):
                yield f"{key.columns[0]}: {len(dangling)} rows refer to no {key.parent} row ({_values_shown(dangling)})"


def _values_shown(values: pd.Series) -> str:
    shown = [repr(v.item() if hasattr(v, "item") else v) for v in pd.unique(values)[:MAX_SHOWN]]
    return ", ".join(shown) + (", …" if values.nunique() > MAX_SHOWN else "")
