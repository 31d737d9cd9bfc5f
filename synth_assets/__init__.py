"""synth_assets: a Dagster code location that generates, checks and loads a synthetic
fintech + content database, one partition per persona.

The Definitions are loaded when Dagster looks for them (``-m synth_assets`` lists this
module's members), not on import, so importing a pure module (``synth_assets.generate…``,
``synth_assets.plan``) neither imports Dagster nor reads the persona folder. In code, import
them from ``synth_assets.definitions``.
"""

from __future__ import annotations

from typing import Any


def _definitions() -> Any:
    from synth_assets.definitions import defs

    # Bound over the name of the ``synth_assets.defs`` subpackage, as an eager import here
    # would: ``-m synth_assets`` must find the Definitions object under ``defs``.
    globals()["defs"] = defs
    return defs


def __getattr__(name: str) -> Any:
    if name == "defs":
        return _definitions()
    raise AttributeError(f"module 'synth_assets' has no attribute {name!r}")


def __dir__() -> list[str]:
    _definitions()
    return sorted(globals())
