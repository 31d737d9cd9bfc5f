"""Storage between steps: Dagster's pickle files under DAGSTER_HOME (so a later run, a
`checks_only` run or a single-asset materialisation can read a persona's tables), plus an
in-memory cache for the current run, so with the in-process executor a table is handed to
each of its ~10 consumers without being unpickled again (time and peak memory)."""

from typing import Any

from dagster import InitResourceContext, InputContext, OutputContext, io_manager
from dagster._core.storage.fs_io_manager import PickledObjectFilesystemIOManager


class RunCachedPickleIOManager(PickledObjectFilesystemIOManager):
    def __init__(self, base_dir: str | None = None) -> None:
        super().__init__(base_dir=base_dir)
        self._cache: dict[str, Any] = {}

    def dump_to_path(self, context: OutputContext, obj: Any, path) -> None:
        super().dump_to_path(context, obj, path)
        self._cache[str(path)] = obj

    def load_from_path(self, context: InputContext, path) -> Any:
        key = str(path)
        if key not in self._cache:
            self._cache[key] = super().load_from_path(context, path)
        return self._cache[key]


@io_manager(description="Pickle files under DAGSTER_HOME, cached in memory for the run.")
def run_cached_pickle_io_manager(context: InitResourceContext) -> RunCachedPickleIOManager:
    return RunCachedPickleIOManager(base_dir=context.instance.storage_directory())
