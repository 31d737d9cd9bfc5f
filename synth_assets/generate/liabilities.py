"""The ``liabilities`` table (Plaid ``/liabilities/get``): one row per credit card, student
loan and mortgage account, as the lender reports it at the as-of date.

Rules, stated once:
- a card's statement closes on the last day of each calendar month; its balance is that
  month's posted charges; autopay pays it in full on the 21st of the next month. The last
  statement is the latest one closed by the as-of date; the next payment is due on the 21st
  after it (or, once that has been paid, the 21st after the next one). The minimum payment
  is 2% of the statement, at least $25, never more than the statement, and nothing once paid;
- a loan's payments follow its amortisation schedule (``schedules.Loans``): the last payment
  and the next one due, and this calendar year's interest and principal paid;
- a liability is overdue when its next payment should have settled (the due day, or the
  next business day after a weekend or holiday due day) before the as-of date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets import builtin_tables
from synth_assets.generate import calendar
from synth_assets.generate.book import Book
from synth_assets.generate.calendar import CARD_PAYMENT_DAY
from synth_assets.generate.common import Context
from synth_assets.generate.flows import Flows
from synth_assets.generate.recurring import CARD_PAYMENT
from synth_assets.generate.schedules import Loans

TABLE = "liabilities"
LIABILITY_TYPE = {"credit card": "credit", "student": "student", "mortgage": "mortgage"}
MIN_PAYMENT_FLOOR = 25.0
MIN_PAYMENT_RATE = 0.02


def last_statement(as_of: np.datetime64) -> np.datetime64:
    """The month of the latest card statement closed by the end of ``as_of``."""
    month = as_of.astype("datetime64[M]")
    return month if calendar.month_days(month)[1] == as_of else month - 1


def minimum_payment(statement: np.ndarray) -> np.ndarray:
    return np.minimum(
        statement, np.maximum(MIN_PAYMENT_FLOOR, np.round(statement * MIN_PAYMENT_RATE, 2))
    )


def _cards(book: Book, rows: np.ndarray, as_of: np.datetime64, statements, history: Flows) -> dict:
    closed = last_statement(as_of)
    owed = statements.get(closed, {})
    balance = np.array([owed.get(card, 0.0) for card in rows])
    due = calendar.day_of_month(closed + 1, np.full(len(rows), CARD_PAYMENT_DAY))
    paid = calendar.autopay_day(closed + 1, np.full(len(rows), CARD_PAYMENT_DAY)) <= as_of
    later = calendar.day_of_month(closed + 2, np.full(len(rows), CARD_PAYMENT_DAY))
    payments = (
        (history["detailed"] == CARD_PAYMENT)
        & (history["amount"] < 0)
        & ~np.isnat(history["posted"])
        & (history["posted"] <= as_of)
    )
    last = pd.DataFrame(
        {"card": history["account"][payments], "day": history["posted"][payments],
         "amount": -history["amount"][payments]}
    ).sort_values(["card", "day"], kind="stable").groupby("card").last().reindex(rows)  # fmt: skip
    return {
        "last_payment_amount": last["amount"].to_numpy(dtype=float),
        "last_payment_date": last["day"].to_numpy().astype("datetime64[D]"),
        "last_statement_issue_date": np.full(len(rows), calendar.month_days(closed)[1]),
        "last_statement_balance": np.round(balance, 2),
        "minimum_payment_amount": np.where(paid, 0.0, minimum_payment(balance)),
        "next_payment_due_date": np.where(paid, later, due),
    }


def generate_liabilities(
    ctx: Context, book: Book, statements: dict, loans: Loans, history: Flows
) -> pd.DataFrame:
    """The table at ``ctx``'s as-of date, for every liability account open by then."""
    accounts = book.accounts
    as_of = np.datetime64(ctx.window.end, "D")
    owed = accounts.index[accounts["subtype"].isin(LIABILITY_TYPE)].to_numpy()
    owed = owed[book.opened[owed] <= ctx.window.last_second]
    subtype = accounts["subtype"].to_numpy()[owed]
    cards, loan_rows = owed[subtype == "credit card"], owed[subtype != "credit card"]
    facts = loans.facts(as_of.astype("datetime64[s]") + np.timedelta64(1, "D")).reindex(loan_rows)
    loan_terms = accounts.loc[loan_rows]
    nat = np.datetime64("NaT", "D")
    origination = loan_terms["_origination"].to_numpy().astype("datetime64[D]")
    maturity = (
        origination.astype("datetime64[M]") + loan_terms["_term"].to_numpy(dtype=np.int64)
    ).astype("datetime64[D]")
    card = _cards(book, cards, as_of, statements, history)
    frame = pd.concat(
        [
            pd.DataFrame({"row": cards, **card}),
            pd.DataFrame(
                {
                    "row": loan_rows,
                    "last_payment_amount": facts["last_payment_amount"].to_numpy(),
                    "last_payment_date": facts["last_payment_date"].to_numpy(),
                    "last_statement_issue_date": nat,
                    "last_statement_balance": np.nan,
                    "minimum_payment_amount": facts["next_payment_amount"].to_numpy(),
                    "next_payment_due_date": facts["next_payment_due_date"].to_numpy(),
                    "origination_date": origination,
                    "origination_principal_amount": loan_terms["_principal"].to_numpy(),
                    "maturity_date": maturity,
                    "loan_name": loan_terms["official_name"].to_numpy(),
                    "ytd_interest_paid": facts["ytd_interest_paid"].to_numpy(),
                    "ytd_principal_paid": facts["ytd_principal_paid"].to_numpy(),
                }
            ),
        ],
        ignore_index=True,
    ).sort_values("row", kind="stable")
    rows = frame["row"].to_numpy()
    frame["account_id"] = accounts["account_id"].to_numpy()[rows]
    frame["persona"] = ctx.persona.name
    frame["liability_type"] = [LIABILITY_TYPE[s] for s in accounts["subtype"].to_numpy()[rows]]
    frame["apr_percentage"] = accounts["_apr"].to_numpy(dtype=float)[rows]
    settles = calendar.add_business_days(frame["next_payment_due_date"].to_numpy(), 0)
    frame["is_overdue"] = settles < as_of
    for column in ("origination_date", "maturity_date", "last_statement_issue_date"):
        frame[column] = frame[column].astype("datetime64[s]")
    return frame[builtin_tables.columns(TABLE)].reset_index(drop=True)
