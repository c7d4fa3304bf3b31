"""Other clients' work: jobs that take technician time and are not recorded.

The jobs arrive as a Poisson stream (``background_load.jobs_per_month``), each with a
queue class (contract client with probability ``contract_share``), the scenario's
priority and a work time.  The k-th job takes the k-th row of the ``background`` stream
``(gap, class, work)``; rows are drawn and transformed in blocks.

No job has a process of its own: one chain of timeouts brings the arrivals, each job is
handed to the dispatcher with :meth:`~itmodels.engine.technicians.Technicians.hold`
(dispatch key ``(class, level, arrival time, -1 - k)``, in technician hours only), and
the dispatcher gives the technician back when the work is done.  A job therefore costs
two events (its arrival and the end of its work) instead of a process, a request, a
release and their events; the technicians see the same queue at every instant.
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

    def _refill(self) -> None:
        _u, out = self.draws.block()
        self._delays = (out[:, 0] / self.rate).tolist()
        self._classes = np.where(out[:, 1] < self.share, 0, 1).tolist()
        self._works = out[:, 2].tolist()
        self._at = 0

    def next_arrival(self) -> None:
        """Schedule the next job's arrival (the next row of draws)."""
        if self._at >= len(self._delays):
            self._refill()
        i = self._at
        self._at = i + 1
        arrival = self.env.timeout(self._delays[i])
        arrival.callbacks.append(self._arrive)
        self._pending = (self._classes[i], self._works[i])

    def _arrive(self, _event: simpy.Event) -> None:
        queue_class, work = self._pending
        key = (queue_class, self.level, self.env.now, -1 - self.k)
        self.k += 1
        self.next_arrival()
        self.techs.hold(key, work)
