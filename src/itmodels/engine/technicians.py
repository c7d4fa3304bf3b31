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
:mod:`itmodels.engine.background`) is handed over with :meth:`Technicians.hold`, or as a
:class:`Feed` of arrivals: it queues like a request, and when granted it holds its
technician for its work time and gives it back.  Such work costs no SimPy event of its
own: its arrivals, its ends and the shift's openings are kept here, and one wake-up
(a timeout at the first of them) runs them in plain Python, as far ahead as the next
event of the simulation (``Environment.peek``), since nothing else can happen before
it.  Things happening at one instant are all done before the dispatcher grants, as
when each was an event; and while a process's request waits, a grant may be its, which
must happen at its instant, so then the wake-up runs only what happens at its own
instant and comes again at the next.  The client's work thus meets the same queue at
every instant as if each job were a process (``tests/test_background.py``).  The hours
given to held and fed work are added up at each grant (:meth:`Technicians.held_hours`),
so a book's utilisation can count the work outside it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from heapq import heapify, heappop, heappush
from itertools import count
from operator import attrgetter
from typing import Any, Protocol

import simpy

__all__ = ["Feed", "Lane", "Request", "Technicians"]


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


class Lane:
    """Fed work of one kind, in order of arrival.

    The jobs' arrival ``times``, ``works`` (hours) and ``ids``; ``head`` is the index of
    the first not yet granted.  A job's dispatch key is ``(*prefix, time, id)``: lanes
    with different prefixes, and within a lane, order by arrival.
    """

    __slots__ = ("head", "ids", "prefix", "times", "works")

    def __init__(self, prefix: tuple[Any, ...]) -> None:
        self.prefix = prefix
        self.times: list[float] = []
        self.works: list[float] = []
        self.ids: list[Any] = []
        self.head = 0

    def key(self, i: int) -> tuple[Any, ...]:
        """The dispatch key of job ``i``."""
        return (*self.prefix, self.times[i], self.ids[i])

    def trim(self) -> None:
        """Forget the jobs already granted."""
        h = self.head
        if h:
            del self.ids[:h], self.times[:h], self.works[:h]
            self.head = 0


class Feed(Protocol):
    """Work that arrives on its own, handed to :meth:`Technicians.feed`.

    ``lanes`` hold the jobs drawn so far, every job arriving up to ``frontier`` among
    them; ``extend()`` draws the next ones and moves ``frontier`` on (``math.inf``: no
    more).  Fed work needs the shift open, like :meth:`Technicians.hold`'s default.
    """

    frontier: float

    @property
    def lanes(self) -> Sequence[Lane]:
        """The lanes, with different key prefixes."""
        ...

    def extend(self) -> None:
        """Add the next jobs to the lanes and move ``frontier`` to the last one's arrival."""
        ...


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
        self._next_closed = next_closed
        # waiting work, heaps of (key, order asked, request or held work): that may start
        # at any hour, and that needs the shift open; equal keys go in the order asked
        self._anytime: list[tuple[Any, int, Request | _Hold]] = []
        self._in_hours: list[tuple[Any, int, Request | _Hold]] = []
        self._asked = count()
        self._clients = 0  # requests (not held work) waiting
        self._closed_until = -math.inf  # the shift is closed from the last check until then
        self._open_until = -math.inf  # the shift is open from the last check until then
        self._pending = False  # a dispatch is scheduled at the current time
        # the work no process waits for: when held work ends, the next arrival of the
        # feed, and the opening the dispatcher waits for; the wake-up at the first of them
        self._ends: list[float] = []
        self._feed: Feed | None = None
        self._lanes: Sequence[Lane] = ()
        self._opening = math.inf
        self._due = math.inf  # a process's grant found ahead of the clock
        self._dispatched = -math.inf  # when the dispatcher last ran to the end
        self._wake_event: simpy.Event | None = None
        self._wake = math.inf
        # whether anything may need a wake-up: fed or held work, or a shift that opens
        self._wakeful = is_open is not None
        self._held = 0.0  # hours granted to held and fed work (added at each grant)

    @property
    def waiting(self) -> int:
        """Number of requests and held or fed work not yet granted (fed work counts from
        its arrival)."""
        now = self.env.now
        feed = self._feed
        while feed is not None and feed.frontier < now:
            feed.extend()
        fed = sum(bisect_right(lane.times, now, lane.head) - lane.head for lane in self._lanes)
        return len(self._anytime) + len(self._in_hours) + fed

    def held_hours(self, until: float = math.inf) -> float:
        """Technician hours given to held and fed work (:meth:`hold`, :meth:`feed`) up to
        ``until``.

        Each job's work time is added when it is granted (one addition per grant); the
        part of the jobs still at work that falls after ``until`` is taken off, so a run
        to its horizon counts the work done by then.  Process requests are not counted:
        their visits are in the records.

        Parameters
        ----------
        until : float
            The end of the count (default: all work granted so far, in full).

        Returns
        -------
        float
            Hours.
        """
        late = sum(end - until for end in self._ends if end > until)
        return self._held - late

    def request(self, priority: Any = 0, anytime: bool = True) -> Request:
        """Ask for a technician; the returned event fires when one is granted.

        ``priority`` is the dispatch key (lowest first).
        """
        self.requests += 1
        req = Request(self, priority, anytime)
        self._clients += 1
        self._enqueue(req)
        return req

    def hold(self, key: Any, work: float, anytime: bool = False) -> None:
        """Queue ``work`` hours that need a technician and no process of their own.

        The work waits like a :meth:`request` with dispatch key ``key``; once granted, its
        technician works ``work`` hours and is given back as by :meth:`release`.  Nothing
        is returned: no one waits for this work.
        """
        self._wakeful = True  # its end needs a wake-up
        self._enqueue(_Hold(key, anytime, work))

    def feed(self, source: Feed) -> None:
        """Take held work from ``source`` as it arrives (see :class:`Feed`).

        Each arrival is queued at its time exactly as :meth:`hold` would queue it then,
        without a SimPy event: the dispatcher runs the fed work between the events of the
        simulation (see the module's docstring).
        """
        if self._feed is not None:
            raise ValueError("the technicians are already fed")
        prefixes = [lane.prefix for lane in source.lanes]
        if len(set(prefixes)) < len(prefixes):
            raise ValueError(f"lanes with the same key prefix: {prefixes}")
        self._feed = source
        # in dispatch order: of two lanes' first jobs, the one of the first lane goes first
        self._lanes = sorted(source.lanes, key=attrgetter("prefix"))
        self._dispatch = self._dispatch_fed  # type: ignore[method-assign]
        self._wakeful = True
        self._rewake()

    def _enqueue(self, req: Request | _Hold) -> None:
        """Put ``req`` in its queue (dispatch order) and dispatch if a technician is free."""
        queue = self._anytime if req.anytime or self._is_open is None else self._in_hours
        heappush(queue, (req.key, next(self._asked), req))
        if self.busy < self.capacity and not self._pending:
            env = self.env
            if env.peek() > env.now:
                self._dispatch(env.now)  # nothing else can ask at this instant
                if self._wakeful:
                    self._rewake()
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

    def _dispatch_soon(self) -> None:
        """Dispatch at the current time, once everything else scheduled now has run."""
        self._pending = True
        self.env.event().succeed().callbacks.append(self._dispatch_when_quiet)

    def _dispatch_when_quiet(self, _event: simpy.Event) -> None:
        env = self.env
        if env.peek() <= env.now:
            env.event().succeed().callbacks.append(self._dispatch_when_quiet)
            return
        self._pending = False
        self._dispatch(env.now)
        if self._wakeful:
            self._rewake()

    def _withdraw(self, req: Request) -> None:
        for queue in (self._anytime, self._in_hours):
            for i, entry in enumerate(queue):
                if entry[2] is req:
                    queue[i] = queue[-1]
                    queue.pop()
                    heapify(queue)
                    self._clients -= 1
                    return

    def _dispatch_fed(self, now: float, ahead: bool = False) -> bool:
        """Grant free technicians to the first waiting work that may start at ``now``.

        With ``ahead`` (``now`` is later than the simulation's clock), stop before a
        process's request and return True: its grant must wait for its instant.
        """
        anytime, in_hours, lanes = self._anytime, self._in_hours, self._lanes
        feed = self._feed
        if feed is not None:
            while feed.frontier < now:
                feed.extend()  # every job arrived by now is in its lane
        capacity = self.capacity
        while self.busy < capacity:
            best: Any = None  # the first waiting work's key, and its queue or lane
            source: Any = None
            if anytime:
                source = anytime
                best = anytime[0][0]
            lane_first: Lane | None = None  # the first lane whose first job has arrived
            for lane in lanes:
                h = lane.head
                if h < len(lane.times) and lane.times[h] <= now:
                    lane_first = lane
                    break
            if (in_hours or lane_first is not None) and not (
                self._is_open is not None and self._closed(now)
            ):
                if in_hours and (best is None or in_hours[0][0] < best):
                    source = in_hours
                    best = in_hours[0][0]
                if lane_first is not None and (
                    best is None or lane_first.key(lane_first.head) < best
                ):
                    source = lane_first
            if source is None:
                break
            if type(source) is Lane:
                h = source.head
                source.head = h + 1
                self.busy += 1
                w = source.works[h]
                self._held += w
                heappush(self._ends, now + w)
                continue
            if self._grant_first(source, now, ahead):
                return True
        self._dispatched = now  # all work arrived by now is granted or must wait
        return False

    def _dispatch(self, now: float, ahead: bool = False) -> bool:
        """Grant free technicians to the first waiting work that may start at ``now``.

        With ``ahead`` (``now`` is later than the simulation's clock), stop before a
        process's request and return True: its grant must wait for its instant.  This is
        the dispatcher without fed work; :meth:`feed` replaces it by :meth:`_dispatch_fed`.
        """
        anytime, in_hours = self._anytime, self._in_hours
        while self.busy < self.capacity and (anytime or in_hours):
            if in_hours and self._is_open is not None and self._closed(now):
                if not anytime:
                    break
                queue = anytime
            elif not in_hours:
                queue = anytime
            elif not anytime:
                queue = in_hours
            else:
                queue = in_hours if in_hours[0][0] < anytime[0][0] else anytime
            if self._grant_first(queue, now, ahead):
                return True
        self._dispatched = now
        return False

    def _grant_first(
        self, queue: list[tuple[Any, int, Request | _Hold]], now: float, ahead: bool
    ) -> bool:
        """Grant a technician to the first of ``queue``: held work starts its work at
        ``now``, a process's request fires.  With ``ahead``, a request is left waiting
        and True returned (its grant must wait for its instant)."""
        req = queue[0][2]
        if type(req) is _Hold:
            heappop(queue)
            self.busy += 1
            self._held += req.work
            heappush(self._ends, now + req.work)
            return False
        if ahead:
            return True
        heappop(queue)
        self.busy += 1
        self._clients -= 1
        req.succeed()  # type: ignore[union-attr]
        return False

    def _closed(self, now: float) -> bool:
        """Whether the shift is closed at ``now``; if so, the dispatcher runs when it
        opens."""
        if now < self._closed_until:
            return True  # closed since the last check, the wake-up is due
        if now < self._open_until:
            return False
        assert self._is_open is not None
        if self._is_open(now):
            if self._next_closed is not None:
                self._open_until = self._next_closed(now)
            return False
        assert self._next_open is not None
        opens = self._next_open(now)
        self._closed_until = opens  # closed until then: next_open is the next opening
        if opens < self._opening:
            self._opening = opens
        return True

    # -- the work no process waits for ----------------------------------------------
    def _next(self) -> float:
        """When held work next ends, fed work arrives to a free technician, the shift
        opens or a grant is due."""
        t = self._opening if self._opening < self._due else self._due
        if self._ends and self._ends[0] < t:
            t = self._ends[0]
        if (
            self._lanes
            and self.busy < self.capacity
            and not self._pending
            and self._due == math.inf
        ):
            a = self._arrival()
            if a < t and a > self._dispatched and a >= self._closed_until:
                t = a
        return t

    def _arrival(self) -> float:
        """The first arrival time among the lanes' first jobs not yet granted."""
        feed = self._feed
        assert feed is not None
        while True:
            a = math.inf
            for lane in self._lanes:
                h = lane.head
                if h < len(lane.times) and lane.times[h] < a:
                    a = lane.times[h]
            if a < math.inf or feed.frontier == math.inf:
                return a
            feed.extend()

    def _rewake(self) -> None:
        """Make sure :meth:`_advance` runs at the next time of the work no one waits for."""
        if self._feed is None and not self._ends and self._opening == math.inf:
            return  # nothing to wake up for (no work without a process, no opening due)
        t = self._next()
        if t < self._wake:
            env = self.env
            now = env.now
            delay = t - now
            # the wake-up must come at ``t`` exactly: ``now + delay`` is what SimPy adds
            while now + delay < t:
                delay = math.nextafter(delay, math.inf)
            while now + delay > t:
                delay = math.nextafter(delay, -math.inf)
            wake = env.timeout(delay)
            wake.callbacks.append(self._advance)
            self._wake_event = wake
            self._wake = t

    def _advance(self, event: simpy.Event) -> None:
        """Run the work no process waits for, from now until the simulation's next event.

        Between two events of the simulation nothing but this work happens, so it runs
        here, in plain Python, as far ahead as the next event (``Environment.peek``);
        everything that happens at one instant is done before the dispatcher grants, as
        when each was an event.  A grant to a process must happen at its instant: when
        the dispatcher ahead of the clock comes to a process's request, it stops, and
        the wake-up comes again at that instant to grant it.
        """
        if event is not self._wake_event:
            return  # superseded by an earlier wake-up
        self._wake_event = None
        self._wake = math.inf
        env = self.env
        now = env.now
        limit = env.peek()
        ends = self._ends
        capacity = self.capacity
        lanes = self._lanes
        feed = self._feed
        anytime, in_hours = self._anytime, self._in_hours
        inf = math.inf
        while True:
            if (
                limit > now
                and feed is not None
                and not anytime
                and not in_hours
                and not self._pending
                and self._due == inf
            ):
                self._run_fed(limit)  # no process waits: the fast way, to the next event
                break
            # t = self._next(), written out
            t = self._opening if self._opening < self._due else self._due
            if ends and ends[0] < t:
                t = ends[0]
            if lanes and self.busy < capacity and not self._pending and self._due == inf:
                a = self._arrival()
                if t > a > self._dispatched and a >= self._closed_until:
                    t = a
            if t > now and t >= limit:
                break
            # everything that happens at t (fed work arriving needs nothing done)
            if self._due == t:
                self._due = math.inf
            if self._opening == t:
                self._opening = math.inf
            while ends and ends[0] == t:
                heappop(ends)
                self.busy -= 1
            if self._pending or self.busy >= capacity:
                continue  # nothing to grant, or granted when all done at this instant
            if t > now:
                if self._dispatch(t, ahead=True):
                    self._due = t  # a process is granted at t: come back then
                    break
            elif limit <= now:
                self._dispatch_soon()  # other events at this instant first
            else:
                self._dispatch(t)
                limit = env.peek()  # a process granted now has its event now
        self._rewake()

    def _run_fed(self, limit: float) -> None:
        """Run fed work alone up to ``limit`` (not included): what :meth:`_advance` does
        when no process waits and nothing else happens before ``limit``, written out
        with local names (the engine's hot loop).

        Held work ends, fed work arrives to a free technician, the shift opens or
        closes; each instant is done, then the dispatcher grants the lanes' first
        jobs in lane order, as :meth:`_dispatch` and :meth:`_closed` would.
        """
        ends = self._ends
        capacity = self.capacity
        feed = self._feed
        assert feed is not None
        lanes = self._lanes
        is_open, next_open, next_closed = self._is_open, self._next_open, self._next_closed
        always = is_open is None
        busy = self.busy
        opening = self._opening
        dispatched = self._dispatched
        open_until, closed_until = self._open_until, self._closed_until
        held = self._held
        inf = math.inf
        first: float | None = None  # the lanes' first arrival; None: to be found again
        while True:
            t = opening
            if ends and ends[0] < t:
                t = ends[0]
            if busy < capacity:  # the next arrival matters: a technician is free
                if first is None:  # a job was granted or drawn since it was found
                    a = inf
                    for lane in lanes:
                        h = lane.head
                        if h < len(lane.times) and lane.times[h] < a:
                            a = lane.times[h]
                    if a == inf and feed.frontier != inf:
                        feed.extend()
                        continue
                    first = a
                a = first
                if t > a > dispatched and a >= closed_until:
                    t = a
            if t >= limit:
                break
            if opening == t:
                opening = inf
            while ends and ends[0] == t:
                heappop(ends)
                busy -= 1
            if busy >= capacity:
                continue
            while feed.frontier < t:
                feed.extend()  # every job arrived by t is in its lane
                first = None
            dispatched = t
            if not always and t >= open_until:  # _closed(t), written out
                if t < closed_until:
                    continue
                assert is_open is not None and next_open is not None
                if not is_open(t):
                    closed_until = next_open(t)
                    if closed_until < opening:
                        opening = closed_until
                    continue
                if next_closed is not None:
                    open_until = next_closed(t)
            while busy < capacity:
                for lane in lanes:
                    h = lane.head
                    if h < len(lane.times) and lane.times[h] <= t:
                        lane.head = h + 1
                        busy += 1
                        w = lane.works[h]
                        held += w
                        heappush(ends, t + w)
                        first = None
                        break
                else:
                    break  # nothing has arrived
        self.busy = busy
        self._held = held
        self._opening = opening
        self._dispatched = dispatched
        self._open_until, self._closed_until = open_until, closed_until
