"""What the proposal sheet and the HTML report share: names, money, wording, charts.

Everything here is computed from an
:class:`~itmodels.experiments.result.ExperimentResult`; nothing is simulated.
Text is drawn as written (``$41k`` is money, never mathtext).
"""

from __future__ import annotations

import datetime
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import pandas as pd
from babel.dates import format_date
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from itmodels.charts import data as cd
from itmodels.charts import plots
from itmodels.contracts import contract_class, make_contract, offer_label
from itmodels.experiments.decisions import FeeEstimate
from itmodels.experiments.result import ExperimentResult
from itmodels.money.formatting import format_money
from itmodels.scenario import Branding, Scenario
from itmodels.scenario.units import HOURS_PER_YEAR, format_duration

__all__ = [
    "CHARTS",
    "PAPER_SIZES",
    "SheetNames",
    "assumptions_text",
    "break_even_text",
    "chart_figure",
    "compared_pair",
    "date_text",
    "dist_text",
    "key_figure_rows",
    "lost_words",
    "offer_text",
    "offer_title",
    "sheet_names",
    "svg_text",
    "takeaway_text",
]

#: The charts of an experiment in the report and the bundle, by file name.
CHARTS: tuple[str, ...] = (
    "cumulative_cost",
    "monthly_spend",
    "cost_breakdown",
    "downtime",
    "provider_view",
)
_SIZES = {"provider_view": (13.0, 5.5), "cost_breakdown": (9.0, 5.0)}
PAPER_SIZES = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}
_NEUTRAL_BLUE = "#2F5D8A"
_SVG_META = ("Date", "Creator", "Format", "Type")  # left out: no dates, no links


# ---------------------------------------------------------------------------- shared pieces
@dataclass(frozen=True)
class SheetNames:
    provider: str
    prospect: str
    accent: str
    logo: str | None = None
    contact: str | None = None
    date: datetime.date | None = None
    paper: str = "a4"
    disclaimer: str | None = None


def sheet_names(scn: Scenario, branding: Branding | None) -> SheetNames:
    """Branding given, else the scenario's, else the provider and client names, else defaults."""
    given = [b for b in (branding, scn.branding) if b is not None]

    def first(key: str) -> Any:
        return next((getattr(b, key) for b in given if getattr(b, key) is not None), None)

    accent = first("accent")
    try:  # normalised to #rrggbb: nothing but a colour reaches the CSS
        accent = to_hex(accent) if accent else _NEUTRAL_BLUE
    except ValueError as exc:
        raise ValueError(f"branding.accent must be a colour, got {accent!r}") from exc
    return SheetNames(
        first("provider") or scn.provider.name or "Your IT provider",
        first("prospect") or scn.client.name or scn.name,
        accent,
        logo=first("logo"),
        contact=first("contact"),
        date=first("date") or datetime.date.today(),
        paper=first("paper") or "a4",
        disclaimer=first("disclaimer"),
    )


def date_text(day: datetime.date) -> str:
    """``3 December 2026``: the date as written in English whatever the locale."""
    return str(format_date(day, "d MMMM y", locale="en"))


def lost_words(scn: Scenario) -> str:
    """What downtime costs the client, in words: staff time, and revenue when it is counted."""
    return "staff time and revenue lost" if scn.client.revenue_per_hour_down else "staff time lost"


def _duration_words(hours: float) -> str:
    """A duration a reader knows: ``7.9 years``, ``4.17 days``, else ``1.5h`` or ``30min``."""
    for unit, size in (("year", HOURS_PER_YEAR), ("day", 24.0)):
        if hours >= 2 * size or (unit == "year" and hours >= size):
            count = f"{hours / size:.3g}"
            return f"{count} {unit}" if count == "1" else f"{count} {unit}s"
    return format_duration(hours)


def dist_text(dist: object) -> str:
    """A distribution in words: ``Weibull: shape 1.44, scale 7.9 years`` (not 69251.4h)."""
    fields = getattr(type(dist), "model_fields", None)
    if fields is None:
        return str(dist)
    parts = []
    for name in fields:
        value = getattr(dist, name)
        if name == "dist" or value is None:
            continue
        if name in ("shape", "sigma"):
            parts.append(f"{name} {value:g}")
        elif isinstance(value, tuple):
            shown = [_duration_words(v) for v in value[:6]]
            parts.append(f"{name} {', '.join(shown)}{' …' if len(value) > 6 else ''}")
        elif isinstance(value, int | float):
            parts.append(f"{name} {_duration_words(value)}")
    return f"{type(dist).__name__}: {', '.join(parts)}"


def compared_pair(res: ExperimentResult) -> tuple[str, str]:
    pair = cd.main_pair(res.contracts)
    if pair is None:
        raise ValueError(f"a report compares two contracts; this result has {res.contracts}")
    return pair


def _years(scn: Scenario) -> float:
    return scn.horizon / HOURS_PER_YEAR


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


def key_figure_rows(res: ExperimentResult, pair: tuple[str, str]) -> list[tuple[str, list[str]]]:
    """The headline numbers per contract: label, then ``[mean, 90 % range]`` per contract."""
    cur = res.scenario.currency
    lost = lost_words(res.scenario)
    rows = []
    for metric, label, fmt in (
        ("client_total_cost", f"Expected cost per year (IT bills + {lost})", format_money),
        ("client_cash_cost", "Expected IT bills per year (cash only)", format_money),
        ("user_downtime_hours", "Expected downtime (staff hours lost per year)", None),
    ):
        t = _per_year(res, metric)
        cells = []
        for c in pair:
            mean, lo, hi = t.loc[c, ["mean", "p5", "p95"]]
            f: Callable[[float], str] = (lambda v: format_money(v, cur)) if fmt else _hours
            cells += [f(mean), f"90 % range {f(lo)}–{f(hi)}"]
        rows.append((label, cells))
    return rows


def takeaway_text(res: ExperimentResult, pair: tuple[str, str]) -> str:
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
    ci = f"95\xa0% CI {format_money(lo, cur)} to {format_money(hi, cur)}"
    if math.isfinite(lo) and lo > 0:
        return (
            f"{B} is cheaper: about {format_money(gap, cur)} a year less than {W} ({ci}),"
            f" counting IT bills and {lost_words(res.scenario)}."
        )
    return (
        f"No clear winner: {B} is cheaper on average, by {format_money(gap, cur)} a year ({ci}),"
        f" but {W} may well be cheaper for this client."
    )


def break_even_text(
    fee: FeeEstimate, currency: str, lost: str = "staff time lost", offer: str | None = None
) -> str:
    """The break-even price in one sentence; ``offer`` is how the priced offer is shown
    (default: its name as in the scenario key)."""
    shown = fee.offer if offer is None else offer
    term = fee.term.replace("_", " ")
    price = (
        f"{shown} fee: {format_money(fee.fee, currency)} per {fee.term[len('fee_per_') :]}"
        if fee.term.startswith("fee_per_")
        else f"{shown} {term}: {format_money(fee.fee, currency)}"
    )
    basis = f"IT bills and {lost}" if fee.basis == "total" else "IT bills only"
    return (
        f"Break-even {price} per month"
        f" ({round(100 * fee.level)} % CI {format_money(fee.ci_low, currency)} to"
        f" {format_money(fee.ci_high, currency)}; {basis})."
        f" Below it {shown} costs the client less."
    )


def offer_title(scn: Scenario, name: str) -> str:
    """An offer as headings show it: ``Break-fix`` for an offer named after its model,
    else its name and model: ``essentials (Flat-rate)``."""
    shown = offer_label(scn.contracts, name)
    if shown != name:
        return shown
    return f"{name} ({contract_class(scn.contracts[name].type).label})"


def _fees(scn: Scenario) -> list[str]:
    """Every offer's price in words (``break-fix $150/h, minimum 1 h``)."""
    cur = scn.currency
    out = []
    for name in scn.contracts:
        shown = offer_label(scn.contracts, name)
        shown = shown.lower() if shown != name else name
        out.append(f"{shown} {make_contract(scn, name).price_words(cur)}")
    return out


def offer_text(scn: Scenario, offer: str | None = None) -> tuple[str, str] | None:
    """An offer in two lines: the price, then what it includes and leaves out.

    ``offer`` defaults to the first offer with a monthly fee; ``None`` when there is none.
    """
    if offer is None:
        with_fee = [n for n in scn.contracts if make_contract(scn, n).monthly_fee() > 0]
        if not with_fee:
            return None
        offer = with_fee[0]
    cur = scn.currency
    contract = make_contract(scn, offer)
    price = f"Our offer: {contract.price_words(cur, exact=True)}"
    monthly = contract.monthly_fee()
    if monthly > 0:
        price += (
            f" ({format_money(monthly, cur, exact=True)} a month for {scn.client.users}"
            f" {_plural(scn.client.users, 'user')} and {scn.device_count}"
            f" {_plural(scn.device_count, 'device')})"
        )
    yes, no = contract.inclusions(cur)
    text = f"Includes: {', '.join(yes)}." if yes else ""
    if no:
        text += f" Billed separately: {', '.join(no)}."
    return price + ".", text.strip()


_ACRONYMS = frozenset({"nas", "san", "ups", "pc", "vm", "ap", "pos", "voip", "mfp"})


def _plural(count: float, word: str) -> str:
    """``1 NAS``, ``2 NAS``, ``12 desktops``: the word as it reads after the count.

    A known acronym (``nas``, ``ups``, ``pc``) is written in capitals and never pluralised.
    """
    if word.lower() in _ACRONYMS:
        word = word.upper()
    if count == 1 or word.isupper() or word.endswith("s"):
        return word
    return f"{word}s"


def assumptions_text(res: ExperimentResult, disclaimer: str | None = None) -> str:
    scn = res.scenario
    fleet = ", ".join(f"{d.count} {_plural(d.count, d.name)}" for d in scn.fleet)
    text = (
        f"Assumptions: scenario “{scn.name}”, {cd.horizon_text(scn.horizon)};"
        f" {res.replications} simulated futures, the same ones for both contracts (run number"
        f" {res.seed}, so anyone can repeat them); {scn.client.users} users,"
        f" {scn.device_count} devices ({fleet}); staff time"
        f" valued at {format_money(scn.client.user_hour_value, scn.currency)}/h; "
        + "; ".join(_fees(scn))
        + "."
    )
    return f"{text} {disclaimer}" if disclaimer else text


# ---------------------------------------------------------------------------- charts
def chart_figure(res: ExperimentResult, name: str) -> Figure:
    """One chart of :data:`CHARTS` on its own figure (looked up in :mod:`plots` when called)."""
    draw = getattr(plots, name)
    with mpl.rc_context({"text.parse_math": False}):
        fig = Figure(figsize=_SIZES.get(name, (8.0, 5.0)), layout="constrained")
        if name == "provider_view":
            draw(res, fig=fig)
        else:
            draw(res, ax=fig.add_subplot())
    return fig


def svg_text(fig: Figure, name: str) -> str:
    """The figure as an SVG element to inline: text as text, ids unique to this chart."""
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"itmodels-{name}"}):
        fig.savefig(buf, format="svg", metadata=dict.fromkeys(_SVG_META))
    text = buf.getvalue()
    return text[text.index("<svg") :]
