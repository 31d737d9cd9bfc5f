"""Plaid rules that a per-object JSON Schema cannot express, written once and vectorised over
columns, so the object validator and the columnar check apply the very same logic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.plaid.taxonomy import DETAILED_TO_PRIMARY

# Money in (negative amounts) by PFC primary; loan payments depend on the account's side.
MONEY_IN = ("INCOME", "TRANSFER_IN", "LOAN_DISBURSEMENTS")
LOAN_PAYMENTS = "LOAN_PAYMENTS"
CARD_PAYMENT = "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"


def expected_sign(
    primary: np.ndarray, detailed: np.ndarray, account_type: np.ndarray
) -> np.ndarray:
    """+1 money out (positive amount), -1 money in (negative), 0 where the category alone
    cannot tell: a card payment leaves checking (+) and arrives on the card (-)."""
    sign = np.where(np.isin(primary, MONEY_IN), -1, 1)
    loan = primary == LOAN_PAYMENTS
    card_side = np.where(account_type == "credit", -1, np.where(account_type == "depository", 1, 0))
    loan_side = np.where(account_type == "depository", 1, 0)
    sign = np.where(loan, np.where(detailed == CARD_PAYMENT, card_side, loan_side), sign)
    return np.where(pd.isna(primary), 0, sign)


def sign_violations(amount: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Amounts on the wrong side of zero (NaN amounts are type errors, not sign errors)."""
    amount = np.asarray(amount, dtype=float)
    return (expected != 0) & ~np.isnan(amount) & (amount * expected <= 0)


def sign_message(detailed: object, amount: float, expected: int) -> str:
    direction = "negative (money in)" if expected < 0 else "positive (money out)"
    return f"{detailed} amount {amount:g} should be {direction}"


def date_order_message(date: object, authorized: object) -> str:
    return f"authorized_date {authorized} is after date {date}"


def date_order_violations(date: np.ndarray, authorized: np.ndarray) -> np.ndarray:
    """authorized_date after date. Both arrays hold datetime64 or ISO strings (which compare
    like dates); a missing value never violates."""
    both = ~pd.isna(date) & ~pd.isna(authorized)
    out = np.zeros(len(date), dtype=bool)
    if np.issubdtype(date.dtype, np.datetime64) and np.issubdtype(authorized.dtype, np.datetime64):
        out[both] = authorized[both] > date[both]
    else:
        out[both] = np.asarray(authorized[both], dtype=str) > np.asarray(date[both], dtype=str)
    return out


def category_violations(primary: np.ndarray, detailed: np.ndarray) -> np.ndarray:
    """The detailed category is not one of its primary's in PFC v2."""
    codes, uniques = pd.factorize(np.asarray(detailed, dtype=object))
    owners = np.array([DETAILED_TO_PRIMARY.get(value) for value in uniques] + [None], dtype=object)
    return owners[codes] != np.asarray(primary, dtype=object)  # code -1 (missing) -> None


def currency_violations(iso: np.ndarray, unofficial: np.ndarray) -> np.ndarray:
    """Not exactly one of the two currency codes is set."""
    return pd.isna(iso) == pd.isna(unofficial)
