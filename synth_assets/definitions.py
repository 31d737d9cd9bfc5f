"""The code location: every asset, check, job, schedule, sensor and resource found in the
``synth_assets.defs`` folder (Dagster's ``load_from_defs_folder``; a file added there with
``dg scaffold defs`` is picked up). ``synth_assets/dg.toml`` names the folder, so this loads
from a wheel as from a checkout."""

from pathlib import Path

from dagster import load_from_defs_folder

from synth_assets.defs import assets, tables

defs = load_from_defs_folder(path_within_project=Path(__file__).parent)

# The assets as lists, for ``dagster.materialize`` in code and tests.
TABLE_ASSETS = [tables.tables]
ALL_ASSETS = [*TABLE_ASSETS, assets.postgres_tables, assets.exports]
