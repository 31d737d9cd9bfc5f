"""Named jobs a user can launch from the UI or the CLI."""

from dagster import AssetSelection, define_asset_job

refresh_all_personas = define_asset_job(
    "refresh_all_personas",
    selection=AssetSelection.all(),
    description="Generate every table of a persona shard by shard, run every check, publish "
    "it into PostgreSQL and write its file exports: the same as --select '*'.",
)
