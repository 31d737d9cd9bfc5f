"""Random streams and identifiers, all derived from (global seed, persona, table, purpose).

No global random state: each table of each persona draws from its own stream, so one persona's
data never changes when another's file does, and the order in which assets run is irrelevant.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_GROUP_ENDS = (8, 12, 16, 20)  # 8-4-4-4-12 hex digits


def stable_hash(text: str) -> int:
    """A stable 64-bit integer for a string (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def rng(
    seed: int, persona: str, table: str, purpose: str = "values", block: int = 0
) -> np.random.Generator:
    """The random stream for one purpose of one table of one persona (and one block of its
    users, for the per-user banking draws; block 0 keeps the unblocked stream)."""
    entropy = [seed, stable_hash(persona), stable_hash(table), stable_hash(purpose)]
    return np.random.default_rng(np.random.SeedSequence(entropy + ([block] if block else [])))


def stable_uuid_bytes(
    seed: int, persona: str, table: str, count: int, block: int = 0
) -> np.ndarray:
    """``count`` version-4 UUIDs as 36-byte ASCII strings (numpy ``S36``); the first k are
    the same whatever ``count`` is.

    Formatting is vectorised (bytes -> hex digits -> dashes) because a Python loop over
    ``uuid.UUID`` costs about a second per million rows.
    """
    stream = rng(seed, persona, table, "ids", block)
    raw = np.frombuffer(stream.bytes(count * 16), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = np.empty((count, 32), dtype=np.uint8)
    digits[:, 0::2] = _HEX[raw >> 4]
    digits[:, 1::2] = _HEX[raw & 0x0F]
    dash = np.full((count, 1), ord("-"), dtype=np.uint8)
    groups = np.split(digits, _GROUP_ENDS, axis=1)
    parts = [part for group in groups for part in (group, dash)][:-1]
    return np.ascontiguousarray(np.hstack(parts)).view("S36").ravel()


def uuid_column(
    uuids: np.ndarray, valid: np.ndarray | None = None
) -> pd.api.extensions.ExtensionArray:
    """``S36`` UUIDs as a pandas string column (Arrow-backed: 36 bytes a row, where numpy's
    fixed-width unicode would take 144), null where ``valid`` is False."""
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    array = pa.array(np.asarray(uuids, dtype="S36"), type=pa.binary(36), mask=mask)
    return pd.array(array.cast(pa.string()), dtype="str")


def stable_uuids(
    seed: int, persona: str, table: str, count: int, block: int = 0
) -> pd.api.extensions.ExtensionArray:
    """``stable_uuid_bytes`` as a pandas string column."""
    return uuid_column(stable_uuid_bytes(seed, persona, table, count, block))
