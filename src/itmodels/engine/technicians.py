"""The technicians: a small dispatcher built on SimPy's documented API only.

:class:`Technicians` hands out ``capacity`` technicians to requests, lowest key first
(``(contract class, priority, report time, id)``, see :mod:`itmodels.engine.model`).  It
uses only :class:`simpy.Environment`, :class:`simpy.Event` and ``Environment.timeout``.

A request says whether its work may be done at any hour (``anytime=True``) or only
while the technicians' shift is open.  Work of the second kind waits in its own queue and
is not granted a technician while the shift is closed; when the shift opens, the
dispatcher itself grants the waiting work.  A job therefore asks once and costs nothing
while it waits, however many shifts it waits through.

Requests made at one instant are all ordered by key before any of them is granted:
grants wait until nothing else is scheduled at the current time (``Environment.peek``),
so work reported together (everything noticed overnight is reported at the opening) is
served in dispatch order, not in the order the processes happened to ask.  When no two
requests come at one instant, grants are those of :class:`simpy.PriorityResource`: a
request made while a technician is free is granted at once; a released technician goes
to the first waiting request.

Work that needs no process of its own (the other clients' jobs, see
:mod:`itmodels.engine.background`) is handed over with :meth:`Technicians.hold`: it queues
like a request, and when granted it holds its technician for its work time and gives
it back, with one timeout and no event for the grant or the release.
"""

from __future__ import annotations

import math
from bisect import insort_right
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import simpy

__all__ = ["Request", "Technicians"]

_KEY = attrgetter("key")


class Request(simpy.Event):
    """A request for a technician: fires (value ``None``) when one is granted.

    Parameters
    ----------
    techs : Technicians
        The technicians asked.
    key : tuple
        Dispatch key; lower keys are served first, equal keys first come first served.
    anytime : bool
        Whether the work may start while the shift is closed.
    """

    __slots__ = ("anytime", "key", "techs")

    def __init__(self, techs: Technicians, key: Any, anytime: bool) -> None:
        super().__init__(techs.env)
        self.techs = techs
        self.key = key
        self.anytime = anytime

    def cancel(self) -> None:
        """Withdraw a request not yet granted (a granted one must be released)."""
        if not self.triggered:
            self.techs._withdraw(self)


class _Hold:
    """Work queued by :meth:`Technicians.hold`: a key and how long it holds a technician."""

    __slots__ = ("anytime", "key", "work")

    def __init__(self, key: Any, anytime: bool, work: float) -> None:
        self.key = key
        self.anytime = anytime
        self.work = work


class Technicians:
    """The provider's technicians.

    Parameters
    ----------
    env : simpy.Environment
        The simulation environment.
    capacity : int
        Number of technicians.
    is_open : callable, optional
        ``is_open(t)``: whether the shift is open at time ``t``; default always open.
    next_open : callable, optional
        ``next_open(t)``: the next time at or after ``t`` the shift is open.
    next_closed : callable, optional
        ``next_closed(t)``: the next time at or after ``t`` the shift is closed; saves
        asking ``is_open`` again while the shift stays open.
    """

    def __init__(
        self,
        env: simpy.Environment,
        capacity: int,
        is_open: Callable[[float], bool] | None = None,
        next_open: Callable[[float], float] | None = None,
        next_closed: Callable[[float], float] | None = None,
    ) -> None:
        if is_open is not None and next_open is None:
            raise ValueError("next_open is needed with is_open")
        self.env = env
        self.capacity = capacity
        self.busy = 0
        self.requests = 0  # how many requests were made (for tests and profiling)
        self._is_open = is_open
        self._next_open = next_open
        self._anytime: list[Request | _Hold] = []  # waiting work that may start at any hour
        self._in_hours: list[Request | _Hold] = []  # waiting work that needs the shift open
        self._wake_at: set[float] = set()
        self._next_closed = next_closed
        self._closed_until = -math.inf  # the shift is closed from the last check until then
        self._open_until = -math.inf  # the shift is open from the last check until then
        self._pending = False  # a dispatch is scheduled at the current time

    @property
    def waiting(self) -> int:
        """Number of requests and held work not yet granted (work queued before the
        shift opens counts from when it was queued)."""
        return len(self._anytime) + len(self._in_hours)

    def request(self, priority: Any = 0, anytime: bool = True) -> Request:
        """Ask for a technician; the returned event fires when one is granted.

        ``priority`` is the dispatch key (lowest first).
        """
        self.requests += 1
        req = Request(self, priority, anytime)
        self._enqueue(req)
        return req

    def hold(self, key: Any, work: float, anytime: bool = False) -> None:
        """Queue ``work`` hours that need a technician and no process of their own.

        The work waits like a :meth:`request` with dispatch key ``key``; once granted, its
        technician works ``work`` hours and is given back as by :meth:`release`.  Nothing
        is returned: no one waits for this work.
        """
        self._enqueue(_Hold(key, anytime, work))

    def closed_until(self, t: float) -> float | None:
        """When the shift opens, if it is closed at time ``t`` (``t`` not in the past);
        ``None`` while it is open, and always for technicians around the clock."""
        if t < self._closed_until:
            return self._closed_until
        if t < self._open_until or self._is_open is None or self._is_open(t):
            return None
        assert self._next_open is not None
        return self._next_open(t)

    def hold_before_opening(self, work: Sequence[tuple[Any, float]]) -> None:
        """Queue held work, ``(key, hours)`` each, that will arrive before the shift opens.

        The caller knows the shift is closed from now until after the last of these
        arrivals (:meth:`closed_until`) and that each key holds its arrival time: until
        the shift opens no one can be granted work that needs it, so the work may wait
        in the queue from now on, in dispatch order, as if each had asked on arrival.
        Nothing is dispatched (the dispatcher runs at the opening, or when a technician
        is released, exactly as it would have had the work asked one by one).
        """
        queue = self._in_hours if self._is_open is not None else self._anytime
        for key, hours in work:
            req = _Hold(key, False, hours)
            if not queue or not key < queue[-1].key:
                queue.append(req)
            else:
                insort_right(queue, req, key=_KEY)

    def _enqueue(self, req: Request | _Hold) -> None:
        """Put ``req`` in its queue (dispatch order) and dispatch if a technician is free."""
        queue = self._anytime if req.anytime or self._is_open is None else self._in_hours
        if not queue or not req.key < queue[-1].key:
            queue.append(req)
        else:
            insort_right(queue, req, key=_KEY)
        if self.busy < self.capacity and not self._pending:
            if self.env.peek() > self.env.now:
                self._dispatch(None)  # nothing else can ask at this instant
            else:
                self._dispatch_soon()

    def release(self, req: Request) -> simpy.Event:
        """Give the technician of the granted ``req`` back.

        The technician is free at once; waiting work is granted when the returned event
        is processed (at the same simulated time), as in SimPy's resources.
        """
        self.busy -= 1
        done = self.env.event()
        if not self._pending:
            self._pending = True
            done.callbacks.append(self._dispatch_when_quiet)
        done.succeed()
        return done

    def _free(self, _event: simpy.Event) -> None:
        """The end of held work: as :meth:`release`, without an event of its own."""
        self.busy -= 1
        if not self._pending:
            if self.env.peek() > self.env.now:
                self._dispatch(None)  # nothing else happens at this instant
            else:
                self._dispatch_soon()

    def _dispatch_soon(self) -> None:
        """Dispatch at the current time, once everything else scheduled now has run."""
        self._pending = True
        self.env.event().succeed().callbacks.append(self._dispatch_when_quiet)

    def _dispatch_when_quiet(self, _event: simpy.Event) -> None:
        if self.env.peek() <= self.env.now:
            self.env.event().succeed().callbacks.append(self._dispatch_when_quiet)
            return
        self._pending = False
        self._dispatch(None)

    def _withdraw(self, req: Request | _Hold) -> None:
        queue = self._anytime if req in self._anytime else self._in_hours
        queue.remove(req)

    def _dispatch(self, _event: simpy.Event | None) -> None:
        """Grant free technicians to the first waiting work that may start now."""
        anytime, in_hours = self._anytime, self._in_hours
        while self.busy < self.capacity and (anytime or in_hours):
            if in_hours and self._is_open is not None and self._closed():
                if not anytime:
                    return
                queue = anytime
            elif not in_hours:
                queue = anytime
            elif not anytime:
                queue = in_hours
            else:
                queue = in_hours if in_hours[0].key < anytime[0].key else anytime
            req = queue.pop(0)
            self.busy += 1
            if isinstance(req, Request):
                req.succeed()
            else:
                self.env.timeout(req.work).callbacks.append(self._free)

    def _closed(self) -> bool:
        """Whether the shift is closed now; if so, the dispatcher runs when it opens."""
        now = self.env.now
        if now < self._closed_until:
            return True  # closed since the last check, the wake-up is scheduled
        if now < self._open_until:
            return False
        assert self._is_open is not None
        if self._is_open(now):
            if self._next_closed is not None:
                self._open_until = self._next_closed(now)
            return False
        self._wake_at_opening()
        return True

    def _wake_at_opening(self) -> None:
        """Make sure the dispatcher runs when the shift next opens."""
        assert self._next_open is not None
        now = self.env.now
        opens = self._next_open(now)
        self._closed_until = opens  # closed until then: next_open is the next opening
        if opens in self._wake_at:
            return
        self._wake_at.add(opens)
        wake = self.env.timeout(opens - now)
        wake.callbacks.append(lambda event: self._wake(opens))

    def _wake(self, opens: float) -> None:
        self._wake_at.discard(opens)
        if not self._pending:
            self._dispatch_soon()
