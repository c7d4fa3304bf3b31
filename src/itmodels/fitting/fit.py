"""Fit a scenario to a client's own exports: :func:`fit_scenario` and its :class:`Fit`.

The base scenario supplies everything the exports cannot show (the client's users and
hours, the provider, the offers); the exports override what they can show, key by key:

=====================================================  ===================================
key                                                    from
=====================================================  ===================================
``fleet.<class>.lifetime``                             assets: censored, truncated MLE,
                                                       the family chosen by AIC
``fleet.<class>.count``, ``fleet.<class>.age``         assets: devices in service at
                                                       ``as_of`` and their mean age
``fleet.<class>.repair``                               device tickets' hours (lognormal)
``fleet.<class>.remote_fix_probability``               device tickets' on-site column
``incident_streams.<stream>.rate``                     stream tickets per user, office or
                                                       device and month (Garwood)
``incident_streams.<stream>.priority``                 stream tickets' priorities
``incident_streams.<stream>.work``                     stream tickets' hours (lognormal)
``incident_streams.<stream>.remote_fix_probability``   stream tickets' on-site column
``contracts.<offer>.hourly_rate`` and the other        invoices, into the base's first
rate-card terms                                        offer paid per incident
=====================================================  ===================================

**Mapping tickets.**  A ticket whose ``asset`` is an id in the asset register is a
failure of that asset's device class, not a stream incident.  Any other ticket belongs to
the incident stream its ``category`` names: matched to the base's stream names ignoring
case, spaces, hyphens and underscores (``User Problems`` is ``user-problems``), or
through ``categories=`` (``{"Password reset": "user-problems"}``).  Tickets of a
category matching no stream, and tickets without a category, are not used: they are
listed in :attr:`Fit.skipped` with their count, never dropped silently.

**Assumptions**, said again in each key's note: the rate of a stream with ``neglect``
is the observed rate divided by the mean neglect multiplier over the observed period, as
if no maintenance reset it then (the client paid per incident); the users a rate is per
are the base's ``client.users``; a device class's age is one number, the mean age of its
devices in service.  A key that the data cannot give (too few tickets, no failures, no
column) keeps the base's value and is listed in :attr:`Fit.skipped` with the reason.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from itmodels.contracts import contract_class
from itmodels.files import REPLACE_HINT, write_text
from itmodels.fitting.columns import header_key
from itmodels.fitting.draws import FitDraws
from itmodels.fitting.invoices import RateCard, infer_rate_card
from itmodels.fitting.lifetimes import CANDIDATES, LifetimeFit, fit_lifetime, lifetime_table
from itmodels.fitting.rates import (
    PRIORITIES,
    incident_rates,
    priority_mix,
    remote_share,
    trend_test,
    work_time,
)
from itmodels.fitting.readers import (
    Assets,
    Invoices,
    Tickets,
    read_assets,
    read_invoices,
    read_tickets,
)
from itmodels.fitting.summary import FitSummary
from itmodels.scenario import Scenario, ScenarioError, load_scenario
from itmodels.scenario.units import HOURS_PER_MONTH, HOURS_PER_YEAR

__all__ = [
    "EVIDENCE_COLUMNS",
    "MIN_FAILURES",
    "MIN_TICKETS",
    "Fit",
    "fit_scenario",
    "reference_offer",
]

#: the columns of :attr:`Fit.evidence`
EVIDENCE_COLUMNS = [
    "key", "estimate", "low", "high", "unit", "n", "source", "method", "note",
]  # fmt: skip
#: fewest tickets with hours (or with an on-site flag, a priority) a fit is made from
MIN_TICKETS = 5
#: fewest failures in a device class a lifetime is fitted from
MIN_FAILURES = 5


@dataclass(frozen=True, eq=False)
class Fit:
    """A scenario fitted to a client's exports, with the evidence for every fitted key.

    Attributes
    ----------
    scenario : Scenario
        The base scenario with the fitted keys overridden.
    base : Scenario
        The base scenario.
    evidence : pandas.DataFrame
        One row per fitted parameter: ``key`` (dotted, as :meth:`Scenario.override`
        takes it, plus the parameter for a distribution), ``estimate``, ``low``,
        ``high`` (the interval at ``level``; NaN where there is none), ``unit``, ``n``
        (the sample size), ``source`` (the file), ``method`` and ``note``.
    skipped : pandas.DataFrame
        What could not be fitted and why: ``key`` (or what), ``reason``, ``source``.
    changes : dict of str to object
        The overrides applied to ``base``.
    level : float
        The intervals' confidence level.
    start, end : pandas.Timestamp or None
        The observed period of the tickets (None without tickets).
    reports : tuple of str
        The readers' reports (rows read, left out, notes).
    rate_card : RateCard or None
        The rate card inferred from the invoices (None without invoices).
    lifetimes : dict
        Per device class, its :class:`~itmodels.fitting.lifetimes.LifetimeFit` or why
        there is none.
    observed : dict of str to float
        What the exports show over the tickets' period, for :meth:`check`: ``years``,
        ``tickets`` (those used: device and stream tickets), ``hours`` (their hours) and
        ``spend`` (invoice lines in the period).
    plots : dict of str to pandas.DataFrame
        Plain data for the charts of the fit (see
        :class:`~itmodels.fitting.summary.FitSummary`): ``survival`` (Kaplan-Meier and
        fitted survival per device class), ``rates`` (tickets per month per stream with
        the fitted trend), ``work`` (the hours of each fitted work or repair time, with
        the fitted lognormal).
    """

    scenario: Scenario
    base: Scenario
    evidence: pd.DataFrame
    skipped: pd.DataFrame
    changes: dict[str, Any]
    level: float
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    reports: tuple[str, ...] = ()
    rate_card: RateCard | None = None
    lifetimes: dict[str, LifetimeFit | str] = field(default_factory=dict)
    observed: dict[str, float] = field(default_factory=dict)
    plots: dict[str, pd.DataFrame] = field(default_factory=dict)

    def parameter_draws(self) -> FitDraws:
        """Draws of every fitted parameter from its sampling distribution, per replication.

        Pass it as ``run_experiment(fit.scenario, ..., vary=fit.parameter_draws())`` so
        that the intervals on the paired difference include the estimation error, not
        only the simulation's luck; see :mod:`itmodels.fitting.draws` for how each
        parameter is drawn (a parametric bootstrap of rates, shares and work times;
        lifetime parameters lognormal, matched to their intervals).

        Returns
        -------
        FitDraws
        """
        return FitDraws(self.evidence, self.level)

    def draw(self, replication: int, seed: int = 0) -> Scenario:
        """The fitted scenario with replication ``replication``'s drawn parameters.

        Parameters
        ----------
        replication : int
            The replication.
        seed : int, default 0
            The experiment's seed.

        Returns
        -------
        Scenario
            What ``run_experiment(fit.scenario, seed=seed, vary=fit.parameter_draws())``
            runs replication ``replication`` on.
        """
        return self.parameter_draws().draw(self.scenario, seed, replication)[0]

    def summary(self) -> FitSummary:
        """What a report shows of the fit, as plain data (saved beside the fitted YAML).

        Returns
        -------
        FitSummary
        """
        return FitSummary(
            evidence=self.evidence.copy(),
            skipped=self.skipped.copy(),
            level=self.level,
            plots={k: v.copy() for k, v in self.plots.items()},
            period=(
                f"{self.start.date()} to {self.end.date()}"
                if self.start is not None and self.end is not None
                else ""
            ),
        )

    def check(self, replications: int = 40, seed: int = 0, *, offer: str | None = None
              ) -> pd.DataFrame:  # fmt: skip
        """Back-test: the observed year against the fitted scenario's simulated years.

        The fitted scenario is simulated over the observed period (its horizon set to the
        period's length) under ``offer``, and the observed tickets, hours worked and
        spend per year are put against the simulated 90 % range.  The simulation starts
        from the fleet as fitted (at ``as_of``), so devices are older than they were
        during the period: a mild approximation.

        Parameters
        ----------
        replications : int, default 40
            Simulated periods.
        seed : int, default 0
            Seed of the replications.
        offer : str, optional
            The offer the client was on; default the base's first offer paid per
            incident (else the first offer).

        Returns
        -------
        pandas.DataFrame
            One row per measure (``tickets``, ``hours``, ``spend``; those the exports
            show): ``measure``, ``observed``, ``low`` (5 %), ``median``, ``high`` (95 %),
            all per year, and ``inside`` (observed within ``low``-``high``).

        Raises
        ------
        ValueError
            Without tickets (no observed period), or for fewer than 2 replications.

        See Also
        --------
        itmodels.charts.fit_plots.check_chart : the table as a chart.
        """
        from itmodels.experiments.run import simulate

        if "years" not in self.observed:
            raise ValueError("no observed period: the fit was made without tickets")
        if replications < 2:
            raise ValueError(f"replications must be at least 2, not {replications}")
        years = self.observed["years"]
        scn = self.scenario.override({"horizon": years * HOURS_PER_YEAR})
        offer = offer or reference_offer(scn) or next(iter(scn.contracts))
        measures = [m for m in ("tickets", "hours", "spend") if m in self.observed]
        sims: dict[str, list[float]] = {m: [] for m in measures}
        for r in range(replications):
            run = simulate(scn, offer, seed, replication=r)
            inc = run.incidents
            sims["tickets"].append(
                float(((inc["kind"] != "prevented") & inc["reported"].notna()).sum())
            )
            if "hours" in sims:
                repairs = run.visits[run.visits["kind"] == "repair"]
                sims["hours"].append(float(repairs["work_hours"].sum()))
            if "spend" in sims:
                ledger = run.ledger
                sims["spend"].append(float(ledger.loc[ledger["payer"] == "client", "amount"].sum()))
        rows = []
        for m in measures:
            values = np.asarray(sims[m]) / years
            low, median, high = np.quantile(values, [0.05, 0.5, 0.95])
            obs = self.observed[m] / years
            rows.append((m, obs, low, median, high, bool(low <= obs <= high)))
        return pd.DataFrame(
            rows, columns=["measure", "observed", "low", "median", "high", "inside"]
        )

    def table(self) -> str:
        """What was fitted and what was skipped, as short lines of text.

        Returns
        -------
        str
            One line per fitted parameter (estimate, interval, n, source), then one per
            skipped item.
        """
        lines = [f"fitted ({self.level:.0%} intervals):"]
        for r in self.evidence.itertuples(index=False):
            interval = f"[{_num(r.low)}, {_num(r.high)}]" if np.isfinite(r.low) else "(no interval)"
            lines.append(
                f"  {r.key:<48} {_num(r.estimate):>9} {interval:<22} {r.unit:<14}"
                f" n={r.n:<5} {Path(str(r.source)).name}"
            )
        if len(self.skipped):
            lines.append("not fitted (base value kept):")
            lines += [f"  {r.key}: {r.reason}" for r in self.skipped.itertuples(index=False)]
        return "\n".join(lines)

    def yaml_text(self) -> str:
        """The fitted scenario as YAML, each fitted key's line carrying its evidence.

        Returns
        -------
        str
            YAML (durations in hours) that loads to :attr:`scenario`.
        """
        comments: dict[str, list[str]] = {}
        for r in self.evidence.itertuples(index=False):
            comments.setdefault(_line_key(r.key, self.changes), []).append(_comment(r))
        data = self.scenario.model_dump(mode="json", exclude_none=True)
        head = [
            f"# Scenario {self.scenario.name!r} fitted by itmodels to the client's exports"
            " (durations in hours).",
            f"# Base scenario: {self.base.source}.  Keys with a '# fitted' comment come from"
            " the data;",
            "# every other value is the base's.  Intervals are "
            f"{self.level:.0%} confidence intervals.",
        ]
        if self.start is not None and self.end is not None:
            head.append(f"# Tickets observed from {self.start} to {self.end}.")
        head += [_one_line(f"# not fitted: {r.key}: {r.reason}") for r in self.skipped.itertuples()]
        body = _emit(data, comments, [], 0)
        return "\n".join(head) + "\n" + "\n".join(body) + "\n"

    def to_yaml(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the fitted scenario, with a comment on each fitted key, atomically.

        Parameters
        ----------
        path : str or Path
            The file to write.
        overwrite : bool, default False
            Replace an existing file (otherwise an existing file is refused).

        Returns
        -------
        pathlib.Path
            The file written.

        Raises
        ------
        FileExistsError
            When ``path`` exists and ``overwrite`` is False.
        """
        return write_text(path, self.yaml_text(), overwrite=overwrite, hint=REPLACE_HINT)


# ----------------------------------------------------------------------------- YAML


def _one_line(text: str) -> str:
    """A comment kept on one line (a newline in a reason would end the comment)."""
    return " ".join(text.splitlines())


def _num(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:.4g}"


def _comment(r: Any) -> str:
    what = r.key.rsplit(".", 1)[-1]
    interval = f" [{_num(r.low)}, {_num(r.high)}]" if np.isfinite(r.low) else ""
    return (
        f"{what} {_num(r.estimate)}{interval} {r.unit}, n={r.n}, "
        f"{Path(str(r.source)).name} ({r.method})"
    )


def _line_key(key: str, changes: Mapping[str, Any]) -> str:
    """The overridden key a parameter's key lies under (the line its comment goes on)."""
    for k in sorted(changes, key=len, reverse=True):
        if key == k or key.startswith(k + "."):
            return k
    return key


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.strip().removesuffix("...").strip()


def _leaf(value: Any) -> bool:
    if isinstance(value, dict):
        return all(not isinstance(v, dict | list) for v in value.values())
    if isinstance(value, list):
        return all(not isinstance(v, dict | list) for v in value)
    return True


def _emit(
    node: dict[str, Any], comments: dict[str, list[str]], path: list[str], indent: int
) -> list[str]:
    """YAML lines of a mapping, a ``# fitted`` comment after each fitted key."""
    pad = " " * indent
    lines: list[str] = []
    for key, value in node.items():
        here = [*path, str(key)]
        dotted = ".".join(here)
        note = comments.get(dotted)
        tail = _one_line(f"  # fitted: {'; '.join(note)}") if note else ""
        name = _scalar(key)
        if _leaf(value):
            lines.append(f"{pad}{name}: {_scalar(value)}{tail}")
        elif isinstance(value, dict):
            lines.append(f"{pad}{name}:{tail}")
            lines += _emit(value, comments, here, indent + 2)
        else:
            lines.append(f"{pad}{name}:{tail}")
            for i, item in enumerate(value):
                label = item.get("name", str(i)) if isinstance(item, dict) else str(i)
                if isinstance(item, dict):
                    sub = _emit(item, comments, [*here, str(label)], indent + 4)
                    sub[0] = f"{pad}  - {sub[0].lstrip()}"
                    lines += sub
                else:
                    lines.append(f"{pad}  - {_scalar(item)}")
    return lines


# ----------------------------------------------------------------------------- fitting


def reference_offer(scn: Scenario) -> str | None:
    """The base's first offer paid per incident (a reference model), or None.

    Parameters
    ----------
    scn : Scenario
        The base scenario.

    Returns
    -------
    str or None
        The offer's name.
    """
    for name, terms in scn.contracts.items():
        if contract_class(terms.type).reference:
            return name
    return None


class _Collector:
    def __init__(self, level: float) -> None:
        self.level = level
        self.rows: list[dict[str, Any]] = []
        self.skipped: list[tuple[str, str, str]] = []
        self.groups: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        self.plots: dict[str, list[pd.DataFrame]] = {"survival": [], "rates": [], "work": []}

    def skip(self, key: str, reason: str, source: str = "") -> None:
        self.skipped.append((key, reason, source))

    def group(self, changes: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        self.groups.append((changes, rows))


def _row(
    key: str, estimate: float, low: float, high: float, unit: str, n: int, source: str,
    method: str, note: str = "",
) -> dict[str, Any]:  # fmt: skip
    return {
        "key": key, "estimate": float(estimate), "low": float(low), "high": float(high),
        "unit": unit, "n": int(n), "source": source, "method": method, "note": note,
    }  # fmt: skip


def _read(value: Any, kind: type, reader: Any, columns: Mapping[str, str] | None) -> Any:
    if value is None or isinstance(value, kind):
        return value
    if isinstance(value, str | os.PathLike):
        return reader(value, columns)
    raise TypeError(f"expected a path or {kind.__name__}, got {type(value).__name__}")


def _mean_neglect(stream: Any, months: float) -> float:
    """The mean neglect multiplier over ``months`` without maintenance."""
    neglect = stream.neglect
    if neglect is None:
        return 1.0
    m = np.linspace(0.0, months, 2001) + neglect.initial_months
    mult = np.minimum(1.0 + neglect.growth_per_month * m, neglect.max_multiplier)
    return float(np.trapezoid(mult, m) / months) if months > 0 else float(mult[0])


def _lognormal_rows(
    prefix: str, table: pd.DataFrame, source: str, what: str
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str]:
    row = table[table["category"] == "all"].iloc[0]
    n = int(row["n"])
    if n < MIN_TICKETS:
        return None, [], f"{n} ticket(s) with hours > 0, fewer than {MIN_TICKETS}"
    note = f"lognormal fitted to the hours of {what}"
    if int(row["zero"]):
        note += f"; {int(row['zero'])} ticket(s) with 0 hours left out"
    if int(row["missing"]):
        note += f"; {int(row['missing'])} without hours"
    value = {"dist": "lognormal", "median": float(row["median"]), "sigma": float(row["sigma"])}
    rows = [
        _row(f"{prefix}.median", row["median"], row["median_low"], row["median_high"], "hours",
             n, source, "MLE, Student t interval", note),
        _row(f"{prefix}.sigma", row["sigma"], row["sigma_low"], row["sigma_high"], "", n,
             source, "MLE, chi-square interval", note),
    ]  # fmt: skip
    return value, rows, ""


def _remote_rows(
    key: str, tickets: Tickets, source: str, level: float
) -> tuple[float | None, list[dict[str, Any]], str]:
    if not tickets.has("onsite"):
        return None, [], f"{source} has no onsite column"
    row = remote_share(tickets, level=level).iloc[-1]
    n = int(row["n"])
    if n < MIN_TICKETS:
        return None, [], f"{n} ticket(s) with on-site known, fewer than {MIN_TICKETS}"
    rows = [
        _row(key, row["share"], row["low"], row["high"], "share", n, source,
             "share fixed remotely, Clopper-Pearson interval"),
    ]  # fmt: skip
    return float(row["share"]), rows, ""


def _fit_work_and_remote(
    out: _Collector, tickets: Tickets, key: str, work: str, what: str, level: float
) -> None:
    """Fit ``<key>.<work>`` (lognormal hours of ``what``) and ``<key>.remote_fix_probability``."""
    src = tickets.path
    work_key = f"{key}.{work}"
    if tickets.has("hours"):
        value, rows, why = _lognormal_rows(work_key, work_time(tickets, level=level), src, what)
        if value is None:
            out.skip(work_key, why, src)
        else:
            out.group({work_key: value}, rows)
            out.plots["work"].append(_work_plot(work_key, tickets, value))
    else:
        out.skip(work_key, f"{src} has no hours column", src)
    share, rows, why = _remote_rows(f"{key}.remote_fix_probability", tickets, src, level)
    if share is None:
        out.skip(f"{key}.remote_fix_probability", why, src)
    else:
        out.group({f"{key}.remote_fix_probability": share}, rows)


def _work_plot(key: str, tickets: Tickets, value: Mapping[str, Any]) -> pd.DataFrame:
    """The hours (> 0) behind a fitted work or repair time, with the fitted lognormal."""
    hours = tickets.frame["hours"].to_numpy(dtype=float)
    hours = hours[np.isfinite(hours) & (hours > 0)]
    return pd.DataFrame(
        {"key": key, "hours": hours, "median": float(value["median"]),
         "sigma": float(value["sigma"])}
    )  # fmt: skip


def _rate_plot(
    key: str, tickets: Tickets, start: pd.Timestamp, end: pd.Timestamp, level: float,
    units: float, per: str,
) -> pd.DataFrame:  # fmt: skip
    """A stream's tickets per month (per unit), with the fitted log-linear trend."""
    columns = ["key", "month", "start", "exposure", "count", "rate", "trend", "growth",
               "p_value", "per"]  # fmt: skip
    try:
        # a chart only: an odd series (every ticket in one month) may not converge
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            trend = trend_test(tickets, start=start, end=end, level=level)
    except ValueError:  # under two months, or no ticket: nothing to draw
        return pd.DataFrame(columns=columns)
    c = trend.counts
    return pd.DataFrame(
        {
            "key": key,
            "month": c["month"],
            "start": c["start"],
            "exposure": c["exposure"],
            "count": c["count"],
            "rate": c["count"] / c["exposure"] / units,
            "trend": c["fitted"] / c["exposure"] / units,
            "growth": trend.growth_per_month,
            "p_value": trend.p_value,
            "per": per,
        }
    )[columns]


def _survival_plot(name: str, fit: LifetimeFit) -> pd.DataFrame:
    """A class's Kaplan-Meier survival (steps) and the fitted survival, in years."""
    km = fit.km
    top = float(km["time"].max()) if len(km) else 1.0
    grid = np.linspace(0.0, max(top, 1e-9) * 1.1, 200)
    p = fit.params
    dist = fit.distribution
    if dist == "weibull":
        fitted = np.exp(-((grid / p["scale"]) ** p["shape"]))
    elif dist == "lognormal":
        fitted = stats.lognorm.sf(grid, s=p["sigma"], scale=p["median"])
    elif dist == "gamma":
        fitted = stats.gamma.sf(grid, a=p["shape"], scale=p["scale"])
    else:
        fitted = np.exp(-grid / p["mean"])
    steps = pd.DataFrame(
        {"class": name, "curve": "kaplan-meier", "years": km["time"].to_numpy(dtype=float),
         "survival": km["survival"].to_numpy(dtype=float),
         "low": km["low"].to_numpy(dtype=float), "high": km["high"].to_numpy(dtype=float)}
    )  # fmt: skip
    line = pd.DataFrame(
        {"class": name, "curve": f"fitted {dist}", "years": grid, "survival": fitted,
         "low": np.nan, "high": np.nan}
    )  # fmt: skip
    return pd.concat([steps, line], ignore_index=True)


def _subset(tickets: Tickets, mask: np.ndarray) -> Tickets:
    return dataclasses.replace(tickets, frame=tickets.frame[mask].reset_index(drop=True))


def _lifetime(
    rows: pd.DataFrame, name: str, candidates: Sequence[str], level: float
) -> LifetimeFit | str:
    """One class's lifetime fit, or why there is none (few failures, no finite interval)."""
    used = rows[rows["excluded"] == ""]
    notes = [
        f"{count} device(s) left out: {reason}"
        for reason, count in rows.loc[rows["excluded"] != "", "excluded"].value_counts().items()
    ]
    events = int(used["event"].sum())
    if events < MIN_FAILURES:
        return (
            f"{events} failure(s) among {len(used)} device life(s), fewer than {MIN_FAILURES}:"
            " too few to choose and fit a lifetime distribution"
        )
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # the optimiser's overflow warnings on far-off trial values, not on the data
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = fit_lifetime(
            used["duration"].to_numpy(), used["event"].to_numpy(), used["entry"].to_numpy(),
            candidates=candidates, level=level, name=name, notes=notes,
        )  # fmt: skip
    bounds = [x for interval in fit.intervals.values() for x in interval]
    if not all(np.isfinite(bounds)) or min(bounds) <= 0:
        return (
            f"the {fit.distribution} fit to {events} failure(s) has no finite interval "
            "(too few or too alike failure ages)"
        )
    return fit


def _fit_assets(
    scn: Scenario,
    assets: Assets,
    as_of: pd.Timestamp,
    level: float,
    candidates: Sequence[str],
    out: _Collector,
) -> dict[str, LifetimeFit | str]:
    src = assets.path
    table = lifetime_table(assets, as_of=as_of)
    fits: dict[str, LifetimeFit | str] = {}
    f = assets.frame
    names = {d.name for d in scn.fleet}
    for cls in assets.classes:
        if cls not in names:
            count = int((f["class"] == cls).sum())
            out.skip(
                f"assets class {cls!r}",
                f"{count} asset(s) of a class the base fleet lacks (its classes are "
                f"{sorted(names)}); add the class to the base scenario to use them",
                src,
            )
    for dev in scn.fleet:
        key = f"fleet.{dev.name}"
        rows = f[f["class"] == dev.name]
        if rows.empty:
            out.skip(key, "no assets of this class in the register", src)
            continue
        live = rows[(rows["in_service"] <= as_of) & ~(rows["out_of_service"] <= as_of)]
        age = ((as_of - live["in_service"]) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
        changes: dict[str, Any] = {f"{key}.count": len(live)}
        ev = [_row(f"{key}.count", len(live), np.nan, np.nan, "devices", len(rows), src,
                   f"devices in service on {as_of.date()}")]  # fmt: skip
        if len(live):
            mean_age = float(age.mean())
            changes[f"{key}.age"] = mean_age
            ev.append(
                _row(f"{key}.age", mean_age / HOURS_PER_YEAR, np.nan, np.nan, "years",
                     len(live), src, "mean age of the devices in service",
                     f"ages {age.min() / HOURS_PER_YEAR:.2g}-{age.max() / HOURS_PER_YEAR:.2g}"
                     " years; the model gives a class one age")
            )  # fmt: skip
        out.group(changes, ev)
        fit = _lifetime(table[table["class"] == dev.name], dev.name, candidates, level)
        fits[dev.name] = fit
        if isinstance(fit, str):
            out.skip(f"{key}.lifetime", fit, src)
            continue
        out.plots["survival"].append(_survival_plot(dev.name, fit))
        dist, params = fit.distribution, fit.params
        value: dict[str, Any] = {"dist": dist}
        lrows = []
        note = (
            f"{fit.events} failures, {fit.censored} censored, {fit.truncated} left-truncated; "
            f"AIC chose {dist} (delta AIC next {fit.aic['delta_aic'].iloc[1]:.1f})"
            if len(fit.aic) > 1 else f"{fit.events} failures"
        )  # fmt: skip
        note = "; ".join([note, *fit.notes])
        for p, v in params.items():
            in_time = p != "shape" and p != "sigma"
            value[p] = v * HOURS_PER_YEAR if in_time else v
            lo, hi = fit.intervals[p]
            lrows.append(
                _row(f"{key}.lifetime.{p}", v, lo, hi, "years" if in_time else "", fit.n, src,
                     f"censored/truncated MLE, {fit.method}", note)
            )  # fmt: skip
        out.group({f"{key}.lifetime": value}, lrows)
    return fits


def _stream_for(categories: pd.Series, scn: Scenario, mapping: Mapping[str, str]) -> pd.Series:
    streams = {header_key(s.name): s.name for s in scn.incident_streams}
    given = {str(k): v for k, v in mapping.items()}

    def one(cat: object) -> str | None:
        if cat is None or (isinstance(cat, float) and np.isnan(cat)):
            return None
        text = str(cat)
        if text in given:
            return given[text]
        return streams.get(header_key(text))

    return categories.map(one)


def _fit_tickets(
    scn: Scenario,
    tickets: Tickets,
    asset_class: Mapping[str, str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    mapping: Mapping[str, str],
    level: float,
    out: _Collector,
    devices: int,
) -> np.ndarray:
    """Fit the device classes' repairs and the streams; returns which tickets were used."""
    src = tickets.path
    f = tickets.frame
    unknown = sorted(set(mapping.values()) - {s.name for s in scn.incident_streams})
    if unknown:
        raise ValueError(
            f"categories= maps to {unknown}, which are not incident streams of the base "
            f"(its streams are {[s.name for s in scn.incident_streams]})"
        )
    device = f["asset"].map(lambda a: asset_class.get(str(a)) if a is not None else None)
    is_device = device.notna().to_numpy()
    stray = f["asset"].notna().to_numpy() & ~is_device
    stream = _stream_for(f["category"], scn, mapping)
    stream[is_device] = None
    if stray.any():
        why = (
            "name an asset not in the register"
            if asset_class
            else "name an asset, but no asset register was given to tell device failures"
        )
        out.skip(
            "tickets' assets",
            f"{int(stray.sum())} ticket(s) {why}; they were mapped by category like the others",
            src,
        )
    unmapped = ~is_device & stream.isna().to_numpy()
    if unmapped.any():
        cats = f.loc[unmapped, "category"].fillna("(none)").astype(str).value_counts()
        names = [s.name for s in scn.incident_streams]
        for cat, count in cats.items():
            out.skip(
                f"tickets category {cat!r}",
                f"{count} ticket(s) match no incident stream of the base ({names}) and no "
                "asset in the register; not used (map them with categories={"
                f"{cat!r}: '<stream>'}} or a categories: section in the columns file)",
                src,
            )
    # device tickets: repair time and remote share per class
    for dev in scn.fleet:
        mask = (device == dev.name).to_numpy()
        key = f"fleet.{dev.name}"
        if not mask.any():
            continue
        sub = _subset(tickets, mask)
        _fit_work_and_remote(out, sub, key, "repair", f"{dev.name} failure tickets", level)
    months = (end - start) / pd.Timedelta(hours=1) / HOURS_PER_MONTH
    for s in scn.incident_streams:
        key = f"incident_streams.{s.name}"
        mask = (stream == s.name).to_numpy()
        sub = _subset(tickets, mask)
        per = s.per
        units = {
            "user": float(scn.client.users), "office": 1.0, "device": float(devices),
        }[per]  # fmt: skip
        table = incident_rates(
            sub, per="office", offices=units, start=start, end=end, level=level
        ).frame.iloc[-1]
        count = int(table["count"])
        if count == 0:
            out.skip(
                f"{key}.rate",
                f"no tickets of this stream in the period (rate below {table['high']:.3g} per "
                f"{per} and month at {level:.0%}); base rate kept",
                src,
            )
            continue
        mult = _mean_neglect(s, months)
        note = f"{count} tickets over {months:.1f} months x {units:g} {per}(s)"
        if per == "user":
            note += " (client.users of the base)"
        elif per == "device":
            note += " (the fleet as fitted)"
        if mult != 1.0:
            note += (
                f"; divided by the mean neglect multiplier {mult:.3f} (no maintenance assumed "
                "in the period)"
            )
        rate = float(table["rate"]) / mult
        out.plots["rates"].append(_rate_plot(key, sub, start, end, level, units, per))
        out.group(
            {f"{key}.rate": rate},
            [_row(f"{key}.rate", rate, table["low"] / mult, table["high"] / mult,
                  f"per {per}-month", count, src, "Poisson MLE, Garwood interval", note)],
        )  # fmt: skip
        if sub.has("priority"):
            mix = priority_mix(sub, level=level)
            mix = mix[mix["category"] == "all"]
            n = int(mix["n"].iloc[0])
            if n < MIN_TICKETS:
                out.skip(f"{key}.priority", f"{n} tickets with a priority, fewer than "
                         f"{MIN_TICKETS}", src)  # fmt: skip
            else:
                shares = {str(r.priority): float(r.share) for r in mix.itertuples() if r.count > 0}
                changes: dict[str, Any] = {f"{key}.priority": shares}
                loss = s.productivity_loss
                note = f"shares of {n} tickets with a priority"
                if isinstance(loss, dict):
                    missing = [p for p in shares if p not in loss]
                    if missing:
                        given: dict[str, float] = {str(k): float(v) for k, v in loss.items()}
                        filled = dict(given)
                        for p in missing:
                            near = min(given, key=lambda q: abs(PRIORITIES.index(q) -
                                                                 PRIORITIES.index(p)))  # fmt: skip
                            filled[p] = given[near]
                        changes[f"{key}.productivity_loss"] = filled
                        note += f"; productivity_loss of {missing} copied from the nearest priority"
                rows = [
                    _row(f"{key}.priority.{r.priority}", r.share, r.low, r.high, "share", n, src,
                         "share, Clopper-Pearson interval", note)
                    for r in mix.itertuples()
                ]  # fmt: skip
                out.group(changes, rows)
        else:
            out.skip(f"{key}.priority", f"{src} has no priority column", src)
        _fit_work_and_remote(out, sub, key, "work", f"{s.name} tickets", level)
    return np.asarray(is_device | stream.notna().to_numpy())


def _fit_invoices(scn: Scenario, invoices: Invoices, out: _Collector) -> RateCard:
    src = invoices.path
    card = infer_rate_card(invoices)
    offer = reference_offer(scn)
    if offer is None:
        out.skip("contracts", "the base has no offer paid per incident for the rate card", src)
        return card
    terms = scn.contracts[offer]
    fields = type(terms).model_fields
    key = f"contracts.{offer}"
    if "hourly_rate" in fields and card.hourly_rate.value is not None:
        current = terms.hourly_rate  # type: ignore[attr-defined]
        mult = getattr(terms, "after_hours_multiplier", None)
        rates = card.rates
        top = float(rates["rate"].iloc[0])
        if mult:  # a rate that is the after-hours multiple of another is not a base rate
            r = rates["rate"].to_numpy(dtype=float)
            after = np.isclose(r[:, None], r[None, :] * mult, rtol=0.01).any(axis=1)
            rates = rates[~after]
        main = rates[rates["share"] >= 0.05].sort_values("rate")
        n = int(card.hourly_rate.lines)
        if current.remote != current.onsite and len(main) >= 2:
            value = {"remote": float(main["rate"].iloc[0]), "onsite": float(main["rate"].iloc[-1])}
            note = (
                "two main labour rates; the lower taken as remote, the higher as on-site; "
                f"{card.hourly_rate.reason}"
            )
        else:
            value = {"remote": top, "onsite": top}
            note = card.hourly_rate.reason
        rows = [
            _row(f"{key}.hourly_rate.{k}", v, np.nan, np.nan, "money/hour", n, src,
                 "amount / hours of labour lines", note)
            for k, v in value.items()
        ]  # fmt: skip
        out.group({f"{key}.hourly_rate": value}, rows)
    else:
        out.skip(f"{key}.hourly_rate", card.hourly_rate.reason, src)
    for term, inferred, unit in (
        ("minimum_billed", card.minimum_billed, "hours"),
        ("billing_increment", card.billing_increment, "hours"),
        ("trip_charge", card.trip_charge, "money"),
    ):
        if term not in fields:
            continue
        if inferred.value is None:
            out.skip(f"{key}.{term}", inferred.reason, src)
            continue
        out.group(
            {f"{key}.{term}": float(inferred.value)},
            [_row(f"{key}.{term}", inferred.value, np.nan, np.nan, unit, inferred.lines, src,
                  "read from invoice lines", inferred.reason)],
        )  # fmt: skip
    return card


def fit_scenario(
    tickets: str | os.PathLike[str] | Tickets | None = None,
    assets: str | os.PathLike[str] | Assets | None = None,
    invoices: str | os.PathLike[str] | Invoices | None = None,
    *,
    base: Scenario | str,
    as_of: str | pd.Timestamp | None = None,
    start: str | pd.Timestamp | None = None,
    level: float = 0.95,
    columns: Mapping[str, Mapping[str, str]] | None = None,
    categories: Mapping[str, str] | None = None,
    candidates: Sequence[str] = CANDIDATES,
) -> Fit:
    """Fit the base scenario's keys to a client's ticket, asset and invoice exports.

    See the module documentation for the keys fitted, how tickets are mapped to device
    classes and incident streams, and the assumptions made.

    Parameters
    ----------
    tickets, assets, invoices : path or export object, optional
        The exports (CSV or Excel paths, or objects from the readers); at least one.
    base : Scenario or str
        The base scenario (or a shipped name or file) that supplies what the exports
        cannot show.
    as_of : date, optional
        The export date: the end of the tickets' period and the date devices in service
        are censored at; default the latest date in the exports.
    start : date, optional
        The start of the tickets' period; default the first ticket's opening.
    level : float, default 0.95
        Confidence level of the intervals.
    columns : mapping, optional
        ``{"tickets": {...}, "assets": {...}, "invoices": {...}}``: each export's headers
        mapped to canonical names (used when a path is given).
    categories : mapping of str to str, optional
        Ticket categories mapped to the base's incident stream names.
    candidates : sequence of str, default all four
        The lifetime distributions compared by AIC (``("weibull",)`` fits only it).

    Returns
    -------
    Fit
        ``.scenario``, ``.evidence``, ``.skipped``, ``.table()``, ``.to_yaml(path)``.

    Raises
    ------
    DataError
        From a reader, for a bad file.
    ValueError
        Without any export, or for ``categories`` naming unknown streams.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp(), "t.csv")
    >>> _ = p.write_text("id,opened,category\\n1,2024-01-01,user-problems\\n"
    ...                  "2,2024-03-01,User Problems\\n3,2024-05-01,Printing\\n")
    >>> fit = fit_scenario(p, base="small-office", as_of="2024-07-01")
    >>> fit.evidence[["key", "n"]].values.tolist()
    [['incident_streams.user-problems.rate', 2]]
    >>> fit.skipped["key"].tolist()[0]
    "tickets category 'Printing'"
    """
    if tickets is None and assets is None and invoices is None:
        raise ValueError("give at least one export: tickets, assets or invoices")
    scn = base if isinstance(base, Scenario) else load_scenario(base)
    cols = dict(columns or {})
    t = _read(tickets, Tickets, read_tickets, cols.get("tickets"))
    a = _read(assets, Assets, read_assets, cols.get("assets"))
    i = _read(invoices, Invoices, read_invoices, cols.get("invoices"))
    ends = [x.end for x in (t, a, i) if x is not None and len(x)]
    end = pd.Timestamp(as_of) if as_of is not None else max(ends) if ends else None
    out = _Collector(level)
    lifetimes: dict[str, LifetimeFit | str] = {}
    if a is not None:
        assert end is not None
        lifetimes = _fit_assets(scn, a, end, level, candidates, out)
    first: pd.Timestamp | None = None
    observed: dict[str, float] = {}
    if t is not None and len(t):
        assert end is not None
        first = pd.Timestamp(start) if start is not None else t.start
        asset_class = (
            dict(zip(a.frame["id"].astype(str), a.frame["class"].astype(str), strict=True))
            if a is not None
            else {}
        )
        counts = {d.name: d.count for d in scn.fleet}
        for group, _ in out.groups:
            counts.update({k.split(".")[1]: v for k, v in group.items() if k.endswith(".count")})
        used = _fit_tickets(
            scn, t, asset_class, first, end, categories or {}, level, out, sum(counts.values())
        )
        opened = t.frame["opened"]
        inside = used & ((opened >= first) & (opened <= end)).to_numpy()
        observed["years"] = (end - first) / pd.Timedelta(hours=1) / HOURS_PER_YEAR
        observed["tickets"] = float(inside.sum())
        if t.has("hours"):
            observed["hours"] = float(t.frame.loc[inside, "hours"].sum())
        if i is not None and len(i):
            dates = i.frame["date"]
            within = (dates >= first.normalize()) & (dates <= end)
            observed["spend"] = float(i.frame.loc[within, "amount"].sum())
    for x in (t, a, i):
        if x is not None and not len(x):
            out.skip(x.path, f"no {x.noun}s in the file (nothing fitted from it)", x.path)
    card = _fit_invoices(scn, i, out) if i is not None and len(i) else None
    # all at once; when the scenario refuses a value, group by group, skipping the refused
    fitted = scn
    changes: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    every = {k: v for group, _ in out.groups for k, v in group.items()}
    try:
        fitted = scn.override(every)
    except ScenarioError:
        pass
    else:
        out.groups, changes, rows = [], every, [r for _, ev in out.groups for r in ev]
    for group, ev in out.groups:
        try:
            fitted = fitted.override(group)
        except ScenarioError as err:
            for key in group:
                out.skip(
                    key, f"the fitted value is refused by the scenario: {err}", ev[0]["source"]
                )
            continue
        changes.update(group)
        rows += ev
    evidence = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    skipped = pd.DataFrame(out.skipped, columns=["key", "reason", "source"])
    plots = {
        name: pd.concat([f for f in frames if len(f)], ignore_index=True)
        for name, frames in out.plots.items()
        if any(len(f) for f in frames)
    }
    return Fit(
        scenario=fitted,
        base=scn,
        evidence=evidence,
        skipped=skipped,
        changes=changes,
        level=level,
        start=first,
        end=end if t is not None else None,
        reports=tuple(x.report() for x in (t, a, i) if x is not None),
        rate_card=card,
        lifetimes=lifetimes,
        observed=observed,
        plots=plots,
    )
