"""Estimation error carried into the answer: run_experiment(vary=fit.parameter_draws())."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import itmodels as itm
from itmodels.cli import main
from itmodels.experiments.experiment import local_pool
from itmodels.experiments.reprice import run_priced
from itmodels.fitting.export import assets_from_run, tickets_from_run
from itmodels.fitting.fit import Fit, fit_scenario
from itmodels.fitting.summary import fit_file_for, read_fit_summary

START = pd.Timestamp("2024-01-01")
SAMPLE = Path(__file__).parent.parent / "examples" / "data"

#: a small office observed for three months only: about a dozen helpdesk tickets, so the
#: fitted rate and work time are known to within some 30 %
SMALL: dict[str, Any] = {
    "name": "few-tickets",
    "horizon": "3mo",
    "client": {"users": 8, "user_hour_value": 50, "business_hours": "24/7"},
    "fleet": [
        {
            "name": "pc",
            "count": 10,
            "age": "1y",
            "users_affected": 1,
            "lifetime": {"dist": "weibull", "shape": 2.0, "scale": "3y"},
            "repair": {"dist": "lognormal", "median": "1h", "sigma": 0.5},
            "remote_fix_probability": 0.2,
        }
    ],
    "incident_streams": [
        {
            "name": "helpdesk",
            "rate": 0.6,
            "per": "user",
            "priority": {"P3": 0.7, "P4": 0.3},
            "users_affected": 1,
            "productivity_loss": 0.2,
            "work": {"dist": "lognormal", "median": "1h", "sigma": 0.7},
            "remote_fix_probability": 0.6,
        }
    ],
    "provider": {"technicians": 2},
    "contracts": {
        "break_fix": {"hourly_rate": 120, "trip_charge": 40},
        "flat_rate": {"fee_per_device": 40},
    },
}
SEED = 5


@pytest.fixture(scope="module")
def fit(tmp_path_factory: pytest.TempPathFactory) -> Fit:
    scn = itm.Scenario.model_validate(SMALL)
    run = itm.simulate(scn, "break_fix", seed=3)
    folder = tmp_path_factory.mktemp("few")
    tickets_from_run(run, start=START).to_csv(folder / "tickets.csv", index=False)
    assets_from_run(run, start=START).to_csv(folder / "assets.csv", index=False)
    end = START + pd.Timedelta(hours=scn.horizon)
    return fit_scenario(
        folder / "tickets.csv", folder / "assets.csv", base=scn, start=START, as_of=end,
        candidates=("weibull",),
    )  # fmt: skip


@pytest.fixture(scope="module")
def year(fit: Fit) -> itm.Scenario:
    """The fitted scenario over a year (the horizon is not a fitted key)."""
    return fit.scenario.override({"horizon": "1y"})


def _half_width(res: itm.ExperimentResult) -> float:
    d = res.compare("break_fix", "flat_rate").loc["client_total_cost"]
    return float(d["ci_high"] - d["ci_low"]) / 2


def test_drawn_parameters_widen_the_interval_on_the_paired_difference(fit: Fit, year):
    n = int(fit.evidence.set_index("key").loc["incident_streams.helpdesk.rate", "n"])
    assert n < 30  # few tickets: the estimation error is large
    plain = itm.run_experiment(year, 40, SEED, progress=False)
    varied = itm.run_experiment(year, 40, SEED, progress=False, vary=fit.parameter_draws())
    assert plain.parameter_uncertainty is None and plain.draws is None
    assert "Estimation error is carried" in varied.parameter_uncertainty
    # the rate alone is known to within about 1/sqrt(n) = 25 %, more than a year's luck
    assert _half_width(varied) > 1.5 * _half_width(plain)
    sd = varied.metrics.groupby("contract", observed=True)["incidents"].std()
    sd0 = plain.metrics.groupby("contract", observed=True)["incidents"].std()
    assert sd["break_fix"] > 1.5 * sd0["break_fix"]


def test_the_draws_are_recorded_and_reproduced_by_one_simulate_call(fit: Fit, year):
    draws = fit.parameter_draws()
    res = itm.run_experiment(year, 4, SEED, progress=False, vary=draws)
    assert res.draws is not None and res.draws["replication"].tolist() == [0, 1, 2, 3]
    drawn = set(draws.drawn["key"])
    assert (
        "incident_streams.helpdesk.rate" in drawn
        and set(res.draws.columns) - {"replication"} == drawn
    )
    for r in range(4):
        row = res.draws.set_index("replication").loc[r].to_dict()
        assert row == pytest.approx(draws.values(SEED, r))
        scn, values = draws.draw(year, SEED, r)
        assert scn.value_at("incident_streams.helpdesk.rate") == pytest.approx(
            values["incident_streams.helpdesk.rate"]
        )
        run = itm.simulate(scn, "flat_rate", SEED, replication=r)
        got = res.metrics.set_index(["contract", "replication"]).loc[("flat_rate", r)]
        assert got["client_total_cost"] == run.metrics["client_total_cost"]
    rates = res.draws["incident_streams.helpdesk.rate"]
    assert rates.nunique() > 1  # each replication its own draw


def test_the_rate_is_drawn_around_its_estimate_with_its_standard_error(fit: Fit):
    draws = fit.parameter_draws()
    row = fit.evidence.set_index("key").loc["incident_streams.helpdesk.rate"]
    values = np.array([draws.values(SEED, r)["incident_streams.helpdesk.rate"] for r in range(200)])
    est, n = float(row["estimate"]), int(row["n"])
    se = est / np.sqrt(n)  # Poisson: the count's sd is sqrt(n)
    assert abs(values.mean() - est) < 4 * se / np.sqrt(200)
    assert 0.8 * se < values.std(ddof=1) < 1.2 * se


def test_the_numbers_do_not_depend_on_the_executor_or_a_precision_target(fit: Fit, year):
    draws = fit.parameter_draws()
    serial = itm.run_experiment(year, 8, SEED, progress=False, vary=draws)
    with local_pool(2) as pool:
        pooled = itm.run_experiment(
            year, 8, SEED, progress=False, vary=draws, executor=pool, chunk_size=3
        )
    pd.testing.assert_frame_equal(serial.metrics, pooled.metrics)
    pd.testing.assert_frame_equal(serial.draws, pooled.draws)
    targeted = itm.run_experiment(
        year, seed=SEED, progress=False, vary=draws, absolute=1e-9, max_replications=8,
        batch=4, baseline="break_fix",
    )  # fmt: skip
    assert targeted.stopping is not None and not targeted.stopping.reached
    pd.testing.assert_frame_equal(serial.metrics, targeted.metrics)
    pd.testing.assert_frame_equal(serial.draws, targeted.draws)


def test_repricing_bills_the_same_draws_again(fit: Fit, year):
    draws = fit.parameter_draws()
    priced = run_priced(year, 6, SEED, vary=draws)
    cheaper = year.override({"contracts.flat_rate.fee_per_device": 25,
                             "contracts.break_fix.hourly_rate": 100})  # fmt: skip
    again = priced.reprice(cheaper)
    ran = itm.run_experiment(cheaper, 6, SEED, progress=False, vary=draws)
    pd.testing.assert_frame_equal(again.metrics, ran.metrics, rtol=1e-9)
    assert again.parameter_uncertainty == ran.parameter_uncertainty
    pd.testing.assert_frame_equal(again.draws, ran.draws)


def test_what_vary_refuses_and_what_a_saved_result_keeps(fit: Fit, year, tmp_path: Path):
    draws = fit.parameter_draws()
    with pytest.raises(ValueError, match="store= cannot be used with vary="):
        itm.run_experiment(year, 2, SEED, progress=False, vary=draws, store=tmp_path / "s")
    with pytest.raises(TypeError, match="draw"):
        itm.run_experiment(year, 2, SEED, progress=False, vary=object())  # type: ignore[arg-type]
    edited = year.override({"incident_streams.helpdesk.rate": 5.0})
    with pytest.raises(ValueError, match=r"incident_streams\.helpdesk\.rate is 5"):
        draws.check(edited)
    draws.check(year)  # the horizon is not a fitted key
    res = itm.run_experiment(year, 2, SEED, progress=False, vary=draws)
    back = itm.ExperimentResult.read_parquet(res.to_parquet(tmp_path / "res"))
    assert back.parameter_uncertainty == res.parameter_uncertainty
    pd.testing.assert_frame_equal(back.draws, res.draws)


def test_the_fit_file_round_trips(fit: Fit, tmp_path: Path):
    path = fit.summary().to_json(tmp_path / "p.fit.json")
    back = read_fit_summary(path)
    pd.testing.assert_frame_equal(back.evidence, fit.evidence, check_dtype=False)
    assert back.level == fit.level and back.skipped["key"].tolist() == fit.skipped["key"].tolist()
    assert back.parameter_draws().values(1, 2) == fit.parameter_draws().values(1, 2)
    assert set(back.plots) == set(fit.plots)
    with pytest.raises(FileExistsError):
        fit.summary().to_json(path)
    (tmp_path / "bad.json").write_text('{"kind": "something else"}')
    with pytest.raises(ValueError, match=r"bad\.json: not a fit file"):
        read_fit_summary(tmp_path / "bad.json")


def test_compare_carries_the_fit_uncertainty_from_the_fit_file(tmp_path: Path, capsys):
    out = tmp_path / "prospect.yaml"
    assert main([
        "fit", "--tickets", str(SAMPLE / "tickets.csv"), "--assets", str(SAMPLE / "assets.csv"),
        "--base", "small-office", "--out", str(out),
    ]) == 0  # fmt: skip
    side = fit_file_for(out)
    assert side == tmp_path / "prospect.fit.json" and side.is_file()
    assert f"--fit {side}" in capsys.readouterr().out
    common = [str(out), "-n", "2", "--seed", "1", "--set", "horizon=3mo", "--no-progress",
              "--jobs", "1"]  # fmt: skip
    code = main(["compare", *common, "--fit", str(side), "--fit-uncertainty",
                 "--out", str(tmp_path / "b")])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Estimation error is carried into the intervals" in captured.out
    report = (tmp_path / "b" / "client-report.html").read_text()
    assert 'id="your-data"' in report and "Estimation error is carried" in report
    assert main(["compare", *common, "--fit-uncertainty", "--out", str(tmp_path / "c")]) == 2
    assert "--fit-uncertainty needs --fit" in capsys.readouterr().err
    edit = ["--set", "incident_streams.user-problems.rate=9", "--out", str(tmp_path / "d")]
    code = main(["compare", *common, "--fit", str(side), "--fit-uncertainty", *edit])
    assert code == 2
    assert "incident_streams.user-problems.rate is 9" in capsys.readouterr().err


@pytest.fixture(scope="module")
def sample_fit() -> Fit:
    return fit_scenario(
        SAMPLE / "tickets.csv", SAMPLE / "assets.csv", SAMPLE / "invoices.csv",
        base="small-office",
    )  # fmt: skip


def test_the_fit_charts_draw_the_plain_data_of_the_sample_fit(sample_fit: Fit):
    from itmodels.charts.fit_plots import fit_figures, survival_chart

    figs = fit_figures(sample_fit.plots)
    assert list(figs) == ["survival", "rates", "work"]
    classes = sample_fit.plots["survival"]["class"].unique()
    assert len(figs["survival"].axes) == len(classes) >= 1
    streams = sample_fit.plots["rates"]["key"].unique()
    assert len(figs["rates"].axes) == len(streams) >= 2
    with pytest.raises(ValueError, match="survival chart: the plot data lacks"):
        survival_chart(pd.DataFrame({"class": ["pc"]}))
    km = sample_fit.plots["survival"]
    steps = km[km["curve"] == "kaplan-meier"]["survival"]
    assert steps.between(0, 1).all() and steps.is_monotonic_decreasing


def test_the_report_has_a_your_data_section_saying_what_was_carried(
    sample_fit: Fit, tmp_path: Path
):
    from itmodels.reports.report import fit_section, html_report, uncertainty_text

    scn = sample_fit.scenario.override({"horizon": "3mo"})
    plain = itm.run_experiment(scn, 2, SEED, progress=False)
    html = html_report(plain, tmp_path / "a.html", fit=sample_fit).read_text()
    assert 'id="your-data"' in html and "Estimation error is NOT carried" in html
    for chart in ("fit-survival", "fit-rates", "fit-work"):
        assert f'id="chart-{chart}"' in html
    assert "incident_streams.user-problems.rate" in html
    assert "Not fitted" in html
    varied = itm.run_experiment(scn, 2, SEED, progress=False, vary=sample_fit.parameter_draws())
    assert uncertainty_text(varied).startswith("Estimation error is carried into the intervals")
    section = fit_section(varied, sample_fit.summary())
    assert section["uncertainty"] == varied.parameter_uncertainty
    assert [n for n, _ in section["charts"]] == ["fit-survival", "fit-rates", "fit-work"]


def test_the_back_test_chart_shows_each_measure_inside_or_outside_its_range():
    from itmodels.charts.fit_plots import check_chart

    table = pd.DataFrame(
        {
            "measure": ["tickets", "spend"],
            "observed": [62.5, 21000.0],
            "low": [57.2, 12957.0],
            "median": [62.3, 15556.0],
            "high": [70.4, 18176.0],
            "inside": [True, False],
        }
    )
    fig = check_chart(table)
    axes = fig.get_axes()
    assert [ax.get_title(loc="left") for ax in axes] == [
        "tickets a year: inside",
        "spend a year: outside",
    ]
    for ax, row in zip(axes, table.itertuples(), strict=True):
        lo, hi = ax.get_xlim()
        assert lo < min(row.low, row.observed) and hi > max(row.high, row.observed)
        dot = next(line for line in ax.get_lines() if line.get_marker() == "o")
        assert dot.get_xdata()[0] == row.observed
        assert (dot.get_markerfacecolor() == dot.get_color()) == row.inside  # hollow: outside
    with pytest.raises(ValueError, match="lacks the column"):
        check_chart(table.drop(columns="inside"))
