"""Generation speed: every table of a persona scaled to ~1M transactions, vectorised, against
a Faker-per-row baseline (a dict per row, one Faker call per field) for the same transaction
columns, measured in the same run.

    .venv/bin/python benchmarks/generation.py [--rows 1000000] [--baseline-rows 20000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import scale_for
from faker import Faker

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.personas import load_personas
from synth_assets.plaid.taxonomy import DETAILED_TO_PRIMARY


def faker_per_row(rows: int) -> list[dict]:
    """How seed scripts usually do it: Faker for every field of every row."""
    fake = Faker("en_US")
    fake.seed_instance(42)
    categories = sorted(DETAILED_TO_PRIMARY)
    out = []
    for _ in range(rows):
        detailed = fake.random_element(categories)
        out.append(
            {
                "transaction_id": fake.uuid4(),
                "account_id": fake.uuid4(),
                "amount": float(fake.pydecimal(left_digits=3, right_digits=2, positive=True)),
                "iso_currency_code": "USD",
                "date": fake.date_between(start_date="-1y", end_date="today"),
                "datetime": fake.date_time_this_year(),
                "name": fake.company(),
                "merchant_name": fake.company(),
                "payment_channel": fake.random_element(["online", "in store", "other"]),
                "pending": fake.pybool(),
                "pfc_primary": DETAILED_TO_PRIMARY[detailed],
                "pfc_detailed": detailed,
                "location_city": fake.city(),
                "location_region": fake.state_abbr(),
                "location_postal_code": fake.postcode(),
                "website": fake.domain_name(),
            }
        )
    return out


def timed(action, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ctx = Context(load_personas()["family"], scale=scale_for(args.rows))
    frames = generate_all(ctx)
    total = sum(len(frame) for frame in frames.values())
    rows = len(frames["transactions"])
    del frames
    runs = timed(lambda: generate_all(ctx), args.repeats)
    generate_s = statistics.median(runs)
    baseline_s = statistics.median(timed(lambda: faker_per_row(args.baseline_rows), args.repeats))
    baseline_rate = args.baseline_rows / baseline_s
    tx_rate = rows / generate_s
    print(
        f"Generation: persona family, {total:,} rows in all tables; median of {args.repeats} "
        f"runs {generate_s:.1f}s (runs: {', '.join(f'{r:.1f}' for r in runs)}; the very first "
        f"run in a fresh process, not counted, is slower while memory is first touched)"
    )
    print(
        f"all tables: {total / generate_s:,.0f} rows/s; transactions: {tx_rate:,.0f} rows/s (whole partition's time)"
    )
    print(f"Faker-per-row baseline (same transaction columns, median): {baseline_rate:,.0f} rows/s")
    print(f"ratio, transactions vs baseline: {tx_rate / baseline_rate:.0f}x (target >= 100x)")


if __name__ == "__main__":
    main()
