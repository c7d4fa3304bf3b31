"""Charts of an experiment, readable by an analyst and by a prospect.

Every chart takes the data first and everything else by keyword, draws on ``ax`` (or
``fig``) when given, creates a figure only when not, returns what it drew on and never calls
``plt.show()``.  Each has a plain title, axes labelled with units, money in the scenario's
currency, a one-line takeaway computed from the data (the numbers and sentences come from
:mod:`itmodels.charts.data`), and one colour per offer on every chart of a result
(:func:`contract_colors`: the pricing model's colour for its first offer, colour-blind safe
Okabe-Ito colours for the others).  Offers are shown by name as written (or by their model's
label when named after it); every chart shows all offers, and with three offers or more
the takeaways rank them.  Text is drawn with ``parse_math=False``, so ``$`` is a dollar.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from itmodels.charts import data as cd
from itmodels.charts import takeaways as tk
from itmodels.charts.decision_plots import break_even_map, tornado
from itmodels.charts.style import (
    FALLBACK_COLORS,
    PART_COLORS,
    contract_colors,
    contract_ticks,
    draw_boxes,
    ink_for,
    money_axis,
    new_axes,
    new_figure,
    note,
    offer_look,
    set_titles,
    spread_apart,
    style_axes,
)
from itmodels.money.formatting import currency_unit, format_money, percent_text

if TYPE_CHECKING:
    from itmodels.experiments.result import ExperimentResult

__all__ = [
    "FALLBACK_COLORS",
    "PART_COLORS",
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


# ---------------------------------------------------------------------------- experiment charts
def cumulative_cost(
    res: ExperimentResult, *, ax: Axes | None = None, band: float = 0.9,
    include_downtime: bool = True,
) -> Axes:  # fmt: skip
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
        Count the cost of downtime (work and any sales lost; default) as well as the IT
        bills.

    Returns
    -------
    Axes
        Per contract a mean line and a shaded band; a black dot (gid ``"crossing"``) where
        the mean lines cross, the last one annotated.

    Examples
    --------
    >>> import itmodels as itm
    >>> res = itm.run_experiment(itm.load_scenario("small-office"), 10, progress=False)
    >>> ax = itm.plots.cumulative_cost(res)  # the same as res.plot.cumulative_cost()
    """
    ax = ax if ax is not None else new_axes()
    currency, look = res.scenario.currency, offer_look(res)
    names, colors = look.names, look.colors
    data = cd.cumulative_bands(res.monthly, band=band, include_downtime=include_downtime)
    means: dict[str, np.ndarray] = {}
    for c in names:
        d = data[data["contract"] == c]
        tint = 0.88 * np.ones(3) + 0.12 * np.array(to_rgb(colors[c]))  # opaque: no muddy overlap
        ax.fill_between(d["month"], d["low"], d["high"], color=tint, lw=0)
        for edge in ("low", "high"):
            ax.plot(d["month"], d[edge], color=colors[c], lw=0.8, alpha=0.6, ls="--")
        ax.plot(d["month"], d["mean"], color=colors[c], lw=2.6, label=look.label(c))
        means[c] = d["mean"].to_numpy()
    months = np.arange(len(means[names[0]]))
    ax.set_xlim(0, months[-1])
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 3, 6, 10]))
    money_axis(ax.yaxis, currency)
    lost = cd.downtime_words(res.scenario.client.revenue_per_hour_down)
    what = f"bills + {lost}" if include_downtime else "IT bills"
    ax.set_xlabel("Months from the start of the contract")
    ax.set_ylabel(f"Cost so far: {what} ({currency_unit(currency)})")
    style_axes(ax)
    handles = [Line2D([], [], color=colors[c], lw=2.6, label=f"{look.label(c)}, average")
               for c in names]  # fmt: skip
    spread = f"Range of {percent_text(band)} of simulated futures"
    handles.append(Line2D([], [], color="0.4", lw=0.8, ls="--", label=spread))
    low, high = ax.get_ylim()
    finals = [float(means[c][-1]) for c in names]
    for c, y in zip(names, spread_apart(finals, 0.05 * (high - low)), strict=True):
        final = format_money(means[c][-1], currency, compact=True)
        note(ax, (months[-1], y), final, 5, color=colors[c], fontsize=10, fontweight="bold",
              annotation_clip=False, gid="end-label")  # fmt: skip
    takeaway = None
    cols = ["client_cash", "downtime_cost"] if include_downtime else ["client_cash"]
    if pair := _baseline_and_best(names, look.baseline, finals):
        a, b = pair
        found = cd.crossings(months, means[a], means[b])
        for x, y in found:
            ax.plot(x, y, "o", color="black", ms=7, zorder=5, gid="crossing")
        if found:
            x, y = found[-1]
            after = a if means[a][-1] < means[b][-1] else b
            right = x > 0.3 * months[-1]
            text = f"{look.label(after)} is cheaper\nfrom month {math.ceil(x)} on"
            if len(names) > 2:
                before = b if after == a else a
                text = f"{look.label(after)} is cheaper than\n{look.label(before)}"
                text += f" from month {math.ceil(x)} on"
            note(ax, (x, y), text, -20 if right else 20, 50, ha="right" if right else "left",
                  fontsize=10, gid="crossing-label", va="bottom", multialignment="left",
                  bbox={"boxstyle": "round", "fc": "white", "ec": "0.7"},
                  arrowprops={"arrowstyle": "-", "color": "0.3"})  # fmt: skip
            handles.append(Line2D([], [], ls="", marker="o", color="black", label="Break-even"))
        horizon = cd.horizon_text(res.scenario.horizon)
        if len(names) > 2:
            metric = "client_total_cost" if include_downtime else "client_cash_cost"
            takeaway = tk.ranking_takeaway(res.ranking(metric), currency, horizon, look.labels)
        else:
            cost = res.monthly.assign(cost=res.monthly[cols].sum(axis=1))
            v = cd.verdict(cd.per_replication(cost, "cost"), a, b)
            takeaway = v.cost_sentence(currency, horizon, labels=look.labels)
    ax.legend(handles=handles, loc="upper left", frameon=False)
    title = "What the client pays for IT support over time"
    if include_downtime:
        title = "What IT support costs the client over time"
    set_titles(ax, title, takeaway)
    return ax


def _baseline_and_best(
    names: list[str], baseline: str | None, finals: list[float]
) -> tuple[str, str] | None:
    """The baseline and the other offer lowest at the end (the only other of two)."""
    if len(names) < 2:
        return None
    base = baseline if baseline in names else names[0]
    others = [(f, c) for c, f in zip(names, finals, strict=True) if c != base]
    return base, min(others)[1]


def monthly_spend(res: ExperimentResult, *, ax: Axes | None = None) -> Axes:
    """How much the client's monthly IT bill varies, per contract (budget predictability).

    Boxes hold the middle half of all simulated months, whiskers 9 months in 10 (5th to
    95th percentile); a triangle (gid ``"worst-month"``) marks the worst month.  Labels give
    the typical month, the 95th percentile and the worst month.

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
    currency, look = res.scenario.currency, offer_look(res)
    names, colors = look.names, look.colors
    ax = ax if ax is not None else new_axes(_wide(len(names)))
    spread = cd.monthly_spread(res.monthly).loc[names]
    cash = res.monthly["client_cash"].to_numpy()
    kind = res.monthly["contract"].astype(str).to_numpy()
    pos = draw_boxes(ax, [cash[kind == c] for c in names], look)
    marks = [colors[c] for c in names]
    ax.scatter(pos, spread["worst"], marker="^", s=70, c=marks, zorder=3, gid="worst-month")
    ax.set_ylim(min(0.0, float(spread["p5"].min())), float(spread["worst"].max()) * 1.08 or 1.0)
    low, high = ax.get_ylim()
    for p, c in zip(pos, names, strict=True):
        s = spread.loc[c]
        p50, p95, worst = (
            format_money(s[k], currency, compact=True) for k in ("p50", "p95", "worst")
        )
        texts = [f"Typical month {p50}", f"1 month in 20 above {p95}", f"Worst month {worst}"]
        if len(names) > 3:  # less room beside each box
            texts = [f"Typical {p50}", f"1 in 20 above\n{p95}", f"Worst {worst}"]
        gap = (0.06 if len(names) <= 3 else 0.08) * (high - low)
        ys = spread_apart([s["p50"], s["p95"], s["worst"]], gap)
        for text, y in zip(texts, ys, strict=True):
            note(ax, (p + 0.27, y), text, color="0.15")
    ax.set_xlim(0.5, len(names) + 1.1)
    money_axis(ax.yaxis, currency)
    ax.set_ylabel(f"IT bill for one month ({currency_unit(currency)})")
    style_axes(ax)
    takeaway = tk.spend_takeaway(spread, currency, look.labels)
    set_titles(ax, "How much the monthly IT bill varies", takeaway)
    return ax


def cost_breakdown(res: ExperimentResult, *, ax: Axes | None = None) -> Axes:
    """Total cost of ownership per contract over the horizon, as stacked mean parts.

    The parts are the fees, labour, call-out charges, parts, hardware, service credits
    (below zero: money back) and the cost of downtime (work lost, and sales lost where the
    scenario loses any); the total is labelled, and the takeaway splits the gap between the
    contracts into bills and downtime.

    Parameters
    ----------
    res : ExperimentResult
        The experiment.
    ax : Axes, optional
        Where to draw; a new figure if not given.

    Returns
    -------
    Axes
        One bar container per part (labelled as by
        :func:`itmodels.charts.data.cost_part_labels`, one bar per contract), omitting parts
        that are zero everywhere.

    Examples
    --------
    >>> ax = res.plot.cost_breakdown()  # doctest: +SKIP
    """
    currency, look = res.scenario.currency, offer_look(res)
    names = look.names
    ax = ax if ax is not None else new_axes((_wide(len(names))[0] + 0.5, 5.0))
    comps = cd.cost_components(res.monthly).loc[names]
    pos = np.arange(1, len(names) + 1)
    up, down = np.zeros(len(names)), np.zeros(len(names))
    top = float(comps.clip(lower=0).sum(axis=1).max()) or 1.0
    revenue = res.scenario.client.revenue_per_hour_down
    for part, label in cd.cost_part_labels(revenue).items():
        if part not in comps or not comps[part].any():
            continue
        h = comps[part].to_numpy()
        base = np.where(h >= 0, up, down)
        hatch = "//" if part == "downtime_cost" else None
        edge = "0.55" if hatch else "white"
        ax.bar(pos, h, 0.55, base, color=PART_COLORS[part], label=label, hatch=hatch,
               edgecolor=edge, linewidth=0.6)  # fmt: skip
        for x, b, v in zip(pos, base, h, strict=True):
            if abs(v) >= 0.07 * top:
                ink = ink_for(PART_COLORS[part])
                part_text = format_money(v, currency, compact=True)
                note(ax, (float(x), float(b + v / 2)), part_text, ha="center", color=ink)
        up, down = np.where(h >= 0, up + h, up), np.where(h < 0, down + h, down)
    for x, u, t in zip(pos, up, comps.sum(axis=1), strict=True):
        total = f"Total {format_money(t, currency, compact=True)}"
        note(
            ax,
            (float(x), float(u)),
            total,
            0,
            3,
            ha="center",
            va="bottom",
            fontsize=11,
            fontweight="bold",
            gid="total",
        )
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_ylim(top=top * 1.1)
    ax.set_xlim(0.4, len(names) + 0.6)
    contract_ticks(ax, pos, look)
    money_axis(ax.yaxis, currency)
    horizon = cd.horizon_text(res.scenario.horizon)
    ax.set_ylabel(f"Average cost over {horizon} ({currency_unit(currency)})")
    style_axes(ax)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1),
              frameon=False)  # fmt: skip
    ranking = res.ranking() if len(names) > 2 else None
    takeaway = tk.breakdown_takeaway(res.metrics, comps, currency, horizon, labels=look.labels,
                                     ranking=ranking, baseline=look.baseline)  # fmt: skip
    set_titles(ax, f"Total cost to the client over {horizon}", takeaway)
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
    look = offer_look(res)
    names, colors = look.names, look.colors
    ax = ax if ax is not None else new_axes(_wide(len(names)))
    wide = cd.downtime_per_year(res.metrics, res.scenario.horizon)
    groups = [wide[c].dropna().to_numpy() for c in names]
    pos = draw_boxes(ax, groups, look)
    jitter = np.random.default_rng(0)
    for p, g, c in zip(pos, groups, names, strict=True):
        x = p + jitter.uniform(-0.12, 0.12, len(g))
        ax.scatter(x, g, s=14, color=colors[c], alpha=0.6, linewidths=0, zorder=3)
        median = float(np.median(g)) if len(g) else 0.0
        note(ax, (p + 0.3, median), f"Typical year\n{median:,.0f} hours", color="0.15")
    ax.set_xlim(0.5, len(names) + 0.9)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Staff hours lost per year (hours)")
    style_axes(ax)
    takeaway = tk.downtime_takeaway(wide[names], look.labels)
    set_titles(ax, "Working time staff lose to IT problems", takeaway)
    return ax


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
        Left: mean provider revenue, cost and margin per contract (one bar container per
        contract, margin share labelled).  Right: provider revenue against staff hours
        lost, a dot per simulated future and a fitted line per contract (gid: the
        contract): under break-fix revenue rises with the client's downtime.

    Examples
    --------
    >>> fig = res.plot.provider_view()  # doctest: +SKIP
    """
    currency, look = res.scenario.currency, offer_look(res)
    names, colors = look.names, look.colors
    many, crowded = len(names) > 2, len(names) > 3  # crowded: bar labels upright
    fig = fig if fig is not None else new_figure((15.0 if many else 13.0, 6.0 if many else 5.5))
    ax_bar, ax_dot = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2 if many else 1, 1.15]})
    horizon, unit = cd.horizon_text(res.scenario.horizon), currency_unit(currency)
    means = cd.provider_means(res.metrics).loc[names]
    width = 0.8 / max(len(names), 1)
    top = float(means[["revenue", "cost", "margin"]].abs().to_numpy().max()) or 1.0
    for i, c in enumerate(names):
        x = np.arange(3) + (i - (len(names) - 1) / 2) * width
        h = means.loc[c, ["revenue", "cost", "margin"]].to_numpy(dtype=float)
        ax_bar.bar(x, h, width * 0.92, color=colors[c], label=look.label(c))
        labels = [format_money(v, currency, compact=True) for v in h]
        if np.isfinite(share := means.loc[c, "margin_share"]):
            labels[2] += f"\n({percent_text(share)})"
        kw = {"rotation": 90, "fontsize": 8} if crowded else {}
        for xi, hi, text in zip(x, h, labels, strict=True):
            # above the bar, or above the axis for a loss: clear of the tick labels below
            note(ax_bar, (xi, max(hi, 0.0)), text.replace("\n", " ") if crowded else text, 0,
                  3, ha="center", va="bottom", **kw)  # fmt: skip
    ax_bar.axhline(0, color="0.3", lw=0.8)
    ax_bar.set_xticks(range(3), ["Revenue", "Cost", "Margin"])
    bottom = float(min(0.0, means[["revenue", "cost", "margin"]].to_numpy().min()))
    ax_bar.set_ylim(
        bottom * 1.25 if bottom < 0 else None, top * (1.45 if crowded else 1.25 if many else 1.18)
    )
    money_axis(ax_bar.yaxis, currency)
    ax_bar.set_xlabel("What the provider earns and spends")
    ax_bar.set_ylabel(f"Average over {horizon} ({unit})")
    ax_bar.legend(loc="upper right", frameon=False, ncols=2 if many else 1)
    style_axes(ax_bar)
    margin = tk.margin_takeaway(means, currency, look.labels)
    set_titles(ax_bar, "The provider's revenue, cost and margin", margin)
    phrases = {}
    for c in names:
        part = res.metrics[res.metrics["contract"] == c]
        x, y = part["user_downtime_hours"].to_numpy(float), part["provider_revenue"].to_numpy(float)
        fit = cd.incentive_fit(x, y)
        ax_dot.scatter(x, y, s=18, color=colors[c], alpha=0.6, linewidths=0)
        phrases[c] = tk.incentive_phrase(fit, x, y, currency)
        label = look.label(c)
        if fit is not None:
            xs = np.array([x.min(), x.max()])
            ax_dot.plot(xs, fit.intercept + fit.slope * xs, color=colors[c], lw=2.2, gid=c)
            sign = "+" if fit.slope >= 0 else ""
            label += (
                f": {sign}{format_money(fit.slope, currency, compact=True)} revenue per hour lost"
            )
        ax_dot.scatter([], [], color=colors[c], label=label)
    ax_dot.set_ylim(bottom=0)
    ax_dot.set_xlim(left=0)
    money_axis(ax_dot.yaxis, currency)
    ax_dot.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax_dot.set_xlabel(f"Staff hours lost over {horizon} (hours)")
    ax_dot.set_ylabel(f"Provider revenue over {horizon} ({unit})")
    ax_dot.legend(loc="best", frameon=False)
    style_axes(ax_dot)
    question = "Does the provider earn more when you lose time?"
    set_titles(ax_dot, question, tk.incentive_takeaway(phrases, look.labels))
    fig.suptitle("The provider's side of each contract", fontsize=15, fontweight="bold")
    return fig


_SPREAD_KEYS = ("p50", "p95", "worst")


def _wide(n: int) -> tuple[float, float]:
    """Figure size for a chart with a box or bar per offer: wider beyond three offers."""
    return (max(8.0, 2.0 * n + 3.0), 5.0)


# ---------------------------------------------------------------------------- accessor
class PlotAccessor:
    """Standard charts of an experiment, as ``res.plot.<chart>(...)``.

    ``cumulative_cost``, ``monthly_spend``, ``cost_breakdown``, ``downtime`` (each returns
    an Axes) and ``provider_view`` (returns a Figure); see the functions of the same name
    in :mod:`itmodels.charts.plots`.

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
        names = "cumulative_cost, monthly_spend, cost_breakdown, downtime, provider_view"
        return f"<PlotAccessor: {names}>"
