"""The itmodels command as sales staff use it: files written, clear errors, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import distributed
import pandas as pd
import pytest
import yaml

import itmodels as itm
from itmodels import cli
from itmodels.cli import main, summary_text
from itmodels.reports.bundle import MANIFEST
from itmodels.scenario.shipped import shipped_path

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def short_yaml(tmp_path_factory) -> Path:
    """The default scenario shortened to 6 months, as a file a user could have written."""
    scn = itm.load_scenario("small-office").override({"horizon": "6mo"})
    path = tmp_path_factory.mktemp("scn") / "short-office.yaml"
    path.write_text(yaml.safe_dump(scn.model_dump(mode="json", exclude_none=True)))
    return path


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if the command starts simulating: its checks must come first."""

    def simulate(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulation started before the arguments were checked")

    monkeypatch.setattr(cli, "run_experiment", simulate)
    monkeypatch.setattr(cli, "break_even_fee", simulate)


def _scenario_file(folder: Path, **changes: object) -> Path:
    scn = itm.load_scenario("small-office").override({"horizon": "3mo", **changes})
    path = folder / "my-office.yaml"
    path.write_text(yaml.safe_dump(scn.model_dump(mode="json", exclude_none=True)))
    return path


def test_compare_prints_a_table_and_writes_every_output(short_yaml, tmp_path, capsys):
    out = tmp_path / "out"
    brand = ["--prospect", "Acme <b>Dental</b>", "--accent", "#0b6e4f"]
    umask = os.umask(0o022)
    try:
        code = main(["compare", str(short_yaml), "-n", "3", "--seed", "2", "--out", str(out),
                     "--no-progress", *brand])  # fmt: skip
    finally:
        os.umask(umask)
    printed = capsys.readouterr()
    assert out.stat().st_mode & 0o777 == 0o755  # the user's umask, not 0700
    assert code == 0, printed.err
    assert "Client total cost" in printed.out and "break-fix" in printed.out
    assert "Break-even fee per device" in printed.out
    for name in ("client-report.html", "proposal.pdf", "metrics.csv", "summary.csv", "claims.csv"):
        assert (out / name).stat().st_size > 0, name
    assert len(list((out / "charts").glob("*.png"))) == len(list((out / "charts").glob("*.svg")))
    assert list((out / "charts").glob("*.png"))
    html = (out / "client-report.html").read_text()
    assert "Acme &lt;b&gt;Dental&lt;/b&gt;" in html and "<b>Dental" not in html
    metrics = pd.read_csv(out / "metrics.csv")
    res = itm.run_experiment(itm.load_scenario(short_yaml), 3, seed=2, progress=False)
    assert metrics["client_total_cost"].to_numpy() == pytest.approx(
        res.metrics["client_total_cost"].to_numpy(), rel=1e-12
    )
    # the bundle is ours (its manifest says so), so a second run replaces it whole
    assert json.loads((out / MANIFEST).read_text())["files"] == sorted(
        str(p.relative_to(out).as_posix()) for p in out.rglob("*") if p.is_file()
        and p.name != MANIFEST
    )  # fmt: skip
    assert main(["compare", str(short_yaml), "-n", "2", "--seed", "5", "--out", str(out),
                 "--no-progress"]) == 0  # fmt: skip
    assert len(pd.read_csv(out / "metrics.csv")) == 4  # 2 replications x 2 contracts
    assert "Acme" not in (out / "client-report.html").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


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
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # None still binds 8787; ":0" takes a free port
        scheduler_port=0,
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
    said = capsys.readouterr().out
    assert "valid" in said and re.search(r"about [\d,]+ simulation events a replication", said)
    assert main(["scenarios"]) == 0
    listed = capsys.readouterr().out
    for name in ("small-office", "professional-firm", "retail-shop"):
        assert name in listed


def test_validate_refuses_a_scenario_too_big_to_simulate(capsys):
    assert main(["validate", "small-office", "--set", "client.users=1000000"]) == 2
    err = capsys.readouterr().err
    assert "events" in err and "ITMODELS_MAX_EVENTS" in err and "Traceback" not in err


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


# ---------------------------------------------------------------------------- output folders
def test_a_folder_of_the_users_is_refused_before_simulating(tmp_path, capsys, no_simulation):
    out = tmp_path / "outtest"
    (out / "sub").mkdir(parents=True)
    (out / "my-notes.txt").write_text("mine")
    (out / "sub" / "a.txt").write_text("mine too")
    assert main(["compare", "-n", "2", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "not an itmodels bundle" in err and "my-notes.txt" in err and "--force" in err
    assert (out / "my-notes.txt").read_text() == "mine"
    assert (out / "sub" / "a.txt").read_text() == "mine too"
    assert sorted(p.name for p in out.iterdir()) == ["my-notes.txt", "sub"]


@pytest.mark.parametrize("out", [".", "..", "{cwd}", "/"])
def test_the_current_folder_is_refused_before_simulating(
    out, tmp_path, monkeypatch, capsys, no_simulation
):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    monkeypatch.chdir(work)
    args = ["compare", "-n", "2", "--out", out.format(cwd=work), "--no-progress"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "current folder" in err or "own name" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["notes.txt", "work"]


def test_a_file_or_a_link_given_as_out_is_refused(tmp_path, capsys, no_simulation):
    plain = tmp_path / "results"
    plain.write_text("my file")
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    assert main(["compare", "-n", "2", "--out", str(plain), "--no-progress"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert main(["compare", "-n", "2", "--out", str(link), "--no-progress"]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert plain.read_text() == "my file" and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "results", "target"]


@pytest.mark.parametrize(
    ("name", "folder"),
    [("/srv/shared/victim", "srv-shared-victim"), ("../../escaped", "escaped"),
     (".", "scenario"), ("x" * 300, "x" * 100)],
)  # fmt: skip
def test_the_scenario_name_gives_one_folder_inside_itmodels_out(
    name, folder, tmp_path, monkeypatch, no_simulation
):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    checked = []
    real = cli.check_destination

    def check(path, **kwargs):
        checked.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(cli, "check_destination", check)
    scn = _scenario_file(tmp_path, name=name)
    with pytest.raises(AssertionError, match="simulation started"):
        main(["compare", str(scn), "-n", "2", "--no-progress"])
    assert checked == [Path("itmodels-out") / folder]


def test_a_scenario_named_like_a_system_folder_writes_inside_itmodels_out(tmp_path):
    """Run as a user would, piped into ``head``: exit 0, quiet, files written in place."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "data.txt").write_text("precious")
    scn = _scenario_file(tmp_path, name=str(victim))
    work = tmp_path / "work"
    work.mkdir()
    read, write = os.pipe()
    os.close(read)  # the reader has gone before anything is printed: like `| head -0`
    try:
        run = subprocess.run(
            [sys.executable, "-m", "itmodels", "compare", str(scn), "-n", "2", "--no-progress"],
            cwd=work, stdout=write, stderr=subprocess.PIPE, text=True, timeout=600,
        )  # fmt: skip
    finally:
        os.close(write)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr == ""
    assert sorted(p.name for p in victim.iterdir()) == ["data.txt"]
    assert (victim / "data.txt").read_text() == "precious"
    out = work / "itmodels-out" / str(victim).strip("/").replace("/", "-")
    assert (out / "client-report.html").stat().st_size > 0 and (out / MANIFEST).is_file()
    assert sorted(p.name for p in work.iterdir()) == ["itmodels-out"]


def test_a_bad_accent_in_the_scenario_is_refused_before_simulating(tmp_path, capsys, no_simulation):
    path = tmp_path / "branded.yaml"
    data = yaml.safe_load(_scenario_file(tmp_path).read_text())
    data["branding"] = {"accent": "not-a-colour"}
    path.write_text(yaml.safe_dump(data))
    for args in (["validate", str(path)], ["compare", str(path), "-n", "2", "--no-progress",
                                           "--out", str(tmp_path / "out")]):  # fmt: skip
        assert main(args) == 2
        err = capsys.readouterr().err
        assert str(path) in err and "branding.accent" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------- polish
def test_set_changes_the_scenario_and_errors_name_the_key(capsys):
    assert main(["validate", "small-office", "--set", "client.users=25",
                 "--set", "fleet.0.count=4"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "valid. 25 users" in out and "(override)" in out
    for pair, words in [
        ("nosuch.key=3", ["nosuch"]),
        ("client.users=abc", ["client.users", "integer"]),
        ("client.users", ["client.users", "KEY=VALUE"]),
        ("client.users=", ["client.users", "no value"]),
        ("client.users=[1", ["client.users", "YAML"]),
    ]:
        assert main(["validate", "small-office", "--set", pair]) == 2, pair
        err = capsys.readouterr().err
        assert all(w in err for w in words), (pair, err)
        assert "Traceback" not in err


def test_set_is_checked_before_simulating(tmp_path, capsys, no_simulation):
    for command in ("compare", "break-even"):
        assert main([command, "-n", "2", "--set", "client.users=0", "--no-progress"]) == 2
        assert "client.users" in capsys.readouterr().err


def test_version_and_scenario_paths(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"itmodels {itm.__version__}"
    assert main(["scenarios"]) == 0
    listed = capsys.readouterr().out
    for name in itm.scenario_names():
        path = shipped_path(name)
        assert f"{path}" in listed and path.is_file()


def test_summary_columns_never_run_together():
    scn = itm.load_scenario("small-office").override({"horizon": "2mo", "currency": "CHF"})
    res = itm.run_experiment(scn, 2, seed=3, progress=False)
    text = summary_text(res)
    rows = text.splitlines()[3:12]
    assert max(len(cell) for row in rows for cell in row.split("  ")) >= 30  # the old limit
    assert re.search(r"cheaper in \d+ % of the futures", text), text  # '95 %' spacing, as CIs
    for row in rows:
        assert len(re.split(r"\s{2,}", row.strip())) == 1 + len(res.contracts), row
