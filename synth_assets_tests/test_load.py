"""The loader against a real PostgreSQL: schema with real constraints, exact rows, idempotent
reloads, all-or-nothing replace, the safety guard and masked credentials."""

import datetime as dt

import pandas as pd
import psycopg
import pytest

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres, schema, staging, target
from synth_assets_tests.support.database import checksum, query, stored_rows
from synth_assets_tests.support.runs import AS_OF

ORPHAN_QUERIES = [
    "SELECT count(*) FROM accounts a LEFT JOIN users u ON u.id = a.user_id WHERE u.id IS NULL",
    "SELECT count(*) FROM transactions t LEFT JOIN accounts a USING (account_id) WHERE a.account_id IS NULL",
    "SELECT count(*) FROM liabilities l LEFT JOIN accounts a USING (account_id) WHERE a.account_id IS NULL",
    "SELECT count(*) FROM content c LEFT JOIN users u ON u.id = c.user_id WHERE u.id IS NULL",
    "SELECT count(*) FROM jobs j LEFT JOIN content c ON c.id = j.content_id WHERE j.content_id IS NOT NULL AND c.id IS NULL",
    "SELECT count(*) FROM content c WHERE (SELECT count(*) FROM jobs j WHERE j.content_id = c.id "
    "AND j.status = 'completed' AND j.prompt = c.prompt) <> 1",
]


@pytest.fixture(scope="module")
def loaded(database_url, frames):
    postgres.ensure_schema(database_url)
    postgres.replace_partition(database_url, "student", frames["student"], as_of=AS_OF)
    return database_url


def test_rows_land_exactly(loaded, frames):
    for table in schema.TABLE_NAMES:
        assert stored_rows(loaded, table, "student") == len(frames["student"][table]), table
    amount = query(loaded, "SELECT sum(amount) FROM transactions WHERE persona = 'student'")[0][0]
    assert float(amount) == pytest.approx(
        frames["student"]["transactions"]["amount"].sum(), abs=0.01
    )
    tags = query(loaded, "SELECT tags FROM content WHERE persona = 'student' ORDER BY id LIMIT 1")[
        0
    ][0]
    assert isinstance(tags, list)


def test_no_orphans_in_sql(loaded):
    for statement in ORPHAN_QUERIES:
        assert query(loaded, statement)[0][0] == 0, statement


def test_constraints_are_real(loaded):
    # Constraints declared on the partitioned tables (conparentid = 0: not the copies
    # PostgreSQL keeps per partition).
    rows = query(
        loaded,
        "SELECT conrelid::regclass::text, contype, count(*) FROM pg_constraint "
        "WHERE conrelid::regclass::text = ANY(%s) AND conparentid = 0 AND contype IN ('p', 'f', 'u') "
        "GROUP BY 1, 2",
        (list(schema.TABLE_NAMES),),
    )
    found = {(table, kind): n for table, kind, n in rows}
    assert all(found.get((table, "p")) == 1 for table in schema.TABLE_NAMES)
    assert found[("users", "u")] == 2
    foreign = {"accounts": 1, "transactions": 1, "liabilities": 1, "content": 1, "jobs": 2}
    assert {table: found.get((table, "f")) for table in foreign} == foreign
    partitioned = query(
        loaded,
        "SELECT count(*) FROM pg_partitioned_table WHERE partrelid::regclass::text = ANY(%s)",
        (list(schema.TABLE_NAMES),),
    )
    assert partitioned == [(len(schema.TABLE_NAMES),)]
    not_null = query(
        loaded,
        "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'transactions' AND column_name = 'amount'",
    )
    assert not_null == [("NO",)]


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        (  # a transaction of an account that does not exist
            "UPDATE transactions SET account_id = gen_random_uuid() "
            "WHERE transaction_id = (SELECT transaction_id FROM transactions WHERE persona = 'student' LIMIT 1)",
            psycopg.errors.ForeignKeyViolation,
        ),
        (  # a second row with an existing transaction_id
            "INSERT INTO transactions SELECT * FROM transactions WHERE persona = 'student' LIMIT 1",
            psycopg.errors.UniqueViolation,
        ),
        (  # a user still referred to by accounts
            "DELETE FROM users WHERE persona = 'student'",
            psycopg.errors.ForeignKeyViolation,
        ),
    ],
)
def test_loaded_partitions_enforce_their_keys(loaded, statement, error):
    with target.connect(loaded) as conn, pytest.raises(error):
        conn.execute(statement)


def test_reload_is_idempotent(loaded, frames):
    before = {table: checksum(loaded, table, "student") for table in schema.TABLE_NAMES}
    result = postgres.replace_partition(loaded, "student", frames["student"], as_of=AS_OF)
    assert result.deleted == {table: len(frames["student"][table]) for table in schema.TABLE_NAMES}
    assert {table: checksum(loaded, table, "student") for table in schema.TABLE_NAMES} == before


def test_failed_replace_keeps_previous_rows(loaded, frames):
    """A load that breaks on the last table (an orphan job) rolls back the deletes and COPYs."""
    before = {table: checksum(loaded, table, "student") for table in schema.TABLE_NAMES}
    broken = dict(frames["student"])
    jobs = broken["jobs"].copy()
    jobs.loc[jobs.index[-1], "user_id"] = "00000000-0000-4000-8000-00000000dead"
    broken["jobs"] = jobs
    with pytest.raises(Exception, match="foreign key"):
        postgres.replace_partition(loaded, "student", broken, as_of=AS_OF)
    assert {table: checksum(loaded, table, "student") for table in schema.TABLE_NAMES} == before


def test_other_personas_untouched_by_a_replace(loaded, frames):
    postgres.replace_partition(loaded, "retiree", frames["retiree"], as_of=AS_OF)
    before = checksum(loaded, "transactions", "retiree")
    postgres.replace_partition(loaded, "student", frames["student"], as_of=AS_OF)
    assert checksum(loaded, "transactions", "retiree") == before


def test_unreachable_server_names_host_and_database_not_password():
    url = "postgresql://loader:s3cret-pw@127.0.0.1:1/synth_test"
    with pytest.raises(target.DatabaseUnavailableError) as error:
        target.connect(url)
    message = str(error.value)
    assert "127.0.0.1" in message and "synth_test" in message
    assert "s3cret-pw" not in message
    assert "s3cret-pw" not in target.masked(url)
    assert "s3cret-pw" not in target.without_secrets(url)


def test_row_counts_reads_back_per_persona(loaded, frames):
    counts = postgres.row_counts(loaded)
    assert isinstance(counts, pd.DataFrame)
    assert counts.loc["student", "transactions"] == len(frames["student"]["transactions"])


def test_an_older_as_of_is_refused_unless_asked_for_and_the_published_day_recorded(
    loaded, personas
):
    """Runs that start out of order (a backfill, a schedule catching up) must not leave the
    tables on an older day: publishing an older day is refused, naming the setting that
    allows it, and writes nothing; asked for, it is published and recorded."""
    before = {table: checksum(loaded, table, "student") for table in schema.TABLE_NAMES}
    assert staging.published_as_of(loaded, "student") == AS_OF
    earlier = AS_OF - dt.timedelta(days=2)
    older = generate_all(Context(personas["student"], as_of=earlier))
    with pytest.raises(staging.OlderAsOfError, match="SYNTH_ALLOW_OLDER_AS_OF=1") as refused:
        postgres.replace_partition(loaded, "student", older, as_of=earlier)
    assert f"published as of {AS_OF}" in str(refused.value)
    assert {table: checksum(loaded, table, "student") for table in schema.TABLE_NAMES} == before
    assert staging.published_as_of(loaded, "student") == AS_OF
    postgres.replace_partition(loaded, "student", older, as_of=earlier, allow_older=True)
    assert staging.published_as_of(loaded, "student") == earlier
    assert checksum(loaded, "transactions", "student") != before["transactions"]
    again = generate_all(Context(personas["student"], as_of=AS_OF))
    postgres.replace_partition(loaded, "student", again, as_of=AS_OF)
    assert {table: checksum(loaded, table, "student") for table in schema.TABLE_NAMES} == before
    assert staging.published_as_of(loaded, "student") == AS_OF
