"""The one-line takeaways under each chart, computed from the chart's numbers.

They say plainly which offer is cheaper, including when it is the pay-per-incident one,
and when there is no clear winner; with three offers or more they rank them.  Offers are
named by the ``labels`` given (offer name to display name, see
:func:`itmodels.charts.data.display_name`).  Nothing here touches matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from itmodels.charts.data import (
    Fit,
    display_name,
    mid_sentence,
    param_label,
    param_value_text,
    pick_pair,
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
    "ordinal",
    "ranking_takeaway",
    "spend_takeaway",
    "tornado_takeaway",
]

Labels = Mapping[str, str] | None


def _label(name: str, labels: Labels) -> str:
    return (labels or {}).get(name) or display_name(name)


def _mid(name: str, labels: Labels) -> str:
    return mid_sentence(name, _label(name, labels))


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ... ``11th``, ``12th``, ``21st``.

    Examples
    --------
    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 22)]
    ['1st', '2nd', '3rd', '4th', '11th', '22nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _or_list(items: list[str], word: str = "or") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} {items[-1]}"


def ranking_takeaway(
    ranking: pd.DataFrame,
    currency: str,
    horizon: str,
    labels: Labels = None,
    what: str = "Cheapest for this client",
) -> str | None:
    """The offers from the cheapest, each with how much more it costs than the one above.

    Offers whose gap to the one above is not clear (its interval holds zero) are said to
    be too close to tell apart; when that is so at the top, no single offer is called the
    cheapest.

    Parameters
    ----------
    ranking : DataFrame
        :meth:`itmodels.ExperimentResult.ranking` (index offer, in rank order; ``mean``,
        ``gap``, ``clear``).
    currency, horizon : str
        For the text.
    labels : mapping of str to str, optional
        Display names of the offers.
    what : str
        The lead words.

    Returns
    -------
    str or None
        ``None`` with fewer than two offers.

    Examples
    --------
    >>> r = pd.DataFrame({"mean": [10e3, 12e3, 12.1e3], "gap": [np.nan, 2e3, 100.0],
    ...                   "clear": [False, True, False]}, index=["a", "b", "c"])
    >>> ranking_takeaway(r, "USD", "1 year").split("; ")
    ['Cheapest for this client over 1 year: a ($10k on average)', '2nd: b (+$2k)', \
'3rd: c (+$100, too close to tell from b)']
    """
    names = [str(n) for n in ranking.index]
    if len(names) < 2:
        return None
    money = [format_money(float(m), currency, compact=True) for m in ranking["mean"]]
    clear = [bool(c) for c in ranking["clear"]]
    top = 1
    while top < len(names) and not clear[top]:
        top += 1
    shown = [_label(n, labels) for n in names]
    if top == 1:
        lead = f"{what} over {horizon}: {shown[0]} ({money[0]} on average)"
    else:
        lead = (
            f"{what} over {horizon}: {_or_list(shown[:top])}, too close to tell apart"
            f" ({_or_list(money[:top], 'and')} on average)"
        )
    parts = [lead]
    for i in range(top, len(names)):
        gap = format_money(float(ranking["gap"].iloc[i]), currency, compact=True)
        close = "" if clear[i] else f", too close to tell from {shown[i - 1]}"
        parts.append(f"{ordinal(i + 1)}: {shown[i]} (+{gap}{close})")
    return "; ".join(parts)


# ---------------------------------------------------------------------------- takeaways
def breakdown_takeaway(
    metrics: pd.DataFrame,
    parts: pd.DataFrame,
    currency: str,
    horizon: str,
    *,
    labels: Labels = None,
    ranking: pd.DataFrame | None = None,
    baseline: str | None = None,
) -> str | None:
    """Which offer costs less in total, and how its bills and its downtime differ.

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
    labels : mapping of str to str, optional
        Display names of the offers.
    ranking : DataFrame, optional
        With three offers or more, ``res.ranking()``: the takeaway ranks the offers, then
        splits the gap between the cheapest and ``baseline`` (or, when the cheapest is the
        baseline, the runner-up).
    baseline : str, optional
        The offer others are compared against.
    """
    names = [str(n) for n in parts.index]
    totals = metrics.pivot(index="replication", columns="contract", values="client_total_cost")
    totals.columns = totals.columns.astype(str)
    if len(names) > 2 and ranking is not None:
        order = [str(n) for n in ranking.index]
        head = ranking_takeaway(ranking, currency, horizon, labels)
        against = baseline if baseline in names and baseline != order[0] else order[1]
        v = verdict(totals, order[0], against)
        better, worse = order[0], against
        lead = f"{head}. Against {_label(worse, labels)}, {_label(better, labels)}:"
    else:
        pair = pick_pair(names, baseline=baseline) if len(names) == 2 else None
        if pair is None:
            return None
        v = verdict(totals, *pair)
        better, worse = v.better, v.worse
        lead = v.cost_sentence(currency, horizon, labels=labels) + f"; {_mid(better, labels)}"
    diff = parts.loc[better] - parts.loc[worse]
    lost = float(diff.get("downtime_cost", 0.0))
    bills = float(diff.sum()) - lost
    gap = abs(float(diff.sum()))
    shown, step = money_step(gap)
    split = split_rounded([bills, lost], step, -shown)
    words = [f"bills {_signed_part(split[0], currency, step)}"]
    if "downtime_cost" in diff:
        words.append(f"downtime {_signed_part(split[1], currency, step)}")
    return lead + " " + ", ".join(words)


def _signed_part(amount: float, currency: str, step: float) -> str:
    return "about the same" if amount == 0 else signed_money(amount, currency, step)


def spend_takeaway(spread: pd.DataFrame, currency: str, labels: Labels = None) -> str | None:
    """Which offer's monthly bill is steadier (narrower 5th-95th percentile range).

    With three offers or more: the steadiest and the least steady bill, and the offer
    lowest on average when that is not the steadiest.

    Parameters
    ----------
    spread : DataFrame
        :func:`monthly_spread` of the experiment.
    labels : mapping of str to str, optional
        Display names of the offers.
    """
    names = [str(n) for n in spread.index]
    if len(names) < 2:
        return None
    width = {c: spread.loc[c, "p95"] - spread.loc[c, "p5"] for c in names}
    rng = {c: money_range(spread.loc[c, "p5"], spread.loc[c, "p95"], currency) for c in names}
    mean = spread["mean"]
    by_width = sorted(names, key=lambda c: width[c])
    if len(names) > 2:
        steady, wild = by_width[0], by_width[-1]
        text = (
            f"Steadiest bill under {_mid(steady, labels)}: 9 months in 10 cost {rng[steady]};"
            f" least steady under {_mid(wild, labels)}: {rng[wild]}"
        )
        cheap = str(mean.idxmin())
        if cheap != steady and mean[steady] > 1.05 * mean[cheap]:
            text += (
                f"; {_mid(cheap, labels)} is lowest on average"
                f" ({format_money(mean[cheap], currency, compact=True)} a month)"
            )
        return text
    steady, other = by_width
    if width[other] > 1.1 * width[steady]:
        lead = f"{_label(steady, labels)} bills are steadier"
    else:
        lead = "Both bills vary about as much"
    text = (
        f"{lead}: 9 months in 10 cost {rng[steady]} under {_mid(steady, labels)},"
        f" {rng[other]} under {_mid(other, labels)}"
    )
    if mean[steady] > 1.05 * mean[other]:
        text += (
            f"; {_mid(other, labels)} is lower on average"
            f" ({format_money(mean[other], currency, compact=True)} a month against"
            f" {format_money(mean[steady], currency, compact=True)})"
        )
    return text


def downtime_takeaway(per_year: pd.DataFrame, labels: Labels = None) -> str | None:
    """Under which offer staff lose less working time, in hours and working days.

    With three offers or more: the offer with the least and the most time lost, and
    whether the least can be told from the next.

    Parameters
    ----------
    per_year : DataFrame
        Staff hours lost per year: index replication, a column per offer.
    labels : mapping of str to str, optional
        Display names of the offers.
    """
    names = [str(n) for n in per_year.columns]
    if len(names) < 2:
        return None
    if len(names) > 2:
        means = per_year.mean()
        order = sorted(names, key=lambda c: (float(means[c]), c))
        least, most = order[0], order[-1]
        same = [c for c in order if np.allclose(per_year[c], per_year[least], equal_nan=True)]
        who = _or_list([_mid(c, labels) for c in same], "and")
        each = ", the same under each" if len(same) > 1 else ""
        text = (
            f"Staff lose least time under {who} ({means[least]:,.0f} hours a year{each}),"
            f" most under {_mid(most, labels)} ({means[most]:,.0f} hours)"
        )
        if len(same) == len(order):
            return f"Staff lose the same time under every offer ({means[least]:,.0f} hours a year)"
        v = verdict(per_year, order[0], order[len(same)])
        if len(same) == 1 and not v.clear:
            text += (
                f"; {_mid(order[0], labels)} and {_mid(order[1], labels)} cannot be told"
                f" apart ({_mid(v.better, labels)} lower in {v.wins} of {v.n} futures)"
            )
        return text
    v = verdict(per_year, *names)
    better = _mid(v.better, labels)
    if not v.clear:
        return (
            f"No clear difference: staff lose less time under {better} in only {v.wins}"
            f" of {v.n} simulated futures"
        )
    return (
        f"Staff lose {v.gap:,.0f} fewer working hours a year under {better} (about"
        f" {v.gap / 8:,.0f} eight-hour days), fewer in {v.wins} of {v.n} simulated futures"
    )


def margin_takeaway(means: pd.DataFrame, currency: str, labels: Labels = None) -> str:
    """The provider's margin per offer, in money and as a share of revenue."""
    parts = []
    for contract, row in means.iterrows():
        share = (
            f" ({percent_text(row['margin_share'])})" if np.isfinite(row["margin_share"]) else ""
        )
        margin = format_money(row["margin"], currency, compact=True)
        parts.append(f"{_mid(str(contract), labels)} {margin}{share}")
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


def incentive_takeaway(phrases: dict[str, str], labels: Labels = None) -> str:
    """'For each staff hour lost, provider revenue rises $20 under break-fix and ...'."""
    items = [f"{p} under {_mid(c, labels)}" for c, p in phrases.items()]
    joined = " and ".join(items) if len(items) < 3 else ", ".join(items)
    return f"For each staff hour lost, provider revenue {joined}"


def _saves(diff: float, currency: str, baseline: str, other: str) -> str:
    """Words for a paired difference ``other - baseline`` of a cost."""
    if diff == 0:
        return "both cost the same"
    who = other if diff < 0 else baseline
    return f"{who} saves {format_money(abs(diff), currency, compact=True)}"


def tornado_takeaway(
    table: pd.DataFrame,
    currency: str,
    difference: bool = True,
    names: tuple[str, str] = ("the baseline", "the other offer"),
) -> str | None:
    """The base case and the parameter that moves the result most.

    Parameters
    ----------
    table : DataFrame
        :func:`itmodels.sensitivity` output, largest effect first.
    difference : bool
        Whether the result is the paired cost difference ``other - baseline``.
    names : tuple of str
        How the baseline and the other offer are called in a sentence.
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
    base = _saves(float(top["base"]), currency, *names)
    return (
        f"Base case: {base}. {name} matters most:"
        f" at {lo}, {_saves(top['low'], currency, *names)};"
        f" at {hi}, {_saves(top['high'], currency, *names)}"
    )


def map_takeaway(
    grid: pd.DataFrame,
    cheaper: bool = True,
    names: tuple[str, str] = ("The baseline", "The other offer"),
) -> str:
    """How many grid points favour the other offer, from :func:`paired_grid`.

    ``names`` are the display names of the baseline and the other offer.
    """
    baseline, other = names
    z = grid.to_numpy(dtype=float)
    n, n_other = int(np.isfinite(z).sum()), int((z < 0).sum())
    better = "cheaper" if cheaper else "lower"
    if n_other == n:
        return f"{other} is {better} at every combination tried ({n})"
    if n_other == 0:
        return f"{baseline} is {better} (or equal) at every combination tried ({n})"
    return (
        f"{other} is {better} at {n_other} of {n} combinations tried;"
        " the black line marks break-even"
    )
