"""Dagster runs in tests: resources, the as-of date, the test-only light persona, metadata."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import shutil
import tempfile
from pathlib import Path

from dagster import AssetsDefinition, StaticPartitionsDefinition

from synth_assets.definitions import ALL_ASSETS
from synth_assets.defs.io_managers import run_cached_arrow_io_manager
from synth_assets.defs.resources import (
    ExportSettings,
    GenerationSettings,
    StepRetries,
    SynthDatabase,
)
from synth_assets.personas import Persona, load_persona

# The date the tests' data is as of, so that no result depends on the day the suite runs (a
# Monday: the day before it is a Sunday, so pending rows span a weekend).
AS_OF = dt.date(2026, 11, 23)

# A persona of the tests only: 500 users and a fixed one (three blocks of 250: three shards
# at the smallest shard size), a 35-day window and few rows per user, so tests of shards,
# executors and workers stay cheap. Its folder holds nothing else: point SYNTH_PERSONAS_DIR
# at it and it is the only partition.
LIGHT = "light"
LIGHT_DIR = Path(__file__).resolve().parent / "personas"
LIGHT_BLOCKS = 3
NO_DELAY = StepRetries(delay_s=0)  # the shipped retries, without their waits


def light_persona() -> Persona:
    return load_persona(LIGHT_DIR / f"{LIGHT}.yaml")


def light_assets() -> list[AssetsDefinition]:
    """Every asset, partitioned by the light persona's folder (the run also needs
    SYNTH_PERSONAS_DIR set to ``LIGHT_DIR``, where the steps read it)."""
    partitions = StaticPartitionsDefinition([LIGHT])
    return [
        asset.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=partitions))
        for asset in ALL_ASSETS
    ]


@functools.cache
def _exports_root() -> str:
    """This process's folder for the runs' exports, removed when it exits."""
    root = tempfile.mkdtemp(prefix="synth_test_exports_")
    atexit.register(shutil.rmtree, root, True)
    return root


def resources_for(url: str, **generation: object) -> dict[str, object]:
    """Run resources for tests: the given database, exports in a fresh temporary folder, as
    of ``AS_OF`` unless ``as_of`` says otherwise, retries without their waits."""
    exports = tempfile.mkdtemp(dir=_exports_root())
    generation.setdefault("as_of", AS_OF.isoformat())
    return {
        "io_manager": run_cached_arrow_io_manager,
        "generation": GenerationSettings(**generation),
        "database": SynthDatabase(url=url),
        "exports": ExportSettings(directory=exports),
        "retries": NO_DELAY,
    }


def metadata_of(result, asset: str) -> dict:
    """The metadata of ``asset``'s one materialisation in an in-process run's result."""
    [event] = [
        e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == asset
    ]
    return event.event_specific_data.materialization.metadata


def step_events(result, step: str) -> list:
    """The events of one step of an in-process run."""
    return [e for e in result.all_events if e.step_key == step]
