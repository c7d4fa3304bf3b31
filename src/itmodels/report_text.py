"""What the proposal sheet and the HTML report share: names, money, wording, charts.

Everything here is computed from an :class:`~itmodels.result.ExperimentResult`; nothing is
simulated.  Text is drawn as written (``$41k`` is money, never mathtext).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib as mpl
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from itmodels import chartdata as cd
from itmodels import plots
from itmodels.decisions import FeeEstimate
from itmodels.result import ExperimentResult
from itmodels.scenario import Branding, Scenario
from itmodels.units import HOURS_PER_YEAR, format_duration

__all__ = ["CHARTS"]

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
