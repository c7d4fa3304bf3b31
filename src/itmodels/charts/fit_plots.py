"""Charts of a fit to the client's own data, drawn from plain data frames.

The frames are those of :attr:`itmodels.fitting.fit.Fit.plots` (or a fit file read back):
this module draws them and knows nothing of how they were made.

* :func:`survival_chart`: per device class, the Kaplan-Meier survival of the devices
  (steps, with its interval) and the fitted lifetime's survival (a line);
* :func:`rate_chart`: per incident stream, tickets per month (per user, office or
  device) and the fitted log-linear trend;
* :func:`work_chart`: per fitted work or repair time, a histogram of the hours (log
  scale) and the fitted lognormal density;
* :func:`check_chart`: the back-test (:meth:`itmodels.fitting.fit.Fit.check`): each
  observed yearly figure against the fitted scenario's simulated 90 % range.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from itmodels.charts.style import style_axes

__all__ = [
    "FIT_CHARTS",
    "check_chart",
    "fit_figures",
    "rate_chart",
    "survival_chart",
    "work_chart",
]

#: the fit's charts, by the name of the plot data each draws
FIT_CHARTS = ("survival", "rates", "work")

_DATA = "#332288"
_FIT = "#CC6677"


def _grid(n: int, width: float = 4.0, height: float = 3.2) -> tuple[Figure, list]:
    """A figure (not managed by pyplot: reports draw many) with ``n`` panels."""
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    # at least 8 inches wide: the title must fit above a single panel
    fig = Figure(figsize=(max(8.0, width * cols), height * rows + 0.4), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    return fig, axes


def _panels(frame: pd.DataFrame, column: str, width: float = 4.0) -> tuple[Figure, list, list]:
    """A figure with one panel per distinct ``column`` value, and those values in order."""
    names = list(dict.fromkeys(frame[column]))
    fig, axes = _grid(len(names), width=width)
    return fig, axes, names


def _panel_title(ax: Axes, text: str) -> None:
    ax.set_title(text, loc="left", fontsize=11, fontweight="bold")


def _figure_title(fig: Figure, text: str) -> None:
    fig.suptitle(text, x=0.01, ha="left", fontsize=13, fontweight="bold")


def _plain_text(draw: Callable[[pd.DataFrame], Figure]) -> Callable[[pd.DataFrame], Figure]:
    """Draw with ``$`` in names taken as text, not as mathematics."""

    @functools.wraps(draw)
    def wrapped(frame: pd.DataFrame) -> Figure:
        with mpl.rc_context({"text.parse_math": False}):
            return draw(frame)

    return wrapped


def _need(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: the plot data lacks the column(s) {missing}")
    if frame.empty:
        raise ValueError(f"{what}: no rows to draw")


@_plain_text
def survival_chart(survival: pd.DataFrame) -> Figure:
    """Kaplan-Meier against fitted survival, one panel per device class.

    Parameters
    ----------
    survival : pandas.DataFrame
        ``class``, ``curve`` (``"kaplan-meier"`` or ``"fitted <distribution>"``),
        ``years``, ``survival``, ``low``, ``high``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _need(survival, ["class", "curve", "years", "survival", "low", "high"], "survival chart")
    fig, axes, classes = _panels(survival, "class")
    for ax, name in zip(axes, classes, strict=True):
        rows = survival[survival["class"] == name]
        km = rows[rows["curve"] == "kaplan-meier"].sort_values("years")
        fit = rows[rows["curve"] != "kaplan-meier"].sort_values("years")
        x = np.concatenate([[0.0], km["years"].to_numpy(dtype=float)])
        y = np.concatenate([[1.0], km["survival"].to_numpy(dtype=float)])
        lo = np.concatenate([[1.0], km["low"].to_numpy(dtype=float)])
        hi = np.concatenate([[1.0], km["high"].to_numpy(dtype=float)])
        ax.fill_between(x, lo, hi, step="post", color=_DATA, alpha=0.15, lw=0,
                        label="95 % interval")  # fmt: skip
        ax.step(x, y, where="post", color=_DATA, lw=1.8, label="your devices (Kaplan-Meier)")
        if len(fit):
            ax.plot(fit["years"], fit["survival"], color=_FIT, lw=1.8,
                    label=str(fit["curve"].iloc[0]))  # fmt: skip
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=0)
        _panel_title(ax, str(name))
        ax.set_xlabel("age (years)")
        ax.set_ylabel("share still working")
        style_axes(ax, "both")
        ax.legend(fontsize=8, frameon=False, loc="lower left")
    _figure_title(fig, "Device lifetimes: your data and the fitted distribution")
    return fig


@_plain_text
def rate_chart(rates: pd.DataFrame) -> Figure:
    """Tickets per month with the fitted trend, one panel per incident stream.

    Parameters
    ----------
    rates : pandas.DataFrame
        ``key`` (the stream's dotted key), ``start`` (the month's start), ``rate``
        (tickets per unit in the month), ``trend`` (the fitted log-linear rate),
        ``growth`` (per month), ``p_value`` and ``per``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _need(rates, ["key", "start", "rate", "trend", "growth", "p_value", "per"], "rate chart")
    fig, axes, keys = _panels(rates, "key", width=4.6)
    for ax, key in zip(axes, keys, strict=True):
        rows = rates[rates["key"] == key].sort_values("start")
        start = pd.to_datetime(rows["start"])
        ax.bar(start, rows["rate"], width=20, color=_DATA, alpha=0.55, label="your tickets")
        growth, p = float(rows["growth"].iloc[0]), float(rows["p_value"].iloc[0])
        ax.plot(start, rows["trend"], color=_FIT, lw=1.8,
                label=f"trend {growth * 100:+.1f} %/month (p = {p:.2g})")  # fmt: skip
        name = str(key).split(".")[1] if "." in str(key) else str(key)
        _panel_title(ax, name)
        ax.set_ylabel(f"tickets per {rows['per'].iloc[0]} and month")
        ax.set_ylim(0, ax.get_ylim()[1] * 1.3)  # room for the legend above the bars
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        style_axes(ax, "y")
        ax.legend(fontsize=8, frameon=False, loc="upper left")
    _figure_title(fig, "Incident rates per month: your tickets and the fitted trend")
    return fig


@_plain_text
def work_chart(work: pd.DataFrame) -> Figure:
    """Hours of work per ticket and the fitted lognormal, one panel per fitted time.

    Parameters
    ----------
    work : pandas.DataFrame
        ``key`` (the dotted key of the work or repair time), ``hours`` (one row per
        ticket, > 0), ``median`` and ``sigma`` (the fitted lognormal).

    Returns
    -------
    matplotlib.figure.Figure
    """
    _need(work, ["key", "hours", "median", "sigma"], "work chart")
    fig, axes, keys = _panels(work, "key")
    for ax, key in zip(axes, keys, strict=True):
        rows = work[work["key"] == key]
        hours = rows["hours"].to_numpy(dtype=float)
        median, sigma = float(rows["median"].iloc[0]), float(rows["sigma"].iloc[0])
        lo = min(hours.min(), median * math.exp(-3 * sigma)) * 0.9
        hi = max(hours.max(), median * math.exp(3 * sigma)) * 1.1
        bins = np.geomspace(lo, hi, min(30, max(8, int(math.sqrt(len(hours))) + 4)))
        ax.hist(hours, bins=bins, density=True, color=_DATA, alpha=0.55,
                label=f"your tickets (n = {len(hours)})")  # fmt: skip
        x = np.geomspace(lo, hi, 300)
        if sigma > 0:
            dens = np.exp(-((np.log(x / median)) ** 2) / (2 * sigma**2)) / (
                x * sigma * math.sqrt(2 * math.pi)
            )
            ax.plot(x, dens, color=_FIT, lw=1.8,
                    label=f"lognormal, median {median:.2g} h, sigma {sigma:.2g}")  # fmt: skip
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        parts = str(key).split(".")
        _panel_title(ax, " ".join(parts[1:3]) if len(parts) >= 3 else str(key))
        ax.set_ylim(0, ax.get_ylim()[1] * 1.3)  # room for the legend above the bars
        ax.set_xlabel("hours of work per ticket (log scale)")
        ax.set_ylabel("density")
        style_axes(ax, "y")
        ax.legend(fontsize=8, frameon=False, loc="upper left")
    _figure_title(fig, "Work per ticket: your hours and the fitted distribution")
    return fig


_MEASURES = {"tickets": "tickets a year", "hours": "hours of work a year", "spend": "spend a year"}


@_plain_text
def check_chart(check: pd.DataFrame) -> Figure:
    """The back-test: each observed yearly figure against the simulated 90 % range.

    Parameters
    ----------
    check : pandas.DataFrame
        :meth:`~itmodels.fitting.fit.Fit.check`'s table: ``measure``, ``observed``,
        ``low``, ``median``, ``high`` (per year) and ``inside``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per measure: the range as a bar, the simulated median as a tick and
        the observed value as a dot (filled if inside the range).
    """
    _need(check, ["measure", "observed", "low", "median", "high", "inside"], "check chart")
    fig, axes = _grid(len(check), width=3.6, height=2.4)
    for ax, row in zip(axes, check.itertuples(index=False), strict=True):
        ax.barh([0], [row.high - row.low], left=[row.low], height=0.35, color=_DATA,
                alpha=0.25, label="simulated 90 % range")  # fmt: skip
        ax.plot([row.median, row.median], [-0.25, 0.25], color=_DATA, lw=2,
                label="simulated median")  # fmt: skip
        ax.plot([row.observed], [0], "o", ms=9, color=_FIT,
                mfc=_FIT if row.inside else "white", label="observed")  # fmt: skip
        span = max(row.high, row.observed) - min(row.low, row.observed)
        pad = 0.15 * span if span > 0 else 1.0
        ax.set_xlim(min(row.low, row.observed) - pad, max(row.high, row.observed) + pad)
        ax.set_ylim(-1, 1.2)
        ax.set_yticks([])
        verdict = "inside" if row.inside else "outside"
        _panel_title(ax, f"{_MEASURES.get(row.measure, row.measure)}: {verdict}")
        style_axes(ax, "x")
        ax.spines["left"].set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False, fontsize=9)
    _figure_title(fig, "Back-test: your year against the fitted scenario's simulated years")
    return fig


def fit_figures(plots: Mapping[str, pd.DataFrame]) -> dict[str, Figure]:
    """Every fit chart there is data for, by name (:data:`FIT_CHARTS` order).

    Parameters
    ----------
    plots : mapping of str to pandas.DataFrame
        ``survival``, ``rates`` and ``work`` frames (any may be missing or empty).

    Returns
    -------
    dict of str to matplotlib.figure.Figure
    """
    draw = {"survival": survival_chart, "rates": rate_chart, "work": work_chart}
    return {
        name: draw[name](plots[name]) for name in FIT_CHARTS if name in plots and len(plots[name])
    }
