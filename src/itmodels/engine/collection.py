"""Python's cyclic garbage collector while a simulation runs.

A run makes and drops a great many small objects (SimPy events, processes, request
tuples) and keeps many alive (every waiting incident's process).  With the default
thresholds the collector runs every 700 allocations and its full passes walk every live
object, so its cost grows with the number of objects alive: with thousands of incidents
waiting it came to about 40 % of a run (``benchmarks/bench_book.py``).  While the
environment runs, :func:`fewer_collections` raises the thresholds (cyclic garbage is
still collected, less often); they are put back afterwards, even on an error.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["RUN_THRESHOLDS", "fewer_collections"]

#: The collector's thresholds (generation 0, 1, 2) while a simulation runs, at least.
RUN_THRESHOLDS = (50_000, 50, 1000)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's thresholds to at least :data:`RUN_THRESHOLDS` inside the
    block, and restore them after.  A collector switched off (threshold 0, or
    ``gc.disable()``) stays as it is.
    """
    old = gc.get_threshold()
    if old[0] == 0:
        yield
        return
    gc.set_threshold(*(max(a, b) for a, b in zip(old, RUN_THRESHOLDS, strict=False)))
    try:
        yield
    finally:
        gc.set_threshold(*old)
