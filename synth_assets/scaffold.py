"""``python -m synth_assets init DIR``: write the app-side folder an app's repository keeps
(``app_folder``): editable copies of the shipped personas, the Dagster instance settings, what
``dagster`` and ``dg`` need to find the code location, the pinned requirement, the CI
assertions and a short README. Nothing that exists is overwritten: if any file it would
write is there, it writes none."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import jinja2

from synth_assets import app_folder, shipped

TEMPLATE = Path(__file__).resolve().parent / "app_template"
# What init writes, relative to DIR, and where each comes from (.j2 files are rendered).
STATIC = {
    app_folder.MARKER: TEMPLATE / "synth_assets.yaml",
    "dg.toml": TEMPLATE / "dg.toml",
    "workspace.yaml": TEMPLATE / "workspace.yaml",
    "assertions.sql": TEMPLATE / "assertions.sql",
    ".gitignore": TEMPLATE / "gitignore",
    "synth_location/__init__.py": TEMPLATE / "synth_location" / "__init__.py",
    "synth_location/definitions.py": TEMPLATE / "synth_location" / "definitions.py",
    "dagster.yaml": shipped.configs() / "dagster.local.yaml",
}
RENDERED = {"README.md": "README.md.j2", "requirements.txt": "requirements.txt.j2"}


class ScaffoldError(ValueError):
    """The folder cannot be written as asked; nothing was written."""


def planned(directory: Path, version: str) -> dict[Path, bytes]:
    """Every file ``init`` writes into ``directory``, with its content."""
    files = {directory / name: source.read_bytes() for name, source in STATIC.items()}
    for persona in sorted(shipped.personas().glob("*.yaml")):
        files[directory / "personas" / persona.name] = persona.read_bytes()
    loader = jinja2.FileSystemLoader(TEMPLATE)
    environment = jinja2.Environment(loader=loader, keep_trailing_newline=True, autoescape=False)
    for name, template in RENDERED.items():
        text = environment.get_template(template).render(version=version, folder=directory.name)
        files[directory / name] = text.encode()
    return files


def init(directory: Path, version: str) -> list[Path]:
    """Write the app folder into ``directory`` (created if missing) and return its files. A
    file already there, or a path that is not a folder, is refused before anything is
    written; a write that fails part-way removes what this call made."""
    directory = Path(os.path.abspath(directory))
    files = planned(directory, version)
    folders = sorted({p.parent for p in files})
    try:
        _refuse_taken(directory, files, folders)
    except OSError as error:  # a name too long, a folder it may not search
        raise ScaffoldError(
            f"{error.filename or directory}: {error.strerror}; nothing written"
        ) from None
    made: list[Path] = []
    try:
        for folder in folders:
            missing = [p for p in (folder, *folder.parents) if not p.exists()]
            for path in reversed(missing):
                path.mkdir()
                made.append(path)
        for path, content in files.items():
            with path.open("xb") as out:  # exclusive: a file that appeared since is kept
                made.append(path)
                out.write(content)
    except OSError as error:
        _remove(made)
        raise ScaffoldError(
            f"{error.filename or directory}: cannot be written ({error.strerror}); nothing "
            "was left behind"
        ) from None
    return sorted(files)


def _refuse_taken(directory: Path, files: dict[Path, bytes], folders: list[Path]) -> None:
    """Refuse, naming them, the paths init would need that something else holds."""
    for folder in folders:
        if folder.is_symlink() and not folder.exists():
            raise ScaffoldError(f"{folder}: is a symbolic link to nowhere; nothing written")
        if folder.exists() and not folder.is_dir():
            raise ScaffoldError(f"{folder}: exists and is not a folder; nothing written")
    taken = sorted(str(p.relative_to(directory)) for p in files if p.exists() or p.is_symlink())
    if taken:
        raise ScaffoldError(
            f"{directory}: already holds {', '.join(taken)}; nothing written (init never "
            "overwrites: choose another folder or move these away)"
        )


def _remove(made: list[Path]) -> None:
    """Undo a partial init: only what it created, newest first."""
    for path in reversed(made):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() else path.unlink()
