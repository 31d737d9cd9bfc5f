"""All six tables of a persona, block by block: a block of users carries its own accounts,
transactions, liabilities, content and jobs, so any run of blocks (a shard) is generated,
checked and loaded on its own, and the blocks' tables concatenate into the persona's."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from synth_assets.generate.banking import banking_block
from synth_assets.generate.common import Context
from synth_assets.generate.content import generate_content
from synth_assets.generate.jobs import generate_jobs
from synth_assets.generate.liabilities import generate_liabilities
from synth_assets.generate.users import block_count, users_block

Tables = dict[str, pd.DataFrame]
ORDER = ("users", "accounts", "transactions", "liabilities", "content", "jobs")


def block_tables(ctx: Context, block: int) -> Tables:
    """The six tables of one block of users, from that block's random streams only."""
    users = users_block(ctx, block)
    banking = banking_block(ctx, block, users)
    ctx = ctx.for_block(block)
    content = generate_content(ctx, users)
    return {
        "users": users,
        "accounts": banking.accounts,
        "transactions": banking.transactions,
        "liabilities": generate_liabilities(ctx, banking.accounts, banking.transactions),
        "content": content,
        "jobs": generate_jobs(ctx, users, content),
    }


def concat(parts: list[Tables]) -> Tables:
    """Tables of consecutive blocks, joined in block order."""
    if len(parts) == 1:
        return parts[0]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in ORDER}


def shard_tables(ctx: Context, blocks: Iterable[int]) -> Tables:
    """The six tables of a run of blocks (a shard)."""
    return concat([block_tables(ctx, block) for block in blocks])


def generate_all(ctx: Context) -> Tables:
    """The whole persona in memory: for tests, the dry run and small benchmarks."""
    return shard_tables(ctx, range(block_count(ctx)))
