"""What every chart shares: contract colours, new figures, titles, axes and notes."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from itmodels.charts import data as cd
from itmodels.money.formatting import format_money
from itmodels.money.ledger import BILL_CATEGORIES

if TYPE_CHECKING:
    from itmodels.experiments.result import ExperimentResult

__all__ = [
    "CONTRACT_COLORS",
    "FALLBACK_COLORS",
    "HIGH",
    "LOW",
    "PART_COLORS",
    "contract_colors",
    "contract_ticks",
    "contracts_of",
    "draw_boxes",
    "ink_for",
    "money_axis",
    "new_axes",
    "new_figure",
    "note",
    "set_titles",
    "spread_apart",
    "style_axes",
]

#: One fixed colour per contract on every chart (Okabe-Ito vermillion and blue).
CONTRACT_COLORS: dict[str, str] = {"break_fix": "#d55e00", "flat_rate": "#0072b2"}
#: Colours for other contracts, in order of their sorted names (Okabe-Ito).
FALLBACK_COLORS: tuple[str, ...] = ("#009e73", "#e69f00", "#cc79a7", "#56b4e9", "#000000")
#: Colours of the parts of the client's cost (Paul Tol's muted scheme; downtime is hatched).
_MUTED = ("#332288", "#88CCEE", "#44AA99", "#DDCC77", "#999933", "#AA4499", "#117733", "#CC6677")
PART_COLORS: dict[str, str] = {
    **dict(zip(BILL_CATEGORIES, _MUTED * 2, strict=False)),
    "downtime_cost": "#DDDDDD",
}
LOW, HIGH = "#BBBBBB", "#555555"  # tornado: parameter lowered / raised


# ---------------------------------------------------------------------------- helpers
def contract_colors(contracts: Sequence[str]) -> dict[str, str]:
    """The colour of each contract: :data:`CONTRACT_COLORS`, then the fallback cycle.

    Examples
    --------
    >>> contract_colors(["flat_rate", "block_hours"])
    {'flat_rate': '#0072b2', 'block_hours': '#009e73'}
    """
    others = sorted(c for c in set(contracts) if c not in CONTRACT_COLORS)
    extra = {c: FALLBACK_COLORS[i % len(FALLBACK_COLORS)] for i, c in enumerate(others)}
    return {c: CONTRACT_COLORS.get(c) or extra[c] for c in contracts}


def new_figure(figsize: tuple[float, float]) -> Figure:
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def new_axes(figsize: tuple[float, float] = (8.0, 5.0)) -> Axes:
    return new_figure(figsize).add_subplot()


def contracts_of(res: ExperimentResult) -> list[str]:
    present = set(res.metrics["contract"].astype(str))
    return [c for c in res.contracts if c in present]


def money_axis(axis: Any, currency: str) -> None:
    axis.set_major_formatter(
        FuncFormatter(lambda v, _: format_money(v, currency, compact=True, sig=3))
    )


def set_titles(ax: Axes, title: str, takeaway: str | None) -> None:
    """A bold title and, under it, the takeaway (gid ``"takeaway"``) wrapped to the axes."""
    lines = 0
    if takeaway:
        width = ax.bbox.width * 72 / ax.figure.dpi
        # money comes as "CHF\u00a012k": textwrap breaks only at ASCII spaces, so it stays whole
        text = textwrap.fill(takeaway, max(40, int(width / 5.2)), break_on_hyphens=False)
        lines = text.count("\n") + 1
        note(ax, (0, 1), text.replace("\u00a0", " "), 0, 8, xycoords="axes fraction",
              va="bottom", fontsize=10, color="0.2", gid="takeaway")  # fmt: skip
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold", pad=12 + 12.5 * lines)


def note(ax: Axes, xy: tuple[float, float], text: str, dx: float = 0, dy: float = 0,
          **kw: Any) -> Any:  # fmt: skip
    """Text at ``xy`` (data coordinates unless ``xycoords``), shifted ``(dx, dy)`` points."""
    kw = {"fontsize": 9, "va": "center", "textcoords": "offset points", **kw}
    return ax.annotate(text, xy, xytext=(dx, dy), parse_math=False, **kw)


def spread_apart(values: Sequence[float], gap: float) -> list[float]:
    """Label positions at ``values``, pushed up to be at least ``gap`` apart."""
    out = np.asarray(values, dtype=float).copy()
    order = np.argsort(out, kind="stable")
    for k in range(1, len(order)):
        out[order[k]] = max(out[order[k]], out[order[k - 1]] + gap)
    return list(out)


def ink_for(color: Any) -> str:
    """Black or white, whichever reads better on ``color``."""
    r, g, b = to_rgb(color)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def style_axes(ax: Axes, grid: Literal["both", "x", "y"] = "y") -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=grid, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)


def draw_boxes(ax: Axes, groups: list[np.ndarray], names: list[str]) -> np.ndarray:
    """Boxes (middle half) with whiskers from the 5th to the 95th percentile, per contract."""
    colors = contract_colors(names)
    pos = np.arange(1, len(groups) + 1)
    median = {"color": "black", "linewidth": 1.5}
    parts = ax.boxplot(groups, positions=pos, widths=0.45, whis=(5, 95), showfliers=False,
                       patch_artist=True, medianprops=median)  # fmt: skip
    for i, c in enumerate(names):
        parts["boxes"][i].set(facecolor=(*to_rgb(colors[c]), 0.35), edgecolor=colors[c], lw=1.5)
        for line in parts["whiskers"][2 * i : 2 * i + 2] + parts["caps"][2 * i : 2 * i + 2]:
            line.set(color=colors[c], linewidth=1.5)
    contract_ticks(ax, pos, names)
    return pos


def contract_ticks(ax: Axes, pos: np.ndarray, names: list[str]) -> None:
    """Contract names under ``pos``, each in its contract's colour."""
    colors = contract_colors(names)
    ax.set_xticks(pos, [cd.display_name(c) for c in names])
    for label, c in zip(ax.get_xticklabels(), names, strict=True):
        label.set(color=colors[c], fontweight="bold", fontsize=11)
    ax.set_xlabel("Support contract")
