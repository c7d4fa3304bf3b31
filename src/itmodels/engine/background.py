"""Other clients' work: jobs that take technician time and are not recorded.

The jobs arrive as a Poisson stream (``background_load.jobs_per_month``), each with a
queue class (contract client with probability ``contract_share``), the scenario's
priority and a work time.  The k-th job takes the k-th row of the ``background`` stream
``(gap, class, work)``; rows are drawn and transformed in blocks, and the k-th job
arrives at ``a[k] = a[k - 1] + gap[k] / rate`` (the sum a chain of timeouts makes).

No job has a process or an event of its own: the arrivals are a
:class:`~itmodels.engine.technicians.Feed` that the dispatcher takes from as time passes
(:meth:`~itmodels.engine.technicians.Technicians.feed`), with dispatch key
``(class, level, arrival time, -1 - k)``, in technician hours only.  The client's work
meets the same queue at every instant as with one process per job: the same draws,
keys, arrival times and order of grants (``tests/test_background.py`` compares the two).
"""

from __future__ import annotations

import numpy as np

from itmodels.engine.draws import Draws, exp1
from itmodels.engine.flow import ServiceFlow
from itmodels.engine.jobs import PRIORITY_LEVEL
from itmodels.engine.technicians import Lane
from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = ["start"]


def start(model: ServiceFlow) -> None:
    """Start the other clients' jobs, if the scenario has any."""
    bg = model.scn.provider.background_load
    if bg is None or bg.jobs_per_month <= 0:
        return
    # thousands of jobs: large blocks (the same rows, fewer calls)
    draws = model.streams.draws("background", [exp1, None, bg.work.ppf], largest=4096)
    model.techs.feed(
        _Arrivals(
            draws,
            rate=bg.jobs_per_month / HOURS_PER_MONTH,
            contract_share=bg.contract_share,
            level=PRIORITY_LEVEL[bg.priority],
            start=model.env.now,
        )
    )


class _Arrivals:
    """The jobs in order of arrival, one lane per queue class (see
    :class:`~itmodels.engine.technicians.Feed`)."""

    __slots__ = ("draws", "frontier", "k", "lanes", "level", "rate", "share")

    def __init__(
        self, draws: Draws, rate: float, contract_share: float, level: int, start: float
    ) -> None:
        self.draws = draws
        self.rate = rate
        self.share = contract_share
        self.level = level
        # contract clients' jobs, pay-per-call clients': keys (class, level, arrival, -1 - k)
        self.lanes = (Lane((0, level)), Lane((1, level)))
        self.k = 0  # jobs drawn so far
        self.frontier = start  # the arrival time of the last job drawn

    def extend(self) -> None:
        """Draw the next block of jobs into the lanes."""
        _u, out = self.draws.block()
        # a[k] = a[k - 1] + gap[k] / rate, summed in order (accumulate adds one by one);
        # a rate so small that a gap overflows means that job never comes (inf: no more)
        with np.errstate(over="ignore"):
            gaps = out[:, 0] / self.rate
        times = np.add.accumulate(np.concatenate(([self.frontier], gaps)))
        classes = out[:, 1] >= self.share  # 0: a contract client's job, 1: pay-per-call
        works = out[:, 2]
        k = self.k
        for c, lane in enumerate(self.lanes):
            if lane.head > 1024:
                lane.trim()
            rows = np.flatnonzero(classes == c)
            lane.times += times[rows + 1].tolist()
            lane.works += works[rows].tolist()
            lane.ids += (-1 - k - rows).tolist()
        self.k = k + len(out)
        self.frontier = float(times[-1])
