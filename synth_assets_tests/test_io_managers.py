"""Step storage (defs/io_managers.py): what a step hands on belongs to its run, so concurrent
runs of one persona (on the multiprocess or Celery executor, where each step reads its inputs
from files) never read each other's hand-offs."""

from __future__ import annotations

import pytest
from dagster import AssetKey, build_input_context, build_output_context

from synth_assets.defs.io_managers import HandOffMissingError, RunCachedArrowIOManager


def _output(run_id: str):
    return build_output_context(asset_key=AssetKey("users"), partition_key="student", run_id=run_id)


def _load(base: str, run_id: str):
    """Read back, in a new manager (a new step process: no cache), the hand-off of ``run_id``."""
    context = build_input_context(
        asset_key=AssetKey("users"), partition_key="student", upstream_output=_output(run_id)
    )
    return RunCachedArrowIOManager(base).load_input(context)


def test_two_runs_of_one_persona_keep_their_own_hand_offs(tmp_path):
    base = str(tmp_path)
    RunCachedArrowIOManager(base).handle_output(_output("run-a"), {"as_of": "2026-11-20"})
    RunCachedArrowIOManager(base).handle_output(_output("run-b"), {"as_of": "2026-11-25"})
    assert _load(base, "run-a") == {"as_of": "2026-11-20"}
    assert _load(base, "run-b") == {"as_of": "2026-11-25"}


def test_an_input_no_step_of_the_run_produced_is_refused_clearly(tmp_path):
    base = str(tmp_path)
    RunCachedArrowIOManager(base).handle_output(_output("run-a"), {"as_of": "2026-11-20"})
    with pytest.raises(HandOffMissingError, match=r"users.*run-c.*--select '\*'"):
        _load(base, "run-c")
