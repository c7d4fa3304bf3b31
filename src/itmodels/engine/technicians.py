"""The technicians: a SimPy priority resource with a leaner hot path.

:class:`Technicians` is a :class:`simpy.PriorityResource` and behaves exactly like one:
the same request and release events, triggered and scheduled in the same order.  Only
the Python work around them is cut:

- the queue of waiting requests is kept sorted by inserting each request at its place
  (``bisect``, after equal keys; at the end without a search when its key is not below
  the last one) instead of re-sorting the whole queue on every request;
- a request or a release is built in one ``__init__`` instead of a chain of four (if the
  installed SimPy builds them with other attributes, SimPy's own constructors are used);
- the resource's trigger methods do what SimPy's general loops do for a resource (look
  at the first waiting request or release only) without the loop.
"""

from __future__ import annotations

from bisect import insort_right
from operator import attrgetter
from typing import Any

import simpy
from simpy.events import PENDING
from simpy.resources.resource import PriorityRequest, Release

__all__ = ["DispatchQueue", "DispatchRelease", "DispatchRequest", "Technicians"]

_KEY = attrgetter("key")


class DispatchQueue(list):
    """Waiting requests in dispatch order (``request.key``), stable for equal keys."""

    def __init__(self, maxlen: int | None = None) -> None:
        super().__init__()
        self.maxlen = maxlen

    def append(self, item: PriorityRequest) -> None:
        """Insert ``item`` after every waiting request with a key not above its own."""
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        if not self or not item.key < self[-1].key:
            list.append(self, item)
        else:
            insort_right(self, item, key=_KEY)


class DispatchRequest(PriorityRequest):
    """A :class:`~simpy.resources.resource.PriorityRequest`, built in one step.

    It ends in the state SimPy's ``PriorityRequest.__init__`` chain leaves it in, and
    asks the resource to trigger waiting requests just as SimPy does.
    """

    def __init__(self, resource: Technicians, priority: Any = 0, preempt: bool = True) -> None:
        env = resource._env
        self.env = env
        self.callbacks = []
        self._value = PENDING
        self.priority = priority
        self.preempt = preempt
        self.time = now = env.now
        self.key = (priority, now, not preempt)
        self.resource = resource
        self.proc = env.active_process
        resource.put_queue.append(self)
        self.callbacks.append(resource._trigger_get)
        resource._trigger_put(None)


class DispatchRelease(Release):
    """A :class:`~simpy.resources.resource.Release`, built in one step."""

    def __init__(self, resource: Technicians, request: PriorityRequest) -> None:
        env = resource._env
        self.request = request
        self.env = env
        self.callbacks = []
        self._value = PENDING
        self.resource = resource
        self.proc = env.active_process
        resource.get_queue.append(self)
        self.callbacks.append(resource._trigger_put)
        resource._trigger_get(None)


class Technicians(simpy.PriorityResource):
    """The provider's technicians: ``request(priority=key)``, lowest key served first."""

    PutQueue = DispatchQueue

    def request(self, priority: Any = 0, preempt: bool = True) -> DispatchRequest:  # type: ignore[override]
        """Ask for a technician; the event fires when one is granted."""
        return DispatchRequest(self, priority, preempt)

    def release(self, request: PriorityRequest) -> DispatchRelease:  # type: ignore[override]
        """Give the technician of ``request`` back (fires at once)."""
        return DispatchRelease(self, request)

    def _trigger_put(self, get_event: Any) -> None:
        # SimPy's loop, for a resource: it looks at the first waiting request only
        queue = self.put_queue
        if queue and len(self.users) < self._capacity:
            request = queue[0]
            self.users.append(request)
            request.usage_since = self._env.now
            request.succeed()
            queue.pop(0)

    def _trigger_get(self, put_event: Any) -> None:
        # SimPy's loop, for a resource: a release always succeeds at once
        queue = self.get_queue
        if queue:
            release = queue[0]
            users, request = self.users, release.request
            if request in users:
                users.remove(request)
            release.succeed()
            queue.pop(0)


def _lean_events_match_simpy() -> bool:
    """Whether the one-step constructors set the attributes SimPy's constructors set."""
    env = simpy.Environment()
    techs = Technicians(env, capacity=2)
    ours, theirs = DispatchRequest(techs, 1), PriorityRequest(techs, 2)
    if vars(ours).keys() != vars(theirs).keys():
        return False
    return vars(DispatchRelease(techs, ours)).keys() == vars(Release(techs, theirs)).keys()


def _simpy_request(self: Technicians, priority: Any = 0, preempt: bool = True) -> PriorityRequest:
    return PriorityRequest(self, priority, preempt)


def _simpy_release(self: Technicians, request: PriorityRequest) -> Release:
    return Release(self, request)


if not _lean_events_match_simpy():  # pragma: no cover - depends on the SimPy version
    Technicians.request = _simpy_request  # type: ignore[assignment]
    Technicians.release = _simpy_release  # type: ignore[assignment]
