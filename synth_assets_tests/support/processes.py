"""Processes the tests start: where the commands are, waiting, ports, process trees."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]  # the project, where a user runs the commands
BIN = Path(sys.executable).parent  # the venv's dagster, dg, dagster-celery, ...
T = TypeVar("T")


def wait_for(predicate: Callable[[], T], seconds: float, what: str, every: float = 0.1) -> T:
    """``predicate``'s first truthy value, polled; fails naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """``pid`` and every process below it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = set(), [pid]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def start_daemon(env: dict[str, str]) -> subprocess.Popen:
    """``dagster-daemon run`` on this code location (the run queue, run monitoring)."""
    return subprocess.Popen(
        [BIN / "dagster-daemon", "run", "-m", "synth_assets"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
