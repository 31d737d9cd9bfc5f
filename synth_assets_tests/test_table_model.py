"""Tables as plain data: synth_assets' own tables are declared once as a model and built into
SQLAlchemy from it; an app's tables read from its SQLAlchemy models and from its live database
give the same model."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from synth_assets import builtin_tables
from synth_assets import table_model as tm
from synth_assets.load import model_sql, schema, target
from synth_assets.testing import drop_database
from synth_assets_tests.support.app_schema import TEAMS, App
from synth_assets_tests.support.database import other_database


def test_the_sqlalchemy_tables_are_built_from_the_model_and_read_back_the_same():
    read = model_sql.read_metadata(schema.metadata)
    for name, declared in builtin_tables.SCHEMA.tables.items():
        # What SQLAlchemy does not hold: the asset group and the lineage.
        assert read[name] == dataclasses.replace(declared, group=None, lineage=()), name
    assert schema.TABLE_NAMES == builtin_tables.TABLE_NAMES == tuple(read.names)
    assert schema.short_name("transaction_changes") == "changes"


def test_the_generators_import_neither_sqlalchemy_nor_dagster():
    code = (
        "import sys, synth_assets.generate.frames, synth_assets.builtin_tables; "
        "print(sorted(m for m in ('sqlalchemy', 'dagster') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_load_order_puts_parents_first_and_names_a_cycle():
    order = tm.load_order(builtin_tables.SCHEMA)
    assert order == list(builtin_tables.TABLE_NAMES)  # declared parents first already
    for name in order:
        assert all(order.index(p) < order.index(name) for p in builtin_tables.SCHEMA[name].parents)
    app = model_sql.read_metadata(App.metadata)
    with pytest.raises(ValueError, match="foreign keys form a cycle: members -> orgs -> members"):
        tm.load_order(app)
    owner = next(k for k in app["orgs"].foreign_keys if k.parent == "members")
    assert owner.nullable_in(app["orgs"]) and owner.deferrable
    broken = tm.load_order(app, [("orgs", owner)])
    assert broken[:2] == ["orgs", "members"]  # the cycle, broken at orgs' nullable deferrable key
    assert sorted(broken) == sorted(app.names)
    for name in broken[2:]:
        assert all(broken.index(k.parent) < broken.index(name) for k in app[name].foreign_keys)


def test_serial_keys_and_unique_indexes_read_as_the_database_makes_them():
    """A plain integer primary key is SERIAL (the server numbers it) and a unique index is a
    unique key, read from the models as from the database."""
    teams = model_sql.read_metadata(TEAMS)
    assert teams["people"].column("id").identity and teams["teams"].column("id").identity
    assert ("email",) in teams["people"].unique and not teams["people"].indexes


def test_an_app_schema_reads_its_types_through_custom_ones():
    app = model_sql.read_metadata(App.metadata)
    members, ledger = app["members"], app["ledger_entries"]
    assert members.column("id").identity and not members.column("id").nullable
    assert str(members.column("handle").type) == "varchar(40)"
    assert members.column("status").type.labels == ("active", "invited", "closed")
    assert members.column("handle_lower").generated == "lower(handle)"
    assert str(members.column("tags").type) == "text[]"
    assert str(members.column("joined_at").type) == "timestamptz"
    assert str(ledger.column("amount_cents").type) == "bigint"  # through the TypeDecorator
    assert str(ledger.column("rate").type) == "numeric(9, 4)"
    assert ("email",) in members.unique and members.checks[0].name == "handle_long_enough"
    assert {k.parent for k in members.foreign_keys} == {"orgs", "members"}


@pytest.fixture
def app_database(database_url):
    url = other_database(database_url, f"synth_model_{uuid.uuid4().hex[:6]}_test")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    App.metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        drop_database(database_url, target.database_name(url))


def _comparable(table: tm.Table) -> tm.Table:
    """What PostgreSQL keeps as it was given: it rewrites expressions (CHECKs, defaults,
    generated columns) into its own spelling, so those are compared by presence, and it names
    the foreign keys the models left unnamed."""
    return dataclasses.replace(
        table,
        foreign_keys=tuple(dataclasses.replace(k, name=None) for k in table.foreign_keys),
        checks=tuple(tm.Check(c.name, "") for c in table.checks),
        columns=tuple(
            dataclasses.replace(
                c, default="set" if c.default else None, generated="set" if c.generated else None
            )
            for c in table.columns
        ),
    )


def test_reflection_and_the_models_give_the_same_model(app_database):
    from_models = model_sql.read_metadata(App.metadata)
    reflected = model_sql.reflect(app_database)
    assert sorted(reflected.names) == sorted(from_models.names)
    for name in from_models.names:
        assert _comparable(reflected[name]) == _comparable(from_models[name]), name
