"""Storage between steps: files under DAGSTER_HOME, one folder per run, so each step of a run
(in its own process on the multiprocess and Celery executors) reads what its run's steps
wrote and never another run's: concurrent runs of one persona hand on different loads. A run
that materialises the loader or the exports alone reads the tables' latest materialisation. An
in-memory cache serves a value to the step that wrote it and the steps after it in the same
process without reading the file again.

Arrow IPC rather than pickle (measured in benchmarks/io_storage.py): the frames' columns are
already Arrow buffers, so writing streams them to the file without the full in-memory copy
pickle makes (a quarter of a GB at 1M transactions, at the run's peak), and reading maps the
file instead of rebuilding every object."""

import os
import pickle
from typing import Any

import pandas as pd
import pyarrow.feather as feather
from dagster import (
    AssetRecordsFilter,
    InitResourceContext,
    InputContext,
    OutputContext,
    UPathIOManager,
    io_manager,
)
from upath import UPath

ARROW_MAGIC = b"ARROW1"


class HandOffMissingError(FileNotFoundError):
    """A step's input was not written by a step of its run."""


def write_frame(frame: pd.DataFrame, path: str) -> None:
    """Write atomically: a reader (or a memory map of the old file) never sees half a file."""
    partial = f"{path}.partial"
    feather.write_feather(frame, partial, compression="uncompressed")
    os.replace(partial, path)


def read_frame(path: str) -> pd.DataFrame:
    return feather.read_table(path, memory_map=True).to_pandas()


class RunCachedArrowIOManager(UPathIOManager):
    """DataFrames as Arrow IPC files, anything else (what the table assets hand on, the
    loader's ``None``) pickled; built on Dagster's public ``UPathIOManager``: one file per
    run, asset and partition (``<run id>/<asset>/<persona>``; op outputs are per run too)."""

    extension = ".arrow"

    def __init__(self, base_dir: str) -> None:
        super().__init__(base_path=UPath(base_dir))
        self._cache: dict[str, Any] = {}

    def get_asset_relative_path(self, context: InputContext | OutputContext) -> UPath:
        """The asset's folder in the run that wrote it: for an input, the run whose step
        wrote it (this run, or the run a re-execution continues), else, for an asset the run
        does not materialise (Dagster names no run then), the run of its partition's latest
        materialisation."""
        if isinstance(context, OutputContext):
            return UPath(context.run_id, *context.asset_key.path)
        run_id = context.upstream_output.run_id
        if context.instance.get_run_by_id(run_id) is None:
            run_id = _latest_run(context)
        return UPath(run_id, *context.asset_key.path)

    def dump_to_path(self, context: OutputContext, obj: Any, path: UPath) -> None:
        if isinstance(obj, pd.DataFrame):
            write_frame(obj, str(path))
        else:
            with path.open("wb") as file:
                pickle.dump(obj, file, pickle.HIGHEST_PROTOCOL)
        self._cache[str(path)] = obj

    def load_from_path(self, context: InputContext, path: UPath) -> Any:
        key = str(path)
        if key not in self._cache:
            if not path.exists():
                raise HandOffMissingError(
                    f"{context.asset_key.to_user_string()}: what its materialisation handed on "
                    f"is gone ({path}): materialise the tables with the assets that read them "
                    "(--select '*', '*postgres_tables' or '*exports')"
                )
            with path.open("rb") as file:
                is_arrow = file.read(len(ARROW_MAGIC)) == ARROW_MAGIC
                if not is_arrow:
                    file.seek(0)
                    unpickled = pickle.load(file)
            self._cache[key] = read_frame(key) if is_arrow else unpickled
        return self._cache[key]


def _latest_run(context: InputContext) -> str:
    """The run of the latest materialisation of the input's asset partition."""
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(
            asset_key=context.asset_key, asset_partitions=[context.asset_partition_key]
        ),
        limit=1,
    ).records
    if not records:
        raise HandOffMissingError(
            f"{context.asset_key.to_user_string()} of {context.asset_partition_key} was never "
            "materialised on this instance: materialise the tables with the assets that read "
            "them (--select '*', '*postgres_tables' or '*exports')"
        )
    return records[0].run_id


@io_manager(description="Arrow IPC files under DAGSTER_HOME, cached in memory for the run.")
def run_cached_arrow_io_manager(context: InitResourceContext) -> RunCachedArrowIOManager:
    return RunCachedArrowIOManager(base_dir=context.instance.storage_directory())
