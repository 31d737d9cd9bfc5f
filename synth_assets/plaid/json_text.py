"""Plaid transactions as JSON text, column by column: the exports' fast writer.

The shape still comes from ``views`` alone. The view builds one transaction whose column
values are numbered placeholders; its JSON text, split at the placeholders, is the template
for every row. The two parts of the object whose shape varies by row are filled from the
view's own helpers: the location (the view's text for a row in store, with the place columns
nulled on the other rows, as the view leaves them out there) and the counterparties (a
segment of its own: the merchant's object, or an empty list). Each column is encoded to JSON
once, as an Arrow string array (the same text ``json.dumps`` gives, whichever way a column
is encoded), and the template is filled in by Arrow (``binary_join_element_wise``) into one
buffer in row order: never a Python object per row. ``grouped_bytes`` does it a batch of rows
at a time, so a shard's Plaid text never sits whole in memory. A test holds the parsed text
equal to ``views.transaction_objects`` for every persona.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synth_assets.plaid import views

_PLACEHOLDER = "\x00{}\x00"
_TOKEN = re.compile(r'"\\u0000(\d+)\\u0000"')
# What json.dumps escapes: a double quote, a backslash, and anything but printable ASCII.
_ESCAPED = '["\\\\]|[^\\x20-\\x7e]'
_PATHS = list(views.TRANSACTION_COLUMNS)
PARTY, COUNTERPARTIES = len(_PATHS), len(_PATHS) + 1  # the template's own two slots
LOCATION_KEYS = ("city", "region", "postal_code", "country", "store_number")
STORE = "in store"
_LEVEL = "$.personal_finance_category.confidence_level"
# Rows encoded at a time by ``grouped_bytes``: a shard's text is about 1.3 KB a row, and its
# encoding holds the columns' text beside it, so one buffer per shard would grow with the
# shard (a reset's sync pages and the Plaid documents are two of them at once).
BATCH_ROWS = 50_000


def _quoted(array: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar('"'), array, pa.scalar('"'), "").fill_null("null")


def by_value(column: pd.Series, convert) -> pa.Array:
    """Each distinct value converted by the view's converter and encoded once (most columns
    hold a few hundred distinct values), then taken for every row."""
    return _taken(*pd.factorize(column, use_na_sentinel=True), column.dtype, convert)


def _taken(codes: np.ndarray, uniques, dtype, convert) -> pa.Array:
    converted = convert(pd.Series(uniques, dtype=dtype))
    text = pa.array([json.dumps(v) for v in converted] + ["null"], type=pa.string())
    return text.take(pa.array(np.where(codes < 0, len(uniques), codes)))


def encode(column: pd.Series, convert) -> pa.Array:
    """One column as JSON text, with the values ``convert`` (a views converter) gives it."""
    if convert is views.iso_datetimes and pd.api.types.is_datetime64_any_dtype(column):
        array = pa.array(column.to_numpy(dtype="datetime64[s]"), from_pandas=True)
        text = pc.cast(array, pa.string())  # "YYYY-MM-DD HH:MM:SS": faster than strftime
        iso = pc.replace_substring(text, " ", "T", max_replacements=1)
        return _quoted(pc.binary_join_element_wise(iso, pa.scalar("Z"), ""))
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if pd.api.types.is_string_dtype(column) and len(uniques) > len(column) // 5:
        array = pa.array(column, from_pandas=True).cast(pa.string())  # ids: most are distinct
        if not pc.any(pc.match_substring_regex(array, _ESCAPED)).as_py():  # the same text
            return _quoted(array)
    return _taken(codes, uniques, column.dtype, convert)


def dumps(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"the view's text holds {old!r} {text.count(old)} times, not once")
    return text.replace(old, new)


def slot(index: int) -> str:
    """The placeholder of slot ``index``: a value whose JSON text ``template`` splits at."""
    return _PLACEHOLDER.format(index)


def template(text: str) -> Template:
    """JSON text (of an object whose values include ``slot`` placeholders) as a Template."""
    parts = _TOKEN.split(text)
    return Template(parts[0::2], [int(i) for i in parts[1::2]])


class Template(NamedTuple):
    """JSON text split at its placeholders: ``pieces[i]``, then slot ``slots[i]``'s value."""

    pieces: list[str]
    slots: list[int]


@functools.cache
def _templates() -> tuple[Template, Template, str]:
    """The transaction's text with a slot per column, and two slots of its own: the
    counterparty type and the ``counterparties`` segment; that segment's text for a row with
    a merchant, and for one without. Built from the view's own functions: the location as the
    view writes it for a row in store (its columns are nulled for other rows, as the view
    leaves them out there), the counterparties as the view writes them for a merchant."""
    at = {path: slot(i) for i, path in enumerate(_PATHS)}
    party, segment = slot(PARTY), slot(COUNTERPARTIES)
    text = dumps(views._transaction(*at.values(), party))
    place = [at[f"$.location.{key}"] for key in LOCATION_KEYS]
    text = _replace_once(
        text,
        dumps(views.location(at["$.payment_channel"], *place)),
        dumps(views.location(STORE, *place)),
    )
    merchant = (
        at["$.merchant_name"], party, at["$.website"], at["$.logo_url"],
        at["$.merchant_entity_id"], at[_LEVEL],
    )  # fmt: skip
    with_merchant = dumps(views.counterparties(*merchant))
    text = _replace_once(text, with_merchant, dumps(segment))
    return template(text), template(with_merchant), dumps(views.counterparties(None, *merchant[1:]))


def contiguous(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array of 64-bit offsets (pandas' Arrow-backed columns arrive in chunks)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def fill(shape: Template, slots: list[pa.Array], rows: int) -> pa.Array:
    """The template filled in, row by row, from one JSON-text array per slot."""
    parts: list = [pa.scalar(shape.pieces[0], pa.large_string())]
    for piece, index in zip(shape.pieces[1:], shape.slots, strict=True):
        parts += [slots[index], pa.scalar(piece, pa.large_string())]
    if rows == 0:
        return pa.array([], type=pa.large_string())
    return pc.binary_join_element_wise(*parts, pa.scalar("", pa.large_string()))


def transaction_json(transactions: pd.DataFrame) -> list[str]:
    """Each transaction's Plaid JSON text, in row order."""
    return [text[:-1] for text in comma_terminated(transactions).to_pylist()]


def comma_terminated(transactions: pd.DataFrame) -> pa.Array:
    """The Plaid JSON text of every row of ``transactions``, in row order, each followed by a
    comma: consecutive rows' bytes are then already a JSON array's contents (less the last
    comma), to be sliced out of the one buffer rather than joined per row."""
    main, party_text, no_party = _templates()
    rows = len(transactions)
    slots = [
        contiguous(encode(transactions[column], convert))
        for column, convert in views.TRANSACTION_COLUMNS.values()
    ]
    in_store = pa.array((transactions["payment_channel"] == STORE).to_numpy())
    for key in LOCATION_KEYS:  # the view leaves the place out of rows not in store
        index = _PATHS.index(f"$.location.{key}")
        slots[index] = pc.if_else(in_store, slots[index], pa.scalar("null", pa.large_string()))
    party = transactions["pfc_primary"]
    slots.append(contiguous(by_value(party, views._counterparty_types)))
    merchant = transactions["merchant_name"]
    named = pa.array((merchant.notna() & (merchant.astype(object) != "")).to_numpy())
    slots.append(
        pc.if_else(named, fill(party_text, slots, rows), pa.scalar(no_party, pa.large_string()))
    )
    main = main._replace(pieces=[*main.pieces[:-1], main.pieces[-1] + ","])
    return fill(main, slots, rows)


def contiguous_bytes(texts: pa.Array, starts: np.ndarray) -> list[memoryview]:
    """The bytes of ``texts[starts[i]:starts[i + 1]]`` for each i, as views of one buffer."""
    if not pa.types.is_large_string(texts.type):
        raise TypeError(f"contiguous_bytes reads 64-bit offsets, not {texts.type}")
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset :]
    data = memoryview(texts.buffers()[2]) if len(texts) else memoryview(b"")
    bounds = offsets[starts]
    return [data[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]


def grouped_bytes(
    transactions: pd.DataFrame, starts: np.ndarray, batch_rows: int = BATCH_ROWS
) -> Iterator[memoryview]:
    """``comma_terminated``'s bytes of each group of rows (group ``i`` is rows
    ``starts[i]:starts[i + 1]``), in group order, encoded a batch of whole groups at a time:
    a batch holds about ``batch_rows`` rows (a larger group is a batch of its own), so the
    memory stays bounded whatever the shard's size."""
    groups, first = len(starts) - 1, 0
    while first < groups:
        reach = int(np.searchsorted(starts, starts[first] + batch_rows, side="right")) - 1
        last = min(max(reach, first + 1), groups)
        texts = comma_terminated(transactions.iloc[starts[first] : starts[last]])
        yield from contiguous_bytes(texts, starts[first : last + 1] - starts[first])
        first = last
