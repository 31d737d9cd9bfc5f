"""Overlap producing the next item with consuming this one, on the machine's two cores."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def ahead(items: Iterator[T]) -> Iterator[T]:
    """``items``, each produced by a worker thread while the caller handles the one before
    (numpy, pyarrow and libpq release the GIL, so both cores work: the next block is generated
    while the server ingests this one's COPY). An error in the worker re-raises here."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ahead") as pool:
        pending = pool.submit(next, items, _DONE)
        while (item := pending.result()) is not _DONE:
            pending = pool.submit(next, items, _DONE)
            yield item
            del item
