"""Column documentation, declared once on the schema: every column has a description, the
UI's column schema shows it, PostgreSQL holds it (COMMENT ON COLUMN, also on an older
database's tables), and the loader names the tables it wrote."""

from __future__ import annotations

import pytest

from synth_assets.load import postgres, schema, target
from synth_assets_tests.support.database import other_database, query


def test_every_column_has_a_one_line_description():
    for table in schema.TABLES:
        for column in table.columns:
            assert column.comment and "\n" not in column.comment, (table.name, column.name)
            assert len(column.comment) <= 120, (table.name, column.name)


def _comments(url: str) -> dict[tuple[str, str], str | None]:
    rows = query(
        url,
        "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) FROM pg_class c "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE c.relname = ANY(%s) AND c.relnamespace = 'public'::regnamespace",
        (list(schema.TABLE_NAMES),),
    )
    return {(table, column): comment for table, column, comment in rows}


def test_postgres_holds_the_descriptions_and_an_older_database_gets_them(database_url):
    url = other_database(database_url, "synth_comments_test")
    postgres.ensure_schema(url)
    declared = {(t.name, c.name): c.comment for t in schema.TABLES for c in t.columns}
    assert _comments(url) == declared
    with target.connect(url, autocommit=True) as conn:  # as a version without them left it
        conn.execute("COMMENT ON COLUMN transactions.amount IS NULL")
        conn.execute("COMMENT ON COLUMN users.email IS 'something else'")
        assert sorted(postgres.document(conn)) == ["transactions.amount", "users.email"]
        assert postgres.document(conn) == []  # unchanged: nothing to set, no lock taken
    assert _comments(url) == declared


@pytest.mark.xdist_group("retiree_run")
def test_the_ui_shows_the_descriptions_and_the_tables_written(retiree_run):
    events = {
        e.asset_key.path[-1]: e for e in retiree_run.result.get_asset_materialization_events()
    }
    home = f"{retiree_run.database}.public"
    for table in schema.TABLES:
        metadata = events[table.name].event_specific_data.materialization.metadata
        columns = metadata["dagster/column_schema"].value.columns
        assert [c.description.removesuffix(" (primary key)") for c in columns] == [
            c.comment for c in table.columns
        ]
        assert metadata["dagster/table_name"].value == f"{home}.{table.name}"
    loader = events["postgres_tables"].event_specific_data.materialization.metadata
    assert loader["tables"].value == {name: f"{home}.{name}" for name in schema.TABLE_NAMES}
