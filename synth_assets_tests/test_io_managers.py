"""Step storage (defs/io_managers.py): what a step hands on belongs to its run, so concurrent
runs of one persona (on the multiprocess or Celery executor, where each step reads its inputs
from files) never read each other's hand-offs."""

from __future__ import annotations

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRun, build_input_context, build_output_context

from synth_assets.defs.io_managers import HandOffMissingError, RunCachedArrowIOManager


@pytest.fixture
def instance():
    """An instance that knows runs run-a, run-b and run-c (what a run's steps see)."""
    instance = DagsterInstance.ephemeral()
    for run_id in ("run-a", "run-b", "run-c"):
        instance.add_run(DagsterRun(job_name="refresh_all_personas", run_id=run_id))
    return instance


def _output(run_id: str):
    return build_output_context(asset_key=AssetKey("users"), partition_key="student", run_id=run_id)


def _load(base: str, run_id: str, instance: DagsterInstance):
    """Read back, in a new manager (a new step process: no cache), the hand-off of ``run_id``."""
    context = build_input_context(
        asset_key=AssetKey("users"),
        partition_key="student",
        upstream_output=_output(run_id),
        instance=instance,
    )
    return RunCachedArrowIOManager(base).load_input(context)


def test_two_runs_of_one_persona_keep_their_own_hand_offs(tmp_path, instance):
    base = str(tmp_path)
    RunCachedArrowIOManager(base).handle_output(_output("run-a"), {"as_of": "2026-11-20"})
    RunCachedArrowIOManager(base).handle_output(_output("run-b"), {"as_of": "2026-11-25"})
    assert _load(base, "run-a", instance) == {"as_of": "2026-11-20"}
    assert _load(base, "run-b", instance) == {"as_of": "2026-11-25"}


def test_an_input_its_run_did_not_hand_on_is_refused_clearly(tmp_path, instance):
    base = str(tmp_path)
    RunCachedArrowIOManager(base).handle_output(_output("run-a"), {"as_of": "2026-11-20"})
    with pytest.raises(HandOffMissingError, match=r"users: .* is gone \(.*/run-c/.*--select '\*'"):
        _load(base, "run-c", instance)


def test_an_input_never_materialised_on_the_instance_is_refused_clearly(tmp_path, instance):
    """An asset the run does not materialise is read from its latest materialisation; with
    none, the refusal says what to run."""
    base = str(tmp_path)
    RunCachedArrowIOManager(base).handle_output(_output("run-a"), {"as_of": "2026-11-20"})
    with pytest.raises(HandOffMissingError, match=r"users of student was never materialised"):
        _load(base, "a-run-this-instance-never-had", instance)
