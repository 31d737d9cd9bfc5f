"""What ships with the package: the personas and the Dagster instance configs of ``configs/``,
packaged as ``synth_assets/configs`` in a wheel (``pyproject.toml``), read from the checkout's
``configs/`` in an editable install."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def configs() -> Path:
    """The folder of the shipped configs, in a wheel or in a checkout."""
    packaged = _PACKAGE / "configs"
    return packaged if packaged.is_dir() else _PACKAGE.parent / "configs"


def personas() -> Path:
    """The shipped persona files, used when an app has none of its own."""
    return configs() / "personas"
