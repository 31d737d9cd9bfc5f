"""synth_assets: a Dagster code location that generates, checks and loads a synthetic
fintech + content database, one partition per persona."""

from synth_assets.definitions import defs

__all__ = ["defs"]
