"""The code location dg loads: synth_assets' Definitions, from the installed package."""

from synth_assets.definitions import defs

__all__ = ["defs"]
