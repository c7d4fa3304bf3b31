"""The itmodels command as sales staff use it: files written, clear errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import distributed
import pandas as pd
import pytest
import yaml

import itmodels as itm
from itmodels.cli import main

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def short_yaml(tmp_path_factory) -> Path:
    """The default scenario shortened to 6 months, as a file a user could have written."""
    scn = itm.load_scenario("small-office").override({"horizon": "6mo"})
    path = tmp_path_factory.mktemp("scn") / "short-office.yaml"
    path.write_text(yaml.safe_dump(scn.model_dump(mode="json", exclude_none=True)))
    return path


def test_compare_prints_a_table_and_writes_every_output(short_yaml, tmp_path, capsys):
    out = tmp_path / "out"
    brand = ["--prospect", "Acme <b>Dental</b>", "--accent", "#0b6e4f"]
    code = main(["compare", str(short_yaml), "-n", "3", "--seed", "2", "--out", str(out),
                 "--no-progress", *brand])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "Client total cost" in printed.out and "break-fix" in printed.out
    assert "Break-even fee per device" in printed.out
    for name in ("report.html", "proposal.pdf", "metrics.csv", "summary.csv", "claims.csv"):
        assert (out / name).stat().st_size > 0, name
    assert len(list((out / "charts").glob("*.png"))) == len(list((out / "charts").glob("*.svg")))
    assert list((out / "charts").glob("*.png"))
    html = (out / "report.html").read_text()
    assert "Acme &lt;b&gt;Dental&lt;/b&gt;" in html and "<b>Dental" not in html
    metrics = pd.read_csv(out / "metrics.csv")
    res = itm.run_experiment(itm.load_scenario(short_yaml), 3, seed=2, progress=False)
    assert metrics["client_total_cost"].to_numpy() == pytest.approx(
        res.metrics["client_total_cost"].to_numpy(), rel=1e-12
    )


def test_a_bad_scenario_gets_one_message_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    text = Path(itm.load_scenario("small-office").source).read_text()
    bad.write_text(text.replace("shape: 1.44", "shape: -1.44", 1))
    out = tmp_path / "out"
    assert main(["compare", str(bad), "-n", "2", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "fleet[0].lifetime.shape" in err and "greater than 0" in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "-n", "1"], "at least 2"),
        (["compare", "--jobs", "0"], "--jobs"),
        (["compare", "--accent", "not-a-colour"], "not a colour"),
        (["compare", "--jobs", "2", "--dask", "tcp://127.0.0.1:1"], "either"),
        (["validate", "no-such-file.yaml"], "no such file"),
        (["break-even", "small-office", "--per", "server"], "fee_per_server"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(args, message, capsys):
    assert main([*args, "--no-progress"] if args[0] != "validate" else args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_unreachable_dask_scheduler_is_a_clear_error(tmp_path, capsys):
    code = main(["compare", "-n", "2", "--dask", "tcp://127.0.0.1:1", "--no-progress",
                 "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_compare_on_an_existing_dask_scheduler_gives_the_serial_numbers(short_yaml, tmp_path):
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        code = main(["compare", str(short_yaml), "-n", "4", "--dask", cluster.scheduler_address,
                     "--out", str(tmp_path / "dask"), "--no-progress"])  # fmt: skip
    assert code == 0
    assert main(["compare", str(short_yaml), "-n", "4", "--jobs", "2",
                 "--out", str(tmp_path / "jobs"), "--no-progress"]) == 0  # fmt: skip
    on_dask = pd.read_csv(tmp_path / "dask" / "metrics.csv")
    on_jobs = pd.read_csv(tmp_path / "jobs" / "metrics.csv")
    serial = itm.run_experiment(itm.load_scenario(short_yaml), 4, seed=7, progress=False)
    for frame in (on_dask, on_jobs):
        assert frame["client_total_cost"].tolist() == pytest.approx(
            serial.metrics["client_total_cost"].tolist(), rel=1e-12
        )


def test_break_even_validate_and_scenarios(short_yaml, capsys):
    assert main(["break-even", str(short_yaml), "-n", "3", "--basis", "cash", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "break-even fee per device" in out and "cash only" in out
    assert main(["validate", str(short_yaml)]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["scenarios"]) == 0
    listed = capsys.readouterr().out
    for name in ("small-office", "professional-firm", "retail-shop"):
        assert name in listed


def test_the_installed_command_runs_without_a_traceback(tmp_path):
    ok = subprocess.run([BIN / "itmodels", "scenarios"], capture_output=True, text=True)
    assert ok.returncode == 0 and "small-office" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon: 1y\nclient: [1, 2]\n")
    run = subprocess.run(
        [sys.executable, "-m", "itmodels", "validate", str(bad)], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert str(bad) in run.stderr and "client" in run.stderr
    assert "Traceback" not in run.stderr
