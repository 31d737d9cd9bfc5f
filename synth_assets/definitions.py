"""The code location: every asset, check, job and resource of synth_assets."""

import os

from dagster import Definitions, in_process_executor, multiprocess_executor

from synth_assets.defs import assets
from synth_assets.defs.bulk import bulk_load, postgres_tables_bulk
from synth_assets.defs.checks import (
    fidelity_checks,
    integrity_checks,
    plaid_format_checks,
    realism_checks,
)
from synth_assets.defs.jobs import checks_only, refresh_all_personas
from synth_assets.defs.resources import default_resources
from synth_assets.defs.schedules import nightly_refresh
from synth_assets.defs.sensors import persona_file_changes

TABLE_ASSETS = [
    assets.users,
    assets.banking,
    assets.liabilities,
    assets.content,
    assets.jobs,
]
ALL_ASSETS = [*TABLE_ASSETS, assets.postgres_tables, assets.exports]
ALL_CHECKS = [*integrity_checks, *plaid_format_checks, *realism_checks, *fidelity_checks]

# In-process by default: measured in benchmarks/executors.py, a process per step costs more
# than its parallelism saves on these machines. SYNTH_EXECUTOR=multiprocess switches.
EXECUTORS = {"in_process": in_process_executor, "multiprocess": multiprocess_executor}

defs = Definitions(
    assets=[*ALL_ASSETS, postgres_tables_bulk],
    asset_checks=ALL_CHECKS,
    jobs=[refresh_all_personas, checks_only, bulk_load],
    schedules=[nightly_refresh],
    sensors=[persona_file_changes],
    resources=default_resources(),
    executor=EXECUTORS[os.environ.get("SYNTH_EXECUTOR", "in_process")],
)
