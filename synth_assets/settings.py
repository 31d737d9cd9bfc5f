"""Every run setting once: its type and limits, its environment variable, its default, and
where the value in force came from.

A setting is taken from the resource's config when that names it (run config or the
Definitions), else from its environment variable, else its default. Resolving field by field
means run config overrides only the fields it names: Dagster replaces a resource's whole
config when run config names any field (dagster-io/dagster#12898), so a value set from the
environment at definition time would be silently dropped. An environment value is validated
by the same type as the config field, and a bad one is refused naming the variable.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError

from synth_assets.generate.calendar import EARLIEST_AS_OF, LATEST_AS_OF, last_whole_day
from synth_assets.generate.common import BLOCK_USERS
from synth_assets.personas import DEFAULT_PERSONAS_DIR, PERSONAS_DIR, personas_dir

MAX_SCALE = 100_000.0
CONFIG = "config"
DEFAULT = "default"


class SettingError(ValueError):
    """A setting's value is unusable; the message names where it came from."""


@dataclass(frozen=True)
class Spec:
    """One setting: ``kind`` validates config and environment values alike."""

    name: str
    env: str
    kind: Any
    default: Any
    description: str
    secret: bool = False

    def validate(self, value: Any, source: str) -> Any:
        """``value`` as this setting's type, spaces around a text value dropped (the same
        from run config as from the environment); refused naming ``source``."""
        if isinstance(value, str) and self.kind is not str:
            value = value.strip()
        try:
            return TypeAdapter(self.kind).validate_python(value)
        except ValidationError as error:
            problem = "; ".join(item["msg"] for item in error.errors())
            shown = "" if self.secret else f"={value!r}"
            raise SettingError(f"{source}{shown} is not a valid {self.name}: {problem}") from None


@dataclass(frozen=True)
class Setting:
    """A value in force and where it came from: ``config``, an environment variable's name,
    or ``default``."""

    value: Any
    source: str


Seed = Annotated[int, Field(ge=0, le=2**63 - 1)]
Scale = Annotated[float, Field(gt=0, le=MAX_SCALE, allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0.01, le=86_400, allow_inf_nan=False)]
Keep = Annotated[int, Field(ge=1, le=1000)]
Folder = Annotated[str, Field(min_length=1, max_length=4096)]
MAX_SHARD_USERS = 1_000_000
ShardUsers = Annotated[int, Field(ge=BLOCK_USERS, le=MAX_SHARD_USERS, multiple_of=BLOCK_USERS)]


def _iso_day(value: Any) -> Any:
    """A date given as text must be exactly YYYY-MM-DD (no time, no other spelling)."""
    if isinstance(value, str):
        if not ISO_DAY.fullmatch(value):
            raise ValueError(f"expected a date as YYYY-MM-DD, got {value[:40]!r}")
        return dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {type(value).__name__}")
    return value


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
AsOf = Annotated[dt.date, BeforeValidator(_iso_day), Field(ge=EARLIEST_AS_OF, le=LATEST_AS_OF)]

SEED = Spec("seed", "SYNTH_SEED", Seed, 42, "Global seed: the same seed gives identical data.")
SCALE = Spec(
    "scale",
    "SYNTH_SCALE",
    Scale,
    1.0,
    f"Multiplies every persona's user count (above 0, at most {MAX_SCALE:g}).",
)
AS_OF = Spec(
    "as_of",
    "SYNTH_AS_OF",
    AsOf,
    None,
    "The day the data is as of (YYYY-MM-DD), a day that has ended: a relative window ends "
    "there, nothing is stamped after it, and the rows of its last days are pending. Unset: "
    "the last whole day (UTC) before the run started; a scheduled run: the day before its tick.",
)
SHARD_USERS = Spec(
    "shard_users",
    "SYNTH_SHARD_USERS",
    ShardUsers,
    250,
    f"Users per shard (one Dagster step each): a multiple of the {BLOCK_USERS}-user block. "
    "The data is the same at any shard size; larger shards mean fewer steps and more memory "
    "per step (measured at 1M transactions: 250 users per shard is fastest in one process and "
    "peaks near 1.2 GB).",
)
DATABASE_URL = Spec(
    "url",
    "SYNTH_DATABASE_URL",
    str,
    None,
    "PostgreSQL URL of the target (secret: prefer {env: SYNTH_DATABASE_URL}); unset: the "
    "embedded server.",
    secret=True,
)
ALLOW_ANY_DATABASE = Spec(
    "allow_any_database",
    "SYNTH_ALLOW_ANY_DATABASE",
    bool,
    False,
    "Allow a database whose name does not end in _demo or _test.",
)
ALLOW_OLDER_AS_OF = Spec(
    "allow_older_as_of",
    "SYNTH_ALLOW_OLDER_AS_OF",
    bool,
    False,
    "Publish a persona as of a day older than the one it is published as of (going back).",
)
STATEMENT_TIMEOUT = Spec(
    "statement_timeout_s",
    "SYNTH_STATEMENT_TIMEOUT_S",
    Seconds,
    300.0,
    "Cancel any load statement (or a wait for a lock) running longer than this.",
)
EXPORT_DIR = Spec(
    "directory",
    "SYNTH_EXPORT_DIR",
    Folder,
    "exports",
    "Root folder of the file exports (relative to the working directory).",
)
EXPORT_KEEP = Spec(
    "keep",
    "SYNTH_EXPORT_KEEP",
    Keep,
    3,
    "Newest exports kept per persona (at least 1); older ones this project wrote are deleted.",
)


LAST_WHOLE_DAY = "the last whole day (UTC) before the run started"


def as_of_in_force(chosen: Setting, started: dt.datetime) -> Setting:
    """The as-of day of a run started at ``started``: ``chosen`` (resolved from config or
    SYNTH_AS_OF) if it names a day that had ended by then, else the last whole day. A day
    that had not ended is refused: its rows would be stamped after the run started."""
    last = last_whole_day(started)
    if chosen.value is None:
        return Setting(last, LAST_WHOLE_DAY)
    if chosen.value > last:
        raise SettingError(
            f"{chosen.source} {AS_OF.name}={chosen.value} has not ended yet (the run started "
            f"at {started.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC): its rows would be stamped "
            f"after now; use {last} or an earlier day"
        )
    return chosen


SPECS = (
    SEED, SCALE, AS_OF, SHARD_USERS, DATABASE_URL, ALLOW_ANY_DATABASE, ALLOW_OLDER_AS_OF,
    STATEMENT_TIMEOUT, EXPORT_DIR, EXPORT_KEEP,
)  # fmt: skip
WORKING_DIR = "cwd"  # a relative folder of the run's environment is relative to this


def run_environment(env: Mapping[str, str] = os.environ) -> dict[str, str | None]:
    """The settings ``env`` gives a run, to pin where the run starts: every setting but the
    secrets (each step reads those where it runs), set or not, the persona folder
    (SYNTH_PERSONAS_DIR's or the app folder's, made absolute) and the working folder. Steps
    on other machines resolve from this, not from their own environment, so a run's settings
    travel with it."""
    pinned: dict[str, str | None] = {s.env: env.get(s.env) for s in SPECS if not s.secret}
    folder = personas_dir(env)
    pinned[PERSONAS_DIR] = None if folder == DEFAULT_PERSONAS_DIR else os.path.abspath(folder)
    pinned[WORKING_DIR] = os.getcwd()
    return pinned


def resolve(
    spec: Spec, configured: Any = None, environment: Mapping[str, str | None] | None = None
) -> Setting:
    """The value in force for ``spec``: ``configured`` when set, else its environment
    variable (validated like config), else its default. The variable is read from
    ``environment`` (the run's, pinned where it started) when that holds it, else from this
    process's."""
    if configured is not None:
        return Setting(spec.validate(configured, f"config field {spec.name!r}"), CONFIG)
    if environment is not None and spec.env in environment:
        raw = environment[spec.env]
    else:
        raw = os.environ.get(spec.env)
    if raw is not None:
        if spec.kind is str:  # kept verbatim: an empty one is the caller's to refuse
            return Setting(raw, spec.env)
        return Setting(spec.validate(raw, spec.env), spec.env)
    return Setting(spec.default, DEFAULT)
