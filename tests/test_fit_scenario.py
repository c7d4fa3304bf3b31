"""fit_scenario: round trips (simulate, export, read back, fit), interval coverage, the
commented YAML it writes, and what it refuses or reports."""

from __future__ import annotations

import dataclasses
import runpy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import itmodels as itm
from itmodels.cli import main
from itmodels.fitting import DataError
from itmodels.fitting.export import assets_from_run, invoices_from_run, tickets_from_run
from itmodels.fitting.fit import EVIDENCE_COLUMNS, Fit, fit_scenario
from itmodels.fitting.readers import Assets, Tickets
from itmodels.scenario.loading import scenario_from_mapping
from itmodels.scenario.units import HOURS_PER_MONTH, HOURS_PER_YEAR
from itmodels.scenario.yaml_io import parse_yaml

START = pd.Timestamp("2024-01-01")

#: a small scenario with known parameters: 24/7 (reported when it occurs), no neglect, no
#: background load, so every ticket and device life follows the written distributions
TINY: dict[str, Any] = {
    "name": "tiny",
    "horizon": "2y",
    "client": {"users": 20, "user_hour_value": 50, "business_hours": "24/7"},
    "fleet": [
        {
            "name": "pc",
            "count": 40,
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
            "rate": 0.5,
            "per": "user",
            "priority": {"P3": 0.7, "P4": 0.3},
            "users_affected": 1,
            "productivity_loss": 0.2,
            "work": {"dist": "lognormal", "median": "0.5h", "sigma": 0.7},
            "remote_fix_probability": 0.6,
        }
    ],
    "provider": {"technicians": 3},
    "contracts": {
        "break_fix": {
            "hourly_rate": 120,
            "trip_charge": 40,
            "minimum_billed": "30min",
            "billing_increment": "15min",
        },
    },
}


@pytest.fixture(scope="module")
def tiny() -> itm.Scenario:
    return itm.Scenario.model_validate(TINY)


@pytest.fixture(scope="module")
def exported(tiny: itm.Scenario, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("export")
    run = itm.simulate(tiny, "break_fix", seed=11)
    files = {
        "tickets": folder / "tickets.csv",
        "assets": folder / "assets.csv",
        "invoices": folder / "invoices.csv",
    }
    tickets_from_run(run, start=START).to_csv(files["tickets"], index=False)
    assets_from_run(run, start=START).to_csv(files["assets"], index=False)
    invoices_from_run(run, start=START).to_csv(files["invoices"], index=False)
    return files


def _end(scn: itm.Scenario) -> pd.Timestamp:
    return START + pd.Timedelta(hours=scn.horizon)


@pytest.fixture(scope="module")
def fitted(tiny: itm.Scenario, exported: dict[str, Path]) -> Fit:
    # 99.9 % intervals: the fourteen checks below all pass with probability about 0.986
    return fit_scenario(
        **exported, base=tiny, start=START, as_of=_end(tiny), level=0.999,
        candidates=("weibull",),
    )  # fmt: skip


def _evidence(fit: Fit, key: str) -> pd.Series:
    rows = fit.evidence[fit.evidence["key"] == key]
    assert len(rows) == 1, f"no evidence row {key!r}: {fit.evidence['key'].tolist()}"
    return rows.iloc[0]


TRUTH = {
    "fleet.pc.lifetime.shape": 2.0,
    "fleet.pc.lifetime.scale": 3.0,
    "fleet.pc.repair.median": 1.0,
    "fleet.pc.repair.sigma": 0.5,
    "fleet.pc.remote_fix_probability": 0.2,
    "incident_streams.helpdesk.rate": 0.5,
    "incident_streams.helpdesk.priority.P3": 0.7,
    "incident_streams.helpdesk.priority.P4": 0.3,
    "incident_streams.helpdesk.work.median": 0.5,
    "incident_streams.helpdesk.work.sigma": 0.7,
    "incident_streams.helpdesk.remote_fix_probability": 0.6,
}


@pytest.mark.parametrize("key", list(TRUTH))
def test_a_round_trip_recovers_each_parameter_within_its_interval(fitted: Fit, key: str):
    row = _evidence(fitted, key)
    assert row["low"] <= TRUTH[key] <= row["high"], row.to_dict()
    assert row["low"] < row["estimate"] < row["high"]


def test_a_round_trip_recovers_the_rate_card_and_the_fleet(fitted: Fit):
    offer = fitted.scenario.contracts["break_fix"]
    assert offer.hourly_rate.remote == offer.hourly_rate.onsite == pytest.approx(120)
    assert offer.trip_charge == pytest.approx(40)
    assert offer.minimum_billed == pytest.approx(0.5)
    assert offer.billing_increment == pytest.approx(0.25)
    pc = fitted.scenario.fleet[0]
    assert pc.count == 40  # every device is in service at the export (failed ones repaired)
    assert pc.lifetime.dist == "weibull"
    assert pc.lifetime.shape == pytest.approx(
        _evidence(fitted, "fleet.pc.lifetime.shape")["estimate"]
    )
    assert pc.lifetime.scale == pytest.approx(
        _evidence(fitted, "fleet.pc.lifetime.scale")["estimate"] * HOURS_PER_YEAR
    )
    stream = fitted.scenario.incident_streams[0]
    assert stream.rate == pytest.approx(
        _evidence(fitted, "incident_streams.helpdesk.rate")["estimate"]
    )
    assert fitted.skipped.empty, fitted.skipped
    assert set(fitted.evidence.columns) >= {"key", "estimate", "low", "high", "n", "source",
                                            "method", "note"}  # fmt: skip


def test_device_tickets_are_failures_and_unknown_categories_are_reported(
    tiny: itm.Scenario, exported: dict[str, Path], tmp_path: Path
):
    tickets = pd.read_csv(exported["tickets"], dtype=str, keep_default_na=False)
    failures = int((tickets["asset"] != "").sum())
    helpdesk = int((tickets["category"] == "helpdesk").sum())
    extra = tickets.iloc[:7].copy()
    extra["id"] = [f"X{i}" for i in range(7)]
    extra["category"] = "Printing"
    extra["asset"] = ""
    path = tmp_path / "tickets.csv"
    pd.concat([tickets, extra]).to_csv(path, index=False)
    fit = fit_scenario(path, exported["assets"], base=tiny, start=START, as_of=_end(tiny))
    rate = _evidence(fit, "incident_streams.helpdesk.rate")
    assert rate["n"] == helpdesk  # not the failures, not the unmapped
    assert _evidence(fit, "fleet.pc.repair.median")["n"] == failures
    row = fit.skipped[fit.skipped["key"].str.contains("Printing")]
    assert len(row) == 1 and "7 ticket(s)" in row["reason"].iloc[0]
    mapped = fit_scenario(
        path, exported["assets"], base=tiny, start=START, as_of=_end(tiny),
        categories={"Printing": "helpdesk"},
    )  # fmt: skip
    assert _evidence(mapped, "incident_streams.helpdesk.rate")["n"] == helpdesk + 7
    assert not mapped.skipped["key"].str.contains("Printing").any()


def test_the_yaml_loads_back_carries_the_evidence_and_is_never_overwritten(
    fitted: Fit, tmp_path: Path
):
    path = fitted.to_yaml(tmp_path / "prospect.yaml")
    loaded = itm.load_scenario(path)
    assert loaded == fitted.scenario
    text = path.read_text()
    lifetime = next(line for line in text.splitlines() if line.strip().startswith("lifetime:"))
    assert "# fitted:" in lifetime and "n=" in lifetime and "assets.csv" in lifetime
    rate = next(line for line in text.splitlines() if line.strip().startswith("rate:"))
    assert "tickets.csv" in rate and "[" in rate
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fitted.to_yaml(path)
    assert path.read_bytes() == before
    fitted.to_yaml(path, overwrite=True)
    assert itm.load_scenario(path) == fitted.scenario
    assert [p.name for p in tmp_path.iterdir()] == ["prospect.yaml"]  # no temporary left


def test_a_bad_file_gives_the_readers_one_clear_error(tiny: itm.Scenario, tmp_path: Path):
    path = tmp_path / "tickets.csv"
    path.write_text("id,opened,category\n1,2024-01-05 09:00,helpdesk\n2,not a date,helpdesk\n")
    with pytest.raises(DataError) as err:
        fit_scenario(path, base=tiny)
    assert err.value.row == 3 and err.value.column == "opened"
    assert str(path) in str(err.value)
    with pytest.raises(ValueError, match="at least one export"):
        fit_scenario(base=tiny)


# ------------------------------------------------------------------ interval coverage


def _tickets(rng: np.random.Generator, rate: float, users: int, months: float) -> Tickets:
    n = int(rng.poisson(rate * users * months))
    hours = np.sort(rng.uniform(0, months * HOURS_PER_MONTH, n))
    frame = pd.DataFrame(
        {
            "row": np.arange(2, n + 2),
            "id": [str(i) for i in range(n)],
            "opened": START + pd.to_timedelta(hours, unit="h"),
            "resolved": pd.Series(pd.NaT, index=range(n), dtype="M8[ns]"),
            "responded": pd.Series(pd.NaT, index=range(n), dtype="M8[ns]"),
            "priority": None,
            "category": "helpdesk",
            "hours": np.nan,
            "onsite": None,
            "asset": None,
        }
    )
    return Tickets(frame=frame, path="drawn-tickets", dropped=pd.DataFrame(
        columns=["row", "id", "reason"]), found=("id", "opened", "category"),
        headers={"id": "id", "opened": "opened", "category": "category"})  # fmt: skip


def _assets(rng: np.random.Generator, n: int, shape: float, scale: float, years: float) -> Assets:
    """Devices aged 0-3 years at the start, watched ``years``: truncated and censored."""
    age = rng.uniform(0, 3, n)
    life = scale * ((age / scale) ** shape - np.log(rng.uniform(size=n))) ** (1 / shape)
    failed = life - age <= years
    in_service = START - pd.to_timedelta(age * 365.25, unit="D")
    out = pd.Series(in_service + pd.to_timedelta(life * 365.25, unit="D")).where(failed)
    frame = pd.DataFrame(
        {
            "row": np.arange(2, n + 2),
            "id": [f"a{i}" for i in range(n)],
            "class": "pc",
            "in_service": in_service,
            "out_of_service": out.to_numpy(),
            "reason": np.where(failed, "failed", "in service"),
            "observed_from": START,
        }
    )
    return Assets(frame=frame, path="drawn-assets", dropped=pd.DataFrame(
        columns=["row", "id", "reason"]), found=tuple(c for c in frame.columns if c != "row"),
        headers={c: c for c in frame.columns if c != "row"})  # fmt: skip


def test_the_rate_and_weibull_shape_intervals_cover_the_truth_at_95_percent(tiny: itm.Scenario):
    rng = np.random.default_rng(2024)
    reps, months = 200, 12.0
    end = START + pd.Timedelta(hours=months * HOURS_PER_MONTH)
    years = (end - START) / pd.Timedelta(days=365.25)
    covered = {"incident_streams.helpdesk.rate": 0, "fleet.pc.lifetime.shape": 0}
    truth = {"incident_streams.helpdesk.rate": 0.5, "fleet.pc.lifetime.shape": 2.0}
    for _ in range(reps):
        fit = fit_scenario(
            _tickets(rng, 0.5, 20, months), _assets(rng, 60, 2.0, 3.0, years), base=tiny,
            start=START, as_of=end, candidates=("weibull",),
        )  # fmt: skip
        for key in covered:
            row = _evidence(fit, key)
            covered[key] += int(row["low"] <= truth[key] <= row["high"])
    for key, hits in covered.items():
        assert stats.binomtest(hits, reps, 0.95).pvalue > 0.01, (key, hits)


# ------------------------------------------------------------------ command and sample data

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SAMPLE = EXAMPLES / "data"


def _sample_args(out: Path) -> list[str]:
    return [
        "fit", "--tickets", str(SAMPLE / "tickets.csv"), "--assets", str(SAMPLE / "assets.csv"),
        "--invoices", str(SAMPLE / "invoices.csv"), "--base", "small-office", "--out", str(out),
    ]  # fmt: skip


def test_the_committed_sample_data_is_what_the_script_makes(tmp_path: Path):
    script = runpy.run_path(str(EXAMPLES / "make_sample_data.py"), run_name="sample")
    assert script["main"](["--out", str(tmp_path)]) == 0
    for name in ("tickets.csv", "assets.csv", "invoices.csv"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    assert "SYNTHETIC" in (SAMPLE / "README.md").read_text()
    assert script["main"](["--out", str(tmp_path)]) == 2  # existing files are kept


def test_the_sample_data_goes_through_itmodels_fit_and_compare(tmp_path: Path, capsys):
    out = tmp_path / "prospect.yaml"
    assert main(_sample_args(out)) == 0
    printed = capsys.readouterr().out
    assert "incident_streams.user-problems.rate" in printed
    assert "not fitted (base value kept):" in printed and "no rows left out" in printed
    assert f"itmodels compare {out}" in printed
    fitted = itm.load_scenario(out)
    assert fitted.contracts["break_fix"].trip_charge == pytest.approx(50)
    assert "# fitted:" in out.read_text()
    code = main(["compare", str(out), "-n", "2", "--seed", "1", "--set", "horizon=3mo",
                 "--out", str(tmp_path / "bundle"), "--no-progress", "--jobs", "1"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "bundle" / "scenario.yaml").is_file()


def test_the_fit_command_refuses_bad_input_with_one_message(tmp_path: Path, capsys):
    out = tmp_path / "prospect.yaml"
    out.write_text("mine\n")
    assert main(_sample_args(out)) == 2
    assert "already exists" in capsys.readouterr().err and out.read_text() == "mine\n"
    assert main(["fit", "--out", str(tmp_path / "x.yaml")]) == 2
    assert "at least one export" in capsys.readouterr().err
    bad = tmp_path / "map.yaml"
    bad.write_text("tickets: [a, b]\n")
    assert main([*_sample_args(tmp_path / "y.yaml"), "--columns", str(bad)]) == 2
    assert "section tickets" in capsys.readouterr().err
    broken = tmp_path / "tickets.csv"
    broken.write_text("id,opened\n1,2024-01-05\n2,yesterday\n")
    assert main(["fit", "--tickets", str(broken), "--out", str(tmp_path / "z.yaml")]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "'opened'" in err and not (tmp_path / "z.yaml").exists()


def test_a_columns_file_renames_headers_and_maps_categories(tmp_path: Path, capsys):
    frame = pd.read_csv(SAMPLE / "tickets.csv", dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"id": "Ticket #", "opened": "Created"})
    frame["category"] = frame["category"].replace({"user-problems": "Desk"})
    tickets = tmp_path / "tickets.csv"
    frame.to_csv(tickets, index=False)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "tickets: {'Ticket #': id, Created: opened}\ncategories: {Desk: user-problems}\n"
    )
    out = tmp_path / "p.yaml"
    args = ["fit", "--tickets", str(tickets), "--out", str(out), "--columns", str(mapping)]
    assert main(args) == 0
    assert "incident_streams.user-problems.rate" in capsys.readouterr().out


def test_the_back_test_puts_a_fit_of_simulated_data_inside_its_own_range(fitted: Fit):
    table = fitted.check(replications=30, seed=2)
    assert table["measure"].tolist() == ["tickets", "hours", "spend"]
    assert (table["low"] < table["median"]).all() and (table["median"] < table["high"]).all()
    assert table["inside"].all(), table
    years = fitted.observed["years"]
    assert years == pytest.approx(2.0)
    assert table.loc[0, "observed"] == pytest.approx(fitted.observed["tickets"] / years)
    with pytest.raises(ValueError, match="at least 2"):
        fitted.check(replications=1)


@pytest.mark.parametrize("name", itm.scenario_names())
def test_the_commented_yaml_writer_loads_back_every_shipped_scenario(name: str):
    scn = itm.load_scenario(name)
    awkward = scn.override({"description": "two\nlines: # not a comment 'q' \"z\" " + "x" * 200})
    for s in (scn, awkward):
        fit = Fit(
            scenario=s, base=scn, evidence=pd.DataFrame(columns=EVIDENCE_COLUMNS),
            skipped=pd.DataFrame(columns=["key", "reason", "source"]), changes={}, level=0.95,
            start=None, end=None,
        )  # fmt: skip
        assert scenario_from_mapping(parse_yaml(fit.yaml_text())) == s


def test_a_reason_over_several_lines_stays_in_its_comment(fitted: Fit):
    skipped = pd.DataFrame(
        [("fleet.pc.age", "refused:\nfleet[0].age: too old\u2028x", "a.csv")],
        columns=["key", "reason", "source"],
    )
    fit = dataclasses.replace(fitted, skipped=skipped)
    text = fit.yaml_text()
    assert "# not fitted: fleet.pc.age: refused: fleet[0].age: too old x" in text
    assert scenario_from_mapping(parse_yaml(text)) == fitted.scenario
