"""The one-line takeaways under each chart, computed from the chart's numbers.

They say plainly which contract is cheaper, including when it is break-fix, and when there
is no clear winner.  Nothing here touches matplotlib.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from itmodels.charts.data import (
    Fit,
    display_name,
    main_pair,
    param_label,
    param_value_text,
    verdict,
)
from itmodels.money.formatting import (
    format_money,
    money_range,
    money_step,
    percent_text,
    signed_money,
    split_rounded,
)

__all__ = [
    "breakdown_takeaway",
    "downtime_takeaway",
    "incentive_phrase",
    "incentive_takeaway",
    "map_takeaway",
    "margin_takeaway",
    "spend_takeaway",
    "tornado_takeaway",
]


# ---------------------------------------------------------------------------- takeaways
def breakdown_takeaway(
    metrics: pd.DataFrame,
    parts: pd.DataFrame,
    currency: str,
    horizon: str,
) -> str | None:
    """Which contract costs less in total, and how its bills and its downtime differ.

    The difference is split into the bills (every part but ``downtime_cost``) and the
    downtime, each signed as the cheaper contract minus the dearer one; the parts are
    rounded to the step the gap is shown to, so that they add up to the gap exactly
    ("flat-rate bills +$17k, downtime −$138k" for a gap of $121k).

    Parameters
    ----------
    metrics : DataFrame
        ``res.metrics``.
    parts : DataFrame
        :func:`cost_components` of the same experiment.
    currency, horizon : str
        For the text.
    """
    pair = main_pair(list(parts.index))
    if pair is None:
        return None
    totals = metrics.pivot(index="replication", columns="contract", values="client_total_cost")
    totals.columns = totals.columns.astype(str)
    v = verdict(totals, *pair)
    text = v.cost_sentence(currency, horizon)
    diff = parts.loc[v.better] - parts.loc[v.worse]
    lost = float(diff.get("downtime_cost", 0.0))
    bills = float(diff.sum()) - lost
    shown, step = money_step(v.gap)
    split = split_rounded([bills, lost], step, -shown)
    words = [f"bills {_signed_part(split[0], currency, step)}"]
    if "downtime_cost" in diff:
        words.append(f"downtime {_signed_part(split[1], currency, step)}")
    return text + f"; {display_name(v.better).lower()} " + ", ".join(words)


def _signed_part(amount: float, currency: str, step: float) -> str:
    return "about the same" if amount == 0 else signed_money(amount, currency, step)


def spend_takeaway(spread: pd.DataFrame, currency: str) -> str | None:
    """Which contract's monthly bill is steadier (narrower 5th-95th percentile range).

    Parameters
    ----------
    spread : DataFrame
        :func:`monthly_spread` of the experiment.
    """
    pair = main_pair(list(spread.index))
    if pair is None:
        return None
    width = {c: spread.loc[c, "p95"] - spread.loc[c, "p5"] for c in pair}
    steady, other = sorted(pair, key=lambda c: width[c])
    rng = {c: money_range(spread.loc[c, "p5"], spread.loc[c, "p95"], currency) for c in pair}
    if width[other] > 1.1 * width[steady]:
        lead = f"{display_name(steady)} bills are steadier"
    else:
        lead = "Both bills vary about as much"
    text = (
        f"{lead}: 9 months in 10 cost {rng[steady]} under {display_name(steady).lower()},"
        f" {rng[other]} under {display_name(other).lower()}"
    )
    mean = spread["mean"]
    if mean[steady] > 1.05 * mean[other]:
        text += (
            f"; {display_name(other).lower()} is lower on average"
            f" ({format_money(mean[other], currency, compact=True)} a month against"
            f" {format_money(mean[steady], currency, compact=True)})"
        )
    return text


def downtime_takeaway(per_year: pd.DataFrame) -> str | None:
    """Under which contract staff lose less working time, in hours and working days.

    Parameters
    ----------
    per_year : DataFrame
        Staff hours lost per year: index replication, a column per contract.
    """
    pair = main_pair(list(per_year.columns))
    if pair is None:
        return None
    v = verdict(per_year, *pair)
    better = display_name(v.better).lower()
    if not v.clear:
        return (
            f"No clear difference: staff lose less time under {better} in only {v.wins}"
            f" of {v.n} simulated futures"
        )
    return (
        f"Staff lose {v.gap:,.0f} fewer working hours a year under {better} (about"
        f" {v.gap / 8:,.0f} eight-hour days), fewer in {v.wins} of {v.n} simulated futures"
    )


def margin_takeaway(means: pd.DataFrame, currency: str) -> str:
    """The provider's margin per contract, in money and as a share of revenue."""
    parts = []
    for contract, row in means.iterrows():
        share = (
            f" ({percent_text(row['margin_share'])})" if np.isfinite(row["margin_share"]) else ""
        )
        margin = format_money(row["margin"], currency, compact=True)
        parts.append(f"{display_name(str(contract)).lower()} {margin}{share}")
    return "Provider margin over the contract: " + ", ".join(parts)


def incentive_phrase(fit: Fit | None, x: np.ndarray, y: np.ndarray, currency: str) -> str:
    """How revenue moves per hour lost: 'rises $20', 'falls $3' or 'barely changes'.

    A slope counts only if it is significant (p < 0.05) and moves revenue by at least
    2 % of its mean across the range of downtime seen.
    """
    if fit is None:
        return "cannot be told (downtime does not vary)"
    moves = abs(fit.slope) * float(np.ptp(x))
    if not fit.p_value < 0.05 or moves < 0.02 * abs(float(np.mean(y))):
        return "barely changes"
    verb = "rises" if fit.slope > 0 else "falls"
    return f"{verb} {format_money(abs(fit.slope), currency, compact=True)}"


def incentive_takeaway(phrases: dict[str, str]) -> str:
    """'For each staff hour lost, provider revenue rises $20 under break-fix and ...'."""
    items = [f"{p} under {display_name(c).lower()}" for c, p in phrases.items()]
    joined = " and ".join(items) if len(items) < 3 else ", ".join(items)
    return f"For each staff hour lost, provider revenue {joined}"


def _saves(diff: float, currency: str) -> str:
    """Words for a paired difference flat-rate − break-fix of a cost."""
    if diff == 0:
        return "both cost the same"
    who = "flat-rate" if diff < 0 else "break-fix"
    return f"{who} saves {format_money(abs(diff), currency, compact=True)}"


def tornado_takeaway(table: pd.DataFrame, currency: str, difference: bool = True) -> str | None:
    """The base case and the parameter that moves the result most.

    Parameters
    ----------
    table : DataFrame
        :func:`itmodels.sensitivity` output, largest effect first.
    difference : bool
        Whether the result is the paired cost difference flat-rate − break-fix.
    """
    if table.empty:
        return None
    top = table.iloc[0]
    name = param_label(top["param"])
    lo = param_value_text(top["param"], top["low_value"], currency)
    hi = param_value_text(top["param"], top["high_value"], currency)
    if not difference:
        return (
            f"{name} matters most: from {lo} to {hi} the result goes from"
            f" {format_money(top['low'], currency, compact=True)}"
            f" to {format_money(top['high'], currency, compact=True)}"
        )
    base = _saves(float(top["base"]), currency)
    return (
        f"Base case: {base}. {name} matters most: at {lo}, {_saves(top['low'], currency)};"
        f" at {hi}, {_saves(top['high'], currency)}"
    )


def map_takeaway(grid: pd.DataFrame, cheaper: bool = True) -> str:
    """How many grid points favour flat-rate, from :func:`paired_grid`."""
    z = grid.to_numpy(dtype=float)
    n, n_flat = int(np.isfinite(z).sum()), int((z < 0).sum())
    better = "cheaper" if cheaper else "lower"
    if n_flat == n:
        return f"Flat-rate is {better} at every combination tried ({n})"
    if n_flat == 0:
        return f"Break-fix is {better} (or equal) at every combination tried ({n})"
    return (
        f"Flat-rate is {better} at {n_flat} of {n} combinations tried;"
        " the black line marks break-even"
    )
