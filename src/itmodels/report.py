"""Sales material from an experiment: a one-page proposal sheet, an HTML report, a bundle.

Everything here is computed from an :class:`~itmodels.result.ExperimentResult` and drawn
with the charts of :mod:`itmodels.plots`; nothing is simulated.  The break-even fee is shown
only when the caller passes one (see :func:`itmodels.break_even_fee`).  Every file is
written atomically (:mod:`itmodels.store`), so a crash never leaves one that looks complete.

Scenario text (client and scenario names, description, branding, fleet class and incident
stream names) is escaped wherever it lands in HTML: the page is rendered by jinja2 with
autoescaping, and the inline SVG charts are written by matplotlib, which escapes their text.
"""

from __future__ import annotations

import io
import math
import textwrap
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import matplotlib as mpl
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from itmodels import chartdata as cd
from itmodels import plots
from itmodels.claims import claims as claims_table
from itmodels.decisions import FeeEstimate
from itmodels.distributions import BaseDistribution
from itmodels.result import ExperimentResult
from itmodels.scenario import Branding, Scenario
from itmodels.store import atomic_write, write_dir_atomically
from itmodels.units import HOURS_PER_YEAR, format_duration, parse_duration, parse_money

__all__ = ["CHARTS", "html_report", "proposal_pdf", "write_bundle"]

#: The charts of an experiment in the report and the bundle, by file name.
CHARTS: tuple[str, ...] = (
    "cumulative_cost",
    "monthly_spend",
    "cost_breakdown",
    "downtime",
    "provider_view",
)
_SIZES = {"provider_view": (13.0, 5.5), "cost_breakdown": (9.0, 5.0)}
_PAPER = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}
_NEUTRAL_BLUE = "#2F5D8A"
_SVG_META = ("Date", "Creator", "Format", "Type")  # left out: no dates, no links
_DISCLAIMER = "Illustrative industry figures, not measurements of this business."


# ---------------------------------------------------------------------------- shared pieces
@dataclass(frozen=True)
class _Names:
    provider: str
    prospect: str
    accent: str


def _names(scn: Scenario, branding: Branding | None) -> _Names:
    """Branding given, else the scenario's, else the provider and client names, else defaults."""
    given = [b for b in (branding, scn.branding) if b is not None]
    provider = next((b.provider for b in given if b.provider), None)
    prospect = next((b.prospect for b in given if b.prospect), None)
    accent = next((b.accent for b in given if b.accent), None)
    try:  # normalised to #rrggbb: nothing but a colour reaches the CSS
        accent = to_hex(accent) if accent else _NEUTRAL_BLUE
    except ValueError as exc:
        raise ValueError(f"branding.accent must be a colour, got {accent!r}") from exc
    return _Names(
        provider or scn.provider.name or "Your IT provider",
        prospect or scn.client.name or scn.name,
        accent,
    )


def _pair(res: ExperimentResult) -> tuple[str, str]:
    pair = cd.main_pair(res.contracts)
    if pair is None:
        raise ValueError(f"a report compares two contracts; this result has {res.contracts}")
    return pair


def _years(scn: Scenario) -> float:
    return scn.horizon / HOURS_PER_YEAR


def _money(amount: float, currency: str) -> str:
    """Money rounded to 3 significant digits: ``$13,900``, ``−€480``, ``2,150 GBP``."""
    if not math.isfinite(amount):
        return "n/a"
    size = abs(amount)
    if size >= 100:
        size = round(size, 2 - math.floor(math.log10(size)))
    text = f"{size:,.0f}" if size >= 10 or size == 0 else f"{size:.2g}"
    sign = "−" if amount < 0 and size != 0 else ""
    unit = cd.currency_unit(currency)
    return f"{sign}{unit}{text}" if unit != currency else f"{sign}{text} {currency}"


def _hours(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _per_year(res: ExperimentResult, metric: str) -> pd.DataFrame:
    """Per contract: mean, P5 and P95 over replications of ``metric`` per year."""
    x = res.metrics[["contract", metric]].assign(v=res.metrics[metric] / _years(res.scenario))
    groups = x.groupby("contract", observed=True)["v"]
    out = pd.DataFrame(
        {"mean": groups.mean(), "p5": groups.quantile(0.05), "p95": groups.quantile(0.95)}
    )
    out.index = out.index.astype(str)
    return out


def _key_rows(res: ExperimentResult, pair: tuple[str, str]) -> list[tuple[str, list[str]]]:
    """The headline numbers per contract: label, then ``[mean, 90 % range]`` per contract."""
    cur = res.scenario.currency
    rows = []
    for metric, label, fmt in (
        ("client_total_cost", "Expected cost per year (IT bills + staff time lost)", _money),
        ("client_cash_cost", "Expected IT bills per year (cash only)", _money),
        ("user_downtime_hours", "Expected downtime (staff hours lost per year)", None),
    ):
        t = _per_year(res, metric)
        cells = []
        for c in pair:
            mean, lo, hi = t.loc[c, ["mean", "p5", "p95"]]
            f: Callable[[float], str] = (lambda v: _money(v, cur)) if fmt else _hours
            cells += [f(mean), f"90 % range {f(lo)}–{f(hi)}"]
        rows.append((label, cells))
    return rows


def _takeaway(res: ExperimentResult, pair: tuple[str, str]) -> str:
    """One honest line: which contract costs the client less per year, by how much, with CI."""
    a, b = pair
    d = res.compare(a, b).loc["client_total_cost"]
    years = _years(res.scenario)
    if d["mean"] < 0:  # the savings of the cheaper one, per year: -(b - a) or (b - a)
        better, worse, keys, sign = b, a, ("mean", "ci_high", "ci_low"), -1.0
    else:
        better, worse, keys, sign = a, b, ("mean", "ci_low", "ci_high"), 1.0
    gap, lo, hi = (sign * d[k] / years for k in keys)
    cur = res.scenario.currency
    B, W = cd.display_name(better), cd.display_name(worse).lower()
    ci = f"95 % CI {_money(lo, cur)} to {_money(hi, cur)}"
    if math.isfinite(lo) and lo > 0:
        return (
            f"{B} is cheaper: about {_money(gap, cur)} a year less than {W} ({ci}),"
            " counting IT bills and staff time lost."
        )
    return (
        f"No clear winner: {B} is cheaper on average, by {_money(gap, cur)} a year ({ci}),"
        f" but {W} may well be cheaper for this client."
    )


def _break_even_text(fee: FeeEstimate, currency: str) -> str:
    per = fee.key.rsplit("_", 1)[-1]
    basis = "IT bills and staff time lost" if fee.basis == "total" else "IT bills only"
    return (
        f"Break-even flat-rate fee: {_money(fee.fee, currency)} per {per} per month"
        f" ({round(100 * fee.level)} % CI {_money(fee.ci_low, currency)} to"
        f" {_money(fee.ci_high, currency)}; {basis}). Below it flat-rate costs the client less."
    )


def _fees(scn: Scenario) -> list[str]:
    """The contracts' prices in words."""
    cur, out = scn.currency, []
    bf, fr = scn.contracts.break_fix, scn.contracts.flat_rate
    if bf is not None:
        rate = bf.hourly_rate
        text = (
            f"break-fix {_money(rate.remote, cur)}/h remote, {_money(rate.onsite, cur)}/h on site"
            if rate.remote != rate.onsite
            else f"break-fix {_money(rate.onsite, cur)}/h"
        )
        if bf.minimum_billed:
            text += f", minimum {format_duration(bf.minimum_billed)}"
        if bf.billing_increment:
            text += f" then per {format_duration(bf.billing_increment)}"
        if bf.trip_charge:
            text += f", trip charge {_money(bf.trip_charge, cur)}"
        if bf.after_hours_multiplier:
            text += f", after hours ×{bf.after_hours_multiplier:g}"
        out.append(text)
    if fr is not None:
        parts = [
            f"{_money(v, cur)} per {what}"
            for v, what in (
                (fr.fee_per_device, "device"),
                (fr.fee_per_user, "user"),
                (fr.fee_per_server, "server"),
            )
            if v
        ]
        out.append(f"flat-rate {' + '.join(parts) or 'no fee'} a month")
    return out


def _assumptions(res: ExperimentResult) -> str:
    scn = res.scenario
    fleet = ", ".join(f"{d.count} {d.name}" for d in scn.fleet)
    return (
        f"Assumptions: scenario “{scn.name}”, {cd.horizon_text(scn.horizon)},"
        f" {res.replications} simulated futures per contract (seed {res.seed}, common random"
        f" numbers); {scn.client.users} users, {scn.device_count} devices ({fleet}); staff time"
        f" valued at {_money(scn.client.user_hour_value, scn.currency)}/h; "
        + "; ".join(_fees(scn))
        + f". {_DISCLAIMER}"
    )


#: Text is drawn as written: ``$41k ... $5k`` is money, never mathtext.
_PLAIN_TEXT = {"text.parse_math": False}


# ---------------------------------------------------------------------------- charts
def _chart(res: ExperimentResult, name: str) -> Figure:
    """One chart of :data:`CHARTS` on its own figure (looked up in :mod:`plots` when called)."""
    draw = getattr(plots, name)
    with mpl.rc_context(_PLAIN_TEXT):
        fig = Figure(figsize=_SIZES.get(name, (8.0, 5.0)), layout="constrained")
        if name == "provider_view":
            draw(res, fig=fig)
        else:
            draw(res, ax=fig.add_subplot())
    return fig


def _svg(fig: Figure, name: str) -> str:
    """The figure as an SVG element to inline: text as text, ids unique to this chart."""
    buf = io.StringIO()
    rc = {"svg.fonttype": "none", "svg.hashsalt": f"itmodels-{name}"}
    with mpl.rc_context(rc):
        fig.savefig(buf, format="svg", metadata=dict.fromkeys(_SVG_META))
    text = buf.getvalue()
    return text[text.index("<svg") :]


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


# ---------------------------------------------------------------------------- HTML report
def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, str):
        return value
    x = float(value)
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.{digits}g}"


def _context(
    res: ExperimentResult,
    names: _Names,
    break_even: FeeEstimate | None,
    claims: pd.DataFrame | None,
    svgs: Mapping[str, str],
) -> dict[str, Any]:
    scn, pair = res.scenario, _pair(res)
    a, b = pair
    cur = scn.currency
    comp = res.compare(a, b)
    compare_rows = []
    for m in comp.index:
        share = comp.loc[m, "share_lower"]
        cells = [_fmt(comp.loc[m, k]) for k in ("mean_baseline", "mean_other", "mean")]
        ci = f"{_fmt(comp.loc[m, 'ci_low'])} to {_fmt(comp.loc[m, 'ci_high'])}"
        shown = "n/a" if math.isnan(share) else f"{share:.0%}"
        label = cd.metric_label(m)
        compare_rows.append([label[:1].upper() + label[1:], m, *cells, ci, shown])
    claim_rows = []
    if claims is not None:
        for row in claims.itertuples():
            ci = f"{_fmt(row.ci_low)} to {_fmt(row.ci_high)}"
            claim_rows.append(
                [row.statement, row.statistic, _fmt(row.value), ci, row.verdict, row.note]
            )
    budget = res.budget()
    budget_rows = [
        [cd.display_name(str(c)), *(_money(budget.loc[c, k], cur) for k in budget.columns)]
        for c in budget.index
    ]
    bf, fr = scn.contracts.break_fix, scn.contracts.flat_rate
    terms = [
        row
        for label, model in (("Break-fix:", bf), ("Flat-rate:", fr))
        if model is not None
        for row in _terms(label, model, cur)
    ]
    return {
        "names": names,
        "scenario": scn,
        "contracts": [cd.display_name(c) for c in pair],
        "colors": [plots.contract_colors(list(pair))[c] for c in pair],
        "takeaway": _takeaway(res, pair),
        "key_rows": _key_rows(res, pair),
        "break_even": _break_even_text(break_even, cur) if break_even is not None else None,
        "compare_rows": compare_rows,
        "claim_rows": claim_rows,
        "budget_cols": ["Contract", *(k.replace("_", " ") for k in budget.columns)],
        "budget_rows": budget_rows,
        "charts": [(n, svgs[n]) for n in CHARTS],
        "horizon": cd.horizon_text(scn.horizon),
        "replications": res.replications,
        "seed": res.seed,
        "money": lambda v: _money(v, cur),
        "duration": format_duration,
        "business_hours": scn.client.business_hours.describe(),
        "working_hours": scn.technician_hours.describe(),
        "terms": terms,
        "disclaimer": _DISCLAIMER,
    }


def _parsers(field: FieldInfo) -> set[Callable[..., Any]]:
    """The parse functions (``parse_duration``, ``parse_money``) behind a field's type."""
    found = {getattr(m, "func", None) for m in field.metadata}
    todo = [field.annotation]
    while todo:
        t = todo.pop()
        found |= {getattr(m, "func", None) for m in getattr(t, "__metadata__", ())}
        todo += typing.get_args(t)
    return {f for f in found if f is not None}


def _terms(label: str, model: BaseModel, currency: str) -> list[tuple[str, str]]:
    """A contract's terms as (name, value) rows: nested terms flattened, units shown."""
    rows: list[tuple[str, str]] = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        key = f"{label} {name.replace('_', ' ')}"
        if value is None or value == []:
            continue
        parse = _parsers(field)
        if isinstance(value, BaseModel) and not isinstance(value, BaseDistribution):
            rows += _terms(key, value, currency)
            continue
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list) and all(isinstance(v, BaseModel) for v in value):
            items = enumerate(value, 1)
        else:
            rows.append((key, _value(name, value, parse, currency)))
            continue
        for k, v in items:
            if isinstance(v, BaseModel) and not isinstance(v, BaseDistribution):
                rows += _terms(f"{key} {k}", v, currency)
            else:
                rows.append((f"{key} {k}", _value(name, v, parse, currency)))
    return rows


def _value(name: str, value: Any, parse: set[Callable[..., Any]], currency: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, float) and parse_duration in parse:
        return format_duration(value)
    if isinstance(value, float) and parse_money in parse:
        return _money(value, currency)
    if isinstance(value, float) and (
        any(word in name for word in ("markup", "probability", "share", "cap", "loss"))
    ):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _render_html(context: Mapping[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(**context)


def _template_source(name: str) -> str:
    return resources.files("itmodels").joinpath("templates", name).read_text(encoding="utf-8")


def _default_claims(res: ExperimentResult) -> pd.DataFrame | None:
    """The claims table when the experiment holds break-fix and flat-rate, else ``None``."""
    if {"break_fix", "flat_rate"} <= set(res.contracts):
        return claims_table(res)
    return None


def _html(
    res: ExperimentResult,
    names: _Names,
    break_even: FeeEstimate | None,
    claims: pd.DataFrame | None,
    svgs: Mapping[str, str] | None = None,
) -> str:
    if svgs is None:
        svgs = {n: _svg(_chart(res, n), n) for n in CHARTS}
    if claims is None:
        claims = _default_claims(res)
    return _render_html(_context(res, names, break_even, claims, svgs))


def html_report(
    res: ExperimentResult,
    path: str | Path,
    *,
    branding: Branding | None = None,
    break_even: FeeEstimate | None = None,
    claims: pd.DataFrame | None = None,
) -> Path:
    """Write a self-contained HTML report of the experiment (charts inline as SVG).

    Sections: summary (which contract is cheaper, by how much, with a confidence
    interval), the paired comparison of every metric (``res.compare()``), the claims for
    flat-rate IT with verdicts, budget predictability (``res.budget()``), the charts of
    :data:`CHARTS` and the scenario's assumptions.  No external resources, no scripts;
    all scenario text is escaped.

    Parameters
    ----------
    res : ExperimentResult
        An experiment with two contracts (break-fix and flat-rate).
    path : str or Path
        The HTML file; its folder is created if missing.
    branding : Branding, optional
        As for :func:`proposal_pdf`.
    break_even : FeeEstimate, optional
        From :func:`itmodels.break_even_fee`; the line is left out when not given.
    claims : DataFrame, optional
        From :func:`itmodels.claims`; computed from ``res`` when not given.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> html_report(res, "report.html")  # doctest: +SKIP
    PosixPath('report.html')
    """
    path = Path(path)
    text = _html(res, _names(res.scenario, branding), break_even, claims)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


# ---------------------------------------------------------------------------- bundle
def _tables(res: ExperimentResult, claims: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    pair = _pair(res)
    return {
        "metrics": res.metrics,
        "monthly": res.monthly,
        "summary": res.summary().reset_index(),
        "compare": res.compare(*pair).reset_index(),
        "claims": claims if claims is not None else pd.DataFrame(),
        "budget": res.budget().reset_index(),
    }


def write_bundle(
    res: ExperimentResult,
    out_dir: str | Path,
    *,
    branding: Branding | None = None,
    break_even: FeeEstimate | None = None,
    overwrite: bool = True,
) -> dict[str, Path]:
    """Write every table, chart, the proposal sheet and the HTML report into one folder.

    The folder is filled under a temporary name and renamed into place, so a failure
    half-way (or a crash) leaves no folder that looks complete, and an existing folder is
    replaced only once the new one is whole.

    Parameters
    ----------
    res : ExperimentResult
        An experiment with two contracts (break-fix and flat-rate).
    out_dir : str or Path
        The folder to write.
    branding : Branding, optional
        As for :func:`proposal_pdf`.
    break_even : FeeEstimate, optional
        Shown in the proposal sheet and the report when given.
    overwrite : bool
        Replace ``out_dir`` if it exists (default); otherwise raise ``FileExistsError``.

    Returns
    -------
    dict of str to Path
        Each file by its path relative to ``out_dir``: ``metrics.csv``, ``monthly.csv``,
        ``summary.csv``, ``compare.csv``, ``claims.csv``, ``budget.csv``,
        ``charts/<chart>.png`` and ``charts/<chart>.svg`` for each of :data:`CHARTS`,
        ``proposal.pdf`` and ``report.html``.

    Examples
    --------
    >>> paths = write_bundle(res, "out")  # doctest: +SKIP
    >>> paths["report.html"]  # doctest: +SKIP
    PosixPath('out/report.html')
    """
    out_dir = Path(out_dir)
    names = _names(res.scenario, branding)
    written: list[str] = []

    def fill(tmp: Path) -> None:
        claims = _default_claims(res)
        for name, table in _tables(res, claims).items():
            table.to_csv(tmp / f"{name}.csv", index=False)
            written.append(f"{name}.csv")
        (tmp / "charts").mkdir()
        svgs = {}
        for name in CHARTS:
            fig = _chart(res, name)
            fig.savefig(tmp / "charts" / f"{name}.png", dpi=150)
            svgs[name] = _svg(fig, name)
            (tmp / "charts" / f"{name}.svg").write_text(svgs[name], encoding="utf-8")
            written.extend([f"charts/{name}.png", f"charts/{name}.svg"])
        _save_pdf(_proposal_figure(res, names, break_even), tmp / "proposal.pdf", names)
        html = _html(res, names, break_even, claims, svgs)
        (tmp / "report.html").write_text(html, encoding="utf-8")
        written.extend(["proposal.pdf", "report.html"])

    write_dir_atomically(out_dir, fill, overwrite)
    return {name: out_dir / name for name in written}
