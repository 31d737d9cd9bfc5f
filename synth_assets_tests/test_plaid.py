"""Plaid views and validator: valid objects pass, every defect class is caught with its path."""

import copy

import pytest

from synth_assets.checks import plaid_format
from synth_assets.plaid import views
from synth_assets.plaid.validate import validate, validate_liabilities


def _transaction(**changes):
    tx = {
        "transaction_id": "tx-1", "account_id": "acc-1", "amount": 12.5,
        "iso_currency_code": "USD", "unofficial_currency_code": None,
        "date": "2025-03-02", "authorized_date": "2025-03-01",
        "datetime": "2025-03-02T10:15:00Z", "authorized_datetime": None,
        "name": "COFFEE SHOP 12", "merchant_name": "Coffee Shop", "payment_channel": "in store",
        "pending": False, "pending_transaction_id": None, "account_owner": None,
        "transaction_code": None,
        "location": dict.fromkeys(["address", "city", "region", "postal_code", "country", "lat", "lon", "store_number"]),
        "payment_meta": dict.fromkeys(["reference_number", "ppd_id", "payee", "by_order_of", "payer",
                                       "payment_method", "payment_processor", "reason"]),
        "personal_finance_category": {"primary": "FOOD_AND_DRINK", "detailed": "FOOD_AND_DRINK_COFFEE",
                                      "confidence_level": "HIGH", "version": "v2"},
    }  # fmt: skip
    tx.update(changes)
    return tx


def _account(**changes):
    account = {
        "account_id": "acc-1", "mask": "0042", "name": "Checking", "official_name": None,
        "type": "depository", "subtype": "checking",
        "balances": {"available": 10.0, "current": 10.0, "limit": None,
                     "iso_currency_code": "USD", "unofficial_currency_code": None},
    }  # fmt: skip
    account.update(changes)
    return account


def _without(obj, key):
    obj = copy.deepcopy(obj)
    del obj[key]
    return obj


def _nested(obj, outer, key, value):
    obj = copy.deepcopy(obj)
    obj[outer][key] = value
    return obj


TRANSACTION_DEFECTS = [
    ("missing required key", _without(_transaction(), "payment_meta"), "required", "$"),
    (
        "missing nested key",
        _without(_transaction(), "location") | {"location": {"city": None}},
        "required",
        "$.location",
    ),
    ("wrong type", _transaction(amount="12.50"), "type", "$.amount"),
    ("bad enum in_store", _transaction(payment_channel="in_store"), "enum", "$.payment_channel"),
    (
        "bad transaction code",
        _transaction(transaction_code="purchases"),
        "enum",
        "$.transaction_code",
    ),
    ("extra key", _transaction(running_balance=3.0), "unknown_key", "$"),
    ("bad date", _transaction(date="2025-02-30"), "format", "$.date"),
    ("date not ISO", _transaction(date="03/02/2025"), "format", "$.date"),
    ("bad datetime", _transaction(datetime="2025-03-02 10:15"), "format", "$.datetime"),
    ("null where not nullable", _transaction(name=None), "type", "$.name"),
    (
        "category pair not in taxonomy",
        _nested(_transaction(), "personal_finance_category", "detailed", "FOOD_AND_DRINK_GROCERY"),
        "category",
        "$.personal_finance_category.detailed",
    ),
    (
        "detailed of another primary",
        _nested(_transaction(), "personal_finance_category", "detailed", "TRAVEL_FLIGHTS"),
        "category",
        "$.personal_finance_category.detailed",
    ),
    (
        "unknown primary",
        _nested(_transaction(), "personal_finance_category", "primary", "FOOD"),
        "enum",
        "$.personal_finance_category.primary",
    ),
    ("both currency codes", _transaction(unofficial_currency_code="BTC"), "currency", "$"),
    ("neither currency code", _transaction(iso_currency_code=None), "currency", "$"),
    ("purchase with negative amount", _transaction(amount=-12.5), "sign", "$.amount"),
    (
        "income with positive amount",
        _transaction(
            amount=1500.0,
            personal_finance_category={"primary": "INCOME", "detailed": "INCOME_SALARY"},
        ),
        "sign",
        "$.amount",
    ),
    (
        "authorized after posted",
        _transaction(authorized_date="2025-03-05"),
        "date_order",
        "$.authorized_date",
    ),
]


def test_valid_transaction_passes():
    assert validate("transaction", [_transaction()]).passed


@pytest.mark.parametrize(
    ("obj", "kind", "path"), [pytest.param(*d[1:], id=d[0]) for d in TRANSACTION_DEFECTS]
)
def test_each_transaction_defect_is_caught_with_its_path(obj, kind, path):
    report = validate("transaction", [_transaction(), obj])
    assert not report.passed
    assert {(e.index, e.kind, e.path) for e in report.errors} >= {(1, kind, path)}
    assert all(e.index == 1 for e in report.errors)


def test_every_error_is_reported_not_just_the_first():
    bad = _transaction(payment_channel="in_store", amount="x", date="yesterday", extra=1)
    kinds = {e.kind for e in validate("transaction", [bad]).errors}
    assert {"enum", "type", "format", "unknown_key"} <= kinds


def test_card_payment_sign_depends_on_the_side():
    payment = {"primary": "LOAN_PAYMENTS", "detailed": "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"}
    out_of_checking = _transaction(
        account_id="chk", amount=200.0, personal_finance_category=payment
    )
    into_card = _transaction(account_id="card", amount=-200.0, personal_finance_category=payment)
    types = {"chk": "depository", "card": "credit"}
    assert validate("transaction", [out_of_checking, into_card], types).passed
    swapped = validate(
        "transaction", [out_of_checking | {"amount": -200.0}, into_card | {"amount": 200.0}], types
    )
    assert [(e.index, e.kind) for e in swapped.errors] == [(0, "sign"), (1, "sign")]


ACCOUNT_DEFECTS = [
    ("missing balances", _without(_account(), "balances"), "required", "$"),
    ("subtype of another type", _account(subtype="credit card"), "subtype", "$.subtype"),
    ("unknown type", _account(type="bank"), "enum", "$.type"),
    ("mask wrong type", _account(mask=42), "type", "$.mask"),
    (
        "extra balance key",
        _nested(_account(), "balances", "pending", 1.0),
        "unknown_key",
        "$.balances",
    ),
    (
        "both currency codes",
        _nested(_account(), "balances", "unofficial_currency_code", "BTC"),
        "currency",
        "$.balances",
    ),
]


def test_valid_account_passes():
    assert validate("account", [_account(), _account(type="credit", subtype="credit card")]).passed


@pytest.mark.parametrize(
    ("obj", "kind", "path"), [pytest.param(*d[1:], id=d[0]) for d in ACCOUNT_DEFECTS]
)
def test_each_account_defect_is_caught_with_its_path(obj, kind, path):
    report = validate("account", [obj])
    assert (0, kind, path) in {(e.index, e.kind, e.path) for e in report.errors}


def test_liability_defects_are_caught_with_list_paths(frames):
    liabilities = views.liability_objects(frames["family"]["liabilities"])
    assert validate_liabilities(liabilities).passed
    broken = copy.deepcopy(liabilities)
    broken["credit"][0]["aprs"][0]["apr_percentage"] = "24.99%"
    broken["credit"][0]["aprs"][0]["apr_type"] = "purchase"
    broken["mortgage"][0]["interest_rate"]["extra"] = 1
    del broken["mortgage"][0]["escrow_balance"]
    paths = {(e.kind, e.path) for e in validate_liabilities(broken).errors}
    assert ("type", "$.credit[0].aprs[0].apr_percentage") in paths
    assert ("enum", "$.credit[0].aprs[0].apr_type") in paths
    assert ("unknown_key", "$.mortgage[0].interest_rate") in paths
    assert ("required", "$.mortgage[0]") in paths
    student = views.liability_objects(frames["student"]["liabilities"])
    del student["student"][0]["interest_rate_percentage"]
    student["student"][1]["loan_status"]["type"] = "in_school"
    paths = {(e.kind, e.path) for e in validate_liabilities(student).errors}
    offset = len(student["credit"])
    assert paths == {("required", "$.student[0]"), ("enum", "$.student[1].loan_status.type")}
    assert {e.index for e in validate_liabilities(student).errors} == {offset, offset + 1}


def test_every_shipped_persona_is_valid_plaid(frames):
    for name, f in frames.items():
        for result in (
            plaid_format.check_accounts(f["accounts"]),
            plaid_format.check_transactions(f["transactions"], f["accounts"]),
            plaid_format.check_liabilities(f["liabilities"]),
        ):
            assert result.passed, (name, result.offending)
            assert result.report.checked > 0


def test_check_reports_offending_row_ids(frames):
    f = frames["student"]
    transactions = f["transactions"].copy()
    transactions.loc[transactions.index[:3], "payment_channel"] = "in_store"
    result = plaid_format.check_transactions(transactions, f["accounts"])
    assert not result.passed
    assert result.metadata()["errors_by_kind"] == {"enum": 3}
    assert result.offending[0].startswith(
        transactions["transaction_id"].iloc[0] + " $.payment_channel"
    )


def test_views_emit_v2_categories_and_plaid_spelling(frames):
    objects = views.transaction_objects(frames["young_professional"]["transactions"])
    assert {o["payment_channel"] for o in objects} <= {"online", "in store", "other"}
    assert {o["personal_finance_category"]["version"] for o in objects} == {"v2"}
    in_store = next(o for o in objects if o["payment_channel"] == "in store")
    assert in_store["location"]["city"] and in_store["location"]["country"] == "US"
    assert all(o["date"] >= (o["authorized_date"] or o["date"]) for o in objects)
