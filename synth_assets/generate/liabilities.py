"""The ``liabilities`` table (Plaid ``/liabilities/get``): one row per credit card, student loan
and mortgage account, derived from the account and its payment transactions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate.common import Context
from synth_assets.generate.transactions import DEFAULT_APR, LOAN_TERMS_MONTHS, _apr

TABLE = "liabilities"
LIABILITY_TYPE = {"credit card": "credit", "student": "student", "mortgage": "mortgage"}
DUE_DAYS_AFTER_STATEMENT = 21
MIN_PAYMENT_FLOOR = 25.0
MIN_PAYMENT_RATE = 0.02  # minimum card payment: 2% of the statement balance, at least $25
PAYMENT_CATEGORIES = (
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
    "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
)


def _last_payments(accounts: pd.DataFrame, transactions: pd.DataFrame) -> pd.DataFrame:
    """Last payment (amount, date) per liability account: card payments land on the card,
    loan payments leave checking under the loan's name."""
    payments = transactions[transactions["pfc_detailed"].isin(PAYMENT_CATEGORIES)]
    names = accounts["official_name"] + " PAYMENT"
    checking = accounts[accounts["subtype"] == "checking"].set_index("user_id")["account_id"]
    loan_key = checking.reindex(accounts["user_id"]).to_numpy() + "|" + names.to_numpy()
    by_key = pd.Series(accounts["account_id"].to_numpy(), index=loan_key)
    on_card = payments["amount"] < 0
    target = np.where(
        on_card,
        payments["account_id"],
        by_key.reindex(payments["account_id"] + "|" + payments["name"]).to_numpy(),
    )
    last = (
        pd.DataFrame(
            {
                "account_id": target,
                "amount": payments["amount"].abs().to_numpy(),
                "date": payments["date"].to_numpy(),
            }
        )
        .dropna(subset=["account_id"])
        .sort_values(["account_id", "date"], kind="stable")
        .groupby("account_id")
        .last()
    )
    return last


def generate_liabilities(
    ctx: Context, accounts: pd.DataFrame, transactions: pd.DataFrame
) -> pd.DataFrame:
    rng = ctx.rng(TABLE)
    owed = accounts[accounts["subtype"].isin(LIABILITY_TYPE)].reset_index(drop=True)
    n = len(owed)
    subtype = owed["subtype"].to_numpy()
    kind = np.array([LIABILITY_TYPE[s] for s in subtype])
    last = _last_payments(accounts, transactions).reindex(owed["account_id"])
    end = np.datetime64(ctx.persona.date_range.end, "D")
    statement = (end.astype("datetime64[M]")).astype("datetime64[D]") - 1  # last month-end
    balance = owed["balance_current"].to_numpy()
    apr = np.array([_liability_apr(ctx, s) for s in subtype]) + np.round(rng.normal(0, 0.5, n), 2)
    term = np.array([LOAN_TERMS_MONTHS.get(s, 0) for s in subtype])
    age_months = rng.integers(6, np.maximum(term // 2, 7))
    origination = (np.datetime64(ctx.persona.date_range.start, "M") - age_months).astype(
        "datetime64[D]"
    )
    is_credit = kind == "credit"
    minimum = np.where(
        is_credit,
        np.minimum(balance, np.maximum(MIN_PAYMENT_FLOOR, np.round(balance * MIN_PAYMENT_RATE, 2))),
        last["amount"].to_numpy(),
    )
    return pd.DataFrame(
        {
            "account_id": owed["account_id"].to_numpy(),
            "persona": ctx.persona.name,
            "liability_type": kind,
            "is_overdue": False,
            "last_payment_amount": last["amount"].to_numpy(),
            "last_payment_date": last["date"].to_numpy(),
            "last_statement_issue_date": np.where(is_credit, statement, np.datetime64("NaT")),
            "last_statement_balance": np.where(is_credit, balance, np.nan),
            "minimum_payment_amount": minimum,
            "next_payment_due_date": statement + DUE_DAYS_AFTER_STATEMENT,
            "apr_percentage": np.round(apr.clip(min=0.5), 2),
            "origination_date": np.where(is_credit, np.datetime64("NaT"), origination),
            "origination_principal_amount": np.where(
                is_credit, np.nan, np.round(balance * rng.uniform(1.05, 1.4, n), -2)
            ),
            "maturity_date": np.where(
                is_credit, np.datetime64("NaT"), origination.astype("datetime64[M]") + term
            ).astype("datetime64[D]"),
            "loan_name": np.where(is_credit, None, owed["official_name"].to_numpy()),
        }
    )


def _liability_apr(ctx: Context, subtype: str) -> float:
    if subtype == "credit card":
        spec = ctx.persona.accounts.get("credit_card")
        return spec.apr_percentage if spec and spec.apr_percentage is not None else 24.0
    return _apr(ctx, subtype) if subtype in DEFAULT_APR else 6.0
