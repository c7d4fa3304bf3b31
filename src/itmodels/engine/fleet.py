"""Devices: lives, failures, warnings caught by monitoring, repair or replacement.

Each device is one SimPy process with its own random stream
(``device/<class>/<index>``).  Its k-th life takes the k-th row of draws, so the two
contracts see the same lifetimes, repair times and parts needs.  The first life honours
the device's initial age by sampling the residual life given survival to that age.
"""

from __future__ import annotations

import math

from itmodels.engine.draws import Draws, ppf_or_zero
from itmodels.engine.model import Job, Model, Proc
from itmodels.engine.records import Incident
from itmodels.scenario import DeviceClass

__all__ = ["start"]

# columns of a device's draws
LIFE, WARN_U, LEAD, DETECT_U, WORK, REMOTE_U, PARTS_U, PARTS_LEAD, PARTS_COST = range(9)
BEYOND_U, REPL_LEAD, TRAVEL1, TRAVEL2, DEFER = 9, 10, 11, 12, slice(13, 17)


def start(model: Model) -> None:
    """Start one process per device."""
    travel = model.scn.provider.travel
    for cls in model.scn.fleet:
        warning = cls.warning
        transforms = [
            cls.lifetime.ppf,
            None,
            ppf_or_zero(warning.lead_time if warning else None),
            None,
            cls.repair.ppf,
            None,
            None,
            ppf_or_zero(cls.parts_lead_time),
            ppf_or_zero(cls.parts_cost),
            None,
            ppf_or_zero(cls.replacement_lead_time),
            ppf_or_zero(travel),
            ppf_or_zero(travel),
            None,
            None,
            None,
            None,
        ]
        monitored = model.contract.monitors(cls.name)
        for index in range(cls.count):
            draws = model.streams.draws(f"device/{cls.name}/{index}", transforms)
            model.env.process(_device(model, cls, index, draws, monitored))


def _job(cls: DeviceClass, row: tuple[float, ...], age_at_failure: float) -> Job:
    """The repair the k-th failure needs: replacement, parts, or plain work."""
    job = Job(row[WORK], row[REMOTE_U] < cls.remote_fix_probability, (row[TRAVEL1], row[TRAVEL2]))
    worn_out = cls.max_age is not None and age_at_failure >= cls.max_age
    if cls.replacement_cost is not None and (
        row[BEYOND_U] < cls.beyond_repair_probability or worn_out
    ):
        job.order_category = "hardware"
        job.order_cost = cls.replacement_cost
        job.order_lead = row[REPL_LEAD]
    elif row[PARTS_U] < cls.parts_probability:
        job.order_category = "parts"
        job.order_cost = row[PARTS_COST]
        job.order_lead = row[PARTS_LEAD]
    return job


def _device(model: Model, cls: DeviceClass, index: int, draws: Draws, monitored: bool) -> Proc:
    env = model.env
    users = model.scn.users_of(cls.users_affected)
    mon = model.contract.monitoring
    detection = mon.detection_probability if mon is not None and monitored else 0.0
    warning = cls.warning
    age = cls.age
    while True:
        row = draws.next()
        if age > 0:
            life = float(cls.lifetime.residual_ppf(draws.last_uniforms()[LIFE], age))
        else:
            life = row[LIFE]
        t_fail = env.now + life
        if t_fail >= model.horizon:
            return
        cycle_start = env.now
        job = _job(cls, row, age + life)
        warned = (
            warning is not None and row[WARN_U] < warning.probability and row[DETECT_U] < detection
        )
        if warned:
            t_warn = max(env.now, t_fail - row[LEAD])
            inc = yield from _preventive(model, cls, index, users, job, t_warn, t_fail)
        else:
            yield env.timeout(life)
            inc = model.new_incident(
                "hardware", cls.name, index, cls.priority, users, cls.productivity_loss, env.now
            )
            if monitored or model.reports_at_once(inc.priority):
                inc.reported = inc.occurred
            else:
                yield from model.report(inc, row[DEFER], monitored)
            yield from model.fix(inc, job)
        if inc.replaced or cls.after_repair == "as_good_as_new":
            age = 0.0
        else:
            age += env.now - cycle_start if inc.kind == "prevented" else life


def _preventive(
    model: Model,
    cls: DeviceClass,
    index: int,
    users: int,
    job: Job,
    t_warn: float,
    t_fail: float,
) -> Proc:
    """Monitoring caught a warning: order ahead, fix after hours, before the failure.

    Returns the incident: ``kind == "prevented"`` if the fix was done in time, else a
    ``"hardware"`` failure served with the parts already ordered.
    """
    env = model.env
    if t_warn > env.now:
        yield env.timeout(t_warn - env.now)
    inc = model.new_incident(
        "prevented", cls.name, index, cls.priority, users, cls.productivity_loss, math.nan
    )
    inc.detected = True
    inc.reported = env.now
    if job.order_category is not None:
        model.order(inc, job)
    ready = env.now if job.parts_ready is None else job.parts_ready
    client = model.client_hours
    window = ready if client.always_open else client.next_closed(ready)
    if window < t_fail:
        yield env.timeout(window - env.now)
        key = model.queue_key(cls.priority, inc.reported, inc.incident_id)
        req = model.techs.request(priority=key)
        got = yield req | env.timeout(t_fail - env.now)
        if req in got:
            there = 0.0 if job.remote or not model.has_travel else job.travels[0]
            if env.now + there + job.work > t_fail:
                env.timeout(t_fail - env.now).callbacks.append(lambda _e: _fail(inc, t_fail))
            yield from model.visit(inc, "preventive", key, True, job.work, job, req)
            inc.restored = env.now
            return inc
        if req.triggered:
            model.techs.release(req)
        else:
            req.cancel()
    if t_fail > env.now:
        yield env.timeout(t_fail - env.now)
    _fail(inc, t_fail)
    yield from model.fix(inc, job)
    return inc


def _fail(inc: Incident, t_fail: float) -> None:
    """The warned device failed before the fix was done."""
    inc.kind = "hardware"
    inc.occurred = t_fail
    inc.reported = t_fail
    if not math.isnan(inc.responded):
        inc.responded = t_fail
