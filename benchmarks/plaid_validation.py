"""Plaid validation throughput on ~1M transactions.

Measures, on the same rows in the same run: the blocking check as shipped (columnar: every
column against the Transaction schema plus the cross-field rules), and the per-object path it
is held equal to (build every Plaid object with the views, validate each with the JSON Schema
in jsonschema-rs plus the same rules). Prints rows/s and the ratio.

    .venv/bin/python benchmarks/plaid_validation.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TypeVar

from common import scale_for

from synth_assets.checks import plaid_format
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.personas import load_personas
from synth_assets.plaid import views
from synth_assets.plaid.validate import validate

T = TypeVar("T")


def timed(function: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def transactions_frames(rows: int) -> dict:
    """The family persona scaled to about ``rows`` transactions."""
    persona = load_personas()["family"]
    return generate_all(Context(persona, scale=scale_for(rows)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    frames, generate_s = timed(lambda: transactions_frames(args.rows))
    transactions, accounts = frames["transactions"], frames["accounts"]
    n = len(transactions)
    types = dict(zip(accounts["account_id"], accounts["type"], strict=True))
    check, check_s = timed(lambda: plaid_format.check_transactions(transactions, accounts))
    objects, view_s = timed(lambda: views.transaction_objects(transactions))
    report, object_s = timed(lambda: validate("transaction", objects, types))
    assert check.passed and report.passed, (check.offending, report.by_kind())
    print(f"Plaid validation: {n:,} transactions (generated in {generate_s:.1f}s, not counted)")
    print(f"| {'path':<52} | {'seconds':>8} | {'rows/s':>10} |")
    print(f"|{'-' * 54}|{'-' * 10}|{'-' * 12}|")
    for label, seconds in [
        ("blocking check, columnar (shipped)", check_s),
        ("per object: build Plaid objects (views)", view_s),
        ("per object: JSON Schema (jsonschema-rs) + rules", object_s),
        ("per object: total", view_s + object_s),
    ]:
        print(f"| {label:<52} | {seconds:>8.2f} | {n / seconds:>10,.0f} |")
    print(f"columnar check vs per-object validation: {(view_s + object_s) / check_s:.1f}x faster")


if __name__ == "__main__":
    main()
