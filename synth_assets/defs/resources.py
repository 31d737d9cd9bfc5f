"""Resources: generation settings (seed, scale), the target database and the file exports.

Every field is optional: a field the config leaves unset takes its environment variable, then
its default (``synth_assets.settings``), so run config overrides only the fields it names and
the run's metadata can say where each value in force came from.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, ClassVar

from dagster import ConfigurableResource, Definitions, InitResourceContext
from pydantic import Field, PrivateAttr

from synth_assets import settings
from synth_assets.defs.executors import ENVIRONMENT_TAG
from synth_assets.defs.io_managers import run_cached_arrow_io_manager
from synth_assets.generate.common import Context
from synth_assets.load import embedded, target
from synth_assets.personas import DEFAULT_PERSONAS_DIR, PERSONAS_DIR, load_named
from synth_assets.settings import Setting, Spec

EMBEDDED = "embedded server"


def _field(spec: Spec) -> Any:
    extra = {"dagster__is_secret": True} if spec.secret else None
    return Field(
        default=None,
        description=f"{spec.description} Unset: ${spec.env}"
        + ("." if spec.default is None else f", else {spec.default!r}."),
        json_schema_extra=extra,
    )


def describe(resolved: dict[str, Setting]) -> dict[str, dict[str, Any]]:
    """Settings as metadata: each value in force and where it came from."""
    return {
        name: {"value": s.value.isoformat() if isinstance(s.value, dt.date) else s.value,
               "source": s.source}
        for name, s in resolved.items()
    }  # fmt: skip


class _Resolved(ConfigurableResource):
    """A resource whose fields are settings: ``SPECS`` maps each field to its Spec. In a
    step, a field left unset takes its variable from the run's environment (pinned where the
    run started: ``defs.executors``) when the run has one, else from this process's."""

    SPECS: ClassVar[dict[str, Spec]] = {}
    _environment: dict[str, str | None] | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._environment = run_environment_of(context)

    def resolved(self) -> dict[str, Setting]:
        """Each setting in force: the field when configured, else its variable or default."""
        return {
            name: settings.resolve(spec, getattr(self, name), self._environment)
            for name, spec in self.SPECS.items()
        }


def run_environment_of(context: InitResourceContext) -> dict[str, str | None] | None:
    """The environment the step's run pinned where it started (None: it pinned none)."""
    if context.instance is None or context.run is None:
        return None
    # Read anew: the tag was added after the run object this step was handed was made.
    run = context.instance.get_run_by_id(context.run.run_id)
    pinned = run.tags.get(ENVIRONMENT_TAG) if run else None
    if not pinned:
        return None
    try:
        environment = json.loads(pinned)
    except ValueError:
        environment = None
    if not isinstance(environment, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in environment.items()
    ):
        raise settings.SettingError(
            f"run tag {ENVIRONMENT_TAG} is not a JSON object of variables to text (or null); "
            "leave it to synth_assets, which records it when the run starts"
        )
    return environment


class GenerationSettings(_Resolved):
    """The global seed and scale every generator derives from, and the shard size."""

    SPECS: ClassVar[dict[str, Spec]] = {
        "seed": settings.SEED,
        "scale": settings.SCALE,
        "shard_users": settings.SHARD_USERS,
        "as_of": settings.AS_OF,
    }
    seed: settings.Seed | None = _field(settings.SEED)
    scale: settings.Scale | None = _field(settings.SCALE)
    shard_users: settings.ShardUsers | None = _field(settings.SHARD_USERS)
    as_of: str | None = _field(settings.AS_OF)

    def as_of_date(self, started: dt.datetime) -> Setting:
        """The as-of day in force for a run started at ``started`` (one day for every step
        of a run, retries included): configured, else SYNTH_AS_OF, else the last whole day
        before the start; a day that had not ended is refused."""
        return settings.as_of_in_force(self.resolved()["as_of"], started)

    def context(self, persona: str, as_of: dt.date) -> Context:
        """The generation context of one persona at ``as_of``, read from its file now (not
        at import); a date before the persona's fixed window is refused here."""
        values = self.resolved()
        ctx = Context(
            load_named(persona, self._personas_dir()),
            seed=values["seed"].value,
            scale=values["scale"].value,
            as_of=as_of,
        )
        ctx.window  # noqa: B018 - judged now, so a refusal names the persona before any work
        return ctx

    def _personas_dir(self) -> Path | None:
        """The run's persona folder when it pinned its environment (None: this process's)."""
        if self._environment is None:
            return None
        return Path(self._environment.get(PERSONAS_DIR) or DEFAULT_PERSONAS_DIR)

    def shard_size(self) -> int:
        return int(self.resolved()["shard_users"].value)


class SynthDatabase(_Resolved):
    """Where the synthetic data goes: ``url`` (else SYNTH_DATABASE_URL) or, when neither is
    set, the embedded PostgreSQL under DAGSTER_HOME. A configured target that is empty or
    unusable is an error, never a fall-back to another database."""

    SPECS: ClassVar[dict[str, Spec]] = {
        "url": settings.DATABASE_URL,
        "allow_any_database": settings.ALLOW_ANY_DATABASE,
        "allow_older_as_of": settings.ALLOW_OLDER_AS_OF,
        "statement_timeout_s": settings.STATEMENT_TIMEOUT,
    }
    url: str | None = _field(settings.DATABASE_URL)
    allow_any_database: bool | None = _field(settings.ALLOW_ANY_DATABASE)
    allow_older_as_of: bool | None = _field(settings.ALLOW_OLDER_AS_OF)
    statement_timeout_s: settings.Seconds | None = _field(settings.STATEMENT_TIMEOUT)

    def target(self, resolved: dict[str, Setting] | None = None) -> target.Target:
        """The target in force; the URL is checked by libpq's parser before anything
        connects, and the embedded server is started only when no URL is configured."""
        resolved = resolved or self.resolved()
        url = resolved["url"]
        if url.value is None:
            address = embedded.embedded_url()
        else:
            source = "config field 'url'" if url.source == settings.CONFIG else url.source
            target.parameters(url.value, source)
            address = url.value
        return target.Target(address, bool(resolved["allow_any_database"].value))

    def timeout_s(self) -> float:
        return float(self.resolved()["statement_timeout_s"].value)

    def described(self, resolved: dict[str, Setting], where: target.Target) -> dict[str, Any]:
        """Settings metadata with the URL masked (and the embedded server named as such)."""
        shown = dict(resolved)
        url = resolved["url"]
        source = EMBEDDED if url.value is None else url.source
        shown["url"] = Setting(where.masked(), source)
        return describe(shown)


class ExportSettings(_Resolved):
    """Where file exports go and how many of each persona's exports to keep."""

    SPECS: ClassVar[dict[str, Spec]] = {
        "directory": settings.EXPORT_DIR,
        "keep": settings.EXPORT_KEEP,
    }
    directory: settings.Folder | None = _field(settings.EXPORT_DIR)
    keep: settings.Keep | None = _field(settings.EXPORT_KEEP)

    def root(self, resolved: dict[str, Setting] | None = None) -> Path:
        directory = (resolved or self.resolved())["directory"].value
        if not directory.strip():
            raise settings.SettingError(f"{settings.EXPORT_DIR.env} is empty")
        started_in = (self._environment or {}).get(settings.WORKING_DIR)
        return (Path(started_in or ".") / directory).resolve()  # relative to where it started


class StepRetries(ConfigurableResource):
    """How a step that met passing trouble (the server restarting, a lock held past its
    wait, a lost worker) is retried: the first retry after ``delay_s`` seconds, each next one
    after twice as long. Refusals and interrupts are never retried."""

    delay_s: float = Field(
        default=1.0,
        ge=0,
        le=600,
        allow_inf_nan=False,
        description="Seconds before a step's first retry (doubling for each next one).",
    )

    def wait_s(self, retry_number: int) -> float:
        """The wait before the retry that follows attempt ``retry_number`` (0 = the first)."""
        return self.delay_s * 2**retry_number


def default_resources() -> dict[str, object]:
    """The resources of the code location: nothing is fixed here, so each field comes from
    run config, else its environment variable (read at run time), else its default."""
    return {
        "io_manager": run_cached_arrow_io_manager,
        "generation": GenerationSettings(),
        "exports": ExportSettings(),
        "database": SynthDatabase(),
        "retries": StepRetries(),
    }


defs = Definitions(resources=default_resources())
