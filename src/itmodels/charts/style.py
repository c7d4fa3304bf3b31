"""What every chart shares: offer colours and labels, new figures, titles, axes and notes."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from itmodels.charts import data as cd
from itmodels.contracts import CONTRACT_TYPES, OfferTerms
from itmodels.money.formatting import format_money
from itmodels.money.ledger import BILL_CATEGORIES

if TYPE_CHECKING:
    from itmodels.experiments.result import ExperimentResult

__all__ = [
    "FALLBACK_COLORS",
    "HIGH",
    "LOW",
    "PART_COLORS",
    "OfferLook",
    "contract_colors",
    "contract_ticks",
    "contracts_of",
    "draw_boxes",
    "ink_for",
    "money_axis",
    "new_axes",
    "new_figure",
    "note",
    "offer_look",
    "set_titles",
    "spread_apart",
    "style_axes",
    "wrap_name",
]

#: Colours for offers beyond the first of each pricing model (Okabe-Ito, colour-blind
#: safe, without its yellow, which does not read on white); then Paul Tol's wine and olive.
FALLBACK_COLORS: tuple[str, ...] = (
    "#009e73",
    "#e69f00",
    "#cc79a7",
    "#56b4e9",
    "#000000",
    "#882255",
    "#999933",
)
#: Colours of the parts of the client's cost (Paul Tol's muted scheme; downtime is hatched).
_MUTED = ("#332288", "#88CCEE", "#44AA99", "#DDCC77", "#999933", "#AA4499", "#117733", "#CC6677")
PART_COLORS: dict[str, str] = {
    **dict(zip(BILL_CATEGORIES, _MUTED * 2, strict=False)),
    "downtime_cost": "#DDDDDD",
}
LOW, HIGH = "#BBBBBB", "#555555"  # tornado: parameter lowered / raised


# ---------------------------------------------------------------------------- helpers
def contract_colors(
    names: Sequence[str], offers: Mapping[str, OfferTerms] | None = None
) -> dict[str, str]:
    """The colour of each offer, the same on every chart of one scenario.

    The first offer of each pricing model takes the model's colour
    (``contract_class(terms.type).color``); further offers of a model take the colours of
    :data:`FALLBACK_COLORS` not used yet, in the order of ``offers``, so an offer keeps its
    colour whichever subset of offers a chart shows.  Without ``offers``, a name that is a
    pricing model's ``type_name`` takes that model's colour and the others the fallback
    colours in the order of their sorted names.

    Parameters
    ----------
    names : sequence of str
        The offers shown.
    offers : mapping of str to OfferTerms, optional
        The scenario's ``contracts`` section (``scn.contracts``).

    Examples
    --------
    >>> colors = contract_colors(["beta", "alpha"])
    >>> colors["alpha"] == FALLBACK_COLORS[0], colors["beta"] == FALLBACK_COLORS[1]
    (True, True)
    """
    if offers is not None and all(n in offers for n in names):
        order = list(offers)
        first: dict[str, str] = {}
        for name in order:
            first.setdefault(offers[name].type, name)
        own = {n: CONTRACT_TYPES[offers[n].type].color for n in first.values()
               if offers[n].type in CONTRACT_TYPES}  # fmt: skip
    else:
        order = sorted(set(names), key=lambda n: (n not in CONTRACT_TYPES, n))
        own = {n: CONTRACT_TYPES[n].color for n in order if n in CONTRACT_TYPES}
    free = [c for c in FALLBACK_COLORS if c.lower() not in {v.lower() for v in own.values()}]
    free = free or list(FALLBACK_COLORS)
    rest = [n for n in order if n not in own]
    colors = {**own, **{n: free[i % len(free)] for i, n in enumerate(rest)}}
    return {n: colors[n] for n in names}


def wrap_name(text: str, width: int = 14) -> str:
    """An offer label on lines of about ``width`` characters, broken after spaces, ``-``
    or ``_`` (offer names have no spaces), a long run cut where it must be.

    Examples
    --------
    >>> wrap_name("remote-only-basic-plan", 12)
    'remote-only-\\nbasic-plan'
    >>> wrap_name("Break-fix")
    'Break-fix'
    """
    pieces = [p for p in re.split(r"(?<=[-_ ])", text) if p]
    lines: list[str] = []
    line = ""
    for piece in pieces:
        while len(piece) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(piece[:width])
            piece = piece[width:]
        if line and len(line) + len(piece.rstrip()) > width:
            lines.append(line)
            line = ""
        line += piece
    if line:
        lines.append(line)
    return "\n".join(x.rstrip() for x in lines)


@dataclass(frozen=True)
class OfferLook:
    """How the offers of one result look on every chart: order, labels and colours.

    ``names`` are the offers run (scenario order), ``labels`` their display names
    (:func:`itmodels.contracts.offer_label`), ``colors`` from :func:`contract_colors`
    and ``baseline`` the offer others are compared against.
    """

    names: list[str]
    labels: dict[str, str]
    colors: dict[str, str]
    baseline: str | None = None

    def label(self, name: str) -> str:
        """The display name of offer ``name``."""
        return self.labels.get(name, name)


def offer_look(res: ExperimentResult) -> OfferLook:
    """The :class:`OfferLook` of an experiment's offers."""
    names = contracts_of(res)
    offers = res.scenario.contracts
    labels = {n: cd.display_name(n, offers) for n in names}
    baseline = res.baseline if res.baseline in names else (names[0] if names else None)
    return OfferLook(names, labels, contract_colors(names, offers), baseline)


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
        # money comes as "CHF\u00a012k": textwrap breaks only at ASCII spaces, so it stays
        # whole; a percentage ("27 %") is kept whole the same way
        whole = takeaway.replace(" %", "\u00a0%")
        fig = ax.figure
        # the right end allowed: a little past the axes, well inside the figure (a sheet may
        # still move the axes a little when it lays out the page)
        right = min(ax.bbox.x1 + 0.1 * ax.bbox.width, fig.bbox.x1 - 0.5 * fig.dpi)
        chars = max(40, int(width / 5.2))
        while True:  # long offer names can make a line wider than its characters suggest
            text = textwrap.fill(whole, chars, break_on_hyphens=False)
            label = note(ax, (0, 1), text.replace("\u00a0", " "), 0, 8,
                         xycoords="axes fraction", va="bottom", fontsize=10, color="0.2",
                         gid="takeaway")  # fmt: skip
            if chars <= 20 or label.get_window_extent().x1 <= right:
                break
            label.remove()
            chars = int(chars * 0.9)
        lines = text.count("\n") + 1
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


def draw_boxes(ax: Axes, groups: list[np.ndarray], look: OfferLook) -> np.ndarray:
    """Boxes (middle half) with whiskers from the 5th to the 95th percentile, per offer."""
    names, colors = look.names, look.colors
    pos = np.arange(1, len(groups) + 1)
    median = {"color": "black", "linewidth": 1.5}
    parts = ax.boxplot(groups, positions=pos, widths=0.45, whis=(5, 95), showfliers=False,
                       patch_artist=True, medianprops=median)  # fmt: skip
    for i, c in enumerate(names):
        parts["boxes"][i].set(facecolor=(*to_rgb(colors[c]), 0.35), edgecolor=colors[c], lw=1.5)
        for line in parts["whiskers"][2 * i : 2 * i + 2] + parts["caps"][2 * i : 2 * i + 2]:
            line.set(color=colors[c], linewidth=1.5)
    contract_ticks(ax, pos, look)
    return pos


def contract_ticks(ax: Axes, pos: np.ndarray, look: OfferLook) -> None:
    """Offer labels under ``pos``, each in its offer's colour, wrapped to the space."""
    names = look.names
    width = ax.bbox.width * 72 / ax.figure.dpi / max(len(names), 1)  # points per offer
    size = 11 if len(names) <= 3 else 10
    chars = max(8, int(width / (0.62 * size)))
    ax.set_xticks(pos, [wrap_name(look.label(c), chars) for c in names])
    for label, c in zip(ax.get_xticklabels(), names, strict=True):
        label.set(color=look.colors[c], fontweight="bold", fontsize=size)
    ax.set_xlabel("Support contract")
