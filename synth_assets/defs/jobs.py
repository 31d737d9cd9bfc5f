"""Named jobs a user can launch from the UI or the CLI."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

refresh_all_personas = define_asset_job(
    "refresh_all_personas",
    selection=AssetSelection.all(),
    description="Generate every table of a persona, run all checks, load it into PostgreSQL.",
)
