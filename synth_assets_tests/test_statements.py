"""Statements a person would believe: net pay, business days, no sweep round trips. Each
rule holds on every shipped persona and catches its defect put in on purpose."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from synth_assets.checks import statements
from synth_assets.generate import calendar, services, withholding
from synth_assets.generate.catalogue import CATALOGUE, ONLINE_ONLY, SERVICES, TRANSIT
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.generate.habits import HABITUAL
from synth_assets.personas import Filing, PayFrequency
from synth_assets_tests.support.runs import AS_OF


def _window(persona) -> tuple[dt.date, dt.date]:
    window = persona.window(AS_OF)
    return window.start, window.end


def _failures(findings) -> int:
    return sum(f.failures for f in findings)


def _net_pay(persona, f, transactions=None):
    return statements.net_pay(
        persona.income, f["users"], f["accounts"],
        f["transactions"] if transactions is None else transactions, *_window(persona),
    )  # fmt: skip


def test_every_shipped_persona_keeps_the_three_rules(personas, frames):
    checked = 0
    for name, persona in personas.items():
        f = frames[name]
        findings = [
            *_net_pay(persona, f),
            *statements.bank_days(f["transactions"]),
            *statements.sweep_round_trips(f["transactions"]),
            *statements.channels(f["transactions"]),
            *statements.transit_fares_fixed(f["users"], f["accounts"], f["transactions"]),
            *statements.subscription_prices(persona, f["transactions"]),
        ]
        assert _failures(findings) == 0, (name, findings)
        checked += findings[0].checked
    assert checked > 100  # the salaried personas' users signed up before the window


def test_gross_pay_is_caught(personas, frames):
    persona, f = personas["young_professional"], frames["young_professional"]
    tx = f["transactions"].copy()
    pay = tx["pfc_detailed"] == persona.income.category
    net = 1 - withholding.kept_back(
        np.full(pay.sum(), persona.income.annual.median), np.full(pay.sum(), "CA"), persona.income
    )
    tx.loc[pay, "amount"] = tx.loc[pay, "amount"] / net  # deposited before withholding
    (finding,) = _net_pay(persona, f, tx)
    assert finding.failures > finding.checked / 2


def test_a_month_holding_three_biweekly_paydays_is_not_called_gross(personas, frames):
    """A 31-day window can hold three biweekly paydays, more than its share of a year."""
    persona, f = personas["family"], frames["family"]
    tx = f["transactions"]
    months = tx["date"].dt.to_period("M")
    three = 0
    for month in months.unique()[1:-1]:
        start, end = month.start_time.date(), month.end_time.date()
        inside = tx[months == month]
        paid = inside[inside["pfc_detailed"] == persona.income.category]
        three += paid.groupby("account_id").size().max() == 3
        findings = statements.net_pay(persona.income, f["users"], f["accounts"], inside, start, end)
        assert _failures(findings) == 0, month
    assert three >= 1


def test_irregular_pay_is_not_judged_as_a_salary(personas, frames):
    persona, f = personas["small_business_owner"], frames["small_business_owner"]
    income = persona.income.model_copy(update={"withholding": 0.2})
    (finding,) = statements.net_pay(
        income, f["users"], f["accounts"], f["transactions"], *_window(persona)
    )
    assert (finding.checked, finding.failures) == (0, 0)


def test_a_weekend_or_holiday_autopay_is_caught(frames):
    tx = frames["family"]["transactions"].copy()
    autopay = tx.index[tx["pfc_detailed"] == "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"]
    tx.loc[autopay[0], "date"] = pd.Timestamp("2026-11-21")  # a Saturday
    tx.loc[autopay[1], "date"] = pd.Timestamp("2026-11-26")  # Thanksgiving Day
    (finding,) = statements.bank_days(tx)
    assert finding.failures == 2
    assert set(finding.examples) == set(tx.loc[autopay[:2], "transaction_id"])


def test_money_brought_back_days_after_a_sweep_is_caught(frames):
    tx = frames["young_professional"]["transactions"]
    out = tx[tx["pfc_detailed"] == statements.TRANSFER_OUT].head(1)
    back = out.assign(
        transaction_id="brought-back",
        pfc_detailed=statements.TRANSFER_IN,
        amount=-out["amount"] / 2,
        datetime=out["datetime"] + pd.Timedelta(days=2),
    )
    (finding,) = statements.sweep_round_trips(pd.concat([tx, back], ignore_index=True))
    assert finding.failures == 1 and finding.examples == out["transaction_id"].tolist()


@pytest.mark.parametrize(
    ("taxable", "filing", "tax"),
    [
        (50_000, Filing.SINGLE, 1_192.50 + 4_386.00 + 335.50),  # 10%, 12%, then 22% of 1,525
        (50_000, Filing.MARRIED_JOINT, 2_385.00 + 3_138.00),  # 10%, then 12% of 26,150
        (0, Filing.SINGLE, 0.0),
        (-5_000, Filing.SINGLE, 0.0),
    ],
)
def test_federal_tax_follows_the_2025_brackets(taxable, filing, tax):
    assert withholding.federal_tax(np.array([taxable]), filing)[0] == pytest.approx(tax)


def test_what_is_kept_back_depends_on_the_kind_of_income(personas):
    wages = personas["young_professional"].income
    gig = personas["small_business_owner"].income
    gross, home = np.array([40_000.0, 40_000.0, 150_000.0]), np.array(["CA", "TX", "CA"])
    kept = withholding.kept_back(gross, home, wages)
    assert kept[1] < kept[0] < kept[2]  # no state tax in Texas; the tax is progressive
    assert 0.15 < kept[0] < 0.35
    assert (withholding.kept_back(gross, home, gig) == 0).all()  # invoices arrive gross
    set_share = wages.model_copy(update={"withholding": 0.4})
    assert (withholding.kept_back(gross, home, set_share) == 0.4).all()
    pension = personas["retiree"].income
    payers = np.array([withholding.SOCIAL_SECURITY_PAYER, "CalPERS Pension", None], dtype=object)
    same = np.full(3, 40_000.0)
    kept = withholding.kept_back(same, home, pension, payers)
    # Social Security keeps the Part B premium; other payers only the income tax.
    assert kept[0] * 40_000 == pytest.approx(kept[1] * 40_000 + withholding.PART_B_PREMIUM)
    assert kept[1] == kept[2] and 0.04 < kept[1] < 0.1


@pytest.mark.parametrize("filing", list(Filing))
def test_a_higher_salary_never_keeps_back_a_smaller_share(personas, filing):
    """Lower pay takes part in employer plans less, so a fixed health premium does not make
    a small salary give up a larger share than a bigger one (until pay takes part in full;
    above that the premium is a fixed cost, as it is in life)."""
    income = personas["young_professional"].income.model_copy(update={"filing": filing})
    gross = np.linspace(1_000, withholding.BENEFITS_FULL_AT, 400)
    for region in ("CA", "TX"):
        kept = withholding.kept_back(gross, np.full(len(gross), region), income)
        assert (np.diff(kept) >= -1e-12).all(), region
        assert kept.max() <= 0.9


def test_business_days_keep_the_federal_reserve_holidays():
    days = np.array(
        ["2022-12-26", "2021-12-31", "2026-07-03", "2026-11-26", "2026-11-27"],
        dtype="datetime64[D]",
    )
    # Christmas kept on Monday; New Year's Day 2022 on a Saturday is not kept on the Friday;
    # Independence Day 2026 on a Saturday likewise; Thanksgiving; the day after is open.
    assert calendar.is_business_day(days).tolist() == [False, True, True, False, True]


@pytest.mark.parametrize("step", [7, 14])
def test_a_holiday_friday_payday_is_paid_the_day_before_even_across_a_month(step):
    """Friday 1 January 2027 and Christmas Friday 2026 are holidays: their paydays are the
    Thursdays before, so every gap stays one or two weeks."""
    phase = np.array([(np.datetime64("2027-01-01") - np.datetime64("1970-01-02")).astype(int)])
    months = np.arange(np.datetime64("2026-11"), np.datetime64("2027-03"))
    paid = np.concatenate([calendar.fixed_fridays(m, phase % step, step)[1] for m in months])
    assert np.datetime64("2026-12-31") in paid and np.datetime64("2027-01-04") not in paid
    assert calendar.is_business_day(paid).all()
    assert set(np.diff(paid).astype(int)) <= {step - 1, step, step + 1}


def test_the_pending_reach_is_the_longest_posting_delay_on_this_calendar():
    days = np.arange(np.datetime64("2021-01-01"), np.datetime64("2040-01-01"))
    reach = (calendar.add_business_days(days, calendar.POSTING_DAYS) - days).astype(int)
    assert reach.max() == calendar.PENDING_REACH_DAYS


def test_online_only_names_catalogue_merchants_and_a_wrong_channel_is_caught(frames):
    sold = {m for spends in CATALOGUE.values() for spend in spends for m in spend.merchants}
    assert sold >= ONLINE_ONLY
    tx = frames["family"]["transactions"].copy()
    chewy = tx.index[tx["merchant_name"] == "Chewy"][0]
    dentist = tx.index[tx["pfc_detailed"] == "MEDICAL_DENTAL_CARE"][0]
    tx.loc[chewy, "payment_channel"] = "in store"
    tx.loc[dentist, "payment_channel"] = "online"
    (finding,) = statements.channels(tx)
    assert finding.failures == 2


def test_a_fare_off_the_table_is_caught(frames):
    f = frames["young_professional"]
    tx = f["transactions"].copy()
    rides = tx.index[tx["pfc_detailed"] == TRANSIT]
    assert len(rides) > 50
    tx.loc[rides[0], "amount"] = 3.37  # no system charges this
    (finding,) = statements.transit_fares_fixed(f["users"], f["accounts"], tx)
    assert finding.failures == 1 and finding.checked == len(rides)


def test_a_yearly_bonus_comes_with_the_first_paycheck_of_march(personas, frames):
    """Half the young professionals get a bonus of a tenth of their income, paid with their
    first March paycheck (the 13th: the 15th is a Sunday), their paychecks smaller by as
    much; the others' March paychecks are equal, and no other month holds a bonus."""
    persona, tx = personas["young_professional"], frames["young_professional"]["transactions"]
    cut = persona.income.bonus.share
    pay = tx[tx["pfc_detailed"] == persona.income.category].sort_values("date")
    march = pay[pay["date"].dt.to_period("M") == pd.Period("2026-03")]
    ratio = march.groupby("account_id")["amount"].agg(lambda a: a.iloc[0] / a.iloc[1])
    bonus = ratio.between(1.01, 10)
    assert 0.3 < bonus.mean() < 0.7
    assert ratio[bonus].to_numpy() == pytest.approx((1 - cut + cut * 24) / (1 - cut), rel=0.01)
    assert ratio[~bonus].to_numpy() == pytest.approx(1.0, abs=1e-3)
    assert set(march.groupby("account_id")["date"].min()) == {pd.Timestamp(2026, 3, 13)}
    others = pay[pay["date"].dt.month.isin([2, 5, 6])]  # no raise in these months
    steady = others.groupby(["account_id", others["date"].dt.month])["amount"].nunique()
    assert set(steady) == {1}


def test_a_subscription_changes_price_only_on_its_dated_rise(personas, frames):
    """Spotify's February 2026 rise falls inside the window: $11.99 before it, $12.99 from
    it, nothing else; a charge at the old price after the rise is caught."""
    persona, tx = personas["young_professional"], frames["young_professional"]["transactions"]
    spotify = tx[tx["merchant_name"] == "Spotify"]
    before = spotify["authorized_date"] < pd.Timestamp(2026, 2, 1)
    assert set(spotify.loc[before, "amount"]) == {11.99}
    assert set(spotify.loc[~before, "amount"]) == {12.99}
    assert before.sum() > 10 and (~before).sum() > 10
    broken = tx.copy()
    broken.loc[spotify.index[~before][:3], "amount"] = 11.99
    findings = statements.subscription_prices(persona, broken)
    assert [f.failures for f in findings if f.rule.startswith("Spotify")] == [3]
    assert sum(f.checked for f in findings) > len(spotify)


def test_utility_bills_follow_the_season(frames):
    tx = frames["family"]["transactions"]
    power = tx[tx["pfc_detailed"] == "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY"]
    by_month = power.groupby(power["date"].dt.month)["amount"].median()
    assert by_month[[7, 8]].mean() > 1.15 * by_month[[4, 10]].mean()


def _service_rates(persona, f, transactions=None):
    tx = f["transactions"] if transactions is None else transactions
    return statements.service_rates(persona, f["accounts"], tx, *_window(persona))


def test_services_come_at_human_rates_from_one_provider(personas, frames):
    """A mechanic a few times a year, a tax preparer once in the filing season, the same
    dentist every time; the persona's own rates (the family's dentist) are honoured."""
    for name, persona in personas.items():
        findings = _service_rates(persona, frames[name])
        assert _failures(findings) == 0, (name, [f for f in findings if not f.passed])
    persona, f = personas["family"], frames["family"]
    tx = f["transactions"].merge(f["accounts"][["account_id", "user_id"]], on="account_id")
    per_user = tx.groupby(["pfc_detailed", "user_id"]).size()
    assert per_user["GENERAL_SERVICES_AUTOMOTIVE"].max() <= 4
    assert per_user["GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING"].max() == 1
    assert 4 <= per_user["MEDICAL_DENTAL_CARE"].median() <= 7  # the persona's 6 a year
    tax = tx[tx["pfc_detailed"] == "GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING"]
    assert set(tax["authorized_date"].dt.month) <= {1, 2, 3, 4}
    everyone = pd.concat([frames[name]["transactions"] for name in personas])
    visits = everyone[services.visit_rows(everyone)]
    assert len(visits) > 500
    assert calendar.is_business_day(
        visits["authorized_date"].to_numpy().astype("datetime64[D]")
    ).all()
    per_day = visits.groupby("authorized_date").size()
    assert per_day.get(pd.Timestamp("2026-01-02"), 0) < 4 * per_day.median()  # no pile at New Year


def test_a_monthly_mechanic_a_summer_tax_return_and_a_second_dentist_are_caught(personas, frames):
    persona, f = personas["family"], frames["family"]
    tx = f["transactions"].copy()
    car = tx[tx["pfc_detailed"] == "GENERAL_SERVICES_AUTOMOTIVE"].head(1)
    monthly = pd.concat([car] * 12, ignore_index=True)
    tax = tx.index[tx["pfc_detailed"] == "GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING"][0]
    tx.loc[tax, "authorized_date"] = tx.loc[tax, "authorized_date"].replace(month=7)
    dentist = tx.index[tx["pfc_detailed"] == "MEDICAL_DENTAL_CARE"][0]
    tx.loc[dentist, "merchant_name"] = "Another Dental"
    failed = {f.rule: f.failures for f in _service_rates(persona, f, pd.concat([tx, monthly]))}
    assert failed == {
        "service visits within the yearly rate, each calendar year": 1,
        "service visits in their season": 1,
        "one provider per service": 1,
    }


def test_visits_do_not_depend_on_which_months_are_generated(personas):
    """A visit is drawn from its year's stream: the months before a later as-of date read
    the same service visits."""
    persona = personas["young_professional"]
    tables = [
        generate_all(Context(persona, as_of=day))["transactions"]
        for day in (dt.date(2026, 6, 30), dt.date(2026, 9, 30))
    ]
    seen = []
    for tx in tables:
        visits = tx[tx["pfc_detailed"].isin(SERVICES) & ~tx["pending"]]
        seen.append(visits[(visits["date"] >= "2026-01-01") & (visits["date"] <= "2026-06-20")])
    cols = ["transaction_id", "account_id", "merchant_name", "amount", "authorized_date"]
    assert len(seen[0]) > 20
    pd.testing.assert_frame_equal(
        seen[0][cols].sort_values("transaction_id").reset_index(drop=True),
        seen[1][cols].sort_values("transaction_id").reset_index(drop=True),
    )


def test_households_keep_regular_places_and_scattered_trips_are_caught(frames):
    """Most grocery and coffee trips go to an account's three regulars, chains at the same
    store numbers; trips spread over every store of the catalogue are caught."""
    tx = frames["family"]["transactions"]
    (finding,) = statements.regular_places(tx)
    assert finding.checked > 20 and finding.passed
    groceries = tx[tx["pfc_detailed"] == "FOOD_AND_DRINK_GROCERIES"]
    stores = groceries.groupby("account_id")["name"].nunique()
    # three regulars and a few one-offs, of every store the persona's households use
    assert stores.median() <= groceries["name"].nunique() / 2
    scattered = tx.copy()
    everyday = scattered["pfc_detailed"].isin(HABITUAL)
    rng = np.random.default_rng(0)
    scattered.loc[everyday, "name"] = rng.integers(0, 12, everyday.sum()).astype(str)
    (broken,) = statements.regular_places(scattered)
    assert broken.failures > broken.checked / 2


def test_chains_are_enriched_as_plaid_does_and_a_stripped_row_is_caught(personas, frames):
    """Walmart-like rows: the chain's one entity id and logo on every row (the same in every
    persona), its store number in the location; local businesses bare."""
    for name, persona in personas.items():
        findings = statements.enrichment(persona, frames[name]["transactions"])
        assert _failures(findings) == 0, (name, [f for f in findings if not f.passed])
    everyone = pd.concat([f["transactions"] for f in frames.values()])
    chains = everyone[everyone["merchant_name"].isin(["Starbucks", "Shell", "Target"])]
    assert chains.groupby("merchant_name")["merchant_entity_id"].nunique().eq(1).all()
    assert chains["merchant_entity_id"].str.fullmatch(r"[0-9A-Za-z]{37}").all()
    assert (
        chains["logo_url"]
        .str.fullmatch(r"https://plaid-merchant-logos\.plaid\.com/[a-z0-9_]+_\d+\.png")
        .all()
    )
    in_store = chains[chains["payment_channel"] == "in store"]
    assert len(in_store) > 50
    assert (in_store["name"].str.extract(r"#(\d+)$")[0] == in_store["location_store_number"]).all()
    local = everyone[everyone["merchant_name"].str.contains("Salon|Kitchen|Dental", na=False)]
    assert len(local) > 10 and local["merchant_entity_id"].isna().all()
    persona, tx = personas["family"], frames["family"]["transactions"].copy()
    chain = tx.index[tx["merchant_name"] == "Starbucks"][:2]
    tx.loc[chain[0], "merchant_entity_id"] = None
    tx.loc[chain[1], "location_store_number"] = "99999"
    failed = {f.rule: f.failures for f in statements.enrichment(persona, tx) if not f.passed}
    assert failed == {
        "known merchants enriched, local ones not": 1,
        "a descriptor's store number is its location.store_number": 1,
    }


@pytest.mark.parametrize(
    ("start", "end", "frequency", "held"),
    [
        ("2025-03-19", "2026-03-19", "SEMI_MONTHLY", 1),  # March 2025's came on the 14th
        ("2025-03-10", "2026-03-19", "SEMI_MONTHLY", 2),
        ("2026-03-16", "2026-11-23", "BIWEEKLY", 0),
        ("2026-03-16", "2026-11-23", "MONTHLY", 1),  # monthly pay: the bonus at March's end
        ("2026-01-01", "2026-02-28", "SEMI_MONTHLY", 0),
    ],
)
def test_a_window_allows_only_the_bonuses_it_can_hold(start, end, frequency, held):
    days = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    assert statements._bonuses_held(*days, 3, PayFrequency(frequency)) == held


def test_store_numbers_match_each_descriptor_as_a_row_by_row_extract_does(frames):
    """Matched once per distinct descriptor, taken back to every row: the same numbers, the
    same missing ones (no number, no descriptor) and the same index as pandas' extract."""
    names = frames["family"]["transactions"]["name"]
    odd = pd.Series([None, "Corner Deli #0042", "Pharmacy #", "#7"], dtype=names.dtype)
    names = pd.concat([names, odd], ignore_index=True)
    names.index = names.index * 3 + 11  # not a plain range
    found = statements.store_numbers(names)
    pd.testing.assert_series_equal(found, names.str.extract(r"#(\d+)$", expand=False))
    assert found.notna().sum() > 100
    assert (found.iloc[-3], found.iloc[-1]) == ("0042", "7")
    assert found.iloc[[-4, -2]].isna().all()
