"""The ``accounts`` table (Plaid ``AccountBase``): each user's products, drawn from the
persona's account mix, and the terms each balance follows over time.

Accounts are the same at every as-of date: opened once, after their user's signup (checking
within a day, the rest within a month), with terms fixed at opening: a loan's principal, rate,
term and payment day; a savings account's first deposit, rate and monthly transfer. Balances
at a date are settled from these terms and the transactions (``balances``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets import builtin_tables
from synth_assets.generate.common import SECONDS_PER_DAY, Context, lognormal
from synth_assets.generate.purchases import CARD_SHARE, expected_monthly_purchases
from synth_assets.personas import AccountKind

TABLE = "accounts"
OPENING_WINDOW_DAYS = 30  # accounts are linked within a month of signup
LOAN_TERMS_MONTHS = {"student": 120, "mortgage": 360, "auto": 60}
LOAN_AGE_MONTHS = (6, 60)  # a loan was taken out this long before its account was linked
PRINCIPAL_AT_ORIGINATION = (1.05, 1.4)  # x the persona's balance: what was first borrowed
DEFAULT_APR = {"student": 5.5, "mortgage": 6.5, "auto": 7.0, "credit card": 24.0, "savings": 4.0}
APR_JITTER = 0.5  # percentage points between a persona's accounts
CREDIT_LIMIT_FLOOR = 500.0
LIMIT_MONTHS = 4.0  # a card's limit covers this many months of typical card spending

# kind -> (Plaid type, Plaid subtype, display name, official-name suffix)
PRODUCTS: dict[AccountKind, tuple[str, str, str, str]] = {
    AccountKind.CHECKING: ("depository", "checking", "Everyday Checking", "Everyday Checking Account"),
    AccountKind.SAVINGS: ("depository", "savings", "High-Yield Savings", "High-Yield Savings Account"),
    AccountKind.CREDIT_CARD: ("credit", "credit card", "Rewards Card", "Cash Rewards Visa Signature"),
    AccountKind.STUDENT_LOAN: ("loan", "student", "Student Loan", "Direct Unsubsidized Student Loan"),
    AccountKind.MORTGAGE: ("loan", "mortgage", "Home Mortgage", "30-Year Fixed Rate Mortgage"),
    AccountKind.AUTO_LOAN: ("loan", "auto", "Auto Loan", "60-Month Auto Loan"),
}  # fmt: skip
BANKS = np.array(
    [
        "Harbor Federal", "Summit Credit Union", "Meridian Bank", "Pioneer Savings",
        "Blue Ridge Bank", "Cascade National", "Lakeside Trust", "Granite State Bank",
    ]
)  # fmt: skip
# Terms columns carried beside the table's own (dropped before the table leaves banking).
TERMS = ("apr", "principal", "origination", "term", "payment_day", "payment", "saving")


def monthly_payment(
    principal: np.ndarray, apr_percent: np.ndarray, months: np.ndarray
) -> np.ndarray:
    """The level payment that amortises ``principal`` over ``months`` at ``apr_percent``."""
    rate = np.asarray(apr_percent, dtype=float) / 100 / 12
    return np.round(principal * rate / (1 - (1 + rate) ** -np.asarray(months, dtype=float)), 2)


def card_limit_floor(ctx: Context) -> float:
    """The lowest credit limit the persona's card spending fits under: a card owes up to a
    month's statement plus the next month's charges, so the limit is several months of
    typical card spending (rounded up to $500), and never under $500."""
    monthly = expected_monthly_purchases(ctx) * CARD_SHARE + sum(
        s.highest_price * s.probability for s in ctx.persona.spending.subscriptions
    )
    return max(CREDIT_LIMIT_FLOOR, float(np.ceil(LIMIT_MONTHS * monthly / 500) * 500))


def _apr(ctx: Context, kind: AccountKind, subtype: str, rng: np.random.Generator, n: int):
    spec = ctx.persona.accounts[kind]
    base = spec.apr_percentage if spec.apr_percentage is not None else DEFAULT_APR[subtype]
    return np.round(base + rng.normal(0, APR_JITTER, n), 2).clip(min=0.5)


def _product(
    ctx: Context, rng: np.random.Generator, users: pd.DataFrame, kind: AccountKind, held, opened
) -> dict:
    """The rows of one product for the users ``held`` (indices into ``users``)."""
    spec, n = ctx.persona.accounts[kind], len(held)
    plaid_type, subtype, name, official = PRODUCTS[kind]
    balance = np.round(lognormal(rng, spec.balance, n), 2)
    columns: dict = {**dict.fromkeys(TERMS, np.nan), "origination": np.datetime64("NaT", "D")}
    limit = np.full(n, np.nan)
    if plaid_type == "credit":
        drawn = np.round(lognormal(rng, spec.limit or spec.balance, n), -2)
        limit = np.maximum(drawn, card_limit_floor(ctx))
    if plaid_type != "depository" or subtype == "savings":
        columns["apr"] = _apr(ctx, kind, subtype, rng, n)
    if plaid_type == "loan":
        term = LOAN_TERMS_MONTHS[subtype]
        age = rng.integers(LOAN_AGE_MONTHS[0], min(LOAN_AGE_MONTHS[1], term // 2) + 1, n)
        principal = np.round(balance * rng.uniform(*PRINCIPAL_AT_ORIGINATION, n), -2)
        linked = opened.astype("datetime64[M]")
        columns |= {
            "principal": principal,
            "origination": (linked - age).astype("datetime64[D]") + rng.integers(0, 28, n),
            "term": np.full(n, term),
            "payment_day": rng.integers(1, 29, n),
            "payment": monthly_payment(principal, columns["apr"], term),
        }
    if subtype == "savings":
        saving = ctx.persona.spending.saving
        income = users["annual_income"].to_numpy(dtype=float)[held]
        saves = rng.random(n) < saving.probability
        amount = np.maximum(np.round(income * saving.share_of_income / 12, -1), 10.0)
        columns |= {"principal": balance, "saving": np.where(saves, amount, 0.0)}
    return {
        "user_index": held,
        "user_id": users["id"].to_numpy()[held],
        "kind": kind.value,
        "name": name,
        "official_name": official,
        "type": plaid_type,
        "subtype": subtype,
        "balance_limit": limit,
        "created_at": opened,
        **{f"_{key}": value for key, value in columns.items()},
    }


def generate_accounts(ctx: Context, users: pd.DataFrame) -> pd.DataFrame:
    """One row per (user, product held); checking is always held, the rest by probability.
    Columns named ``_<term>`` carry the terms of ``TERMS``; balances are left to settle."""
    rng = ctx.rng(TABLE)
    n_users = len(users)
    bank = BANKS[rng.integers(0, len(BANKS), n_users)]
    # Checking opens first (within a day of signup): pay lands there and it pays the other
    # products' bills, so nothing is paid from an account that does not exist yet.
    checking_opened = users["created_at"].to_numpy().astype("datetime64[s]") + rng.integers(
        0, SECONDS_PER_DAY, n_users
    ).astype("timedelta64[s]")
    pieces = []
    for order, kind in enumerate(ctx.persona.accounts):
        held = np.flatnonzero(rng.random(n_users) < ctx.persona.accounts[kind].probability)
        if not len(held):  # nobody holds it (a small block, a low probability)
            continue
        later = 0 if kind is AccountKind.CHECKING else OPENING_WINDOW_DAYS * SECONDS_PER_DAY
        opened = checking_opened[held] + rng.integers(0, later + 1, len(held)).astype(
            "timedelta64[s]"
        )
        piece = pd.DataFrame(_product(ctx, rng, users, kind, held, opened))
        piece["kind_order"] = order
        piece["official_name"] = np.char.add(bank[held].astype(str), " " + PRODUCTS[kind][3])
        piece["mask"] = np.char.zfill(rng.integers(0, 10_000, len(held)).astype(str), 4)
        pieces.append(piece)
    frame = pd.concat(pieces, ignore_index=True).sort_values(
        ["user_index", "kind_order"], kind="stable"
    )
    frame = frame.drop(columns=["kind_order"]).reset_index(drop=True)
    frame.insert(0, "account_id", ctx.ids(TABLE, len(frame)))
    frame["persona"] = ctx.persona.name
    frame["iso_currency_code"] = "USD"
    frame["unofficial_currency_code"] = None
    for column in ("balance_available", "balance_current", "opening_balance"):
        frame[column] = np.nan
    return frame


def table(accounts: pd.DataFrame) -> pd.DataFrame:
    """The ``accounts`` table's columns, in the schema's order (terms and helpers dropped)."""
    return accounts[builtin_tables.columns(TABLE)].reset_index(drop=True)
