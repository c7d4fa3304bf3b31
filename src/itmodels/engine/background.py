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
from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = ["start"]


def start(model: ServiceFlow) -> None:
    """Start the other clients' jobs, if the scenario has any."""
    bg = model.scn.provider.background_load
    if bg is None or bg.jobs_per_month <= 0:
        return
    draws = model.streams.draws("background", [exp1, None, bg.work.ppf])
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
    """The jobs in order of arrival: ``time`` of the next, ``pop()`` for its key and work."""

    __slots__ = (
        "_at",
        "_classes",
        "_delays",
        "_works",
        "draws",
        "k",
        "level",
        "rate",
        "share",
        "time",
    )

    def __init__(
        self, draws: Draws, rate: float, contract_share: float, level: int, start: float
    ) -> None:
        self.draws = draws
        self.rate = rate
        self.share = contract_share
        self.level = level
        self.k = 0  # jobs handed over so far
        self._at = 0  # the next job's row of the current block
        self._delays: list[float] = []
        self._classes: list[int] = []
        self._works: list[float] = []
        self._block()
        self.time = start + self._delays[0]

    def _block(self) -> None:
        _u, out = self.draws.block()
        self._delays = (out[:, 0] / self.rate).tolist()
        self._classes = np.where(out[:, 1] < self.share, 0, 1).tolist()
        self._works = out[:, 2].tolist()
        self._at = 0

    def pop(self) -> tuple[tuple[int, int, float, int], float]:
        """The key and work of the job arriving at ``time``; ``time`` moves to the next."""
        i = self._at
        now = self.time
        key = (self._classes[i], self.level, now, -1 - self.k)
        work = self._works[i]
        self.k += 1
        i += 1
        if i == len(self._delays):
            self._block()
            i = 0
        self._at = i
        self.time = now + self._delays[i]
        return key, work
