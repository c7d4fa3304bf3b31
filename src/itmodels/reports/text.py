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
from itmodels.contracts import contract_class, make_contract, offer_inline, offer_label
from itmodels.contracts.base import PriceTermWords
from itmodels.experiments.decisions import FeeEstimate
from itmodels.experiments.provider import Incentives
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
    "date_text",
    "dist_text",
    "incentive_rows",
    "key_figure_rows",
    "lever_words",
    "lost_words",
    "offer_colors",
    "offer_names",
    "offer_text",
    "offer_title",
    "ordinal",
    "question_text",
    "recommended_offer",
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
    offer: str | None = None  # the offer to propose (default: the cheapest but the baseline)


def sheet_names(scn: Scenario, branding: Branding | None) -> SheetNames:
    """Branding given, else the scenario's, else the provider and client names, else defaults."""
    given = [b for b in (branding, scn.branding) if b is not None]

    def first(key: str) -> Any:
        # getattr with a default: a key a Branding may gain later (``offer``) is simply unset
        return next((v for b in given if (v := getattr(b, key, None)) is not None), None)

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
        offer=first("offer"),
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


def offer_names(res: ExperimentResult) -> list[str]:
    """The offers of the experiment, in scenario order, as plain strings."""
    return [str(c) for c in res.contracts]


def offer_colors(res: ExperimentResult) -> dict[str, str]:
    """The colour of every offer, as the charts draw it."""
    names = offer_names(res)
    return dict(plots.contract_colors(names, offers=res.scenario.contracts))


def key_figure_rows(res: ExperimentResult) -> list[tuple[str, list[tuple[str, str]]]]:
    """The headline numbers per offer: label, then ``(mean, 90 % range)`` per offer,
    offers in the order of :func:`offer_names`."""
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
        for c in offer_names(res):
            mean, lo, hi = t.loc[c, ["mean", "p5", "p95"]]
            f: Callable[[float], str] = (lambda v: format_money(v, cur)) if fmt else _hours
            cells.append((f(mean), f"90 % range {f(lo)}–{f(hi)}"))
        rows.append((label, cells))
    return rows


def recommended_offer(res: ExperimentResult, offer: str | None = None) -> str | None:
    """The offer the sheet proposes: ``offer`` when given, else the cheapest for the client
    (total cost) other than ``res.baseline``; ``None`` for a result of one offer.

    Raises
    ------
    ValueError
        If ``offer`` is not an offer of the result.
    """
    names = offer_names(res)
    if offer is not None and offer not in names:
        raise ValueError(f"offer={offer!r} is not an offer of this result; expected one of {names}")
    if offer is not None:
        return offer
    base = res.baseline
    rest = [c for c in (str(n) for n in res.ranking("client_total_cost").index) if c != base]
    return rest[0] if rest else None


def takeaway_text(res: ExperimentResult) -> str:
    """The verdict in words: which offer costs the client less per year, by how much.

    With two offers, one line comparing them with a 95 % confidence interval; with more, a
    ranking from the cheapest, each offer's gap to the one above, and which neighbours
    the simulated futures do not tell apart.
    """
    names = offer_names(res)
    if len(names) < 2:
        raise ValueError(f"a verdict compares two offers or more; this result has {names}")
    if len(names) > 2:
        return _ranking_text(res)
    a = res.baseline
    b = next(c for c in names if c != a)
    d = res.compare(a, b).loc["client_total_cost"]
    years = _years(res.scenario)
    if d["mean"] < 0:  # the savings of the cheaper one, per year: -(b - a) or (b - a)
        better, worse, keys, sign = b, a, ("mean", "ci_high", "ci_low"), -1.0
    else:
        better, worse, keys, sign = a, b, ("mean", "ci_low", "ci_high"), 1.0
    gap, lo, hi = (sign * d[k] / years for k in keys)
    cur = res.scenario.currency
    scn = res.scenario
    B, W = offer_label(scn.contracts, better), offer_inline(scn.contracts, worse)
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


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ... ``11th``, ``12th``, ``13th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def question_text(res: ExperimentResult) -> str:
    """The question the sheet answers: ``Break-fix or flat-rate?`` for two offers, else
    ``Five offers compared``."""
    names, scn = offer_names(res), res.scenario
    if len(names) == 2:
        return f"{offer_label(scn.contracts, names[0])} or {offer_inline(scn.contracts, names[1])}?"
    count = _NUMBER_WORDS.get(len(names), str(len(names)))
    return f"{count} offers compared."


_NUMBER_WORDS = {1: "One", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight"}


def _ranking_text(res: ExperimentResult) -> str:
    """``Cheapest for this client: complete; 2nd: prepaid-10h, $1,200 a year more; ...``

    Each gap is to the offer ranked just above, paired future by future; a gap whose 95 %
    interval holds zero is said to be not told apart.  When the first two are not told
    apart, the sentence opens with "No clear winner".
    """
    scn, cur = res.scenario, res.scenario.currency
    rank = res.ranking("client_total_cost")
    years = _years(scn)
    order = [str(c) for c in rank.index]
    first, second = order[0], order[1]
    row2 = rank.loc[second]
    gap2 = format_money(row2["gap"] / years, cur)
    ci2 = (
        f"95\xa0% CI {format_money(row2['gap_low'] / years, cur)} to"
        f" {format_money(row2['gap_high'] / years, cur)}"
    )
    lost = lost_words(scn)
    if row2["clear"]:
        parts = [
            f"Cheapest for this client: {offer_inline(scn.contracts, first)},"
            f" counting IT bills and {lost}",
            f"2nd: {offer_inline(scn.contracts, second)}, {gap2} a year more ({ci2})",
        ]
    else:
        parts = [
            f"No clear winner: {offer_inline(scn.contracts, first)} is cheapest on average, but"
            f" {offer_inline(scn.contracts, second)} (2nd, {gap2} a year more, {ci2})"
            f" may well be cheaper for this client",
        ]
    for i, name in enumerate(order[2:], start=3):
        row, above = rank.loc[name], f"the {ordinal(i - 1)}"
        gap = format_money(row["gap"] / years, cur)
        told = "" if row["clear"] else ", not told apart"
        parts.append(
            f"{ordinal(i)}: {offer_inline(scn.contracts, name)}, {gap} a year more than"
            f" {above}{told}"
        )
    return "; ".join(parts) + "."


def break_even_text(
    fee: FeeEstimate,
    currency: str,
    lost: str = "staff time lost",
    offer: str | None = None,
    words: PriceTermWords | None = None,
) -> str:
    """The break-even price in one sentence; ``offer`` is how the priced offer is shown
    (default: its name as in the scenario key), ``words`` how its price term reads (see
    :meth:`~itmodels.contracts.Contract.price_term_words`)."""
    shown = fee.offer if offer is None else offer
    if words is None:
        words = PriceTermWords(fee.term.replace("_", " "), "", "")
    unit = " ".join(w for w in (words.per, words.period) if w)
    price = f"{shown} {words.what}: {format_money(fee.fee, currency)}" + (
        f" {unit}" if unit else ""
    )
    basis = f"IT bills and {lost}" if fee.basis == "total" else "IT bills only"
    return (
        f"Break-even {price}"
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


def _prices(scn: Scenario) -> list[str]:
    """Every offer's price in words (``break-fix $150/h, minimum 1 h``)."""
    return [
        f"{offer_inline(scn.contracts, name)} {make_contract(scn, name).price_words(scn.currency)}"
        for name in scn.contracts
    ]


def offer_text(scn: Scenario, offer: str, named: bool = False) -> tuple[str, str]:
    """An offer in two lines: the price, then what it includes and leaves out.

    ``named``: say which offer it is (``Our offer, complete: ...``), for a sheet that
    shows several.
    """
    cur = scn.currency
    contract = make_contract(scn, offer)
    head = f"Our offer, {offer_inline(scn.contracts, offer)}" if named else "Our offer"
    price = f"{head}: {contract.price_words(cur, exact=True)}"
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
    every = "both offers" if len(res.contracts) == 2 else "every offer"
    text = (
        f"Assumptions: scenario “{scn.name}”, {cd.horizon_text(scn.horizon)};"
        f" {res.replications} simulated futures, the same ones for {every} (run number"
        f" {res.seed}, so anyone can repeat them); {scn.client.users} users,"
        f" {scn.device_count} devices ({fleet}); staff time"
        f" valued at {format_money(scn.client.user_hour_value, scn.currency)}/h; "
        + "; ".join(_prices(scn))
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


def lever_words(key: str, value: Any) -> str:
    """One lever's value in words: ``patching every 0.5mo``, ``replace desktop at age
    3.95y``, ``never replace desktop``; any other key as ``key = value``.

    Examples
    --------
    >>> lever_words("fleet.desktop.replace_at", None)
    'never replace desktop'
    >>> lever_words("contracts.complete.maintenance.preventive.every", "6mo")
    'preventive work every 6mo'
    """
    parts = key.split(".")
    if len(parts) == 5 and parts[0] == "contracts" and parts[2:5:2] == ["maintenance", "every"]:
        task = "patching" if parts[3] == "patching" else f"{parts[3]} work"
        return f"{task} every {value}" if value is not None else f"no {task}"
    if len(parts) == 3 and parts[0] == "fleet" and parts[2] == "replace_at":
        return (
            f"never replace {parts[1]}" if value is None else f"replace {parts[1]} at age {value}"
        )
    return f"{key} = {'not written' if value is None else value}"


def _signed_money(value: float, currency: str) -> str:
    """A change of money with its sign: ``+$1,200``, ``−$300``, ``$0``."""
    if math.isnan(value):
        return "n/a"
    text = format_money(value, currency)
    return f"+{text}" if value > 0 and any(c in "123456789" for c in text) else text


def incentive_rows(inc: Incentives, scenario: Scenario) -> list[list[str]]:
    """The rows of the report's incentive table: for each offer, its name, the lever
    values its provider chooses (marked ``as written`` where it keeps the scenario's), the
    provider's margin gain and the client's total-cost change against the offer as
    written, and the client's total cost against the baseline at its own provider's
    choice, each with its interval (``a to b``)."""
    cur = scenario.currency
    rows = []
    for row in inc.table.itertuples(index=False):
        name = str(row.offer)
        opt = inc.optima[name]
        written = opt.table.iloc[opt.current] if opt.current is not None else None
        best = opt.table.iloc[opt.best]
        chosen = []
        for key, value in opt.values.items():
            same = written is not None and _same(best[key], written[key])
            note = " (as written)" if same else ""
            if key in opt.at_edge:
                note += " (the end of the values tried: it may go further)"
            chosen.append(lever_words(key, value) + note)
        versus = "baseline" if name == inc.baseline else _cell(row, "vs_baseline", cur)
        rows.append(
            [
                offer_label(scenario.contracts, name),
                "; ".join(chosen) or "nothing to decide (as written)",
                _cell(row, "margin_gain", cur),
                _cell(row, "client_change", cur),
                versus,
            ]
        )
    return rows


def _same(a: Any, b: Any) -> bool:
    na = a is None or (isinstance(a, float) and math.isnan(a))
    nb = b is None or (isinstance(b, float) and math.isnan(b))
    return (na and nb) or (not na and not nb and a == b)


def _cell(row: Any, metric: str, currency: str) -> str:
    """``mean (low to high)`` in money, from a row's ``metric`` and its interval."""
    mean, lo, hi = (float(getattr(row, f"{metric}{s}")) for s in ("", "_ci_low", "_ci_high"))
    if math.isnan(mean):
        return "n/a"
    return (
        f"{_signed_money(mean, currency)} ({_signed_money(lo, currency)} to"
        f" {_signed_money(hi, currency)})"
    )
