"""Sales material from an experiment: a one-page proposal sheet, an HTML report, a bundle.

Everything here is computed from an :class:`~itmodels.experiments.result.ExperimentResult` and drawn
with the charts of :mod:`itmodels.charts.plots`; nothing is simulated.  The break-even fee is shown
only when the caller passes one (see :func:`itmodels.break_even_fee`).  Every file is
written atomically (:mod:`itmodels.experiments.store`), so a crash never leaves one that looks
complete.

Scenario text (client and scenario names, description, branding, fleet class and incident
stream names) is escaped wherever it lands in HTML: the page is rendered by jinja2 with
autoescaping, and the inline SVG charts are written by matplotlib, which escapes their text.
"""

from __future__ import annotations

import dataclasses
import io
import math
import typing
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import pandas as pd
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from itmodels.charts import data as cd
from itmodels.contracts import OfferTerms, contract_class, make_contract, offer_inline, offer_label
from itmodels.experiments.claims import claims as claims_table
from itmodels.experiments.decisions import FeeEstimate
from itmodels.experiments.provider import Incentives
from itmodels.experiments.result import ExperimentResult
from itmodels.experiments.store import atomic_write
from itmodels.money.formatting import MINUS, format_money
from itmodels.reports.bundle import write_folder
from itmodels.reports.proposal import proposal_figure, proposal_pdf, save_pdf
from itmodels.reports.text import (
    CHARTS,
    SheetNames,
    break_even_text,
    chart_figure,
    dist_text,
    incentive_rows,
    key_figure_rows,
    lost_words,
    offer_colors,
    offer_names,
    offer_title,
    question_text,
    recommended_offer,
    sheet_names,
    svg_text,
    takeaway_text,
)
from itmodels.scenario import Branding
from itmodels.scenario.distributions import BaseDistribution
from itmodels.scenario.units import format_duration, parse_duration, parse_money

__all__ = [
    "CHARTS",
    "FitData",
    "bundle_files",
    "chart_files",
    "fit_section",
    "html_report",
    "proposal_pdf",
    "uncertainty_text",
    "write_bundle",
]


class FitData(typing.Protocol):
    """What the "Your data" section needs of a fit: a
    :class:`~itmodels.fitting.fit.Fit` or a :class:`~itmodels.fitting.summary.FitSummary`."""

    @property
    def evidence(self) -> pd.DataFrame:
        """One row per fitted parameter (``key``, ``estimate``, ``low``, ``high``, ...)."""

    @property
    def skipped(self) -> pd.DataFrame:
        """What was not fitted: ``key``, ``reason``."""

    @property
    def level(self) -> float:
        """The intervals' confidence level."""

    @property
    def plots(self) -> dict[str, pd.DataFrame]:
        """The charts' data: ``survival``, ``rates``, ``work``."""


def uncertainty_text(res: ExperimentResult) -> str:
    """Whether the intervals include the fit's estimation error, in one sentence.

    Parameters
    ----------
    res : ExperimentResult

    Returns
    -------
    str
    """
    if res.parameter_uncertainty is not None:
        return res.parameter_uncertainty
    return (
        "Estimation error is NOT carried into the intervals: every replication ran on the"
        " fitted values as if they were exact, so the intervals show the simulation's luck"
        " only (itmodels compare --fit-uncertainty, or run_experiment(vary="
        "fit.parameter_draws()), draws each replication's parameters from the fit)."
    )


def fit_section(res: ExperimentResult, fit: FitData) -> dict[str, Any]:
    """The "Your data" section of a report: the fit's charts, evidence and skipped list.

    Parameters
    ----------
    res : ExperimentResult
        The experiment run on the fitted scenario.
    fit : FitData
        The fit (or its summary read from the fit file).

    Returns
    -------
    dict
        ``charts`` (name, SVG text), ``evidence`` and ``skipped`` rows, ``level``,
        ``period`` and ``uncertainty`` (:func:`uncertainty_text`).
    """
    from itmodels.charts.fit_plots import fit_figures

    charts = [(f"fit-{n}", svg_text(fig, f"fit-{n}")) for n, fig in fit_figures(fit.plots).items()]
    evidence = [
        [
            str(r.key),
            _fmt(r.estimate),
            f"{_fmt(r.low)} to {_fmt(r.high)}" if math.isfinite(float(r.low)) else "",
            str(r.unit),
            str(r.n),
            Path(str(r.source)).name,
            str(r.method),
        ]
        for r in fit.evidence.itertuples(index=False)
    ]
    skipped = [[str(r.key), str(r.reason)] for r in fit.skipped.itertuples(index=False)]
    return {
        "charts": charts,
        "evidence": evidence,
        "skipped": skipped,
        "level": f"{fit.level:.0%}",
        "period": str(getattr(fit, "period", "") or ""),
        "uncertainty": uncertainty_text(res),
    }


# ---------------------------------------------------------------------------- HTML report
def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, str):
        return value
    x = float(value)
    if not math.isfinite(x):
        return "n/a"
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.{digits}g}"
    return text.replace("-", MINUS)  # one minus sign everywhere, as in the money


#: What the client report leaves out: the provider's side (its revenue, costs, margin,
#: technician time, the chart of its side, and the claims measured on its books).
_INTERNAL_METRICS = ("provider_", "technician_")
_INTERNAL_CHARTS = ("provider_view",)

Audience = Literal["client", "provider"]


#: Metrics where more is better for the one who reads them (the rest: less is better).
_MORE_IS_BETTER = frozenset(
    {"failures_prevented", "planned_work_after_hours", "provider_revenue", "provider_margin"}
)
_NEEDS_SLA = frozenset({"sla_breaches"})


def _share_higher(res: ExperimentResult, a: str, b: str) -> pd.Series:
    """Per metric: the share of simulated futures in which ``b`` is strictly higher than ``a``."""
    m = res.metrics.assign(contract=res.metrics["contract"].astype(str))
    x = m[m["contract"] == a].set_index("replication").drop(columns="contract")
    y = m[m["contract"] == b].set_index("replication").drop(columns="contract")
    x, y = x.align(y, join="inner")
    return (y > x).mean(numeric_only=True) if len(x) else pd.Series(dtype=float)


def _is_internal(metric: str) -> bool:
    return metric.startswith(_INTERNAL_METRICS)


def _compare_rows(
    res: ExperimentResult, a: str, b: str, internal: bool
) -> tuple[list[list[str]], str]:
    """The paired comparison of every metric, ``b`` against ``a``: its rows and the metrics
    where more is better (in words)."""
    scn = res.scenario
    comp = res.compare(a, b)
    rows = []
    higher = _share_higher(res, a, b)
    for m in comp.index:
        if not internal and _is_internal(str(m)):
            continue
        cells = [_fmt(comp.loc[m, k]) for k in ("mean_baseline", "mean_other", "mean")]
        ci = f"{_fmt(comp.loc[m, 'ci_low'])} to {_fmt(comp.loc[m, 'ci_high'])}"
        share = higher[m] if m in _MORE_IS_BETTER else comp.loc[m, "share_lower"]
        shown = "n/a" if math.isnan(share) else f"{share * 100:.0f} %"
        if m in _NEEDS_SLA:  # an offer without response targets cannot breach one
            has = [getattr(scn.contracts[c], "sla", None) is not None for c in (a, b)]
            if not all(has):
                cells = [c if ok else "n/a" for c, ok in zip(cells, has, strict=False)]
                cells.append("n/a")
                ci = shown = "n/a"
        label = cd.metric_label(m)
        if m == "downtime_cost":
            label = f"cost of downtime ({lost_words(scn)})"
        rows.append([label[:1].upper() + label[1:], m, *cells[:3], ci, shown])
    listed = {row[1] for row in rows}
    better = ", ".join(
        cd.metric_label(m) for m in comp.index if m in _MORE_IS_BETTER and m in listed
    )
    return rows, better


def _offer_rows(res: ExperimentResult) -> list[dict[str, Any]]:
    """Every offer's terms in words: price, monthly fee for this client, inclusions."""
    scn, cur = res.scenario, res.scenario.currency
    colors = offer_colors(res)
    out = []
    for name in offer_names(res):
        contract = make_contract(scn, name)
        yes, no = contract.inclusions(cur)
        monthly = contract.monthly_fee()
        out.append(
            {
                "title": offer_title(scn, name),
                "color": colors[name],
                "price": contract.price_words(cur, exact=True),
                "monthly": format_money(monthly, cur, exact=True) if monthly > 0 else "—",
                "included": ", ".join(yes) or "—",
                "separate": ", ".join(no) or "—",
            }
        )
    return out


def _context(
    res: ExperimentResult,
    names: SheetNames,
    break_even: FeeEstimate | None,
    claims: pd.DataFrame | None,
    svgs: Mapping[str, str],
    audience: Audience = "provider",
    claims_pair: tuple[str, str] | None = None,
    fit: Mapping[str, Any] | None = None,
    incentives: Incentives | None = None,
) -> dict[str, Any]:
    scn = res.scenario
    internal = audience == "provider"
    base = res.baseline
    cur = scn.currency
    offers = offer_names(res)
    comparisons = []
    for other in (c for c in offers if c != base):
        rows, better = _compare_rows(res, base, other, internal)
        comparisons.append(
            {
                "base": offer_label(scn.contracts, base),
                "other": offer_label(scn.contracts, other),
                "rows": rows,
                "better_note": better,
            }
        )
    claim_rows = []
    if claims is not None:
        for row in claims.itertuples():
            if not internal and "provider" in f"{row.statistic}":
                continue
            ci = f"{_fmt(row.ci_low)} to {_fmt(row.ci_high)}"
            claim_rows.append(
                [row.statement, row.statistic, _fmt(row.value), ci, row.verdict, row.note]
            )
    budget = res.budget()
    budget_rows = [
        [
            offer_label(scn.contracts, str(c)),
            *(format_money(budget.loc[c, k], cur) for k in budget.columns),
        ]
        for c in budget.index
    ]
    terms = [
        row
        for name in offers
        for row in _terms(f"{offer_title(scn, name)}:", scn.contracts[name], cur)
    ]
    colors = offer_colors(res)
    return {
        "names": names,
        "scenario": scn,
        "question": question_text(res),
        "contracts": [offer_label(scn.contracts, c) for c in offers],
        "models": [
            contract_class(scn.contracts[c].type).label
            if offer_label(scn.contracts, c) == c
            else ""
            for c in offers
        ],
        "colors": [colors[c] for c in offers],
        "takeaway": takeaway_text(res),
        "key_rows": key_figure_rows(res),
        "offers": _offer_rows(res),
        "break_even": (
            break_even_text(
                break_even,
                cur,
                lost_words(scn),
                offer_inline(scn.contracts, break_even.offer),
                make_contract(scn, break_even.offer).price_term_words(break_even.term),
            )
            if break_even is not None
            else None
        ),
        "dist": dist_text,
        "comparisons": comparisons,
        "claim_rows": claim_rows,
        "claims_pair": claims_pair,
        "budget_cols": ["Offer", *(k.replace("_", " ") for k in budget.columns)],
        "budget_rows": budget_rows,
        "charts": [(n, svgs[n]) for n in CHARTS if internal or n not in _INTERNAL_CHARTS],
        "internal": internal,
        "horizon": cd.horizon_text(scn.horizon),
        "replications": res.replications,
        "seed": res.seed,
        "money": lambda v: format_money(v, cur),
        "duration": format_duration,
        "business_hours": scn.client.business_hours.describe(),
        "working_hours": scn.technician_hours.describe(),
        "terms": terms,
        "disclaimer": names.disclaimer,
        "fit": fit,
        "incentives": _incentive_section(res, incentives) if incentives is not None else None,
    }


def _incentive_section(res: ExperimentResult, inc: Incentives) -> dict[str, Any]:
    """The "What each provider's own interest makes it do" section (provider report)."""
    first = next(iter(inc.optima.values()))
    return {
        "rows": incentive_rows(inc, res.scenario),
        "baseline": offer_label(res.scenario.contracts, inc.baseline),
        "replications": first.replications,
        "seed": first.seed,
        "level": f"{inc.level:.0%}",
        "candidates": sum(len(opt.table) for opt in inc.optima.values()),
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
        if value is None or value == [] or (isinstance(model, OfferTerms) and name == "type"):
            continue
        parse = _parsers(field)
        if isinstance(value, BaseModel) and not isinstance(value, BaseDistribution):
            rows += _terms(key, value, currency)
            continue
        items: Iterable[tuple[Any, Any]]
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
    if isinstance(value, BaseDistribution):
        return dist_text(value)
    if isinstance(value, float) and parse_duration in parse:
        return format_duration(value)
    if isinstance(value, float) and parse_money in parse:
        return format_money(value, currency)
    if isinstance(value, float) and (
        any(word in name for word in ("markup", "probability", "share", "cap", "loss"))
    ):
        return f"{value * 100:.0f} %"
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
    return (
        resources.files("itmodels.reports").joinpath("templates", name).read_text(encoding="utf-8")
    )


def _claims_pair(res: ExperimentResult) -> tuple[str, str] | None:
    """The two offers the claims compare: the baseline and the first managed offer (one
    not paying per incident), else the first other offer; ``None`` for one offer."""
    base = res.baseline
    rest = [c for c in offer_names(res) if c != base]
    managed = [c for c in rest if not contract_class(res.scenario.contracts[c].type).reference]
    return (base, (managed or rest)[0]) if rest else None


def _default_claims(
    res: ExperimentResult, incentives: Incentives | None = None
) -> pd.DataFrame | None:
    """The claims table when the experiment holds two offers or more, else ``None``; with
    claim 6 when ``incentives`` searched both offers the claims compare."""
    pair = _claims_pair(res)
    if pair is None:
        return None
    if incentives is not None and not all(name in incentives.optima for name in pair):
        incentives = None
    return claims_table(res, baseline=pair[0], other=pair[1], incentives=incentives)


def _html(
    res: ExperimentResult,
    names: SheetNames,
    break_even: FeeEstimate | None,
    claims: pd.DataFrame | None,
    svgs: Mapping[str, str] | None = None,
    audience: Audience = "client",
    fit: Mapping[str, Any] | None = None,
    incentives: Incentives | None = None,
) -> str:
    if svgs is None:
        wanted = [n for n in CHARTS if audience == "provider" or n not in _INTERNAL_CHARTS]
        svgs = {n: svg_text(chart_figure(res, n), n) for n in wanted}
    pair = None
    if claims is None:
        claims = _default_claims(res, incentives)
        pair = _claims_pair(res)
    shown = None
    if pair is not None and len(res.contracts) > 2:
        shown = (
            offer_inline(res.scenario.contracts, pair[0]),
            offer_inline(res.scenario.contracts, pair[1]),
        )
    context = _context(res, names, break_even, claims, svgs, audience, shown, fit, incentives)
    return _render_html(context)


def html_report(
    res: ExperimentResult,
    path: str | Path,
    *,
    branding: Branding | None = None,
    break_even: FeeEstimate | None = None,
    claims: pd.DataFrame | None = None,
    audience: Audience = "client",
    fit: FitData | None = None,
    incentives: Incentives | None = None,
) -> Path:
    """Write a self-contained HTML report of the experiment (charts inline as SVG).

    Sections: summary (the verdict: with two offers, which is cheaper, by how much, with a
    confidence interval; with more, the offers ranked from the cheapest; then the key
    figures, one column per offer), every offer's terms in words, the paired comparison of
    every metric (``res.compare(baseline, other)`` for each other offer), the claims for
    managed IT with verdicts, budget predictability (``res.budget()``), the charts of
    :data:`CHARTS` and the scenario's assumptions.  No external resources, no scripts;
    all scenario text is escaped.

    The client's report (``audience="client"``, the default) is the one to send: it leaves
    out the provider's internals (its revenue, costs, margin and technician time, the
    provider's-side chart, the claims measured on the provider's books, the wage and the
    number of technicians).  The provider's report shows everything and says it is internal.

    Parameters
    ----------
    res : ExperimentResult
        An experiment with two offers or more (up to six read well).
    path : str or Path
        The HTML file; its folder is created if missing.
    branding : Branding, optional
        As for :func:`proposal_pdf`.
    break_even : FeeEstimate, optional
        From :func:`itmodels.break_even_fee`; the line is left out when not given.
    claims : DataFrame, optional
        From :func:`itmodels.experiments.claims`; computed from ``res`` when not given.
    audience : {"client", "provider"}
        Who the report is for (see above).
    fit : Fit or FitSummary, optional
        The fit the scenario came from: adds a "Your data" section (the fit's charts,
        its evidence table, what was not fitted, and whether the estimation error was
        carried into the intervals).
    incentives : Incentives, optional
        The providers' own optima (:func:`~itmodels.experiments.provider.provider_incentives`):
        the provider's report gains a section "What each provider's own interest makes it
        do" (each offer's chosen lever values, the provider's margin gain and the
        client's cost change against the offer as written, with intervals), and the
        claims (computed here when ``claims`` is not given) gain claim 6 with its verdict
        (shown in the provider's report: it is measured on the provider's margin).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> html_report(res, "client-report.html")  # doctest: +SKIP
    PosixPath('client-report.html')
    """
    path = Path(path)
    if audience not in ("client", "provider"):
        raise ValueError(f"audience must be 'client' or 'provider', got {audience!r}")
    names = sheet_names(res.scenario, branding)
    section = fit_section(res, fit) if fit is not None else None
    text = _html(
        res, names, break_even, claims, audience=audience, fit=section, incentives=incentives
    )
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


# ---------------------------------------------------------------------------- bundle
def _tables(
    res: ExperimentResult, claims: pd.DataFrame | None, incentives: Incentives | None = None
) -> dict[str, pd.DataFrame]:
    base = res.baseline
    compare = [
        res.compare(base, other).reset_index().assign(baseline=base, other=other)
        for other in offer_names(res)
        if other != base
    ]
    return {
        "metrics": res.metrics,
        "monthly": res.monthly,
        "summary": res.summary().reset_index(),
        "compare": pd.concat(compare, ignore_index=True) if compare else pd.DataFrame(),
        "claims": claims if claims is not None else pd.DataFrame(),
        "budget": res.budget().reset_index(),
        **({"incentives": incentives.table} if incentives is not None else {}),
    }


def chart_files(res: ExperimentResult, names: Iterable[str]) -> dict[str, tuple[bytes, str]]:
    """Draw charts of a bundle: each name's PNG (150 dpi) bytes and inline SVG text.

    A top-level function, so that an executor's worker process can draw them.

    Parameters
    ----------
    res : ExperimentResult
        The experiment to draw.
    names : iterable of str
        Chart names, from :data:`CHARTS`.

    Returns
    -------
    dict of str to (bytes, str)
        Each name's PNG file content and SVG element text (see :func:`svg_text`).
    """
    out = {}
    for name in names:
        fig = chart_figure(res, name)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=150)
        out[name] = (buf.getvalue(), svg_text(fig, name))
    return out


def bundle_files(incentives: bool = False) -> list[str]:
    """The files :func:`write_bundle` writes, relative to its folder (to check early).

    Parameters
    ----------
    incentives : bool
        Whether the bundle holds the incentive table (``incentives.csv``).

    Returns
    -------
    list of str
        Relative POSIX paths; the manifest ``itmodels-bundle.json`` is not listed.
    """
    tables: tuple[str, ...] = ("metrics", "monthly", "summary", "compare", "claims", "budget")
    tables += ("incentives",) if incentives else ()
    charts = [f"charts/{n}.{ext}" for n in CHARTS for ext in ("png", "svg")]
    reports = ["client-report.html", "provider-report.html"]
    return [*(f"{t}.csv" for t in tables), *charts, "proposal.pdf", *reports, "scenario.yaml"]


def write_bundle(
    res: ExperimentResult,
    out_dir: str | Path,
    *,
    branding: Branding | None = None,
    break_even: FeeEstimate | None = None,
    overwrite: bool = True,
    force: bool = False,
    offer: str | None = None,
    executor: Executor | None = None,
    fit: FitData | None = None,
    incentives: Incentives | None = None,
) -> dict[str, Path]:
    """Write every table, chart, the proposal sheet and both HTML reports into one folder.

    Two reports: ``client-report.html`` goes to the prospect with ``proposal.pdf``;
    ``provider-report.html`` is internal (the provider's costs, margin and wage), as are the
    tables and ``charts/provider_view.*``.

    The folder also holds ``itmodels-bundle.json``, a manifest of the files itmodels
    wrote, by which a later call recognises it as a bundle.  The rules
    (:mod:`itmodels.reports.bundle`): a missing or empty folder is written, an earlier bundle is
    replaced as a whole and atomically (filled in a temporary folder beside it, synced and
    swapped in, so a crash leaves the old bundle or the new one); any other non-empty
    folder, a file, a link or the current folder is refused before anything is drawn.
    No file that itmodels did not write is ever deleted or overwritten.

    Parameters
    ----------
    res : ExperimentResult
        An experiment with two offers or more (up to six read well).
    out_dir : str or Path
        The folder to write.
    branding : Branding, optional
        As for :func:`proposal_pdf`.
    break_even : FeeEstimate, optional
        Shown in the proposal sheet and the report when given.
    overwrite : bool
        Replace an earlier bundle at ``out_dir`` (default); otherwise a non-empty
        ``out_dir`` raises ``FileExistsError``.
    force : bool
        Write into a non-empty folder that is not a bundle: the bundle's files are added
        beside the ones there, file by file, and the manifest is marked complete last.  A
        file of the same name that itmodels did not write is still refused.
    offer : str, optional
        The offer the proposal sheet proposes (see :func:`proposal_pdf`).
    executor : concurrent.futures.Executor, optional
        Draw the charts on this executor's workers (e.g. the process pool the experiment
        ran on) while this process draws the proposal sheet; the same files either way.
    fit : Fit or FitSummary, optional
        The fit the scenario came from: both reports get a "Your data" section (see
        :func:`html_report`).
    incentives : Incentives, optional
        The providers' own optima: adds ``incentives.csv`` (its ``table``), the section
        and claim 6 of :func:`html_report` (in ``claims.csv`` too).

    Returns
    -------
    dict of str to Path
        Each file by its path relative to ``out_dir``: ``metrics.csv``, ``monthly.csv``,
        ``summary.csv``, ``compare.csv``, ``claims.csv``, ``budget.csv``,
        ``charts/<chart>.png`` and ``charts/<chart>.svg`` for each of :data:`CHARTS`,
        ``proposal.pdf``, ``client-report.html``, ``provider-report.html`` and
        ``scenario.yaml`` (the scenario as run, ``--set`` changes included, to run again or
        edit; the manifest is not listed).

    Raises
    ------
    itmodels.reports.bundle.OutputFolderError
        If ``out_dir`` may not be written (see above); nothing is written then.
    ValueError
        If ``offer`` is not an offer of ``res``; nothing is written then.

    Examples
    --------
    >>> paths = write_bundle(res, "out")  # doctest: +SKIP
    >>> paths["client-report.html"]  # doctest: +SKIP
    PosixPath('out/client-report.html')
    """
    out_dir = Path(out_dir)
    names = sheet_names(res.scenario, branding)
    if offer is not None:
        names = dataclasses.replace(names, offer=offer)
    recommended_offer(res, names.offer)  # checked before anything is drawn
    written: list[str] = []

    def fill(tmp: Path) -> None:
        # the charts are drawn by the executor's workers, if given, while this process
        # draws the proposal sheet; the files are the same either way
        groups = [list(CHARTS[i::2]) for i in range(2)] if executor is not None else []
        drawn = [executor.submit(chart_files, res, group) for group in groups] if executor else []
        claims = _default_claims(res, incentives)
        for name, table in _tables(res, claims, incentives).items():
            table.to_csv(tmp / f"{name}.csv", index=False)
            written.append(f"{name}.csv")
        sheet = proposal_figure(res, names, break_even)
        save_pdf(sheet, tmp / "proposal.pdf", names, question_text(res))
        (tmp / "charts").mkdir()
        charts: dict[str, tuple[bytes, str]] = {}
        for future in drawn:
            charts.update(future.result())
        if executor is None:
            charts = chart_files(res, CHARTS)
        svgs = {}
        for name in CHARTS:
            png, svgs[name] = charts[name]
            (tmp / "charts" / f"{name}.png").write_bytes(png)
            (tmp / "charts" / f"{name}.svg").write_text(svgs[name], encoding="utf-8")
            written.extend([f"charts/{name}.png", f"charts/{name}.svg"])
        written.append("proposal.pdf")
        section = fit_section(res, fit) if fit is not None else None
        for audience in ("client", "provider"):
            # claims=None: computed again (cheap) so the report says which offers they compare
            html = _html(res, names, break_even, None, svgs, audience, section, incentives)
            (tmp / f"{audience}-report.html").write_text(html, encoding="utf-8")
            written.append(f"{audience}-report.html")
        res.scenario.to_yaml(tmp / "scenario.yaml")  # the inputs, to run again or edit
        written.append("scenario.yaml")

    about = {"scenario": res.scenario.name, "seed": res.seed, "replications": res.replications}
    write_folder(out_dir, fill, force=force, overwrite=overwrite, about=about)
    return {name: out_dir / name for name in written}
