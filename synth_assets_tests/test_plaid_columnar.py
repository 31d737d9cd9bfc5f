"""The columnar transaction check finds exactly what validating every Plaid object finds."""

import numpy as np
import pandas as pd
import pytest

from synth_assets.plaid import views
from synth_assets.plaid.columnar import validate_transactions
from synth_assets.plaid.validate import validate


def _set(column, value, rows=(0, 5)):
    """Set ``column`` to ``value`` on a few rows (dates become ISO text first, as in a file)."""

    def corrupt(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = views.iso_dates(frame[column])
        frame[column] = frame[column].astype(object)
        frame.loc[frame.index[list(rows)], column] = value
        return frame

    return corrupt


def _income_positive(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    income = frame.index[frame["pfc_primary"] == "INCOME"][:3]
    frame.loc[income, "amount"] = frame.loc[income, "amount"].abs()
    return frame


def _authorized_late(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[frame.index[:4], "authorized_date"] = frame.loc[
        frame.index[:4], "date"
    ] + pd.Timedelta(days=2)
    return frame


DEFECTS = {
    "bad enum in_store": _set("payment_channel", "in_store"),
    "amount not a number": _set("amount", "12,50"),
    "name missing": _set("name", None),
    "bad date string": _set("date", "2025-02-30"),
    "date not ISO": _set("date", "03/02/2025"),
    "detailed of another primary": _set("pfc_detailed", "TRAVEL_FLIGHTS"),
    "unknown primary": _set("pfc_primary", "FOOD"),
    "bad confidence": _set("pfc_confidence_level", "SURE"),
    "both currencies": _set("unofficial_currency_code", "BTC"),
    "no currency": _set("iso_currency_code", None),
    "merchant not a string": _set("merchant_name", 42),
    "pending not boolean": _set("pending", "yes"),
    "income positive": _income_positive,
    "authorized after date": _authorized_late,
    "purchase negative": lambda f: f.assign(
        amount=np.where(f["payment_channel"] == "in store", -f["amount"], f["amount"])
    ),
}


def _signature(report):
    return sorted({(e.index, e.path, e.kind) for e in report.errors})


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_columnar_equals_object_validation(frames, defect):
    f = frames["retiree"]
    transactions = DEFECTS[defect](f["transactions"])
    types = dict(zip(f["accounts"]["account_id"], f["accounts"]["type"], strict=True))
    columnar = validate_transactions(transactions, types)
    objects = validate("transaction", views.transaction_objects(transactions), types)
    assert not objects.passed
    assert _signature(columnar) == _signature(objects)


def test_columnar_passes_every_shipped_persona(frames):
    for name, f in frames.items():
        types = dict(zip(f["accounts"]["account_id"], f["accounts"]["type"], strict=True))
        report = validate_transactions(f["transactions"], types)
        assert report.passed, (name, report.errors[:3])
        assert report.checked == len(f["transactions"])
