"""Rules that make the data hang together like real money and real activity: balances equal
their flows, card payments appear on both sides, recurring streams recur, and nothing happens
before its parent exists or outside the persona's window. Plain functions returning Findings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from synth_assets.checks.integrity import Finding, examples
from synth_assets.personas import PayFrequency

CENT = 0.005
CARD_PAYMENT = "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"
# Allowed gaps in days between consecutive paychecks, by pay frequency.
PAY_GAPS = {
    PayFrequency.WEEKLY: (7, 7),
    PayFrequency.BIWEEKLY: (14, 14),
    PayFrequency.SEMI_MONTHLY: (13, 17),
    PayFrequency.MONTHLY: (28, 31),
}
MONTHLY_GAP = (28, 31)
YEARLY_GAP = (365, 366)


def _mismatch(rule: str, ids: pd.Series, expected: np.ndarray, actual: np.ndarray) -> Finding:
    bad = ~np.isclose(np.nan_to_num(expected, nan=0.0), np.nan_to_num(actual, nan=0.0), atol=CENT)
    return Finding(rule, len(ids), int(bad.sum()), examples(ids[bad]))


def balance_consistency(accounts: pd.DataFrame, transactions: pd.DataFrame) -> list[Finding]:
    """current = opening -/+ posted flows (depository / credit); credit available = limit -
    current; depository available = current - pending outflows; loans keep their principal."""
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
    expected = np.select(
        [kind == "depository", kind == "credit"], [opening - posted, opening + posted], opening
    )
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
    transactions: pd.DataFrame, pay_frequency: PayFrequency, yearly_merchants: set[str]
) -> list[Finding]:
    """Paychecks arrive on the pay schedule from one payer; subscriptions and bills recur
    monthly (or yearly) at a fixed amount; rent is the same each month."""
    findings = []
    income = transactions[transactions["pfc_primary"] == "INCOME"]
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
    return [
        _after(
            "account opened after its user signed up",
            ids,
            accounts["created_at"].to_numpy(),
            signup,
        ),
        _within(
            "account opened inside the window", ids, accounts["created_at"].to_numpy(), start, end
        ),
    ]


def transactions_time(
    accounts: pd.DataFrame, transactions: pd.DataFrame, start: dt.date, end: dt.date
) -> list[Finding]:
    opened = (
        accounts.set_index("account_id")["created_at"]
        .reindex(transactions["account_id"])
        .to_numpy()
    )
    ids = transactions["transaction_id"]
    when = transactions["datetime"].to_numpy()
    return [
        _after("transaction after its account opened", ids, when, opened),
        _within("transaction inside the window", ids, when, start, end),
        _after(
            "authorized on or before posted",
            ids,
            transactions["date"].to_numpy(),
            transactions["authorized_date"].to_numpy(),
        ),
    ]


def content_time(
    users: pd.DataFrame, content: pd.DataFrame, start: dt.date, end: dt.date
) -> list[Finding]:
    signup = users.set_index("id")["created_at"].reindex(content["user_id"]).to_numpy()
    ids = content["id"]
    return [
        _after(
            "content created after its user signed up",
            ids,
            content["created_at"].to_numpy(),
            signup,
            strict=True,
        ),
        _within(
            "content created inside the window", ids, content["created_at"].to_numpy(), start, end
        ),
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
        _within("job created inside the window", ids, created, start, end),
    ]
