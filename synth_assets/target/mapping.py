"""The mapping file: how an app's own tables are filled from the synthetic world (SPEC §9).

For each target table it says where its rows come from (one per row of a synth table,
perhaps filtered, or generated rows for a table synth_assets has no counterpart for) and where
each column comes from: a synth column, a Jinja2 template over the source row, a conversion
(dollars to cents, a value map, a synth UUID to the target's integer key), a generator (a
Faker pool, a weighted choice, a constant, a sequence, a number distribution, a share of
nulls, a date relative to another column) or a parent target table's key. Validated by
pydantic; every refusal names the file, the target table and the column."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from synth_assets import yaml_files

MAX_FILE_BYTES = 1_000_000
MAX_TEXT = 1_000
Name = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[A-Za-z_][A-Za-z0-9_$]*$")]
Share = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
Weight = Annotated[float, Field(strict=True, ge=0, le=1_000_000, allow_inf_nan=False)]
Scalar = str | int | float | bool | None
POOLS = ("first_names", "last_names", "cities", "regions", "postal_codes", "streets", "companies")


class MappingError(ValueError):
    """A mapping that cannot be used; the message names the file, table and column."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Rows(Strict):
    """Generated rows for a table with no synth counterpart: ``count`` rows (times the run's
    scale), or one per ``per`` rows of another target table (``orgs``: one per 8 members)."""

    count: Annotated[int, Field(strict=True, ge=0, le=10_000_000)] | None = None
    per: Name | None = None
    ratio: Annotated[float, Field(strict=True, ge=0.001, le=1_000_000)] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Rows:
        if (self.count is None) == (self.per is None):
            raise ValueError("give either count or per (with ratio)")
        if self.per is not None and self.ratio is None:
            raise ValueError("per needs a ratio: how many of its rows make one of these")
        return self


class Number(Strict):
    """A number drawn from a log-normal (``median``, ``sigma``) or uniform (``min``-``max``)
    distribution, rounded to ``digits``."""

    median: Annotated[float, Field(strict=True, gt=0, le=1e15)] | None = None
    sigma: Annotated[float, Field(strict=True, ge=0, le=3)] = 0.5
    min: Annotated[float, Field(ge=-1e15, le=1e15)] | None = None
    max: Annotated[float, Field(ge=-1e15, le=1e15)] | None = None
    digits: Annotated[int, Field(strict=True, ge=0, le=6)] = 0

    @model_validator(mode="after")
    def _one_way(self) -> Number:
        uniform = self.min is not None and self.max is not None
        if (self.median is None) == (not uniform):
            raise ValueError("give either median (and sigma) or min and max")
        if uniform and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class Relative(Strict):
    """A date or time ``days`` (a range, drawn uniformly) after another column of the row."""

    after: Name
    days: tuple[int, int] = (0, 0)

    @field_validator("days")
    @classmethod
    def _ordered(cls, days: tuple[int, int]) -> tuple[int, int]:
        if days[1] < days[0] or max(abs(days[0]), abs(days[1])) > 36_600:
            raise ValueError("days must be [low, high], low <= high, within a century")
        return days


class Source(Strict):
    """Where one target column comes from: exactly one source, then optional ``values``
    (a value map applied after it) and ``nulls`` (a share of rows left NULL)."""

    column: Name | None = None
    template: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] | None = None
    cents: Name | None = None
    key: Name | None = None
    parent: Name | None = None
    constant: Scalar = None
    sequence: Annotated[int, Field(strict=True, ge=-(2**62), le=2**62)] | None = None
    choice: dict[str, Weight] | None = None
    pool: Literal[POOLS] | None = None  # type: ignore[valid-type]
    number: Number | None = None
    date: Relative | None = None
    values: dict[str, Scalar] | None = None
    nulls: Share = 0.0
    virtual: bool = False  # with parent: a foreign key the database does not declare
    note: Annotated[str, Field(max_length=MAX_TEXT)] | None = None  # why, for the reader

    @model_validator(mode="after")
    def _exactly_one(self) -> Source:
        given = self.kinds()
        if len(given) != 1:
            shown = ", ".join(given) or "none"
            raise ValueError(f"give exactly one source ({', '.join(SOURCES)}); given: {shown}")
        if self.choice is not None and sum(self.choice.values()) <= 0:
            raise ValueError("choice weights must not all be zero")
        return self

    def kinds(self) -> list[str]:
        """The sources this column names (one, once valid)."""
        return [
            kind
            for kind in SOURCES
            # a constant may be null: it counts when written
            if (
                kind in self.model_fields_set
                if kind == "constant"
                else getattr(self, kind) is not None
            )
        ]

    @property
    def kind(self) -> str:
        return self.kinds()[0]


SOURCES = (
    "column", "template", "cents", "key", "parent", "constant", "sequence", "choice", "pool",
    "number", "date",
)  # fmt: skip


class TargetTable(Strict):
    """One target table: its rows' origin (``from`` a synth table, perhaps filtered by
    ``where``, or generated ``rows``) and its columns' sources."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: Name | None = Field(default=None, alias="from")
    where: dict[Name, Scalar | list[Scalar]] | None = None
    rows: Rows | None = None
    columns: dict[Name, Source] = Field(default_factory=dict)
    note: Annotated[str, Field(max_length=MAX_TEXT)] | None = None

    @model_validator(mode="after")
    def _one_origin(self) -> TargetTable:
        if (self.source is None) == (self.rows is None):
            raise ValueError("give either from (a synth table) or rows (generated rows)")
        if self.where is not None and self.source is None:
            raise ValueError("where filters the rows of a synth table: it needs from")
        return self


class Target(Strict):
    """Where the app's schema is read from: its SQLAlchemy models (``module:attribute``, a
    declarative Base or a MetaData) or a live database (the URL from an environment
    variable, never written in the file)."""

    models: (
        Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")] | None
    ) = None
    database_env: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")] | None = None
    schema_name: Name = Field(default="public", alias="schema")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_input(self) -> Target:
        if (self.models is None) == (self.database_env is None):
            raise ValueError("give either models (module:attribute) or database_env")
        return self


class Mapping(Strict):
    """A whole mapping file."""

    target: Target
    tables: dict[Name, TargetTable]


def read(path: Path) -> Mapping:
    """The mapping in ``path``; a file that cannot be used is refused naming the file, and
    the table and column where a field is wrong."""
    try:
        raw = yaml_files.parse(path, yaml_files.read_bytes(path, MAX_FILE_BYTES))
    except yaml_files.YamlFileError as error:
        raise MappingError(str(error)) from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: expected a mapping with target: and tables:")
    try:
        return Mapping.model_validate(raw)
    except ValidationError as error:
        raise MappingError(_problems(path, error)) from None


def _problems(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: invalid mapping"]
    for item in error.errors():
        where = [str(part) for part in item["loc"]]
        if len(where) >= 2 and where[0] == "tables":
            place = f"table {where[1]}"
            if len(where) >= 4 and where[2] == "columns":
                place += f", column {where[3]}"
                rest = where[4:]
            else:
                rest = where[2:]
            field = ".".join(rest)
            lines.append(f"  {place}: {field + ': ' if field else ''}{item['msg']}")
        else:
            lines.append(f"  {'.'.join(where) or '(file)'}: {item['msg']}")
    return "\n".join(lines)
