"""The service flow every incident goes through, and the state of one replication.

An incident is *reported* (at once when a monitored device alerts, otherwise when staff
notice it inside business hours; a break-fix client may defer a minor one), then
*fixed* in one or two technician visits (two when parts or a replacement must be
ordered after diagnosis), then *restored*.  Technicians are a small dispatcher
(:class:`~itmodels.engine.technicians.Technicians`); the queue key is
``(contract class, priority, report time, incident id)``, so contract clients come
before pay-per-call clients, higher priority first, then first come first served.

No money is written during the run: visits and parts or hardware orders are logged, and
the whole run is billed after it ends (:func:`~itmodels.engine.billing.bill`, in one
vectorised pass), so that it can be billed again under other bill terms.  The ledger
keeps the rows in the order billing each order and visit as it happened would have
written them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from typing import Any

import numpy as np
import simpy

from itmodels.contracts.base import Contract
from itmodels.engine.billing import bill
from itmodels.engine.draws import Streams
from itmodels.engine.jobs import NAN, PRIORITY_LEVEL, Job, Proc
from itmodels.engine.records import BillingLog, Records
from itmodels.engine.technicians import Request, Technicians
from itmodels.scenario import Scenario

__all__ = ["ServiceFlow"]


class ServiceFlow:
    """The state of one replication and the service flow every incident goes through.

    The processes (:mod:`~itmodels.engine.fleet`, :mod:`~itmodels.engine.incidents`,
    :mod:`~itmodels.engine.services`) act on it; :class:`~itmodels.engine.model.Model`
    starts them.

    Incidents are rows of :class:`~itmodels.engine.records.Incidents` and are referred
    to by id.  Visits are appended to a flat log; their money rows are billed in one
    pass after the run (:meth:`bill_visits`), in the order per-visit billing would give.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    contract : Contract
        The pricing policy.
    streams : Streams
        Named random streams of this replication.
    env : simpy.Environment, optional
        The environment to run in (default: a new one).  A provider's book runs every
        client's flow in one environment (:mod:`itmodels.engine.book`).
    techs : Technicians, optional
        The technicians to share (default: the scenario's own, in ``env``).
    """

    def __init__(
        self,
        scenario: Scenario,
        contract: Contract,
        streams: Streams,
        env: simpy.Environment | None = None,
        techs: Technicians | None = None,
    ) -> None:
        self.scn = scenario
        self.contract = contract
        self.streams = streams
        self.env = simpy.Environment() if env is None else env
        self.horizon = scenario.horizon
        self.client_hours = scenario.client.business_hours
        self.tech_hours = scenario.technician_hours
        self.client_always = self.client_hours.always_open
        self.queue_class = contract.queue_class
        self.after_hours = {p: contract.works_after_hours(p) for p in PRIORITY_LEVEL}
        deferral = contract.deferral
        self.instant_report = {
            p: self.client_always and (deferral is None or p not in deferral.priorities)
            for p in PRIORITY_LEVEL
        }
        self.tech_always = self.tech_hours.always_open
        hours = self.tech_hours
        if techs is None:
            techs = Technicians(
                self.env,
                capacity=scenario.provider.technicians,
                is_open=None if self.tech_always else hours.is_open,
                next_open=None if self.tech_always else hours.next_open,
                next_closed=None if self.tech_always else hours.next_closed,
            )
        self.techs = techs
        self.rec = Records()
        self.incidents = self.rec.incidents
        self.visit_log = self.rec.visit_log
        self.ledger = self.rec.ledger
        self.ledger.follow(self.rec.visit_count)
        self.has_travel = scenario.provider.travel is not None
        #: incidents whose job needs an order: (id, "parts" or "hardware")
        self._orders: list[tuple[int, str]] = []
        #: parts and hardware orders, see :class:`~itmodels.engine.billing.BillingLog`
        self.order_log: list[tuple[float, str, float, int, int]] = []
        #: SLA breaches per month, set when the run is settled
        self.breaches: list[int] = []
        #: time of the last completed maintenance of each kind (None: never)
        self.last_maintenance: dict[str, float | None] = {"patching": None, "preventive": None}

    # ------------------------------------------------------------------ incidents
    def new_incident(
        self, kind: str, origin: int, priority: str, occurred: float, reported: float = NAN
    ) -> int:
        """Record a new incident; returns its id.

        ``origin`` is the index of its ``(source, device, users_affected,
        productivity_loss)``, see :meth:`~itmodels.engine.records.Incidents.add_origin`.
        """
        return self.incidents.new(kind, origin, priority, occurred, reported)

    def drawn(self, ident: int, job: Job) -> None:
        """Note what incident ``ident`` was drawn to need (remote fix, an order).

        The incident log shows the draw even if the incident is not served by the horizon.
        """
        self.incidents.remote[ident] = job.remote
        if job.order_category is not None:
            self._orders.append((ident, job.order_category))

    def report(
        self,
        ident: int,
        row: Sequence[float],
        monitored: bool,
        loss_for: Callable[[str], float | None] | None = None,
    ) -> Proc:
        """Wait until incident ``ident`` is reported to the provider.

        ``row`` holds the deferral draws ``(defer_u, delay_u, esc_u, esc_time_u)``;
        ``loss_for`` gives the productivity loss of a priority, used on escalation.
        """
        env = self.env
        tab = self.incidents
        if monitored:
            tab.reported[ident] = env.now
            return
        noticed = self.client_hours.next_open(env.now)
        deferral = self.contract.deferral
        defer_u, delay_u, esc_u, esc_time_u = row
        if (
            deferral is not None
            and tab.priority[ident] in deferral.priorities
            and defer_u < deferral.probability
        ):
            tab.deferred.add(ident)
            delay = float(deferral.delay.ppf(delay_u))
            if esc_u < deferral.escalation_probability:
                at = noticed + esc_time_u * delay
                yield env.timeout(at - env.now)
                tab.escalated.add(ident)
                tab.escalated_at[ident] = at
                tab.priority[ident] = deferral.escalate_to
                loss = deferral.escalation_productivity_loss
                if loss is None and loss_for is not None:
                    loss = loss_for(deferral.escalate_to)
                tab.escalated_loss[ident] = tab.productivity_loss(ident) if loss is None else loss
                noticed = self.client_hours.next_open(at)
            else:
                noticed = self.client_hours.next_open(noticed + delay)
        if noticed > env.now:
            yield env.timeout(noticed - env.now)
        tab.reported[ident] = env.now

    def escalation_work(self, ident: int) -> float:
        """The work multiplier for an escalated incident (1 otherwise)."""
        deferral = self.contract.deferral
        escalated = ident in self.incidents.escalated
        return deferral.escalation_work_multiplier if escalated and deferral else 1.0

    def fix(self, ident: int, job: Job) -> Proc:
        """Serve the incident: one visit, or two around a parts/hardware order."""
        tab = self.incidents
        work = job.work * self.escalation_work(ident) if ident in tab.escalated else job.work
        priority = tab.priority[ident]
        after_hours_ok = self.after_hours[priority]
        key = (self.queue_class, PRIORITY_LEVEL[priority], tab.reported[ident], ident)
        if job.order_category is not None and job.parts_ready is None:
            yield from self.visit(ident, "repair", key, after_hours_ok, 0.5 * work, job)
            self.order(ident, job)
            yield from self.visit(ident, "repair", key, after_hours_ok, 0.5 * work, job)
        else:
            yield from self.visit(ident, "repair", key, after_hours_ok, work, job)
        tab.restored[ident] = self.env.now

    def reports_at_once(self, priority: str) -> bool:
        """True when an unmonitored incident is reported the moment it occurs."""
        return self.instant_report[priority]

    def order(self, ident: int, job: Job) -> None:
        """Order parts or a replacement device: log it (billed after the run, see
        :meth:`bill_visits`), note when it arrives."""
        now = self.env.now
        job.parts_ready = now + job.order_lead
        category = job.order_category or "parts"
        (self.incidents.replaced if category == "hardware" else self.incidents.parts).add(ident)
        self.order_log.append((now, category, job.order_cost, ident, self.rec.visit_count()))

    # ------------------------------------------------------------------ technicians
    def queue_key(self, priority: str, reported: float, ident: int, level: int | None = None):
        """Dispatch order: contract class, priority, report time, id."""
        lvl = PRIORITY_LEVEL[priority] if level is None else level
        return (self.queue_class, lvl, reported, ident)

    def acquire(
        self, key: tuple, after_hours_ok: bool, not_before: float | None = None
    ) -> Generator[simpy.Event, Any, Request]:
        """Get a technician who may work now; returns the granted request.

        Work that may only be done in technician hours asks once and waits in the
        dispatcher, which grants it only while the shift is open (in dispatch order).
        """
        env = self.env
        if not_before is not None and not_before > env.now:
            yield env.timeout(not_before - env.now)
        req = self.techs.request(priority=key, anytime=after_hours_ok)
        yield req
        return req

    def release_after(self, delay: float, req: Request) -> None:
        """Release ``req`` in ``delay`` hours (the technician travelling back)."""
        techs = self.techs

        def back(_event: simpy.Event) -> None:
            techs.release(req)

        self.env.timeout(delay).callbacks.append(back)

    def visit(
        self,
        ident: int,
        kind: str,
        key: tuple,
        after_hours_ok: bool,
        work: float,
        job: Job | None,
        req: Request | None = None,
    ) -> Proc:
        """One technician visit: get a technician (unless ``req`` is already granted),
        travel (on-site work), work, release and record the visit.

        ``ident`` is the incident served, or -1 for maintenance and false alarms.  The
        work is done when the technician has travelled there and worked; the technician
        is released after travelling back.  ``job=None`` is remote work; a job whose
        parts are on order waits for them (``job.parts_ready``).
        """
        env = self.env
        if req is None:
            ready = None if job is None else job.parts_ready
            if (after_hours_ok or self.tech_always) and (ready is None or ready <= env.now):
                req = self.techs.request(priority=key)  # the common case, without a detour
                yield req
            else:
                req = yield from self.acquire(key, after_hours_ok, ready)
        start = env.now
        onsite = job is not None and not job.remote
        if ident >= 0:
            tab = self.incidents
            if math.isnan(tab.responded[ident]):
                tab.responded[ident] = max(start, tab.reported[ident])
        there = job.next_travel() if job is not None and onsite and self.has_travel else 0.0
        yield env.timeout(there + work)
        if there > 0:
            self.release_after(there, req)
        else:
            self.techs.release(req)
        self.record_visit(ident, kind, start, work, 2.0 * there, onsite)

    def record_visit(
        self, ident: int, kind: str, start: float, work: float, travel: float, onsite: bool
    ) -> None:
        """Append the visit (its money is billed after the run, see :meth:`bill_visits`)."""
        end = start + work + travel
        if self.tech_always:
            after_hours, overtime = False, 0.0
        else:
            hours = self.tech_hours
            after_hours = not hours.is_open(start)
            overtime = max(end - start - hours.open_hours_between(start, end), 0.0)
        self.visit_log.extend(
            (ident, kind, start, end, work, travel, onsite, after_hours, overtime)
        )

    def billing_log(self) -> BillingLog:
        """What billing needs of this run: visits, orders and SLA breaches per month
        (those are judged by :func:`~itmodels.engine.services.settle`)."""
        return BillingLog(self.rec.visit_columns(), self.order_log, np.asarray(self.breaches))

    def bill_visits(self) -> None:
        """Bill the run (:func:`~itmodels.engine.billing.bill`): orders, every visit's
        charges, wages and travel costs, each month's fee, tools and SLA credit.

        The rows are the ones billing each order and visit as it happened would write, in
        that order, then the months.  The log is kept on the records (``billing``) so the
        run can be billed again under other bill terms.
        """
        log = self.billing_log()
        self.rec.billing = log
        bill(self.ledger, self.contract, self.scn, log)
