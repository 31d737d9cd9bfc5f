"""Generate, check and load a persona too large to hold in memory, one block of users at a time.

The asset graph keeps whole tables in memory between steps, which is right up to a few
million transactions. Past that, this path streams: the same blocks of users as
``generate.banking`` (so the data is identical, row for row, to the graph's at the same seed
and scale), the same blocking rules as the asset checks on each block, and the same single
transaction as the loader. The persona's previous rows stay visible until every block has
passed its checks and been copied; a failing block rolls the whole replace back.

Memory is bounded by one block plus the small tables (users, accounts, content, jobs), whatever
the number of transactions. Uniqueness and foreign keys across blocks are enforced by the
database's own constraints inside that transaction.

    python -m synth_assets.bulk family --transactions 10000000
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import pandas as pd

from synth_assets.checks import integrity, plaid_format, realism
from synth_assets.checks.integrity import Finding
from synth_assets.generate.banking import BLOCK_USERS, Block, banking_blocks
from synth_assets.generate.common import Context
from synth_assets.generate.content import generate_content
from synth_assets.generate.jobs import generate_jobs
from synth_assets.generate.liabilities import liabilities_from_facts
from synth_assets.generate.users import generate_users
from synth_assets.load import postgres, target
from synth_assets.load.drift import SchemaDriftError
from synth_assets.personas import PersonaError
from synth_assets.prefetch import ahead
from synth_assets.settings import SettingError


class BulkCheckError(RuntimeError):
    """A blocking rule failed; the load was rolled back and nothing changed in the database."""

    def __init__(self, where: str, failed: list[Finding]) -> None:
        self.where, self.failed = where, failed
        lines = [f"{f.rule}: {f.failures} of {f.checked} ({', '.join(f.examples)})" for f in failed]
        super().__init__(
            f"blocking checks failed on {where}; nothing was loaded:\n" + "\n".join(lines)
        )


@dataclass
class Tally:
    """Rows checked per rule, summed over blocks; any failure raises BulkCheckError at once."""

    checked: dict[str, int] = field(default_factory=dict)

    def add(self, where: str, findings: Iterable[Finding]) -> None:
        findings = list(findings)
        failed = [f for f in findings if not f.passed]
        if failed:
            raise BulkCheckError(where, failed)
        for finding in findings:
            self.checked[finding.rule] = self.checked.get(finding.rule, 0) + finding.checked


@dataclass(frozen=True)
class Progress:
    block: int
    blocks: int
    transactions: int  # loaded so far
    seconds: float


@dataclass(frozen=True)
class BulkResult:
    persona: str
    rows: dict[str, int]
    deleted: dict[str, int]
    blocks: int
    checked: dict[str, int]
    seconds: float
    peak_rss_mb: float


def block_findings(block: Block, window: tuple) -> list[Finding]:
    """Every blocking rule on one block's accounts and transactions (those of the asset checks)."""
    accounts, transactions = block.accounts, block.transactions
    return [
        *integrity.accounts_integrity(accounts, block.users),
        *integrity.transactions_integrity(transactions, accounts),
        plaid_format.check_accounts(accounts).finding(),
        plaid_format.check_transactions(transactions, accounts).finding(),
        *realism.balance_consistency(accounts, transactions),
        *realism.card_payment_pairing(accounts, transactions),
        *realism.accounts_time(block.users, accounts, *window),
        *realism.transactions_time(accounts, transactions, *window),
    ]


def _checked(blocks: Iterator[Block], count: int, window: tuple, tally: Tally) -> Iterator[Block]:
    for block in blocks:
        tally.add(f"block {block.index + 1} of {count}", block_findings(block, window))
        yield block


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_persona(
    ctx: Context,
    url: target.Target | str,
    timeout_s: float = postgres.STATEMENT_TIMEOUT_S,
    progress: Callable[[Progress], None] | None = None,
) -> BulkResult:
    """Replace ``ctx.persona``'s rows in ``url`` block by block, checking each block first."""
    started = time.perf_counter()
    window = (ctx.persona.date_range.start, ctx.persona.date_range.end)
    tally = Tally()
    users = generate_users(ctx)
    content = generate_content(ctx, users)
    jobs = generate_jobs(ctx, users, content)
    tally.add("users", integrity.users_integrity(users))
    tally.add("content", integrity.content_integrity(content, users))
    tally.add("content", realism.content_time(users, content, *window))
    tally.add("jobs", integrity.jobs_integrity(jobs, users, content))
    tally.add("jobs", realism.jobs_time(users, content, jobs, *window))
    blocks = -(-len(users) // BLOCK_USERS)
    accounts, facts = [], []
    with postgres.partition_writer(url, ctx.persona.name, timeout_s) as writer:
        writer.copy("users", users)
        for block in ahead(_checked(banking_blocks(ctx, users), blocks, window, tally)):
            writer.copy("accounts", block.accounts)
            writer.copy("transactions", block.transactions)
            accounts.append(block.accounts)
            facts.append(block.liability_facts(ctx))
            if progress:
                elapsed = time.perf_counter() - started
                progress(Progress(block.index + 1, blocks, writer.rows["transactions"], elapsed))
            del block
        all_accounts = pd.concat(accounts, ignore_index=True)
        liabilities = liabilities_from_facts(ctx, all_accounts, pd.concat(facts))
        tally.add("liabilities", integrity.liabilities_integrity(liabilities, all_accounts))
        tally.add("liabilities", [plaid_format.check_liabilities(liabilities).finding()])
        for table, frame in (("liabilities", liabilities), ("content", content), ("jobs", jobs)):
            writer.copy(table, frame)
    return BulkResult(
        ctx.persona.name,
        dict(writer.rows),
        writer.deleted,
        blocks,
        tally.checked,
        time.perf_counter() - started,
        peak_rss_mb(),
    )


PROBE_USERS = 2 * BLOCK_USERS


def scale_for(ctx: Context, transactions: int) -> float:
    """The scale at which the persona generates about ``transactions`` rows, extrapolated
    from a probe of two blocks of users (a persona's default few dozen users are too few to
    estimate transactions per user within a few percent)."""
    probe = replace(ctx, scale=max(ctx.scale, PROBE_USERS / ctx.persona.users))
    users = generate_users(probe)
    sample = sum(len(b.transactions) for b in banking_blocks(probe, users))
    return transactions / sample * probe.scale


def main(argv: list[str] | None = None) -> int:
    from synth_assets.defs.resources import GenerationSettings, SynthDatabase

    parser = argparse.ArgumentParser(
        prog="python -m synth_assets.bulk", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("persona")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--transactions", type=int, help="about this many transactions")
    size.add_argument("--scale", type=float, help="multiplies the persona's user count")
    parser.add_argument("--seed", type=int, help="default: SYNTH_SEED, else 42")
    args = parser.parse_args(argv)
    database = SynthDatabase()

    def report(p: Progress) -> None:
        rate = p.transactions / p.seconds if p.seconds else 0
        print(
            f"  block {p.block}/{p.blocks}: {p.transactions:,} transactions in {p.seconds:.1f}s "
            f"({rate:,.0f}/s), peak RSS {peak_rss_mb():,.0f} MB",
            flush=True,
        )

    try:
        ctx = GenerationSettings(seed=args.seed).context(args.persona)
        scale = args.scale or (scale_for(ctx, args.transactions) if args.transactions else 1.0)
        ctx = GenerationSettings(seed=args.seed, scale=scale).context(args.persona)
        where = database.target()
        postgres.ensure_schema(where)
        print(f"loading {args.persona} at scale {scale:.2f} into {where.masked()}")
        result = load_persona(ctx, where, database.timeout_s(), report)
    except (
        BulkCheckError,
        PersonaError,
        SettingError,
        postgres.PartitionBusyError,
        target.TargetError,
        target.UnsafeDatabaseError,
        target.DatabaseUnavailableError,
        SchemaDriftError,
    ) as error:
        print(error, file=sys.stderr)
        return 1
    total = sum(result.rows.values())
    print(
        f"loaded {total:,} rows ({result.rows['transactions']:,} transactions) in "
        f"{result.seconds:.1f}s; {sum(result.checked.values()):,} rule checks passed; "
        f"peak RSS {result.peak_rss_mb:,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
