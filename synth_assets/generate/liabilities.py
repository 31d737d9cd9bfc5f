"""The ``liabilities`` table (Plaid ``/liabilities/get``): one row per credit card, student loan
and mortgage account, derived from the account and its transactions.

Rules, stated once:
- last payment (amount, date) is the account's last payment transaction;
- a card's statement closes at each month end; its balance is that month's purchases (the
  first statement also carries the opening balance); it is due 21 days later, and the minimum
  payment is 2% of it, at least $25, never more than the balance;
- a loan is due monthly: next due date is a month after its last payment, and the minimum
  payment is its level amortising payment;
- a liability is overdue when its next payment due date is before the window's end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate.common import Context
from synth_assets.generate.recurring import CARD_PAYMENT_DAY, LOAN_TERMS_MONTHS, apr

TABLE = "liabilities"
LIABILITY_TYPE = {"credit card": "credit", "student": "student", "mortgage": "mortgage"}
MIN_PAYMENT_FLOOR = 25.0
MIN_PAYMENT_RATE = 0.02
APR_JITTER = 0.5  # percentage points between a persona's accounts
PAYMENT_CATEGORIES = (
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
    "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
)


def last_payments(accounts: pd.DataFrame, transactions: pd.DataFrame) -> pd.DataFrame:
    """Last payment (amount, date) per liability account: card payments land on the card;
    loan payments leave the borrower's checking under the loan's name."""
    payments = transactions.loc[
        transactions["pfc_detailed"].isin(PAYMENT_CATEGORIES),
        ["account_id", "amount", "name", "date"],
    ]
    checking = accounts[accounts["subtype"] == "checking"].set_index("user_id")["account_id"]
    loan_key = (
        checking.reindex(accounts["user_id"]).to_numpy()
        + "|"
        + accounts["official_name"]
        + " PAYMENT"
    )
    loan_of = pd.Series(accounts["account_id"].to_numpy(), index=loan_key.to_numpy())
    paid_to = loan_of.reindex(payments["account_id"] + "|" + payments["name"]).to_numpy()
    target = np.where(payments["amount"] < 0, payments["account_id"], paid_to)
    frame = pd.DataFrame(
        {
            "account_id": target,
            "amount": payments["amount"].abs().to_numpy(),
            "date": payments["date"].to_numpy(),
        }
    )
    return (
        frame.dropna(subset=["account_id"])
        .sort_values(["account_id", "date"], kind="stable")
        .groupby("account_id")
        .last()
    )


def statement_balances(
    accounts: pd.DataFrame, transactions: pd.DataFrame, month: np.datetime64
) -> pd.Series:
    """Each card's statement balance for ``month``: its purchases that month, plus the
    opening balance when that is the card's first statement (as ``recurring.card_payments``)."""
    cards = accounts[accounts["subtype"] == "credit card"].set_index("account_id")
    card_spend = transactions["account_id"].isin(cards.index) & (transactions["amount"] > 0)
    spend = transactions.loc[card_spend, ["account_id", "amount", "datetime"]]
    months = spend["datetime"].to_numpy().astype("datetime64[M]")
    first = pd.Series(months, index=spend.index).groupby(spend["account_id"]).min()
    this_month = spend[months == month].groupby("account_id")["amount"].sum()
    opening = cards["opening_balance"].where(first.reindex(cards.index).to_numpy() == month, 0.0)
    return (this_month.reindex(cards.index, fill_value=0.0) + opening).round(2)


def statement_day(ctx: Context) -> np.datetime64:
    """The day the last card statement closed: the window's last month end."""
    as_of = np.datetime64(ctx.persona.date_range.end, "D")
    return (as_of + 1).astype("datetime64[M]").astype("datetime64[D]") - 1


def liability_facts(
    ctx: Context, accounts: pd.DataFrame, transactions: pd.DataFrame
) -> pd.DataFrame:
    """What liabilities need from the transactions, per liability account: statement balance
    and last payment. Each account's rows are all in one block of users, so the facts of
    several blocks concatenate into those of the whole persona."""
    owed = accounts.loc[accounts["subtype"].isin(LIABILITY_TYPE), "account_id"]
    last = last_payments(accounts, transactions).reindex(owed)
    return pd.DataFrame(
        {
            "statement_balance": statement_balances(
                accounts, transactions, statement_day(ctx).astype("datetime64[M]")
            ).reindex(owed),
            "last_payment_amount": last["amount"],
            "last_payment_date": last["date"],
        },
        index=owed,
    )


def generate_liabilities(
    ctx: Context, accounts: pd.DataFrame, transactions: pd.DataFrame
) -> pd.DataFrame:
    return liabilities_from_facts(ctx, accounts, liability_facts(ctx, accounts, transactions))


def liabilities_from_facts(
    ctx: Context, accounts: pd.DataFrame, facts: pd.DataFrame
) -> pd.DataFrame:
    """The table from the accounts and their facts (one draw over the persona's accounts)."""
    rng = ctx.rng(TABLE)
    owed = accounts[accounts["subtype"].isin(LIABILITY_TYPE)].reset_index(drop=True)
    n, subtype = len(owed), owed["subtype"].to_numpy()
    is_credit = subtype == "credit card"
    as_of = np.datetime64(ctx.persona.date_range.end, "D")
    statement = statement_day(ctx)
    facts = facts.reindex(owed["account_id"])
    statement_balance = facts["statement_balance"].to_numpy(dtype=float)
    last = facts.rename(columns={"last_payment_amount": "amount", "last_payment_date": "date"})
    paid_on = last["date"].to_numpy().astype("datetime64[D]")
    term = np.array([LOAN_TERMS_MONTHS.get(s, 0) for s in subtype])
    rate = np.round(
        np.array([apr(ctx, s) for s in subtype]) + rng.normal(0, APR_JITTER, n), 2
    ).clip(min=0.5)
    card_minimum = np.minimum(
        statement_balance,
        np.maximum(MIN_PAYMENT_FLOOR, np.round(statement_balance * MIN_PAYMENT_RATE, 2)),
    )
    due = np.where(is_credit, statement + CARD_PAYMENT_DAY, _add_month(paid_on))
    age = rng.integers(6, np.maximum(term // 2, 7))
    origination = (np.datetime64(ctx.persona.date_range.start, "M") - age).astype("datetime64[D]")
    nat = np.datetime64("NaT", "D")
    return pd.DataFrame(
        {
            "account_id": owed["account_id"].to_numpy(),
            "persona": ctx.persona.name,
            "liability_type": [LIABILITY_TYPE[s] for s in subtype],
            "is_overdue": due < as_of,
            "last_payment_amount": last["amount"].to_numpy(),
            "last_payment_date": paid_on,
            "last_statement_issue_date": np.where(is_credit, statement, nat),
            "last_statement_balance": np.where(is_credit, statement_balance, np.nan),
            "minimum_payment_amount": np.where(is_credit, card_minimum, last["amount"].to_numpy()),
            "next_payment_due_date": due,
            "apr_percentage": rate,
            "origination_date": np.where(is_credit, nat, origination),
            "origination_principal_amount": np.where(
                is_credit,
                np.nan,
                np.round(owed["opening_balance"].to_numpy() * rng.uniform(1.05, 1.4, n), -2),
            ),
            "maturity_date": np.where(
                is_credit, nat, (origination.astype("datetime64[M]") + term).astype("datetime64[D]")
            ),
            "loan_name": np.where(is_credit, None, owed["official_name"].to_numpy()),
        }
    )


def _add_month(days: np.ndarray) -> np.ndarray:
    """The same day of the next month (clipped to its last day); NaT stays NaT."""
    month = days.astype("datetime64[M]")
    offset = days - month.astype("datetime64[D]")
    next_month = month + 1
    length = (next_month + 1).astype("datetime64[D]") - next_month.astype("datetime64[D]")
    return next_month.astype("datetime64[D]") + np.minimum(offset, length - 1)
