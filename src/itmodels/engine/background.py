"""Other clients' work: jobs that take technician time and are not recorded.

The jobs arrive as a Poisson stream (``background_load.jobs_per_month``), each with a
queue class (contract client with probability ``contract_share``), the scenario's
priority and a work time.  The k-th job takes the k-th row of the ``background`` stream
``(gap, class, work)``; rows are drawn and transformed in blocks.

No job has a process of its own: one chain of timeouts brings the arrivals, each job is
handed to the dispatcher with :meth:`~itmodels.engine.technicians.Technicians.hold`
(dispatch key ``(class, level, arrival time, -1 - k)``, in technician hours only), and
the dispatcher gives the technician back when the work is done, from the one timeout
that ends it.  The jobs that arrive while the shift is closed cannot start before it
opens: the first of a night brings the others with it
(:meth:`~itmodels.engine.technicians.Technicians.hold_before_opening`, keys holding their
own arrival times) and the chain jumps to the first arrival after the opening.  A job
thus costs one or two events instead of a process, a request, a release and their
events (about seven), and the client's work meets the same queue at every instant: the
same draws, keys, arrival times (the same sums as the chain of timeouts) and order of
grants as with one process per job (``tests/test_background.py`` compares the two).
"""

from __future__ import annotations

import numpy as np
import simpy

from itmodels.engine.draws import Draws, exp1
from itmodels.engine.flow import ServiceFlow
from itmodels.engine.jobs import PRIORITY_LEVEL
from itmodels.engine.technicians import Technicians
from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = ["start"]


def start(model: ServiceFlow) -> None:
    """Start the other clients' jobs, if the scenario has any."""
    bg = model.scn.provider.background_load
    if bg is None or bg.jobs_per_month <= 0:
        return
    draws = model.streams.draws("background", [exp1, None, bg.work.ppf])
    feed = _Arrivals(
        model.env,
        model.techs,
        draws,
        rate=bg.jobs_per_month / HOURS_PER_MONTH,
        contract_share=bg.contract_share,
        level=PRIORITY_LEVEL[bg.priority],
    )
    feed.next_arrival()


class _Arrivals:
    """The chain of arrivals: each one schedules the next and hands its job over."""

    __slots__ = (
        "_at",
        "_classes",
        "_delays",
        "_pending",
        "_works",
        "draws",
        "env",
        "k",
        "level",
        "rate",
        "share",
        "techs",
    )

    def __init__(
        self,
        env: simpy.Environment,
        techs: Technicians,
        draws: Draws,
        rate: float,
        contract_share: float,
        level: int,
    ) -> None:
        self.env = env
        self.techs = techs
        self.draws = draws
        self.rate = rate
        self.share = contract_share
        self.level = level
        self.k = 0  # jobs handed over so far
        self._at = 0  # next unused row of the current block
        self._delays: list[float] = []
        self._classes: list[int] = []
        self._works: list[float] = []
        self._pending: tuple[int, float] = (0, 0.0)  # class and work of the next arrival

    def _rows(self, needed: int) -> None:
        """Make sure at least ``needed`` rows are drawn and not used (blocks of draws)."""
        while len(self._delays) - self._at < needed:
            _u, out = self.draws.block()
            keep = slice(self._at, None)
            self._delays = self._delays[keep] + (out[:, 0] / self.rate).tolist()
            self._classes = self._classes[keep] + np.where(out[:, 1] < self.share, 0, 1).tolist()
            self._works = self._works[keep] + out[:, 2].tolist()
            self._at = 0

    def next_arrival(self) -> None:
        """Schedule the next job's arrival (the next row of draws)."""
        self._rows(1)
        i = self._at
        self._at = i + 1
        arrival = self.env.timeout(self._delays[i])
        arrival.callbacks.append(self._arrive)
        self._pending = (self._classes[i], self._works[i])

    def _arrive(self, _event: simpy.Event) -> None:
        now = self.env.now
        queue_class, work = self._pending
        key = (queue_class, self.level, now, -1 - self.k)
        self.k += 1
        opens = self.techs.closed_until(now)
        night = self._until_opening(now, opens) if opens is not None else None
        if night is None:
            self.next_arrival()
        self.techs.hold(key, work)
        if night:
            self.techs.hold_before_opening(night)

    def _until_opening(self, now: float, opens: float) -> list[tuple[tuple, float]] | None:
        """The jobs arriving after ``now`` and before the shift ``opens``, as held work.

        The arrival after them is scheduled, at the time the chain of arrivals would
        reach it (the same sum, ``a[k] = a[k - 1] + gap[k] / rate``); ``None`` (nothing
        taken) when no job arrives before the opening or when that time cannot be
        reached exactly from ``now`` in one timeout.
        """
        night: list[tuple[tuple, float]] = []
        t = now
        j = self._at
        while True:
            if j >= len(self._delays):
                self._rows(j - self._at + 1)
                j = self._at + len(night)
            arrival = t + self._delays[j]
            if not arrival < opens:
                break
            night.append(
                ((self._classes[j], self.level, arrival, -1 - self.k - len(night)), self._works[j])
            )
            t = arrival
            j += 1
        delay = arrival - now
        if not night or now + delay != arrival:
            return None
        self.k += len(night)
        self._at = j + 1
        self.env.timeout(delay).callbacks.append(self._arrive)
        self._pending = (self._classes[j], self._works[j])
        return night
