"""Every rule, declared once: which table's check it belongs to, whether it blocks the load,
and how one shard's rows are judged. The asset checks, the shard steps and the dry run are all
built from ``RULES``; nothing else lists them.

A rule judges a shard in one of two ways. Row rules return ``Finding``s (rows checked, rows
failing, a few offending keys); a persona's finding is its shards' added up. Fidelity rules
return additive sums (``fidelity.Sums``), judged once for the persona from the shards' totals,
so they hold at any scale. A shard's blocks carry all their users' rows, so foreign keys
resolve within a shard; uniqueness across shards is enforced by PostgreSQL's keys when the
shards are published together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from synth_assets.checks import fidelity, integrity, plaid_format, realism, statements
from synth_assets.checks.integrity import EXAMPLES, Finding
from synth_assets.generate.common import Context
from synth_assets.personas import Persona

Tables = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class Rule:
    table: str
    check: str  # the check's name on the table's asset
    blocking: bool
    description: str
    findings: Callable[[Context, Tables], list[Finding]] | None = None
    sums: Callable[[Context, Tables], fidelity.Sums] | None = None
    metrics: Callable[[Persona, fidelity.Sums], list[fidelity.Metric]] | None = None

    @property
    def key(self) -> str:
        return f"{self.table}.{self.check}"


def _window(ctx: Context) -> tuple:
    return ctx.window.start, ctx.window.end


def _format(outcome: plaid_format.FormatResult) -> list[Finding]:
    return [outcome.finding()]


def _regularity(ctx: Context, t: Tables) -> list[Finding]:
    persona = ctx.persona
    yearly = {s.name for s in persona.spending.subscriptions if s.frequency == "ANNUALLY"}
    income = persona.income
    return realism.recurring_regularity(
        t["transactions"], income.pay_frequency, income.category, yearly
    )


def _follows(ctx: Context, t: Tables) -> list[Finding]:
    accounts, transactions, liabilities = t["accounts"], t["transactions"], t["liabilities"]
    return [
        *realism.card_statements(accounts, transactions, liabilities, ctx.window.start),
        *realism.loan_amortisation(accounts, transactions, liabilities),
    ]


RULES: tuple[Rule, ...] = (
    Rule(
        "users", "integrity", True, "User ids, usernames and emails are unique and not null.",
        findings=lambda ctx, t: integrity.users_integrity(t["users"]),
    ),
    Rule(
        "users", "time_integrity", True,
        "No user signs up after the as-of day.",
        findings=lambda ctx, t: realism.users_time(t["users"], *_window(ctx)),
    ),
    Rule(
        "users", "real_places", False,
        "Users live in real US cities of their state (GeoNames' cities of 15,000 or more).",
        findings=lambda ctx, t: realism.homes_are_real(t["users"]),
    ),
    Rule(
        "users", "persona_fidelity", False,
        "Median income within tolerance of the persona's configured median.",
        sums=lambda ctx, t: fidelity.income_sums(ctx.persona, t["users"]),
        metrics=fidelity.income_metrics,
    ),
    Rule(
        "accounts", "integrity", True, "account_id is unique; every account's user exists.",
        findings=lambda ctx, t: integrity.accounts_integrity(t["accounts"], t["users"]),
    ),
    Rule(
        "accounts", "plaid_format", True,
        "Every account is a valid Plaid AccountBase (types, enums, subtype fits type, one "
        "currency).",
        findings=lambda ctx, t: _format(plaid_format.check_accounts(t["accounts"])),
    ),
    Rule(
        "accounts", "time_integrity", True,
        "Accounts open after their user signs up, and not after the as-of day.",
        findings=lambda ctx, t: realism.accounts_time(t["users"], t["accounts"], *_window(ctx)),
    ),
    Rule(
        "accounts", "persona_fidelity", False,
        "Share of users holding each product within tolerance of its configured probability.",
        sums=lambda ctx, t: fidelity.account_mix_sums(ctx.persona, t["users"], t["accounts"]),
        metrics=fidelity.account_mix_metrics,
    ),
    Rule(
        "transactions", "integrity", True,
        "transaction_id is unique; every transaction's account exists; pending_transaction_id "
        "is set only on posted rows, names each pending row once, and no row of the table.",
        findings=lambda ctx, t: integrity.transactions_integrity(t["transactions"], t["accounts"]),
    ),
    Rule(
        "transactions", "plaid_format", True,
        "Every transaction is a valid Plaid Transaction: schema, PFC v2 pair, one currency, "
        "authorized_date <= date, and the sign convention (money in negative, out positive).",
        findings=lambda ctx, t: _format(
            plaid_format.check_transactions(t["transactions"], t["accounts"])
        ),
    ),
    Rule(
        "transactions", "balance_consistency", True,
        "Account balances equal the flows: current = opening -/+ posted flows (depository / "
        "credit and loans, Plaid signs), credit available = limit - current, depository "
        "available = current - pending outflows.",
        findings=lambda ctx, t: realism.balance_consistency(t["accounts"], t["transactions"]),
    ),
    Rule(
        "transactions", "card_payment_pairing", True,
        "Each card payment leaves the user's bank account and reaches the card on the same day "
        "for the same amount, with the right signs.",
        findings=lambda ctx, t: realism.card_payment_pairing(t["accounts"], t["transactions"]),
    ),
    Rule(
        "transactions", "time_integrity", True,
        "Transactions happen after their account opens, inside the window, authorised first; "
        "pending rows are the last nine days' (five business days); card purchases and "
        "paychecks post on business days.",
        findings=lambda ctx, t: realism.transactions_time(
            t["accounts"], t["transactions"], *_window(ctx)
        ),
    ),
    Rule(
        "transactions", "recurring_regularity", False,
        "Paychecks follow the pay schedule from one payer; bills and subscriptions recur "
        "monthly or yearly; rent is constant (WARN: a drift, not a broken row).",
        findings=_regularity,
    ),
    Rule(
        "transactions", "net_pay", False,
        "Pay arrives net: a year's pay deposits are at most gross income (with its raises and "
        "any yearly bonus) less what is always withheld (Social Security and Medicare, or the "
        "persona's share).",
        findings=lambda ctx, t: statements.net_pay(
            ctx.persona.income, t["users"], t["accounts"], t["transactions"], *_window(ctx)
        ),
    ),
    Rule(
        "transactions", "bank_days", False,
        "Autopay, loan payments, transfers and payroll settle on business days: no weekend, "
        "no Federal Reserve holiday (interest credited on a statement date aside).",
        findings=lambda ctx, t: statements.bank_days(t["transactions"]),
    ),
    Rule(
        "transactions", "sweep_round_trips", False,
        "Money swept out to the user's other bank is not brought back within five days.",
        findings=lambda ctx, t: statements.sweep_round_trips(t["transactions"]),
    ),
    Rule(
        "transactions", "channels", False,
        "A merchant that exists only online is paid online; restaurants, doctors, dentists, "
        "salons and mechanics in person.",
        findings=lambda ctx, t: statements.channels(t["transactions"]),
    ),
    Rule(
        "transactions", "service_rates", False,
        "Services at human rates: visits a year within the service's rate (the catalogue's or "
        "the persona's), tax preparation in the filing season, one provider per household.",
        findings=lambda ctx, t: statements.service_rates(
            ctx.persona, t["accounts"], t["transactions"], *_window(ctx)
        ),
    ),
    Rule(
        "transactions", "regular_places", False,
        "Habits: in an everyday category (groceries, coffee, gas), most of an account's trips "
        "go to its three regular places.",
        findings=lambda ctx, t: statements.regular_places(t["transactions"]),
    ),
    Rule(
        "transactions", "enrichment", False,
        "Plaid's enrichment: a known chain or brand carries one merchant_entity_id and a "
        "logo_url, a local business neither; a descriptor's store number is the row's "
        "location.store_number.",
        findings=lambda ctx, t: statements.enrichment(ctx.persona, t["transactions"]),
    ),
    Rule(
        "transactions", "fixed_prices", False,
        "Transit charges the user's home system's fare: one ride, two, or a pass; a "
        "subscription charges its plan's price, changing only on a dated price rise.",
        findings=lambda ctx, t: [
            *statements.transit_fares_fixed(t["users"], t["accounts"], t["transactions"]),
            *statements.subscription_prices(ctx.persona, t["transactions"]),
        ],
    ),
    Rule(
        "transactions", "persona_fidelity", False,
        "Purchases per user per month and the category mix within tolerance of the persona.",
        sums=lambda ctx, t: fidelity.spending_sums(ctx.window, t["users"], t["transactions"]),
        metrics=fidelity.spending_metrics,
    ),
    Rule(
        "liabilities", "integrity", True,
        "One liability per account; every liability's account exists.",
        findings=lambda ctx, t: integrity.liabilities_integrity(t["liabilities"], t["accounts"]),
    ),
    Rule(
        "liabilities", "plaid_format", True,
        "Every liability is a valid Plaid CreditCardLiability, StudentLoan or MortgageLiability.",
        findings=lambda ctx, t: _format(plaid_format.check_liabilities(t["liabilities"])),
    ),
    Rule(
        "liabilities", "follows_transactions", True,
        "A card's last statement is that month's posted charges; a loan's monthly interest is "
        "the balance owed times its APR / 12, and its payments repay principal.",
        findings=_follows,
    ),
    Rule(
        "content", "integrity", True, "Content ids are unique; every item's user exists.",
        findings=lambda ctx, t: integrity.content_integrity(t["content"], t["users"]),
    ),
    Rule(
        "content", "time_integrity", True,
        "Content is created after its user signs up, and not after the as-of day.",
        findings=lambda ctx, t: realism.content_time(t["users"], t["content"], *_window(ctx)),
    ),
    Rule(
        "content", "prompt_fit", False,
        "Titles are phrases of the item's prompt; tags are its domain and words of that "
        "domain's subjects or of the prompt's styles.",
        findings=lambda ctx, t: realism.content_fits_prompt(t["content"]),
    ),
    Rule(
        "jobs", "integrity", True,
        "Job ids unique; users and content exist; every content item has exactly one "
        "completed job with its prompt.",
        findings=lambda ctx, t: integrity.jobs_integrity(t["jobs"], t["users"], t["content"]),
    ),
    Rule(
        "jobs", "time_integrity", True,
        "Jobs are created after signup, start after creation, complete after starting, finish "
        "before the content they produced, and none of it after the as-of day.",
        findings=lambda ctx, t: realism.jobs_time(
            t["users"], t["content"], t["jobs"], *_window(ctx)
        ),
    ),
    Rule(
        "transaction_changes", "integrity", True,
        "The day's changes match the table: added rows are in it (on their account), removed "
        "ones are not, a posted row replacing a pending one removed that day stays on its "
        "account, every change is of the as-of date and starts from the day the run measured "
        "from, and a reset adds every row.",
        findings=lambda ctx, t: integrity.changes_integrity(
            t["transaction_changes"], t["transactions"], t["accounts"], ctx.window.end,
            ctx.changes_since,
        ),
    ),
    Rule(
        "jobs", "persona_fidelity", False,
        "Job status mix within tolerance of the persona's configured mix.",
        sums=lambda ctx, t: fidelity.job_status_sums(ctx.persona, t["jobs"]),
        metrics=fidelity.job_status_metrics,
    ),
)  # fmt: skip

BY_KEY = {rule.key: rule for rule in RULES}


@dataclass
class Judgement:
    """One rule's verdict on one shard: findings (row rules) or sums (fidelity rules)."""

    findings: list[Finding] = field(default_factory=list)
    sums: fidelity.Sums = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(not f.passed for f in self.findings)


def judge(ctx: Context, tables: Tables) -> dict[str, Judgement]:
    """Every rule on one shard's tables, keyed by ``Rule.key``."""
    return {
        rule.key: Judgement(findings=rule.findings(ctx, tables))
        if rule.findings
        else Judgement(sums=rule.sums(ctx, tables))
        for rule in RULES
    }


def blocking_failures(judgements: Mapping[str, Judgement]) -> list[str]:
    """Keys of the blocking rules that failed on this shard."""
    return [key for key, j in judgements.items() if BY_KEY[key].blocking and j.failed]


@dataclass(frozen=True)
class Verdict:
    """A rule's verdict on the whole persona, from every shard's judgement."""

    rule: Rule
    findings: list[Finding]
    metrics: list[fidelity.Metric]

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.findings) and all(m.ok for m in self.metrics)

    def metadata(self) -> dict[str, object]:
        if self.rule.metrics:
            return fidelity.metadata(self.metrics)
        metadata: dict[str, object] = {
            "rows_checked": self.findings[0].checked if self.findings else 0
        }
        for finding in self.findings:
            metadata[f"{finding.rule}: failures"] = finding.failures
            if finding.examples:
                metadata[f"{finding.rule}: examples"] = ", ".join(finding.examples)
        return metadata


def _merge_findings(labelled: Iterable[tuple[str, list[Finding]]]) -> list[Finding]:
    """Findings of the same rule added up across shards; examples name their shard."""
    totals: dict[str, Finding] = {}
    for label, findings in labelled:
        for f in findings:
            seen = totals.get(f.rule, Finding(f.rule, 0, 0, []))
            examples = seen.examples + [f"{e} ({label})" for e in f.examples]
            totals[f.rule] = Finding(
                f.rule, seen.checked + f.checked, seen.failures + f.failures, examples[:EXAMPLES]
            )
    return list(totals.values())


def verdict(rule: Rule, persona: Persona, judgements: Iterable[tuple[str, Judgement]]) -> Verdict:
    """The persona's verdict on ``rule`` from (shard label, judgement) pairs."""
    judgements = list(judgements)
    if rule.metrics:
        total: fidelity.Sums = {}
        for _, j in judgements:
            fidelity.add(total, j.sums)
        return Verdict(rule, [], rule.metrics(persona, total))
    return Verdict(rule, _merge_findings((label, j.findings) for label, j in judgements), [])


def judge_whole(ctx: Context, tables: Tables) -> dict[str, Verdict]:
    """Every rule's verdict on a persona held whole in memory (one shard)."""
    return {
        key: verdict(BY_KEY[key], ctx.persona, [("all", j)])
        for key, j in judge(ctx, tables).items()
    }
