"""The one-page proposal sheet (PDF) for a prospect, drawn with matplotlib.

The break-even fee is shown only when the caller passes one (see
:func:`itmodels.break_even_fee`).  The file is written atomically (:mod:`itmodels.store`).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Literal

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from itmodels import chartdata as cd
from itmodels import plots
from itmodels.decisions import FeeEstimate
from itmodels.report_text import (
    _PAPER,
    _PLAIN_TEXT,
    _assumptions,
    _break_even_text,
    _key_rows,
    _Names,
    _names,
    _pair,
    _takeaway,
)
from itmodels.result import ExperimentResult
from itmodels.scenario import Branding
from itmodels.store import atomic_write

__all__ = ["proposal_pdf"]


# ---------------------------------------------------------------------------- proposal sheet
def _proposal_figure(
    res: ExperimentResult,
    names: _Names,
    break_even: FeeEstimate | None,
    paper: Literal["a4", "letter"] = "a4",
) -> Figure:
    with mpl.rc_context(_PLAIN_TEXT):
        return _draw_proposal(res, names, break_even, paper)


def _draw_proposal(
    res: ExperimentResult, names: _Names, break_even: FeeEstimate | None, paper: str
) -> Figure:
    scn, pair = res.scenario, _pair(res)
    fig = Figure(figsize=_PAPER[paper], layout="constrained")
    fig.get_layout_engine().set(h_pad=0.12, w_pad=0.35)  # type: ignore[union-attr]
    head, cum, parts, foot = fig.subfigures(4, 1, height_ratios=[3.3, 3.0, 3.0, 0.75])
    # header: accent bar, names, takeaway, key numbers
    head.add_artist(
        Rectangle((0, 0.975), 1, 0.025, color=names.accent, lw=0, transform=head.transSubfigure)
    )
    title = textwrap.fill(f"IT support for {names.prospect}", 48, max_lines=2, placeholder=" …")
    head.text(0.03, 0.93, title, fontsize=19, fontweight="bold", va="top")
    y = 0.84 - 0.105 * title.count("\n")
    sub = f"Break-fix or flat-rate? Prepared by {names.provider}"
    head.text(0.03, y, sub, fontsize=11, color="0.3", va="top")
    y -= 0.08
    head.add_artist(
        Rectangle(
            (0.03, y - 0.085), 0.006, 0.085, color=names.accent, lw=0, transform=head.transSubfigure
        )
    )
    take = textwrap.fill(_takeaway(res, pair), 82)
    head.text(0.05, y, take, fontsize=11.5, fontweight="bold", va="top", gid="takeaway")
    y -= 0.13 + 0.045 * take.count("\n")
    colors = plots.contract_colors(list(pair))
    xs = (0.03, 0.52, 0.76)
    for x, c in zip(xs[1:], pair, strict=True):
        head.text(x, y, cd.display_name(c), fontsize=12, fontweight="bold", color=colors[c])
    head.add_artist(
        Line2D([0.03, 0.97], [y - 0.025] * 2, color="0.75", lw=0.8, transform=head.transSubfigure)
    )
    y += 0.06
    for label, cells in _key_rows(res, pair):
        y -= 0.11
        head.text(xs[0], y, textwrap.fill(label, 52), fontsize=10, va="top")
        for k, x in enumerate(xs[1:]):
            head.text(x, y, cells[2 * k], fontsize=12, fontweight="bold", va="top")
            head.text(x, y - 0.045, cells[2 * k + 1], fontsize=8, color="0.35", va="top")
    if break_even is not None:
        text = textwrap.fill(_break_even_text(break_even, scn.currency), 100)
        head.text(0.03, y - 0.12, text, fontsize=10, va="top", gid="break-even")
    plots.cumulative_cost(res, ax=cum.add_subplot())
    plots.cost_breakdown(res, ax=parts.add_subplot())
    foot.text(
        0.03,
        0.9,
        textwrap.fill(_assumptions(res), 150),
        fontsize=7,
        color="0.3",
        va="top",
        gid="assumptions",
    )
    return fig


def proposal_pdf(
    res: ExperimentResult,
    path: str | Path,
    *,
    branding: Branding | None = None,
    break_even: FeeEstimate | None = None,
    paper: Literal["a4", "letter"] = "a4",
) -> Path:
    """Write the one-page proposal sheet (PDF) for the prospect.

    The page holds the prospect's and provider's names under an accent-coloured bar, a
    one-line takeaway (which contract costs the client less per year, by how much, with a
    95 % confidence interval; break-fix when break-fix is cheaper), the expected cost per
    year under each contract with the 5th-95th percentile range over the simulated futures
    (total and IT bills only), the staff hours lost per year, the break-even fee when given,
    the cumulative cost and cost breakdown charts, and a footnote of the key assumptions.

    Parameters
    ----------
    res : ExperimentResult
        An experiment with two contracts (break-fix and flat-rate).
    path : str or Path
        The PDF file; its folder is created if missing.
    branding : Branding, optional
        Names and accent colour; default the scenario's ``branding``, then the provider's
        and client's names (or ``"Your IT provider"`` and the scenario name) in neutral blue.
    break_even : FeeEstimate, optional
        From :func:`itmodels.break_even_fee`; the line is left out when not given.
    paper : {"a4", "letter"}
        Page size (portrait).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import itmodels as itm
    >>> from itmodels.report import proposal_pdf
    >>> res = itm.run_experiment(itm.load_scenario("small-office"), 20, seed=7)  # doctest: +SKIP
    >>> proposal_pdf(res, "proposal.pdf")  # doctest: +SKIP
    PosixPath('proposal.pdf')
    """
    path, names = Path(path), _names(res.scenario, branding)
    fig = _proposal_figure(res, names, break_even, paper)
    atomic_write(path, lambda tmp: _save_pdf(fig, tmp, names))
    return path


def _save_pdf(fig: Figure, path: Path, names: _Names) -> None:
    meta = {
        "Title": f"IT support for {names.prospect}",
        "Author": names.provider,
        "Subject": "Break-fix versus flat-rate IT support (simulation)",
        "Creator": "itmodels",
        "CreationDate": None,
    }
    fig.savefig(path, format="pdf", metadata=meta)
