"""The package as an app installs it: a wheel built from this tree, and fresh venvs outside
the checkout. A fresh venv sees this venv's third-party packages (through a folder of links,
added to its path) but never this checkout's synth_assets: what it runs is the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from synth_assets_tests.support.processes import BIN, ROOT

# The console scripts an app's venv gets from the dependencies' own wheels.
SCRIPTS = ("dagster", "dg")


# What a checkout holds beside its sources: never part of a build.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".dagster_home", ".tmp_dagster_home_*", "exports",
    "*.egg-info", ".pytest_cache", ".ruff_cache", "build", "dist",
)  # fmt: skip


def build_wheel(out: Path) -> Path:
    """The wheel pip builds from this tree's sdist (as from a package index or a git URL:
    what is not in the sdist is not in the wheel), with build isolation. Built from a copy
    of the sources: the tests' other processes write bytecode into the checkout meanwhile."""
    tree = out / "tree"
    shutil.copytree(ROOT, tree, ignore=NOT_SOURCES, symlinks=True)
    hook = f"from setuptools import build_meta; build_meta.build_sdist({str(out)!r})"
    built = subprocess.run([sys.executable, "-c", hook], capture_output=True, text=True, cwd=tree)
    assert built.returncode == 0, built.stderr[-3000:]
    [sdist] = out.glob("synth_assets-*.tar.gz")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, sdist],
        check=True, capture_output=True, cwd=out,
    )  # fmt: skip
    [wheel] = out.glob("synth_assets-*.whl")
    return wheel


def _dependencies(folder: Path) -> Path:
    """A folder of links to this venv's installed packages, synth_assets left out."""
    folder.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.lower().startswith(("synth_assets", "__editable__")):
            (folder / entry.name).symlink_to(entry)
    return folder


def fresh_venv(folder: Path, wheel: Path | None = None) -> Path:
    """A venv in ``folder`` with the dependencies (and ``wheel``, if given); its ``bin``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
    [site] = folder.glob("lib/python*/site-packages")
    links = _dependencies(folder / "dependencies")
    (site / "dependencies.pth").write_text(f"{links}\n")
    bin_ = folder / "bin"
    for name in SCRIPTS:  # this venv's, run by the fresh venv's python
        body = (BIN / name).read_text().split("\n", 1)[1]
        (bin_ / name).write_text(f"#!{bin_ / 'python'}\n{body}")
        (bin_ / name).chmod(0o755)
    if wheel is not None:
        subprocess.run(
            [bin_ / "python", "-m", "pip", "install", "--quiet", "--no-deps", wheel],
            check=True, capture_output=True,
        )  # fmt: skip
    return bin_
