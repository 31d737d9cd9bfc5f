"""The app-side folder (``python -m synth_assets init DIR``): where an app's repository keeps
its personas. Its marker file, ``synth_assets.yaml``, says where they are; a command run in
the folder (``dagster``, ``dg``, the dry run, the pytest plugin) reads them from there, unless
SYNTH_PERSONAS_DIR names another folder. Only the working folder counts, not its parents:
what else a command finds there (``dagster.yaml``, ``.env``, the embedded server's data, the
exports) is the working folder's too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synth_assets import yaml_files

MARKER = "synth_assets.yaml"
MAX_MARKER_BYTES = 100_000


class AppFolderError(ValueError):
    """The marker file is unusable; the message names it and the field."""


class _Marker(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    personas: Annotated[str, Field(min_length=1, max_length=4096)] = "personas"
    mapping: Annotated[str, Field(min_length=1, max_length=4096)] | None = None


@dataclass(frozen=True)
class AppFolder:
    """An app-side folder: its root, its marker file and its persona folder."""

    root: Path
    marker: Path
    personas: Path
    mapping: Path | None = None  # the mapping of the app's own tables (SPEC §9), if any


def find(folder: Path | None = None) -> AppFolder | None:
    """``folder`` (default: the working folder) as an app folder, if its marker is there."""
    marker = (folder or Path.cwd()).resolve() / MARKER
    return read(marker) if marker.exists() else None


def read(marker: Path) -> AppFolder:
    """The app folder ``marker`` describes; a marker that cannot be used is refused by name."""
    try:
        raw = yaml_files.parse(marker, yaml_files.read_bytes(marker, MAX_MARKER_BYTES))
    except yaml_files.YamlFileError as error:
        raise AppFolderError(str(error)) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise AppFolderError(f"{marker}: expected a mapping of settings (personas: FOLDER)")
    try:
        fields = _Marker.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in error.errors()
        )
        raise AppFolderError(f"{marker}: {problems}") from None
    for field in ("personas", "mapping"):
        if "\x00" in (getattr(fields, field) or ""):
            raise AppFolderError(f"{marker}: {field}: a path holds no NUL character")
    root = marker.parent
    mapping = (root / fields.mapping).resolve() if fields.mapping else None
    return AppFolder(root, marker, (root / fields.personas).resolve(), mapping)
