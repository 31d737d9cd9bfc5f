"""Tables as plain data: columns, types, comments, keys, foreign keys, checks and indexes.

One kind of model for both sides of a load: synth_assets' own seven tables
(``builtin_tables``), and an app's tables read from its SQLAlchemy models or its live database
(``load.model_sql``). The SQLAlchemy tables, the assets' column schemas and the exports are
built from it; importing it imports neither SQLAlchemy nor Dagster."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

INTEGERS = frozenset({"integer", "bigint", "smallint"})
TEXTS = frozenset({"text", "varchar", "char", "citext"})
NUMBERS = INTEGERS | {"numeric", "double precision", "real"}
TIMES = frozenset({"timestamp", "timestamptz", "date"})
# The largest value of each integer type.
INTEGER_MAX = {"smallint": 2**15 - 1, "integer": 2**31 - 1, "bigint": 2**63 - 1}


def number_limit(kind: SqlType) -> float | None:
    """The magnitude a column's numbers must stay below: past an integer type's largest
    value, or ``10 ** (p - s)`` for ``numeric(p, s)`` (None: no limit worth judging)."""
    if kind.name in INTEGER_MAX:
        return INTEGER_MAX[kind.name] + 1
    if kind.name == "numeric" and kind.precision is not None:
        return 10.0 ** (kind.precision - (kind.scale or 0))
    return None


@dataclass(frozen=True)
class SqlType:
    """A column's PostgreSQL type: ``name`` is PostgreSQL's (``uuid``, ``text``,
    ``varchar``, ``numeric``, ``integer``, ``bigint``, ``smallint``, ``boolean``, ``date``,
    ``timestamp``, ``timestamptz``, ``double precision``, ``real``, ``json``, ``jsonb``,
    ``enum``, ``array``), with what narrows it."""

    name: str
    length: int | None = None  # varchar(n)
    precision: int | None = None  # numeric(p, s)
    scale: int | None = None
    labels: tuple[str, ...] | None = None  # an enum's labels, in order
    enum_name: str | None = None
    item: SqlType | None = None  # an array's element type

    @property
    def is_integer(self) -> bool:
        return self.name in INTEGERS

    @property
    def is_text(self) -> bool:
        return self.name in TEXTS

    def __str__(self) -> str:
        if self.name == "array" and self.item is not None:
            return f"{self.item}[]"
        if self.name == "enum":
            return self.enum_name or "enum"
        if self.length is not None:
            return f"{self.name}({self.length})"
        if self.precision is not None:
            return f"{self.name}({self.precision}, {self.scale or 0})"
        return self.name


@dataclass(frozen=True)
class Column:
    """One column. ``default`` is a server default's SQL; ``generated``, a generated column's
    expression (never written); ``identity``: an identity or serial key the server fills."""

    name: str
    type: SqlType
    nullable: bool = True
    comment: str | None = None
    default: str | None = None
    generated: str | None = None
    identity: bool = False
    indexed: bool = False  # a plain index of its own


@dataclass(frozen=True)
class ForeignKey:
    """``columns`` refer to ``parent``'s ``parent_columns``. A virtual one is not declared in
    the database (the mapping says it)."""

    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    name: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    virtual: bool = False

    def nullable_in(self, table: Table) -> bool:
        """Whether a row may leave this key NULL (a cycle can be broken here)."""
        return any(table.column(c).nullable for c in self.columns)


@dataclass(frozen=True)
class Check:
    """A CHECK constraint, as its SQL."""

    name: str | None
    sql: str


@dataclass(frozen=True)
class Index:
    """An index beyond the keys: unique or not, over columns, perhaps partial."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    where: str | None = None


@dataclass(frozen=True)
class Table:
    """One table. ``partitioned_by`` is its partition key (PostgreSQL's ``PARTITION BY``);
    ``short``, its name in names PostgreSQL limits to 63 bytes."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    indexes: tuple[Index, ...] = ()
    comment: str | None = None
    partitioned_by: str | None = None
    short: str | None = None
    group: str | None = None  # the Dagster asset group its asset is shown in
    lineage: tuple[str, ...] = ()  # tables its rows are made from, beyond its foreign keys

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def row_key(self) -> tuple[str, ...] | None:
        """The columns its rows are told apart by: the primary key, else the first unique
        key whose columns are all NOT NULL (None: its rows cannot be told apart)."""
        if self.primary_key:
            return self.primary_key
        for columns in self.unique:
            if all(not self.column(c).nullable for c in columns):
                return columns
        return None

    def is_unique(self, column: str) -> bool:
        """Whether the column alone is a key: its values may not repeat."""
        return (column,) in self.unique or self.primary_key == (column,)

    def choices(self, column: str) -> tuple[str, ...] | None:
        """The values a column may hold: its enum's labels, or a simple CHECK list
        (``col IN ('a', 'b')``, or PostgreSQL's ``col = ANY (ARRAY['a', 'b'])``)."""
        labels = self.column(column).type.labels
        if labels is not None:
            return labels
        for check in self.checks:
            found = check_list(check.sql)
            if found and found[0] == column:
                return found[1]
        return None

    @property
    def parents(self) -> set[str]:
        """The tables this one refers to (itself too, for a self-reference)."""
        return {key.parent for key in self.foreign_keys}


@dataclass(frozen=True)
class Schema:
    """Tables by name, in the order they were declared."""

    tables: Mapping[str, Table] = field(default_factory=dict)

    @classmethod
    def of(cls, tables: Iterable[Table]) -> Schema:
        return cls({table.name: table for table in tables})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.tables)

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]


_LIST = re.compile(r"\bIN\s*\(|=\s*ANY\s*\(", re.IGNORECASE)
_FIRST_NAME = re.compile(r'^[\s(]*"?([A-Za-z_][A-Za-z0-9_]*)"?')
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def check_list(text: str) -> tuple[str, tuple[str, ...]] | None:
    """A CHECK that lists a column's values, as (column, values); None for any other."""
    if not _LIST.search(text) or " AND " in text.upper() or " OR " in text.upper():
        return None
    name = _FIRST_NAME.match(text)
    values = tuple(v.replace("''", "'") for v in _LITERAL.findall(text))
    return (name[1], values) if name and values else None


def compatible(source: SqlType, target: SqlType) -> bool:
    """Whether values of ``source``'s type can be written to a column of ``target``'s: text
    (and UUIDs, and enum labels) to text or an enum, numbers to numbers, times to times."""
    if target.name in TEXTS or target.name == "enum":
        return source.name in TEXTS or source.name == "uuid"
    if target.name in NUMBERS:
        return source.name in NUMBERS
    if target.name in TIMES:
        return source.name in TIMES
    return source.name == target.name


def breakable(schema: Schema) -> list[tuple[str, ForeignKey]]:
    """The keys a cycle can be broken at: nullable (written NULL, filled in later) or
    deferrable (checked at commit), as (table, key)."""
    return [
        (name, key)
        for name, table in schema.tables.items()
        for key in table.foreign_keys
        if key.deferrable or key.nullable_in(table)
    ]


def load_order(schema: Schema, broken: Iterable[tuple[str, ForeignKey]] = ()) -> list[str]:
    """The tables parents first (declaration order among equals), ignoring self-references
    and the ``broken`` keys (table, key) a cycle is broken at. A cycle left is refused,
    naming its tables."""
    skip = {(table, key) for table, key in broken}
    waiting = {
        name: {
            key.parent
            for key in table.foreign_keys
            if key.parent != name and (name, key) not in skip and key.parent in schema.tables
        }
        for name, table in schema.tables.items()
    }
    order: list[str] = []
    while waiting:
        ready = next((name for name, parents in waiting.items() if parents <= set(order)), None)
        if ready is None:
            raise ValueError(f"foreign keys form a cycle: {' -> '.join(_cycle(waiting))}")
        order.append(ready)
        del waiting[ready]
    return order


def _cycle(waiting: Mapping[str, set[str]]) -> list[str]:
    """One cycle among tables each waiting for a parent, as a path that ends where it
    starts (every table waiting has a parent waiting, so following parents must loop)."""
    path: list[str] = []
    name = min(waiting)
    while name not in path:
        path.append(name)
        name = min(waiting[name] & set(waiting))
    return [*path[path.index(name) :], name]
