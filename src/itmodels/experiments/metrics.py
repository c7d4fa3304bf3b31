"""The metrics of one run, computed from its ledger, incident log and visits.

Money metrics are sums over the ledger.  Downtime cost is not cash: it is the user-hours
lost inside business hours (users affected x productivity loss x business hours down)
times the value of a user-hour, plus the revenue lost per business hour while the whole
office is down (the union of office-down periods, so overlaps count once), plus, for
device classes with a ``revenue_share`` (a till), that share of the revenue per business
hour while one such device is down.

Everything is computed over whole columns with numpy; sums are taken left to right in
incident order (:func:`~itmodels.money.ledger.sequential_sum`), the order a loop over the
incidents would use, so the figures do not depend on how the arrays are laid out.
"""

from __future__ import annotations

import math

import numpy as np

from itmodels.engine.records import Records, floats
from itmodels.money.ledger import BILL_CATEGORIES, sequential_sum
from itmodels.scenario import Scenario
from itmodels.scenario.calendar import BusinessHours
from itmodels.scenario.units import HOURS_PER_MONTH, HOURS_PER_WEEK

__all__ = ["METRICS", "MONTHLY_MONEY", "compute_metrics", "monthly_money", "open_hours"]

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
    *BILL_CATEGORIES,
    "client_cash",
    "provider_revenue",
    "provider_cost",
)


def open_hours(hours: BusinessHours, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``hours.open_hours_between(a[i], b[i])`` for every ``i``, with the same arithmetic.

    Parameters
    ----------
    hours : BusinessHours
        The calendar.
    a, b : numpy.ndarray
        Starts and ends of the intervals (float arrays of one shape).

    Returns
    -------
    numpy.ndarray
        Open hours in each ``[a, b)``; 0 where ``b <= a``.

    Examples
    --------
    >>> bh = BusinessHours.parse("mon-fri 08:00-18:00")
    >>> open_hours(bh, np.array([0.0, 17.0]), np.array([168.0, 33.0])).tolist()
    [50.0, 2.0]
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    some = b > a
    if hours.always_open:
        return np.where(some, b - a, 0.0)
    spans = hours.intervals
    starts = np.array([s for s, _ in spans])
    lengths = np.array([e - s for s, e in spans])
    cum = [0.0]
    for s, e in spans:
        cum.append(cum[-1] + (e - s))
    cum_arr = np.array(cum)

    def split(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        week = np.floor(t / HOURS_PER_WEEK)
        r = t - week * HOURS_PER_WEEK
        over = r >= HOURS_PER_WEEK
        under = r < 0.0
        week = np.where(over, week + 1, np.where(under, week - 1, week))
        r = np.where(over, 0.0, np.where(under, r + HOURS_PER_WEEK, r))
        return week, r

    def before(r: np.ndarray) -> np.ndarray:
        i = np.searchsorted(starts, r, side="right") - 1
        j = np.maximum(i, 0)
        inside = cum_arr[j] + np.minimum(r - starts[j], lengths[j])
        return np.where(i < 0, 0.0, inside)

    with np.errstate(invalid="ignore"):
        wa, ra = split(a)
        wb, rb = split(b)
        total = (wb - wa) * hours.hours_per_week + before(rb) - before(ra)
    return np.where(some, np.maximum(total, 0.0), 0.0)


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


def _office_overlap(
    phases: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    office_wide: list[np.ndarray],
    users: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where office-wide losses add up to more than everyone's whole time.

    ``phases`` are ``(start, end, loss)`` of the loss phases counted; ``office_wide`` marks,
    per phase list, the ones that affect every user.  Returns the stretches ``[a, b)`` in
    which the office-wide losses sum above 1 and the user-hours per hour to take back
    (``users`` x the excess), so that each user loses at most all of their time.
    """
    a = np.concatenate([p[0][m] for p, m in zip(phases, office_wide, strict=True)])
    b = np.concatenate([p[1][m] for p, m in zip(phases, office_wide, strict=True)])
    loss = np.concatenate([p[2][m] for p, m in zip(phases, office_wide, strict=True)])
    empty = np.zeros(0)
    if len(a) < 2:
        return empty, empty, empty
    times = np.concatenate([a, b])
    deltas = np.concatenate([loss, -loss])
    order = np.argsort(times, kind="stable")
    times, level = times[order], np.cumsum(deltas[order])
    seg_a, seg_b, seg_level = times[:-1], times[1:], level[:-1]
    over = (seg_b > seg_a) & (seg_level > 1.0 + 1e-12)
    return seg_a[over], seg_b[over], users * (seg_level[over] - 1.0)


def _spread(
    hours: BusinessHours,
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray,
    out: list[float],
) -> None:
    """Add ``weight * open hours`` of each ``[a, b)`` to the months it covers in ``out``.

    Interval ``k`` adds to ``out`` before interval ``k + 1``, month by month, as a loop
    over the intervals would.
    """
    n = len(out)
    calls, months, values = [], [], []
    call = np.arange(len(a))
    m = np.floor_divide(a, HOURS_PER_MONTH).astype(np.int64)
    active = (a < b) & (m < n)
    while active.any():
        idx = np.flatnonzero(active)
        a, b, weight, m, call = a[idx], b[idx], weight[idx], m[idx], call[idx]
        e = np.minimum(b, (m + 1) * HOURS_PER_MONTH)
        calls.append(call)
        months.append(m)
        values.append(weight * open_hours(hours, a, e))
        a = e
        m = m + 1
        active = (a < b) & (m < n)
    if not calls:
        return
    order = np.argsort(np.concatenate(calls), kind="stable")
    acc = np.array(out, dtype=np.float64)
    np.add.at(acc, np.concatenate(months)[order], np.concatenate(values)[order])
    out[:] = acc.tolist()


def monthly_money(records: Records, n_months: int) -> np.ndarray:
    """Ledger sums per month, columns :data:`MONTHLY_MONEY` (shape ``(n_months, k)``)."""
    out = np.zeros((n_months, len(MONTHLY_MONEY)))
    col = {c: i for i, c in enumerate(MONTHLY_MONEY)}
    c = records.ledger.columns()
    if len(c.amount) == 0:
        return out
    m = np.minimum(np.floor_divide(c.time, HOURS_PER_MONTH).astype(np.int64), n_months - 1)
    amount = c.amount
    by_client = c.payer == "client"
    to_client = (c.payee == "client") & ~by_client
    with_client = np.flatnonzero(by_client | to_client)
    third = np.flatnonzero(~(by_client | to_client))
    if len(with_client):
        cats = c.category[with_client]
        cat_col = np.array([col[k] for k in cats.tolist()], dtype=np.int64)
        rows = m[with_client]
        np.add.at(out, (rows, cat_col), amount[with_client])
        signed = np.where(by_client[with_client], amount[with_client], -amount[with_client])
        np.add.at(out, (rows, col["client_cash"]), signed)
        np.add.at(out, (rows, col["provider_revenue"]), signed)
    if len(third):
        np.add.at(out, (m[third], col["provider_cost"]), amount[third])
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
    totals = records.ledger.totals()
    value = client.user_hour_value
    per_hour = client.revenue_per_hour_down
    till_share = {d.name: d.revenue_share for d in scenario.fleet if d.revenue_share > 0}

    tab = records.incidents
    kind_all = np.array(tab.kind, dtype=object)
    # prevented failures and planned replacements done in time are work, not incidents
    keep = np.flatnonzero((kind_all != "prevented") & (kind_all != "planned"))
    n_prevented = int(np.count_nonzero(kind_all == "prevented"))
    source, _, users_all, loss_all = tab.origin_columns()
    hw = kind_all[keep] == "hardware"
    occ = floats(tab.occurred)[keep]
    rest = floats(tab.restored)[keep]
    users = users_all[keep]
    loss = loss_all[keep]
    restored = ~np.isnan(rest)
    end = np.where(restored, np.minimum(rest, horizon), horizon)
    with np.errstate(invalid="ignore"):
        device_down = sequential_sum(np.where(hw, end - occ, 0.0))

    # revenue lost while a till is down (hardware failures of classes with a share)
    till = np.zeros(len(keep), dtype=bool)
    share = np.zeros(len(keep))
    if till_share and len(keep):
        share = np.array([till_share.get(s, 0.0) for s in source[keep].tolist()])
        till = hw & (share > 0) & (end > occ)
    till_weight = per_hour * share[till]
    revenue_parts = [till_weight * open_hours(hours, occ[till], end[till])]

    # productivity lost: one phase, or two around an escalation
    esc = np.zeros(len(kind_all), dtype=bool)
    esc_at = np.full(len(kind_all), np.nan)
    esc_loss = np.full(len(kind_all), np.nan)
    if tab.escalated:
        esc[list(tab.escalated)] = True
        ids = list(tab.escalated_at)
        esc_at[ids] = [tab.escalated_at[i] for i in ids]
        ids = list(tab.escalated_loss)
        esc_loss[ids] = [tab.escalated_loss[i] for i in ids]
    esc, esc_at, esc_loss = esc[keep], esc_at[keep], esc_loss[keep]
    with np.errstate(invalid="ignore"):
        two = esc & (esc_at < end)
        phases = (
            (occ, np.where(two, esc_at, end), loss, np.ones(len(keep), dtype=bool)),
            (esc_at, end, esc_loss, two),
        )
        lost, counted = [], []
        for a, b, phase_loss, present in phases:
            ok = present & (b > a) & (phase_loss > 0) & (users > 0)
            hours_down = open_hours(hours, np.where(ok, a, 0.0), np.where(ok, b, 0.0))
            lost.append(np.where(ok, users * phase_loss * hours_down, 0.0))
            counted.append(ok)
    # office-wide losses that overlap stop at everyone's whole time
    over_a, over_b, over_w = _office_overlap(
        [(phase[0], phase[1], phase[2]) for phase in phases],
        [m & (users >= client.users) for m in counted],
        float(client.users),
    )
    over_lost = -over_w * open_hours(hours, over_a, over_b)
    user_down = sequential_sum(np.concatenate([np.column_stack(lost).ravel(), over_lost]))

    office_down: list[tuple[float, float]] = []
    whole = users >= client.users
    office = [ok & whole & (phase[2] >= 1.0) for ok, phase in zip(counted, phases, strict=True)]
    if office[0].any() or office[1].any():
        for p, k in zip(*np.nonzero(np.column_stack(office)), strict=True):
            a, b = phases[k][0][p], phases[k][1][p]
            office_down.append((float(a), float(b)))
    merged = _merge(office_down) if per_hour > 0 and office_down else []
    if merged:
        ma = np.array([a for a, _ in merged])
        mb = np.array([b for _, b in merged])
        revenue_parts.append(per_hour * open_hours(hours, ma, mb))
    revenue_lost = sequential_sum(np.concatenate(revenue_parts))
    downtime_cost = user_down * value + revenue_lost

    if monthly is not None:
        # the same pieces, in the order a loop over the incidents adds them
        pos = np.arange(len(keep))
        with np.errstate(invalid="ignore"):
            parts = [
                (3 * pos[till], occ[till], end[till], till_weight),
                *(
                    (
                        3 * pos[mask] + 1 + k,
                        phases[k][0][mask],
                        phases[k][1][mask],
                        users[mask] * phases[k][2][mask] * value,
                    )
                    for k, mask in enumerate(x > 0 for x in lost)
                ),
            ]
        if merged:
            last = 3 * len(keep) + np.arange(len(merged))
            parts.append((last, ma, mb, np.full(len(merged), per_hour)))
        if len(over_a):
            first = 3 * len(keep) + len(merged)
            parts.append((first + np.arange(len(over_a)), over_a, over_b, -over_w * value))
        key = np.concatenate([p[0] for p in parts])
        order = np.argsort(key, kind="stable")
        a, b, w = (np.concatenate([p[i] for p in parts])[order] for i in (1, 2, 3))
        _spread(hours, a.astype(np.float64), b.astype(np.float64), w.astype(np.float64), monthly)

    responded = floats(tab.responded)[keep]
    reported = floats(tab.reported)[keep]
    answered = ~np.isnan(responded)
    responses = (responded[answered] - reported[answered]).tolist()
    restores = (rest[restored] - occ[restored]).tolist()
    breached = tab.sla_breached
    n_breaches = (
        sum(1 for i in breached if kind_all[i] not in ("prevented", "planned")) if breached else 0
    )

    visits = records.visit_columns()
    start, finish = visits["start"], visits["end"]
    busy = finish - start
    planned = np.isin(visits["kind"], PLANNED_WORK)
    return {
        "client_cash_cost": totals.client_cash_cost,
        "downtime_cost": downtime_cost,
        "client_total_cost": totals.client_cash_cost + downtime_cost,
        "provider_revenue": totals.provider_revenue,
        "provider_cost": totals.provider_cost,
        "provider_margin": totals.provider_margin,
        "device_downtime_hours": device_down,
        "user_downtime_hours": user_down,
        "incidents": float(len(keep)),
        "hardware_failures": float(np.count_nonzero(hw)),
        "failures_prevented": float(n_prevented),
        "mean_response_hours": sum(responses) / len(responses) if responses else math.nan,
        "mean_time_to_restore_hours": sum(restores) / len(restores) if restores else math.nan,
        "technician_hours": sequential_sum(busy),
        "sla_breaches": float(n_breaches),
        "p90_time_to_restore_hours": float(np.percentile(restores, 90)) if restores else math.nan,
        "planned_work_hours": sequential_sum(np.where(planned, busy, 0.0)),
        "planned_work_after_hours": sequential_sum(
            np.where(planned, busy - open_hours(hours, start, finish), 0.0)
        ),
    }
