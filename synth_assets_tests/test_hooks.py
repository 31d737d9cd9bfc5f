"""Test hooks (synth_assets.hooks): a point runs what is installed there, only while it is."""

import pytest

from synth_assets import hooks


def test_a_point_runs_its_hook_only_while_installed():
    reached: list[str] = []
    hooks.reached("copy")  # nothing installed: nothing happens
    with hooks.installed("copy", lambda: reached.append("copy")):
        hooks.reached("copy")
        hooks.reached("elsewhere")
        hooks.reached("copy")
    hooks.reached("copy")
    assert reached == ["copy", "copy"]


def test_a_second_hook_at_the_same_point_is_refused_and_the_first_kept():
    reached: list[int] = []
    with hooks.installed("copy", lambda: reached.append(1)):
        with (
            pytest.raises(RuntimeError, match="already installed at 'copy'"),
            hooks.installed("copy", lambda: reached.append(2)),
        ):
            pass
        hooks.reached("copy")
    assert reached == [1]
