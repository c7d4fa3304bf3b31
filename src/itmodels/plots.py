"""Charts of an experiment, readable by an analyst and by a prospect.

Every chart takes the data first and everything else by keyword, draws on ``ax`` (or
``fig``) when given, creates a figure only when not, returns what it drew on and never calls
``plt.show()``.  Each has a plain title, axes labelled with units, money in the scenario's
currency, a one-line takeaway computed from the data (see :mod:`itmodels.chartdata`), and the
same colour for a contract everywhere (:data:`CONTRACT_COLORS`, Okabe-Ito, colour-blind safe).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from itmodels import chartdata as cd
from itmodels.units import HOURS_PER_YEAR

if TYPE_CHECKING:
    from itmodels.result import ExperimentResult

__all__ = [
    "CONTRACT_COLORS",
    "FALLBACK_COLORS",
    "PlotAccessor",
    "break_even_map",
    "contract_colors",
    "cost_breakdown",
    "cumulative_cost",
    "downtime",
    "monthly_spend",
    "provider_view",
    "tornado",
]

#: One fixed colour per contract on every chart (Okabe-Ito vermillion and blue).
CONTRACT_COLORS: dict[str, str] = {"break_fix": "#D55E00", "flat_rate": "#0072B2"}
#: Colours for other contracts, in order of their sorted names (Okabe-Ito).
FALLBACK_COLORS: tuple[str, ...] = ("#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000")
#: Colours of the parts of the client's cost (Paul Tol's muted scheme; downtime is hatched).
PART_COLORS: dict[str, str] = {
    "fee": "#332288",
    "labour": "#88CCEE",
    "trip": "#44AA99",
    "parts": "#DDCC77",
    "hardware": "#999933",
    "sla_credit": "#AA4499",
    "downtime_cost": "#DDDDDD",
}
_LOW, _HIGH = "#BBBBBB", "#555555"  # tornado: parameter lowered / raised
_TAKEAWAY = "takeaway"  # gid of the takeaway text, for tests and reports


# ---------------------------------------------------------------------------- helpers
def contract_colors(contracts: Sequence[str]) -> dict[str, str]:
    """The colour of each contract: :data:`CONTRACT_COLORS`, then the fallback cycle.

    Examples
    --------
    >>> contract_colors(["flat_rate", "block_hours"])
    {'flat_rate': '#0072B2', 'block_hours': '#009E73'}
    """
    others = sorted(c for c in set(contracts) if c not in CONTRACT_COLORS)
    extra = {c: FALLBACK_COLORS[i % len(FALLBACK_COLORS)] for i, c in enumerate(others)}
    return {c: CONTRACT_COLORS.get(c) or extra[c] for c in contracts}


def _new_figure(figsize: tuple[float, float]) -> Figure:
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def _new_axes(figsize: tuple[float, float] = (8.0, 5.0)) -> Axes:
    return _new_figure(figsize).add_subplot()


def _contracts(res: ExperimentResult) -> list[str]:
    present = set(res.metrics["contract"].astype(str))
    return [c for c in res.contracts if c in present]


def _money_axis(axis: Any, currency: str) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: cd.format_money(v, currency, sig=3)))


def _titles(ax: Axes, title: str, takeaway: str | None) -> None:
    """A bold title and, above the plot, a one-line takeaway (wrapped to the axes width)."""
    lines = 0
    if takeaway:
        width = ax.get_position().width * ax.get_figure(root=True).get_figwidth() * 72
        text = textwrap.fill(takeaway, max(40, int(width / 5.6)))
        lines = text.count("\n") + 1
        ax.annotate(
            text,
            xy=(0, 1),
            xycoords="axes fraction",
            xytext=(0, 7),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=10,
            color="0.2",
            gid=_TAKEAWAY,
        )
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold", pad=10 + 12.5 * lines)


def _spread(values: Sequence[float], gap: float) -> list[float]:
    """Label positions near ``values``, at least ``gap`` apart (same order)."""
    order = np.argsort(values)
    out = np.asarray(values, dtype=float).copy()
    for k in range(1, len(order)):
        i, j = order[k], order[k - 1]
        out[i] = max(out[i], out[j] + gap)
    return list(out)


def _ink(color: Any) -> str:
    """Black or white, whichever reads better on ``color``."""
    r, g, b = to_rgb(color)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _style(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)


def _boxes(ax: Axes, groups: list[np.ndarray], colors: list[str]) -> np.ndarray:
    """Boxes (middle half) with whiskers from the 5th to the 95th percentile."""
    pos = np.arange(1, len(groups) + 1)
    parts = ax.boxplot(
        groups,
        positions=pos,
        widths=0.45,
        whis=(5, 95),
        showfliers=False,
        patch_artist=True,
        medianprops={"color": "black", "linewidth": 1.5},
    )
    for i, color in enumerate(colors):
        parts["boxes"][i].set(facecolor=(*to_rgb(color), 0.35), edgecolor=color, linewidth=1.5)
        for key in ("whiskers", "caps"):
            for line in parts[key][2 * i : 2 * i + 2]:
                line.set(color=color, linewidth=1.5)
    return pos


def _contract_ticks(ax: Axes, pos: np.ndarray, names: list[str], colors: list[str]) -> None:
    ax.set_xticks(pos, [cd.display_name(c) for c in names])
    for label, color in zip(ax.get_xticklabels(), colors, strict=True):
        label.set(color=color, fontweight="bold", fontsize=11)
    ax.set_xlabel("Support contract")


# ---------------------------------------------------------------------------- experiment charts
def cumulative_cost(
    res: ExperimentResult,
    *,
    ax: Axes | None = None,
    band: float = 0.9,
    include_downtime: bool = True,
) -> Axes:
    """Cumulative cost to the client month by month, per contract.

    Parameters
    ----------
    res : ExperimentResult
        The experiment.
    ax : Axes, optional
        Where to draw; a new figure if not given.
    band : float
        Share of the simulated futures inside the shaded band (0.9: 5th to 95th percentile).
    include_downtime : bool
        Count the cost of staff time lost (default) as well as the IT bills.

    Returns
    -------
    Axes
        A mean line and a band per contract; a black dot where the mean lines cross, the
        last crossing annotated.

    Examples
    --------
    >>> import itmodels as itm
    >>> res = itm.run_experiment(itm.load_scenario("small-office"), 10, progress=False)
    >>> ax = itm.plots.cumulative_cost(res)  # or res.plot.cumulative_cost()
    """
    ax = ax if ax is not None else _new_axes()
    currency, names = res.scenario.currency, _contracts(res)
    colors = contract_colors(names)
    data = cd.cumulative_bands(res.monthly, band=band, include_downtime=include_downtime)
    means: dict[str, np.ndarray] = {}
    for c in names:
        d = data[data["contract"] == c]
        ax.fill_between(d["month"], d["low"], d["high"], color=colors[c], alpha=0.15, lw=0)
        ax.plot(d["month"], d["mean"], color=colors[c], lw=2.4, label=cd.display_name(c))
        means[c] = d["mean"].to_numpy()
    months = np.arange(len(next(iter(means.values())))) if means else np.arange(1)
    ax.set_xlim(0, months[-1])
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 3, 6, 10]))
    _money_axis(ax.yaxis, currency)
    unit = cd.currency_unit(currency)
    what = "bills + staff time lost" if include_downtime else "IT bills"
    ax.set(xlabel="Months from the start of the contract", ylabel=f"Cost so far: {what} ({unit})")
    _style(ax)
    handles = [Line2D([], [], color=colors[c], lw=2.4, label=cd.display_name(c)) for c in names]
    handles.append(Patch(color="0.6", alpha=0.3, label=f"{band:.0%} of simulated futures"))
    low, high = ax.get_ylim()
    finals = [float(means[c][-1]) for c in names]
    for c, y in zip(names, _spread(finals, 0.045 * (high - low)), strict=True):
        ax.annotate(
            cd.format_money(means[c][-1], currency),
            xy=(months[-1], y),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            color=colors[c],
            fontweight="bold",
            annotation_clip=False,
        )
    pair = cd.main_pair(names)
    takeaway = None
    if pair:
        a, b = pair
        found = cd.crossings(months, means[a], means[b])
        for x, y in found:
            ax.plot(x, y, "o", color="black", ms=7, zorder=5, gid="crossing")
        if found:
            x, y = found[-1]
            after = a if means[a][-1] < means[b][-1] else b
            right = x > 0.3 * months[-1]
            ax.annotate(
                f"{cd.display_name(after)} is cheaper\nfrom month {math.ceil(x)} on",
                xy=(x, y),
                xytext=(-20 if right else 20, 45),
                textcoords="offset points",
                ha="right" if right else "left",
                fontsize=10,
                gid="crossing-label",
                arrowprops={"arrowstyle": "-", "color": "0.3"},
            )
            handles.append(Line2D([], [], ls="", marker="o", color="black", label="Break-even"))
        col = "client_cash"
        frame = res.monthly
        if include_downtime:
            frame = frame.assign(total=frame["client_cash"] + frame["downtime_cost"])
            col = "total"
        v = cd.verdict(cd.per_replication(frame, col), a, b)
        takeaway = v.cost_sentence(currency, cd.horizon_text(res.scenario.horizon))
    ax.legend(handles=handles, loc="upper left", frameon=False)
    title = (
        "What IT support costs the client over time"
        if include_downtime
        else ("What the client pays for IT support over time")
    )
    _titles(ax, title, takeaway)
    return ax


def monthly_spend(res: ExperimentResult, *, ax: Axes | None = None) -> Axes:
    """How much the client's monthly IT bill varies, per contract (budget predictability).

    Boxes hold the middle half of all simulated months, whiskers 9 months in 10 (5th to
    95th percentile); a triangle marks the worst month.  Labels give the typical month, the
    95th percentile and the worst month.

    Parameters
    ----------
    res : ExperimentResult
        The experiment.
    ax : Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = res.plot.monthly_spend()  # doctest: +SKIP
    """
    ax = ax if ax is not None else _new_axes()
    currency, names = res.scenario.currency, _contracts(res)
    colors = [contract_colors(names)[c] for c in names]
    spread = cd.monthly_spread(res.monthly)
    groups = [
        res.monthly.loc[res.monthly["contract"] == c, "client_cash"].to_numpy() for c in names
    ]
    pos = _boxes(ax, groups, colors)
    worst = spread.loc[names, "worst"].to_numpy()
    ax.scatter(pos, worst, marker="^", s=60, c=colors, zorder=3, gid="worst-month")
    ax.set_ylim(bottom=min(0.0, float(spread["p5"].min())), top=float(worst.max()) * 1.08 or 1.0)
    low, high = ax.get_ylim()
    for p, c in zip(pos, names, strict=True):
        s = spread.loc[c]
        texts = [
            f"Typical month {cd.format_money(s['p50'], currency)}",
            f"1 month in 20 above {cd.format_money(s['p95'], currency)}",
            f"Worst month {cd.format_money(s['worst'], currency)}",
        ]
        ys = _spread([s["p50"], s["p95"], s["worst"]], 0.05 * (high - low))
        for text, y in zip(texts, ys, strict=True):
            ax.text(p + 0.3, y, text, va="center", fontsize=9, color="0.15")
    ax.set_xlim(0.5, len(names) + 1.2)
    _contract_ticks(ax, pos, names, colors)
    _money_axis(ax.yaxis, currency)
    ax.set_ylabel(f"IT bill for one month ({cd.currency_unit(currency)})")
    _style(ax)
    takeaway = None
    pair = cd.main_pair(names)
    if pair:
        width = {c: spread.loc[c, "p95"] - spread.loc[c, "p5"] for c in pair}
        steady, other = sorted(pair, key=width.get)
        rng = {
            c: f"{cd.format_money(spread.loc[c, 'p5'], currency)}–"
            f"{cd.format_money(spread.loc[c, 'p95'], currency)}"
            for c in pair
        }
        lead = (
            f"{cd.display_name(steady)} bills are steadier"
            if width[other] > 1.1 * width[steady]
            else "Both bills vary about as much"
        )
        takeaway = (
            f"{lead}: 9 months in 10 cost {rng[steady]} under"
            f" {cd.display_name(steady).lower()}, {rng[other]} under"
            f" {cd.display_name(other).lower()}"
        )
    _titles(ax, "How much the monthly IT bill varies", takeaway)
    return ax


def cost_breakdown(res: ExperimentResult, *, ax: Axes | None = None) -> Axes:
    """Total cost of ownership per contract over the horizon, as stacked mean parts.

    The parts are the fees, labour, call-out charges, parts, hardware, service credits
    (below zero: money back) and the cost of staff time lost; the total is labelled.

    Parameters
    ----------
    res : ExperimentResult
        The experiment.
    ax : Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    Axes
        One bar container per part (one bar per contract), in :data:`chartdata.COST_PARTS`
        order, omitting parts that are zero everywhere.

    Examples
    --------
    >>> ax = res.plot.cost_breakdown()  # doctest: +SKIP
    """
    ax = ax if ax is not None else _new_axes((8.5, 5.0))
    currency, names = res.scenario.currency, _contracts(res)
    colors = [contract_colors(names)[c] for c in names]
    comps = cd.cost_components(res.monthly).loc[names]
    pos = np.arange(1, len(names) + 1)
    up, down = np.zeros(len(names)), np.zeros(len(names))
    top = float(comps.clip(lower=0).sum(axis=1).max()) or 1.0
    for part, label in cd.COST_PARTS.items():
        if part not in comps or not comps[part].any():
            continue
        h = comps[part].to_numpy()
        base = np.where(h >= 0, up, down)
        hatch = "//" if part == "downtime_cost" else None
        ax.bar(
            pos,
            h,
            0.55,
            bottom=base,
            color=PART_COLORS[part],
            label=label,
            hatch=hatch,
            edgecolor="0.55" if hatch else "white",
            linewidth=0.6,
        )
        for x, b, v in zip(pos, base, h, strict=True):
            if abs(v) >= 0.07 * top:
                ax.text(
                    x,
                    b + v / 2,
                    cd.format_money(v, currency),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=_ink(PART_COLORS[part]),
                )
        up, down = np.where(h >= 0, up + h, up), np.where(h < 0, down + h, down)
    totals = comps.sum(axis=1).to_numpy()
    for x, u, t in zip(pos, up, totals, strict=True):
        ax.text(
            x,
            u + 0.015 * top,
            f"Total {cd.format_money(t, currency)}",
            ha="center",
            va="bottom",
            fontsize=11,
            fontweight="bold",
            gid="total",
        )
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_ylim(top=top * 1.1)
    ax.set_xlim(0.4, len(names) + 0.6)
    _contract_ticks(ax, pos, names, colors)
    _money_axis(ax.yaxis, currency)
    horizon = cd.horizon_text(res.scenario.horizon)
    ax.set_ylabel(f"Average cost over {horizon} ({cd.currency_unit(currency)})")
    _style(ax)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False
    )
    takeaway = None
    pair = cd.main_pair(names)
    if pair:
        v = cd.verdict(
            res.metrics.pivot(index="replication", columns="contract", values="client_total_cost"),
            *pair,
        )
        takeaway = v.cost_sentence(currency, horizon)
        if v.clear:
            gaps = comps.loc[v.worse] - comps.loc[v.better]
            part = str(gaps.idxmax())
            takeaway += (
                f"; the biggest difference is {cd.COST_PARTS[part].lower()}"
                f" ({cd.format_money(gaps[part], currency)})"
            )
    _titles(ax, f"Total cost to the client over {horizon}", takeaway)
    return ax


def downtime(res: ExperimentResult, *, ax: Axes | None = None) -> Axes:
    """Staff working hours lost to IT problems per year, per contract.

    Each dot is one simulated future (``user_downtime_hours`` divided by the years of the
    horizon); boxes hold the middle half, whiskers 9 futures in 10.

    Parameters
    ----------
    res : ExperimentResult
        The experiment.
    ax : Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = res.plot.downtime()  # doctest: +SKIP
    """
    ax = ax if ax is not None else _new_axes()
    names = _contracts(res)
    colors = [contract_colors(names)[c] for c in names]
    years = res.scenario.horizon / HOURS_PER_YEAR
    wide = (
        res.metrics.pivot(index="replication", columns="contract", values="user_downtime_hours")
        / years
    )
    wide.columns = wide.columns.astype(str)
    groups = [wide[c].dropna().to_numpy() for c in names]
    pos = _boxes(ax, groups, colors)
    jitter = np.random.default_rng(0)
    for p, g, color in zip(pos, groups, colors, strict=True):
        x = p + jitter.uniform(-0.12, 0.12, len(g))
        ax.scatter(x, g, s=14, color=color, alpha=0.6, linewidths=0, zorder=3)
        ax.text(
            p + 0.3,
            float(np.median(g)) if len(g) else 0.0,
            f"Typical year\n{np.median(g) if len(g) else 0:,.0f} h",
            va="center",
            fontsize=9,
            color="0.15",
        )
    ax.set_xlim(0.5, len(names) + 0.9)
    ax.set_ylim(bottom=0)
    _contract_ticks(ax, pos, names, colors)
    ax.set_ylabel("Staff hours lost per year (hours)")
    _style(ax)
    takeaway = None
    pair = cd.main_pair(names)
    if pair:
        v = cd.verdict(wide, *pair)
        if v.clear:
            takeaway = (
                f"Staff lose {v.gap:,.0f} fewer working hours a year under"
                f" {cd.display_name(v.better).lower()} (about {v.gap / 8:,.0f} working"
                f" days), fewer in {v.wins} of {v.n} simulated futures"
            )
        else:
            takeaway = (
                f"No clear difference: staff lose less time under"
                f" {cd.display_name(v.better).lower()} in only {v.wins} of {v.n}"
                " simulated futures"
            )
    _titles(ax, "Working time staff lose to IT problems", takeaway)
    return ax


def _slope_phrase(fit: cd.Fit | None, x: np.ndarray, y: np.ndarray, currency: str) -> str:
    if fit is None:
        return "cannot be told (no spread in downtime)"
    moves = abs(fit.slope) * float(np.ptp(x))
    if not fit.p_value < 0.05 or moves < 0.02 * abs(float(np.mean(y))):
        return "barely changes"
    verb = "rises" if fit.slope > 0 else "falls"
    return f"{verb} {cd.format_money(abs(fit.slope), currency)}"


def provider_view(res: ExperimentResult, *, fig: Figure | None = None) -> Figure:
    """The provider's side: what it earns under each contract, and whether downtime pays.

    Parameters
    ----------
    res : ExperimentResult
        The experiment.
    fig : Figure, optional
        An empty figure to draw the two panels into; a new one if not given.

    Returns
    -------
    Figure
        Left: mean provider revenue, cost and margin per contract (margin share labelled).
        Right: provider revenue against staff hours lost, one dot per simulated future and
        a fitted line per contract: under break-fix revenue rises with the client's downtime.

    Examples
    --------
    >>> fig = res.plot.provider_view()  # doctest: +SKIP
    """
    if fig is None:
        fig = _new_figure((13.0, 5.5))
    ax_bar, ax_dot = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
    currency, names = res.scenario.currency, _contracts(res)
    colors = contract_colors(names)
    horizon = cd.horizon_text(res.scenario.horizon)
    unit = cd.currency_unit(currency)
    means = cd.provider_means(res.metrics).loc[names]
    width = 0.8 / max(len(names), 1)
    top = float(means[["revenue", "cost", "margin"]].abs().to_numpy().max()) or 1.0
    for i, c in enumerate(names):
        x = np.arange(3) + (i - (len(names) - 1) / 2) * width
        h = means.loc[c, ["revenue", "cost", "margin"]].to_numpy(dtype=float)
        ax_bar.bar(x, h, width * 0.92, color=colors[c], label=cd.display_name(c))
        share = means.loc[c, "margin_share"]
        labels = [cd.format_money(v, currency) for v in h]
        if np.isfinite(share):
            labels[2] += f"\n{share:.0%} margin"
        for xi, hi, text in zip(x, h, labels, strict=True):
            ax_bar.text(
                xi,
                hi + (0.015 if hi >= 0 else -0.015) * top,
                text,
                ha="center",
                va="bottom" if hi >= 0 else "top",
                fontsize=9,
            )
    ax_bar.axhline(0, color="0.3", lw=0.8)
    ax_bar.set_xticks(range(3), ["Revenue", "Cost", "Margin"])
    ax_bar.set_ylim(top=top * 1.18)
    _money_axis(ax_bar.yaxis, currency)
    ax_bar.set(
        xlabel="What the provider earns and spends", ylabel=f"Average over {horizon} ({unit})"
    )
    ax_bar.legend(loc="upper right", frameon=False)
    _style(ax_bar)
    margins = ", ".join(
        f"{cd.display_name(c).lower()} {cd.format_money(means.loc[c, 'margin'], currency)}"
        for c in names
    )
    _titles(ax_bar, "The provider's revenue, cost and margin", f"Provider margin: {margins}")
    phrases = []
    for c in names:
        part = res.metrics[res.metrics["contract"] == c]
        x, y = part["user_downtime_hours"].to_numpy(float), part["provider_revenue"].to_numpy(float)
        fit = cd.incentive_fit(x, y)
        ax_dot.scatter(x, y, s=18, color=colors[c], alpha=0.6, linewidths=0)
        phrase = _slope_phrase(fit, x, y, currency)
        label = cd.display_name(c)
        if fit is not None:
            xs = np.array([x.min(), x.max()])
            ax_dot.plot(xs, fit.intercept + fit.slope * xs, color=colors[c], lw=2, gid=c)
            label += f": {cd.format_money(fit.slope, currency)} per hour lost"
        ax_dot.scatter([], [], color=colors[c], label=label)
        phrases.append(f"{phrase} under {cd.display_name(c).lower()}")
    ax_dot.set_ylim(bottom=0)
    ax_dot.set_xlim(left=0)
    _money_axis(ax_dot.yaxis, currency)
    ax_dot.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax_dot.set(
        xlabel=f"Staff hours lost over {horizon} (hours)",
        ylabel=f"Provider revenue over {horizon} ({unit})",
    )
    ax_dot.legend(loc="lower right", frameon=False)
    _style(ax_dot)
    joined = " and ".join(phrases) if len(phrases) < 3 else ", ".join(phrases)
    _titles(
        ax_dot,
        "Does the provider earn more when you lose time?",
        f"For each staff hour lost, provider revenue {joined}",
    )
    fig.suptitle("The provider's side of each contract", fontsize=15, fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- decision charts
def tornado(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    currency: str = "USD",
    title: str | None = None,
    xlabel: str | None = None,
) -> Axes:
    """Which parameters move the result most: a tornado of :func:`itmodels.sensitivity`.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`itmodels.sensitivity` (``param``, ``base_value``, ``low_value``,
        ``high_value``, ``base``, ``low``, ``high``, ``effect``).
    ax : Axes, optional
        Where to draw; a new figure if not given.
    currency : str
        Currency of the money on the chart (the scenario's ``currency``).
    title : str, optional
        Title; by default "What moves the result most".
    xlabel : str, optional
        What the result is.  By default the table is taken to be the paired difference
        flat-rate − break-fix of the client's total cost (the default of ``sensitivity``),
        and the sides are labelled with the contract they favour.

    Returns
    -------
    Axes
        Two bar containers (parameter lowered, raised), one bar per parameter, largest
        effect on top; each bar end labelled with the parameter value.

    Examples
    --------
    >>> table = itm.sensitivity(scn, ["client.users"], replications=10)  # doctest: +SKIP
    >>> ax = itm.plots.tornado(table, currency=scn.currency)  # doctest: +SKIP
    """
    ax = ax if ax is not None else _new_axes((8.5, 1.5 + 0.55 * max(len(table), 2)))
    t = table.reindex(table["effect"].abs().sort_values(ascending=False).index)
    y = np.arange(len(t))[::-1]
    base = float(t["base"].iloc[0]) if len(t) else 0.0
    ratio = (1 - t["low_value"] / t["base_value"].where(t["base_value"] != 0)).median()
    pct = f"{ratio:.0%}" if np.isfinite(ratio) and ratio > 0 else None
    for side, color in (("low", _LOW), ("high", _HIGH)):
        label = (
            f"Parameter {pct} {'lower' if side == 'low' else 'higher'}"
            if pct
            else f"{'Lower' if side == 'low' else 'Higher'} value"
        )
        ax.barh(y, t[side] - base, 0.6, left=base, color=color, label=label)
    span = float(np.ptp(np.r_[t["low"], t["high"], base])) or 1.0
    for yi, (_, row) in zip(y, t.iterrows(), strict=True):
        for side in ("low", "high"):
            end = float(row[side])
            right = end > base or (end == base and side == "high")
            text = cd.param_value_text(row["param"], row[f"{side}_value"], currency)
            ax.annotate(
                text,
                xy=(end, yi),
                xytext=(4 if right else -4, 0),
                va="center",
                textcoords="offset points",
                ha="left" if right else "right",
                fontsize=9,
            )
    ax.axvline(base, color="black", lw=1.2)
    ax.set_yticks(y, [cd.param_label(p) for p in t["param"]])
    lo, hi = min(t["low"].min(), t["high"].min(), base), max(t["low"].max(), t["high"].max(), base)
    ax.set_xlim(lo - 0.15 * span, hi + 0.15 * span)
    ax.set_ylim(-0.8, len(t) - 0.2)
    _money_axis(ax.xaxis, currency)
    unit = cd.currency_unit(currency)
    ax.set_xlabel(xlabel or f"Flat-rate minus break-fix: total cost to the client ({unit})")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower right", frameon=False, ncols=2, fontsize=9)
    takeaway = None
    if len(t):
        top = t.iloc[0]
        lever = (
            f"Biggest lever: {cd.param_label(top['param']).lower()}"
            f" ({cd.param_value_text(top['param'], top['low_value'], currency)} to"
            f" {cd.param_value_text(top['param'], top['high_value'], currency)} moves it"
            f" from {cd.format_money(top['low'], currency)} to"
            f" {cd.format_money(top['high'], currency)})"
        )
        takeaway = lever
        if xlabel is None:
            who = "Flat-rate" if base < 0 else "Break-fix"
            takeaway = f"Base case: {who} {cd.format_money(abs(base), currency)} cheaper. {lever}"
            ax.text(
                0.0,
                1.0,
                "← favours flat-rate",
                transform=ax.transAxes,
                ha="left",
                va="bottom",
                fontsize=9,
                color=CONTRACT_COLORS["flat_rate"],
            )
            ax.text(
                1.0,
                1.0,
                "favours break-fix →",
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=9,
                color=CONTRACT_COLORS["break_fix"],
            )
    ax.annotate(
        f"Base case {cd.format_money(base, currency)}",
        xy=(base, len(t) - 0.2),
        xytext=(0, 2),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=9,
        annotation_clip=False,
    )
    _titles(ax, title or "What moves the result most", takeaway)
    return ax


def break_even_map(
    table: pd.DataFrame,
    *,
    x: str,
    y: str,
    ax: Axes | None = None,
    metric: str = "client_total_cost",
    currency: str = "USD",
) -> Axes:
    """Which contract is cheaper across a two-parameter sweep, with the break-even line.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`itmodels.sweep` over the keys ``x`` and ``y``, both contracts.
    x, y : str
        The swept keys on the horizontal and vertical axes.
    ax : Axes, optional
        Where to draw; a new figure if not given.
    metric : str
        The metric compared (default the client's total cost).
    currency : str
        Currency of the money on the chart.

    Returns
    -------
    Axes
        A heatmap of the mean paired difference flat-rate − break-fix at each grid point
        (blue: flat-rate lower, vermillion: break-fix lower), the value in each cell, and
        the zero contour when the difference changes sign.

    Examples
    --------
    >>> grid = {"contracts.flat_rate.fee_per_device": [40, 80], "client.users": [5, 20]}
    >>> table = itm.sweep(scn, grid, replications=10)  # doctest: +SKIP
    >>> ax = itm.plots.break_even_map(table, x="contracts.flat_rate.fee_per_device",
    ...                               y="client.users")  # doctest: +SKIP
    """
    ax = ax if ax is not None else _new_axes((8.5, 5.5))
    grid = cd.paired_grid(table, x, y, metric)
    z = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    lim = float(np.abs(z).max()) if z.count() else 1.0
    cmap = LinearSegmentedColormap.from_list(
        "flat_vs_break", [CONTRACT_COLORS["flat_rate"], "white", CONTRACT_COLORS["break_fix"]]
    )
    norm = Normalize(-(lim or 1.0), lim or 1.0)
    nx, ny = grid.shape[1], grid.shape[0]
    mesh = ax.pcolormesh(np.arange(nx + 1) - 0.5, np.arange(ny + 1) - 0.5, z, cmap=cmap, norm=norm)
    money = metric.endswith(("cost", "revenue", "margin"))
    fmt = (lambda v: cd.format_money(v, currency)) if money else (lambda v: f"{v:,.3g}")
    if nx * ny <= 80:
        for (i, j), v in np.ndenumerate(z.filled(np.nan)):
            if np.isfinite(v):
                ax.text(
                    j, i, fmt(v), ha="center", va="center", fontsize=9, color=_ink(cmap(norm(v)))
                )
    if nx >= 2 and ny >= 2 and z.count() and z.min() < 0 < z.max():
        ax.contour(np.arange(nx), np.arange(ny), z, levels=[0], colors="black", linewidths=2.5)
        ax.plot([], [], color="black", lw=2.5, label="Break-even")
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.13), frameon=False, fontsize=9)
    ax.set_xticks(range(nx), [cd.param_value_text(x, v, currency) for v in grid.columns])
    ax.set_yticks(range(ny), [cd.param_value_text(y, v, currency) for v in grid.index])
    unit = cd.currency_unit(currency)
    ax.set_xlabel(cd.param_label(x) + (f" ({unit})" if cd.is_money_key(x) else ""))
    ax.set_ylabel(cd.param_label(y) + (f" ({unit})" if cd.is_money_key(y) else ""))
    cheaper = metric.endswith("cost")
    bar = ax.get_figure(root=True).colorbar(mesh, ax=ax, fraction=0.05, pad=0.03)
    if money:
        _money_axis(bar.ax.yaxis, currency)
    bar.set_label(
        f"Flat-rate minus break-fix: {cd.metric_label(metric)}" + (f" ({unit})" if money else "")
    )
    words = (
        ("flat-rate\ncheaper", "break-fix\ncheaper")
        if cheaper
        else ("lower under\nflat-rate", "lower under\nbreak-fix")
    )
    bar.ax.text(
        0.5,
        -0.02,
        words[0],
        transform=bar.ax.transAxes,
        ha="center",
        va="top",
        fontsize=9,
        color=CONTRACT_COLORS["flat_rate"],
    )
    bar.ax.text(
        0.5,
        1.02,
        words[1],
        transform=bar.ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=9,
        color=CONTRACT_COLORS["break_fix"],
    )
    n_flat, n = int((z < 0).sum()), int(z.count())
    better = "cheaper" if cheaper else "lower"
    if n_flat == n:
        takeaway = f"Flat-rate is {better} at every combination tried ({n})"
    elif n_flat == 0:
        takeaway = f"Break-fix is {better} or equal at every combination tried ({n})"
    else:
        takeaway = (
            f"Flat-rate is {better} at {n_flat} of {n} combinations tried;"
            " the black line marks break-even"
        )
    title = (
        "Which contract costs the client less"
        if cheaper
        else (f"Flat-rate versus break-fix: {cd.metric_label(metric)}")
    )
    _titles(ax, title, takeaway)
    return ax


# ---------------------------------------------------------------------------- accessor
class PlotAccessor:
    """Standard charts of an experiment, as ``res.plot.<chart>(...)``.

    ``cumulative_cost``, ``monthly_spend``, ``cost_breakdown``, ``downtime`` (each returns
    an Axes) and ``provider_view`` (returns a Figure); see the functions of the same name
    in :mod:`itmodels.plots`.

    Examples
    --------
    >>> ax = res.plot.cumulative_cost()  # doctest: +SKIP
    """

    def __init__(self, result: ExperimentResult) -> None:
        self._result = result

    def cumulative_cost(
        self, *, ax: Axes | None = None, band: float = 0.9, include_downtime: bool = True
    ) -> Axes:
        """Cumulative cost to the client per contract (see :func:`cumulative_cost`)."""
        return cumulative_cost(self._result, ax=ax, band=band, include_downtime=include_downtime)

    def monthly_spend(self, *, ax: Axes | None = None) -> Axes:
        """How much the monthly bill varies (see :func:`monthly_spend`)."""
        return monthly_spend(self._result, ax=ax)

    def cost_breakdown(self, *, ax: Axes | None = None) -> Axes:
        """Total cost of ownership in parts (see :func:`cost_breakdown`)."""
        return cost_breakdown(self._result, ax=ax)

    def downtime(self, *, ax: Axes | None = None) -> Axes:
        """Staff hours lost per year (see :func:`downtime`)."""
        return downtime(self._result, ax=ax)

    def provider_view(self, *, fig: Figure | None = None) -> Figure:
        """The provider's revenue, margin and incentive (see :func:`provider_view`)."""
        return provider_view(self._result, fig=fig)

    def __repr__(self) -> str:
        return (
            "<PlotAccessor: cumulative_cost, monthly_spend, cost_breakdown, downtime,"
            " provider_view>"
        )
