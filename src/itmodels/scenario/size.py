"""How big a run is: the events one replication will process, estimated before it starts.

A scenario can be valid and still far too big to simulate (a fleet of 100,000 devices, a
million users with their own incident streams, a rate of a billion incidents a month).
:func:`estimate_events` counts, from the scenario alone, about how many simulation events
one replication of one contract takes; :func:`check_size` refuses a run above the limit
with a :class:`TooManyEventsError` that gives the estimate and how to go ahead anyway.

The limit is :data:`MAX_EVENTS`: 500,000 events per replication, up to about 15 s of one
core for each contract (measured at 28 µs per estimated event on half a million users with
their own incident streams, the costliest mix; the shipped scenarios estimate 1,500 to
7,500). Raise it for one call with the ``max_events=`` argument of
:func:`itmodels.simulate` and :func:`itmodels.run_experiment`, or for every call with the
environment variable ``ITMODELS_MAX_EVENTS``.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np

from itmodels.scenario.errors import ScenarioError
from itmodels.scenario.loading import DeviceClass, Scenario
from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = [
    "EVENTS_PER_BACKGROUND_JOB",
    "MAX_EVENTS",
    "TooManyEventsError",
    "check_size",
    "estimate_events",
    "event_limit",
    "size_parts",
]

#: The most events one replication may take unless the limit is raised.
MAX_EVENTS = 500_000

#: Simulation events per job a technician does (arrival, request, work, release, ...).
EVENTS_PER_JOB = 7.0
#: Per job of another client: no SimPy event of its own (the dispatcher works through
#: them between the simulation's events); its time there is about a tenth of an event's
#: (measured: ~1 us a job against ~25 us an event).
EVENTS_PER_BACKGROUND_JOB = 0.1
#: Per device: its start and end, plus its own random streams, which cost about as much
#: time to set up as another 8 events (measured: ~170 us a device, ~25 us an event).
EVENTS_PER_DEVICE = 10.0


class TooManyEventsError(ScenarioError):
    """A scenario too big to simulate under the event limit (see :func:`check_size`).

    Attributes
    ----------
    estimate : float
        Estimated events of one replication of one contract.
    limit : int
        The limit in force.
    """

    def __init__(self, source: str, estimate: float, limit: int, parts: dict[str, float]) -> None:
        self.estimate = estimate
        self.limit = limit
        biggest = sorted(parts.items(), key=lambda kv: -kv[1])[:3]
        shown = ", ".join(f"{name} ~{_count(n)}" for name, n in biggest if n > 0)
        message = (
            f"one replication would take about {_count(estimate)} simulation events"
            f" (more than the limit of {limit:,}; mostly {shown}). Make the scenario smaller"
            " (fewer devices or users, a shorter horizon, lower rates), or, to go ahead"
            f" anyway, pass max_events={_suggest(estimate)} to simulate/run_experiment or set"
            f" the environment variable ITMODELS_MAX_EVENTS={_suggest(estimate)}"
        )
        super().__init__(source, [("(size)", message)])


def _count(n: float) -> str:
    if not math.isfinite(n) or n >= 1e15:
        return "more than 10^15"
    return f"{n:,.0f}"


def _suggest(n: float) -> str:
    if not math.isfinite(n) or n >= 1e15:
        return "<a bigger number>"
    return str(int(10 ** math.ceil(math.log10(max(n, 1.0)))))


def event_limit(max_events: int | None = None) -> int:
    """The event limit in force: ``max_events``, else ``ITMODELS_MAX_EVENTS``, else the default.

    Raises
    ------
    ValueError
        If the environment variable or ``max_events`` is not a positive whole number.
    """
    if max_events is None:
        text = os.environ.get("ITMODELS_MAX_EVENTS", "").strip().replace("_", "")
        if not text:
            return MAX_EVENTS
        try:
            max_events = int(float(text))
        except (ValueError, OverflowError):
            raise ValueError(
                f"ITMODELS_MAX_EVENTS must be a whole number of events, got {text!r}"
            ) from None
    if isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 1:
        raise ValueError(f"max_events must be a positive whole number, got {max_events!r}")
    return max_events


def _device_failures(cls: DeviceClass, horizon: float) -> float:
    """Expected failures of one device of ``cls`` over the horizon, plus, with
    ``replace_at``, at most one planned replacement per ``replace_at`` hours."""
    planned = 0.0 if cls.replace_at is None else horizon / cls.replace_at
    return planned + _failures(cls, horizon)


def _failures(cls: DeviceClass, horizon: float) -> float:
    repair = cls.repair.mean
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if cls.after_repair == "as_bad_as_old":
            # minimal repair: failures follow the cumulative hazard from the device's age
            start = float(cls.lifetime.sf(cls.age))
            end = float(cls.lifetime.sf(cls.age + horizon))
            ok = start > 0.0 and end > 0.0
            hazard = math.log(start) - math.log(end) if ok else math.inf
            return min(hazard, horizon / repair) if repair > 0 else hazard
        cycle = cls.lifetime.mean + repair
    return horizon / cycle if cycle > 0 else math.inf


def size_parts(scenario: Scenario, contract: str | None = None) -> dict[str, float]:
    """Expected jobs of each kind in one replication of ``contract`` (default: of every
    contract the scenario defines, as if all ran at once)."""
    horizon = scenario.horizon
    months = horizon / HOURS_PER_MONTH
    parts: dict[str, float] = {}
    devices = 0.0
    for cls in scenario.fleet:
        parts[f"fleet {cls.name}"] = cls.count * _device_failures(cls, horizon)
        devices += cls.count
    per = {"user": scenario.client.users, "device": devices, "office": 1}
    for stream in scenario.incident_streams:
        cap = stream.neglect.max_multiplier if stream.neglect is not None else 1.0
        parts[f"stream {stream.name}"] = stream.rate * per[stream.per] * cap * months
    bg = scenario.provider.background_load
    if bg is not None:
        parts["background load"] = bg.jobs_per_month * months
    offers = scenario.contracts if contract is None else {contract: scenario.contracts[contract]}
    for offer, terms in offers.items():
        where = "" if contract is not None else f" ({offer})"
        maintenance = getattr(terms, "maintenance", None)
        for name in ("patching", "preventive"):
            task = getattr(maintenance, name, None)
            if task is not None:
                parts[f"maintenance {name}{where}"] = horizon / task.every
        mon = getattr(terms, "monitoring", None)
        if mon is not None:
            watched = sum(
                d.count for d in scenario.fleet if mon.classes is None or d.name in mon.classes
            )
            parts[f"false alarms{where}"] = mon.false_alarms_per_device_month * watched * months
    return parts


def _events_by_part(parts: dict[str, float]) -> dict[str, float]:
    """Expected events of each kind of job, from the expected jobs (:func:`size_parts`)."""
    return {
        k: (EVENTS_PER_BACKGROUND_JOB if k == "background load" else EVENTS_PER_JOB) * v
        for k, v in parts.items()
    }


def estimate_events(scenario: Scenario, contract: str | None = None) -> float:
    """Estimate the simulation events of one replication of one contract.

    The estimate counts the expected jobs (device failures, stream incidents, other
    clients' jobs, maintenance sessions, false alarms) at about :data:`EVENTS_PER_JOB`
    events each (:data:`EVENTS_PER_BACKGROUND_JOB` for the other clients' jobs), plus
    :data:`EVENTS_PER_DEVICE` a device; on the shipped scenarios it is within a factor
    of 2 of the events counted in a run.  It may be ``inf``.

    Parameters
    ----------
    scenario : Scenario
    contract : str, optional
        The contract simulated (default: the largest of the scenario's contracts).

    Returns
    -------
    float

    Examples
    --------
    >>> import itmodels as itm
    >>> from itmodels.scenario.size import MAX_EVENTS, estimate_events
    >>> estimate_events(itm.load_scenario("small-office")) < MAX_EVENTS
    True
    """
    per_jobs = sum(_events_by_part(size_parts(scenario, contract)).values())
    total = per_jobs + EVENTS_PER_DEVICE * scenario.device_count
    return total if math.isfinite(total) else math.inf


def check_size(
    scenario: Scenario, contract: str | None = None, max_events: int | None = None
) -> float:
    """Refuse a scenario whose replications would take more events than the limit.

    Parameters
    ----------
    scenario : Scenario
    contract : str, optional
        The contract to be simulated (default: the largest).
    max_events : int, optional
        The limit for this call (default: ``ITMODELS_MAX_EVENTS`` or :data:`MAX_EVENTS`).

    Returns
    -------
    float
        The estimate (see :func:`estimate_events`).

    Raises
    ------
    TooManyEventsError
        If the estimate is above the limit; the message says how to go ahead anyway.
    """
    limit = event_limit(max_events)
    estimate = estimate_events(scenario, contract)
    if estimate > limit:
        parts = _events_by_part(size_parts(scenario, contract))
        raise TooManyEventsError(scenario.source, estimate, limit, parts)
    return estimate
