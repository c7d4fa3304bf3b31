"""Services around incidents: maintenance, false alarms, other clients' work (started
here, fed by :mod:`~itmodels.engine.background`), and the SLA breaches of each month,
judged at the end of a run (the money is billed from them by :mod:`itmodels.engine.billing`).
"""

from __future__ import annotations

import math

from itmodels.engine import background
from itmodels.engine.draws import exp1
from itmodels.engine.flow import ServiceFlow
from itmodels.engine.jobs import MAINTENANCE_LEVEL, Proc
from itmodels.scenario import MaintenanceTask
from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = ["months", "settle", "start"]


def months(horizon: float) -> int:
    """Number of months that start before the horizon (each is billed a full fee)."""
    return max(math.ceil(horizon / HOURS_PER_MONTH - 1e-9), 1)


def start(model: ServiceFlow) -> None:
    """Start maintenance, false-alarm and background-load processes as the scenario says."""
    maint = model.contract.maintenance
    if maint is not None:
        for name in ("patching", "preventive"):
            task = getattr(maint, name)
            if task is not None:
                model.env.process(_maintenance(model, name, task))
    mon = model.contract.monitoring
    if mon is not None and mon.false_alarms_per_device_month > 0:
        model.env.process(_false_alarms(model))
    background.start(model)


def _maintenance(model: ServiceFlow, name: str, task: MaintenanceTask) -> Proc:
    """Every ``task.every`` hours from the start, one remote session after hours."""
    env = model.env
    work = model.streams.draws(f"maintenance/{name}", [task.work.ppf])
    k = 0
    while True:
        due = k * task.every
        if due >= model.horizon:
            return
        if due > env.now:
            yield env.timeout(due - env.now)
        env.process(_maintenance_session(model, name, work.next()[0], k))
        k += 1


def _maintenance_session(model: ServiceFlow, name: str, work: float, k: int) -> Proc:
    env = model.env
    client = model.client_hours
    window = env.now if client.always_open else client.next_closed(env.now)
    if window > env.now:
        yield env.timeout(window - env.now)
    key = model.queue_key("P4", env.now, -1 - k, level=MAINTENANCE_LEVEL)
    yield from model.visit(-1, "maintenance", key, True, work, None)
    model.last_maintenance[name] = env.now


def _false_alarms(model: ServiceFlow) -> Proc:
    """Alerts with nothing wrong: a remote check in working hours, no downtime."""
    env = model.env
    mon = model.contract.monitoring
    assert mon is not None and mon.false_alarm_work is not None
    watched = sum(d.count for d in model.scn.fleet if model.contract.monitors(d.name))
    rate = mon.false_alarms_per_device_month * watched / HOURS_PER_MONTH
    if rate <= 0:
        return
    draws = model.streams.draws("monitoring/false_alarms", [exp1, mon.false_alarm_work.ppf])
    k = 0
    while True:
        gap, work = draws.next()
        yield env.timeout(gap / rate)
        key = model.queue_key("P4", env.now, -1 - k)
        env.process(_remote_check(model, key, work))
        k += 1


def _remote_check(model: ServiceFlow, key: tuple, work: float) -> Proc:
    yield from model.visit(-1, "false_alarm", key, False, work, None)


def settle(model: ServiceFlow) -> None:
    """Judge SLA responses: count each month's breaches (``model.breaches``).

    The fees, tools and credits that follow are billed with the rest of the run
    (:func:`~itmodels.engine.billing.bill`), so that a run can be billed again.
    """
    n = months(model.horizon)
    breaches = [0] * n
    model.breaches = breaches
    sla = model.contract.sla
    if sla is None:
        return
    client = model.client_hours
    tab = model.incidents
    for ident in range(len(tab)):
        priority = tab.priority[ident]
        reported = tab.reported[ident]
        target = sla.response.get(priority)  # type: ignore[call-overload]
        if tab.kind[ident] in ("prevented", "planned") or target is None or math.isnan(reported):
            continue
        if priority in sla.around_the_clock:
            deadline = reported + target
        else:
            deadline = client.add_open_hours(reported, target)
        tab.sla_deadline[ident] = deadline
        responded = tab.responded[ident]
        late = responded > deadline + 1e-9 if not math.isnan(responded) else None
        if late is None:
            late = deadline < model.horizon
        if late:
            tab.sla_breached.add(ident)
            breaches[min(int(deadline // HOURS_PER_MONTH), n - 1)] += 1
