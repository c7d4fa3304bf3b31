"""The incentive table for people: ``itmodels compare --incentives``, ``itmodels
incentives`` and the provider report's section "What each provider's own interest makes it
do", with claim 6 and its verdict in the claims table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

import itmodels as itm
from itmodels import cli
from itmodels.cli import main
from itmodels.experiments.claims import INCENTIVE_CLAIM
from itmodels.experiments.provider import default_levers, provider_incentives
from itmodels.reports.bundle import MANIFEST
from itmodels.reports.report import bundle_files, html_report
from itmodels.reports.text import incentive_rows, lever_words

SECTION = "What each provider's own interest makes it do"


@pytest.fixture(scope="module")
def short_yaml(tmp_path_factory) -> Path:
    """The default scenario shortened to 6 months, as a file a user could have written."""
    scn = itm.load_scenario("small-office").override({"horizon": "6mo"})
    path = tmp_path_factory.mktemp("scn") / "short-office.yaml"
    path.write_text(yaml.safe_dump(scn.model_dump(mode="json", exclude_none=True)))
    return path


def _section(html: str) -> str:
    start = html.index('<section id="incentives">')
    return html[start : html.index("</section>", start)]


def test_compare_with_incentives_adds_the_table_the_section_and_claim_6(
    short_yaml, tmp_path, capsys
):
    out = tmp_path / "out"
    code = main(["compare", str(short_yaml), "-n", "4", "--seed", "3", "--out", str(out),
                 "--no-progress", "--incentives", "--incentive-replications", "3"])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "What each provider's own interest makes it do (3 replications" in printed.out
    # the table is the one provider_incentives gives on the default levers and seed
    scn = itm.load_scenario(short_yaml)
    inc = provider_incentives(scn, {o: default_levers(scn, o) for o in scn.contracts}, 3, seed=3)
    table = pd.read_csv(out / "incentives.csv")
    assert list(table["offer"]) == ["break_fix", "flat_rate"]
    for col in ("margin_gain", "client_change", "vs_baseline", "provider_margin"):
        assert table[col].to_numpy() == pytest.approx(inc.table[col].to_numpy(), rel=1e-9), col
    assert (table["margin_gain"] >= 0).all()  # the search keeps the offer as written
    assert "incentives.csv" in json.loads((out / MANIFEST).read_text())["files"]
    claims = pd.read_csv(out / "claims.csv").set_index("claim")
    assert claims.loc[6, "statement"] == INCENTIVE_CLAIM
    mean, lo, hi = inc.difference("flat_rate")
    assert claims.loc[6, "value"] == pytest.approx(mean, rel=1e-9)
    verdict = "supported" if hi < 0 else "contradicted" if lo > 0 else "inconclusive"
    assert claims.loc[6, "verdict"] == verdict
    # the provider's report has the section, one row per offer, and claim 6 with its verdict
    html = (out / "provider-report.html").read_text()
    section = _section(html)
    assert SECTION in section
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", section)
    assert [r[0] for r in rows] == ["Break-fix", "Flat-rate"]
    assert rows == [(r[0], r[1].replace("'", "&#39;")) for r in incentive_rows(inc, scn)]
    assert "(as written)" in section or "replace desktop" in section
    # a choice at the end of the values tried says so (the provider may go further)
    edges = [key for opt in inc.optima.values() for key in opt.at_edge]
    assert section.count("the end of the values tried") == len(edges)
    claim_rows = html[html.index('id="claims"') : html.index('id="incentives"')]
    assert "at the maintenance and replacement choices that maximise its margin" in claim_rows
    assert f'class="verdict {verdict}"' in claim_rows.split("maximise its margin")[1]
    # the client's report: the provider's margins are internal, as the rest of its side
    client = (out / "client-report.html").read_text()
    assert 'id="incentives"' not in client and "maximise its margin" not in client


def test_without_the_flag_nothing_changes(short_yaml, tmp_path) -> None:
    assert "incentives.csv" not in bundle_files()
    assert "incentives.csv" in bundle_files(incentives=True)
    res = itm.run_experiment(itm.load_scenario(short_yaml), 3, seed=1, progress=False)
    path = html_report(res, tmp_path / "r.html", audience="provider")
    html = path.read_text()
    assert 'id="incentives"' not in html and "maximise its margin" not in html


def test_incentives_command_prints_and_writes_the_table_without_clobbering(
    short_yaml, tmp_path, capsys
) -> None:
    out = tmp_path / "inc"
    argv = ["incentives", str(short_yaml), "-n", "2", "--seed", "4", "--offers", "flat_rate",
            "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "Flat-rate: patching every" in printed and "Break-fix" not in printed
    table = pd.read_csv(out / "incentives.csv")
    candidates = pd.read_csv(out / "incentive-candidates.csv")
    assert list(table["offer"]) == ["flat_rate"]
    # 3 patching x 3 preventive intervals x 2 desktop ages (3.95y is not reached in 6 months)
    assert len(candidates) == 18 and candidates["best"].sum() == 1
    assert candidates["current"].sum() == 1
    best = candidates[candidates["best"]].iloc[0]
    assert best["provider_margin"] == pytest.approx(table["provider_margin"].iloc[0])
    before = (out / "incentives.csv").read_bytes()
    # a second run refuses to replace the files, before simulating
    assert main(argv) == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "incentives.csv").read_bytes() == before
    assert main([*argv, "--overwrite", "--seed", "5"]) == 0
    assert (out / "incentives.csv").read_bytes() != before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left


def test_incentive_arguments_are_checked_before_simulating(
    short_yaml, tmp_path, capsys, monkeypatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulation started before the arguments were checked")

    monkeypatch.setattr(cli, "provider_incentives", refuse)
    monkeypatch.setattr(cli, "run_experiment", refuse)
    cases = [
        (["incentives", str(short_yaml), "--offers", "gold"], "--offers gold: "),
        (["incentives", str(short_yaml), "--baseline", "break_fix", "--offers", "flat_rate"],
         "--baseline break_fix: not among the offers searched"),
        (["incentives", str(short_yaml), "-n", "1"], "at least 2"),
        (["compare", str(short_yaml), "--incentive-replications", "5"], "only with --incentives"),
        (["compare", str(short_yaml), "--incentives", "--incentive-replications", "1"],
         "at least 2"),
    ]  # fmt: skip
    afile = tmp_path / "afile"
    afile.write_text("mine")
    cases.append((["incentives", str(short_yaml), "--out", str(afile)], "is a file"))
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (argv, err)


def test_lever_words() -> None:
    assert lever_words("fleet.nas.replace_at", "4.5y") == "replace nas at age 4.5y"
    assert lever_words("contracts.x.maintenance.patching.every", "2mo") == "patching every 2mo"
    assert lever_words("client.users", 3) == "client.users = 3"
