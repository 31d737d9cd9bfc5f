"""Plaid transactions as JSON text, column by column: the exports' fast writer.

The shape still comes from ``views`` alone. For each distinct path through
``views._transaction`` (in store or not, with a merchant or not, the counterparty type of its
category primary) the view builds one object whose column values are numbered placeholders;
its JSON text, split at the placeholders, is the template for every row of that variant. Each
column is encoded to JSON once, as an Arrow string array, and the templates are filled in by
Arrow (``binary_join_element_wise``) into one buffer in the caller's row order: never a Python
object per row. A test holds the parsed text equal to ``views.transaction_objects`` for every
persona.
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
        text = pc.cast(array, pa.string())  # "YYYY-MM-DD HH:MM:SS": faster than strftime
        iso = pc.replace_substring(text, " ", "T", max_replacements=1)
        return _quoted(pc.binary_join_element_wise(iso, pa.scalar("Z"), ""))
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
    texts = comma_terminated(transactions, np.arange(len(transactions)))
    return [text[:-1] for text in texts.to_pylist()]


def comma_terminated(transactions: pd.DataFrame, order: np.ndarray) -> pa.Array:
    """The Plaid JSON text of rows ``order`` of ``transactions``, in that order, each followed
    by a comma: consecutive rows' bytes are then already a JSON array's contents (less the
    last comma), to be sliced out of the one buffer rather than joined per row."""
    paths = list(views.TRANSACTION_COLUMNS)
    store = (transactions["payment_channel"] == "in store").to_numpy()
    merchant = transactions["merchant_name"].notna().to_numpy()
    party = np.asarray(views._counterparty_types(transactions["pfc_primary"]), dtype=object)
    kind, _ = pd.factorize(party)  # the category primary shapes the text by its party alone
    variant = store.astype(np.int64) + 2 * merchant + 4 * kind
    by_variant = np.argsort(variant, kind="stable")  # rows of one variant side by side
    taken = pa.array(by_variant)
    encoded = [
        _encode(transactions[column], convert).cast(pa.large_string()).take(taken)
        for column, convert in views.TRANSACTION_COLUMNS.values()
    ]
    bounds = np.flatnonzero(np.diff(variant[by_variant])) + 1
    chunks = []
    for start, stop in zip(np.r_[0, bounds], np.r_[bounds, len(by_variant)], strict=True):
        if start == stop:
            continue
        first = by_variant[start]
        pieces, columns = _template(paths, bool(store[first]), bool(merchant[first]), party[first])
        pieces[-1] += ","
        parts = [pa.scalar(pieces[0], pa.large_string())]
        for piece, column in zip(pieces[1:], columns, strict=True):
            parts += [
                encoded[column].slice(start, stop - start),
                pa.scalar(piece, pa.large_string()),
            ]
        chunks.append(pc.binary_join_element_wise(*parts, pa.scalar("", pa.large_string())))
    if not chunks:
        return pa.array([], type=pa.large_string())
    position = np.empty_like(by_variant)
    position[by_variant] = np.arange(len(by_variant))
    return pa.chunked_array(chunks).combine_chunks().take(pa.array(position[order]))


def contiguous_bytes(texts: pa.Array, starts: np.ndarray) -> list[memoryview]:
    """The bytes of ``texts[starts[i]:starts[i + 1]]`` for each i, as views of one buffer."""
    if not pa.types.is_large_string(texts.type):
        raise TypeError(f"contiguous_bytes reads 64-bit offsets, not {texts.type}")
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset :]
    data = memoryview(texts.buffers()[2]) if len(texts) else memoryview(b"")
    bounds = offsets[starts]
    return [data[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]
