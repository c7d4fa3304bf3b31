"""The other clients' work as the engine first ran it: one SimPy process per job.

Kept only as the reference that ``tests/test_background.py`` and
``benchmarks/bench_background.py`` compare :mod:`itmodels.engine.background` with: each
job is a process that asks the dispatcher for a technician (``ServiceFlow.acquire``),
works and releases it, with the same draws, keys and order of requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from itmodels.engine import background
from itmodels.engine.draws import exp1
from itmodels.engine.flow import ServiceFlow
from itmodels.engine.jobs import PRIORITY_LEVEL, Proc
from itmodels.scenario.units import HOURS_PER_MONTH


def start(model: ServiceFlow) -> None:
    """Start the process-per-job background load (the engine's former ``services`` code)."""
    if model.scn.provider.background_load is not None:
        model.env.process(_background(model))


def _background(model: ServiceFlow) -> Proc:
    env = model.env
    bg = model.scn.provider.background_load
    assert bg is not None
    rate = bg.jobs_per_month / HOURS_PER_MONTH
    if rate <= 0:
        return
    draws = model.streams.draws("background", [exp1, None, bg.work.ppf])
    level = PRIORITY_LEVEL[bg.priority]
    k = 0
    while True:
        gap, class_u, work = draws.next()
        yield env.timeout(gap / rate)
        queue_class = 0 if class_u < bg.contract_share else 1
        env.process(_other_job(model, (queue_class, level, env.now, -1 - k), work))
        k += 1


def _other_job(model: ServiceFlow, key: tuple, work: float) -> Proc:
    env = model.env
    req = yield from model.acquire(key, False)
    yield env.timeout(work)
    model.techs.release(req)


@contextmanager
def process_per_job() -> Iterator[None]:
    """Within the block, the engine runs the other clients' work one process per job."""
    fast = background.start
    background.start = start  # type: ignore[assignment]
    try:
        yield
    finally:
        background.start = fast  # type: ignore[assignment]
