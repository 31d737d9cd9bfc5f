"""Named points inside long work where a test can step in, for instance to kill the loader's
connection in the middle of a COPY at a known moment instead of racing a large load.

Nothing is installed outside tests: an unhooked point costs one dictionary lookup. Points:
``copy`` (a chunk of rows was sent inside a COPY, which is still open).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

_installed: dict[str, Callable[[], None]] = {}


def reached(point: str) -> None:
    """Run the callback installed at ``point``, if any (in the caller's thread)."""
    callback = _installed.get(point)
    if callback is not None:
        callback()


@contextmanager
def installed(point: str, callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` each time ``point`` is reached, inside the ``with`` block."""
    if point in _installed:
        raise RuntimeError(f"a hook is already installed at {point!r}")
    _installed[point] = callback
    try:
        yield
    finally:
        del _installed[point]
