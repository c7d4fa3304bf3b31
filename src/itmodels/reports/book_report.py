"""The provider's report on its whole book: HTML, a two-page PDF, and a bundle folder.

Everything here is computed from a :class:`~itmodels.experiments.book.BookResult` (and,
when given, a migration from :func:`itmodels.migrate`, a staffing answer from
:func:`itmodels.staffing` and an incentive table from
:func:`~itmodels.experiments.provider.provider_incentives`); nothing is simulated.

The report is internal: it shows the provider's revenue, cost and margin.  Its sections:
key figures (mean, 95 % confidence interval of the mean and the 90 % range over the
simulated futures, 5th to 95th percentile) for revenue, cost and margin a year,
utilisation, overtime, SLA attainment by priority, the probability that a month makes a
loss and the month-to-month revenue volatility; the charts of
:mod:`itmodels.charts.book_plots`; the migration comparison; the staffing answer; every
client's offer, revenue, margin and total cost; and the incentive table.

Book, provider, client and offer names are escaped wherever they land in HTML (jinja2
autoescaping; the inline SVG charts are written by matplotlib, which escapes their text).
Files are written atomically (:mod:`itmodels.experiments.store`), and a bundle folder
follows the rules of :mod:`itmodels.reports.bundle` (never a user's file overwritten).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from itmodels.charts import data as cd
from itmodels.charts.book_plots import (
    BOOK_CHARTS,
    book_chart,
)
from itmodels.contracts import contract_class, make_contract, offer_label
from itmodels.experiments.book import BookResult
from itmodels.experiments.book_decisions import Migration, Staffing
from itmodels.experiments.provider import Incentives
from itmodels.experiments.store import atomic_write
from itmodels.money.formatting import MINUS, format_money, percent_text
from itmodels.reports.bundle import check_destination, write_folder
from itmodels.reports.text import PAPER_SIZES, incentive_rows, svg_text
from itmodels.scenario import PRIORITIES, Scenario
from itmodels.scenario.units import HOURS_PER_YEAR

__all__ = [
    "KeyFigure",
    "book_bundle_files",
    "book_html",
    "book_html_report",
    "book_key_figures",
    "book_pdf",
    "book_pdf_figures",
    "book_summary_text",
    "client_rows",
    "migration_rows",
    "staffing_text",
    "write_book_bundle",
]


@dataclass(frozen=True)
class KeyFigure:
    """One key figure of the book: its label and its numbers in words.

    Attributes
    ----------
    metric : str
        The provider metric (a column of ``BookResult.provider``, or ``loss_month``).
    label : str
    mean, ci, spread : str
        The mean, the 95 % confidence interval of the mean (``a to b``) and the 90 %
        range over the simulated futures (``a to b``).
    """

    metric: str
    label: str
    mean: str
    ci: str
    spread: str


def _years(res: BookResult) -> float:
    return float(res.book.horizon) / HOURS_PER_YEAR


def _money(value: float, currency: str) -> str:
    return format_money(value, currency)


def _whole(value: float, currency: str) -> str:
    """A whole amount to the unit: ``$12,345`` (per-client figures add up)."""
    return format_money(round(value), currency, exact=True) if math.isfinite(value) else "n/a"


def _pct(value: float) -> str:
    return percent_text(value, 1)


def _points(value: float) -> str:
    """A change of a share in percentage points: ``+2.5 pts`` is written by the caller's
    sign, ``−1.4 pts``; a change that rounds to zero has no sign."""
    if not math.isfinite(value):
        return "n/a"
    text = f"{100 * value:.1f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", MINUS) + " pts"


def _hours(value: float) -> str:
    return f"{value:,.0f} h" if math.isfinite(value) else "n/a"


def book_key_figures(res: BookResult) -> list[KeyFigure]:
    """The key figures of the report, the PDF and the command's summary.

    Money and overtime are a year (the horizon's totals divided by its years); the mean's
    interval is 95 % (:meth:`BookResult.summary`), the range holds 9 futures in 10.

    Parameters
    ----------
    res : BookResult

    Returns
    -------
    list of KeyFigure
    """
    cur = res.book.currency
    years = _years(res)
    summary = res.summary()
    money: Callable[[float], str] = lambda v: _money(v, cur)  # noqa: E731
    rows: list[tuple[str, str, Callable[[float], str], float]] = [
        ("provider_revenue", "Revenue a year", money, years),
        ("provider_cost", "Cost a year", money, years),
        ("provider_margin", "Margin a year", money, years),
        ("utilisation", "Utilisation of the technicians' shift hours", _pct, 1.0),
        ("overtime_hours", "Overtime a year (hours)", _hours, years),
    ]
    if "book_utilisation" in res.provider and not np.allclose(
        res.provider["book_utilisation"], res.provider["utilisation"], equal_nan=True
    ):  # work outside the book (background load) keeps the technicians busy too
        rows[3] = ("utilisation", "Utilisation of the shift hours, all work", _pct, 1.0)
        rows.insert(4, ("book_utilisation", "Utilisation on the book's work", _pct, 1.0))
    rows += [
        (f"sla_attainment_{p}", f"SLA attainment, {p} (responded in time)", _pct, 1.0)
        for p in PRIORITIES
        if res.provider[f"sla_attainment_{p}"].notna().any()
    ]
    out = []
    for metric, label, fmt, scale in rows:
        values = res.provider[metric].to_numpy(dtype=float) / scale
        s = summary.loc[metric] / scale
        out.append(
            _figure(
                metric,
                label,
                fmt,
                float(s["mean"]),
                float(s["ci_low"]),
                float(s["ci_high"]),
                values,
            )
        )
    n_months = max(1, len(res.monthly["month"].unique()))
    prob = res.loss_month_probability
    share = res.provider["loss_months"].to_numpy(dtype=float) / n_months
    out.append(
        _figure(
            "loss_month",
            "Probability that a month makes a loss",
            _pct,
            float(prob["mean"]),
            float(prob["ci_low"]),
            float(prob["ci_high"]),
            share,
        )
    )
    s = summary.loc["revenue_volatility"]
    out.append(
        _figure(
            "revenue_volatility",
            "Revenue volatility (monthly std / mean)",
            _pct,
            float(s["mean"]),
            float(s["ci_low"]),
            float(s["ci_high"]),
            res.provider["revenue_volatility"].to_numpy(dtype=float),
        )
    )
    return out


def _figure(
    metric: str,
    label: str,
    fmt: Callable[[float], str],
    mean: float,
    low: float,
    high: float,
    values: np.ndarray,
) -> KeyFigure:
    v = values[~np.isnan(values)]
    p5, p95 = (float(x) for x in np.percentile(v, [5, 95])) if len(v) else (math.nan, math.nan)
    ci = f"{fmt(low)} to {fmt(high)}" if math.isfinite(low) else "n/a"
    return KeyFigure(metric, label, fmt(mean), ci, f"{fmt(p5)} to {fmt(p95)}")


def client_rows(res: BookResult) -> list[list[str]]:
    """Each client's row of the report: name, offer, revenue, margin and the client's
    total cost (cash plus downtime), means a year over the futures, whole amounts.

    Parameters
    ----------
    res : BookResult

    Returns
    -------
    list of list of str
        In book order (:meth:`BookResult.client_summary`).
    """
    cur, years = res.book.currency, _years(res)
    table = res.client_summary(("provider_revenue", "provider_margin", "client_total_cost"))
    return [
        [
            str(name),
            offer_label(res.book.contracts, str(row["offer"])),
            *(
                _whole(float(row[k]) / years, cur)
                for k in ("provider_revenue", "provider_margin", "client_total_cost")
            ),
        ]
        for name, row in table.iterrows()
    ]


_MIGRATION_ROWS: tuple[tuple[str, str, str], ...] = (
    ("provider_revenue", "Provider revenue a year", "money"),
    ("provider_cost", "Provider cost a year", "money"),
    ("provider_margin", "Provider margin a year", "money"),
    ("utilisation", "Utilisation", "share"),
    ("overtime_hours", "Overtime a year (hours)", "hours"),
    *((f"sla_attainment_{p}", f"SLA attainment, {p}", "share") for p in PRIORITIES),
    ("loss_months", "Loss-making months a year", "count"),
    ("revenue_volatility", "Revenue volatility", "share"),
    ("clients_total_cost", "Clients' total cost a year (all clients)", "money"),
    ("clients_cash_cost", "Clients' IT bills a year (all clients)", "money"),
    ("clients_downtime_cost", "Clients' cost of downtime a year (all clients)", "money"),
    ("moved_clients_total_cost", "Total cost a year of the clients moved", "money"),
)


def migration_rows(migration: Migration, level: float = 0.95) -> list[list[str]]:
    """The migration comparison in words: metric, before, after, the paired difference
    after − before and its interval, a year (shares and hours as they are).

    Parameters
    ----------
    migration : Migration
        From :func:`itmodels.migrate`.
    level : float
        Confidence level of the difference's interval.

    Returns
    -------
    list of list of str
        One row per metric of ``migration.table(level)`` that it holds.
    """
    table = migration.table(level)
    cur = migration.before.book.currency
    years = _years(migration.before)
    fmts: dict[str, tuple[Callable[[float], str], float]] = {
        "money": (lambda v: _money(v, cur), years),
        "share": (_pct, 1.0),
        "points": (_points, 1.0),
        "hours": (_hours, years),
        "count": (lambda v: f"{v:,.1f}" if math.isfinite(v) else "n/a", years),
    }
    rows = []
    for metric, label, kind in _MIGRATION_ROWS:
        if metric not in table.index:
            continue
        fmt, scale = fmts[kind]
        r = table.loc[metric].astype(float) / scale
        if kind == "share" and not math.isfinite(r["before"]) and not math.isfinite(r["after"]):
            continue  # a priority without an SLA
        dfmt = fmts["points"][0] if kind == "share" else fmt  # a share's change: points
        diff = dfmt(r["difference"])
        sign = "+" if r["difference"] > 0 and any(c in "123456789" for c in diff) else ""
        ci = f"{dfmt(r['ci_low'])} to {dfmt(r['ci_high'])}" if math.isfinite(r["ci_low"]) else "n/a"
        rows.append([label, fmt(r["before"]), fmt(r["after"]), sign + diff, ci])
    return rows


def _migration_words(migration: Migration) -> str:
    book = migration.before.book
    moved = len(migration.moved)
    return (
        f"{moved} client{'s' if moved != 1 else ''} ({percent_text(migration.share)} of those on"
        f" the pay-per-incident offer) moved to {offer_label(book.contracts, migration.to)};"
        " before and after face the same simulated futures, client by client."
    )


def staffing_text(staffing: Staffing) -> str:
    """The staffing answer in one sentence.

    Parameters
    ----------
    staffing : Staffing
        From :func:`itmodels.staffing`.

    Returns
    -------
    str
    """
    priorities = staffing.priorities
    which = f" for {', '.join(priorities)}" if priorities else ""
    goal = (
        f"an SLA attainment of at least {percent_text(staffing.sla_target)}{which} with"
        f" {percent_text(staffing.confidence)} confidence"
    )
    if staffing.technicians is None:
        return f"No technician count tried holds {goal}: {staffing.reason}."
    n = staffing.technicians
    return f"The fewest technicians holding {goal}: {n} ({staffing.reason})."


def _staffing_table(staffing: Staffing, currency: str, years: float) -> dict[str, Any]:
    """The staffing table's header and rows, each column formatted by what it holds."""
    table = staffing.table.reset_index() if staffing.table.index.name else staffing.table
    heads = [str(c).replace("_", " ") for c in table.columns]
    rows = []
    for _, row in table.iterrows():
        cells = []
        for col, value in row.items():
            name = str(col)
            if isinstance(value, (bool, np.bool_)):
                cells.append("yes" if value else "no")
            elif not isinstance(value, (int, float, np.integer, np.floating)):
                cells.append(str(value))
            elif "margin" in name or "revenue" in name or "cost" in name:
                cells.append(_money(float(value) / years, currency))
            elif "technicians" in name or name in ("n", "replications"):
                cells.append(f"{float(value):,.0f}")
            else:
                cells.append(_pct(float(value)))
        rows.append(cells)
    return {"heads": heads, "rows": rows}


# ---------------------------------------------------------------------------- HTML
def _offers(res: BookResult) -> list[dict[str, str]]:
    """Every offer of the book in words, priced for one client of the book on it."""
    cur = res.book.currency
    scenarios = {offer: scn for _, scn, offer in res.book.clients_scenarios()}
    first = next(iter(scenarios.values()))
    counts = res.clients[res.clients["replication"] == res.clients["replication"].iloc[0]]
    counts = counts["offer"].astype(str).value_counts()
    out = []
    for name in res.book.contracts:
        contract = make_contract(scenarios.get(name, first), name)
        out.append(
            {
                "name": offer_label(res.book.contracts, name),
                "model": contract_class(res.book.contracts[name].type).label,
                "price": contract.price_words(cur, exact=True),
                "clients": str(int(counts.get(name, 0))),
            }
        )
    return out


def _context(
    res: BookResult,
    svgs: Mapping[str, str],
    migration: Migration | None,
    staffing: Staffing | None,
    incentives: Incentives | None,
    template: Scenario | None,
) -> dict[str, Any]:
    book = res.book
    years = _years(res)
    inc = None
    if incentives is not None:
        scn = template if template is not None else book.clients_scenarios()[0][1]
        first = next(iter(incentives.optima.values()))
        inc = {
            "rows": incentive_rows(incentives, scn),
            "template": scn.name,
            "horizon": cd.horizon_text(scn.horizon),
            "baseline": offer_label(scn.contracts, incentives.baseline),
            "replications": first.replications,
            "seed": first.seed,
            "level": percent_text(incentives.level),
        }
    return {
        "book": book,
        "provider": book.provider.name or "The provider",
        "horizon": cd.horizon_text(book.horizon),
        "years": years,
        "replications": res.replications,
        "seed": res.seed,
        "n_clients": len(res.client_summary(("provider_revenue",))),
        "technicians": book.provider.technicians,
        "key": book_key_figures(res),
        "offers": _offers(res),
        "charts": [(n, svgs[n]) for n in BOOK_CHARTS if n in svgs],
        "clients": client_rows(res),
        "migration": (
            {
                "words": _migration_words(migration),
                "rows": migration_rows(migration),
                "moved": list(migration.moved),
            }
            if migration is not None
            else None
        ),
        "staffing": (
            {"text": staffing_text(staffing), **_staffing_table(staffing, book.currency, years)}
            if staffing is not None
            else None
        ),
        "incentives": inc,
    }


def _render(context: Mapping[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (
                resources.files("itmodels.reports")
                .joinpath("templates", name)
                .read_text(encoding="utf-8")
            )
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("book_report.html.j2").render(**context)


def _chart_names(migration: Migration | None) -> list[str]:
    return [n for n in BOOK_CHARTS if migration is not None or n != "migration_comparison"]


_SIZES = {"revenue_fan": (10.0, 4.8), "margin_distribution": (12.0, 4.8)}


def _chart(name: str, res: BookResult, migration: Migration | None, sla_target: float) -> Figure:
    with mpl.rc_context({"text.parse_math": False}):
        fig = Figure(figsize=_SIZES.get(name, (11.0, 4.6)), layout="constrained")
        return book_chart(name, res, fig=fig, migration=migration, sla_target=sla_target)


def _sla_target(staffing: Staffing | None) -> float:
    return float(staffing.sla_target) if staffing is not None else 0.95


def book_html(
    res: BookResult,
    *,
    migration: Migration | None = None,
    staffing: Staffing | None = None,
    incentives: Incentives | None = None,
    template: Scenario | None = None,
    svgs: Mapping[str, str] | None = None,
) -> str:
    """The provider's book report as one self-contained HTML page (see
    :func:`book_html_report`).

    Parameters
    ----------
    res : BookResult
    migration, staffing, incentives, template
        As for :func:`book_html_report`.
    svgs : mapping of str to str, optional
        The charts as inline SVG by name (drawn here when not given).

    Returns
    -------
    str
    """
    if svgs is None:
        target = _sla_target(staffing)
        svgs = {n: svg_text(_chart(n, res, migration, target), n) for n in _chart_names(migration)}
    return _render(_context(res, svgs, migration, staffing, incentives, template))


def book_html_report(
    res: BookResult,
    path: str | Path,
    *,
    migration: Migration | None = None,
    staffing: Staffing | None = None,
    incentives: Incentives | None = None,
    template: Scenario | None = None,
) -> Path:
    """Write the provider's report on its book as a self-contained HTML file.

    Sections: key figures (mean, 95 % CI, 90 % range), the offers, the charts, the
    migration comparison and the staffing answer (when given), every client's offer,
    revenue, margin and total cost, the incentive table (when given) and how the numbers
    were made.  No external resources, no scripts; all names are escaped.

    Parameters
    ----------
    res : BookResult
        From :func:`itmodels.run_book`.
    path : str or Path
        The HTML file; its folder is created if missing.  Written atomically.
    migration : Migration, optional
        From :func:`itmodels.migrate` (on the same book): adds its chart and table.
    staffing : Staffing, optional
        From :func:`itmodels.staffing`: adds the answer, its table, and its target as the
        SLA chart's target line (else 95 %).
    incentives : Incentives, optional
        From :func:`~itmodels.experiments.provider.provider_incentives` on a client
        template: adds the incentive table.
    template : Scenario, optional
        The scenario ``incentives`` was run on (for its offers' names and currency);
        default the book's first client.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> book_html_report(itm.run_book(itm.load_book("msp-book")), "book.html")  # doctest: +SKIP
    PosixPath('book.html')
    """
    path = Path(path)
    text = book_html(
        res, migration=migration, staffing=staffing, incentives=incentives, template=template
    )
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


# ---------------------------------------------------------------------------- PDF
_MARGIN = 0.55  # inches left and right
_DPI = 720


def _width(text: str, size: float, weight: str = "normal") -> float:
    """The width of one line of text in inches, as matplotlib draws it."""
    renderer = RendererAgg(10, 10, _DPI)
    font = FontProperties(size=size, weight=weight)
    w, _, _ = renderer.get_text_width_height_descent(text, font, ismath=False)
    return float(w) / _DPI


def _fit(text: str, size: float, width: float, weight: str = "normal") -> str:
    """``text`` cut (with an ellipsis) to ``width`` inches."""
    if _width(text, size, weight) <= width:
        return text
    while text and _width(text + "…", size, weight) > width:
        text = text[:-1]
    return text + "…"


class _Page:
    """One page: text drawn top-down from a cursor, in inches from the top."""

    def __init__(self, paper: str) -> None:
        self.width, self.height = PAPER_SIZES[paper]
        self.fig = Figure(figsize=(self.width, self.height), layout="constrained")
        self.y = 0.0
        self.inner = self.width - 2 * _MARGIN
        self.slots: list[tuple[float, float, Callable[[Any], Any]]] = []

    def text(self, x: float, text: str, size: float, *, y: float | None = None, **kw: Any) -> None:
        self.fig.text(
            x,
            self.height - (self.y if y is None else y),
            text,
            fontsize=size,
            va="top",
            transform=self.fig.dpi_scale_trans,
            **kw,
        )

    def line(self, size: float, text: str, *, gap: float = 0.04, **kw: Any) -> None:
        """A line cut to the page's width at the cursor; the cursor moves below it."""
        weight = kw.get("fontweight", "normal")
        self.text(_MARGIN, _fit(text, size, self.inner, weight), size, **kw)
        self.y += size * 1.3 / 72 + gap

    def wrapped(self, size: float, text: str, *, gap: float = 0.06, **kw: Any) -> None:
        words, line = text.split(" "), ""
        lines = []
        for w in words:
            trial = f"{line} {w}" if line else w
            if _width(trial, size) <= self.inner * 0.97:
                line = trial
            else:
                lines.append(line)
                line = w
        lines.append(line)
        for i, part in enumerate(lines):
            self.line(size, part, gap=gap if i == len(lines) - 1 else 0.0, **kw)

    def rule(self) -> None:
        self.fig.add_artist(
            Line2D(
                [_MARGIN, self.width - _MARGIN],
                [self.height - self.y] * 2,
                color="0.75",
                lw=0.8,
                transform=self.fig.dpi_scale_trans,
            )
        )
        self.y += 0.06

    def table(
        self,
        heads: Sequence[str],
        rows: Sequence[Sequence[str]],
        xs: Sequence[float],
        aligns: Sequence[str],
        size: float,
        x0: float = _MARGIN,
    ) -> None:
        """Rows of cells at column offsets ``xs`` (inches from ``x0``; a right-aligned
        cell ends at its offset)."""
        step = size * 1.35 / 72
        for k, cells in enumerate([list(heads), *map(list, rows)]):
            weight = "bold" if k == 0 else "normal"
            for x, cell, align in zip(xs, cells, aligns, strict=True):
                self.text(x0 + x, cell, size, ha=align, fontweight=weight)
            self.y += step
            if k == 0:
                self.fig.add_artist(
                    Line2D(
                        [x0, x0 + xs[-1]],
                        [self.height - self.y + 0.02] * 2,
                        color="0.75",
                        lw=0.6,
                        transform=self.fig.dpi_scale_trans,
                    )
                )
                self.y += 0.03

    def chart(self, height: float, draw: Callable[[Any], Any]) -> None:
        """Keep ``height`` inches below the cursor for a chart; ``draw`` draws it into the
        subfigure it is given when the page is finished."""
        self.slots.append((self.y, height, draw))
        self.y += height

    def finish(self) -> Figure:
        """Lay the charts out (subfigures between the text) and return the page."""
        if not self.slots:
            return self.fig
        ratios: list[float] = []
        at = 0.0
        for top, height, _ in self.slots:
            ratios += [max(top - at, 1e-3), height]
            at = top + height
        ratios.append(max(self.height - at, 1e-3))
        subs: Any = self.fig.subfigures(len(ratios), 1, height_ratios=ratios, hspace=0)
        engine: Any = self.fig.get_layout_engine()
        engine.set(h_pad=0.04, w_pad=_MARGIN - 0.15)
        for (_, _, draw), sub in zip(self.slots, subs[1::2], strict=False):
            draw(sub)
        return self.fig


def _key_table(page: _Page, key: Sequence[KeyFigure], size: float = 8.5) -> None:
    rows = [[k.label, k.mean, k.ci, k.spread] for k in key]
    inner = page.inner
    page.table(
        ["", "Mean", "95 % CI of the mean", "9 futures in 10"],
        rows,
        [0.0, inner * 0.56, inner * 0.79, inner],
        ["left", "right", "right", "right"],
        size,
    )


def book_pdf_figures(
    res: BookResult,
    *,
    migration: Migration | None = None,
    staffing: Staffing | None = None,
    incentives: Incentives | None = None,
    template: Scenario | None = None,
    paper: str = "a4",
) -> list[Figure]:
    """The pages of :func:`book_pdf` as figures (two).

    Parameters
    ----------
    res : BookResult
    migration, staffing, incentives, template, paper
        As for :func:`book_pdf`.

    Returns
    -------
    list of Figure
    """
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper must be one of {list(PAPER_SIZES)}, got {paper!r}")
    with mpl.rc_context({"text.parse_math": False}):
        return _pages(res, migration, staffing, incentives, template, paper)


def _pages(
    res: BookResult,
    migration: Migration | None,
    staffing: Staffing | None,
    incentives: Incentives | None,
    template: Scenario | None,
    paper: str,
) -> list[Figure]:
    book = res.book
    cur = book.currency
    target = _sla_target(staffing)
    one = _Page(paper)
    one.fig.add_artist(
        Rectangle(
            (0, one.height - 0.22),
            one.width,
            0.22,
            color="#2F5D8A",
            lw=0,
            transform=one.fig.dpi_scale_trans,
        )
    )
    one.y = 0.42
    one.line(17, f"The book of {book.provider.name or 'the provider'}", fontweight="bold")
    one.wrapped(
        9.5,
        f"Book {book.name}: {len(client_rows(res))} clients on"
        f" {book.provider.technicians} technicians, {cd.horizon_text(book.horizon)};"
        f" {res.replications} simulated futures (seed {res.seed}). Internal: the"
        " provider's costs and margin.",
        color="0.3",
        gap=0.12,
    )
    _key_table(one, book_key_figures(res))
    one.y += 0.1
    each = (one.height - one.y - 0.35) / 3
    one.chart(each, lambda sub: book_chart("revenue_fan", res, fig=sub))
    one.chart(each, lambda sub: book_chart("margin_distribution", res, fig=sub))
    one.chart(each, lambda sub: book_chart("utilisation_sla", res, fig=sub, sla_target=target))
    two = _Page(paper)
    two.y = 0.45
    if migration is not None:
        two.line(12, "Moving clients to another offer", fontweight="bold")
        two.wrapped(8.5, _migration_words(migration), color="0.3")
        inner = two.inner
        two.table(
            ["", "Before", "After", "After − before", "95 % CI"],
            migration_rows(migration),
            [0.0, inner * 0.47, inner * 0.6, inner * 0.76, inner],
            ["left", "right", "right", "right", "right"],
            7.5,
        )
        two.y += 0.05
        two.chart(
            2.9, lambda sub: book_chart("migration_comparison", res, fig=sub, migration=migration)
        )
        two.y += 0.1
    if staffing is not None:
        two.line(12, "Technicians needed", fontweight="bold")
        two.wrapped(8.5, staffing_text(staffing), gap=0.12)
    if incentives is not None:
        scn = template if template is not None else book.clients_scenarios()[0][1]
        two.line(12, "What each provider's own interest makes it do", fontweight="bold")
        two.wrapped(
            8,
            f"On the client scenario {scn.name}, over {cd.horizon_text(scn.horizon)}; means"
            f" ({percent_text(incentives.level)} intervals).",
            color="0.3",
        )
        for offer, levers, gain, change, versus in incentive_rows(incentives, scn):
            two.wrapped(
                7.5,
                f"{offer}: {levers}. Margin gain {gain}; client cost change"
                f" {change}; client total cost vs baseline {versus}.",
            )
        two.y += 0.06
    _client_table(two, res, cur, reserve=0.4)
    return [one.finish(), two.finish()]


def _client_table(page: _Page, res: BookResult, currency: str, reserve: float) -> None:
    """Every client's row in two blocks side by side; as many as fit above ``reserve``
    inches, the rest named in a note (all are in the HTML report and clients.csv)."""
    rows = client_rows(res)
    size = 7.0
    step = size * 1.35 / 72
    page.line(
        12, f"Every client (a year, means over {res.replications} futures)", fontweight="bold"
    )
    room = page.height - page.y - reserve - 0.5
    per_block = max(1, int(room / step) - 2)
    half = math.ceil(len(rows) / 2)
    per_block = min(per_block, half)
    shown = rows[: 2 * per_block]
    block = page.inner / 2 - 0.1
    heads = ["Client", "Offer", "Revenue", "Margin", "Client cost"]
    xs = [0.0, block * 0.27, block * 0.58, block * 0.77, block]
    aligns = ["left", "left", "right", "right", "right"]
    top = page.y
    for b in range(2):
        part = shown[b * per_block : (b + 1) * per_block]
        if not part:
            continue
        cut = [
            [_fit(r[0], size, xs[1] - 0.06), _fit(r[1], size, xs[2] - xs[1] - 0.55), *r[2:]]
            for r in part
        ]
        page.y = top
        page.table(heads, cut, xs, aligns, size, x0=_MARGIN + b * (block + 0.2))
    page.y = top + (min(per_block, len(shown)) + 1) * step + 0.08
    if len(shown) < len(rows):
        page.line(
            7.5,
            f"The first {len(shown)} of {len(rows)} clients; all of them are in the"
            " HTML report and clients.csv.",
            color="0.3",
        )


def book_pdf(
    res: BookResult,
    path: str | Path,
    *,
    migration: Migration | None = None,
    staffing: Staffing | None = None,
    incentives: Incentives | None = None,
    template: Scenario | None = None,
    paper: str = "a4",
) -> Path:
    """Write the provider's report on its book as a two-page PDF.

    Page 1: the key figures (mean, 95 % CI, 9 futures in 10), the monthly revenue fan,
    the P&L and the utilisation and SLA charts.  Page 2: the migration comparison (table
    and chart) and the staffing answer when given, the incentive table when given, and
    every client's offer, revenue, margin and total cost (as many as fit; all are in the
    HTML report).

    Parameters
    ----------
    res : BookResult
    path : str or Path
        The PDF file (written atomically).
    migration, staffing, incentives, template
        As for :func:`book_html_report`.
    paper : {"a4", "letter"}

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    pages = book_pdf_figures(
        res,
        migration=migration,
        staffing=staffing,
        incentives=incentives,
        template=template,
        paper=paper,
    )
    atomic_write(path, lambda tmp: _save(pages, tmp, res))
    return path


def _save(pages: Sequence[Figure], path: Path, res: BookResult) -> None:
    meta = {
        "Title": f"The book of {res.book.provider.name or 'the provider'}: {res.book.name}",
        "Creator": "itmodels",
        "CreationDate": None,
    }
    with PdfPages(path, metadata=meta) as pdf:
        for fig in pages:
            pdf.savefig(fig)


# ---------------------------------------------------------------------------- bundle
_TABLES = ("clients", "provider", "monthly", "summary")


def book_bundle_files(
    migration: bool = False, staffing: bool = False, incentives: bool = False
) -> list[str]:
    """The files :func:`write_book_bundle` writes, relative to its folder (to check early).

    Parameters
    ----------
    migration, staffing, incentives : bool
        Whether the bundle holds them.

    Returns
    -------
    list of str
        Relative POSIX paths; the manifest ``itmodels-bundle.json`` is not listed.
    """
    tables = [
        *_TABLES,
        *(("migration",) if migration else ()),
        *(("staffing",) if staffing else ()),
        *(("incentives",) if incentives else ()),
    ]
    charts = [f"charts/{n}.png" for n in BOOK_CHARTS if migration or n != "migration_comparison"]
    return [*(f"{t}.csv" for t in tables), *charts, "report.html", "report.pdf", "book.yaml"]


def write_book_bundle(
    res: BookResult,
    out_dir: str | Path,
    *,
    migration: Migration | None = None,
    staffing: Staffing | None = None,
    incentives: Incentives | None = None,
    template: Scenario | None = None,
    overwrite: bool = True,
    force: bool = False,
) -> dict[str, Path]:
    """Write the book's report (HTML and PDF), tables and charts into one folder.

    The folder rules are those of :func:`itmodels.reports.report.write_bundle`
    (:mod:`itmodels.reports.bundle`): a missing or empty folder is written, an earlier
    bundle replaced whole and atomically, any other non-empty folder, a file, a link or
    the current folder refused; no file itmodels did not write is ever deleted or
    overwritten.

    Parameters
    ----------
    res : BookResult
    out_dir : str or Path
    migration, staffing, incentives, template
        As for :func:`book_html_report`.
    overwrite, force : bool
        As for :func:`itmodels.reports.report.write_bundle`.

    Returns
    -------
    dict of str to Path
        Each file by its path relative to ``out_dir``: ``clients.csv``, ``provider.csv``,
        ``monthly.csv``, ``summary.csv`` (and ``migration.csv``, ``staffing.csv``,
        ``incentives.csv`` when given), ``charts/<chart>.png``, ``report.html``,
        ``report.pdf`` and ``book.yaml`` (the book as run).

    Raises
    ------
    itmodels.reports.bundle.OutputFolderError
        If ``out_dir`` may not be written; nothing is written then.
    """
    out_dir = Path(out_dir)
    planned = book_bundle_files(migration is not None, staffing is not None, incentives is not None)
    check_destination(out_dir, force=force, overwrite=overwrite, planned=planned)  # before drawing
    written: list[str] = []
    target = _sla_target(staffing)

    def fill(tmp: Path) -> None:
        tables: dict[str, pd.DataFrame] = {
            "clients": res.clients,
            "provider": res.provider,
            "monthly": res.monthly,
            "summary": res.summary().reset_index(),
        }
        if migration is not None:
            tables["migration"] = migration.table().reset_index()
        if staffing is not None:
            tables["staffing"] = staffing.table
        if incentives is not None:
            tables["incentives"] = incentives.table
        for name, table in tables.items():
            table.to_csv(tmp / f"{name}.csv", index=name == "staffing" and bool(table.index.name))
            written.append(f"{name}.csv")
        (tmp / "charts").mkdir()
        svgs = {}
        for name in _chart_names(migration):
            fig = _chart(name, res, migration, target)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=150)
            (tmp / "charts" / f"{name}.png").write_bytes(buf.getvalue())
            svgs[name] = svg_text(fig, name)
            written.append(f"charts/{name}.png")
        html = book_html(
            res,
            migration=migration,
            staffing=staffing,
            incentives=incentives,
            template=template,
            svgs=svgs,
        )
        (tmp / "report.html").write_text(html, encoding="utf-8")
        _save(
            book_pdf_figures(
                res,
                migration=migration,
                staffing=staffing,
                incentives=incentives,
                template=template,
            ),
            tmp / "report.pdf",
            res,
        )
        res.book.to_yaml(tmp / "book.yaml")
        written.extend(["report.html", "report.pdf", "book.yaml"])

    about = {"book": res.book.name, "seed": res.seed, "replications": res.replications}
    write_folder(out_dir, fill, force=force, overwrite=overwrite, about=about)
    return {name: out_dir / name for name in written}


# ---------------------------------------------------------------------------- text
def book_summary_text(
    res: BookResult,
    *,
    migration: Migration | None = None,
    staffing: Staffing | None = None,
) -> str:
    """The short table ``itmodels book`` prints: the key figures, then the migration's
    and the staffing's answers when given.

    Parameters
    ----------
    res : BookResult
    migration, staffing
        As for :func:`book_html_report`.

    Returns
    -------
    str
    """
    book = res.book
    key = book_key_figures(res)
    width = max(len(k.label) for k in key)
    cols = [
        max(len(h), *(len(getattr(k, a)) for k in key))
        for h, a in (("mean", "mean"), ("95 % CI", "ci"), ("9 futures in 10", "spread"))
    ]
    head = (
        f"{'':<{width}}  {'mean':>{cols[0]}}  {'95 % CI':>{cols[1]}}"
        f"  {'9 futures in 10':>{cols[2]}}"
    )
    lines = [
        f"{book.name}: {len(client_rows(res))} clients, {book.provider.technicians} technicians,"
        f" {res.replications} replications, seed {res.seed}; money a year",
        head,
        "-" * len(head),
    ]
    for k in key:
        lines.append(
            f"{k.label:<{width}}  {k.mean:>{cols[0]}}  {k.ci:>{cols[1]}}  {k.spread:>{cols[2]}}"
        )
    if migration is not None:
        lines += ["", _migration_words(migration)]
        rows = migration_rows(migration)
        w = max(len(r[0]) for r in rows)
        for label, before, after, diff, ci in rows:
            lines.append(f"  {label:<{w}}  {before:>12} -> {after:>12}  {diff:>12} ({ci})")
    if staffing is not None:
        lines += ["", staffing_text(staffing)]
    return "\n".join(lines).replace("\u2212", "-").replace("\xa0", " ")
