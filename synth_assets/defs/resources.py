"""Resources: generation settings (seed, scale) and the target database."""

import os
from pathlib import Path

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from synth_assets.defs.io_managers import run_cached_arrow_io_manager
from synth_assets.generate.common import Context
from synth_assets.load import embedded, postgres
from synth_assets.personas import PersonaError, load_personas


class GenerationSettings(ConfigurableResource):
    """The global seed and scale every generator derives from; overridable in run config."""

    seed: int = Field(default=42, description="Global seed: the same seed gives identical data.")
    scale: float = Field(default=1.0, gt=0, description="Multiplies every persona's user count.")

    def context(self, persona: str) -> Context:
        """The generation context of one persona, read from its file now (not at import)."""
        personas = load_personas()
        if persona not in personas:
            raise PersonaError(f"unknown persona {persona!r}; known: {sorted(personas)}")
        return Context(personas[persona], seed=self.seed, scale=self.scale)


class SynthDatabase(ConfigurableResource):
    """Where the synthetic data goes: ``url`` (from SYNTH_DATABASE_URL) or, when unset, the
    embedded PostgreSQL under DAGSTER_HOME. Never the database Dagster keeps its runs in."""

    url: str | None = Field(default=None, description="SQLAlchemy/libpq URL; secret, never logged.")
    allow_any_database: bool = Field(
        default=False, description="Allow a database whose name does not end in _demo or _test."
    )
    statement_timeout_s: float = Field(
        default=postgres.STATEMENT_TIMEOUT_S,
        gt=0,
        description="Cancel any load statement (or wait for a concurrent load) running longer.",
    )

    def resolved_url(self) -> str:
        url = self.url or embedded.embedded_url()
        postgres.check_safe_target(url, self.allow_any_database)
        return url


def default_resources() -> dict[str, object]:
    """Resources as configured by the environment (SYNTH_SEED, SYNTH_SCALE, SYNTH_DATABASE_URL)."""
    database_url = EnvVar("SYNTH_DATABASE_URL") if os.environ.get("SYNTH_DATABASE_URL") else None
    return {
        "io_manager": run_cached_arrow_io_manager,
        "generation": GenerationSettings(
            seed=int(os.environ.get("SYNTH_SEED", "42")),
            scale=float(os.environ.get("SYNTH_SCALE", "1.0")),
        ),
        "exports": ExportSettings(
            directory=os.environ.get("SYNTH_EXPORT_DIR", "exports"),
            keep=int(os.environ.get("SYNTH_EXPORT_KEEP", "3")),
        ),
        "database": SynthDatabase(
            url=database_url, allow_any_database=os.environ.get(postgres.ALLOW_ANY_ENV) == "1"
        ),
    }


class ExportSettings(ConfigurableResource):
    """Where file exports go and how many of each persona's exports to keep."""

    directory: str = Field(
        default="exports", description="Root folder (relative to the working directory)."
    )
    keep: int = Field(
        default=3, ge=1, description="Newest exports kept per persona; older ones are deleted."
    )

    def root(self) -> Path:
        return Path(self.directory).resolve()
