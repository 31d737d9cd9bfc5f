"""Storage between steps: Arrow IPC files under DAGSTER_HOME (so a later run, a `checks_only`
run or a single-asset materialisation can read a persona's tables), plus an in-memory cache
for the current run, so with the in-process executor a table is handed to each of its ~10
consumers without being read again.

Arrow IPC rather than pickle (measured in benchmarks/io_storage.py): the frames' columns are
already Arrow buffers, so writing streams them to the file without the full in-memory copy
pickle makes (a quarter of a GB at 1M transactions, at the run's peak), and reading maps the
file instead of rebuilding every object."""

import os
import pickle
from typing import Any

import pandas as pd
import pyarrow.feather as feather
from dagster import InitResourceContext, InputContext, OutputContext, UPathIOManager, io_manager
from upath import UPath

ARROW_MAGIC = b"ARROW1"


def write_frame(frame: pd.DataFrame, path: str) -> None:
    """Write atomically: a reader (or a memory map of the old file) never sees half a file."""
    partial = f"{path}.partial"
    feather.write_feather(frame, partial, compression="uncompressed")
    os.replace(partial, path)


def read_frame(path: str) -> pd.DataFrame:
    return feather.read_table(path, memory_map=True).to_pandas()


class RunCachedArrowIOManager(UPathIOManager):
    """DataFrames as Arrow IPC files, anything else (the loader's ``None``) pickled; built on
    Dagster's public ``UPathIOManager``, which lays out one file per asset and partition."""

    extension = ".arrow"

    def __init__(self, base_dir: str) -> None:
        super().__init__(base_path=UPath(base_dir))
        self._cache: dict[str, Any] = {}

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
            with path.open("rb") as file:
                is_arrow = file.read(len(ARROW_MAGIC)) == ARROW_MAGIC
                if not is_arrow:
                    file.seek(0)
                    unpickled = pickle.load(file)
            self._cache[key] = read_frame(key) if is_arrow else unpickled
        return self._cache[key]


@io_manager(description="Arrow IPC files under DAGSTER_HOME, cached in memory for the run.")
def run_cached_arrow_io_manager(context: InitResourceContext) -> RunCachedArrowIOManager:
    return RunCachedArrowIOManager(base_dir=context.instance.storage_directory())
