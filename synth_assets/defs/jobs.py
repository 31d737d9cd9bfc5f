"""Named jobs a user can launch from the UI or the CLI."""

import warnings

from dagster import AssetSelection, define_asset_job

from synth_assets.defs.bulk import ASSET as BULK_ASSET
from synth_assets.defs.partitions import persona_partitions

refresh_all_personas = define_asset_job(
    "refresh_all_personas",
    selection=AssetSelection.all() - AssetSelection.assets(BULK_ASSET),
    description="Generate every table of a persona, run all checks, load it into PostgreSQL "
    "and write its file exports.",
)

# A selection of checks alone does not carry the assets' partitions, so this job names them
# (Dagster deprecates the argument for asset selections, where it is inferred).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    checks_only = define_asset_job(
        "checks_only",
        selection=AssetSelection.all_asset_checks() - AssetSelection.checks_for_assets(BULK_ASSET),
        partitions_def=persona_partitions,
        description="Re-run every asset check of a persona on its last materialised tables, "
        "without generating or loading anything.",
    )
