"""Persona files: one YAML per persona in a folder (``personas_dir``: the shipped
``configs/personas/``, an app folder's ``personas/``, or SYNTH_PERSONAS_DIR), validated by
pydantic.

A persona's file name and its ``name`` field agree and become a Dagster partition key, so names
are lowercase snake_case. Errors name the file and the field.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import uuid
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from synth_assets import app_folder, shipped, yaml_files
from synth_assets.generate.calendar import Window, add_months
from synth_assets.generate.catalogue import CATALOGUE, SERVICES
from synth_assets.generate.phrases import DOMAINS, GENERAL, TAGS
from synth_assets.plaid.taxonomy import DETAILED_TO_PRIMARY, PFC_V2

MAX_NAME_LENGTH = 30
# Limits of one persona file; anything larger is a typo or an out-of-memory error waiting to
# happen. Size goes through the scale (SYNTH_SCALE), which multiplies ``users``.
MAX_FILE_BYTES = 1_000_000
MAX_USERS = 1_000_000
MAX_USERS_SCALED = 50_000_000
MAX_TRANSACTIONS_PER_MONTH = 1_000
MAX_VISITS_PER_YEAR = 365  # a service used every day is the most a household can
MAX_DAYS = 3_660  # ten years
MAX_MONTHS = 120
MAX_ITEMS_PER_USER = 1_000
MAX_AMOUNT = 100_000_000.0  # a median; the tables store amounts as numeric(14, 2)
MAX_TEXT = 200
PERSONA_NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")  # whole names only: fullmatch
DEFAULT_PERSONAS_DIR = shipped.personas()
PERSONAS_DIR = "SYNTH_PERSONAS_DIR"
PROBABILITY_TOLERANCE = 1e-3


class PersonaError(ValueError):
    """A persona file is missing, malformed or invalid; the message names file and field."""


class Strict(BaseModel):
    # NaN and infinity are refused in every float field (a weight of .inf or a NaN count
    # would otherwise pass ``ge=0`` and crash numpy far from the file). Numbers and booleans
    # are strict (``strict=True`` on each): YAML's ``true`` is not a count of 1, ``months:
    # true`` is not one month, and ``"12"`` is not a number.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Weight = Annotated[float, Field(strict=True, ge=0, le=1_000_000, allow_inf_nan=False)]


def _weights_sum_positive(value: dict, what: str) -> dict:
    if sum(value.values()) <= 0:
        raise ValueError(f"{what} weights must not all be zero")
    return value


class LogNormal(Strict):
    """A positive amount: half the draws fall below ``median``; ``sigma`` is the log spread."""

    median: Annotated[float, Field(strict=True, gt=0, le=MAX_AMOUNT)]
    sigma: Annotated[float, Field(strict=True, ge=0, le=3)] = 0.5


class IntRange(Strict):
    """Inclusive integer range, drawn uniformly."""

    min: Annotated[int, Field(strict=True, ge=0, le=MAX_ITEMS_PER_USER)]
    max: Annotated[int, Field(strict=True, ge=0, le=MAX_ITEMS_PER_USER)]

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class PayFrequency(StrEnum):
    WEEKLY = "WEEKLY"
    BIWEEKLY = "BIWEEKLY"
    SEMI_MONTHLY = "SEMI_MONTHLY"
    MONTHLY = "MONTHLY"
    IRREGULAR = "IRREGULAR"


class AccountKind(StrEnum):
    """The account products a persona can hold, each one Plaid (type, subtype)."""

    CHECKING = "checking"
    SAVINGS = "savings"
    CREDIT_CARD = "credit_card"
    STUDENT_LOAN = "student_loan"
    MORTGAGE = "mortgage"
    AUTO_LOAN = "auto_loan"


class DateRange(Strict):
    """The window the tables show: fixed (``start`` to ``end``, inclusive, shown up to the
    as-of date when that comes first), or relative: the ``months`` months or ``days`` days
    that end at the as-of date."""

    start: dt.date | None = None
    end: dt.date | None = None
    months: Annotated[int, Field(strict=True, ge=1, le=MAX_MONTHS)] | None = None
    days: Annotated[int, Field(strict=True, ge=1, le=MAX_DAYS)] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> DateRange:
        fixed = (self.start is not None, self.end is not None)
        relative = (self.months is not None) + (self.days is not None)
        if relative == 1 and fixed == (False, False):
            return self
        if relative or fixed != (True, True):
            raise ValueError(
                "give either start and end (fixed dates), or one of months or days (ending at "
                "the as-of date, e.g. {months: 12})"
            )
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if (self.end - self.start).days + 1 > MAX_DAYS:
            raise ValueError(f"spans more than {MAX_DAYS} days (ten years)")
        return self

    @property
    def relative(self) -> bool:
        return self.start is None

    def window(self, as_of: dt.date) -> Window:
        if self.months is not None:
            return Window(add_months(as_of, -self.months) + dt.timedelta(days=1), as_of)
        if self.days is not None:
            return Window(as_of - dt.timedelta(days=self.days - 1), as_of)
        if as_of < self.start:
            raise ValueError(f"starts on {self.start}, after the as-of date {as_of}")
        return Window(self.start, min(self.end, as_of))


MOST_WITHHELD = 0.9  # the largest share of gross pay withheld, by a persona's rate or by ours


class Filing(StrEnum):
    SINGLE = "single"
    MARRIED_JOINT = "married_joint"


class Bonus(Strict):
    """A yearly bonus: ``share`` of gross income (part of users.annual_income, not on top of
    it), paid to ``probability`` of earners with the first paycheck of ``month``."""

    share: Annotated[float, Field(strict=True, ge=0, le=0.5)]
    probability: Annotated[float, Field(strict=True, ge=0, le=1)] = 1.0
    month: Annotated[int, Field(strict=True, ge=1, le=12)] = 3


class Income(Strict):
    annual: LogNormal = Field(description="Gross yearly income (users.annual_income).")
    pay_frequency: PayFrequency
    category: str = "INCOME_SALARY"
    annual_raise: Annotated[float, Field(strict=True, ge=0, le=0.5)] = Field(
        default=0.03,
        description="Yearly raise, from the employer's review month each year after signup.",
    )
    filing: Filing = Field(
        default=Filing.SINGLE, description="Tax filing situation: sets the income tax withheld."
    )
    withholding: Annotated[float, Field(strict=True, ge=0, le=MOST_WITHHELD)] | None = Field(
        default=None,
        description="Share of gross pay withheld before deposit; unset: taxes, benefits and "
        "retirement savings of the filing situation (2025 rules).",
    )

    bonus: Bonus | None = Field(
        default=None,
        description="A yearly bonus paid out of the gross income; unset: none.",
    )

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if not value.startswith("INCOME_") or value not in PFC_V2["INCOME"]:
            raise ValueError(f"{value!r} is not an INCOME_* category of Plaid's PFC v2 taxonomy")
        return value

    @model_validator(mode="after")
    def _bonus_on_a_payroll(self) -> Income:
        if self.bonus is not None and (
            self.category != "INCOME_SALARY" or self.pay_frequency is PayFrequency.IRREGULAR
        ):
            raise ValueError(
                "bonus: only a salary paid on a schedule has an employer to pay a bonus "
                f"(category {self.category}, pay {self.pay_frequency})"
            )
        return self


class AccountSpec(Strict):
    """Probability that a user holds the product, and its balance (or principal / limit)."""

    probability: Annotated[float, Field(strict=True, ge=0, le=1)]
    balance: LogNormal
    limit: LogNormal | None = None
    apr_percentage: Annotated[float, Field(strict=True, ge=0, le=40)] | None = None


class Frequency(StrEnum):
    MONTHLY = "MONTHLY"
    ANNUALLY = "ANNUALLY"


Price = Annotated[float, Field(strict=True, gt=0, le=MAX_AMOUNT)]
# Price rises are dated within these years (a typo such as 2205 is refused, not ignored).
PRICE_RISE_YEARS = (1990, 2100)


class Subscription(Strict):
    """A plan at its brand's price: ``amount`` until the first of ``price_rises`` (date: the
    price charged from that day on), the way a brand raises a tier's price on a date."""

    name: Text
    amount: Price
    category: str
    probability: Annotated[float, Field(strict=True, ge=0, le=1)] = 1.0
    frequency: Frequency = Frequency.MONTHLY
    price_rises: Annotated[dict[dt.date, Price], Field(max_length=100)] = {}

    @field_validator("price_rises")
    @classmethod
    def _dated(cls, value: dict[dt.date, float]) -> dict[dt.date, float]:
        low, high = PRICE_RISE_YEARS
        for day in value:
            if not low <= day.year <= high:
                raise ValueError(f"price rise dated {day}: not between {low} and {high}")
        return dict(sorted(value.items()))

    @property
    def highest_price(self) -> float:
        return max([self.amount, *self.price_rises.values()])

    def price_on(self, days: np.ndarray) -> np.ndarray:
        """The price charged on each of ``days`` (datetime64[D])."""
        dates = np.array(list(self.price_rises), dtype="datetime64[D]")
        prices = np.array([self.amount, *self.price_rises.values()])
        return prices[np.searchsorted(dates, days, side="right")]

    @field_validator("category")
    @classmethod
    def _detailed(cls, value: str) -> str:
        if value not in DETAILED_TO_PRIMARY:
            raise ValueError(f"{value!r} is not a detailed category of Plaid's PFC v2 taxonomy")
        return value


class Utility(Strict):
    """A monthly bill whose amount varies a little month to month (``variation`` = log sd)."""

    name: Text
    category: str
    amount: LogNormal
    variation: Annotated[float, Field(strict=True, ge=0, le=1)] = 0.12
    probability: Annotated[float, Field(strict=True, ge=0, le=1)] = 1.0

    @field_validator("category")
    @classmethod
    def _utility_category(cls, value: str) -> str:
        if value not in PFC_V2["RENT_AND_UTILITIES"]:
            raise ValueError(f"{value!r} is not a RENT_AND_UTILITIES_* category of PFC v2")
        return value


class Housing(Strict):
    """Rent, paid monthly by users who hold no mortgage, with ``rent_probability``."""

    rent_probability: Annotated[float, Field(strict=True, ge=0, le=1)]
    rent: LogNormal
    day_of_month: Annotated[int, Field(strict=True, ge=1, le=28)] = 1


class Saving(Strict):
    """Monthly transfer from checking to savings, for users who hold a savings account."""

    probability: Annotated[float, Field(strict=True, ge=0, le=1)] = 0.7
    share_of_income: Annotated[float, Field(strict=True, ge=0, le=0.5)] = 0.05


class Spending(Strict):
    transactions_per_month: Annotated[
        float, Field(strict=True, gt=0, le=MAX_TRANSACTIONS_PER_MONTH)
    ]
    categories: dict[str, Weight]
    subscriptions: Annotated[list[Subscription], Field(max_length=100)] = []
    utilities: Annotated[list[Utility], Field(max_length=100)] = []
    housing: Housing | None = None
    saving: Saving = Saving()
    overdraws: bool = Field(
        default=False, strict=True, description="Checking may go negative (with overdraft fees)."
    )
    services: dict[str, Annotated[float, Field(strict=True, ge=0, le=MAX_VISITS_PER_YEAR)]] = Field(
        default={},
        description="Visits a year to a service (detailed category) by a household that uses "
        "it, in place of the catalogue's rate.",
    )

    @model_validator(mode="after")
    def _one_bill_per_name(self) -> Spending:
        """A bill's name is how its rows are told apart (its price, its check)."""
        names = [bill.name.upper() for bill in [*self.subscriptions, *self.utilities]]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(
                f"subscriptions and utilities name {twice} more than once: give each plan a "
                "name of its own (e.g. 'Spotify Duo')"
            )
        return self

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(SERVICES))
        if unknown:
            raise ValueError(f"{unknown} are not services; use some of {sorted(SERVICES)}")
        return value

    @model_validator(mode="after")
    def _services_in_categories(self) -> Spending:
        outside = sorted(
            s for s in self.services if not self.categories.get(DETAILED_TO_PRIMARY[s], 0)
        )
        if outside:
            raise ValueError(
                f"services {outside} belong to categories the persona does not spend on; "
                "give their primary category a weight above 0 in spending.categories"
            )
        seasonal = sorted(
            s for s, rate in self.services.items() if SERVICES[s].months is not None and rate > 1
        )
        if seasonal:
            raise ValueError(f"services {seasonal} are bought once a year at most (their season)")
        return self

    @field_validator("categories")
    @classmethod
    def _known_primaries(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(CATALOGUE))
        if unknown:
            raise ValueError(
                f"{unknown} are not spending categories; use some of {sorted(CATALOGUE)}"
            )
        return _weights_sum_positive(value, "category")


class Content(Strict):
    items_per_user: IntRange
    domains: Annotated[list[str], Field(min_length=1)]
    tags_per_item: IntRange = IntRange(min=0, max=6)
    auto_share: Annotated[float, Field(strict=True, ge=0, le=1)] = 0.2
    general_phrases: IntRange = IntRange(min=0, max=10)
    domain_phrases: IntRange = IntRange(min=4, max=30)

    @model_validator(mode="after")
    def _phrase_pools_suffice(self) -> Content:
        if self.domain_phrases.min < 1:
            raise ValueError("domain_phrases.min must be at least 1 (a prompt needs a subject)")
        smallest = min(len(DOMAINS[d]) for d in self.domains if d in DOMAINS)
        if self.domain_phrases.max > smallest:
            raise ValueError(
                f"domain_phrases.max ({self.domain_phrases.max}) exceeds the smallest pool ({smallest})"
            )
        if self.general_phrases.max > len(GENERAL):
            raise ValueError(f"general_phrases.max exceeds the general pool ({len(GENERAL)})")
        if self.tags_per_item.max > len(TAGS):
            raise ValueError(f"tags_per_item.max exceeds the tag pool ({len(TAGS)})")
        return self

    @field_validator("domains")
    @classmethod
    def _known_domains(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(DOMAINS))
        if unknown:
            raise ValueError(f"unknown content domains {unknown}; known: {sorted(DOMAINS)}")
        return value


class JobStatus(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RUNNING = "running"
    PENDING = "pending"


class Jobs(Strict):
    status_mix: dict[JobStatus, Weight] = {
        JobStatus.COMPLETED: 0.98,
        JobStatus.FAILED: 0.01,
        JobStatus.CANCELLED: 0.005,
        JobStatus.RUNNING: 0.003,
        JobStatus.PENDING: 0.002,
    }

    @field_validator("status_mix")
    @classmethod
    def _is_distribution(cls, value: dict[JobStatus, float]) -> dict[JobStatus, float]:
        total = sum(value.values())
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            raise ValueError(f"probabilities must sum to 1, they sum to {total:g}")
        if value.get(JobStatus.COMPLETED, 0) <= 0:
            raise ValueError("'completed' must have a positive share: every content item has one")
        return value


class FixedUser(Strict):
    """A user who exists in every run with the same id, e.g. an admin account for demos."""

    id: uuid.UUID
    username: Text
    email: Text
    first_name: Text
    last_name: Text
    content_per_kind: Annotated[int, Field(strict=True, ge=0, le=MAX_ITEMS_PER_USER)] = 0


class Persona(Strict):
    name: str
    description: Annotated[str, Field(max_length=2000)]
    users: Annotated[int, Field(strict=True, ge=1, le=MAX_USERS)]
    date_range: DateRange
    income: Income
    accounts: dict[AccountKind, AccountSpec]
    spending: Spending
    content: Content
    jobs: Jobs = Jobs()
    signup_channels: dict[Literal["organic", "referral", "paid_ads", "partner"], Weight] = {
        "organic": 0.5,
        "referral": 0.2,
        "paid_ads": 0.2,
        "partner": 0.1,
    }
    fixed_users: Annotated[list[FixedUser], Field(max_length=100)] = []

    @field_validator("signup_channels")
    @classmethod
    def _channels(cls, value: dict[str, float]) -> dict[str, float]:
        return _weights_sum_positive(value, "signup channel")

    @field_validator("fixed_users")
    @classmethod
    def _distinct_fixed_users(cls, value: list[FixedUser]) -> list[FixedUser]:
        for field in ("id", "username", "email"):
            seen = [getattr(user, field) for user in value]
            if len(set(seen)) < len(seen):
                raise ValueError(f"two fixed users share an {field}")
        return value

    @field_validator("name")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not PERSONA_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is not lowercase snake_case (it becomes a partition key)")
        if len(value) > MAX_NAME_LENGTH:
            raise ValueError(
                f"{value!r} is longer than {MAX_NAME_LENGTH} characters (it names the "
                "persona's PostgreSQL partitions, whose names are limited to 63)"
            )
        return value

    @model_validator(mode="after")
    def _has_checking(self) -> Persona:
        checking = self.accounts.get(AccountKind.CHECKING)
        if checking is None or checking.probability < 1:
            raise ValueError(
                "accounts.checking must be present with probability 1 (pay lands there)"
            )
        return self

    def window(self, as_of: dt.date) -> Window:
        """The days this persona's tables show at ``as_of``."""
        try:
            return self.date_range.window(as_of)
        except ValueError as error:
            raise PersonaError(f"persona {self.name!r}: date_range {error}") from None

    @property
    def digest(self) -> str:
        """The sha256 of the persona's validated content: what a run generated from."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()

    def user_count(self, scale: float) -> int:
        """Generated users (fixed users come on top), scaled but never fewer than one."""
        count = max(1, round(self.users * scale))
        if count > MAX_USERS_SCALED:
            raise PersonaError(
                f"persona {self.name!r}: {self.users} users at scale {scale:g} make {count:,}, "
                f"above the limit of {MAX_USERS_SCALED:,} users per persona"
            )
        return count


def _format_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: invalid persona"]
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(file)"
        lines.append(f"  {field}: {item['msg']}")
    return "\n".join(lines)


def load_persona(path: Path) -> Persona:
    """Read and validate one persona file; the file's stem must equal its ``name``.

    Parsed once per distinct content (every asset and check of a run reads the personas;
    parsing and validating five files costs ~40 ms), re-read whenever the file changes."""
    try:
        content = yaml_files.read_bytes(path, MAX_FILE_BYTES)
    except yaml_files.YamlFileError as error:
        raise PersonaError(str(error)) from None
    return _parse(path, content)


@functools.lru_cache(maxsize=64)
def _parse(path: Path, content: bytes) -> Persona:
    try:
        raw = yaml_files.parse(path, content)
    except yaml_files.YamlFileError as error:
        raise PersonaError(str(error)) from None
    if not isinstance(raw, dict):
        raise PersonaError(f"{path}: expected a mapping of persona fields at the top level")
    try:
        persona = Persona.model_validate(raw)
    except ValidationError as exc:
        raise PersonaError(_format_error(path, exc)) from None
    except RecursionError:
        raise PersonaError(f"{path}: nested too deeply") from None
    if persona.name != path.stem:
        raise PersonaError(f"{path}: name: {persona.name!r} must equal the file name {path.stem!r}")
    return persona


def personas_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where this command's personas are: SYNTH_PERSONAS_DIR, else the ``personas`` of the
    app folder it runs in (``app_folder``), else the shipped ones."""
    named = env.get(PERSONAS_DIR)
    if named:
        return Path(named)
    try:
        app = app_folder.find()
    except app_folder.AppFolderError as error:
        raise PersonaError(str(error)) from None
    return app.personas if app else DEFAULT_PERSONAS_DIR


def _where(directory: Path) -> str:
    """Why ``directory`` was read, for a refusal."""
    if os.environ.get(PERSONAS_DIR):
        return PERSONAS_DIR
    if directory == DEFAULT_PERSONAS_DIR:
        return "the shipped personas"
    app = app_folder.find()
    if app is not None and app.personas == directory.resolve():
        return f"named by {app.marker}"
    return "the folder given"


def persona_files(directory: Path | None = None) -> dict[str, list[Path]]:
    """Every persona file of ``directory`` (default: ``personas_dir()``), ``*.yaml`` or
    ``*.yml`` in any case, by its stem; nothing is parsed, so one malformed file does not
    hide the others. A folder without any is refused, naming where it looked and how to
    point elsewhere."""
    directory = directory or personas_dir()
    try:
        files = sorted(p for p in directory.iterdir() if p.suffix.lower() in SUFFIXES)
    except OSError as error:
        raise PersonaError(
            f"{directory} ({_where(directory)}): cannot be read: {error.strerror}"
        ) from None
    if not files:
        raise PersonaError(
            f"{directory} ({_where(directory)}): no persona files (*.yaml, *.yml) found; point "
            f"{PERSONAS_DIR} at a folder of persona files, or run `python -m synth_assets init "
            "DIR` and work in DIR"
        )
    found: dict[str, list[Path]] = {}
    for path in files:
        found.setdefault(path.stem, []).append(path)
    return found


SUFFIXES = {".yaml", ".yml"}


def persona_names(directory: Path | None = None) -> list[str]:
    """The personas a run can name (the partition keys): each file whose stem is a persona
    name. Files are read when a run uses them, so a malformed one is refused there, alone."""
    return sorted(name for name in persona_files(directory) if PERSONA_NAME.fullmatch(name))


def load_named(name: str, directory: Path | None = None) -> Persona:
    """The persona ``name`` of ``directory``; an unknown name is refused listing the known."""
    files = persona_files(directory)
    if not PERSONA_NAME.fullmatch(name):
        if name in files:
            raise PersonaError(
                f"{files[name][0]}: the file name {name!r} is no persona name (lowercase "
                "snake_case, as the partition keys are): rename the file and its name field"
            )
        name = name[:MAX_TEXT]  # shown, not used
    if name not in files:
        known = ", ".join(n for n in sorted(files) if PERSONA_NAME.fullmatch(n))
        raise PersonaError(f"unknown persona {name!r}; known: {known}")
    if len(files[name]) > 1:
        shown = " and ".join(str(p) for p in files[name])
        raise PersonaError(f"{shown}: name: {name!r} is defined twice")
    return load_persona(files[name][0])


def load_each(directory: Path | None = None) -> dict[str, Persona | PersonaError]:
    """Every persona file of ``directory``, each read on its own: a persona or its refusal."""
    loaded: dict[str, Persona | PersonaError] = {}
    for name in persona_files(directory):
        try:
            loaded[name] = load_named(name, directory)
        except PersonaError as error:
            loaded[name] = error
    return loaded


def load_personas(directory: Path | None = None) -> dict[str, Persona]:
    """All personas in ``directory`` (default: ``personas_dir()``); the first refusal stops."""
    personas: dict[str, Persona] = {}
    for name, loaded in load_each(directory).items():
        if isinstance(loaded, PersonaError):
            raise loaded
        personas[name] = loaded
    return personas
