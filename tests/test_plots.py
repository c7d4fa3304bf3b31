"""Charts: assertions on the drawn objects (lines, bars, colours, labels, texts), not images."""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

import itmodels as itm
from itmodels.charts import data as cd
from itmodels.charts import plots
from itmodels.charts import takeaways as tk
from itmodels.charts.plots import PlotAccessor
from itmodels.charts.takeaways import ordinal
from itmodels.contracts import contract_class
from itmodels.experiments.metrics import METRICS, MONTHLY_MONEY
from itmodels.money.formatting import (
    currency_unit,
    format_money,
    money_range,
    money_step,
    number_text,
    percent_text,
    signed_money,
    split_rounded,
)

REPS = 6
#: the shipped scenarios' two offers are named after their models and take their colours
CONTRACT_COLORS = {name: contract_class(name).color for name in ("break_fix", "flat_rate")}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scn() -> itm.Scenario:
    return itm.load_scenario("small-office").override({"horizon": "6mo"})


@pytest.fixture(scope="module")
def res(scn: itm.Scenario) -> itm.ExperimentResult:
    return itm.run_experiment(scn, REPS, seed=11, progress=False)


@pytest.fixture(scope="module")
def dear(scn: itm.Scenario) -> itm.ExperimentResult:
    """Flat-rate at a fee no client would pay: break-fix is cheaper."""
    high = scn.override({"contracts.flat_rate.fee_per_device": 2000})
    return itm.run_experiment(high, REPS, seed=11, progress=False)


def synthetic(scn: itm.Scenario, bf: list[float], fr: list[float], reps: int = 3):
    """A result whose monthly cash per contract is given; no downtime, no other money."""
    rows, metrics = [], []
    for contract, cash in (("break_fix", bf), ("flat_rate", fr)):
        for r in range(reps):
            for m, c in enumerate(cash):
                row = dict.fromkeys(MONTHLY_MONEY, 0.0)
                row.update(fee=c, client_cash=c, provider_revenue=c)
                rows.append(
                    {
                        "contract": contract,
                        "replication": r,
                        "month": m,
                        **row,
                        "downtime_cost": 0.0,
                    }
                )
            total = float(sum(cash))
            values = dict.fromkeys(METRICS, 0.0)
            values.update(client_cash_cost=total, client_total_cost=total, provider_revenue=total)
            metrics.append({"contract": contract, "replication": r, **values})
    contracts = ("break_fix", "flat_rate")
    return itm.ExperimentResult.from_frames(
        scn, 0, contracts, pd.DataFrame(metrics), pd.DataFrame(rows)
    )


def takeaway(ax) -> str:
    found = [t.get_text() for t in ax.texts if t.get_gid() == "takeaway"]
    assert len(found) == 1
    return found[0].replace("\n", " ")


def mean_lines(ax) -> list:
    return [line for line in ax.lines if not line.get_label().startswith("_")]


def hexes(artist_colors) -> list[str]:
    return [to_hex(c, keep_alpha=False) for c in artist_colors]


def check_labels(ax, unit: str = "$") -> None:
    assert ax.get_title(loc="left")
    assert ax.get_xlabel() and ax.get_ylabel()
    assert unit in ax.get_xlabel() + ax.get_ylabel()


def drawn_without_warnings(fig) -> None:
    """Draw and save: under filterwarnings=error any layout or glyph warning fails."""
    fig.canvas.draw()
    fig.savefig(io.BytesIO(), format="png")


# ---------------------------------------------------------------------------- text and colours
def test_contract_colours_fixed_and_fallback_distinct():
    colors = plots.contract_colors(["flat_rate", "zeta", "break_fix", "alpha"])
    assert colors["flat_rate"] == CONTRACT_COLORS["flat_rate"]
    assert colors["break_fix"] == CONTRACT_COLORS["break_fix"]
    assert len(set(colors.values())) == 4
    assert plots.contract_colors(["alpha"])["alpha"] == colors["alpha"]


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (12_000, "USD", "$12k"),
        (12_000, "EUR", "€12k"),
        (12_000, "GBP", "£12k"),
        (12_000, "JPY", "¥12k"),
        (12_000, "CHF", "CHF\xa012k"),
        (-41_234, "USD", "−$41k"),
        (850, "USD", "$850"),
        (999.7, "USD", "$1k"),
        (1_250_000, "USD", "$1.2M"),
        (0, "USD", "$0"),
    ],
)
def test_format_money(amount, currency, text):
    assert format_money(amount, currency, compact=True) == text


def test_money_range_uses_the_currencys_own_symbol():
    assert money_range(3000, 3200, "GBP") == "£3k–£3.2k"
    assert currency_unit("JPY") == "¥"
    assert money_range(975, 1300) == "$975–$1.3k"


def test_monthly_spend_takeaway_says_when_the_steadier_bill_is_dearer(dear):
    text = takeaway(plots.monthly_spend(dear))
    assert text.startswith("Flat-rate bills are steadier")
    assert "break-fix is lower on average" in text


def test_display_names_and_parameter_labels():
    assert cd.display_name("break_fix") == "Break-fix"
    assert cd.display_name("flat_rate") == "Flat-rate"
    assert cd.param_label("contracts.flat_rate.fee_per_device") == "Flat-rate fee per device"
    assert cd.param_label("client.users") == "Number of users"
    assert cd.param_value_text("contracts.break_fix.hourly_rate.onsite", 150) == "$150"
    assert cd.horizon_text(4383.0) == "6 months"


def test_verdict_says_when_there_is_no_clear_winner():
    v = cd.verdict(pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 4.0, 3.0]}), "a", "b")
    assert v.cost_sentence("USD", "1 year").startswith("No clear winner")


# ---------------------------------------------------------------------------- cumulative cost
def test_cumulative_cost_lines_band_labels(res):
    fig, ax = plt.subplots()
    assert plots.cumulative_cost(res, ax=ax) is ax
    lines = mean_lines(ax)
    assert [line.get_label() for line in lines] == ["Break-fix", "Flat-rate"]
    assert hexes(line.get_color() for line in lines) == [
        CONTRACT_COLORS["break_fix"],
        CONTRACT_COLORS["flat_rate"],
    ]
    assert len(ax.collections) == 2  # one band per contract
    total = res.monthly.assign(c=res.monthly["client_cash"] + res.monthly["downtime_cost"])
    for line, contract in zip(lines, ["break_fix", "flat_rate"], strict=True):
        part = total[total["contract"] == contract]
        paths = part.pivot(index="replication", columns="month", values="c").cumsum(axis=1)
        expected = np.r_[0.0, paths.mean().to_numpy()]
        np.testing.assert_allclose(line.get_ydata(), expected)
    check_labels(ax)
    assert "Months" in ax.get_xlabel()
    assert "simulated futures" in takeaway(ax)
    drawn_without_warnings(fig)


def test_cumulative_cost_marks_a_crossing_when_lines_cross(scn):
    # flat-rate pays 100 a month; break-fix nothing at first, then 400 a month: it overtakes
    crossing = synthetic(scn, bf=[0, 0, 400, 400, 400, 400], fr=[100] * 6)
    ax = plots.cumulative_cost(crossing)
    marks = [line for line in ax.lines if line.get_gid() == "crossing"]
    assert len(marks) == 1
    np.testing.assert_allclose(marks[0].get_xdata(), [2 + 2 / 3])  # -200 at 2, +100 at 3
    notes = [t.get_text() for t in ax.texts if t.get_gid() == "crossing-label"]
    assert notes == ["Flat-rate is cheaper\nfrom month 3 on"]


def test_cumulative_cost_no_crossing_mark_when_lines_do_not_cross(scn):
    apart = synthetic(scn, bf=[50] * 6, fr=[100] * 6)
    ax = plots.cumulative_cost(apart)
    assert not [line for line in ax.lines if line.get_gid() == "crossing"]
    assert not [t for t in ax.texts if t.get_gid() == "crossing-label"]
    assert takeaway(ax).startswith("Break-fix costs $300 less over 6 months")


def test_cumulative_cost_cash_only_and_band_checked(res):
    ax = plots.cumulative_cost(res, include_downtime=False)
    final = mean_lines(ax)[0].get_ydata()[-1]
    bf = res.metrics[res.metrics["contract"] == "break_fix"]["client_cash_cost"].mean()
    assert final == pytest.approx(bf)
    assert "bills" in ax.get_ylabel()
    with pytest.raises(ValueError, match="band"):
        plots.cumulative_cost(res, band=1.5)


def test_takeaway_says_break_fix_is_cheaper_when_it_is(dear):
    diff = dear.compare().loc["client_total_cost", "mean"]
    assert diff > 0  # the premise: flat-rate costs more
    for chart in (plots.cumulative_cost, plots.cost_breakdown):
        text = takeaway(chart(dear))
        assert text.startswith("Break-fix costs $"), text
        assert "Flat-rate costs" not in text


# ---------------------------------------------------------------------------- the other charts
def test_monthly_spend_boxes_and_worst_month(res):
    fig, ax = plt.subplots()
    assert plots.monthly_spend(res, ax=ax) is ax
    boxes = [p for p in ax.patches if type(p).__name__ == "PathPatch"]
    assert hexes(b.get_edgecolor() for b in boxes) == [
        CONTRACT_COLORS["break_fix"],
        CONTRACT_COLORS["flat_rate"],
    ]
    worst = next(c for c in ax.collections if c.get_gid() == "worst-month")
    expected = res.monthly.groupby("contract", observed=True)["client_cash"].max()
    np.testing.assert_allclose(worst.get_offsets()[:, 1], expected.loc[["break_fix", "flat_rate"]])
    p95 = np.percentile(res.monthly.loc[res.monthly["contract"] == "flat_rate", "client_cash"], 95)
    assert any(f"above {format_money(p95, compact=True)}" in t.get_text() for t in ax.texts)
    assert "$" in ax.get_ylabel()
    assert "9 months in 10" in takeaway(ax)
    drawn_without_warnings(fig)


def test_cost_breakdown_bar_heights_are_the_means(res):
    fig, ax = plt.subplots()
    assert plots.cost_breakdown(res, ax=ax) is ax
    sums = res.monthly.groupby(["contract", "replication"], observed=True).sum(numeric_only=True)
    means = sums.groupby(level="contract", observed=True).mean().loc[["break_fix", "flat_rate"]]
    stacked = np.zeros(2)
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert bars
    revenue = res.scenario.client.revenue_per_hour_down
    labels = {label: part for part, label in cd.cost_part_labels(revenue).items()}
    for container in bars:
        part = labels[container.get_label()]
        heights = np.array([b.get_height() for b in container])
        sign = -1.0 if part == "sla_credit" else 1.0
        np.testing.assert_allclose(heights, sign * means[part].to_numpy(), atol=1e-9)
        stacked += heights
    totals = res.metrics.groupby("contract", observed=True)["client_total_cost"].mean()
    np.testing.assert_allclose(stacked, totals.loc[["break_fix", "flat_rate"]], rtol=1e-9)
    shown = sorted(t.get_text() for t in ax.texts if t.get_gid() == "total")
    assert shown == sorted(f"Total {format_money(v, compact=True)}" for v in totals)
    assert "fee" in means and "Monthly fees" in [c.get_label() for c in bars]
    check_labels(ax)
    drawn_without_warnings(fig)


MONEY = re.compile(r"([+−±-]?)\$([\d.,]+)([kMB]?)")


def money_value(text: str) -> float:
    """The amount of the first ``$`` figure in ``text`` (``−$1.2k`` -> -1200)."""
    sign, digits, suffix = MONEY.search(text).groups()
    scale = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9}[suffix]
    return (-1.0 if sign == "−" else 1.0) * float(digits.replace(",", "")) * scale


def stated_split(text: str) -> tuple[float, dict[str, float]]:
    """The gap and the signed parts a cost-breakdown takeaway states."""
    gap = re.search(r"costs (\$[\d.,]+[kMB]?) less|average gap (\$[\d.,]+[kMB]?)", text)
    assert gap, text
    stated = re.search(r"; \S+ bills (.+)$", text)
    assert stated, text
    parts = {}
    for item in ("bills " + stated.group(1)).split(", "):
        name, _, amount = item.partition(" ")
        parts[name] = 0.0 if amount == "about the same" else money_value(amount)
    return money_value(gap.group(1) or gap.group(2)), parts


@pytest.mark.parametrize("which", ["res", "dear"])
def test_cost_breakdown_takeaway_splits_the_gap_into_signed_parts(which, request):
    result = request.getfixturevalue(which)
    text = takeaway(plots.cost_breakdown(result))
    assert "of the gap" not in text
    assert "-$" not in text and "+−" not in text  # one minus sign: U+2212
    gap, parts = stated_split(text)
    assert set(parts) == {"bills", "downtime"}
    comps = cd.cost_components(result.monthly)
    totals = comps.sum(axis=1)
    better = totals.idxmin()
    worse = totals.idxmax()
    assert text.startswith(cd.display_name(better))
    diff = comps.loc[better] - comps.loc[worse]
    true = {"bills": diff.drop("downtime_cost").sum(), "downtime": diff["downtime_cost"]}
    _, step = money_step(gap)
    assert sum(parts.values()) == pytest.approx(-gap, abs=1e-6)  # they add up to the gap
    for name, value in parts.items():  # each within one rounding step of the true part
        assert abs(value - true[name]) <= step, (name, value, true[name])
    assert np.sign(parts["downtime"]) == np.sign(true["downtime"])


def test_split_rounded_adds_up_and_signed_money_shows_the_sign():
    # the example: a $121k gap of +$16.6k bills and −$137.8k downtime
    assert split_rounded([16_600.0, -137_800.0], 1000.0, -121_000.0) == [17_000, -138_000]
    parts = [0.4, 0.4, 0.4, -3.7]
    rounded = split_rounded(parts, 1.0, -3.0)
    assert sum(rounded) == -3.0 and all(abs(a - b) < 1 for a, b in zip(rounded, parts, strict=True))
    assert signed_money(17_000, "USD", 1000) == "+$17k"
    assert signed_money(-137_000, "EUR", 1000) == "−€137k"
    assert signed_money(-2_700, "USD", 100) == "−$2.7k"
    assert signed_money(1_234_000, "USD", 1000) == "+$1.234M"


def test_downtime_per_year(res, scn):
    fig, ax = plt.subplots()
    assert plots.downtime(res, ax=ax) is ax
    dots = [c for c in ax.collections if len(c.get_offsets()) == REPS]
    assert len(dots) == 2
    years = scn.horizon / 8766
    for dot, contract in zip(dots, ["break_fix", "flat_rate"], strict=True):
        expected = res.metrics.loc[res.metrics["contract"] == contract, "user_downtime_hours"]
        np.testing.assert_allclose(dot.get_offsets()[:, 1], expected / years)
        assert hexes(dot.get_facecolor()) == [CONTRACT_COLORS[contract]]
    assert "per year" in ax.get_ylabel() and "hours" in ax.get_ylabel()
    assert ax.get_title(loc="left")
    drawn_without_warnings(fig)


def test_provider_view_bars_fits_and_given_figure(res):
    fig = plt.figure(figsize=(12, 5))
    assert plots.provider_view(res, fig=fig) is fig
    ax_bar, ax_dot = fig.axes
    means = res.metrics.groupby("contract", observed=True)[
        ["provider_revenue", "provider_cost", "provider_margin"]
    ].mean()
    for container in ax_bar.containers:
        contract = {"Break-fix": "break_fix", "Flat-rate": "flat_rate"}[container.get_label()]
        heights = [b.get_height() for b in container]
        np.testing.assert_allclose(heights, means.loc[contract].to_numpy())
        assert hexes(b.get_facecolor() for b in container) == [CONTRACT_COLORS[contract]] * 3
        share = means.loc[contract, "provider_margin"] / means.loc[contract, "provider_revenue"]
        assert any(f"({percent_text(share)})" in t.get_text() for t in ax_bar.texts)
    fits = {line.get_gid(): line for line in ax_dot.lines}
    for contract in ("break_fix", "flat_rate"):
        assert hexes([fits[contract].get_color()]) == [CONTRACT_COLORS[contract]]
        part = res.metrics[res.metrics["contract"] == contract]
        slope = np.polyfit(part["user_downtime_hours"], part["provider_revenue"], 1)[0]
        xs, ys = fits[contract].get_data()
        assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(slope)
    for ax in (ax_bar, ax_dot):
        check_labels(ax)
    assert "provider revenue" in takeaway(ax_dot)
    drawn_without_warnings(fig)


def test_charts_with_one_contract_have_no_comparison(scn):
    alone = itm.run_experiment(scn, 3, seed=1, contracts=("flat_rate",), progress=False)
    for chart in (plots.cumulative_cost, plots.monthly_spend, plots.cost_breakdown, plots.downtime):
        ax = chart(alone)
        assert not [t for t in ax.texts if t.get_gid() == "takeaway"]
        assert ax.get_title(loc="left")
    plots.provider_view(alone)


# ---------------------------------------------------------------------------- decision charts
@pytest.fixture
def sensitivity_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "param": ["client.users", "contracts.flat_rate.fee_per_device"],
            "base_value": [10, 65.0],
            "low_value": [8, 52.0],
            "high_value": [12, 78.0],
            "base": [-5000.0, -5000.0],
            "low": [-3000.0, -9000.0],
            "high": [-8000.0, 2000.0],
            "effect": [-5000.0, 11000.0],
        }
    )


def test_tornado_sorted_readable_and_values_shown(sensitivity_table):
    fig, ax = plt.subplots(figsize=(9, 4))
    out = plots.tornado(
        sensitivity_table, ax=ax, currency="EUR", baseline="break_fix", other="flat_rate"
    )
    assert out is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    order = np.argsort([t.get_position()[1] for t in ax.get_yticklabels()])[::-1]
    assert [labels[i] for i in order] == ["Flat-rate fee per device", "Number of users"]
    low, high = ax.containers
    assert "lower" in low.get_label() and "higher" in high.get_label()
    by_y = {round(b.get_y() + b.get_height() / 2): b.get_width() for b in high}
    assert by_y == {1: 7000.0, 0: -3000.0}  # fee on top: 2000 - (-5000); users: -8000 - (-5000)
    texts = [t.get_text() for t in ax.texts]
    assert {"€52", "€78", "8", "12"} <= set(texts)
    assert "€" in ax.get_xlabel()
    assert takeaway(ax).startswith("Base case: flat-rate saves €5k. Flat-rate fee per device")
    favours = {t.get_text(): to_hex(t.get_color()) for t in ax.texts if t.get_gid() == "favours"}
    assert favours == {
        "← favours Flat-rate": CONTRACT_COLORS["flat_rate"],
        "favours Break-fix →": CONTRACT_COLORS["break_fix"],
    }
    drawn_without_warnings(fig)


@pytest.mark.parametrize("rows", [1, 2, 6])
def test_tornado_legend_clears_the_axis_label(sensitivity_table, rows):
    table = pd.concat([sensitivity_table] * 3, ignore_index=True).iloc[:rows]
    table["param"] = [f"client.p{i}" for i in range(rows)]
    ax = plots.tornado(table)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    label = ax.xaxis.label.get_window_extent(renderer)
    ticks = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    assert not legend.overlaps(label), (legend, label)
    assert legend.y1 <= label.y0  # below the label, not beside it
    assert not any(legend.overlaps(t) for t in ticks)
    assert fig.bbox.contains(legend.x0, legend.y0) and fig.bbox.contains(legend.x1, legend.y1)


def test_money_keys_are_money_and_rates_of_events_are_not():
    assert cd.is_money_key("contracts.break_fix.hourly_rate.onsite")
    assert cd.is_money_key("contracts.flat_rate.onsite_hourly_rate")
    assert cd.is_money_key("client.revenue_per_hour_down")
    assert cd.is_money_key("fleet.desktop.parts_cost.median")
    for key in (
        "incident_streams.security.rate",
        "incident_streams.user-problems.rate",
        "fleet.pos.revenue_share",
        "contracts.break_fix.parts_markup",
        "contracts.flat_rate.sla.credit_cap",
        "fleet.desktop.parts_cost.sigma",
    ):
        assert not cd.is_money_key(key), key
    assert cd.param_value_text("incident_streams.security.rate", 0.03) == "0.03"
    assert cd.param_value_text("fleet.desktop.parts_cost.median", 120) == "$120"


def sweep_table(diffs: dict[tuple[float, int], list[float]]) -> pd.DataFrame:
    rows = []
    for (fee, users), values in diffs.items():
        for r, d in enumerate(values):
            for contract, cost in (("break_fix", 1000.0), ("flat_rate", 1000.0 + d)):
                rows.append(
                    {
                        "contracts.flat_rate.fee_per_device": fee,
                        "client.users": users,
                        "contract": contract,
                        "replication": r,
                        "client_total_cost": cost,
                    }
                )
    return pd.DataFrame(rows)


def test_break_even_map_values_and_zero_contour():
    diffs = {
        (40.0, 5): [-300, -100],
        (80.0, 5): [100, 300],
        (40.0, 10): [-500, -300],
        (80.0, 10): [-50, 150],
    }
    fig, ax = plt.subplots()
    out = plots.break_even_map(
        sweep_table(diffs), x="contracts.flat_rate.fee_per_device", y="client.users", ax=ax
    )
    assert out is ax
    mesh = ax.collections[0]
    np.testing.assert_allclose(mesh.get_array().reshape(2, 2), [[-200, 200], [-400, 50]])
    assert mesh.norm.vmin == -mesh.norm.vmax  # centred on zero
    assert any(type(c).__name__ == "QuadContourSet" for c in ax.collections)
    bar = fig.axes[1]
    assert "$" in bar.get_ylabel()
    assert {"flat-rate\ncheaper", "break-fix\ncheaper"} <= {t.get_text() for t in bar.texts}
    assert ax.get_xlabel() == "Flat-rate fee per device ($)"
    assert ax.get_ylabel() == "Number of users"
    assert "2 of 4" in takeaway(ax)
    drawn_without_warnings(fig)


def test_break_even_map_without_break_even_has_no_contour():
    diffs = {(40.0, 5): [-300], (80.0, 5): [-100], (40.0, 10): [-500], (80.0, 10): [-50]}
    ax = plots.break_even_map(
        sweep_table(diffs), x="contracts.flat_rate.fee_per_device", y="client.users"
    )
    assert not any(type(c).__name__ == "QuadContourSet" for c in ax.collections)
    assert takeaway(ax).startswith("Flat-rate is cheaper at every combination")


# ---------------------------------------------------------------------------- accessor
def test_plot_accessor(res):
    assert isinstance(res.plot, PlotAccessor)
    for name in ("cumulative_cost", "monthly_spend", "cost_breakdown", "downtime"):
        assert name in type(res).plot.__doc__
        fig, ax = plt.subplots()
        assert getattr(res.plot, name)(ax=ax) is ax
    fig = plt.figure()
    assert res.plot.provider_view(fig=fig) is fig
    assert isinstance(res.plot.cumulative_cost(), plt.Axes)


def test_chart_text_uses_one_minus_sign_and_spaced_percentages(res):
    diffs = {(40.0, 5): [-300], (80.0, 5): [-100], (40.0, 10): [-500.5], (80.0, 10): [50]}
    table = sweep_table(diffs).rename(columns={"client_total_cost": "user_downtime_hours"})
    ax = plots.break_even_map(
        table,
        x="contracts.flat_rate.fee_per_device",
        y="client.users",
        metric="user_downtime_hours",
    )
    cells = {t.get_text() for t in ax.texts}
    assert {"−300", "−100", "−500", "50"} <= cells, cells
    assert cd.param_value_text("fleet.desktop.lifetime.shape", -1.5) == "−1.5"
    assert number_text(-12_849.2) == "−12,800"
    assert percent_text(0.9) == "90 %" and percent_text(-0.05) == "−5 %"
    ax = plots.cumulative_cost(res)
    assert "Range of 90 % of simulated futures" in [t.get_text() for t in ax.get_legend().texts]
    fig = plots.provider_view(res)
    shown = [t.get_text() for a in fig.axes for t in a.texts] + [
        t.get_text() for a in fig.axes if a.get_legend() for t in a.get_legend().texts
    ]
    assert not any(re.search(r"-\d|-\$|\d%", s) for s in shown), shown


def test_downtime_is_named_for_what_it_holds(res):
    assert res.scenario.client.revenue_per_hour_down > 0  # the premise: sales are lost too
    no_sales = res.scenario.override({"client.revenue_per_hour_down": 0})
    plain = itm.ExperimentResult.from_frames(no_sales, 11, res.contracts, res.metrics, res.monthly)
    for result, words in ((res, "work and sales lost"), (plain, "staff time lost")):
        ax = plots.cost_breakdown(result)
        assert f"Downtime ({words})" in [t.get_text() for t in ax.get_legend().texts]
        assert words in plots.cumulative_cost(result).get_ylabel()


# ---------------------------------------------------------------------------- many offers
def offers_scenario(scn: itm.Scenario, n: int) -> itm.Scenario:
    """``scn`` with ``n`` offers: its two, then flat-rate tiers of other fees and inclusions."""
    data = scn.model_dump(mode="json", exclude_none=True)
    pay, plan = (dict(data["contracts"][k], type=k) for k in ("break_fix", "flat_rate"))
    remote = {"onsite_included": False, "onsite_hourly_rate": 150}
    tiers = {
        "break_fix": pay,
        "complete": plan,
        "essentials": {**plan, "fee_per_device": 45, **remote},
        "remote-only_basic-plan": {**plan, "fee_per_device": 25, **remote},
        "Premium": {**plan, "fee_per_device": 90, "parts_included": True},
    }
    data["contracts"] = dict(list(tiers.items())[:n])
    return itm.Scenario.model_validate(data)


@pytest.fixture(scope="module", params=[3, 5])
def many(request, scn: itm.Scenario) -> itm.ExperimentResult:
    return itm.run_experiment(offers_scenario(scn, request.param), REPS, seed=5, progress=False)


def shown_labels(res: itm.ExperimentResult) -> list[str]:
    return [itm.contracts.offer_label(res.scenario.contracts, c) for c in res.contracts]


def tick_texts(ax) -> list[str]:
    return [t.get_text().replace("\n", "") for t in ax.get_xticklabels()]


def test_offer_colours_follow_the_model_and_stay_per_offer(scn):
    offers = offers_scenario(scn, 5).contracts
    names = list(offers)
    colors = plots.contract_colors(names, offers=offers)
    assert len(set(colors.values())) == 5
    for name in ("break_fix", "complete"):  # the first offer of each model: its colour
        assert colors[name] == contract_class(offers[name].type).color
    for subset in (["essentials"], ["Premium", "break_fix"], names[::-1]):
        assert plots.contract_colors(subset, offers=offers) == {c: colors[c] for c in subset}
    assert plots.contract_colors(["essentials"]) == {"essentials": plots.FALLBACK_COLORS[0]}


def test_every_chart_shows_every_offer_once(many):
    names, labels = list(many.contracts), shown_labels(many)
    assert "remote-only_basic-plan" in labels or len(names) == 3  # names as written
    colors = plots.contract_colors(names, offers=many.scenario.contracts)
    assert len(set(colors.values())) == len(names)
    ax = plots.cumulative_cost(many)
    lines = mean_lines(ax)
    assert [line.get_label() for line in lines] == labels
    assert hexes(line.get_color() for line in lines) == [colors[c] for c in names]
    assert len(ax.collections) == len(names)
    legend = [t.get_text() for t in ax.get_legend().texts]
    assert [f"{label}, average" for label in labels] == legend[: len(names)]
    ends = [t for t in ax.texts if t.get_gid() == "end-label"]
    assert len(ends) == len(names)
    drawn_without_warnings(ax.figure)
    boxes_ax = plots.monthly_spend(many)
    assert tick_texts(boxes_ax) == labels
    boxes = [p for p in boxes_ax.patches if type(p).__name__ == "PathPatch"]
    assert hexes(b.get_edgecolor() for b in boxes) == [colors[c] for c in names]
    drawn_without_warnings(boxes_ax.figure)
    bars_ax = plots.cost_breakdown(many)
    assert tick_texts(bars_ax) == labels
    assert len([t for t in bars_ax.texts if t.get_gid() == "total"]) == len(names)
    drawn_without_warnings(bars_ax.figure)
    dots_ax = plots.downtime(many)
    assert tick_texts(dots_ax) == labels
    dots = [c for c in dots_ax.collections if len(c.get_offsets()) == REPS]
    assert [hexes(d.get_facecolor()) for d in dots] == [[colors[c]] for c in names]
    drawn_without_warnings(dots_ax.figure)
    fig = plots.provider_view(many)
    ax_bar, ax_dot = fig.axes
    assert [c.get_label() for c in ax_bar.containers] == labels
    assert [hexes([c[0].get_facecolor()])[0] for c in ax_bar.containers] == [
        colors[c] for c in names
    ]
    assert sorted(line.get_gid() for line in ax_dot.lines) == sorted(names)
    assert len(ax_dot.get_legend().texts) == len(names)
    drawn_without_warnings(fig)


def test_labels_of_many_offers_do_not_overlap(many):
    ax = plots.cumulative_cost(many)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    ends = [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() == "end-label"]
    for i, a in enumerate(ends):
        assert not any(a.overlaps(b) for b in ends[i + 1 :])
    for chart in (plots.monthly_spend, plots.cost_breakdown, plots.downtime):
        ax = chart(many)
        ax.figure.canvas.draw()
        ticks = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
        for i, a in enumerate(ticks):
            assert not any(a.overlaps(b) for b in ticks[i + 1 :]), chart.__name__


def test_ranking_takeaway_names_the_cheapest_offer(many):
    means = many.metrics.groupby("contract", observed=True)["client_total_cost"].mean()
    cheapest = itm.contracts.offer_label(many.scenario.contracts, str(means.idxmin()))
    dearest = itm.contracts.offer_label(many.scenario.contracts, str(means.idxmax()))
    text = takeaway(plots.cumulative_cost(many))
    assert text.startswith("Cheapest for this client over 6 months: ")
    first = text.split("; ")[0]
    assert cheapest in first
    assert f"{ordinal(len(means))}: {dearest} (+" in text
    assert takeaway(plots.cost_breakdown(many)).startswith(first)


def test_ranking_takeaway_says_when_the_top_offers_cannot_be_told_apart():
    ranking = pd.DataFrame(
        {"mean": [100.0, 101.0, 180.0], "gap": [np.nan, 1.0, 79.0], "clear": [False, False, True]},
        index=["gold", "silver", "bronze"],
    )
    text = tk.ranking_takeaway(ranking, "USD", "1 year")
    assert text.startswith("Cheapest for this client over 1 year: gold or silver, too close")
    assert "3rd: bronze (+$79)" in text
    clear = ranking.assign(clear=[False, True, True])
    assert tk.ranking_takeaway(clear, "USD", "1 year").startswith(
        "Cheapest for this client over 1 year: gold ($100 on average); 2nd: silver (+$1)"
    )


def test_decision_charts_favour_named_offers(scn, sensitivity_table):
    offers = offers_scenario(scn, 5).contracts
    table = sensitivity_table.assign(param=["client.users", "contracts.essentials.fee_per_device"])
    table.attrs.update(baseline="break_fix", other="essentials")  # as sensitivity could record
    ax = plots.tornado(table, offers=offers)
    colors = plots.contract_colors(list(offers), offers=offers)
    favours = {t.get_text(): to_hex(t.get_color()) for t in ax.texts if t.get_gid() == "favours"}
    assert favours == {"← favours essentials": colors["essentials"],
                       "favours Break-fix →": colors["break_fix"]}  # fmt: skip
    assert "essentials fee per device" in [t.get_text() for t in ax.get_yticklabels()]
    assert takeaway(ax).startswith("Base case: essentials saves $5k.")
    plain = plots.tornado(sensitivity_table)  # nothing says which offers: generic words
    assert "favours the other offer" in " ".join(t.get_text() for t in plain.texts)
    sweep = sweep_table({(40.0, 5): [-300], (80.0, 5): [100]})
    sweep["contract"] = sweep["contract"].replace({"flat_rate": "essentials"})
    ax = plots.break_even_map(sweep, x="contracts.flat_rate.fee_per_device", y="client.users",
                              offers=offers)  # fmt: skip
    words = {t.get_text() for t in ax.figure.axes[1].texts}
    assert words == {"essentials\ncheaper", "break-fix\ncheaper"}
    assert takeaway(ax).startswith("essentials is cheaper at 1 of 2")


def test_charts_name_no_pricing_model():
    folder = Path(plots.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for literal in ("break_fix", "flat_rate", "CONTRACT_NAMES", "CONTRACT_COLORS"):
            assert literal not in text, (path.name, literal)
