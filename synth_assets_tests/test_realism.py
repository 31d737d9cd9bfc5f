"""Realism: money that hangs together, recurring streams, time integrity, content shape, and
personas whose profiles differ the way their files say."""

import numpy as np
import pandas as pd
import pytest

from synth_assets import profile
from synth_assets.checks import realism, registry
from synth_assets.generate.book import REVIEW_MONTHS
from synth_assets.generate.catalogue import CATALOGUE
from synth_assets.generate.common import Context
from synth_assets.generate.content import generate_content
from synth_assets.generate.phrases import DOMAIN_TAGS, DOMAINS, GENERAL, TAGS
from synth_assets.generate.pools import us_cities
from synth_assets.personas import Frequency, IntRange
from synth_assets_tests.support.runs import AS_OF


def _passed(findings):
    return all(f.passed for f in findings), [f for f in findings if not f.passed]


def _window(persona):
    window = persona.window(AS_OF)
    return window.start, window.end


def _rule_checks(persona, f):
    start, end = _window(persona)
    yearly = {s.name for s in persona.spending.subscriptions if s.frequency is Frequency.ANNUALLY}
    income = persona.income
    return [
        *realism.balance_consistency(f["accounts"], f["transactions"]),
        *realism.card_payment_pairing(f["accounts"], f["transactions"]),
        *realism.recurring_regularity(
            f["transactions"], income.pay_frequency, income.category, yearly
        ),
        *realism.loan_amortisation(f["accounts"], f["transactions"], f["liabilities"]),
        *realism.card_statements(f["accounts"], f["transactions"], f["liabilities"], start),
        *realism.accounts_time(f["users"], f["accounts"], start, end),
        *realism.transactions_time(f["accounts"], f["transactions"], start, end),
        *realism.content_time(f["users"], f["content"], start, end),
        *realism.jobs_time(f["users"], f["content"], f["jobs"], start, end),
    ]


def test_every_shipped_persona_passes_the_realism_rules(personas, frames):
    for name, persona in personas.items():
        ok, failed = _passed(_rule_checks(persona, frames[name]))
        assert ok, (name, failed)


def test_balance_rule_catches_a_balance_off_by_a_dollar(frames):
    f = frames["family"]
    accounts = f["accounts"].copy()
    accounts.loc[accounts.index[0], "balance_current"] += 1.0
    ok, failed = _passed(realism.balance_consistency(accounts, f["transactions"]))
    assert not ok and failed[0].examples == [accounts["account_id"].iloc[0]]


def test_pairing_rule_catches_a_missing_side(frames):
    f = frames["young_professional"]
    tx = f["transactions"]
    card_side = tx.index[
        (tx["pfc_detailed"] == "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT") & (tx["amount"] < 0)
    ][0]
    ok, failed = _passed(realism.card_payment_pairing(f["accounts"], tx.drop(index=card_side)))
    assert not ok and failed[0].failures == 1


def test_regularity_rule_catches_a_moved_bill_and_a_second_payer(personas, frames):
    f, persona = frames["family"], personas["family"]
    tx = f["transactions"].copy()
    bill = tx.index[
        (tx["pfc_primary"] == "RENT_AND_UTILITIES") & (tx["payment_channel"] == "online")
    ][3]
    tx.loc[bill, "date"] = tx.loc[bill, "date"] + pd.Timedelta(days=9)
    payday = tx.index[tx["pfc_primary"] == "INCOME"][2]
    tx.loc[payday, "merchant_name"] = "Another Employer LLC"
    income = persona.income
    ok, failed = _passed(
        realism.recurring_regularity(tx, income.pay_frequency, income.category, set())
    )
    assert not ok
    assert {f.rule for f in failed} >= {
        "one payer per account",
        "monthly bills recur every {}-{} days".format(*realism.MONTHLY_GAP),
    }


def test_time_rules_catch_children_before_parents(personas, frames):
    persona, f = personas["student"], frames["student"]
    start, end = _window(persona)
    tx = f["transactions"].copy()
    tx.loc[tx.index[0], "datetime"] = pd.Timestamp(start) - pd.Timedelta(days=1)
    assert not _passed(realism.transactions_time(f["accounts"], tx, start, end))[0]
    jobs = f["jobs"].copy()
    first_completed = jobs.index[jobs["status"] == "completed"][0]
    jobs.loc[first_completed, "completed_at"] = pd.Timestamp(end)
    assert not _passed(realism.jobs_time(f["users"], f["content"], jobs, start, end))[0]


def test_income_is_regular_negative_and_from_one_payer(personas, frames):
    for name, f in frames.items():
        tx = f["transactions"]
        income = tx[tx["pfc_primary"] == "INCOME"]
        assert (income["amount"] < 0).all(), name
        pay = income[income["pfc_detailed"] == personas[name].income.category]
        interest = income[income["pfc_detailed"] == "INCOME_INTEREST_EARNED"]
        assert len(pay) + len(interest) == len(income), name
        assert (pay.groupby("account_id")["merchant_name"].nunique() == 1).all(), name
        savings = f["accounts"].loc[f["accounts"]["subtype"] == "savings", "account_id"]
        assert set(interest["account_id"]) <= set(savings), name


def test_salaried_pay_rises_in_the_review_month_by_a_little_less_than_the_raise(personas, frames):
    """Gross pay rises by the configured raise; net pay by a little less (the tax is
    progressive), and on the first payday of one of the employers' review months (the bonus
    month's paychecks, one with a bonus in it, are left out)."""
    f, persona = frames["young_professional"], personas["young_professional"]
    pay = f["transactions"][f["transactions"]["pfc_detailed"] == persona.income.category]
    pay = pay[pay["date"].dt.month != persona.income.bonus.month]
    pay = pay.sort_values(["account_id", "date"])
    step = pay.groupby("account_id")["amount"].pct_change()
    rises = pay[step.abs() > 1e-6]
    raise_ = persona.income.annual_raise
    assert len(rises) >= len(pay["account_id"].unique()) / 2
    assert step[rises.index].between(0.6 * raise_, raise_ + 1e-4).all()
    months = pd.to_datetime(rises["date"]).dt.month
    assert set(months) <= set(REVIEW_MONTHS) and months.nunique() > 1


def test_rent_monthly_fixed_and_bills_vary_a_little(frames):
    tx = frames["family"]["transactions"]
    rent = tx[tx["pfc_detailed"] == "RENT_AND_UTILITIES_RENT"]
    assert not rent.empty and (rent.groupby("account_id")["amount"].nunique() == 1).all()
    assert (pd.to_datetime(rent["authorized_date"]).dt.day == 1).all()  # due on the 1st
    # ... and posted then, or on the next business day (a weekend, a bank holiday, or both)
    late = (pd.to_datetime(rent["date"]) - pd.to_datetime(rent["authorized_date"])).dt.days
    assert late.between(0, 3).all() and (late > 0).any()
    power = tx[tx["merchant_name"] == "Duke Energy"]
    spread = power.groupby("account_id")["amount"].agg(lambda a: a.max() / a.min())
    assert (spread > 1).all() and (spread < 3.0).all()  # the season, then a little each month


def test_annual_subscriptions_charge_once_a_year(frames):
    tx = frames["family"]["transactions"]
    prime = tx[tx["merchant_name"] == "Amazon Prime"]
    assert not prime.empty and (prime.groupby("account_id").size() == 1).all()


def test_savings_transfers_leave_checking_and_reach_savings(frames):
    tx = frames["young_professional"]["transactions"]
    out = tx[tx["pfc_detailed"] == "TRANSFER_OUT_SAVINGS"]
    into = tx[tx["pfc_detailed"] == "TRANSFER_IN_SAVINGS"]
    assert len(out) == len(into) > 0
    assert (out["amount"] > 0).all() and (into["amount"] < 0).all()
    assert sorted(out["amount"]) == sorted(-into["amount"])


def test_checking_negative_only_for_personas_that_overdraw(personas, frames):
    for name, f in frames.items():
        checking = f["accounts"][f["accounts"]["subtype"] == "checking"]
        fees = f["transactions"]["pfc_detailed"].eq("BANK_FEES_OVERDRAFT_FEES").sum()
        if personas[name].spending.overdraws:
            assert (checking["balance_current"] < 0).any() and fees > 0, name
        else:
            assert (checking["balance_current"] >= 0).all() and fees == 0, name


def test_amounts_fit_their_category(frames):
    tx = pd.concat(f["transactions"] for f in frames.values())
    coffee = tx.loc[tx["pfc_detailed"] == "FOOD_AND_DRINK_COFFEE", "amount"]
    rent = tx.loc[tx["pfc_detailed"] == "RENT_AND_UTILITIES_RENT", "amount"]
    flights = tx.loc[tx["pfc_detailed"] == "TRAVEL_FLIGHTS", "amount"]
    assert coffee.median() < 10 and coffee.quantile(0.99) < 30
    assert rent.min() > 250 and flights.median() > 150


def test_merchants_keep_one_channel_and_category(frames):
    tx = pd.concat(f["transactions"] for f in frames.values())
    purchases = tx[tx["payment_channel"] != "other"]
    per_merchant = purchases.groupby(["persona", "merchant_name"]).agg(
        channels=("payment_channel", "nunique"), categories=("pfc_detailed", "nunique")
    )
    assert (per_merchant["categories"] == 1).all()
    catalogue_details = {s.detailed for spends in CATALOGUE.values() for s in spends}
    discretionary = purchases[purchases["pfc_confidence_level"] == "HIGH"]
    assert set(discretionary["pfc_detailed"]) <= catalogue_details
    in_store = purchases[purchases["payment_channel"] == "in store"]
    assert in_store["location_city"].notna().all() and in_store["location_country"].eq("US").all()
    assert purchases[purchases["payment_channel"] == "online"]["location_city"].isna().all()


def test_activity_has_a_weekday_and_hour_shape(frames):
    purchases = frames["family"]["transactions"]
    purchases = purchases[purchases["pfc_confidence_level"] == "HIGH"]
    when = pd.to_datetime(purchases["authorized_datetime"])  # when people shop, not post
    by_day = when.dt.day_of_week.value_counts(normalize=True)
    assert by_day[5] > by_day[1] * 1.3  # Saturday busier than Tuesday
    by_hour = when.dt.hour.value_counts(normalize=True)
    assert by_hour[12] > by_hour[3] * 10


def test_pending_only_at_the_end_and_authorized_first(personas, frames):
    for name, f in frames.items():
        tx = f["transactions"]
        end = pd.Timestamp(_window(personas[name])[1])
        pending = pd.to_datetime(tx.loc[tx["pending"], "date"])
        assert (pending > end - pd.Timedelta(days=9)).all() and len(pending), name
        assert (tx["authorized_date"] <= tx["date"]).all(), name


def test_liabilities_follow_their_stated_rules(personas, frames):
    for name, f in frames.items():
        liabilities, tx = f["liabilities"], f["transactions"]
        end = pd.Timestamp(_window(personas[name])[1])
        credit = liabilities[liabilities["liability_type"] == "credit"]
        paid = credit["next_payment_due_date"] > credit["last_statement_issue_date"] + pd.Timedelta(
            days=31
        )
        floor = np.minimum(credit["last_statement_balance"], 25)
        owing = credit[~paid]
        assert (owing["minimum_payment_amount"] >= floor[~paid] - 0.005).all(), name
        assert (owing["minimum_payment_amount"] <= owing["last_statement_balance"] + 0.005).all(), (
            name
        )
        assert (credit.loc[paid, "minimum_payment_amount"] == 0).all(), name
        assert (credit["last_statement_issue_date"].dt.is_month_end).all(), name
        assert (credit["next_payment_due_date"].dt.day == 21).all(), name
        assert (credit["next_payment_due_date"] > end).all(), name
        card_payments = tx[
            (tx["pfc_detailed"] == "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT") & (tx["amount"] < 0)
        ]
        last = card_payments.sort_values("date").groupby("account_id").last()
        merged = credit.set_index("account_id").join(last, how="inner", suffixes=("", "_tx"))
        assert np.allclose(merged["last_payment_amount"], -merged["amount"]), name
        assert (merged["last_payment_date"] == merged["date"]).all(), name
        assert liabilities["apr_percentage"].between(0.5, 40).all(), name
        credit_apr = credit["apr_percentage"]
        assert credit_apr.empty or credit_apr.min() > 10, name  # percent, not a fraction
        assert (liabilities["is_overdue"] == (liabilities["next_payment_due_date"] < end)).all()
        loans = liabilities[liabilities["liability_type"] != "credit"]
        assert (loans["next_payment_due_date"] > end).all(), name
        assert (loans["ytd_interest_paid"] > 0).all() and (loans["ytd_principal_paid"] > 0).all()


def test_prompt_pools_and_shapes(personas, frames):
    assert len(DOMAINS) >= 30 and len(TAGS) >= 300 and len(GENERAL) >= 20
    for name, f in frames.items():
        spec = personas[name].content
        content = f["content"]
        tag_counts = (
            content["tags"].str.strip("{}").str.split(",").map(lambda t: len([x for x in t if x]))
        )
        assert tag_counts.between(spec.tags_per_item.min, spec.tags_per_item.max).all(), name
        assert set(content["kind"]) <= {"regular", "auto"}
        first_phrase = content["prompt"].map(lambda prompt: phrases_of(prompt)[0])
        assert content["title"].str.len().gt(0).all()
        allowed = {p for d in spec.domains for p in DOMAINS[d]} | set(GENERAL)
        assert first_phrase.isin(allowed).all(), name


def test_profiles_differ_as_the_persona_files_say(personas, frames):
    figures = {name: profile.profile(personas[name].window(AS_OF), f) for name, f in frames.items()}
    income = {name: p["median annual income"] for name, p in figures.items()}
    assert income["family"] > income["young_professional"] > income["student"]
    busy = {name: p["transactions per user-month"] for name, p in figures.items()}
    assert busy["small_business_owner"] > busy["young_professional"] > busy["retiree"]
    content = {name: p["content per user"] for name, p in figures.items()}
    assert (
        max(content, key=content.get) == "small_business_owner"
        and min(content, key=content.get) == "retiree"
    )
    assert figures["family"].get("accounts: mortgage", 0) > figures["young_professional"].get(
        "accounts: mortgage", 0
    )
    assert "| median annual income |" in profile.markdown(figures["family"])


@pytest.mark.parametrize("name", ["student", "family"])
def test_prompt_phrase_counts_follow_the_config(personas, frames, name):
    spec = personas[name].content
    content = frames[name]["content"]
    domain_phrases = {p for d in spec.domains for p in DOMAINS[d]} - set(GENERAL)
    general = set(GENERAL) - domain_phrases
    phrases = content["prompt"].map(phrases_of)
    domain_counts = phrases.map(lambda ps: sum(p in domain_phrases for p in ps))
    general_counts = phrases.map(lambda ps: sum(p in general for p in ps))
    assert domain_counts.between(spec.domain_phrases.min, spec.domain_phrases.max).all()
    assert general_counts.max() <= spec.general_phrases.max
    assert domain_counts.nunique() > 1  # drawn from the range, not fixed at one end
    assert (phrases.map(len) == phrases.map(lambda ps: len(set(ps)))).all()  # distinct


def phrases_of(prompt: str) -> list[str]:
    """A prompt's phrases, exactly: the templates join them with ', ' and ' -- '."""
    return [p for part in prompt.split(" -- ") for p in part.split(", ")]


def test_purchases_read_as_statement_descriptors(frames):
    """The name a statement prints is not the clean merchant name: a chain's store and
    number, an online order's reference, a local shop's card reader; merchant_name stays
    clean, and a chain shows up at a few stores."""
    tx = frames["family"]["transactions"]
    bought = tx[tx["pfc_confidence_level"] == "HIGH"]
    assert (bought["name"] != bought["merchant_name"]).mean() > 0.9
    assert bought["name"].str.fullmatch(r"[A-Z0-9 &'.*#-]+").all()
    chain = bought[bought["name"].str.contains(r" #\d{5}$")]
    online = bought[bought["name"].str.contains(r"\*[A-Z0-9]{6}$")]
    assert len(chain) > 100 and len(online) > 100
    stores = chain.groupby("merchant_name")["name"].nunique()
    assert stores.max() > 1 and stores.max() <= 3


@pytest.mark.parametrize(
    ("table", "column"), [(t, c) for t, columns in realism.STAMPED.items() for c in columns]
)
def test_a_row_stamped_after_the_as_of_day_fails_its_blocking_rule(personas, frames, table, column):
    """The data is made after its as-of day has ended: a stamp a second past it is a row
    from the future, and the table's blocking time rule names the column."""
    tables = dict(frames["retiree"])
    ctx = Context(personas["retiree"], as_of=AS_OF)
    rule = registry.BY_KEY[f"{table}.time_integrity"]
    assert rule.blocking
    assert [f.rule for f in rule.findings(ctx, tables) if not f.passed] == []
    late = tables[table].copy()
    late.loc[late.index[0], column] = pd.Timestamp(AS_OF) + pd.Timedelta(days=1, seconds=1)
    tables[table] = late
    failed = {f.rule for f in rule.findings(ctx, tables) if not f.passed}
    assert f"{table}.{column} by the as-of day" in failed


def test_titles_and_tags_come_from_the_prompt_and_a_random_one_is_caught(frames):
    for name, f in frames.items():
        assert all(finding.passed for finding in realism.content_fits_prompt(f["content"])), name
    content = frames["family"]["content"].copy()
    food = content.index[content["tags"].str.startswith("{food")][0]
    content.loc[food, "tags"] = "{food,police,chamber}"  # random words on a food image
    content.loc[content.index[0], "title"] = "4k"  # a style phrase is not a subject
    failed = {f.rule: f.failures for f in realism.content_fits_prompt(content)}
    assert failed == {"titles come from the prompt": 1, "tags come from the prompt's domain": 1}
    content.loc[content.index[0], "title"] = content.loc[content.index[1], "title"][:1]
    failed = {f.rule: f.failures for f in realism.content_fits_prompt(content)}
    assert failed["titles come from the prompt"] == 1  # one letter of a subject is no title


def test_a_persona_asking_for_more_tags_than_its_domain_has_still_fits(personas, frames):
    """Past the domain's own words the tags come from the global pool: that is no misfit."""
    family = personas["family"]
    many = max(len(DOMAIN_TAGS[d]) for d in family.content.domains) + 3
    spec = family.content.model_copy(update={"tags_per_item": IntRange(min=many, max=many)})
    persona = family.model_copy(update={"content": spec})
    content = generate_content(Context(persona, as_of=AS_OF), frames["family"]["users"])
    assert content["tags"].str.count(",").eq(many - 1).all()
    assert all(f.passed for f in realism.content_fits_prompt(content))


def test_users_live_in_real_us_cities_weighted_by_population(frames):
    names, states, population = us_cities()
    users = pd.concat([f["users"] for f in frames.values()])
    assert realism.homes_are_real(users)[0].passed
    assert set(users["region"]) <= set(states) and not set(users["region"]) & {"FM", "MH", "PW"}
    big = set(names[population >= 1_000_000])
    assert users["city"].isin(big).mean() > 0.05  # by population: uniform would give ~0.3%
    invented = users.head(1).assign(city="Hannahport")
    assert realism.homes_are_real(invented)[0].failures == 1
