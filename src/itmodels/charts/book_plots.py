"""Charts of a provider's whole book (:class:`~itmodels.experiments.book.BookResult`).

Four charts for the provider's owner, each returning a :class:`~matplotlib.figure.Figure`
(drawn into ``fig`` when given, a new figure otherwise; never ``plt.show()``):

- :func:`margin_distribution`: the provider's P&L per year over the simulated futures
  (revenue, cost and margin as boxes, and the margin's histogram);
- :func:`revenue_fan`: the monthly revenue, its median and 50 % / 90 % bands over the
  futures, the median cost, and the months that made a loss in some future marked;
- :func:`utilisation_sla`: the technicians' utilisation and the SLA attainment by
  priority against a target line;
- :func:`migration_comparison`: before and after moving clients to another offer
  (:func:`itmodels.migrate`): the provider's margin and the clients' total cost per year,
  each with its 95 % interval, and the paired difference.

The conventions are those of :mod:`itmodels.charts.plots`: money in the book's currency
through :func:`~itmodels.money.formatting.format_money`, a bold title and a takeaway
computed from the data, text drawn with ``parse_math=False`` (``$`` is a dollar).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from itmodels.charts import data as cd
from itmodels.charts.style import (
    contract_colors,
    money_axis,
    new_figure,
    note,
    set_titles,
    style_axes,
)
from itmodels.experiments.analysis import mean_ci
from itmodels.money.formatting import currency_unit, format_money, percent_text
from itmodels.scenario import PRIORITIES
from itmodels.scenario.units import HOURS_PER_YEAR

if TYPE_CHECKING:
    from itmodels.experiments.book import BookResult
    from itmodels.experiments.book_decisions import Migration

__all__ = [
    "BOOK_CHARTS",
    "book_chart",
    "clients_total_per_replication",
    "margin_distribution",
    "migration_comparison",
    "revenue_fan",
    "utilisation_sla",
]

#: The charts of a book report, by file name (the migration chart only with a migration).
BOOK_CHARTS: tuple[str, ...] = (
    "revenue_fan",
    "margin_distribution",
    "utilisation_sla",
    "migration_comparison",
)

_REVENUE, _COST, _MARGIN = "#0072b2", "#999999", "#009e73"
_LOSS = "#d55e00"
_BEFORE = "#777777"


def _years(res: BookResult) -> float:
    return float(res.book.horizon) / HOURS_PER_YEAR


def _fig(fig: Figure | SubFigure | None, size: tuple[float, float]) -> Figure | SubFigure:
    return fig if fig is not None else new_figure(size)


def _top(fig: Figure | SubFigure) -> Figure:
    """The figure to return: the page a subfigure sits on is not what was drawn."""
    return fig if isinstance(fig, Figure) else fig.figure


def clients_total_per_replication(res: BookResult, metric: str = "client_total_cost") -> np.ndarray:
    """A client metric summed over every client of the book, one value per replication.

    Parameters
    ----------
    res : BookResult
    metric : str
        A column of ``res.clients``.

    Returns
    -------
    numpy.ndarray
        In the order of the replications.
    """
    sums = res.clients.groupby("replication", sort=True)[metric].sum()
    return sums.to_numpy(dtype=float)


# ---------------------------------------------------------------------------- P&L
def margin_distribution(res: BookResult, *, fig: Figure | SubFigure | None = None) -> Figure:
    """The provider's P&L per year over the simulated futures.

    Parameters
    ----------
    res : BookResult
        The book's replications.
    fig : Figure or SubFigure, optional
        An empty figure to draw the two panels into; a new one if not given.

    Returns
    -------
    Figure
        Left: revenue, cost and margin per year, boxes holding the middle half of the
        futures, whiskers 9 in 10 (5th to 95th percentile).  Right: the margin's histogram
        with its mean (solid), 5th and 95th percentiles (dashed) and zero (red) when a
        future made a loss.

    Examples
    --------
    >>> fig = margin_distribution(itm.run_book(itm.load_book("msp-book"), 20))  # doctest: +SKIP
    """
    cur = res.book.currency
    years = _years(res)
    fig = _fig(fig, (12.0, 4.8))
    ax_box, ax_hist = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    cols = ("provider_revenue", "provider_cost", "provider_margin")
    values = [res.provider[c].to_numpy(dtype=float) / years for c in cols]
    colors = (_REVENUE, _COST, _MARGIN)
    parts = ax_box.boxplot(
        values,
        positions=[1, 2, 3],
        widths=0.5,
        whis=(5, 95),
        showfliers=False,
        patch_artist=True,
        medianprops={"color": "black", "linewidth": 1.5},
    )
    for i, color in enumerate(colors):
        parts["boxes"][i].set(facecolor=color, alpha=0.55, edgecolor=color)
    for i, v in enumerate(values):
        note(
            ax_box,
            (i + 1.3, float(np.mean(v))),
            format_money(float(np.mean(v)), cur, compact=True, sig=3),
            ha="left",
            color="0.15",
        )
    ax_box.set_xticks([1, 2, 3], ["Revenue", "Cost", "Margin"])
    ax_box.set_xlim(0.5, 3.9)
    ax_box.set_ylim(bottom=min(0.0, min(float(np.min(v)) for v in values) * 1.1))
    money_axis(ax_box.yaxis, cur)
    ax_box.set_ylabel(f"A year ({currency_unit(cur)})")
    style_axes(ax_box)
    set_titles(ax_box, "The provider's P&L", f"Means over {res.replications} futures")

    margin = values[2]
    bins = int(min(30, max(6, math.ceil(math.sqrt(len(margin)) * 2))))
    ax_hist.hist(margin, bins=bins, color=_MARGIN, alpha=0.7, edgecolor="white")
    mean = float(np.mean(margin))
    p5, p95 = (float(x) for x in np.percentile(margin, [5, 95]))
    ax_hist.axvline(mean, color="black", lw=1.8, gid="mean")
    for x in (p5, p95):
        ax_hist.axvline(x, color="0.3", lw=1.2, ls="--", gid="percentile")
    loss = float(np.mean(margin < 0))
    if loss > 0:
        ax_hist.axvline(0.0, color=_LOSS, lw=1.5, gid="zero")
    money_axis(ax_hist.xaxis, cur)
    ax_hist.xaxis.set_major_locator(MaxNLocator(6))
    ax_hist.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax_hist.set_xlabel(f"Provider margin in a year ({currency_unit(cur)})")
    ax_hist.set_ylabel("Simulated futures")
    style_axes(ax_hist)
    _, _, low, high, _ = mean_ci(margin)
    ci = (
        f" (95 % CI {format_money(low, cur, compact=True, sig=3)} to"
        f" {format_money(high, cur, compact=True, sig=3)})"
        if math.isfinite(low)
        else ""
    )
    takeaway = (
        f"Expected margin {format_money(mean, cur, compact=True, sig=3)} a year{ci};"
        f" 9 futures in 10 between {format_money(p5, cur, compact=True, sig=3)} and"
        f" {format_money(p95, cur, compact=True, sig=3)}; a loss-making year in"
        f" {percent_text(loss)} of them."
    )
    set_titles(ax_hist, "How the margin varies", takeaway)
    return _top(fig)


# ---------------------------------------------------------------------------- fan chart
def revenue_fan(res: BookResult, *, fig: Figure | SubFigure | None = None) -> Figure:
    """The provider's monthly revenue over the simulated futures, with the loss months.

    Parameters
    ----------
    res : BookResult
    fig : Figure or SubFigure, optional
        An empty figure to draw into; a new one if not given.

    Returns
    -------
    Figure
        The median revenue of each month (line), the band holding half of the futures
        (25th to 75th percentile) and 9 in 10 (5th to 95th), the median cost (dashed), and
        under each month that made a loss in some future a red triangle (gid
        ``"loss-month"``) labelled with the share of futures in which it did.
    """
    cur = res.book.currency
    fig = _fig(fig, (10.0, 4.8))
    ax = fig.add_subplot()
    table = res.monthly.groupby("month", sort=True)
    q = table["revenue"].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    cost = table["cost"].median()
    losses = table["margin"].apply(lambda m: float(np.mean(m.to_numpy(dtype=float) < 0)))
    x = q.index.to_numpy() + 1
    ax.fill_between(x, q[0.05], q[0.95], color=_REVENUE, alpha=0.15, lw=0, label="9 futures in 10")
    ax.fill_between(x, q[0.25], q[0.75], color=_REVENUE, alpha=0.3, lw=0, label="Half the futures")
    ax.plot(x, q[0.5], color=_REVENUE, lw=2.2, label="Median revenue", gid="median")
    ax.plot(x, cost.to_numpy(), color="0.35", lw=1.5, ls="--", label="Median cost", gid="cost")
    marked = losses[losses > 0]
    low = min(0.0, float(cost.min()))
    top = float(q[0.95].max())
    ax.set_ylim(low, top * 1.18 if top > 0 else 1.0)
    if len(marked):
        trans = blended_transform_factory(ax.transData, ax.transAxes)
        ax.scatter(
            marked.index.to_numpy() + 1,
            np.full(len(marked), 0.04),
            marker="v",
            s=60,
            color=_LOSS,
            transform=trans,
            zorder=4,
            gid="loss-month",
            label="A loss in some futures",
        )
        for m, share in marked.items():
            ax.annotate(
                percent_text(share),
                (int(m) + 1, 0.04),
                xycoords=trans,
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color=_LOSS,
                parse_math=False,
            )
    money_axis(ax.yaxis, cur)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.set_xlim(0.5, len(x) + 0.5)
    ax.set_xlabel("Month")
    ax.set_ylabel(f"Provider revenue in the month ({currency_unit(cur)})")
    ax.legend(loc="upper left", frameon=False, ncols=3, fontsize=9)
    style_axes(ax)
    prob = res.loss_month_probability
    volatility = float(np.nanmean(res.provider["revenue_volatility"].to_numpy(dtype=float)))
    median = float(np.median(res.monthly["revenue"].to_numpy(dtype=float)))
    if len(marked):
        words = (
            f"A month makes a loss with probability {percent_text(prob['mean'], 1)}"
            f" (95 % CI {percent_text(max(prob['ci_low'], 0.0), 1)} to"
            f" {percent_text(prob['ci_high'], 1)})"
        )
    else:
        words = f"No month made a loss in any of the {res.replications} futures"
    takeaway = (
        f"A typical month brings {format_money(median, cur, compact=True, sig=3)}; the revenue"
        f" varies by {percent_text(volatility)} from month to month. {words}."
    )
    set_titles(ax, "The provider's monthly revenue", takeaway)
    return _top(fig)


# ---------------------------------------------------------------------------- utilisation, SLA
def utilisation_sla(
    res: BookResult, *, fig: Figure | SubFigure | None = None, sla_target: float = 0.95
) -> Figure:
    """The technicians' utilisation, and the SLA attainment by priority against a target.

    Parameters
    ----------
    res : BookResult
    fig : Figure or SubFigure, optional
        An empty figure to draw the two panels into; a new one if not given.
    sla_target : float
        The share of incidents to be responded to in time (a dashed line, gid
        ``"target"``); default 0.95.

    Returns
    -------
    Figure
        Left: the utilisation (mean, dot; 9 futures in 10, whisker) and the overtime hours
        a year.  Right: for each priority with an SLA target in some future, the share of
        its incidents responded to in time (mean and 9 futures in 10); a priority without
        one is labelled ``no SLA``.
    """
    if not 0 < sla_target <= 1:
        raise ValueError(f"sla_target must be a share in (0, 1], got {sla_target!r}")
    years = _years(res)
    fig = _fig(fig, (11.0, 4.6))
    ax_u, ax_s = fig.subplots(1, 2, gridspec_kw={"width_ratios": [0.7, 1.3]})
    util = res.provider["utilisation"].to_numpy(dtype=float)
    over = res.provider["overtime_hours"].to_numpy(dtype=float) / years
    _dot(ax_u, 0, util, "#0072b2")
    note(
        ax_u,
        (0, float(np.nanmean(util))),
        percent_text(float(np.nanmean(util))),
        12,
        0,
        ha="left",
        fontsize=10,
    )
    ax_u.axhline(1.0, color="0.5", lw=1, ls=":", gid="capacity")
    note(ax_u, (-0.45, 1.0), "every shift hour busy", 0, 4, va="bottom", color="0.35")
    ax_u.set_xlim(-0.5, 0.6)
    ax_u.set_ylim(0, max(1.08, float(np.nanmax(util)) * 1.1 if len(util) else 1.08))
    ax_u.set_xticks([0], [f"Overtime {np.nanmean(over):,.0f} h a year"])
    ax_u.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent_text(v)))
    ax_u.set_ylabel("Share of the shift hours busy")
    style_axes(ax_u)
    set_titles(ax_u, "Utilisation", f"{res.book.provider.technicians} technicians")

    lowest = sla_target
    names = []
    for i, p in enumerate(PRIORITIES):
        v = res.provider[f"sla_attainment_{p}"].to_numpy(dtype=float)
        names.append(p)
        if np.all(np.isnan(v)):
            note(ax_s, (i, sla_target), "no SLA", ha="center", color="0.4")
            continue
        _dot(ax_s, i, v, "#009e73" if np.nanmean(v) >= sla_target else _LOSS)
        lowest = min(lowest, float(np.nanpercentile(v, 5)))
        note(
            ax_s, (i, float(np.nanmean(v))), percent_text(float(np.nanmean(v)), 1), 10, 0, ha="left"
        )
    ax_s.axhline(sla_target, color="0.2", lw=1.3, ls="--", gid="target")
    note(
        ax_s,
        (len(names) + 0.05, sla_target),
        f"target {percent_text(sla_target)}",
        0,
        3,
        ha="right",
        va="bottom",
        color="0.2",
    )
    ax_s.set_xticks(range(len(names)), names)
    ax_s.set_xlim(-0.5, len(names) + 0.1)
    ax_s.set_ylim(max(0.0, lowest - 0.05), 1.01)
    ax_s.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent_text(v)))
    ax_s.set_xlabel("Incident priority")
    ax_s.set_ylabel("Responded to within the SLA")
    style_axes(ax_s)
    means = {
        p: float(np.nanmean(res.provider[f"sla_attainment_{p}"]))
        for p in PRIORITIES
        if res.provider[f"sla_attainment_{p}"].notna().any()
    }
    missed = [p for p, m in means.items() if m < sla_target]
    takeaway = (
        f"Below the {percent_text(sla_target)} target on average: {', '.join(missed)}"
        if missed
        else f"Every priority meets the {percent_text(sla_target)} target on average"
    ) + " (dots: mean; whiskers: 9 futures in 10)."
    set_titles(ax_s, "SLA attainment by priority", takeaway)
    return _top(fig)


def _dot(ax: Any, x: float, values: np.ndarray, color: str) -> None:
    """A mean (dot) and the 5th to 95th percentile (whisker) of ``values``."""
    v = values[~np.isnan(values)]
    if not len(v):
        return
    lo, hi = np.percentile(v, [5, 95])
    mean = float(v.mean())
    ax.errorbar(
        [x], [mean], yerr=[[mean - lo], [hi - mean]], fmt="o", color=color, ms=8, capsize=6, lw=2
    )


# ---------------------------------------------------------------------------- migration
def migration_comparison(
    migration: Migration, *, fig: Figure | SubFigure | None = None, level: float = 0.95
) -> Figure:
    """Before and after moving clients to another offer: the provider and its clients.

    Parameters
    ----------
    migration : Migration
        From :func:`itmodels.migrate`.
    fig : Figure or SubFigure, optional
        An empty figure to draw the two panels into; a new one if not given.
    level : float
        Confidence level of the intervals (default 0.95).

    Returns
    -------
    Figure
        Left: the provider's margin a year, before and after (mean and ``level``
        interval of the mean).  Right: the clients' total cost a year (cash plus
        downtime, summed over every client).  Each panel is titled with the paired
        difference, after − before, and its interval from ``migration.table(level)``.
    """
    before, after = migration.before, migration.after
    cur = before.book.currency
    years = _years(before)
    table = migration.table(level)
    fig = _fig(fig, (11.0, 4.6))
    axes = fig.subplots(1, 2)
    to_color = contract_colors([migration.to], before.book.contracts)[migration.to]
    panels = (
        (
            "provider_margin",
            "The provider's margin",
            lambda r: r.provider["provider_margin"].to_numpy(dtype=float),
        ),
        ("clients_total_cost", "The clients' total cost", clients_total_per_replication),
    )
    after_label = f"After: {percent_text(migration.share)} moved\nto {cd.display_name(migration.to, before.book.contracts)}"  # noqa: E501
    for ax, (metric, title, values) in zip(axes, panels, strict=True):
        tops = []
        for x, r, color in ((0, before, _BEFORE), (1, after, to_color)):
            v = np.asarray(values(r), dtype=float) / years
            mean, _, lo, hi, _ = mean_ci(v, level)
            err = [[mean - lo], [hi - mean]] if math.isfinite(lo) else None
            ax.bar([x], [mean], 0.55, color=color, alpha=0.35, edgecolor=color)
            ax.errorbar([x], [mean], yerr=err, fmt="none", ecolor="black", capsize=8, lw=1.5)
            note(
                ax,
                (x, hi if math.isfinite(hi) else mean),
                format_money(mean, cur, compact=True, sig=3),
                0,
                4,
                ha="center",
                va="bottom",
                fontweight="bold",
            )
            tops.append(hi if math.isfinite(hi) else mean)
        ax.set_xticks([0, 1], ["Before", after_label])
        ax.set_xlim(-0.6, 1.6)
        ax.set_ylim(min(0.0, *tops) * 1.2, max(tops) * 1.18 if max(tops) > 0 else 1.0)
        money_axis(ax.yaxis, cur)
        ax.set_ylabel(f"A year ({currency_unit(cur)}), {percent_text(level)} CI")
        style_axes(ax)
        row = table.loc[metric]
        diff = float(row["difference"]) / years
        low, high = float(row["ci_low"]) / years, float(row["ci_high"]) / years
        sign = "+" if diff >= 0 else ""
        takeaway = (
            f"After − before: {sign}{format_money(diff, cur, compact=True, sig=3)} a year"
            f" ({percent_text(level)} CI {format_money(low, cur, compact=True, sig=3)} to"
            f" {format_money(high, cur, compact=True, sig=3)}, paired future by future)"
        )
        set_titles(ax, title, takeaway)
    return _top(fig)


# ---------------------------------------------------------------------------- by name
def book_chart(
    name: str,
    res: BookResult,
    *,
    fig: Figure | SubFigure | None = None,
    migration: Migration | None = None,
    sla_target: float = 0.95,
) -> Figure:
    """One chart of :data:`BOOK_CHARTS` by name.

    Parameters
    ----------
    name : str
        A name of :data:`BOOK_CHARTS`.
    res : BookResult
    fig : Figure or SubFigure, optional
    migration : Migration, optional
        Needed for ``"migration_comparison"``.
    sla_target : float
        For ``"utilisation_sla"``.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        For an unknown name, or the migration chart without a migration.
    """
    if name == "margin_distribution":
        return margin_distribution(res, fig=fig)
    if name == "revenue_fan":
        return revenue_fan(res, fig=fig)
    if name == "utilisation_sla":
        return utilisation_sla(res, fig=fig, sla_target=sla_target)
    if name == "migration_comparison":
        if migration is None:
            raise ValueError("the migration chart needs a migration (itmodels.migrate)")
        return migration_comparison(migration, fig=fig)
    raise ValueError(f"unknown book chart {name!r}; expected one of {list(BOOK_CHARTS)}")
