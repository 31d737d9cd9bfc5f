"""All six tables of one persona in dependency order: for tests, benchmarks and exports
that need a whole partition without Dagster."""

from __future__ import annotations

import pandas as pd

from synth_assets.generate.banking import generate_banking
from synth_assets.generate.common import Context
from synth_assets.generate.content import generate_content
from synth_assets.generate.jobs import generate_jobs
from synth_assets.generate.liabilities import generate_liabilities
from synth_assets.generate.users import generate_users


def generate_all(ctx: Context) -> dict[str, pd.DataFrame]:
    users = generate_users(ctx)
    accounts, transactions = generate_banking(ctx, users)
    content = generate_content(ctx, users)
    return {
        "users": users,
        "accounts": accounts,
        "transactions": transactions,
        "liabilities": generate_liabilities(ctx, accounts, transactions),
        "content": content,
        "jobs": generate_jobs(ctx, users, content),
    }
