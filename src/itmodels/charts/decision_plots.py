"""Charts for decisions: the sensitivity tornado and the break-even map over a sweep.

Both take the tables of :func:`itmodels.sensitivity` and :func:`itmodels.sweep`; the
conventions are those of :mod:`itmodels.charts.plots`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from itmodels.charts import data as cd
from itmodels.charts import takeaways as tk
from itmodels.charts.style import (
    HIGH,
    LOW,
    contract_colors,
    ink_for,
    money_axis,
    new_axes,
    note,
    set_titles,
    style_axes,
    wrap_name,
)
from itmodels.contracts import OfferTerms
from itmodels.money.formatting import currency_unit, format_money, number_text, percent_text

__all__ = ["break_even_map", "tornado"]


def _contrasting(base: str, color: str) -> str:
    """``color``, or when it is too close to ``base`` for the two ends of a diverging
    scale (vermillion and orange), the colour-blind safe colour farthest from ``base``."""
    if float(np.linalg.norm(np.subtract(to_rgb(base), to_rgb(color)))) >= 0.45:
        return color
    choices = ("#0072b2", "#009e73", "#cc79a7", "#d55e00")
    return max(choices, key=lambda c: float(np.linalg.norm(np.subtract(to_rgb(base), to_rgb(c)))))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _below_xlabel(ax: Axes) -> float:
    """Points from the bottom of ``ax`` to just below its x-axis label.

    Tick length and pad, the tick labels, the label pad and the label's lines.
    """
    ticks = ax.xaxis.get_major_ticks()
    tick_text = max((float(t.label1.get_fontsize()) for t in ticks), default=10.0)
    lines = ax.get_xlabel().count("\n") + 1
    label = 1.25 * float(ax.xaxis.label.get_fontsize()) * lines
    length, pad = float(rcParams["xtick.major.size"]), float(rcParams["xtick.major.pad"])
    return length + pad + 1.25 * tick_text + float(ax.xaxis.labelpad or 0.0) + label + 6


def _sides(
    baseline: str | None, other: str | None, offers: Mapping[str, OfferTerms] | None
) -> tuple[tuple[str, str], tuple[str, str]]:
    """Display names and colours of the baseline and the other offer (generic words and
    greys when not known)."""
    if baseline is None or other is None:
        return ("the baseline", "the other offer"), ("0.35", "0.35")
    colors = contract_colors([baseline, other], offers)
    names = (cd.display_name(baseline, offers), cd.display_name(other, offers))
    return names, (colors[baseline], colors[other])


# ---------------------------------------------------------------------------- decision charts
def tornado(
    table: pd.DataFrame, *, ax: Axes | None = None, currency: str = "USD",
    title: str | None = None, xlabel: str | None = None, baseline: str | None = None,
    other: str | None = None, offers: Mapping[str, OfferTerms] | None = None,
) -> Axes:  # fmt: skip
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
        ``other - baseline`` of the client's total cost (the default of ``sensitivity``),
        and the sides are labelled with the offer they favour.
    baseline, other : str, optional
        The offers of that difference, as given to ``sensitivity`` (default: the table's
        ``attrs["baseline"]`` and ``attrs["other"]`` when it has them, else the sides are
        called "the baseline" and "the other offer").
    offers : mapping of str to OfferTerms, optional
        The scenario's ``contracts``, for the offers' display names and colours.

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
    ax = ax if ax is not None else new_axes((9.0, 2.2 + 0.5 * max(len(table), 2)))
    baseline = baseline if baseline is not None else table.attrs.get("baseline")
    other = other if other is not None else table.attrs.get("other")
    (base_name, other_name), (base_color, other_color) = _sides(baseline, other, offers)
    t = table.reindex(table["effect"].abs().sort_values(ascending=False).index)
    n, y = len(t), np.arange(len(t))[::-1]
    base = float(t["base"].iloc[0]) if n else 0.0
    ratio = (1 - t["low_value"] / t["base_value"].where(t["base_value"] != 0)).median()
    pct = f"{percent_text(ratio)} " if np.isfinite(ratio) and ratio > 0 else ""
    for side, color, word in (("low", LOW, "lower"), ("high", HIGH, "higher")):
        ax.barh(y, t[side] - base, 0.6, left=base, color=color, label=f"Parameter {pct}{word}")
    for yi, (_, row) in zip(y, t.iterrows(), strict=True):
        ends = [(row["low"], row["low_value"], False), (row["high"], row["high_value"], True)]
        if row["low_value"] == row["high_value"]:
            ends = [(base, row["base_value"], True)]
        for end, value, up in ends:
            right = end > base or (end == base and up)
            text = cd.param_value_text(row["param"], value, currency)
            if len(ends) == 1:
                text += " (unchanged after rounding)"
            note(ax, (end, yi), text, 4 if right else -4, ha="left" if right else "right")
    ax.axvline(base, color="black", lw=1.2)
    note(ax, (base, n - 0.35), f"Base case {format_money(base, currency, compact=True)}", 3)
    ax.set_yticks(y, [wrap_name(cd.param_label(p, offers), 26) for p in t["param"]])
    values = np.r_[t["low"], t["high"], base]
    span = float(np.ptp(values)) or max(abs(base), 1.0)
    ax.set_xlim(values.min() - 0.18 * span, values.max() + 0.18 * span)
    ax.set_ylim(-0.6, n + 0.1)
    money_axis(ax.xaxis, currency)
    unit = currency_unit(currency)
    first = _cap(other_name) if other is None else other_name
    diff = f"{first} minus {cd.mid_sentence(baseline or '', base_name)}"
    ax.set_xlabel(xlabel or f"{diff}: total cost to the client ({unit})")
    style_axes(ax, grid="x")
    # under the axis label, whatever the height of the axes: offset in points, not axes units
    below = ScaledTranslation(0, -_below_xlabel(ax) / 72, ax.figure.dpi_scale_trans)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=ax.transAxes + below,
              frameon=False, ncols=2, borderaxespad=0)  # fmt: skip
    if xlabel is None:
        for xpos, text, color in ((0, f"← favours {other_name}", other_color),
                                  (1, f"favours {base_name} →", base_color)):  # fmt: skip
            note(ax, (xpos, 0.01), text, xycoords="axes fraction", ha="right" if xpos else "left",
                  va="bottom", color=color, gid="favours")  # fmt: skip
    words = (cd.mid_sentence(baseline or "", base_name), cd.mid_sentence(other or "", other_name))
    takeaway = tk.tornado_takeaway(t, currency, difference=xlabel is None, names=words)
    if isinstance(root := ax.get_figure(root=True), Figure):
        root.draw_without_rendering()  # the layout first: the takeaway wraps to the axes
    set_titles(ax, title or "What moves the result most", takeaway)
    return ax


def break_even_map(
    table: pd.DataFrame, *, x: str, y: str, ax: Axes | None = None,
    metric: str = "client_total_cost", currency: str = "USD", baseline: str | None = None,
    other: str | None = None, offers: Mapping[str, OfferTerms] | None = None,
) -> Axes:  # fmt: skip
    """Which offer is cheaper across a two-parameter sweep, with the break-even line.

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
    baseline, other : str, optional
        The offers compared (default: :func:`itmodels.charts.data.pick_pair` of the offers
        in the table).
    offers : mapping of str to OfferTerms, optional
        The scenario's ``contracts``, for the offers' display names and colours.

    Returns
    -------
    Axes
        A heatmap of the mean paired difference ``other - baseline`` at each grid point
        (in the other offer's colour where it is lower, the baseline's where that is) with
        the value in each cell, a colour bar, and the zero contour (the break-even line)
        when the sign changes.

    Examples
    --------
    >>> grid = {"contracts.complete.fee_per_device": [40, 80], "client.users": [5, 20]}
    >>> table = itm.sweep(scn, grid, replications=10)  # doctest: +SKIP
    >>> ax = itm.plots.break_even_map(table, x="contracts.complete.fee_per_device",
    ...                               y="client.users")  # doctest: +SKIP
    """
    ax = ax if ax is not None else new_axes((8.5, 5.5))
    grid = cd.paired_grid(table, x, y, metric, baseline, other)
    baseline, other = grid.attrs["baseline"], grid.attrs["other"]
    (base_name, other_name), _ = _sides(baseline, other, offers)
    side = contract_colors([baseline, other], offers)
    side[other] = _contrasting(side[baseline], side[other])
    z = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    lim = float(np.abs(z).max()) if z.count() else 0.0
    colors = [side[other], "white", side[baseline]]
    cmap = LinearSegmentedColormap.from_list("other_vs_baseline", colors)
    norm = Normalize(-(lim or 1.0), lim or 1.0)
    ny, nx = grid.shape
    mesh = ax.pcolormesh(np.arange(nx + 1) - 0.5, np.arange(ny + 1) - 0.5, z, cmap=cmap, norm=norm)
    money = metric.endswith(("cost", "revenue", "margin"))
    unit = currency_unit(currency)
    if nx * ny <= 80:
        for (i, j), v in np.ndenumerate(z.filled(np.nan)):
            if np.isfinite(v):
                text = format_money(v, currency, compact=True) if money else number_text(v)
                note(ax, (j, i), text, ha="center", color=ink_for(cmap(norm(v))))
    if nx >= 2 and ny >= 2 and z.count() and z.min() < 0 < z.max():
        ax.contour(np.arange(nx), np.arange(ny), z, levels=[0], colors="black", linewidths=2.5)
    ax.set_xticks(range(nx), [cd.param_value_text(x, v, currency) for v in grid.columns])
    ax.set_yticks(range(ny), [cd.param_value_text(y, v, currency) for v in grid.index])
    ax.set_xlabel(cd.param_label(x, offers) + (f" ({unit})" if cd.is_money_key(x) else ""))
    ax.set_ylabel(cd.param_label(y, offers) + (f" ({unit})" if cd.is_money_key(y) else ""))
    cheaper = metric.endswith("cost")
    bar = ax.figure.colorbar(mesh, ax=ax, fraction=0.05, pad=0.03)
    if money:
        money_axis(bar.ax.yaxis, currency)
    base_mid, other_mid = cd.mid_sentence(baseline, base_name), cd.mid_sentence(other, other_name)
    what = f"{other_name} minus {base_mid}: {cd.metric_label(metric)}"
    bar.set_label(what + (f" ({unit})" if money else ""))
    short = (wrap_name(other_mid, 12), wrap_name(base_mid, 12))
    words = (f"{short[0]}\ncheaper", f"{short[1]}\ncheaper")
    if not cheaper:
        words = (f"lower under\n{short[0]}", f"lower under\n{short[1]}")
    for yb, va, word, color in ((-0.02, "top", words[0], side[other]),
                                (1.02, "bottom", words[1], side[baseline])):  # fmt: skip
        note(bar.ax, (0.5, yb), word, xycoords="axes fraction", ha="center", va=va,
              color=color, gid="favours")  # fmt: skip
    title = "Which offer costs the client less"
    if not cheaper:
        title = f"{other_name} versus {base_mid}: {cd.metric_label(metric)}"
    takeaway = tk.map_takeaway(grid, cheaper, names=(base_name, other_name))
    set_titles(ax, title, takeaway)
    return ax
