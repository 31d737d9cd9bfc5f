"""The code location: every asset, check, job and resource of synth_assets."""

from dagster import Definitions

from synth_assets.defs import assets, tables
from synth_assets.defs.executors import executor
from synth_assets.defs.jobs import refresh_all_personas
from synth_assets.defs.resources import default_resources
from synth_assets.defs.schedules import nightly_refresh
from synth_assets.defs.sensors import persona_file_changes

TABLE_ASSETS = [tables.tables]
ALL_ASSETS = [*TABLE_ASSETS, assets.postgres_tables, assets.exports]

defs = Definitions(
    assets=ALL_ASSETS,
    jobs=[refresh_all_personas],
    schedules=[nightly_refresh],
    sensors=[persona_file_changes],
    resources=default_resources(),
    executor=executor(),
)
