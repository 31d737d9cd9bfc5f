"""Plaid transactions as JSON text, column by column: the exports' fast writer.

The shape still comes from ``views`` alone. For each distinct path through
``views._transaction`` (``views.transaction_variants``: in store or not, with a merchant or
not, each category primary) the view builds one object whose column values are numbered
placeholders; its JSON text, split at the placeholders, is the template for every row of that
variant. Each column is then encoded to JSON once, as an Arrow string array, and the templates
are filled in by Arrow (``binary_join_element_wise``), never a Python object per row. A test
holds the parsed text equal to ``views.transaction_objects`` for every persona.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synth_assets.plaid import views

_PLACEHOLDER = "\x00{}\x00"
_TOKEN = re.compile(r'"\\u0000(\d+)\\u0000"')
_ESCAPED = '["\\\\\\x00-\\x1f]'  # a double quote, a backslash or a control character


def _quoted(array: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar('"'), array, pa.scalar('"'), "").fill_null("null")


def _by_value(column: pd.Series, convert) -> pa.Array:
    """Each distinct value converted by the view's converter and encoded once (most columns
    hold a few hundred distinct values), then taken for every row."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    converted = convert(pd.Series(uniques, dtype=column.dtype))
    text = pa.array([json.dumps(v) for v in converted] + ["null"], type=pa.string())
    return text.take(pa.array(np.where(codes < 0, len(uniques), codes)))


def _encode(column: pd.Series, convert) -> pa.Array:
    """One column as JSON text, with the values ``convert`` (a views converter) gives it."""
    if convert is views.iso_datetimes and pd.api.types.is_datetime64_any_dtype(column):
        array = pa.array(column.to_numpy(dtype="datetime64[s]"), from_pandas=True)
        return _quoted(pc.strftime(array, format="%Y-%m-%dT%H:%M:%SZ"))
    if pd.api.types.is_string_dtype(column) and column.nunique() > len(column) // 5:
        array = pa.array(column, from_pandas=True).cast(pa.string())  # ids: most are distinct
        if not pc.any(pc.match_substring_regex(array, _ESCAPED)).as_py():
            return _quoted(array)
    return _by_value(column, convert)


def _template(
    columns: list[str], in_store: bool, merchant: bool, party: str
) -> tuple[list[str], list[int]]:
    """(text pieces, column index between each pair of pieces) of one variant."""
    args: list = [_PLACEHOLDER.format(i) for i in range(len(columns))]
    if in_store:
        args[columns.index("$.payment_channel")] = "in store"
    if not merchant:
        args[columns.index("$.merchant_name")] = None
    text = json.dumps(views._transaction(*args, party), separators=(",", ":"))
    parts = _TOKEN.split(text)
    return parts[0::2], [int(i) for i in parts[1::2]]


def transaction_json(transactions: pd.DataFrame) -> list[str]:
    """Each transaction's Plaid JSON text, in row order."""
    paths = list(views.TRANSACTION_COLUMNS)
    keys = pd.DataFrame(
        {
            "store": (transactions["payment_channel"] == "in store").to_numpy(),
            "merchant": transactions["merchant_name"].notna().to_numpy(),
            "primary": transactions["pfc_primary"].fillna("").to_numpy(dtype=object),
        }
    )
    party = np.asarray(views._counterparty_types(transactions["pfc_primary"]), dtype=object)
    variant, _ = pd.factorize(pd.MultiIndex.from_frame(keys))
    order = np.argsort(variant, kind="stable")  # rows of one variant side by side
    taken = pa.array(order)
    encoded = [
        _encode(transactions[column], convert).take(taken)
        for column, convert in views.TRANSACTION_COLUMNS.values()
    ]
    bounds = np.flatnonzero(np.diff(variant[order])) + 1
    text = np.empty(len(transactions), dtype=object)
    for start, stop in zip(np.r_[0, bounds], np.r_[bounds, len(order)], strict=True):
        if start == stop:
            continue
        first = order[start]
        store, merchant = bool(keys["store"].iat[first]), bool(keys["merchant"].iat[first])
        pieces, columns = _template(paths, store, merchant, party[first])
        parts = [pa.scalar(pieces[0])]
        for piece, column in zip(pieces[1:], columns, strict=True):
            parts += [encoded[column].slice(start, stop - start), pa.scalar(piece)]
        joined = pc.binary_join_element_wise(*parts, "")
        text[order[start:stop]] = joined.to_numpy(zero_copy_only=False)
    return text.tolist()
