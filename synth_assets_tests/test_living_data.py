"""Data that lives over time: an as-of date reproduces its day exactly, moving it keeps
history, pending transactions post the way Plaid's do, balances, loans and liabilities follow
the date, and the day's changes (the table and the /transactions/sync pages) replay onto the
day before to give exactly the day's table."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from synth_assets.checks import integrity, realism, registry
from synth_assets.generate import calendar, purchases
from synth_assets.generate.calendar import Window
from synth_assets.generate.common import Context
from synth_assets.generate.flows import flows
from synth_assets.generate.frames import generate_all
from synth_assets.personas import PersonaError
from synth_assets.plaid import sync, validate, views
from synth_assets_tests.support.runs import AS_OF

DAYS = 7
ONE = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def week(personas) -> dict[dt.date, dict[str, pd.DataFrame]]:
    """The student persona on eight consecutive days, over a month's end and a weekend
    (tests using it share the xdist group "student_week": one worker generates them)."""
    first = dt.date(2026, 11, 26)
    return {
        first + i * ONE: generate_all(Context(personas["student"], as_of=first + i * ONE))
        for i in range(DAYS + 1)
    }


def _by_id(frame: pd.DataFrame, key: str = "transaction_id") -> pd.DataFrame:
    return frame.set_index(key).sort_index()


def test_the_same_as_of_gives_identical_tables_and_another_day_other_ones(personas, frames):
    again = generate_all(Context(personas["retiree"], as_of=AS_OF))
    for table, frame in frames["retiree"].items():
        pd.testing.assert_frame_equal(frame, again[table], obj=table)
    later = generate_all(Context(personas["retiree"], as_of=AS_OF + ONE))
    assert not later["transactions"].equals(frames["retiree"]["transactions"])


@pytest.mark.xdist_group("student_week")
def test_a_relative_window_ends_at_the_as_of_date(personas, week):
    for day, tables in week.items():
        window = personas["student"].window(day)
        tx = tables["transactions"]
        assert window.end == day and window.start == day.replace(year=day.year - 1) + ONE
        assert tx["date"].max() == pd.Timestamp(day)
        assert tx["date"].min() >= pd.Timestamp(window.start)
        assert tables["transaction_changes"]["as_of"].eq(pd.Timestamp(day)).all()


@pytest.mark.xdist_group("student_week")
def test_moving_the_as_of_date_keeps_history_and_ids(week):
    """Rows inside both windows and older than the pending days are identical, field by
    field; users, accounts, content and jobs keep their ids and values."""
    days = sorted(week)
    for before, after in itertools.pairwise(days):
        a, b = week[before], week[after]
        settled = pd.Timestamp(before) - pd.Timedelta(days=9)
        start = b["transactions"]["date"].min()

        old, new = (
            _by_id(tx[(tx["date"] >= start) & (tx["date"] < settled)])
            for tx in (a["transactions"], b["transactions"])
        )
        pd.testing.assert_frame_equal(old, new)
        assert len(old) > 1000
        for table, key in (("users", "id"), ("content", "id"), ("jobs", "id")):
            old, new = _by_id(a[table], key), _by_id(b[table], key)
            assert old.index.isin(new.index).all(), table  # nothing churns
            if table == "jobs":  # in-flight jobs were submitted in each day's last hour
                old = old[~old["status"].isin(["running", "pending"])]
            pd.testing.assert_frame_equal(old, new.loc[old.index], obj=table)
        fixed = ["account_id", "user_id", "kind", "mask", "created_at", "balance_limit"]
        pd.testing.assert_frame_equal(
            _by_id(a["accounts"][fixed], "account_id"), _by_id(b["accounts"][fixed], "account_id")
        )


def _replay(table: pd.DataFrame, changes: pd.DataFrame, today: pd.DataFrame) -> pd.DataFrame:
    removed = changes.loc[changes["change"] == "removed", "transaction_id"]
    added = changes.loc[changes["change"] == "added", "transaction_id"]
    assert removed.isin(table.index).all() and not added.isin(table.index).any()
    return pd.concat([table.drop(index=removed), today.loc[added]])


@pytest.mark.xdist_group("student_week")
def test_seven_days_of_changes_replay_to_the_last_days_table(week):
    days = sorted(week)
    table = _by_id(week[days[0]]["transactions"])
    for day in days[1:]:
        today = _by_id(week[day]["transactions"])
        table = _replay(table, week[day]["transaction_changes"], today)
    pd.testing.assert_frame_equal(table.sort_index(), _by_id(week[days[-1]]["transactions"]))


def _apply_pages(documents: dict[str, dict], pages) -> dict[str, dict]:
    for _, _, page in pages:
        for gone in page["removed"]:
            assert documents.pop(gone["transaction_id"])["account_id"] == gone["account_id"]
        for new in page["added"]:
            documents[new["transaction_id"]] = new
        assert page["modified"] == []
    return documents


@pytest.mark.xdist_group("student_week")
def test_seven_days_of_sync_pages_replay_to_the_last_days_objects(week):
    """What a Plaid client would do: apply each day's /transactions/sync pages to the
    objects it holds; it ends with exactly the objects of the last day."""
    days = sorted(week)
    held = {
        t["transaction_id"]: t for t in views.transaction_objects(week[days[0]]["transactions"])
    }
    for day in days[1:]:
        tables = week[day]
        pages = list(
            sync.sync_pages(
                tables["accounts"],
                tables["transactions"],
                tables["transaction_changes"],
                day,
                day - ONE,
            )
        )
        held = _apply_pages(held, pages)
    last = {
        t["transaction_id"]: t for t in views.transaction_objects(week[days[-1]]["transactions"])
    }
    assert held == last


def test_sync_pages_are_plaid_shaped_and_chain_their_cursors(personas, frames):
    tables = frames["family"]
    pages = list(
        sync.sync_pages(
            tables["accounts"],
            tables["transactions"],
            tables["transaction_changes"],
            AS_OF,
            AS_OF - ONE,
        )
    )
    assert {account for account, _, _ in pages} == set(tables["accounts"]["account_id"])
    keys = {"accounts", "added", "modified", "removed", "next_cursor", "has_more",
            "request_id", "transactions_update_status", "since"}  # fmt: skip
    added = []
    for account, number, page in pages:
        assert set(page) == keys
        assert len(page["added"]) + len(page["removed"]) <= sync.PAGE_SIZE
        assert page["since"] == (AS_OF - ONE).isoformat()
        assert [a["account_id"] for a in page["accounts"]] == [account]
        assert all(set(r) == {"transaction_id", "account_id"} for r in page["removed"])
        assert page["next_cursor"] == sync.cursor(
            account, AS_OF, "end" if not page["has_more"] else number + 1
        )
        added += page["added"]
    types = dict(zip(tables["accounts"]["account_id"], tables["accounts"]["type"], strict=True))
    report = validate.validate("transaction", added, types)
    assert report.passed and len(added) > 10, report.errors[:3]
    # Pagination: an account with more than a page of changes gets several, chained.
    many = tables["transaction_changes"].copy()
    one = many["account_id"].iloc[0]
    extra = pd.DataFrame(
        {"as_of": many["as_of"].iloc[0], "transaction_id": [f"gone-{i}" for i in range(1200)],
         "account_id": one, "persona": "family", "change": "removed"}
    )  # fmt: skip
    paged = [
        p
        for p in sync.sync_pages(
            tables["accounts"], tables["transactions"], pd.concat([many, extra]), AS_OF, None
        )
        if p[0] == one
    ]
    assert [n for _, n, _ in paged] == [1, 2, 3]
    assert [p["has_more"] for _, _, p in paged] == [True, True, False]


def test_the_fast_sync_writer_equals_the_views_pages_on_a_day_and_on_a_reset(frames):
    """The exports write the pages column-wise; they hold exactly ``sync_pages``' objects:
    on an ordinary day, and on a reset (every transaction added, accounts of many pages, and
    removals after the additions on a shared page)."""
    for name, tables in frames.items():
        accounts, transactions = tables["accounts"], tables["transactions"]
        everything = pd.DataFrame(
            {"as_of": AS_OF, "transaction_id": transactions["transaction_id"],
             "account_id": transactions["account_id"], "persona": name, "change": "added"}
        )  # fmt: skip
        one = accounts["account_id"].iloc[0]
        gone = pd.DataFrame(
            {"as_of": AS_OF, "transaction_id": [f"gone-{i}" for i in range(700)],
             "account_id": one, "persona": name, "change": "removed"}
        )  # fmt: skip
        cases = [
            (tables["transaction_changes"], AS_OF - ONE),
            (pd.concat([everything, gone], ignore_index=True), None),
        ]
        for changes, since in cases:
            expected = list(sync.sync_pages(accounts, transactions, changes, AS_OF, since))
            written = list(sync.sync_page_texts(accounts, transactions, changes, AS_OF, since))
            assert [(a, n) for a, n, _ in written] == [(a, n) for a, n, _ in expected], name
            for (_, _, text), (_, _, page) in zip(written, expected, strict=True):
                assert json.loads(text) == page, name
        assert max(n for _, n, _ in written) > 1, name  # a reset fills several pages


@pytest.mark.xdist_group("student_week")
def test_pending_transactions_post_as_plaid_does(week):
    """A pending row that posts: a new posted row, under a new id, on the same account,
    names it in pending_transaction_id; the pending one is removed that day; some
    restaurant bills post with the tip added; hotel deposits are released, never posted."""
    days = sorted(week)
    first, last = week[days[0]]["transactions"], week[days[-1]]["transactions"]
    pending = _by_id(first[first["pending"]])
    posted = last[last["pending_transaction_id"].isin(pending.index)]
    assert len(posted) > 20
    assert not posted["transaction_id"].isin(pending.index).any()  # a new id
    before = pending.loc[posted["pending_transaction_id"]]
    assert (before["account_id"].to_numpy() == posted["account_id"].to_numpy()).all()
    assert (posted["date"].to_numpy() > before["date"].to_numpy()).all()
    tipped = posted["pfc_detailed"].eq("FOOD_AND_DRINK_RESTAURANT").to_numpy()
    ratio = posted["amount"].to_numpy()[tipped] / before["amount"].to_numpy()[tipped]
    assert tipped.any() and (ratio > 1.14).all() and (ratio < 1.23).all()
    untipped = ~tipped
    assert np.allclose(posted["amount"].to_numpy()[untipped], before["amount"].to_numpy()[untipped])
    for day in days[1:]:  # removed on the day its posted row was added
        changes = week[day]["transaction_changes"]
        added = changes.loc[changes["change"] == "added", "transaction_id"]
        today = week[day]["transactions"]
        linked = today.loc[today["transaction_id"].isin(added), "pending_transaction_id"].dropna()
        removed = set(changes.loc[changes["change"] == "removed", "transaction_id"])
        assert set(linked) <= removed, day


def test_hotel_and_car_rental_deposits_are_released_never_posted(personas):
    """A deposit held at check-in shows pending for a few business days, then goes away:
    no posted row ever names it."""
    traveller = personas["small_business_owner"]
    first, later = (
        generate_all(Context(traveller, as_of=AS_OF + i * ONE))["transactions"] for i in (0, DAYS)
    )
    held = first[
        first["pending"] & first["pfc_detailed"].isin(["TRAVEL_LODGING", "TRAVEL_RENTAL_CARS"])
    ]
    gone = held[~held["transaction_id"].isin(later["transaction_id"])]
    released = gone[~gone["transaction_id"].isin(later["pending_transaction_id"].dropna())]
    assert len(released) >= 3
    assert (released["amount"] >= 50).all() and (released["amount"] % 10 == 0).all()


def test_a_card_due_on_a_saturday_is_not_overdue_until_the_monday_has_passed(personas):
    """Autopay due on Saturday 21 March 2026 settles on Monday the 23rd: on the Sunday the
    card owes its minimum but is not late; on the Tuesday the next due day is in April."""
    ctx = lambda day: Context(personas["family"], as_of=day)  # noqa: E731
    sunday, tuesday = dt.date(2026, 3, 22), dt.date(2026, 3, 24)
    cards = {}
    for day in (sunday, tuesday):
        liabilities = generate_all(ctx(day))["liabilities"]
        cards[day] = liabilities[liabilities["liability_type"] == "credit"]
    assert len(cards[sunday]) >= 1
    assert not cards[sunday]["is_overdue"].any()
    assert (cards[sunday]["next_payment_due_date"] == pd.Timestamp(2026, 3, 21)).all()
    assert (cards[tuesday]["next_payment_due_date"] == pd.Timestamp(2026, 4, 21)).all()
    assert not cards[tuesday]["is_overdue"].any()


def test_a_deposit_hold_never_predates_its_account():
    """A stay bought in the account's first minute holds its deposit no earlier than the
    account's opening second."""
    opened = np.array(["2026-03-02T09:00:00"] * 2, dtype="datetime64[s]")
    bought = flows(
        np.array([0, 1]), opened + np.array([1, 3600]), np.array([200.0, 400.0]),
        detailed="TRAVEL_LODGING",
    )  # fmt: skip
    holds = purchases._holds(bought, np.array(["2026-03-05"] * 2, dtype="datetime64[D]"), opened)
    assert (holds["authorized"] >= opened + 1).all()
    assert holds["authorized"][1] == bought["authorized"][1] - np.timedelta64(60, "s")


def test_every_rule_holds_at_month_ends_weekends_and_a_leap_day(personas):
    for day in (
        dt.date(2026, 11, 30),
        dt.date(2026, 11, 29),
        dt.date(2024, 2, 29),
        dt.date(2026, 1, 1),
    ):
        for name in ("family", "young_professional"):
            ctx = Context(personas[name], as_of=day)
            verdicts = registry.judge_whole(ctx, generate_all(ctx))
            failed = [k for k, v in verdicts.items() if v.rule.blocking and not v.passed]
            assert failed == [], (name, day, {k: verdicts[k].metadata() for k in failed})


def test_loans_amortise_and_liabilities_follow_the_as_of_date(personas):
    """A month later each mortgage owes less by the principal of its payment, the interest
    was the balance times the rate, and the lender reports the new last and next payment."""
    persona = personas["family"]
    early, late = dt.date(2026, 10, 20), dt.date(2026, 11, 20)  # the 15th of November was a Sunday
    a, b = (generate_all(Context(persona, as_of=day)) for day in (early, late))
    loans = a["accounts"][a["accounts"]["subtype"] == "mortgage"]["account_id"]
    owed_a = _by_id(a["accounts"], "account_id").loc[loans, "balance_current"]
    owed_b = _by_id(b["accounts"], "account_id").loc[loans, "balance_current"]
    assert (owed_b < owed_a).all()
    tx = b["transactions"]
    month = tx[tx["account_id"].isin(loans) & (tx["date"] > pd.Timestamp(early))
               & (tx["date"] <= pd.Timestamp(late))]  # fmt: skip
    moved = month.groupby("account_id")["amount"].sum().reindex(loans)
    assert np.allclose(owed_a.to_numpy() + moved.to_numpy(), owed_b.to_numpy(), atol=0.005)
    la, lb = (_by_id(t["liabilities"], "account_id").loc[loans] for t in (a, b))
    assert (lb["last_payment_date"] > la["last_payment_date"]).all()
    assert (lb["next_payment_due_date"] > pd.Timestamp(late)).all()
    assert (lb["origination_date"] == la["origination_date"]).all()


def test_a_fixed_range_that_starts_after_the_as_of_date_is_refused(personas):
    fixed = personas["retiree"].model_copy(
        update={"date_range": personas["retiree"].date_range.model_copy(
            update={"start": dt.date(2026, 1, 1), "end": dt.date(2026, 6, 30), "months": None}
        )}
    )  # fmt: skip
    with pytest.raises(PersonaError, match="persona 'retiree': date_range starts on 2026-01-01"):
        Context(fixed, as_of=dt.date(2025, 12, 31)).window  # noqa: B018
    assert Context(fixed, as_of=dt.date(2026, 12, 31)).window == Window(
        dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    )


def test_each_new_rule_catches_its_defect(personas, frames):
    f = frames["young_professional"]
    tx, accounts, liabilities = f["transactions"], f["accounts"], f["liabilities"]

    def failed(findings) -> set[str]:
        return {finding.rule for finding in findings if not finding.passed}

    link = tx.index[tx["pending_transaction_id"].notna()][:2]
    broken = tx.copy()
    broken.loc[tx.index[tx["pending"]][0], "pending_transaction_id"] = broken.loc[
        link[0], "pending_transaction_id"
    ]
    broken.loc[link[1], "pending_transaction_id"] = broken.loc[tx.index[5], "transaction_id"]
    assert failed(integrity.pending_links(broken)) == {
        "only posted rows name a pending transaction",
        "a pending transaction is replaced once",
        "pending_transaction_id names no row of the table",
    }
    changes = f["transaction_changes"]
    added = changes.index[changes["change"] == "added"][0]
    missing = tx[tx["transaction_id"] != changes.loc[added, "transaction_id"]]
    assert "added transactions are in the table" in failed(
        integrity.changes_integrity(changes, missing, accounts, AS_OF, AS_OF - ONE)
    )
    still_there = changes.copy()
    still_there.loc[still_there.index[-1], ["transaction_id", "change"]] = (
        tx["transaction_id"].iloc[0], "removed",
    )  # fmt: skip
    elsewhere = changes.copy()
    elsewhere.loc[added, "account_id"] = accounts["account_id"].iloc[-1]
    stale = changes.copy()
    stale["as_of"] = pd.Timestamp(AS_OF - ONE)
    assert {
        "removed transactions are not in the table",
        "added on the account of its row",
        "changes are of the as-of date",
    } <= failed(
        integrity.changes_integrity(still_there, tx, accounts, AS_OF, AS_OF - ONE)
    ) | failed(integrity.changes_integrity(elsewhere, tx, accounts, AS_OF, AS_OF - ONE)) | failed(
        integrity.changes_integrity(stale, tx, accounts, AS_OF, AS_OF - ONE)
    )
    moved = changes.copy()
    moved.loc[moved["change"] == "removed", "account_id"] = accounts["account_id"].iloc[-1]
    assert "a posted row stays on its pending row's account" in failed(
        integrity.changes_integrity(moved, tx, accounts, AS_OF, AS_OF - ONE)
    )
    start, end = personas["young_professional"].window(AS_OF).start, AS_OF
    weekend = tx.copy()
    card = weekend.index[(weekend["payment_channel"] != "other") & ~weekend["pending"]][0]
    weekend.loc[card, "date"] = pd.Timestamp("2026-11-22")  # a Sunday
    weekend.loc[card, "authorized_date"] = pd.Timestamp("2026-11-21")
    old_pending = tx.copy()
    old_pending.loc[tx.index[0], "pending"] = True
    assert "card purchases and paychecks post on business days" in failed(
        realism.transactions_time(accounts, weekend, start, end)
    )
    holiday = tx.copy()
    holiday.loc[card, "date"] = pd.Timestamp("2025-12-25")  # a Thursday: Christmas Day
    holiday.loc[card, "authorized_date"] = pd.Timestamp("2025-12-24")
    assert "card purchases and paychecks post on business days" in failed(
        realism.transactions_time(accounts, holiday, start, end)
    )
    assert f"pending only in the last {calendar.PENDING_REACH_DAYS} days" in failed(
        realism.transactions_time(accounts, old_pending, start, end)
    )
    interest = tx.copy()
    rated = interest["account_id"].isin(liabilities["account_id"])  # the APR is known
    charge = interest.index[(interest["pfc_detailed"] == "BANK_FEES_INTEREST_CHARGE") & rated][0]
    interest.loc[charge, "amount"] += 1.0
    assert "loan interest = balance x APR / 12" in failed(
        realism.loan_amortisation(accounts, interest, liabilities)
    )
    unpaid = tx.copy()
    payments = unpaid["name"].eq("PAYMENT RECEIVED - THANK YOU")
    unpaid.loc[payments, "amount"] = -0.01  # payments below the interest: nothing repaid
    assert "loan payments repay principal" in failed(
        realism.loan_amortisation(accounts, unpaid, liabilities)
    )
    statement = liabilities.copy()
    statement.loc[statement["liability_type"] == "credit", "last_statement_balance"] += 5.0
    assert "card statement = the month's posted charges" in failed(
        realism.card_statements(accounts, tx, statement, start)
    )


@pytest.mark.xdist_group("retiree_run")
def test_a_run_records_its_as_of_in_tags_and_every_tables_metadata(retiree_run):
    day = AS_OF.isoformat()  # configured (resources_for), not the run's start date
    result = retiree_run.result
    assert retiree_run.instance.get_run_by_id(result.run_id).tags["synth/as_of"] == day
    events = result.get_asset_materialization_events()
    assert len(events) == 9  # seven tables, the loader and the exports
    for event in events:
        metadata = event.event_specific_data.materialization.metadata
        assert metadata["as_of"].value == day, event.asset_key
