"""The metrics of one run, computed from its ledger, incident log and visits.

Money metrics are sums over the ledger.  Downtime cost is not cash: it is the user-hours
lost inside business hours (users affected x productivity loss x business hours down)
times the value of a user-hour, plus the revenue lost per business hour while the whole
office is down (the union of office-down periods, so overlaps count once), plus, for
device classes with a ``revenue_share`` (a till), that share of the revenue per business
hour while one such device is down.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from itmodels.engine.records import Incident, Records
from itmodels.scenario import Scenario
from itmodels.units import HOURS_PER_MONTH

__all__ = ["METRICS", "MONTHLY_MONEY", "compute_metrics", "monthly_money"]

METRICS = (
    "client_cash_cost",
    "downtime_cost",
    "client_total_cost",
    "provider_revenue",
    "provider_cost",
    "provider_margin",
    "device_downtime_hours",
    "user_downtime_hours",
    "incidents",
    "hardware_failures",
    "failures_prevented",
    "mean_response_hours",
    "mean_time_to_restore_hours",
    "technician_hours",
    "sla_breaches",
    "p90_time_to_restore_hours",
    "planned_work_hours",
    "planned_work_after_hours",
)


#: Visit kinds that are planned work (not a response to an incident).
PLANNED_WORK = ("maintenance", "preventive")

#: Ledger sums per month: client-paid categories, credits, and the totals.
MONTHLY_MONEY = (
    "fee",
    "labour",
    "trip",
    "parts",
    "hardware",
    "sla_credit",
    "client_cash",
    "provider_revenue",
    "provider_cost",
)


def _phases(inc: Incident, end: float) -> list[tuple[float, float, float]]:
    """``(start, end, productivity loss)`` pieces of an incident's disruption."""
    if inc.escalated and inc.escalated_at < end:
        return [
            (inc.occurred, inc.escalated_at, inc.productivity_loss),
            (inc.escalated_at, end, inc.escalated_loss),
        ]
    return [(inc.occurred, end, inc.productivity_loss)]


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of intervals as disjoint sorted intervals."""
    merged: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _spread(
    a: float, b: float, weight: float, measure: Callable[[float, float], float], out: list[float]
) -> None:
    """Add ``weight * measure`` of the pieces of ``[a, b)`` to their months in ``out``."""
    m = int(a // HOURS_PER_MONTH)
    while a < b and m < len(out):
        e = min(b, (m + 1) * HOURS_PER_MONTH)
        out[m] += weight * measure(a, e)
        a = e
        m += 1


def monthly_money(records: Records, n_months: int) -> np.ndarray:
    """Ledger sums per month, columns :data:`MONTHLY_MONEY` (shape ``(n_months, k)``)."""
    out = np.zeros((n_months, len(MONTHLY_MONEY)))
    col = {c: i for i, c in enumerate(MONTHLY_MONEY)}
    cash, revenue, cost = col["client_cash"], col["provider_revenue"], col["provider_cost"]
    for time, payer, payee, category, amount, _ in records.ledger.rows:
        m = min(int(time // HOURS_PER_MONTH), n_months - 1)
        row = out[m]
        if payer == "client":
            row[col[category]] += amount
            row[cash] += amount
            row[revenue] += amount
        elif payee == "client":
            row[col[category]] += amount
            row[cash] -= amount
            row[revenue] -= amount
        else:
            row[cost] += amount
    return out


def compute_metrics(
    scenario: Scenario, records: Records, monthly: list[float] | None = None
) -> dict[str, float]:
    """Every metric named in :data:`METRICS` for one run.

    Parameters
    ----------
    scenario : Scenario
        The scenario that was run.
    records : Records
        What the run recorded.
    monthly : list of float, optional
        If given (one zero per month of the horizon), the downtime cost of each month is
        added into it.

    Returns
    -------
    dict of str to float
        Metric name to value, in :data:`METRICS` order.  Means over no incidents are NaN.
    """
    horizon = scenario.horizon
    client = scenario.client
    hours = client.business_hours
    open_hours = hours.open_hours_between
    totals = records.ledger.totals()

    value = client.user_hour_value
    per_hour = client.revenue_per_hour_down
    till_share = {d.name: d.revenue_share for d in scenario.fleet if d.revenue_share > 0}
    revenue_lost = 0.0
    device_down = user_down = 0.0
    office_down: list[tuple[float, float]] = []
    n_incidents = n_hardware = n_prevented = n_breaches = 0
    responses: list[float] = []
    restores: list[float] = []
    for inc in records.incidents:
        if inc.kind == "prevented":
            n_prevented += 1
            continue
        n_incidents += 1
        n_breaches += inc.sla_breached
        restored = not math.isnan(inc.restored)
        end = min(inc.restored, horizon) if restored else horizon
        if inc.kind == "hardware":
            n_hardware += 1
            device_down += end - inc.occurred
            share = till_share.get(inc.source, 0.0)
            if share > 0 and end > inc.occurred:
                revenue_lost += per_hour * share * open_hours(inc.occurred, end)
                if monthly is not None:
                    _spread(inc.occurred, end, per_hour * share, open_hours, monthly)
        for a, b, loss in _phases(inc, end):
            if b > a and loss > 0 and inc.users_affected > 0:
                lost = inc.users_affected * loss * open_hours(a, b)
                user_down += lost
                if monthly is not None and lost > 0:
                    _spread(a, b, inc.users_affected * loss * value, open_hours, monthly)
                if inc.users_affected >= client.users and loss >= 1.0:
                    office_down.append((a, b))
        if not math.isnan(inc.responded):
            responses.append(inc.responded - inc.reported)
        if restored:
            restores.append(inc.restored - inc.occurred)
    if per_hour > 0 and office_down:
        for a, b in _merge(office_down):
            revenue_lost += per_hour * open_hours(a, b)
            if monthly is not None:
                _spread(a, b, per_hour, open_hours, monthly)
    downtime_cost = user_down * value + revenue_lost
    tech_hours = planned = planned_after = 0.0
    for visit in records.visits:
        start, end = visit[2], visit[3]
        tech_hours += end - start
        if visit[1] in PLANNED_WORK:
            planned += end - start
            planned_after += (end - start) - open_hours(start, end)
    return {
        "client_cash_cost": totals.client_cash_cost,
        "downtime_cost": downtime_cost,
        "client_total_cost": totals.client_cash_cost + downtime_cost,
        "provider_revenue": totals.provider_revenue,
        "provider_cost": totals.provider_cost,
        "provider_margin": totals.provider_margin,
        "device_downtime_hours": device_down,
        "user_downtime_hours": user_down,
        "incidents": float(n_incidents),
        "hardware_failures": float(n_hardware),
        "failures_prevented": float(n_prevented),
        "mean_response_hours": sum(responses) / len(responses) if responses else math.nan,
        "mean_time_to_restore_hours": sum(restores) / len(restores) if restores else math.nan,
        "technician_hours": tech_hours,
        "sla_breaches": float(n_breaches),
        "p90_time_to_restore_hours": float(np.percentile(restores, 90)) if restores else math.nan,
        "planned_work_hours": planned,
        "planned_work_after_hours": planned_after,
    }
