"""Plaid Sandbox custom users: one ``user_custom`` config per user, built from our tables.

A config is sent to ``/sandbox/public_token/create`` as ``options.override_username =
"user_custom"`` and ``options.override_password = json.dumps(config)``, so a developer can link
a Sandbox Item that holds a persona user's own accounts and history.

Where the Sandbox differs from our tables:

- Mortgages are skipped (account and liability): Plaid Sandbox custom users do not support them.
- A future ``date_posted`` is how the Sandbox marks a transaction pending, so pending rows post
  ``PENDING_POST_DAYS`` after the last day of the transactions window. Plaid judges "future"
  (and its two-year limit) against its own clock, so an old window needs shifting before upload.
- Liability overrides take the single APR we store for every APR kind, and leave out fields we
  have no value for (the Sandbox fields are optional; null is not a valid number there).
  ``last_payment_amount`` goes on credit cards only: Plaid accepts it for no other type.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from synth_assets.plaid import json_text
from synth_assets.plaid.schema import SUBTYPES
from synth_assets.plaid.views import Converter, iso_dates, money, values

Config = dict[str, Any]

CONFIG_VERSION = "2"
CURRENCY = "USD"
ACH_ROUTING = "011401533"  # a routing number Plaid's Sandbox accepts for test accounts
ACCOUNT_NUMBER_DIGITS = 10
PENDING_POST_DAYS = 3
SANDBOX_TYPES = ("depository", "credit", "loan")
UNSUPPORTED_SUBTYPES = ("mortgage",)
INFLOW_TYPES = (
    "none",
    "monthly-income",
    "monthly-balance-payment",
    "monthly-interest-only-payment",
)
NO_INFLOW = {"type": "none"}
REPAYMENT_MODEL = {"type": "standard", "non_repayment_months": 0, "repayment_months": 120}
MASK = re.compile(r"[A-Za-z0-9]{2,4}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ACCOUNT_NUMBER = re.compile(r"\d{4,17}")
ROUTING = re.compile(r"\d{9}")

CONFIG_KEYS = ("version", "seed", "override_accounts")
ACCOUNT_KEYS = (
    "type",
    "subtype",
    "starting_balance",
    "currency",
    "meta",
    "numbers",
    "transactions",
    "identity",
    "inflow_model",
)
TRANSACTION_KEYS = ("date_transacted", "date_posted", "amount", "description", "currency")
IDENTITY_KEYS = ("names", "emails", "phone_numbers", "addresses")
IDENTITY_COLUMNS = ("id", "first_name", "last_name", "email", "city", "region", "postal_code")


class LiabilityRule(NamedTuple):
    account: tuple[str, str]  # the (type, subtype) of account it may sit on
    rate: str  # its required interest rate
    dates: tuple[str, ...]
    only: tuple[str, ...]  # keys Plaid accepts for this liability type alone


LIABILITY_RULES = {
    "credit": LiabilityRule(
        ("credit", "credit card"),
        "purchase_apr",
        (),
        ("purchase_apr", "cash_apr", "balance_transfer_apr", "special_apr", "last_payment_amount"),
    ),
    "student": LiabilityRule(
        ("loan", "student"),
        "nominal_apr",
        ("origination_date", "expected_payoff_date"),
        (
            "nominal_apr",
            "principal",
            "origination_date",
            "expected_payoff_date",
            "loan_name",
            "repayment_model",
        ),
    ),
}


# -- building ---------------------------------------------------------------------------------


def account_number(account_id: str, mask: str | None) -> str:
    """A stable 10-digit account number ending in the mask (when the mask is digits), derived
    from a hash of the account id: the same account always gets the same number."""
    tail = mask if mask and mask.isdigit() else ""
    width = ACCOUNT_NUMBER_DIGITS - len(tail)
    digest = int.from_bytes(hashlib.sha256(account_id.encode()).digest()[:8], "big")
    return f"{digest % 10**width:0{width}d}{tail}"


def _present(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The entries with a value: the Sandbox takes a missing field, not a null one."""
    return {key: value for key, value in mapping.items() if value is not None}


def _transaction(transacted, posted, amount, description, currency) -> Config:
    """One Sandbox transaction; parameters in ``TRANSACTION_KEYS`` order."""
    return dict(
        zip(TRANSACTION_KEYS, (transacted, posted, amount, description, currency), strict=True)
    )


def _transaction_columns(transactions: pd.DataFrame) -> list[tuple[pd.Series, Converter]]:
    """The column (and its converter) feeding each of ``_transaction``'s parameters.

    ``date_transacted`` is the authorized date (else the date); ``date_posted`` the date, or
    for pending rows ``PENDING_POST_DAYS`` after the window's last day: a future posting date
    is what makes the Sandbox show a transaction pending.
    """
    posted = transactions["date"]
    pending_post = posted.max() + pd.Timedelta(days=PENDING_POST_DAYS)
    posted = posted.where(~transactions["pending"].astype(bool), pending_post)
    return [
        (transactions["authorized_date"].fillna(transactions["date"]), iso_dates),
        (posted, iso_dates),
        (transactions["amount"], money),
        (transactions["name"], values),
        (transactions["iso_currency_code"], values),
    ]


def _sandbox_transactions(transactions: pd.DataFrame) -> dict[str, list[Config]]:
    """Sandbox transactions grouped by account id, each account's in table row order."""
    columns = [convert(column) for column, convert in _transaction_columns(transactions)]
    records = [_transaction(*row) for row in zip(*columns, strict=True)]
    groups = transactions.groupby("account_id", sort=False).indices
    return {account_id: [records[i] for i in rows] for account_id, rows in groups.items()}


def _credit_overrides(rows: pd.DataFrame) -> dict[str, Config]:
    apr = money(rows["apr_percentage"])
    return _overrides(
        rows,
        type="credit",
        purchase_apr=apr,
        cash_apr=apr,
        balance_transfer_apr=apr,
        special_apr=apr,
        last_payment_amount=money(rows["last_payment_amount"]),
    )


def _student_overrides(rows: pd.DataFrame) -> dict[str, Config]:
    return _overrides(
        rows,
        type="student",
        nominal_apr=money(rows["apr_percentage"]),
        principal=money(rows["origination_principal_amount"]),
        origination_date=iso_dates(rows["origination_date"]),
        expected_payoff_date=iso_dates(rows["maturity_date"]),
        loan_name=values(rows["loan_name"]),
        repayment_model=REPAYMENT_MODEL,
    )


def _overrides(rows: pd.DataFrame, **fields: Any) -> dict[str, Config]:
    """Liability overrides keyed by account id: ``fields`` are per-row lists or constants,
    joined by the payment fields every liability type takes."""
    shared = {
        "minimum_payment_amount": money(rows["minimum_payment_amount"]),
        "is_overdue": values(rows["is_overdue"]),
    }
    columns = {**fields, **shared}
    per_row = {key: value for key, value in columns.items() if isinstance(value, list)}
    constant = {key: value for key, value in columns.items() if key not in per_row}
    return {
        account_id: _present({**copy.deepcopy(constant), **dict(zip(per_row, row, strict=True))})
        for account_id, *row in zip(rows["account_id"].tolist(), *per_row.values(), strict=True)
    }


def _liability_overrides(liabilities: pd.DataFrame) -> dict[str, Config]:
    """Credit and student overrides by account id (mortgages are not supported)."""
    kind = liabilities["liability_type"]
    return {
        **_credit_overrides(liabilities[kind == "credit"]),
        **_student_overrides(liabilities[kind == "student"]),
    }


def _identities(users: pd.DataFrame) -> dict[str, Config]:
    """Identity by user id. We hold no phone number or street, so there are none."""
    return {
        user_id: {
            "names": [f"{first} {last}"],
            "emails": [{"data": email, "primary": True, "type": "primary"}],
            "phone_numbers": [],
            "addresses": [
                {
                    "data": _present(
                        {
                            "city": city,
                            "region": region,
                            "postal_code": postal_code,
                            "country": "US",
                        }
                    ),
                    "primary": True,
                }
            ],
        }
        for user_id, first, last, email, city, region, postal_code in zip(
            *(values(users[column]) for column in IDENTITY_COLUMNS), strict=True
        )
    }


def custom_user_configs(
    users: pd.DataFrame,
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
    liabilities: pd.DataFrame,
) -> dict[str, Config]:
    """One custom-user config per user id (in table order); each user's accounts in table
    order, mortgage accounts left out."""
    by_account = _sandbox_transactions(transactions)
    return _configs(
        users, accounts, liabilities, lambda _, account_id: by_account.get(account_id, [])
    )


def custom_user_texts(
    users: pd.DataFrame,
    accounts: pd.DataFrame,
    transactions: pd.DataFrame,
    liabilities: pd.DataFrame,
) -> Iterator[tuple[str, list[bytes | memoryview]]]:
    """The configs of ``custom_user_configs`` as the pieces of each user's UTF-8 JSON text,
    the transactions (nearly all of the bytes) written column-wise into one buffer ordered by
    account, each account's slice of it used in place."""
    position = pd.Series(np.arange(len(accounts)), index=accounts["account_id"].to_numpy())
    owners = position.reindex(transactions["account_id"].to_numpy()).to_numpy()
    known = ~np.isnan(owners)
    rows = transactions[known] if not known.all() else transactions
    owners = owners[known].astype(np.int64)
    if len(owners) and (np.diff(owners) < 0).any():  # generated rows already come by account
        order = np.argsort(owners, kind="stable")
        rows, owners = rows.iloc[order], owners[order]
    shape = json_text.template(json_text.dumps(_transaction(*map(json_text.slot, range(5)))))
    slots = [
        json_text.contiguous(json_text.encode(column, convert))
        for column, convert in _transaction_columns(rows)
    ]
    texts = json_text.fill(
        shape._replace(pieces=[*shape.pieces[:-1], shape.pieces[-1] + ","]), slots, len(rows)
    )
    starts = np.r_[0, np.cumsum(np.bincount(owners, minlength=len(accounts)))]
    slices = json_text.contiguous_bytes(texts, starts)
    configs = _configs(users, accounts, liabilities, lambda index, _: json_text.slot(index))
    for user_id, config in configs.items():
        account = json_text.template(json_text.dumps(config))
        pieces: list[bytes | memoryview] = [account.pieces[0].encode()]
        for piece, index in zip(account.pieces[1:], account.slots, strict=True):
            pieces += [b"[", slices[index][:-1], b"]" + piece.encode()]
        yield user_id, pieces


def _configs(
    users: pd.DataFrame,
    accounts: pd.DataFrame,
    liabilities: pd.DataFrame,
    transactions_of: Callable[[int, str], Any],
) -> dict[str, Config]:
    """The configs, each account's ``transactions`` given by ``transactions_of(position of
    the account in ``accounts``, account id)``."""
    identities = _identities(users)
    configs = {
        user_id: {"version": CONFIG_VERSION, "seed": user_id, "override_accounts": []}
        for user_id in identities
    }
    overrides = _liability_overrides(liabilities)
    supported = accounts[~accounts["subtype"].isin(UNSUPPORTED_SUBTYPES)]
    limits = money(supported["balance_limit"].where(supported["type"] == "credit"))
    for (
        index,
        account_id,
        user_id,
        kind,
        subtype,
        start,
        currency,
        name,
        official,
        limit,
        mask,
    ) in zip(
        np.flatnonzero(~accounts["subtype"].isin(UNSUPPORTED_SUBTYPES).to_numpy()).tolist(),
        *(values(supported[c]) for c in ("account_id", "user_id", "type", "subtype")),
        money(supported["opening_balance"]),
        *(values(supported[c]) for c in ("iso_currency_code", "name", "official_name")),
        limits,
        values(supported["mask"]),
        strict=True,
    ):
        account = {
            "type": kind,
            "subtype": subtype,
            "starting_balance": start,
            "currency": currency,
            "meta": _present(
                {"name": name, "official_name": official, "limit": limit, "mask": mask}
            ),
            "numbers": {"account": account_number(account_id, mask), "ach_routing": ACH_ROUTING},
            "transactions": transactions_of(index, account_id),
            "identity": copy.deepcopy(identities[user_id]),
            "inflow_model": dict(NO_INFLOW),
        }
        if account_id in overrides:
            account["liability"] = overrides[account_id]
        configs[user_id]["override_accounts"].append(account)
    return configs


# -- validating -------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, Mapping) else None


def _missing(mapping: Any, keys: tuple[str, ...], path: str) -> list[str]:
    if not isinstance(mapping, Mapping):
        return [f"{path}: expected an object, got {type(mapping).__name__}"]
    return [f"{path}.{key}: required key missing" for key in keys if key not in mapping]


def _transaction_problems(tx: Any, path: str) -> list[str]:
    problems = _missing(tx, TRANSACTION_KEYS, path)
    if not isinstance(tx, Mapping):
        return problems
    for key in ("date_transacted", "date_posted"):
        if key in tx and not _is_date(tx[key]):
            problems.append(f"{path}.{key}: {tx[key]!r} is not a YYYY-MM-DD date")
    if "amount" in tx and not _is_number(tx["amount"]):
        problems.append(f"{path}.amount: {tx['amount']!r} is not a number")
    if "currency" in tx and tx["currency"] != CURRENCY:
        problems.append(f"{path}.currency: {tx['currency']!r} is not {CURRENCY}")
    transacted, posted = tx.get("date_transacted"), tx.get("date_posted")
    if _is_date(transacted) and _is_date(posted) and transacted > posted:
        problems.append(f"{path}: date_transacted {transacted} is after date_posted {posted}")
    return problems


def _liability_problems(liability: Any, kind: Any, subtype: Any, path: str) -> list[str]:
    problems = _missing(liability, ("type",), path)
    if problems:
        return problems
    liability_type = liability["type"]
    rule = LIABILITY_RULES.get(liability_type) if isinstance(liability_type, str) else None
    if rule is None:
        return [f"{path}.type: {liability['type']!r} is not one of {sorted(LIABILITY_RULES)}"]
    if (kind, subtype) != rule.account:
        problems.append(f"{path}: a {liability['type']} liability on a {kind}/{subtype} account")
    if not _is_number(liability.get(rule.rate)):
        problems.append(f"{path}.{rule.rate}: {liability.get(rule.rate)!r} is not a number")
    for key in rule.dates:
        if key in liability and not _is_date(liability[key]):
            problems.append(f"{path}.{key}: {liability[key]!r} is not a YYYY-MM-DD date")
    foreign = {key for other in LIABILITY_RULES.values() for key in other.only} - set(rule.only)
    problems += [
        f"{path}.{key}: only allowed on another liability type"
        for key in sorted(foreign)
        if key in liability
    ]
    return problems


def _identifier_problems(account: Mapping[str, Any], path: str) -> list[str]:
    """The mask and the account and routing numbers."""
    problems = []
    mask = _get(account.get("meta"), "mask")
    if not isinstance(mask, str) or not MASK.fullmatch(mask):
        problems.append(f"{path}.meta.mask: {mask!r} does not match ^[A-Za-z0-9]{{2,4}}$")
    for key, pattern in (("account", ACCOUNT_NUMBER), ("ach_routing", ROUTING)):
        number = _get(account.get("numbers"), key)
        if not isinstance(number, str) or not pattern.fullmatch(number):
            problems.append(f"{path}.numbers.{key}: {number!r} is not a valid {key} number")
    return problems


def _type_problems(kind: Any, subtype: Any, path: str) -> list[str]:
    """A type custom users support, and a subtype of it other than a mortgage."""
    if kind not in SANDBOX_TYPES:
        return [f"{path}.type: {kind!r} is not one of {list(SANDBOX_TYPES)}"]
    if subtype in UNSUPPORTED_SUBTYPES:
        return [f"{path}.subtype: {subtype!r} is not supported by custom users"]
    if subtype not in SUBTYPES[kind]:
        return [f"{path}.subtype: {subtype!r} is not a {kind} subtype"]
    return []


def _account_problems(account: Any, path: str) -> list[str]:
    problems = _missing(account, ACCOUNT_KEYS, path)
    if not isinstance(account, Mapping):
        return problems
    kind, subtype = account.get("type"), account.get("subtype")
    problems += _type_problems(kind, subtype, path)
    if "starting_balance" in account and not _is_number(account["starting_balance"]):
        problems.append(f"{path}.starting_balance: {account['starting_balance']!r} not a number")
    if "currency" in account and account["currency"] != CURRENCY:
        problems.append(f"{path}.currency: {account['currency']!r} is not {CURRENCY}")
    problems += _identifier_problems(account, path)
    transactions = account.get("transactions", [])
    if not isinstance(transactions, list):
        problems.append(f"{path}.transactions: expected a list")
        transactions = []
    for i, tx in enumerate(transactions):
        problems += _transaction_problems(tx, f"{path}.transactions[{i}]")
    problems += _missing(account.get("identity"), IDENTITY_KEYS, f"{path}.identity")
    if "liability" in account:
        problems += _liability_problems(account["liability"], kind, subtype, f"{path}.liability")
    inflow = _get(account.get("inflow_model"), "type")
    if inflow not in INFLOW_TYPES:
        problems.append(f"{path}.inflow_model.type: {inflow!r} is not one of {list(INFLOW_TYPES)}")
    return problems


def validate_custom_user(config: Mapping[str, Any]) -> list[str]:
    """Structural problems of a custom-user config, each as ``"<json path>: <what is wrong>"``
    (empty when it is fine): the rules the Sandbox enforces that our data could break."""
    problems = _missing(config, CONFIG_KEYS, "$")
    if not isinstance(config, Mapping):
        return problems
    if "version" in config and config["version"] != CONFIG_VERSION:
        problems.append(f"$.version: {config['version']!r} is not {CONFIG_VERSION!r}")
    if "seed" in config and not isinstance(config["seed"], str):
        problems.append(f"$.seed: {config['seed']!r} is not a string")
    accounts = config.get("override_accounts")
    if not isinstance(accounts, list) or not accounts:
        return [*problems, "$.override_accounts: expected a non-empty list of accounts"]
    for i, account in enumerate(accounts):
        problems += _account_problems(account, f"$.override_accounts[{i}]")
    return problems
