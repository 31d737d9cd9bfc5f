"""All tables of a persona at an as-of date, block by block: a block of users carries its own
accounts, transactions, liabilities, content and jobs (and the day's transaction changes), so
any run of blocks (a shard) is generated, checked and loaded on its own, and the blocks'
tables concatenate into the persona's.

Every row of a block is drawn whatever the as-of date; the date only decides which rows exist
yet (users who signed up by then, and what they did by then) and, for transactions, which are
pending (``banking``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from synth_assets.builtin_tables import TABLE_NAMES
from synth_assets.generate.banking import banking_block
from synth_assets.generate.common import Context
from synth_assets.generate.content import generate_content
from synth_assets.generate.jobs import generate_jobs
from synth_assets.generate.users import block_count, users_block
from synth_assets.membership import is_in

Tables = dict[str, pd.DataFrame]


def _by(frame: pd.DataFrame, column: str, end: np.datetime64) -> pd.DataFrame:
    """The rows whose ``column`` is at or before ``end``."""
    keep = frame[column].to_numpy().astype("datetime64[s]") <= end
    return frame if keep.all() else frame[keep].reset_index(drop=True)


def block_tables(ctx: Context, block: int) -> Tables:
    """The tables of one block of users at ``ctx``'s as-of date, from the block's streams."""
    everyone = users_block(ctx, block)
    ctx = ctx.for_block(block)
    end = ctx.window.last_second
    banking = banking_block(ctx, block, everyone)
    content = generate_content(ctx, everyone)
    jobs = generate_jobs(ctx, everyone, content)
    made = _by(content, "created_at", end)
    jobs = _by(jobs, "created_at", end)
    jobs = jobs[jobs["content_id"].isna().to_numpy() | is_in(jobs["content_id"], made["id"])]
    return {
        "users": _by(everyone, "created_at", end),
        "accounts": banking.accounts,
        "transactions": banking.transactions,
        "liabilities": banking.liabilities,
        "content": made,
        "jobs": jobs.reset_index(drop=True),
        "transaction_changes": banking.changes,
    }


def concat(parts: list[Tables]) -> Tables:
    """Tables of consecutive blocks, joined in block order."""
    if len(parts) == 1:
        return parts[0]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in TABLE_NAMES}


def shard_tables(ctx: Context, blocks: Iterable[int]) -> Tables:
    """The tables of a run of blocks (a shard)."""
    return concat([block_tables(ctx, block) for block in blocks])


def generate_all(ctx: Context) -> Tables:
    """The whole persona in memory: for tests, the dry run and small benchmarks."""
    return shard_tables(ctx, range(block_count(ctx)))
