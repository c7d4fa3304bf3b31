"""The one-page proposal sheet (PDF) for a prospect, drawn with matplotlib.

The break-even fee is shown only when the caller passes one (see
:func:`itmodels.break_even_fee`).  The file is
written atomically (:mod:`itmodels.experiments.store`).
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import matplotlib as mpl
import matplotlib.image as mpimg
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from itmodels.charts import plots
from itmodels.contracts import contract_class, make_contract, offer_inline, offer_label
from itmodels.experiments.decisions import FeeEstimate
from itmodels.experiments.result import ExperimentResult
from itmodels.experiments.store import atomic_write
from itmodels.reports.text import (
    PAPER_SIZES,
    SheetNames,
    assumptions_text,
    break_even_text,
    date_text,
    key_figure_rows,
    lost_words,
    offer_colors,
    offer_names,
    offer_text,
    question_text,
    recommended_offer,
    sheet_names,
    takeaway_text,
)
from itmodels.scenario import Branding

__all__ = [
    "proposal_figure",
    "proposal_pdf",
    "save_pdf",
]


# ---------------------------------------------------------------------------- measured text
_MARGIN = 0.55  # inches left and right
_LEAD = 1.28  # line height as a multiple of the font size


_DPI = 720  # fine enough that hinting hardly changes a width
_SLACK = 0.94  # room for rasterisers that hint text wider (up to 5 % at 150 dpi)


@cache
def _renderer() -> RendererAgg:
    """A fine renderer to measure text with (never drawn on)."""
    return RendererAgg(10, 10, _DPI)


def _width(text: str, size: float, weight: str = "normal") -> float:
    """The width of one line of text in inches, as matplotlib will draw it."""
    font = FontProperties(size=size, weight=weight)
    w, _, _ = _renderer().get_text_width_height_descent(text, font, ismath=False)
    return float(w) / _DPI


def _wrap(text: str, size: float, width: float, weight: str = "normal") -> list[str]:
    """Lines of ``text`` no wider than ``width`` inches (a word too long is cut by letters)."""
    width *= _SLACK
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in filter(None, para.split(" ")):  # a no-break space holds
            trial = f"{line} {word}" if line else word
            if _width(trial, size, weight) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            while _width(word, size, weight) > width and len(word) > 1:
                cut = max(
                    k
                    for k in range(1, len(word) + 1)
                    if _width(word[:k], size, weight) <= width or k == 1
                )
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


class _Sheet:
    """Draws text on the page top-down from a cursor, everything measured in inches."""

    def __init__(self, fig: Figure, width: float, height: float) -> None:
        self.fig, self.width, self.height = fig, width, height
        self.y = 0.0  # inches from the top of the page
        self.inner = width - 2 * _MARGIN

    def text(self, x: float, y: float, lines: list[str], size: float, gid: str, **kw: Any) -> float:
        """Draw ``lines`` with their top at ``y`` inches; return the height used."""
        self.fig.text(
            x,
            self.height - y,
            "\n".join(lines),
            fontsize=size,
            va="top",
            linespacing=_LEAD * 0.95,
            transform=self.fig.dpi_scale_trans,
            gid=gid,
            **kw,
        )
        return len(lines) * size * _LEAD / 72

    def block(
        self,
        text: str,
        size: float,
        gid: str,
        *,
        x: float = _MARGIN,
        width: float | None = None,
        gap: float = 0.1,
        weight: str = "normal",
        max_lines: int | None = None,
        **kw: Any,
    ) -> None:
        """A wrapped paragraph at the cursor; the cursor moves below it."""
        width = self.inner - (x - _MARGIN) if width is None else width
        lines = _wrap(text, size, width, weight)
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines]
            while lines[-1] and _width(lines[-1] + " …", size, weight) > width * _SLACK:
                lines[-1] = lines[-1][:-1]
            lines[-1] += " …"
        self.y += self.text(x, self.y, lines, size, gid, fontweight=weight, **kw) + gap

    def rect(self, x: float, y: float, w: float, h: float, color: str) -> None:
        self.fig.add_artist(
            Rectangle(
                (x, self.height - y - h),
                w,
                h,
                color=color,
                lw=0,
                transform=self.fig.dpi_scale_trans,
            )
        )


# ---------------------------------------------------------------------------- proposal sheet
def proposal_figure(
    res: ExperimentResult,
    names: SheetNames,
    break_even: FeeEstimate | None,
    paper: str | None = None,
) -> Figure:
    """The proposal sheet as a figure (see :func:`proposal_pdf`)."""
    with mpl.rc_context({"text.parse_math": False}):
        return _draw_proposal(res, names, break_even, paper or names.paper)


def _logo(sheet: _Sheet, path: str, top: float) -> tuple[float, float]:
    """The logo at the top right, at most 1.9 x 0.8 inches; its (width, height) in inches."""
    image = mpimg.imread(path)
    h_px, w_px = image.shape[:2]
    scale = min(1.9 / w_px, 0.8 / h_px)
    w, h = w_px * scale, h_px * scale
    x = sheet.width - _MARGIN - w
    ax = sheet.fig.add_axes(
        (x / sheet.width, 1 - (top + h) / sheet.height, w / sheet.width, h / sheet.height),
        gid="logo",
    )
    ax.imshow(image, interpolation="antialiased")
    ax.set_axis_off()
    return w, h


def _name_lines(name: str, size: float, width: float, weight: str = "bold") -> list[str]:
    """An offer name in lines no wider than ``width``: broken after ``-`` or ``_`` (names
    have no spaces), a part still too wide cut by letters."""
    lines: list[str] = []
    for part in re.findall(r"[^-_]+[-_]*|[-_]+", name):
        if lines and _width(lines[-1] + part, size, weight) <= width * _SLACK:
            lines[-1] += part
        else:
            lines += _wrap(part, size, width, weight)
    return lines or [name]


def _split(spread: str, split: bool) -> list[str]:
    """``90 % range $1–$2`` as one line, or as ``90 % range`` above ``$1–$2``."""
    head, sep, amounts = spread.partition(" range ")
    return [f"{head} range", amounts] if split and sep else [spread]


_CHART_MIN = 2.6  # inches: the least height a chart of the sheet is drawn in

#: Font sizes of the key-figures table by number of offers: value, range, label, header.
_TABLE_SIZES = {2: (12.0, 8.0, 10.0, 12.0), 3: (11.0, 7.5, 9.5, 11.0), 4: (10.0, 7.0, 9.0, 10.0)}
_SMALLEST = (9.0, 6.5, 8.5, 9.0)  # five or six offers


def _key_table(sheet: _Sheet, res: ExperimentResult) -> None:
    """Label column, then one column per offer; widths measured from the cells, names
    wrapped after ``-`` or ``_``, smaller type the more offers there are."""
    scn, offers = res.scenario, offer_names(res)
    n = len(offers)
    rows = key_figure_rows(res)
    value_size, range_size, label_size, head_size = _TABLE_SIZES.get(max(n, 2), _SMALLEST)
    label_min = 1.8 if n <= 2 else 2.2

    def need(split: bool) -> float:
        """The widest cell, with the range on one line or "90 % range" above the amounts."""
        parts = [
            [
                (mean, value_size, "bold"),
                *((p, range_size, "normal") for p in _split(spread, split)),
            ]
            for _, cells in rows
            for mean, spread in cells
        ]
        return max(_width(t, z, w) for cell in parts for t, z, w in cell) / _SLACK + 0.25

    one_line = need(False)
    wide = one_line if sheet.inner - n * one_line >= label_min else need(True)
    col = min(wide, (sheet.inner - min(label_min, 1.45)) / n)
    right = sheet.width - _MARGIN
    xs = [right - (n - k) * col + 0.1 for k in range(n)]
    label_w = xs[0] - _MARGIN - 0.2
    width = col - 0.15
    colors = offer_colors(res)
    head = 0.0
    for x, c in zip(xs, offers, strict=True):
        shown = offer_label(scn.contracts, c)
        lines = _name_lines(shown, head_size, width)
        h = sheet.text(x, sheet.y, lines, head_size, "contract", fontweight="bold", color=colors[c])
        if shown == c:  # a name of the user's: say which pricing model it is
            model = contract_class(scn.contracts[c].type).label
            h += sheet.text(
                x,
                sheet.y + h,
                _wrap(model, range_size, width),
                range_size,
                "contract",
                color="0.35",
            )
        head = max(head, h)
    sheet.y += head + 0.04
    sheet.fig.add_artist(
        Line2D(
            [_MARGIN, right],
            [sheet.height - sheet.y] * 2,
            color="0.75",
            lw=0.8,
            transform=sheet.fig.dpi_scale_trans,
        )
    )
    sheet.y += 0.08
    spreads = [spread for _, cells in rows for _, spread in cells]
    split = any(_width(t, range_size) > width * _SLACK for t in spreads)  # all alike
    for label, cells in rows:
        used = sheet.text(_MARGIN, sheet.y, _wrap(label, label_size, label_w), label_size, "label")
        for x, (mean, spread) in zip(xs, cells, strict=True):
            h = sheet.text(
                x,
                sheet.y,
                _wrap(mean, value_size, width, "bold"),
                value_size,
                "value",
                fontweight="bold",
            )
            lines = [
                line for part in _split(spread, split) for line in _wrap(part, range_size, width)
            ]
            h += sheet.text(x, sheet.y + h, lines, range_size, "range", color="0.35")
            used = max(used, h)
        sheet.y += used + 0.08


def _draw_proposal(
    res: ExperimentResult,
    names: SheetNames,
    break_even: FeeEstimate | None,
    paper: str,
) -> Figure:
    scn = res.scenario
    width, height = PAPER_SIZES[paper]
    fig = Figure(figsize=(width, height), layout="constrained")
    sheet = _Sheet(fig, width, height)
    sheet.rect(0, 0, width, 0.28, names.accent)
    sheet.y = 0.5
    logo_w, logo_h = _logo(sheet, names.logo, sheet.y) if names.logo else (0.0, 0.0)
    logo_bottom = sheet.y + logo_h
    beside = sheet.inner - (logo_w + 0.25 if logo_w else 0.0)
    title = f"IT support for {names.prospect}"
    size = next((z for z in (19, 17, 15) if len(_wrap(title, z, beside, "bold")) <= 2), 15)
    sheet.block(title, size, "title", width=beside, weight="bold", max_lines=3, gap=0.06)
    sheet.block(
        f"{question_text(res)} Prepared by {names.provider}",
        11,
        "provider",
        width=beside,
        color="0.3",
        gap=0.04,
    )
    meta = date_text(names.date) if names.date else ""
    if names.contact:
        meta = f"{meta}  ·  {names.contact}" if meta else names.contact
    if meta:
        sheet.block(meta, 9.5, "contact", width=beside, color="0.3", gap=0.04)
    sheet.y = max(sheet.y, logo_bottom) + 0.14
    top = sheet.y
    verdict = takeaway_text(res)
    sheet.block(
        verdict,
        11.5 if len(res.contracts) <= 3 else 10.5,
        "takeaway",
        x=_MARGIN + 0.2,
        weight="bold",
        gap=0.0,
    )
    sheet.rect(_MARGIN, top, 0.06, sheet.y - top, names.accent)
    sheet.y += 0.2
    _key_table(sheet, res)
    offer = recommended_offer(res, names.offer)
    if offer is not None:
        sheet.y += 0.04
        price, includes = offer_text(scn, offer, named=len(res.contracts) > 2)
        sheet.block(price, 10, "offer", weight="bold", gap=0.02)
        sheet.block(includes, 9, "includes", gap=0.06)
    if break_even is not None:
        shown = offer_inline(scn.contracts, break_even.offer)
        words = make_contract(scn, break_even.offer).price_term_words(break_even.term)
        text = break_even_text(break_even, scn.currency, lost_words(scn), shown, words)
        sheet.block(text, 9, "break-even", gap=0.06)
    head = sheet.y + 0.05
    foot_lines = _wrap(assumptions_text(res, names.disclaimer), 7, sheet.inner)
    foot = len(foot_lines) * 7 * _LEAD / 72 + 0.35
    sheet.text(_MARGIN, height - foot + 0.12, foot_lines, 7, "assumptions", color="0.3")
    rest = height - head - foot
    draws = [plots.cumulative_cost, plots.cost_breakdown]
    if rest / 2 < _CHART_MIN:  # many offers, long names: one chart drawn readably, not two
        draws = draws[:1]
    share = rest / len(draws)
    ratios = [head, *(share for _ in draws), foot]
    subs: Any = fig.subfigures(len(ratios), 1, height_ratios=ratios, hspace=0)
    engine: Any = fig.get_layout_engine()
    engine.set(h_pad=0.06, w_pad=_MARGIN - 0.1)
    for draw, sub in zip(draws, subs[1:-1], strict=True):
        _fit_ylabel(draw(res, ax=sub.add_subplot()), 0.55 * share)
    return fig


def _fit_ylabel(ax: Axes, height: float) -> None:
    """Wrap an axis label taller than ``height`` inches, so it stays beside its own chart."""
    label = ax.yaxis.label
    size = float(label.get_fontsize())
    text = label.get_text()
    if text and _width(text, size) > height:
        ax.set_ylabel("\n".join(_wrap(text, size, height)))


def proposal_pdf(
    res: ExperimentResult,
    path: str | Path,
    *,
    branding: Branding | None = None,
    break_even: FeeEstimate | None = None,
    paper: Literal["a4", "letter"] | None = None,
    offer: str | None = None,
) -> Path:
    """Write the one-page proposal sheet (PDF) for the prospect.

    The page holds the prospect's and provider's names under an accent-coloured bar, the
    verdict (with two offers: which costs the client less per year, by how much, with a
    95 % confidence interval; with more: the offers ranked from the cheapest, each with its
    gap to the one above, saying which the simulated futures do not tell apart), the
    expected cost per year under each offer with the 5th-95th percentile range over the
    simulated futures (total and IT bills only), the staff hours lost per year, the offer
    proposed (its price and inclusions), the break-even price when given, the cumulative
    cost and cost breakdown charts, and a footnote of the key assumptions.  Up to six
    offers fit: one column each, in smaller type the more there are; when the text leaves
    less than 2.6 inches a chart, only the cumulative cost chart is drawn.

    Parameters
    ----------
    res : ExperimentResult
        An experiment with two offers or more.
    path : str or Path
        The PDF file; its folder is created if missing.
    branding : Branding, optional
        Names and accent colour; default the scenario's ``branding``, then the provider's
        and client's names (or ``"Your IT provider"`` and the scenario name) in neutral blue.
    break_even : FeeEstimate, optional
        From :func:`itmodels.break_even_fee`; the line is left out when not given.
    paper : {"a4", "letter"}, optional
        Page size (portrait); default the branding's ``paper``, else A4.
    offer : str, optional
        The offer proposed (its price and inclusions are spelled out); default the one
        named by the branding, else the cheapest for the client other than the baseline
        (``res.baseline``; see :meth:`ExperimentResult.with_baseline`).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If ``offer`` is not an offer of ``res``.

    Examples
    --------
    >>> import itmodels as itm
    >>> from itmodels.reports.report import proposal_pdf
    >>> res = itm.run_experiment(itm.load_scenario("small-office"), 20, seed=7)  # doctest: +SKIP
    >>> proposal_pdf(res, "proposal.pdf")  # doctest: +SKIP
    PosixPath('proposal.pdf')
    """
    path, names = Path(path), sheet_names(res.scenario, branding)
    if offer is not None:
        names = dataclasses.replace(names, offer=offer)
    recommended_offer(res, names.offer)  # checked before anything is drawn
    fig = proposal_figure(res, names, break_even, paper)
    atomic_write(path, lambda tmp: save_pdf(fig, tmp, names, question_text(res)))
    return path


def save_pdf(fig: Figure, path: Path, names: SheetNames, question: str) -> None:
    """Save the sheet as PDF with its title, author and subject (``question``) set."""
    meta = {
        "Title": f"IT support for {names.prospect}",
        "Author": names.provider,
        "Subject": f"{question.rstrip('?.')} (simulation)",
        "Creator": "itmodels",
        "CreationDate": None,
    }
    fig.savefig(path, format="pdf", metadata=meta)
