"""Estimation error carried into an experiment: each replication draws its fitted values.

:class:`FitDraws` is the :class:`~itmodels.experiments.experiment.ParameterDraws` of a fit
(:meth:`itmodels.fitting.fit.Fit.parameter_draws`): ``run_experiment(scn, vary=draws)``
runs replication ``r`` on the fitted scenario with every fitted parameter that has an
interval drawn afresh from its sampling distribution, so the intervals on the paired
difference include the estimation error as well as the simulation's luck.

What is drawn, parameter by parameter (all independently of each other):

* an incident rate (``n`` tickets): a **parametric bootstrap** of the count: ``n*`` is
  Poisson with mean ``n`` and the rate is ``estimate * n* / n`` (0 when ``n*`` is 0);
* a stream's priority mix (``n`` tickets): a parametric bootstrap, the counts multinomial
  with the fitted shares (a priority drawn 0 times leaves the mix);
* a share fixed remotely (``n`` tickets): a parametric bootstrap, binomial (so a share
  estimated at 0 or 1 stays there);
* a lognormal work or repair time (``n`` tickets): the exact parametric bootstrap of
  the MLE: ``log median* = log median + sigma Z / sqrt(n)`` and
  ``sigma* = sigma sqrt(chi2(n-1) / n)``;
* a lifetime parameter (censored, truncated MLE): lognormal, centred on the estimate,
  with the spread that gives its interval (the large-sample normal approximation on
  the log scale, ``sd = (log high - log low) / (2 z)``); the correlation between a
  distribution's parameters is not kept.

Values without an interval (device counts and ages, the rate card) are not drawn.  The
draws depend only on the experiment's seed and the replication (a seed sequence of its
own, apart from the simulation's), so the numbers are the same on every executor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from itmodels.scenario import Scenario
from itmodels.scenario.units import HOURS_PER_YEAR

__all__ = ["DRAW_TAG", "FitDraws"]

#: mixed into the seed so the draws' stream is apart from the simulation's
DRAW_TAG = 0x66697464


def _kind(row: Any) -> str | None:
    """How an evidence row is drawn (None: not drawn)."""
    if not (np.isfinite(row.low) and np.isfinite(row.high)):
        return None
    key = str(row.key)
    parts = key.split(".")
    if parts[0] == "fleet" and len(parts) >= 4 and parts[2] == "lifetime":
        return "lifetime"
    if parts[0] == "incident_streams" and key.endswith(".rate"):
        return "rate"
    if parts[0] == "incident_streams" and len(parts) == 4 and parts[2] == "priority":
        return "priority"
    if key.endswith(".remote_fix_probability"):
        return "share"
    if len(parts) >= 4 and parts[-2] in ("work", "repair") and parts[-1] in ("median", "sigma"):
        return "lognormal"
    return None


@dataclass(frozen=True, eq=False)
class FitDraws:
    """Draws each replication's fitted values from their sampling distributions.

    See the module documentation for how each kind of parameter is drawn.

    Parameters
    ----------
    evidence : pandas.DataFrame
        A fit's evidence (:attr:`itmodels.fitting.fit.Fit.evidence`): ``key``,
        ``estimate``, ``low``, ``high``, ``unit``, ``n`` at least.
    level : float
        The confidence level of its intervals.

    Examples
    --------
    >>> import itmodels as itm
    >>> ev = pd.DataFrame({"key": ["incident_streams.user-problems.rate"],
    ...     "estimate": [0.4], "low": [0.3], "high": [0.5], "unit": ["per user-month"],
    ...     "n": [60]})
    >>> draws = FitDraws(ev, 0.95)
    >>> scn, values = draws.draw(itm.load_scenario("small-office"), seed=1, replication=0)
    >>> values == draws.values(1, 0)
    True
    """

    evidence: pd.DataFrame
    level: float

    @cached_property
    def drawn(self) -> pd.DataFrame:
        """The evidence rows that are drawn, with a ``kind`` column."""
        ev = self.evidence
        kinds = [_kind(r) for r in ev.itertuples(index=False)]
        out = ev.assign(kind=kinds)
        return out[out["kind"].notna()].reset_index(drop=True)

    @property
    def description(self) -> str:
        """One sentence for reports: what is drawn, and how."""
        n = len(self.drawn)
        return (
            f"Estimation error is carried into the intervals: each replication ran on its own"
            f" draw of the {n} fitted parameter{'s' if n != 1 else ''} that have an interval"
            " (a parametric bootstrap of the rates, shares and work times; lifetimes"
            " lognormal around their estimate), so the intervals include the uncertainty of"
            " the fit as well as the simulation's luck."
        )

    def values(self, seed: int, replication: int) -> dict[str, float]:
        """The values drawn for one replication, in the evidence's units.

        Parameters
        ----------
        seed : int
            The experiment's seed.
        replication : int
            The replication.

        Returns
        -------
        dict of str to float
            ``{evidence key: value}`` for every parameter drawn.
        """
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if isinstance(replication, bool) or not isinstance(replication, int | np.integer):
            raise ValueError(f"replication must be a non-negative integer, got {replication!r}")
        if replication < 0:
            raise ValueError(f"replication must be a non-negative integer, got {replication!r}")
        rng = np.random.default_rng(
            np.random.SeedSequence([int(seed), DRAW_TAG], spawn_key=(int(replication),))
        )
        rows = self.drawn
        z = float(stats.norm.ppf(0.5 + self.level / 2))
        out: dict[str, float] = {}
        done: set[str] = set()
        for r in rows.itertuples(index=False):
            key, kind = str(r.key), str(r.kind)
            if key in done:
                continue
            n = int(r.n)
            if kind == "rate":
                count = int(rng.poisson(n))
                out[key] = float(r.estimate) * count / n if n else float(r.estimate)
            elif kind == "share":
                out[key] = float(rng.binomial(n, min(max(float(r.estimate), 0.0), 1.0))) / n
            elif kind == "lifetime":
                sd = (math.log(r.high) - math.log(r.low)) / (2 * z)
                out[key] = float(r.estimate) * math.exp(sd * rng.standard_normal())
            elif kind == "priority":
                prefix = key.rsplit(".", 1)[0]
                group = rows[rows["key"].str.startswith(prefix + ".")]
                shares = group["estimate"].to_numpy(dtype=float)
                counts = rng.multinomial(n, shares / shares.sum())
                for k, c in zip(group["key"], counts, strict=True):
                    out[str(k)] = float(c) / n
                    done.add(str(k))
            else:  # lognormal work or repair time: median and sigma together
                prefix = key.rsplit(".", 1)[0]
                group = rows[rows["key"].isin([f"{prefix}.median", f"{prefix}.sigma"])]
                est = dict(zip(group["key"], group["estimate"].astype(float), strict=True))
                sigma = est.get(f"{prefix}.sigma")
                median = est.get(f"{prefix}.median")
                s = sigma if sigma is not None else 0.0
                zed, chi = rng.standard_normal(), rng.chisquare(max(n - 1, 1))
                if median is not None:
                    out[f"{prefix}.median"] = median * math.exp(s * zed / math.sqrt(n))
                if sigma is not None:
                    out[f"{prefix}.sigma"] = sigma * math.sqrt(chi / n)
                done.update(group["key"].astype(str))
        return out

    def changes(self, values: dict[str, float]) -> dict[str, Any]:
        """Drawn values as overrides of the scenario (durations in hours).

        Parameters
        ----------
        values : dict of str to float
            From :meth:`values`.

        Returns
        -------
        dict
            Dotted keys and values for :meth:`Scenario.override`.
        """
        units = dict(zip(self.evidence["key"], self.evidence["unit"], strict=False))
        changes: dict[str, Any] = {}
        mixes: dict[str, dict[str, float]] = {}
        for key, value in values.items():
            parts = key.split(".")
            if parts[0] == "incident_streams" and len(parts) == 4 and parts[2] == "priority":
                mix = mixes.setdefault(".".join(parts[:3]), {})
                if value > 0:
                    mix[parts[3]] = value
            elif units.get(key) == "years":
                changes[key] = value * HOURS_PER_YEAR
            else:
                changes[key] = value
        changes.update(mixes)
        return changes

    def draw(
        self, scenario: Scenario, seed: int, replication: int
    ) -> tuple[Scenario, dict[str, float]]:
        """Replication ``replication``'s scenario: ``scenario`` with the drawn values.

        Parameters
        ----------
        scenario : Scenario
            The fitted scenario (or one differing from it in keys not drawn).
        seed : int
            The experiment's seed.
        replication : int
            The replication.

        Returns
        -------
        tuple of (Scenario, dict of str to float)
            The scenario to run and the values drawn (:meth:`values`).
        """
        values = self.values(seed, replication)
        return scenario.override(self.changes(values)), values

    def check(self, scenario: Scenario) -> None:
        """Refuse a scenario whose drawn keys differ from the fit's estimates.

        The draws are centred on the fit's estimates and replace the scenario's values:
        a value changed after the fit (by hand, or with ``--set``) would be lost.

        Parameters
        ----------
        scenario : Scenario
            The scenario the experiment runs.

        Raises
        ------
        ValueError
            Naming the first key whose value differs (or is missing).
        """
        for r in self.drawn.itertuples(index=False):
            key = str(r.key)
            parts = key.split(".")
            if r.kind == "priority":
                mix = scenario.value_at(".".join(parts[:3]))
                current = float(mix.get(parts[3], 0.0)) if isinstance(mix, dict) else math.nan
            else:
                try:
                    current = float(scenario.value_at(key))
                except (KeyError, TypeError, ValueError):
                    current = math.nan
                if r.unit == "years":
                    current /= HOURS_PER_YEAR
            if not math.isclose(current, float(r.estimate), rel_tol=1e-6, abs_tol=1e-12):
                raise ValueError(
                    f"scenario {scenario.source}: {key} is {current:.6g}, but the fit estimated"
                    f" {float(r.estimate):.6g}; the draws are centred on the fit's estimates"
                    " and would replace it: run on the fitted scenario as written, or without"
                    " the fit's uncertainty"
                )
