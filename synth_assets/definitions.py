"""The code location: every asset, check, job and resource of synth_assets."""

import os
from collections.abc import Mapping

from dagster import Definitions, in_process_executor, multiprocess_executor
from dagster_celery import celery_executor

from synth_assets.defs import assets, tables
from synth_assets.defs.jobs import refresh_all_personas
from synth_assets.defs.resources import default_resources
from synth_assets.defs.schedules import nightly_refresh
from synth_assets.defs.sensors import persona_file_changes
from synth_assets.settings import SettingError

TABLE_ASSETS = [tables.tables]
ALL_ASSETS = [*TABLE_ASSETS, assets.postgres_tables, assets.exports]

BROKER, BACKEND, FOLDER = "SYNTH_CELERY_BROKER", "SYNTH_CELERY_BACKEND", "SYNTH_CELERY_FOLDER"


def celery_config(env: Mapping[str, str] = os.environ) -> dict:
    """The Celery executor's config: the broker (and result backend) named by environment
    variables, never written here; SYNTH_CELERY_FOLDER selects kombu's filesystem transport
    (a broker without a server, for one machine or a shared folder)."""
    backend = BACKEND if env.get(BACKEND) else BROKER
    config: dict = {"broker": {"env": BROKER}, "backend": {"env": backend}}
    if env.get(FOLDER):
        config["config_source"] = filesystem_transport(env[FOLDER])
    return config


def filesystem_transport(folder: str) -> dict:
    """Celery settings for kombu's filesystem transport rooted at ``folder``."""
    return {
        "broker_transport_options": {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "processed_folder": folder,
            "control_folder": folder,  # kombu's default is ./control, wherever a worker runs
            "store_processed": False,
        }
    }


# In-process by default: a small persona is three steps in one process. SYNTH_EXECUTOR picks a
# process per shard on this machine (multiprocess) or Celery workers on any machine (celery).
EXECUTORS = {
    "in_process": in_process_executor,
    "multiprocess": multiprocess_executor,
    "celery": celery_executor.configured(celery_config(), name="synth_celery_executor"),
}


def executor(env: Mapping[str, str] = os.environ):
    """The executor ``env``'s SYNTH_EXECUTOR names (default in_process); an unknown name is
    refused."""
    name = env.get("SYNTH_EXECUTOR", "in_process")
    if name not in EXECUTORS:
        raise SettingError(f"SYNTH_EXECUTOR={name!r} is not one of {sorted(EXECUTORS)}")
    return EXECUTORS[name]


defs = Definitions(
    assets=ALL_ASSETS,
    jobs=[refresh_all_personas],
    schedules=[nightly_refresh],
    sensors=[persona_file_changes],
    resources=default_resources(),
    executor=executor(),
)
