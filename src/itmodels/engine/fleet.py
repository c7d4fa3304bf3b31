"""Devices: lives, failures, warnings caught by monitoring, repair or replacement.

Each device is one SimPy process with its own random stream
(``device/<class>/<index>``).  Its k-th life takes the k-th row of draws, so the two
contracts see the same lifetimes, repair times and parts needs.  The first life honours
the device's initial age by sampling the residual life given survival to that age.

The common life (a new device fails, is reported at once, gets a technician at once and
is repaired in one visit, no order, no warning) runs inline in the device's process;
every other life goes through :func:`_life` and the model's general service flow.  Both
do the same thing, in the same order, to the same numbers.

Age replacement (``replace_at``): a life that would outlast the device's installed age
``replace_at`` ends in a planned replacement instead, ordered at that age and fitted the
first time the office is closed after the new device has arrived (:func:`_ahead`, the
same path as a fix ordered ahead on a monitoring warning).  The life's draws are the same
either way, so the k-th life takes the k-th row whatever the policy (common random
numbers across policies).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from itmodels.engine.draws import Draws, ppf_or_zero
from itmodels.engine.flow import ServiceFlow
from itmodels.engine.jobs import MAINTENANCE_LEVEL, PRIORITY_LEVEL, Job, Proc
from itmodels.scenario import DeviceClass

__all__ = ["start"]

# columns of a device's draws
LIFE, WARN_U, LEAD, DETECT_U, WORK, REMOTE_U, PARTS_U, PARTS_LEAD, PARTS_COST = range(9)
BEYOND_U, REPL_LEAD, TRAVEL1, TRAVEL2, DEFER = 9, 10, 11, 12, slice(13, 17)

NAN = math.nan


def start(model: ServiceFlow) -> None:
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
        users = model.scn.users_of(cls.users_affected)
        for index in range(cls.count):
            draws = model.streams.draws(f"device/{cls.name}/{index}", transforms)
            origin = model.incidents.add_origin((cls.name, index, users, cls.productivity_loss))
            model.env.process(_device(model, cls, origin, draws, monitored))


def _job(cls: DeviceClass, row: Sequence[float], installed_for: float) -> Job:
    """The repair the k-th failure needs: replacement, parts, or plain work.

    ``installed_for`` is the device's age at the failure counted from its installation
    (its initial age included, not reset by repairs): what ``max_age`` is compared with.
    """
    job = Job(row[WORK], row[REMOTE_U] < cls.remote_fix_probability, (row[TRAVEL1], row[TRAVEL2]))
    worn_out = cls.max_age is not None and installed_for >= cls.max_age
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


def _planned_job(cls: DeviceClass, row: Sequence[float]) -> Job:
    """The planned replacement of a device at age ``replace_at``: the device is ordered
    at ``planned_replacement_cost`` and fitted in one visit of the class's repair work."""
    job = Job(row[WORK], row[REMOTE_U] < cls.remote_fix_probability, (row[TRAVEL1], row[TRAVEL2]))
    job.order_category = "hardware"
    job.order_cost = cls.planned_cost if cls.planned_cost is not None else 0.0
    job.order_lead = row[REPL_LEAD]
    return job


def _detection(model: ServiceFlow, monitored: bool) -> float:
    mon = model.contract.monitoring
    return mon.detection_probability if mon is not None and monitored else 0.0


def _plain(cls: DeviceClass, detection: float, u: np.ndarray, out: np.ndarray) -> list[bool]:
    """Which rows of a block make a plain life for a new device: no warning, no order.

    The same tests as :func:`_life` and :func:`_job` make, for a device installed when
    this life starts; the caller sends a device installed earlier past ``max_age``
    to the general path.
    """
    n = len(u)
    plain = np.ones(n, dtype=bool)
    warning = cls.warning
    if warning is not None and detection > 0:
        plain &= ~((u[:, WARN_U] < warning.probability) & (u[:, DETECT_U] < detection))
    if cls.replacement_cost is not None:
        beyond = u[:, BEYOND_U] < cls.beyond_repair_probability
        if cls.max_age is not None:
            beyond |= out[:, LIFE] >= cls.max_age
        plain &= ~beyond
    if cls.parts_probability > 0:
        plain &= ~(u[:, PARTS_U] < cls.parts_probability)
    return plain.tolist()


def _device(
    model: ServiceFlow, cls: DeviceClass, origin: int, draws: Draws, monitored: bool
) -> Proc:
    env = model.env
    horizon = model.horizon
    techs = model.techs
    request = techs.request
    release = techs.release
    timeout = env.timeout
    tab = model.incidents
    new_kind, new_origin, new_priority = tab.kind.append, tab.origin.append, tab.priority.append
    new_occurred, new_reported = tab.occurred.append, tab.reported.append
    new_responded, new_restored, new_remote = (
        tab.responded.append,
        tab.restored.append,
        tab.remote.append,
    )
    responded, restored, remote = tab.responded, tab.restored, tab.remote
    log_visit = model.visit_log.extend
    record_visit = model.record_visit
    priority = cls.priority
    queue_class, level = model.queue_class, PRIORITY_LEVEL[priority]
    detection = _detection(model, monitored)
    renew = cls.after_repair == "as_good_as_new"
    remote_p = cls.remote_fix_probability
    has_travel = model.has_travel
    tech_always = model.tech_always
    # lives that may run inline: reported at once, a technician may be asked for at once
    inline = (monitored or model.reports_at_once(priority)) and (
        model.after_hours[priority] or tech_always
    )
    may_not_be_plain = (
        (cls.warning is not None and detection > 0)
        or cls.replacement_cost is not None
        or cls.parts_probability > 0
    )
    max_age = cls.max_age
    replace_at = cls.replace_at
    age = cls.age  # the age the lifetime distribution sees (reset by as-good-as-new repairs)
    installed_at = -cls.age  # when the device was installed (reset only by a replacement)
    while True:
        u, out = draws.block()
        n = len(u)
        if inline:
            lives = out[:, LIFE].tolist()
            works = out[:, WORK].tolist()
            fixed_remotely = (u[:, REMOTE_U] < remote_p).tolist()
            travels = out[:, TRAVEL1].tolist() if has_travel else None
            plain = _plain(cls, detection, u, out) if may_not_be_plain else None
        for j in range(n):
            if (
                age > 0
                or not inline
                or (plain is not None and not plain[j])
                or (max_age is not None and env.now + lives[j] - installed_at >= max_age)
                or (replace_at is not None and env.now + lives[j] - installed_at >= replace_at)
            ):
                row, life_u = out[j].tolist(), float(u[j, LIFE])
                after = yield from _life(
                    model, cls, origin, monitored, detection, row, life_u, age, installed_at
                )
                if after is None:
                    return
                age, installed_at = after
                continue
            # ---- the plain life, inline (as _life -> ServiceFlow.fix -> ServiceFlow.visit)
            life = lives[j]
            if env.now + life >= horizon:
                return
            yield timeout(life)
            now = env.now
            ident = len(remote)
            new_kind("hardware")
            new_origin(origin)
            new_priority(priority)
            new_occurred(now)
            new_reported(now)
            new_responded(NAN)
            new_restored(NAN)
            new_remote(fixed_remotely[j])
            work = works[j]
            req = request(priority=(queue_class, level, now, ident))
            yield req
            start = env.now
            onsite = not fixed_remotely[j]
            responded[ident] = start  # = max(start, reported): asked at ``now``
            there = travels[j] if onsite and travels is not None else 0.0
            yield timeout(there + work)
            if there > 0:
                model.release_after(there, req)
                record_visit(ident, "repair", start, work, 2.0 * there, onsite)
            elif tech_always:
                release(req)
                end = start + work + 0.0
                log_visit((ident, "repair", start, end, work, 0.0, onsite, False, 0.0))
            else:
                release(req)
                record_visit(ident, "repair", start, work, 0.0, onsite)
            restored[ident] = env.now
            age = 0.0 if renew else age + life


def _life(
    model: ServiceFlow,
    cls: DeviceClass,
    origin: int,
    monitored: bool,
    detection: float,
    row: list[float],
    life_u: float,
    age: float,
    installed_at: float,
) -> Proc:
    """One life of a device, in general.

    Returns the age after it and the time the device was installed (the end of this
    repair if it replaced the device), or None at the end.  A life that outlasts the
    installed age ``replace_at`` ends in a planned replacement instead (see the module).
    """
    env = model.env
    tab = model.incidents
    warning = cls.warning
    life = float(cls.lifetime.residual_ppf(life_u, age)) if age > 0 else row[LIFE]
    t_fail = env.now + life
    due = math.inf if cls.replace_at is None else max(env.now, installed_at + cls.replace_at)
    planned = due < t_fail
    if min(due, t_fail) >= model.horizon:
        return None
    cycle_start = env.now
    warned = (
        not planned
        and warning is not None
        and row[WARN_U] < warning.probability
        and row[DETECT_U] < detection
    )
    if planned:
        job = _planned_job(cls, row)
        ident = yield from _ahead(model, cls, origin, job, due, t_fail, planned=True)
    elif warned:
        job = _job(cls, row, t_fail - installed_at)
        t_warn = max(env.now, t_fail - row[LEAD])
        ident = yield from _ahead(model, cls, origin, job, t_warn, t_fail)
    else:
        job = _job(cls, row, t_fail - installed_at)
        yield env.timeout(life)
        ident = model.new_incident("hardware", origin, cls.priority, env.now)
        model.drawn(ident, job)
        if monitored or model.reports_at_once(cls.priority):
            tab.reported[ident] = tab.occurred[ident]
        else:
            yield from model.report(ident, row[DEFER], monitored)
        yield from model.fix(ident, job)
    if ident in tab.replaced:
        return 0.0, env.now
    if cls.after_repair == "as_good_as_new":
        return 0.0, installed_at
    return age + (env.now - cycle_start if tab.kind[ident] == "prevented" else life), installed_at


def _ahead(
    model: ServiceFlow,
    cls: DeviceClass,
    origin: int,
    job: Job,
    t_warn: float,
    t_fail: float,
    planned: bool = False,
) -> Proc:
    """Work ordered ahead of a failure, done after hours before it if it can be.

    Monitoring caught a warning (``planned`` false: a ``"prevented"`` incident, a
    ``"preventive"`` visit at the device's priority), or the device reached its
    replacement age (``planned``: a ``"planned"`` incident whose visit is a ``"repair"``
    billed as the offer bills repairs, queued behind every incident).  Order at
    ``t_warn``, fix after hours, before ``t_fail``.

    Returns the incident's id: its kind stays ``"prevented"`` or ``"planned"`` if the
    work was done in time, else it becomes ``"hardware"``, a failure served with the
    parts or device already ordered.
    """
    env = model.env
    tab = model.incidents
    if t_warn > env.now:
        yield env.timeout(t_warn - env.now)
    kind = "planned" if planned else "prevented"
    ident = model.new_incident(kind, origin, cls.priority, math.nan, env.now)
    model.drawn(ident, job)
    if not planned:
        tab.detected.add(ident)
    if job.order_category is not None:
        model.order(ident, job)
    ready = env.now if job.parts_ready is None else job.parts_ready
    client = model.client_hours
    window = ready if client.always_open else client.next_closed(ready)
    if window < t_fail:
        yield env.timeout(window - env.now)
        level = MAINTENANCE_LEVEL if planned else None
        key = model.queue_key(cls.priority, tab.reported[ident], ident, level=level)
        req = model.techs.request(priority=key)
        got = yield req | env.timeout(t_fail - env.now)
        if req in got:
            there = 0.0 if job.remote or not model.has_travel else job.travels[0]
            if env.now + there + job.work > t_fail:
                env.timeout(t_fail - env.now).callbacks.append(
                    lambda _e: _fail(model, ident, t_fail)
                )
            visit = "repair" if planned else "preventive"
            yield from model.visit(ident, visit, key, True, job.work, job, req)
            tab.restored[ident] = env.now
            return ident
        if req.triggered:
            model.techs.release(req)
        else:
            req.cancel()
    if t_fail > env.now:
        yield env.timeout(t_fail - env.now)
    _fail(model, ident, t_fail)
    yield from model.fix(ident, job)
    return ident


def _fail(model: ServiceFlow, ident: int, t_fail: float) -> None:
    """The warned device failed before the fix was done."""
    tab = model.incidents
    tab.kind[ident] = "hardware"
    tab.occurred[ident] = t_fail
    tab.reported[ident] = t_fail
    if not math.isnan(tab.responded[ident]):
        tab.responded[ident] = t_fail
