"""The executors a run may use (``SYNTH_EXECUTOR``), each pinning the run's settings first.

In-process by default: a small persona is three steps in one process. ``multiprocess`` runs
a process per shard on this machine, forked from a server that preloads the definitions;
``celery`` sends every step to Celery workers, on any machine. Wherever a step runs, it
resolves its settings from the environment of the process that started the run (recorded as
the run tag ``synth/run_environment`` before any step), not from its own: a worker started
with another ``SYNTH_AS_OF`` or export folder must not change the run. Secrets (the database
URL) are not recorded; each step reads them where it runs, and a step that finds itself on
another database than the run planned refuses.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator, Mapping

from dagster import (
    Definitions,
    ExecutorDefinition,
    InitExecutorContext,
    in_process_executor,
    multiprocess_executor,
)
from dagster import Executor as DagsterExecutor

from synth_assets.settings import SettingError, run_environment

BROKER, BACKEND, FOLDER = "SYNTH_CELERY_BROKER", "SYNTH_CELERY_BACKEND", "SYNTH_CELERY_FOLDER"
ENVIRONMENT_TAG = "synth/run_environment"


def celery_config(env: Mapping[str, str] = os.environ) -> dict:
    """The Celery executor's config: the broker (and result backend, else the broker) named
    by environment variables, never written here; SYNTH_CELERY_FOLDER selects kombu's
    filesystem transport (a broker without a server, for one machine or a shared folder)."""
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


class _PinnedSettings(DagsterExecutor):
    """Another executor, after recording the run's environment (``run_environment``)."""

    def __init__(self, inner: DagsterExecutor) -> None:
        self._inner = inner

    def __getattr__(self, name: str):
        # The inner executor's own loop reads its settings off the run's executor
        # (dagster-celery's ``app_args``): this one answers for it.
        if name == "_inner":
            raise AttributeError(name)
        return getattr(self._inner, name)

    @property
    def retries(self):
        return self._inner.retries

    @property
    def step_dependency_config(self):
        return self._inner.step_dependency_config

    def execute(self, plan_context, execution_plan) -> Iterator:
        # A resumed run keeps what its start recorded; a re-execution (which copies its
        # parent's tags) records its own: a user re-executes after changing a setting.
        run = plan_context.instance.get_run_by_id(plan_context.run_id)
        if ENVIRONMENT_TAG not in run.tags or run.parent_run_id:
            pinned = json.dumps(run_environment(), sort_keys=True)
            plan_context.instance.add_run_tags(plan_context.run_id, {ENVIRONMENT_TAG: pinned})
        yield from self._inner.execute(plan_context, execution_plan)


def _pinned(inner: ExecutorDefinition) -> ExecutorDefinition:
    def create(init_context: InitExecutorContext) -> DagsterExecutor:
        return _PinnedSettings(inner.executor_creation_fn(init_context))

    return ExecutorDefinition(
        name=inner.name,
        config_schema=inner.config_schema,
        requirements=inner.get_requirements,
        executor_creation_fn=create,
        description=inner.description,
    )


def _celery() -> ExecutorDefinition:
    """dagster-celery's executor, imported only when asked for: it is an extra."""
    try:
        from dagster_celery import celery_executor
    except ImportError:
        raise SettingError(
            "SYNTH_EXECUTOR=celery needs the celery extra: pip install 'synth_assets[celery]'"
        ) from None
    return celery_executor.configured(celery_config(), name="synth_celery_executor")


# A step process forked from a server that has imported the definitions once, instead of a
# fresh interpreter importing Dagster and them for every step (spawn, Dagster's default):
# `--select '*'` of the family persona on 2 cores took 12.4 s against 17.6 s at demo scale
# and 29.0 s against 37.7 s at 1M transactions (benchmarks/executors.py, its spawn column).
FORKSERVER = {"forkserver": {"preload_modules": ["synth_assets.definitions"]}}


def _forkserver_unless_told(config: dict) -> dict:
    """The run's executor config, with the forkserver when it names no start method."""
    return {"start_method": FORKSERVER, **config}


def _multiprocess() -> ExecutorDefinition:
    """Dagster's multiprocess executor, its run config schema (max_concurrent, retries, …)
    intact, starting steps from the forkserver unless the run config says otherwise."""
    return multiprocess_executor.configured(
        _forkserver_unless_told,
        name="multiprocess",
        config_schema=multiprocess_executor.config_schema.as_field(),
    )


EXECUTORS = {
    "in_process": lambda: in_process_executor,
    "multiprocess": _multiprocess,
    "celery": _celery,
}
DEFAULT_EXECUTOR = "in_process"


@functools.cache
def _executor(name: str) -> ExecutorDefinition:
    return _pinned(EXECUTORS[name]())


def executor(env: Mapping[str, str] = os.environ) -> ExecutorDefinition:
    """The executor ``env``'s SYNTH_EXECUTOR names (default ``DEFAULT_EXECUTOR``); an unknown
    name is refused."""
    name = env.get("SYNTH_EXECUTOR", DEFAULT_EXECUTOR)
    if name not in EXECUTORS:
        raise SettingError(f"SYNTH_EXECUTOR={name!r} is not one of {sorted(EXECUTORS)}")
    return _executor(name)


defs = Definitions(executor=executor())
