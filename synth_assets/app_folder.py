"""The app-side folder (``python -m synth_assets init DIR``): where an app's repository keeps
its personas. Its marker file, ``synth_assets.yaml``, says where they are; a command run in
the folder or below it (``dagster``, ``dg``, the dry run, the pytest plugin) reads them from
there, unless SYNTH_PERSONAS_DIR names another folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

MARKER = "synth_assets.yaml"
MAX_MARKER_BYTES = 100_000


class AppFolderError(ValueError):
    """The marker file is unusable; the message names it and the field."""


class _Marker(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    personas: Annotated[str, Field(min_length=1, max_length=4096)] = "personas"


@dataclass(frozen=True)
class AppFolder:
    """An app-side folder: its root, its marker file and its persona folder."""

    root: Path
    marker: Path
    personas: Path


def find(start: Path | None = None) -> AppFolder | None:
    """The app folder holding ``start`` (default: the working folder), nearest first."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        marker = folder / MARKER
        if marker.is_file():
            return read(marker)
    return None


def read(marker: Path) -> AppFolder:
    """The app folder ``marker`` describes; a marker that cannot be used is refused by name."""
    try:
        if marker.stat().st_size > MAX_MARKER_BYTES:
            raise AppFolderError(f"{marker}: larger than {MAX_MARKER_BYTES:,} bytes")
        raw = yaml.safe_load(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise AppFolderError(f"{marker}: cannot be read: {error}") from None
    except yaml.YAMLError as error:
        raise AppFolderError(f"{marker}: not valid YAML: {error}") from None
    try:
        fields = _Marker.model_validate(raw if raw is not None else {})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, item['loc'])) or '(file)'}: {item['msg']}"
            for item in error.errors()
        )
        raise AppFolderError(f"{marker}: {problems}") from None
    if "\x00" in fields.personas:
        raise AppFolderError(f"{marker}: personas: a folder name holds no NUL character")
    root = marker.parent
    return AppFolder(root, marker, (root / fields.personas).resolve())
