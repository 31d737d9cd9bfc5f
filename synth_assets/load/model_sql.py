"""Tables as plain data (``table_model``) to SQLAlchemy and back: synth_assets' own tables are
built from their model, and an app's tables are read into one, from its SQLAlchemy
``MetaData`` (or a declarative ``Base``) or from its live database by reflection. Both readers
go through the same function, so the same schema gives the same model either way.

A column's type is read as PostgreSQL would make it (the type compiled for PostgreSQL), so a
custom ``TypeDecorator`` is read through to the type it produces."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from synth_assets import table_model as tm

DIALECT = postgresql.dialect()
_SIZED = re.compile(r"(?P<name>[A-Z ]+?)\s*\((?P<args>[0-9, ]+)\)")
_NAMES = {
    "VARCHAR": "varchar", "CHAR": "char", "TEXT": "text", "UUID": "uuid", "NUMERIC": "numeric",
    "INTEGER": "integer", "BIGINT": "bigint", "SMALLINT": "smallint", "BOOLEAN": "boolean",
    "DATE": "date", "TIMESTAMP WITHOUT TIME ZONE": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz", "TIMESTAMP": "timestamp",
    "DOUBLE PRECISION": "double precision", "FLOAT": "double precision", "REAL": "real",
    "JSON": "json", "JSONB": "jsonb", "SERIAL": "integer", "BIGSERIAL": "bigint",
    "TIME WITHOUT TIME ZONE": "time", "TIME": "time", "INTERVAL": "interval", "BYTEA": "bytea",
    "INET": "inet", "CITEXT": "citext",
}  # fmt: skip
PARTITIONED_BY = "postgresql_partition_by"


def read_type(column_type: sa.types.TypeEngine) -> tm.SqlType:
    """The PostgreSQL type a SQLAlchemy column type makes."""
    if isinstance(column_type, sa.types.TypeDecorator):
        return read_type(column_type.impl_instance)
    if isinstance(column_type, sa.Enum):
        return tm.SqlType("enum", labels=tuple(column_type.enums), enum_name=column_type.name)
    if isinstance(column_type, sa.ARRAY):
        return tm.SqlType("array", item=read_type(column_type.item_type))
    compiled = column_type.compile(dialect=DIALECT).upper()
    sized = _SIZED.fullmatch(compiled)
    if sized:
        args = [int(a) for a in sized["args"].split(",")]
        name = _NAMES.get(sized["name"].strip(), sized["name"].strip().lower())
        if name in ("numeric", "decimal"):
            return tm.SqlType("numeric", precision=args[0], scale=args[1] if len(args) > 1 else 0)
        if name.startswith("timestamp") or name == "time":
            return tm.SqlType(name)  # a fractional-seconds precision changes nothing we write
        return tm.SqlType(name, length=args[0])
    return tm.SqlType(_NAMES.get(compiled, compiled.lower()))


def _default(column: sa.Column) -> str | None:
    default = column.server_default
    if default is None or isinstance(default, sa.Computed | sa.Identity):
        return None
    arg = getattr(default, "arg", None)
    if arg is None:
        return None
    return str(arg.compile(dialect=DIALECT)) if hasattr(arg, "compile") else str(arg)


def _identity(column: sa.Column) -> bool:
    """Whether the server numbers the column: an identity, a serial's ``nextval`` default,
    or what SQLAlchemy creates as SERIAL (a table's one integer primary key with no default
    and no foreign key: ``autoincrement="auto"``), so models and reflection agree."""
    if isinstance(column.server_default, sa.Identity) or column.identity is not None:
        return True
    default = _default(column) or ""
    if default.startswith("nextval("):
        return True
    table = column.table
    return (
        column.autoincrement in (True, "auto")
        and column.primary_key
        and len(table.primary_key.columns) == 1
        and isinstance(column.type, sa.Integer)
        and column.server_default is None
        and column.default is None
        and not column.foreign_keys
    )


def _plain(index: sa.Index) -> bool:
    """An index of one column, not unique, not partial: the column's ``indexed`` flag."""
    return len(index.columns) == 1 and not index.unique and _where(index) is None


def read_table(table: sa.Table) -> tm.Table:
    """One SQLAlchemy table as a model."""
    plain = {next(iter(index.columns)).name for index in table.indexes if _plain(index)}
    columns = tuple(
        tm.Column(
            name=str(c.name),
            type=read_type(c.type),
            nullable=bool(c.nullable),
            comment=c.comment,
            default=None if _identity(c) else _default(c),
            generated=str(c.computed.sqltext) if c.computed is not None else None,
            identity=_identity(c),
            indexed=bool(c.index) or c.name in plain,
        )
        for c in table.columns
    )
    uniques, checks, keys = [], [], []
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            uniques.append(tuple(str(c.name) for c in constraint.columns))
        elif isinstance(constraint, sa.CheckConstraint):
            checks.append(tm.Check(_name(constraint), str(constraint.sqltext)))
        elif isinstance(constraint, sa.ForeignKeyConstraint):
            keys.append(_foreign_key(constraint))
    uniques += [(str(c.name),) for c in table.columns if c.unique and (c.name,) not in uniques]
    # A unique index over columns (no WHERE) is a unique key, however it was declared.
    uniques += [
        tuple(str(c.name) for c in index.columns)
        for index in table.indexes
        if index.unique and _where(index) is None and index.columns
    ]
    uniques = sorted(set(uniques))
    # A table's constraints are a set: sorted, so one schema reads as one model.
    checks.sort(key=lambda check: (check.name or "", check.sql))
    keys.sort(key=lambda key: (key.columns, key.parent))
    indexes = tuple(
        tm.Index(
            name=str(index.name),
            columns=tuple(str(c.name) for c in index.columns),
            unique=bool(index.unique),
            where=_where(index),
        )
        for index in sorted(table.indexes, key=lambda i: str(i.name))
        if not _plain(index) and not (index.unique and _where(index) is None)
    )
    return tm.Table(
        name=str(table.name),  # SQLAlchemy's names are str subclasses: plain text here
        columns=columns,
        primary_key=tuple(str(c.name) for c in table.primary_key.columns),
        unique=tuple(uniques),
        foreign_keys=tuple(keys),
        checks=tuple(checks),
        indexes=indexes,
        comment=table.comment,
        partitioned_by=_partition_key(table),
        short=table.info.get("short"),
    )


def _name(constraint: Any) -> str | None:
    name = constraint.name
    return None if name is None or type(name).__name__ == "_NoneName" else str(name)


def _foreign_key(constraint: sa.ForeignKeyConstraint) -> tm.ForeignKey:
    elements = constraint.elements
    return tm.ForeignKey(
        columns=tuple(str(e.parent.name) for e in elements),
        parent=str(elements[0].column.table.name),
        parent_columns=tuple(str(e.column.name) for e in elements),
        name=_name(constraint),
        deferrable=bool(constraint.deferrable),
        initially_deferred=str(constraint.initially or "").upper() == "DEFERRED",
    )


def _where(index: sa.Index) -> str | None:
    where = index.dialect_options["postgresql"].get("where")
    return None if where is None else str(where)


def _partition_key(table: sa.Table) -> str | None:
    spec = table.dialect_kwargs.get(PARTITIONED_BY)
    if not spec:
        return None
    match = re.fullmatch(r"\s*\w+\s*\((\w+)\)\s*", spec)
    return match[1] if match else spec


def read_metadata(metadata: sa.MetaData) -> tm.Schema:
    """Every table of ``metadata`` (a declarative ``Base.metadata`` too), in its order."""
    return tm.Schema.of(read_table(table) for table in metadata.tables.values())


def reflect(url: str, schema: str = "public") -> tm.Schema:
    """The tables of a live PostgreSQL database's ``schema``, read by reflection."""
    metadata = sa.MetaData()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        metadata.reflect(engine, schema=schema)
    finally:
        engine.dispose()
    return read_metadata(metadata)


# ---------------------------------------------------------------------------- to SQLAlchemy

_TYPES: dict[str, Any] = {
    "uuid": postgresql.UUID(as_uuid=False), "text": sa.Text(), "boolean": sa.Boolean(),
    "date": sa.Date(), "timestamp": sa.DateTime(), "timestamptz": sa.DateTime(timezone=True),
    "double precision": sa.Float(), "real": sa.REAL(), "integer": sa.Integer(),
    "bigint": sa.BigInteger(), "smallint": sa.SmallInteger(), "json": postgresql.JSON(),
    "jsonb": postgresql.JSONB(),
}  # fmt: skip


def make_type(sql_type: tm.SqlType) -> sa.types.TypeEngine:
    """The SQLAlchemy type of a model type."""
    if sql_type.name == "array" and sql_type.item is not None:
        return sa.ARRAY(make_type(sql_type.item))
    if sql_type.name == "numeric":
        return sa.Numeric(sql_type.precision, sql_type.scale)
    if sql_type.name == "varchar":
        return sa.String(sql_type.length)
    if sql_type.name == "enum":
        return postgresql.ENUM(*(sql_type.labels or ()), name=sql_type.enum_name)
    return _TYPES[sql_type.name]


def make_table(table: tm.Table, metadata: sa.MetaData) -> sa.Table:
    """``table`` as a SQLAlchemy table in ``metadata``."""
    items: list[Any] = [
        sa.Column(
            c.name,
            make_type(c.type),
            sa.Identity() if c.identity else None,
            nullable=c.nullable,
            comment=c.comment,
            index=c.indexed or None,
            server_default=sa.text(c.default) if c.default else None,
        )
        for c in table.columns
    ]
    if table.primary_key:
        items.append(sa.PrimaryKeyConstraint(*table.primary_key))
    items += [sa.UniqueConstraint(*columns) for columns in table.unique]
    items += [
        sa.ForeignKeyConstraint(
            list(key.columns),
            [f"{key.parent}.{c}" for c in key.parent_columns],
            name=key.name,
            deferrable=key.deferrable or None,
            initially="DEFERRED" if key.initially_deferred else None,
        )
        for key in table.foreign_keys
        if not key.virtual
    ]
    items += [sa.CheckConstraint(check.sql, name=check.name) for check in table.checks]
    kwargs: dict[str, Any] = {}
    if table.partitioned_by:
        kwargs[PARTITIONED_BY] = f"LIST ({table.partitioned_by})"
    made = sa.Table(
        table.name,
        metadata,
        *items,
        comment=table.comment,
        info={"short": table.short} if table.short else {},
        **kwargs,
    )
    for index in table.indexes:
        sa.Index(
            index.name,
            *(made.c[c] for c in index.columns),
            unique=index.unique,
            postgresql_where=sa.text(index.where) if index.where else None,
        )
    return made


def make_metadata(schema: tm.Schema) -> sa.MetaData:
    """Every table of ``schema`` in a new ``MetaData``."""
    metadata = sa.MetaData()
    for table in schema.tables.values():
        make_table(table, metadata)
    return metadata
