"""The metrics of one run, computed from its ledger, incident log and visits.

Money metrics are sums over the ledger.  Downtime cost is not cash: it is the user-hours
lost inside business hours (users affected x productivity loss x business hours down)
times the value of a user-hour, plus the revenue lost per business hour while the whole
office is down (the union of office-down periods, so overlaps count once).
"""

from __future__ import annotations

import math

from itmodels.engine.records import Incident, Records
from itmodels.scenario import Scenario

__all__ = ["METRICS", "compute_metrics"]

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
)


def _phases(inc: Incident, end: float) -> list[tuple[float, float, float]]:
    """``(start, end, productivity loss)`` pieces of an incident's disruption."""
    if inc.escalated and inc.escalated_at < end:
        return [
            (inc.occurred, inc.escalated_at, inc.productivity_loss),
            (inc.escalated_at, end, inc.escalated_loss),
        ]
    return [(inc.occurred, end, inc.productivity_loss)]


def _union_length(intervals: list[tuple[float, float]], measure) -> float:
    total = 0.0
    cur_a = cur_b = -math.inf
    for a, b in sorted(intervals):
        if a > cur_b:
            if cur_b > cur_a:
                total += measure(cur_a, cur_b)
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_b > cur_a:
        total += measure(cur_a, cur_b)
    return total


def compute_metrics(scenario: Scenario, records: Records) -> dict[str, float]:
    """Every metric named in :data:`METRICS` for one run.

    Parameters
    ----------
    scenario : Scenario
        The scenario that was run.
    records : Records
        What the run recorded.

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
        for a, b, loss in _phases(inc, end):
            if b > a and loss > 0 and inc.users_affected > 0:
                user_down += inc.users_affected * loss * open_hours(a, b)
                if inc.users_affected >= client.users and loss >= 1.0:
                    office_down.append((a, b))
        if not math.isnan(inc.responded):
            responses.append(inc.responded - inc.reported)
        if restored:
            restores.append(inc.restored - inc.occurred)
    revenue_lost = 0.0
    if client.revenue_per_hour_down > 0 and office_down:
        revenue_lost = client.revenue_per_hour_down * _union_length(office_down, open_hours)
    downtime_cost = user_down * client.user_hour_value + revenue_lost
    tech_hours = sum(v[3] - v[2] for v in records.visits)
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
    }
