"""Provider decisions: the lever values that maximise the provider's margin under an offer.

A *lever* is any scenario key the provider decides, written as a dotted path with the
values to try: how often preventive maintenance is done
(``contracts.<offer>.maintenance.preventive.every``), at what age a device class is
replaced (``fleet.<class>.replace_at``; ``None`` for never).  :func:`provider_optimum`
simulates every combination of the values (a grid) on common random numbers (the same
seed, so replication ``r`` of every candidate sees the same device lives and incidents)
and picks the candidate with the highest mean provider margin.  It reports, beside the
provider's margin, what the client pays in total at each candidate, so that the seed's
incentive claim can be measured: what does the provider's own interest make it do under
each offer, and what does that cost the client?  :func:`provider_incentives` does this
for several offers and puts the optima side by side, with what the provider gains
against the offer as written and what that choice changes for the client.
:func:`default_levers` derives sensible grids from a scenario, and
``provider_optimum(..., search="golden", bounds=(lo, hi))`` searches one continuous lever
by golden-section search instead of a grid.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from itmodels.contracts import default_baseline, make_contract
from itmodels.experiments.analysis import mean_ci
from itmodels.experiments.experiment import run_experiment
from itmodels.experiments.metrics import METRICS
from itmodels.scenario import Scenario
from itmodels.scenario.distributions import Weibull
from itmodels.scenario.units import (
    HOURS_PER_DAY,
    HOURS_PER_MONTH,
    HOURS_PER_WEEK,
    HOURS_PER_YEAR,
    parse_duration,
)

__all__ = [
    "Incentives",
    "ProviderOptimum",
    "default_levers",
    "provider_incentives",
    "provider_optimum",
]

#: Multiples of an offer's maintenance interval tried by :func:`default_levers`.
EVERY_MULTIPLES = (0.5, 1.0, 2.0)
#: Replacement ages tried by :func:`default_levers`, as shares of the Weibull scale.
AGE_SHARES = (0.25, 0.5, 1.0)
#: The golden ratio's conjugate, (sqrt(5) - 1) / 2.
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0

#: Metrics shown for every candidate, with their interval.
SHOWN = ("provider_margin", "client_total_cost")
#: Metrics shown for every candidate as a mean only.
MEANS = (
    "provider_revenue",
    "provider_cost",
    "client_cash_cost",
    "downtime_cost",
    "hardware_failures",
)


@dataclass(frozen=True)
class ProviderOptimum:
    """The candidates of a lever search under one offer, and the best for the provider.

    Attributes
    ----------
    offer : str
        The offer the provider works under.
    levers : tuple of str
        The dotted scenario keys searched.
    table : DataFrame
        One row per candidate, in grid order: a column per lever, then ``<metric>``,
        ``<metric>_ci_low``, ``<metric>_ci_high`` for the objective, ``provider_margin``
        and ``client_total_cost``, the means of a few more metrics, ``gap`` (the mean
        paired shortfall of the objective against the best candidate, with
        ``gap_ci_low`` and ``gap_ci_high``), ``near_best`` (the paired interval of the
        shortfall reaches zero: these replications do not tell the candidate from the
        best) and ``best``.
    runs : DataFrame
        Per candidate (``candidate``, the row of ``table``) and replication, the metrics.
    best : int
        The row of ``table`` with the highest mean objective (the first, on ties).
    objective : str
        The metric maximised.
    replications, seed : int
        The replications of every candidate (on the same seed).
    level : float
        Confidence level of the intervals.
    current : int or None
        The row of ``table`` whose lever values leave the scenario as written (the
        provider's choice today), ``None`` when no candidate does.
    """

    offer: str
    levers: tuple[str, ...]
    table: pd.DataFrame
    runs: pd.DataFrame = field(repr=False)
    best: int
    objective: str
    replications: int
    seed: int
    level: float
    current: int | None = None

    @property
    def values(self) -> dict[str, Any]:
        """The lever values at the optimum, by key."""
        row = self.table.iloc[self.best]
        return {k: _plain(row[k]) for k in self.levers}

    @property
    def margin(self) -> float:
        """The provider's mean margin at the optimum."""
        return float(self.table["provider_margin"].iloc[self.best])

    @property
    def client_total_cost(self) -> float:
        """The client's mean total cost (cash plus downtime) at the optimum."""
        return float(self.table["client_total_cost"].iloc[self.best])

    @property
    def at_edge(self) -> tuple[str, ...]:
        """The levers whose chosen value is the smallest or the largest number tried (of
        at least two): the provider's best lies at or beyond the end of the values tried,
        so it may go further (``None``, never replacing or not written, is not a number:
        choosing it is no edge, and trying it does not bracket the largest number)."""
        row = self.table.iloc[self.best]
        edge = []
        for key in self.levers:
            tried = [_plain(v) for v in self.table[key]]
            numbers = sorted({_hours(v, key) for v in tried if v is not None})
            chosen = _plain(row[key])
            if chosen is None or len(numbers) < 2:
                continue
            hours = _hours(chosen, key)
            if hours in (numbers[0], numbers[-1]):
                edge.append(key)
        return tuple(edge)

    def at_best(self, metric: str) -> np.ndarray:
        """``metric`` per replication at the optimum, in replication order."""
        return self._column(self.best, metric)

    def change(self, metric: str) -> tuple[float, float, float]:
        """Mean and interval of the paired change of ``metric``, the optimum − the
        scenario as written (NaN when no candidate leaves the scenario as written)."""
        if self.current is None:
            return math.nan, math.nan, math.nan
        diff = self.at_best(metric) - self._column(self.current, metric)
        mean, _, lo, hi, _ = mean_ci(diff, self.level)
        return mean, lo, hi

    def _column(self, candidate: int, metric: str) -> np.ndarray:
        runs = self.runs[self.runs["candidate"] == candidate].sort_values("replication")
        return runs[metric].to_numpy(dtype=float)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return (
            f"<ProviderOptimum {self.offer!r}: {shown}; mean {self.objective}"
            f" {self.table[self.objective].iloc[self.best]:,.2f}, client total cost"
            f" {self.client_total_cost:,.2f} ({len(self.table)} candidates,"
            f" {self.replications} replications, seed {self.seed})>"
        )


def _plain(value: Any) -> Any:
    """A table cell as plain Python (``None`` for a lever left unwritten)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _grid(levers: Mapping[str, Sequence[Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    if not isinstance(levers, Mapping) or not levers:
        raise ValueError(
            "levers must map at least one dotted scenario key to the values to try, e.g."
            " {'fleet.desktop.replace_at': ['3y', '4y', None]}"
        )
    keys = list(levers)
    for key in keys:
        values = levers[key]
        if not isinstance(key, str) or not key:
            raise ValueError(f"lever {key!r} is not a dotted scenario key such as 'client.users'")
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise ValueError(
                f"lever {key!r}: expected a non-empty list of values to try, got {values!r}"
            )
    return keys, list(itertools.product(*(list(levers[k]) for k in keys)))


def provider_optimum(
    scenario: Scenario,
    offer: str,
    levers: Mapping[str, Sequence[Any]],
    replications: int = 50,
    seed: int = 0,
    *,
    objective: str = "provider_margin",
    level: float = 0.95,
    executor: Executor | None = None,
    max_events: int | None = None,
    search: str = "grid",
    bounds: tuple[Any, Any] | None = None,
    evaluations: int = 12,
) -> ProviderOptimum:
    """The lever values that maximise the provider's expected margin under ``offer``.

    Parameters
    ----------
    scenario : Scenario
        Must define ``offer``.
    offer : str
        The offer the provider works under.
    levers : mapping of str to sequence
        Dotted scenario keys the provider decides, with the values to try; every
        combination is a candidate (a grid).  ``None`` leaves a key unwritten (for
        ``replace_at``: never replace), e.g. ``{"fleet.desktop.replace_at": ["2y", "4y",
        None], "contracts.complete.maintenance.preventive.every": ["1mo", "3mo"]}``.
        With ``search="golden"``: exactly one key, a duration or number, whose listed
        values (may be empty, e.g. ``[None]`` for never) are tried beside the search's.
    replications, seed : int
        Replications of every candidate, all on the same seed (common random numbers:
        the candidates' differences are paired).
    objective : str
        The metric the provider maximises (default its margin).
    level : float
        Confidence level of the intervals.
    executor : Executor, optional
        Where to run the replications (see ``run_experiment``).
    max_events : int, optional
        Event limit of one replication (see :func:`~itmodels.experiments.run.simulate`).
    search : {"grid", "golden"}
        ``"grid"`` tries every combination; ``"golden"`` maximises the mean objective
        over one continuous lever between ``bounds`` by golden-section search.  On
        common random numbers the mean objective is one fixed function of the lever, so
        the search is deterministic; it assumes that function has one peak in the bounds.
    bounds : (lo, hi), optional
        With ``search="golden"``: the interval searched, as durations (``"1y"``) or hours
        (or plain numbers for a lever that is not a duration).
    evaluations : int
        With ``search="golden"``: the points evaluated (at least 3); the final bracket is
        about ``0.618 ** (evaluations - 2)`` of the interval.

    Returns
    -------
    ProviderOptimum
        The table of candidates (for golden-section search, every point evaluated, in
        the order evaluated) and the best one (``.values``, ``.margin``,
        ``.client_total_cost``).

    Raises
    ------
    ValueError
        If the offer, the objective, the levers or the search are not usable.
    ScenarioError
        If a lever value makes an invalid scenario (raised before anything is run).

    Examples
    --------
    >>> import itmodels as itm
    >>> scn = itm.load_scenario("small-office")
    >>> best = itm.provider_optimum(scn, "flat_rate",
    ...     {"fleet.desktop.replace_at": ["3y", None]}, replications=5)  # doctest: +SKIP
    >>> best.values  # doctest: +SKIP
    {'fleet.desktop.replace_at': None}
    >>> itm.provider_optimum(scn, "break_fix", {"fleet.desktop.replace_at": [None]},
    ...     replications=5, search="golden", bounds=("1y", "8y"))  # doctest: +SKIP
    """
    make_contract(scenario, offer)  # refuses an offer the scenario does not define
    if objective not in METRICS:
        raise ValueError(f"objective must be one of the metrics {list(METRICS)}, got {objective!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    if search == "golden":
        return _golden(
            scenario, offer, levers, replications, seed, objective, level, executor,
            max_events, bounds, evaluations,
        )  # fmt: skip
    if search != "grid":
        raise ValueError(f"search must be 'grid' or 'golden', got {search!r}")
    if bounds is not None:
        raise ValueError("bounds= is for search='golden'; a grid search tries the listed values")
    keys, grid = _grid(levers)
    return _search(
        scenario, offer, keys, grid, replications, seed, objective, level, executor, max_events
    )


class _Runner:
    """Simulates candidates of one search on the same seed, one ``run_experiment`` each."""

    def __init__(
        self,
        scenario: Scenario,
        offer: str,
        keys: list[str],
        replications: int,
        seed: int,
        executor: Executor | None,
        max_events: int | None,
    ) -> None:
        self.scenario, self.offer, self.keys = scenario, offer, keys
        self.replications, self.seed = replications, seed
        self.executor, self.max_events = executor, max_events
        self.frames: list[pd.DataFrame] = []

    def point(self, values: tuple[Any, ...]) -> Scenario:
        return self.scenario.override(dict(zip(self.keys, values, strict=True)))

    def run(self, point: Scenario) -> pd.DataFrame:
        res = run_experiment(
            point, self.replications, self.seed, contracts=(self.offer,),
            executor=self.executor, progress=False, max_events=self.max_events,
        )  # fmt: skip
        frame = res.metrics.drop(columns="contract").sort_values("replication")
        frame.insert(0, "candidate", len(self.frames))
        self.frames.append(frame)
        return frame


def _search(
    scenario: Scenario,
    offer: str,
    keys: list[str],
    grid: list[tuple[Any, ...]],
    replications: int,
    seed: int,
    objective: str,
    level: float,
    executor: Executor | None,
    max_events: int | None,
) -> ProviderOptimum:
    """Simulate every candidate of ``grid`` (checked first) and pick the best."""
    runner = _Runner(scenario, offer, keys, replications, seed, executor, max_events)
    points = [runner.point(values) for values in grid]
    for point in points:
        runner.run(point)
    return _optimum(runner, grid, points, objective, level)


def _optimum(
    runner: _Runner,
    grid: list[tuple[Any, ...]],
    points: list[Scenario],
    objective: str,
    level: float,
) -> ProviderOptimum:
    runs = pd.concat(runner.frames, ignore_index=True)
    table = _table(runner.keys, grid, runs, objective, level)
    means = table[objective].to_numpy(dtype=float)
    if np.isnan(means).all():
        raise ValueError(f"{objective} is undefined (NaN) at every candidate; choose another")
    best = int(np.nanargmax(means))
    table = _gaps(table, runs, best, objective, level)
    current = next((i for i, p in enumerate(points) if p == runner.scenario), None)
    table["current"] = table.index == current
    return ProviderOptimum(
        runner.offer, tuple(runner.keys), table, runs, best, objective,
        runner.replications, runner.seed, level, current,
    )  # fmt: skip


def _hours(value: Any, what: str) -> float:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what}: expected a duration such as '2y' or a number, got {value!r}")
    return float(value)


def _golden(
    scenario: Scenario,
    offer: str,
    levers: Mapping[str, Sequence[Any]],
    replications: int,
    seed: int,
    objective: str,
    level: float,
    executor: Executor | None,
    max_events: int | None,
    bounds: tuple[Any, Any] | None,
    evaluations: int,
) -> ProviderOptimum:
    """Golden-section search of one lever, plus its listed values; see provider_optimum."""
    if not isinstance(levers, Mapping) or len(levers) != 1:
        raise ValueError(
            "search='golden' searches exactly one lever: levers must map one dotted key to"
            " the extra values to try (may be empty), e.g. {'fleet.desktop.replace_at': [None]}"
        )
    ((key, extra),) = levers.items()
    if isinstance(extra, str | bytes) or not isinstance(extra, Sequence):
        raise ValueError(f"lever {key!r}: expected a list of extra values to try, got {extra!r}")
    if bounds is None or isinstance(bounds, str) or len(bounds) != 2:
        raise ValueError(f"search='golden' needs bounds=(lo, hi), got {bounds!r}")
    if isinstance(evaluations, bool) or not isinstance(evaluations, int) or evaluations < 3:
        raise ValueError(f"evaluations must be an integer of at least 3, got {evaluations!r}")
    lo, hi = (_hours(b, "bounds") for b in bounds)
    if not lo < hi:
        raise ValueError(f"bounds must be (lo, hi) with lo < hi, got {bounds!r}")
    runner = _Runner(scenario, offer, [key], replications, seed, executor, max_events)
    grid: list[tuple[Any, ...]] = [(v,) for v in extra]
    points = [runner.point(values) for values in grid]
    runner.point((lo,)), runner.point((hi,))  # checked before anything is run
    for point in points:
        runner.run(point)
    cache: dict[float, float] = {}

    def mean(x: float) -> float:
        if x not in cache:
            point = runner.point((x,))
            grid.append((x,))
            points.append(point)
            value = float(np.nanmean(runner.run(point)[objective].to_numpy(dtype=float)))
            cache[x] = -math.inf if math.isnan(value) else value
        return cache[x]

    a, b = lo, hi
    c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    fc, fd = mean(c), mean(d)
    while len(cache) < evaluations:
        if fc >= fd:  # the peak is in [a, d]
            b, d, fd = d, c, fc
            c = b - _GOLDEN * (b - a)
            fc = mean(c)
        else:  # the peak is in [c, b]
            a, c, fc = c, d, fd
            d = a + _GOLDEN * (b - a)
            fd = mean(d)
    return _optimum(runner, grid, points, objective, level)


def _table(
    keys: list[str],
    grid: list[tuple[Any, ...]],
    runs: pd.DataFrame,
    objective: str,
    level: float,
) -> pd.DataFrame:
    rows = []
    shown = tuple(dict.fromkeys((objective, *SHOWN)))
    for i, values in enumerate(grid):
        mine = runs[runs["candidate"] == i]
        row: dict[str, Any] = dict(zip(keys, values, strict=True))
        for metric in shown:
            mean, _, lo, hi, _ = mean_ci(mine[metric].to_numpy(dtype=float), level)
            row[metric], row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = mean, lo, hi
        for metric in MEANS:
            if metric not in shown:
                row[metric] = float(mine[metric].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def _gaps(
    table: pd.DataFrame, runs: pd.DataFrame, best: int, objective: str, level: float
) -> pd.DataFrame:
    """Add the paired shortfall of each candidate against the best."""
    by = runs.pivot(index="replication", columns="candidate", values=objective).sort_index()
    top = by[best].to_numpy(dtype=float)
    gaps = [mean_ci(top - by[i].to_numpy(dtype=float), level) for i in range(len(table))]
    table = table.copy()
    table["gap"] = [g[0] for g in gaps]
    table["gap_ci_low"] = [g[2] for g in gaps]
    table["gap_ci_high"] = [g[3] for g in gaps]
    low = table["gap_ci_low"].to_numpy(dtype=float)
    table["near_best"] = (table.index == best) | ~(low > 0)
    table["best"] = table.index == best
    return table


_UNITS = (("y", HOURS_PER_YEAR), ("mo", HOURS_PER_MONTH), ("w", HOURS_PER_WEEK),
          ("d", HOURS_PER_DAY))  # fmt: skip


def _duration_text(hours: float) -> str:
    """``hours`` as a short duration the scenario parser reads back exactly (``"1.5mo"``)."""
    for least in (1.0, 0.5):  # "6mo" rather than "0.5y", but "0.5mo" rather than "365.25h"
        for unit, size in _UNITS:
            q = hours / size
            if q >= least and round(q, 3) * size == hours:
                return f"{round(q, 3):g}{unit}"
    return f"{hours:g}h"


def default_levers(scenario: Scenario, offer: str, *, classes: int = 1) -> dict[str, list[Any]]:
    """Sensible lever grids for ``offer``, derived from the scenario.

    * For each maintenance task of the offer (``patching``, ``preventive``):
      ``contracts.<offer>.maintenance.<task>.every`` at :data:`EVERY_MULTIPLES` (half,
      as written, twice) of the interval the offer states (never below 1 h).
    * For the ``classes`` device classes with the most replacement spend at stake (count
      × planned replacement cost) among those that age (a Weibull lifetime with shape
      above 1: a hazard that rises with age, where replacing before failure can pay) and
      have a replacement cost and no ``replace_at`` yet: ``fleet.<class>.replace_at`` at
      :data:`AGE_SHARES` of the Weibull scale, keeping only the ages a device can reach
      within the horizon (its age at the start plus the horizon), and ``None`` (never, as
      written).

    The values are duration strings (``"1.5mo"``, ``"1.975y"``); the scenario as written
    is always one of the candidates, so :func:`provider_optimum` can report what the
    provider gains against it.  Grids are kept small: at most 3 × 3 × 4 = 36 candidates
    with the defaults.

    Parameters
    ----------
    scenario : Scenario
    offer : str
        One of the scenario's offers.
    classes : int
        How many device classes get a replacement lever (default 1; 0 for none).

    Returns
    -------
    dict of str to list
        Levers as :func:`provider_optimum` takes them; empty when the offer has no
        maintenance and no class ages (the offer as written is then the only choice).

    Raises
    ------
    ValueError
        If the offer is not defined or ``classes`` is negative.

    Examples
    --------
    >>> import itmodels as itm
    >>> levers = default_levers(itm.load_scenario("small-office"), "flat_rate")
    >>> levers["contracts.flat_rate.maintenance.preventive.every"]
    ['1.5mo', '3mo', '6mo']
    >>> levers["fleet.desktop.replace_at"]
    ['1.975y', '3.95y', None]
    """
    make_contract(scenario, offer)
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 0:
        raise ValueError(f"classes must be a whole number of at least 0, got {classes!r}")
    levers: dict[str, list[Any]] = {}
    maintenance = getattr(scenario.contracts[offer], "maintenance", None)
    for task in ("patching", "preventive"):
        terms = getattr(maintenance, task, None) if maintenance is not None else None
        if terms is None:
            continue
        values = dict.fromkeys(
            _duration_text(max(1.0, m * terms.every)) for m in EVERY_MULTIPLES
        )  # the interval as written is among them; never below the 1 h the format allows
        levers[f"contracts.{offer}.maintenance.{task}.every"] = list(values)
    ageing: list[tuple[float, str, float, float]] = []  # (-spend, name, scale, reach)
    for c in scenario.fleet:
        life, cost = c.lifetime, c.planned_cost
        wears = isinstance(life, Weibull) and life.shape > 1 and c.count > 0
        # a policy written in the scenario is left as it is
        if wears and cost is not None and c.replace_at is None and isinstance(life, Weibull):
            reach = float(c.age) + scenario.horizon
            ageing.append((-c.count * float(cost), c.name, float(life.scale), reach))
    ageing.sort(key=lambda t: t[0])
    for _, name, scale, reach in ageing[:classes]:
        ages = [_duration_text(s * scale) for s in AGE_SHARES if s * scale < reach]
        if ages:
            levers[f"fleet.{name}.replace_at"] = [*dict.fromkeys(ages), None]
    return levers


@dataclass(frozen=True)
class Incentives:
    """What the provider's own interest makes it do under each offer, and what that costs
    the client (:func:`provider_incentives`).

    Attributes
    ----------
    optima : dict of str to ProviderOptimum
        The lever search of each offer, by offer name, in the order searched.
    baseline : str
        The offer the client's cost is compared with.
    table : DataFrame
        The headline table, one row per offer: ``offer``, ``levers`` (the lever values
        the provider chooses, as text), ``provider_margin`` and ``client_total_cost``
        with their intervals, and ``vs_baseline`` (the mean paired difference of the
        client's total cost, this offer at its provider's optimum − the baseline at its
        own), with ``vs_baseline_ci_low`` and ``vs_baseline_ci_high``; ``margin_gain``
        (the mean paired gain of the provider's margin at its optimum against the offer
        as written) and ``client_change`` (the paired change of the client's total cost
        that choice brings), each with ``_ci_low`` and ``_ci_high`` (NaN when no
        candidate leaves the offer as written).
    level : float
        Confidence level of the intervals.
    """

    optima: dict[str, ProviderOptimum]
    baseline: str
    table: pd.DataFrame
    level: float

    def __repr__(self) -> str:
        return f"<Incentives, baseline {self.baseline!r}:\n{self.table.to_string()}>"

    def difference(self, offer: str) -> tuple[float, float, float]:
        """Mean and interval of the paired difference of the client's total cost,
        ``offer`` at its provider's optimum − the baseline at its own."""
        mine = self.optima[offer].at_best("client_total_cost")
        diff = mine - self.optima[self.baseline].at_best("client_total_cost")
        mean, _, lo, hi, _ = mean_ci(diff, self.level)
        return mean, lo, hi


def _words(values: Mapping[str, Any]) -> str:
    """Lever values in words: ``key = value``; ``None`` is never replacing for
    ``replace_at`` (else the key left unwritten); no levers: the offer as written."""
    if not values:
        return "as written"
    return ", ".join(f"{k} = {_value_words(k, v)}" for k, v in values.items())


def _value_words(key: str, value: Any) -> str:
    if value is None:
        return "never" if key.endswith(".replace_at") else "not written"
    return str(value)


def provider_incentives(
    scenario: Scenario,
    levers: Mapping[str, Mapping[str, Sequence[Any]]],
    replications: int = 50,
    seed: int = 0,
    *,
    baseline: str | None = None,
    level: float = 0.95,
    executor: Executor | None = None,
    max_events: int | None = None,
) -> Incentives:
    """For each offer, the provider's own optimum and what it costs the client.

    Parameters
    ----------
    scenario : Scenario
    levers : mapping of str to mapping
        For each offer to search, its levers as :func:`provider_optimum` takes them
        (offers may have different levers: maintenance belongs to one offer's terms); an
        empty mapping simulates the offer as written (nothing to decide), and
        :func:`default_levers` gives sensible ones.
    replications, seed : int
        The same replications for every offer and candidate (common random numbers).
    baseline : str, optional
        The offer the others' client cost is compared with (default: the first offer of
        a pay-per-incident model among ``levers``, else the first).
    level : float
        Confidence level of the intervals.
    executor : Executor, optional
    max_events : int, optional

    Returns
    -------
    Incentives
        With the headline ``table`` and each offer's :class:`ProviderOptimum`.
    """
    if not isinstance(levers, Mapping) or not levers:
        raise ValueError("levers must map each offer to search to its levers")
    offers = {name: scenario.contracts[name] for name in levers if name in scenario.contracts}
    for name in levers:
        make_contract(scenario, name)
    base = default_baseline(offers) if baseline is None else baseline
    if base not in levers:
        raise ValueError(f"baseline {base!r} is not one of the offers searched {list(levers)}")
    optima = {
        name: provider_optimum(
            scenario, name, lever, replications, seed, level=level, executor=executor,
            max_events=max_events,
        )
        if lever
        else _search(
            scenario, name, [], [()], replications, seed, "provider_margin", level, executor,
            max_events,
        )
        for name, lever in levers.items()
    }  # fmt: skip
    rows = []
    inc = Incentives(optima, base, pd.DataFrame(), level)
    for name, opt in optima.items():
        row = opt.table.iloc[opt.best]
        diff = inc.difference(name)
        gain, change = opt.change("provider_margin"), opt.change("client_total_cost")
        rows.append(
            {
                "offer": name,
                "levers": _words(opt.values),
                **{
                    f"{m}{s}": float(row[f"{m}{s}"])
                    for m in SHOWN
                    for s in ("", "_ci_low", "_ci_high")
                },
                "vs_baseline": diff[0],
                "vs_baseline_ci_low": diff[1],
                "vs_baseline_ci_high": diff[2],
                "margin_gain": gain[0],
                "margin_gain_ci_low": gain[1],
                "margin_gain_ci_high": gain[2],
                "client_change": change[0],
                "client_change_ci_low": change[1],
                "client_change_ci_high": change[2],
            }
        )
    return Incentives(optima, base, pd.DataFrame(rows), level)
