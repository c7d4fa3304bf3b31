"""Stopping at the precision asked: fixed batches, a rule checked after whole batches only,
the same stopping point on every executor, the cap, and the command line's options."""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import distributed
import pandas as pd
import pytest
import yaml
from scipy import stats

import itmodels as itm
from itmodels import cli
from itmodels.cli import main, parse_precision
from itmodels.experiments.experiment import local_pool
from itmodels.experiments.result import ExperimentResult

# provider_cost differs between the two offers by a stable amount: a 20 % target is
# reached after a few batches of 4 on a 3-month horizon (cheap replications).
METRIC = "provider_cost"
TARGET = dict(seed=3, precision=0.2, metric=METRIC, batch=4, max_replications=40)


@pytest.fixture(scope="module")
def quick() -> itm.Scenario:
    return itm.load_scenario("small-office").override({"horizon": "3mo"})


@pytest.fixture(scope="module")
def stopped(quick: itm.Scenario) -> ExperimentResult:
    return itm.run_experiment(quick, progress=False, **TARGET)


def _half_and_mean(metrics: pd.DataFrame, n: int, metric: str = METRIC) -> tuple[float, float]:
    """Half-width and mean of the paired 95 % t-interval of flat_rate - break_fix, computed
    here from the raw rows of replications 0..n-1 (independently of the library)."""
    rows = metrics[metrics["replication"] < n]
    wide = rows.pivot(index="replication", columns="contract", values=metric)
    d = (wide["flat_rate"] - wide["break_fix"]).to_numpy(dtype=float)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return float(half), float(d.mean())


def test_stops_at_the_first_whole_batch_that_reaches_the_precision(stopped):
    stop = stopped.stopping
    assert stop is not None and stop.reached
    n = stop.replications
    assert n == stopped.replications and n % 4 == 0 and 4 < n < 40
    assert sorted(stopped.metrics["replication"].unique()) == list(range(n))
    half, mean = _half_and_mean(stopped.metrics, n)
    assert stop.half_width == pytest.approx(half, rel=1e-9)
    assert stop.mean == pytest.approx(mean, rel=1e-9)
    assert half <= 0.2 * abs(mean)
    assert stop.target == pytest.approx(0.2 * abs(mean), rel=1e-9)
    # one batch earlier the target was not met (else the run would have stopped there)
    half_before, mean_before = _half_and_mean(stopped.metrics, n - 4)
    assert not half_before <= 0.2 * abs(mean_before)
    # the library's own comparison agrees
    row = stopped.compare("break_fix", "flat_rate").loc[METRIC]
    assert (row["ci_high"] - row["ci_low"]) / 2 == pytest.approx(half, rel=1e-9)
    assert (stop.baseline, stop.other, stop.metric, stop.batch) == (
        "break_fix",
        "flat_rate",
        METRIC,
        4,
    )


def test_the_replications_equal_a_fixed_run_of_that_many(quick, stopped):
    fixed = itm.run_experiment(quick, stopped.replications, seed=3, progress=False)
    pd.testing.assert_frame_equal(fixed.metrics, stopped.metrics)
    assert fixed.stopping is None


def test_stopping_point_and_numbers_do_not_depend_on_the_executor(quick, stopped):
    with ThreadPoolExecutor(max_workers=3) as pool:
        threads = itm.run_experiment(quick, executor=pool, chunk_size=1, progress=False, **TARGET)
    with local_pool(2) as pool:
        local = itm.run_experiment(quick, executor=pool, progress=False, **TARGET)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=":0", scheduler_port=0,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        dask = itm.run_experiment(
            quick, executor=client.get_executor(), chunk_size=3, progress=False, **TARGET
        )
    for other in (threads, local, dask):
        assert other.stopping == stopped.stopping
        pd.testing.assert_frame_equal(other.metrics, stopped.metrics)
        pd.testing.assert_frame_equal(other.monthly, stopped.monthly)


def test_the_cap_stops_a_run_that_cannot_reach_the_precision_and_says_so(quick):
    # a cap that is not a whole number of batches: the last batch is cut at the cap
    res = itm.run_experiment(
        quick, seed=3, precision=0.001, batch=4, max_replications=6, progress=False
    )
    assert res.replications == 6
    stop = res.stopping
    assert stop is not None and not stop.reached
    assert stop.replications == stop.max_replications == 6
    half, mean = _half_and_mean(res.metrics, 6, "client_total_cost")
    assert stop.half_width == pytest.approx(half, rel=1e-9) and half > 0.001 * abs(mean)


def test_a_difference_near_zero_needs_an_absolute_target(quick):
    # the provider's margin hardly differs between the offers: a share of it is out of reach
    relative = itm.run_experiment(
        quick, seed=3, precision=0.5, metric="provider_margin", batch=4, max_replications=8,
        progress=False,
    )  # fmt: skip
    assert relative.stopping is not None and not relative.stopping.reached
    wide = relative.stopping.half_width
    assert wide > 0.5 * abs(relative.stopping.mean)
    absolute = itm.run_experiment(
        quick, seed=3, absolute=2 * wide, metric="provider_margin", batch=4,
        max_replications=8, progress=False,
    )  # fmt: skip
    stop = absolute.stopping
    assert stop is not None and stop.reached and stop.replications <= 8
    assert stop.half_width <= 2 * wide and stop.target == 2 * wide
    assert stop.relative is None


def test_three_offers_are_each_compared_with_the_baseline(quick):
    offers = dict(quick.contracts)
    flat = quick.model_dump(mode="json", exclude_none=True)["contracts"]["flat_rate"]
    dearer = {**flat, "fee_per_device": flat["fee_per_device"] * 1.5}
    scn = quick.override({"contracts.dearer": dearer})
    assert len(scn.contracts) == len(offers) + 1
    res = itm.run_experiment(scn, progress=False, **TARGET)
    stop = res.stopping
    assert stop is not None and stop.reached and res.baseline == stop.baseline == "break_fix"
    wide = res.metrics.pivot(index="replication", columns="contract", values=METRIC)
    for other in ("flat_rate", "dearer"):
        d = (wide[other] - wide["break_fix"]).to_numpy(dtype=float)
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
        assert half <= 0.2 * abs(d.mean()), other
    # against another baseline the result says so too
    other = itm.run_experiment(scn, progress=False, baseline="flat_rate", **TARGET)
    assert other.baseline == other.stopping.baseline == "flat_rate"


def test_the_stopping_record_survives_a_round_trip_to_parquet(stopped, tmp_path):
    back = ExperimentResult.read_parquet(stopped.to_parquet(tmp_path / "res"))
    assert back.stopping == stopped.stopping


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"precision": 0}, "precision must be a share"),
        ({"precision": -0.1}, "precision must be a share"),
        ({"precision": 1}, "precision must be a share"),
        ({"precision": 2.0}, "precision must be a share"),
        ({"precision": True}, "precision must be a share"),
        ({"precision": float("nan")}, "precision must be a share"),
        ({"absolute": 0}, "absolute must be a positive"),
        ({"absolute": float("inf")}, "absolute must be a positive"),
        ({"precision": 0.02, "replications": 50}, "not both"),
        ({"precision": 0.02, "store": "somewhere"}, "store= cannot be used"),
        ({"precision": 0.02, "metric": "happiness"}, "unknown metric"),
        ({"precision": 0.02, "max_replications": 1}, "max_replications"),
        ({"precision": 0.02, "batch": 0}, "batch"),
        ({"precision": 0.02, "baseline": "nobody"}, "baseline"),
        ({"precision": 0.02, "contracts": ("flat_rate",)}, "two or more"),
        ({"max_replications": 50}, "only apply with a precision target"),
        ({"replications": 5, "metric": "incidents"}, "only apply with a precision target"),
    ],
)
def test_bad_precision_arguments_are_refused(quick, kwargs, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        itm.run_experiment(quick, seed=1, progress=False, **kwargs)


# ---------------------------------------------------------------------- command line
@pytest.mark.parametrize(
    ("text", "share"), [("2%", 0.02), ("0.02", 0.02), (" 2.5 % ", 0.025), ("0.5", 0.5)]
)
def test_precision_is_read_as_a_percentage_or_a_share(text, share):
    assert parse_precision(text) == pytest.approx(share)


@pytest.mark.parametrize(
    ("text", "hint"),
    [("2", "--precision-abs 2"), ("0", ""), ("100%", ""), ("-1%", ""), ("two", ""),
     ("nan", ""), ("500", "500%")],
)  # fmt: skip
def test_a_precision_that_is_not_a_share_is_refused(text, hint):
    with pytest.raises(cli.UsageError, match="share between 0 and 1") as err:
        parse_precision(text)
    assert hint in str(err.value)


@pytest.fixture(scope="module")
def quick_yaml(quick, tmp_path_factory):
    path = tmp_path_factory.mktemp("scn") / "quick-office.yaml"
    path.write_text(yaml.safe_dump(quick.model_dump(mode="json", exclude_none=True)))
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--precision", "2"], "--precision-abs 2"),
        (["--precision", "2%", "-n", "40"], "not both"),
        (["--precision-abs", "-5"], "positive amount"),
        (["--precision-abs", "lots"], "positive amount"),
        (["--max-replications", "50"], "only with --precision"),
        (["--precision", "2%", "--max-replications", "1"], "at least 2"),
    ],
)
def test_compare_refuses_bad_precision_options_before_simulating(
    quick_yaml, tmp_path, capsys, monkeypatch, args, message
):
    monkeypatch.setattr(cli, "run_experiment", lambda *a, **k: pytest.fail("simulated"))
    out = tmp_path / "o"
    assert main(["compare", str(quick_yaml), *args, "--out", str(out), "--no-progress"]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_compare_with_a_precision_reports_how_many_replications_it_took(
    quick_yaml, tmp_path, capsys
):
    # an amount reached after the first batch of 20; two processes give the serial numbers
    code = main(["compare", str(quick_yaml), "--precision-abs", "5000", "--seed", "3",
                 "-j", "2", "--out", str(tmp_path / "a"), "--no-progress"])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    serial = itm.run_experiment(
        itm.load_scenario(quick_yaml), seed=3, absolute=5000, progress=False
    )
    stop = serial.stopping
    assert stop is not None and stop.reached and stop.replications == 20
    assert "20 replications per contract" in text
    assert "Precision reached after 20 replications (batches of 20)" in text
    assert (
        f"is ±{cli._money(stop.half_width, serial.scenario.currency)}, within the ±$5,000 asked"
        in text
    )
    written = pd.read_csv(tmp_path / "a" / "metrics.csv")
    assert written["client_total_cost"].tolist() == pytest.approx(
        serial.metrics["client_total_cost"].tolist(), rel=1e-12
    )


def test_the_summary_says_when_the_cap_stopped_the_run(quick):
    res = itm.run_experiment(quick, seed=3, precision=0.001, max_replications=4, progress=False)
    text = cli.summary_text(res)
    assert "4 replications per contract" in text
    assert "Precision NOT reached: the cap of 4 replications stopped the run" in text
    assert "0.1 % of" in text and "--max-replications" in text
    fixed = itm.run_experiment(quick, 4, seed=3, progress=False)
    assert "Precision" not in cli.summary_text(fixed)


def test_jobs_default_to_every_available_core_but_small_runs_stay_serial(monkeypatch):
    parser = cli._parser()
    monkeypatch.setattr(cli, "available_cores", lambda: 6)

    def jobs(*argv: str) -> int:
        args = parser.parse_args(["compare", *argv])
        cli._check(args)
        return cli._jobs(args)

    assert jobs() == 6  # 200 replications by default
    assert jobs("-n", "40") == 6
    assert jobs("-n", str(cli.SERIAL_BELOW - 1)) == 1
    assert jobs("-n", "3", "-j", "4") == 4
    assert jobs("-n", "400", "-j", "1") == 1
    assert jobs("--precision", "2%") == 6  # up to 1000 replications
    assert jobs("--precision", "2%", "--max-replications", "10") == 1


def test_available_cores_is_the_affinity_mask_or_the_cpu_count():
    n = cli.available_cores()
    assert n >= 1
    expected = getattr(os, "process_cpu_count", None)
    if expected is not None:  # pragma: no cover - Python 3.13+
        assert n == expected()
    else:
        assert n == len(os.sched_getaffinity(0))
