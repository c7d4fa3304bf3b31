"""The technicians: a SimPy priority resource whose queue is kept sorted by insertion.

SimPy's :class:`~simpy.resources.resource.PriorityResource` re-sorts its whole queue on
every request; inserting each request at its place (``bisect``, after equal keys) gives
the same order, first come first served among equals, for less work on the hot path.
"""

from __future__ import annotations

from bisect import insort_right
from operator import attrgetter

import simpy

__all__ = ["DispatchQueue", "Technicians"]

_KEY = attrgetter("key")


class DispatchQueue(list):
    """Waiting requests in dispatch order (``request.key``), stable for equal keys."""

    def __init__(self, maxlen: int | None = None) -> None:
        super().__init__()
        self.maxlen = maxlen

    def append(self, item: simpy.resources.resource.PriorityRequest) -> None:
        """Insert ``item`` after every waiting request with a key not above its own."""
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        insort_right(self, item, key=_KEY)


class Technicians(simpy.PriorityResource):
    """The provider's technicians: ``request(priority=key)``, lowest key served first."""

    PutQueue = DispatchQueue
