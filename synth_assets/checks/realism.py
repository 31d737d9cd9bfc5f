"""Rules that make the data hang together like real money and real activity: balances equal
their flows, card payments appear on both sides, recurring streams recur, loans amortise,
card statements are the month's charges, pending rows are the last days' and post on
business days, and nothing happens before its parent exists or after the as-of date. Plain
functions returning Findings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from synth_assets.checks.integrity import Finding, examples
from synth_assets.generate import calendar
from synth_assets.generate.calendar import PENDING_REACH_DAYS
from synth_assets.generate.phrases import (
    DOMAIN_TAGS,
    PHRASE_TAGS,
    SUBJECT_OF,
    prompt_phrases,
    without_article,
)
from synth_assets.generate.pools import us_cities
from synth_assets.membership import is_in
from synth_assets.personas import PayFrequency
from synth_assets.plaid.taxonomy import INTEREST_EARNED

CENT = 0.005
CARD_PAYMENT = "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"
# Allowed gaps in days between consecutive paychecks, by pay frequency.
# A payday on a weekend or a bank holiday moves to the business day before, a bill due on one
# posts the business day after: up to three days either way (a Saturday before a holiday
# Monday), one for a weekly payday that falls on a holiday Friday.
PAY_GAPS = {
    PayFrequency.WEEKLY: (6, 8),
    PayFrequency.BIWEEKLY: (13, 15),
    PayFrequency.SEMI_MONTHLY: (10, 20),
    PayFrequency.MONTHLY: (25, 34),
}
MONTHLY_GAP = (25, 34)
YEARLY_GAP = (362, 369)
INTEREST_CHARGE = "BANK_FEES_INTEREST_CHARGE"


def _mismatch(rule: str, ids: pd.Series, expected: np.ndarray, actual: np.ndarray) -> Finding:
    bad = ~np.isclose(np.nan_to_num(expected, nan=0.0), np.nan_to_num(actual, nan=0.0), atol=CENT)
    return Finding(rule, len(ids), int(bad.sum()), examples(ids[bad]))


def balance_consistency(accounts: pd.DataFrame, transactions: pd.DataFrame) -> list[Finding]:
    """current = opening -/+ posted flows (depository / credit and loans, whose balance is
    what is owed); credit available = limit - current; depository available = current -
    pending outflows."""
    flows = transactions[["account_id", "amount", "pending"]]  # not the other 19 columns
    posted = flows[~flows["pending"]].groupby("account_id")["amount"].sum()
    held = flows[flows["pending"] & (flows["amount"] > 0)].groupby("account_id")["amount"].sum()
    posted = posted.reindex(accounts["account_id"], fill_value=0.0).to_numpy(dtype=float)
    held = held.reindex(accounts["account_id"], fill_value=0.0).to_numpy(dtype=float)
    kind = accounts["type"].to_numpy()
    opening = accounts["opening_balance"].to_numpy(dtype=float)
    current = accounts["balance_current"].to_numpy(dtype=float)
    available = accounts["balance_available"].to_numpy(dtype=float)
    limit = accounts["balance_limit"].to_numpy(dtype=float)
    expected = np.where(kind == "depository", opening - posted, opening + posted)
    credit, depository = kind == "credit", kind == "depository"
    ids = accounts["account_id"]
    return [
        _mismatch("current = opening + flows", ids, expected, current),
        _mismatch(
            "credit available = limit - current",
            ids[credit],
            (limit - current)[credit],
            available[credit],
        ),
        _mismatch(
            "available = current - pending",
            ids[depository],
            (current - held)[depository],
            available[depository],
        ),
    ]


def card_payment_pairing(accounts: pd.DataFrame, transactions: pd.DataFrame) -> list[Finding]:
    """Every card payment appears twice on the same date for the same amount: out of the
    user's depository account (positive) and into the card (negative)."""
    owner = accounts.set_index("account_id")["user_id"]
    kind = accounts.set_index("account_id")["type"]
    payments = transactions[transactions["pfc_detailed"] == CARD_PAYMENT]
    sides = pd.DataFrame(
        {
            "user": owner.reindex(payments["account_id"]).to_numpy(),
            "date": payments["date"].to_numpy(),
            "cents": np.round(payments["amount"].abs().to_numpy(dtype=float) * 100).astype(
                np.int64
            ),
            "side": np.where(
                kind.reindex(payments["account_id"]).to_numpy() == "credit", "card", "bank"
            ),
            "id": payments["transaction_id"].to_numpy(),
        }
    )
    wrong_sign = ((sides["side"] == "card") == (payments["amount"].to_numpy() > 0)).to_numpy()
    counts = sides.groupby(["user", "date", "cents", "side"]).size().unstack("side", fill_value=0)
    for side in ("card", "bank"):
        if side not in counts:
            counts[side] = 0
    unpaired = counts[counts["card"] != counts["bank"]].reset_index()
    keys = sides.merge(unpaired[["user", "date", "cents"]], on=["user", "date", "cents"])["id"]
    return [
        Finding(
            "card payments paired (same user, date, amount)", len(sides), len(keys), examples(keys)
        ),
        Finding(
            "card payment signs (bank +, card -)",
            len(sides),
            int(wrong_sign.sum()),
            examples(sides["id"][wrong_sign]),
        ),
    ]


def _gaps(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    days = frame["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    ordered = frame.assign(day=days).sort_values([*key, "day"], kind="stable")
    return ordered.groupby(key)["day"].diff().dropna()


def _share_within(gaps: pd.Series, low: int, high: int) -> tuple[int, int]:
    outside = int(((gaps < low) | (gaps > high)).sum())
    return len(gaps), outside


def recurring_regularity(
    transactions: pd.DataFrame,
    pay_frequency: PayFrequency,
    pay_category: str,
    yearly_merchants: set[str],
) -> list[Finding]:
    """Paychecks arrive on the pay schedule from one payer; subscriptions and bills recur
    monthly (or yearly) at a fixed amount; rent is the same each month."""
    findings = []
    income = transactions[transactions["pfc_detailed"] == pay_category]
    payers = income.groupby("account_id")["merchant_name"].nunique()
    findings.append(
        Finding(
            "one payer per account",
            len(payers),
            int((payers > 1).sum()),
            examples(payers.index[payers > 1].to_series()),
        )
    )
    if pay_frequency in PAY_GAPS:
        checked, outside = _share_within(_gaps(income, ["account_id"]), *PAY_GAPS[pay_frequency])
        findings.append(
            Finding(f"paycheck gaps within {PAY_GAPS[pay_frequency]} days", checked, outside)
        )
    recurring = transactions[
        (transactions["pfc_confidence_level"] == "VERY_HIGH")
        & transactions["payment_channel"].eq("online")
        & ~transactions["pending"]
    ]
    for label, frame, gap in [
        ("monthly", recurring[~recurring["merchant_name"].isin(yearly_merchants)], MONTHLY_GAP),
        ("yearly", recurring[recurring["merchant_name"].isin(yearly_merchants)], YEARLY_GAP),
    ]:
        checked, outside = _share_within(_gaps(frame, ["account_id", "merchant_name"]), *gap)
        findings.append(
            Finding(f"{label} bills recur every {gap[0]}-{gap[1]} days", checked, outside)
        )
    rent = transactions[transactions["pfc_detailed"] == "RENT_AND_UTILITIES_RENT"]
    amounts = rent.groupby("account_id")["amount"].nunique()
    findings.append(
        Finding(
            "rent is the same every month",
            len(amounts),
            int((amounts > 1).sum()),
            examples(amounts.index[amounts > 1].to_series()),
        )
    )
    return findings


def _after(
    rule: str, ids: pd.Series, child: np.ndarray, parent: np.ndarray, strict: bool = False
) -> Finding:
    child, parent = (
        np.asarray(child, dtype="datetime64[s]"),
        np.asarray(parent, dtype="datetime64[s]"),
    )
    bad = (child <= parent) if strict else (child < parent)
    bad &= ~np.isnat(child) & ~np.isnat(parent)
    return Finding(rule, len(ids), int(bad.sum()), examples(ids[bad]))


# Every moment a row is stamped with (not a date it schedules, such as a loan's next due
# date): none may be after the as-of day, which has ended when the data is made.
STAMPED = {
    "users": ("created_at",),
    "accounts": ("created_at",),
    "transactions": ("datetime", "authorized_datetime"),
    "content": ("created_at",),
    "jobs": ("created_at", "started_at", "completed_at"),
}


def stamped_by(table: str, frame: pd.DataFrame, ids: pd.Series, end: dt.date) -> list[Finding]:
    """Nothing of ``table`` stamped after the as-of day: it has not happened yet."""
    return [
        _by(f"{table}.{column} by the as-of day", ids, frame[column], end)
        for column in STAMPED[table]
    ]


def _by(rule: str, ids: pd.Series, when, end: dt.date) -> Finding:
    when = np.asarray(when, dtype="datetime64[s]")
    bad = ~np.isnat(when) & (when >= np.datetime64(end + dt.timedelta(days=1), "s"))
    return Finding(rule, len(ids), int(bad.sum()), examples(ids[bad]))


def users_time(users: pd.DataFrame, start: dt.date, end: dt.date) -> list[Finding]:
    return stamped_by("users", users, users["id"], end)


def _within(rule: str, ids: pd.Series, when: np.ndarray, start: dt.date, end: dt.date) -> Finding:
    when = np.asarray(when, dtype="datetime64[s]")
    first, last = np.datetime64(start, "s"), np.datetime64(end + dt.timedelta(days=1), "s")
    bad = ~np.isnat(when) & ((when < first) | (when >= last))
    return Finding(rule, len(ids), int(bad.sum()), examples(ids[bad]))


def accounts_time(
    users: pd.DataFrame, accounts: pd.DataFrame, start: dt.date, end: dt.date
) -> list[Finding]:
    signup = users.set_index("id")["created_at"].reindex(accounts["user_id"]).to_numpy()
    ids = accounts["account_id"]
    opened = accounts["created_at"].to_numpy()
    return [
        _after("account opened after its user signed up", ids, opened, signup),
        *stamped_by("accounts", accounts, ids, end),
    ]


def transactions_time(
    accounts: pd.DataFrame, transactions: pd.DataFrame, start: dt.date, end: dt.date
) -> list[Finding]:
    """After the account opened, inside the window, authorised first; pending rows are the
    last days' (a card posts within five business days), and what posted did so on a
    business day (card purchases and paychecks: banks post on weekdays that are not holidays)."""
    opened = (
        accounts.set_index("account_id")["created_at"]
        .reindex(transactions["account_id"])
        .to_numpy()
    )
    ids = transactions["transaction_id"]
    when = transactions["datetime"].to_numpy()
    pending = transactions["pending"].to_numpy(dtype=bool)
    date = transactions["date"].to_numpy().astype("datetime64[D]")
    oldest_pending = np.datetime64(end, "D") - PENDING_REACH_DAYS
    card = transactions["payment_channel"].to_numpy() != "other"
    paycheck = (transactions["pfc_primary"] == "INCOME").to_numpy() & (
        transactions["pfc_detailed"] != INTEREST_EARNED
    ).to_numpy()
    weekend = ~pending & (card | paycheck) & ~calendar.is_business_day(date)
    return [
        _after("transaction after its account opened", ids, when, opened),
        _within("transaction inside the window", ids, when, start, end),
        *stamped_by("transactions", transactions, ids, end),
        _after(
            "authorized on or before posted",
            ids,
            transactions["date"].to_numpy(),
            transactions["authorized_date"].to_numpy(),
        ),
        Finding(
            f"pending only in the last {PENDING_REACH_DAYS} days",
            len(ids),
            int((pending & (date < oldest_pending)).sum()),
            examples(ids[pending & (date < oldest_pending)]),
        ),
        Finding(
            "card purchases and paychecks post on business days",
            len(ids),
            int(weekend.sum()),
            examples(ids[weekend]),
        ),
    ]


def content_time(
    users: pd.DataFrame, content: pd.DataFrame, start: dt.date, end: dt.date
) -> list[Finding]:
    signup = users.set_index("id")["created_at"].reindex(content["user_id"]).to_numpy()
    ids = content["id"]
    made = content["created_at"].to_numpy()
    return [
        _after("content created after its user signed up", ids, made, signup, strict=True),
        *stamped_by("content", content, ids, end),
    ]


def jobs_time(
    users: pd.DataFrame, content: pd.DataFrame, jobs: pd.DataFrame, start: dt.date, end: dt.date
) -> list[Finding]:
    signup = users.set_index("id")["created_at"].reindex(jobs["user_id"]).to_numpy()
    made = content.set_index("id")["created_at"].reindex(jobs["content_id"]).to_numpy()
    ids = jobs["id"]
    created, started, completed = (
        jobs[c].to_numpy() for c in ("created_at", "started_at", "completed_at")
    )
    return [
        _after("job created after its user signed up", ids, created, signup),
        _after("job started after it was created", ids, started, created),
        _after("job completed after it started", ids, completed, started),
        _after("content created after its job completed", ids, made, completed, strict=True),
        *stamped_by("jobs", jobs, ids, end),
    ]


def _loan_rows(accounts: pd.DataFrame, transactions: pd.DataFrame) -> pd.DataFrame:
    """Posted rows of loan accounts, in order, with the balance owed before each."""
    loans = accounts.loc[accounts["type"] == "loan", ["account_id", "opening_balance"]]
    rows = transactions.loc[
        is_in(transactions["account_id"], loans["account_id"]) & ~transactions["pending"],
        ["transaction_id", "account_id", "datetime", "amount", "pfc_detailed"],
    ].sort_values(["account_id", "datetime"], kind="stable")
    opening = loans.set_index("account_id")["opening_balance"].astype(float)
    flows = rows["amount"].astype(float)
    before = (
        opening.reindex(rows["account_id"]).to_numpy()
        + (flows.groupby(rows["account_id"]).cumsum() - flows).to_numpy()
    )
    return rows.assign(before=before)


def loan_amortisation(
    accounts: pd.DataFrame, transactions: pd.DataFrame, liabilities: pd.DataFrame
) -> list[Finding]:
    """Each month's interest on a loan is the balance owed then times its APR / 12 (to the
    cent), and each payment is more than the interest: the principal goes down."""
    rows = _loan_rows(accounts, transactions)
    interest = rows[rows["pfc_detailed"] == INTEREST_CHARGE]
    apr = liabilities.set_index("account_id")["apr_percentage"].astype(float)
    rate = apr.reindex(interest["account_id"]).to_numpy() / 1200
    known = ~np.isnan(rate)
    expected = np.round(interest["before"].to_numpy() * rate, 2)
    wrong = known & ~np.isclose(expected, interest["amount"].to_numpy(dtype=float), atol=0.011)
    payments = rows[rows["amount"] < 0]
    paid = payments.groupby("account_id")["amount"].sum().abs()
    charged = interest.groupby("account_id")["amount"].sum()
    growing = paid.reindex(charged.index, fill_value=0.0) <= charged
    return [
        Finding(
            "loan interest = balance x APR / 12",
            int(known.sum()),
            int(wrong.sum()),
            examples(interest["transaction_id"][wrong]),
        ),
        Finding(
            "loan payments repay principal",
            len(charged),
            int(growing.sum()),
            examples(growing.index[growing.to_numpy()].to_series()),
        ),
    ]


def card_statements(
    accounts: pd.DataFrame, transactions: pd.DataFrame, liabilities: pd.DataFrame, start: dt.date
) -> list[Finding]:
    """A card's last statement is its posted charges of that calendar month (checked when
    the whole month is inside the window)."""
    credit = liabilities[
        (liabilities["liability_type"] == "credit")
        & liabilities["last_statement_issue_date"].notna()
    ]
    closed = credit["last_statement_issue_date"].to_numpy().astype("datetime64[M]")
    whole = closed.astype("datetime64[D]") >= np.datetime64(start, "D")
    charges = transactions[
        is_in(transactions["account_id"], credit["account_id"])
        & ~transactions["pending"]
        & (transactions["amount"] > 0)
    ]
    month = charges["date"].to_numpy().astype("datetime64[M]")
    closing = pd.Series(closed, index=credit["account_id"].to_numpy())
    in_month = month == closing.reindex(charges["account_id"]).to_numpy()
    total = charges.loc[in_month].groupby("account_id")["amount"].sum()
    total = total.reindex(credit["account_id"], fill_value=0.0).to_numpy(dtype=float)
    statement = credit["last_statement_balance"].to_numpy(dtype=float)
    bad = whole & ~np.isclose(total, statement, atol=CENT)
    return [
        Finding(
            "card statement = the month's posted charges",
            int(whole.sum()),
            int(bad.sum()),
            examples(credit["account_id"][bad]),
        )
    ]


def _fits(title: str, tags: str, prompt: str) -> tuple[bool, bool]:
    """(the title is one of the prompt's subject phrases, or that phrase's subject, without
    its article; the tags, if any, are the domain, then words of its subjects or of the
    prompt's styles, and other words only once those have all been used)."""
    phrases = prompt_phrases(prompt)
    titles = {
        without_article(whole).lower()
        for p in phrases
        if p in SUBJECT_OF
        for whole in (p, SUBJECT_OF[p])
    }
    domain, *rest = [t for t in tags.strip("{}").split(",") if t] or [""]
    own = DOMAIN_TAGS.get(domain, frozenset()) | {
        t for p in phrases for t in PHRASE_TAGS.get(p, ())
    }
    exhausted = own <= set(rest) | {domain}
    return title.lower() in titles, domain in ("", *DOMAIN_TAGS) and (set(rest) <= own or exhausted)


def content_fits_prompt(content: pd.DataFrame) -> list[Finding]:
    """An item's title is taken from its prompt, and its tags from the prompt's domain and
    phrases (a pasta image is tagged with food words)."""
    fits = [
        _fits(*row)
        for row in zip(content["title"], content["tags"], content["prompt"], strict=True)
    ]
    titled = np.array([f[0] for f in fits], dtype=bool)
    tagged = np.array([f[1] for f in fits], dtype=bool)
    ids = content["id"]
    return [
        Finding("titles come from the prompt", len(ids), int((~titled).sum()), examples(ids[~titled])),
        Finding("tags come from the prompt's domain", len(ids), int((~tagged).sum()), examples(ids[~tagged])),
    ]  # fmt: skip


def homes_are_real(users: pd.DataFrame) -> list[Finding]:
    """Users live in real US cities of the state they are in (GeoNames' list)."""
    names, states, _ = us_cities()
    real = pd.MultiIndex.from_arrays([names, states])
    found = pd.MultiIndex.from_arrays([users["city"], users["region"]]).isin(real)
    return [
        Finding(
            "homes are real cities of their state",
            len(users),
            int((~found).sum()),
            examples(users["id"][~found]),
        )
    ]
