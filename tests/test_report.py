"""The proposal sheet, the HTML report and the bundle: what a prospect gets to see.

The HTML report is rendered in headless Chromium and the PDF read back with poppler-utils
(the ``chromium``, ``pdftotext`` and ``pdftoppm`` fixtures of ``conftest.py``: a missing tool
skips with the one-line install hint, or fails when the ``CI`` environment variable is set).
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ProcessPoolExecutor
from html import escape
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import conftest
import itmodels as itm
from itmodels.charts import plots
from itmodels.contracts import make_contract, offer_label
from itmodels.experiments.decisions import FeeEstimate
from itmodels.experiments.result import ExperimentResult
from itmodels.reports import report
from itmodels.reports import text as report_text
from itmodels.reports.text import offer_title
from itmodels.scenario import Branding, Scenario

SEED, REPS = 3, 6
HOSTILE = '<script>alert(1)</script> & "quotes"'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp;"
HEADINGS = (
    "Summary",
    "Comparison of every metric",
    "The claims for flat-rate IT, tested",
    "Budget predictability",
    "Charts",
    "Assumptions",
)
BUNDLE = [
    *(f"{t}.csv" for t in ("metrics", "monthly", "summary", "compare", "claims", "budget")),
    *(f"charts/{c}.{ext}" for c in report.CHARTS for ext in ("png", "svg")),
    "proposal.pdf",
    "client-report.html",
    "provider-report.html",
    "scenario.yaml",
]


def _small(**changes: object) -> Scenario:
    return itm.load_scenario("small-office").override({"horizon": "6mo", **changes})


@pytest.fixture(scope="module")
def scn() -> Scenario:
    return _small()


@pytest.fixture(scope="module")
def res(scn: Scenario) -> ExperimentResult:
    return itm.run_experiment(scn, REPS, seed=SEED, progress=False)


@pytest.fixture(scope="module")
def fee(scn: Scenario) -> FeeEstimate:
    return itm.break_even_fee(scn, REPS, seed=SEED)


@pytest.fixture(scope="module")
def hostile() -> ExperimentResult:
    """Every piece of scenario text that reaches the report is an injection attempt."""
    scn = _small(
        **{
            "name": HOSTILE,
            "description": HOSTILE,
            "client.name": HOSTILE,
            "fleet.printer.name": HOSTILE,
            "incident_streams.security.name": HOSTILE,
            "branding": {"provider": HOSTILE},
        }
    )
    return itm.run_experiment(scn, 4, seed=SEED, progress=False)


@pytest.fixture(scope="module")
def html(res: ExperimentResult, fee: FeeEstimate, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "provider-report.html"
    return report.html_report(res, path, break_even=fee, audience="provider")


def _sheet_text(path: Path, pdftotext: str) -> str:
    """The words on the proposal sheet, read back from the PDF by poppler's pdftotext."""
    cmd = [pdftotext, "-layout", str(path), "-"]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def _page_count(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


# ---------------------------------------------------------------------------- proposal sheet
def test_proposal_is_one_page_with_names_numbers_and_assumptions(
    res: ExperimentResult, fee: FeeEstimate, tmp_path: Path, pdftotext: str, pdftoppm: str
) -> None:
    path = report.proposal_pdf(res, tmp_path / "sub" / "proposal.pdf", break_even=fee)
    assert path == tmp_path / "sub" / "proposal.pdf"
    assert _page_count(path) == 1
    subprocess.run([pdftoppm, "-r", "40", "-png", path, tmp_path / "page"], check=True)
    assert [p.name for p in tmp_path.glob("page*.png")] == ["page-1.png"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["proposal.pdf"]  # no temp left
    text = _sheet_text(path, pdftotext)
    for expected in (
        "Example Small Office",  # prospect: the client's name
        "Example IT Services",  # provider: the scenario's provider
        "Break-fix",
        "Flat-rate",
        "90 % range",
        "Break-even flat-rate fee",
        f"{res.replications} simulated futures",
        f"run number {SEED}",
        "12 users",
        "$65 per device",
        "Illustrative industry figures, not measurements of this business",
    ):
        assert expected in text, expected


def test_proposal_branding_and_no_break_even_line(
    res: ExperimentResult, tmp_path: Path, pdftotext: str
) -> None:
    brand = Branding(provider="Acme $ Support", prospect="Jones & Co", accent="darkgreen")
    path = report.proposal_pdf(res, tmp_path / "p.pdf", branding=brand, paper="letter")
    text = _sheet_text(path, pdftotext)
    assert "Acme $ Support" in text and "Jones & Co" in text  # "$" is not mathtext
    assert "Break-even" not in text  # never computed silently
    assert _page_count(path) == 1


def test_names_fall_back_to_branding_then_scenario_then_defaults(scn: Scenario) -> None:
    plain = scn.override({"client.name": None, "provider.name": None})
    names = report.sheet_names(plain, None)
    assert (names.provider, names.prospect) == ("Your IT provider", "small-office")
    assert names.accent.startswith("#")
    assert report.sheet_names(scn, None).prospect == "Example Small Office"
    own = scn.override({"branding": {"prospect": "From file", "accent": "#ABCDEF"}})
    names = report.sheet_names(own, Branding(provider="Given"))
    assert (names.provider, names.prospect, names.accent) == ("Given", "From file", "#abcdef")
    with pytest.raises(ValueError, match=r"accent[\s\S]*is not a colour"):
        report.sheet_names(scn, Branding(accent="red; } body { display: none"))


def test_takeaway_says_break_fix_when_break_fix_is_cheaper() -> None:
    dear = _small(**{"contracts.flat_rate.fee_per_device": 400})
    res = itm.run_experiment(dear, REPS, seed=SEED, progress=False)
    line = report.takeaway_text(res)
    assert line.startswith("Break-fix is cheaper: about $"), line
    lo, hi = re.search(r"95\s% CI \$([\d,]+) to \$([\d,]+)", line).groups()  # type: ignore[union-attr]
    assert float(lo.replace(",", "")) <= float(hi.replace(",", ""))


def test_proposal_failure_leaves_no_file(
    res: ExperimentResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("chart failed")

    monkeypatch.setattr(plots, "cost_breakdown", broken)
    with pytest.raises(RuntimeError, match="chart failed"):
        report.proposal_pdf(res, tmp_path / "proposal.pdf")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- HTML report
def test_html_report_is_self_contained_with_every_section(html: Path) -> None:
    text = html.read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert f">{heading}</h2>" in text, heading
    assert text.count("<svg") == len(report.CHARTS)
    assert "<script" not in text and "<link" not in text and "<img" not in text
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # namespaces
    assert set(re.findall(r"(?:href|src)=\"(.)", text)) <= {"#"}  # links inside the page only
    for expected in ("Flat-rate is cheaper", "Break-even flat-rate fee", "client_total_cost",
                     "supported", "within std", "Value of a staff hour", "desktop",
                     "Flat-rate: sla response P1", "Illustrative industry figures"):  # fmt: skip
        assert expected in text, expected


def test_html_escapes_every_piece_of_scenario_text(
    hostile: ExperimentResult, tmp_path: Path
) -> None:
    path = report.html_report(hostile, tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text
    assert text.count(ESCAPED) >= 6  # title, h1, provider, scenario, description, fleet, stream
    assert "&#34;quotes&#34;" in text


def test_inline_svg_escapes_chart_text() -> None:
    fig = Figure()
    fig.add_subplot().set_title(HOSTILE)
    svg = report.svg_text(fig, "test")
    assert svg.startswith("<svg") and "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in svg


def test_html_report_uses_the_claims_given(res: ExperimentResult, tmp_path: Path) -> None:
    table = itm.claims(res).assign(note="a note from the caller")
    path = report.html_report(res, tmp_path / "r.html", claims=table, audience="provider")
    text = path.read_text(encoding="utf-8")
    assert text.count("a note from the caller") == len(table)


def test_html_report_renders_in_headless_chromium(
    html: Path, tmp_path: Path, chromium: str
) -> None:
    flags = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
    ]  # fmt: skip
    url = html.resolve().as_uri()
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=180)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for heading in HEADINGS:
        assert re.search(rf"<h2>\s*{re.escape(heading)}\s*</h2>", dom.stdout), heading
    assert "IT support for Example Small Office" in dom.stdout
    assert len(re.findall(r"<svg\b", dom.stdout)) == len(report.CHARTS)
    shot = tmp_path / "report.png"
    run = subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=1200,3000", url],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a drawn page, not a blank one


def test_client_report_shows_none_of_the_providers_internals(
    res: ExperimentResult, tmp_path: Path
) -> None:
    """The client gets no provider cost, margin, revenue, wage, technicians or its chart."""
    scn = _small(**{"provider.wage": 61.7, "provider.technicians": 3})
    res = itm.run_experiment(scn, REPS, seed=SEED, progress=False)
    client = report.html_report(res, tmp_path / "c.html").read_text(encoding="utf-8")
    internal = report.html_report(res, tmp_path / "p.html", audience="provider")
    provider = internal.read_text(encoding="utf-8")
    comp = res.compare("break_fix", "flat_rate")
    secrets = ["$61.70", "Loaded wage", "Technicians", "chart-provider_view", "Internal"]
    secrets += ["provider_revenue"]  # its amounts are the client's own bills, so not secret
    for metric in ("provider_cost", "provider_margin", "technician_hours"):
        secrets.append(metric)
        secrets += [report._fmt(comp.loc[metric, k]) for k in ("mean_baseline", "mean_other")]
    secrets.append("provider earns")  # the claims measured on the provider's books
    for secret in secrets:
        assert secret in provider, secret
        assert secret not in client, secret
    for words in ("provider margin", "provider cost", "technician hours"):  # not even named
        assert words in provider.lower() and words not in client.lower(), words
    for shared in ("client_total_cost", "Flat-rate is cheaper", "Budget predictability"):
        assert shared in client and shared in provider, shared
    with pytest.raises(ValueError, match="audience"):
        report.html_report(res, tmp_path / "x.html", audience="prospect")  # type: ignore[arg-type]


def test_report_wording_reads_plainly(res: ExperimentResult, html: Path) -> None:
    text = html.read_text(encoding="utf-8")
    assert not re.search(r"scale=[\d.]+h", text) and "Weibull: shape 1.44, scale 7.9 years" in text
    sla = re.search(r"<tr><td>SLA breaches.*?</tr>", text, re.S)
    assert sla is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', sla[0])
    assert cells[0] == "n/a" and cells[1] != "n/a" and cells[2:] == ["n/a"] * 3  # no SLA
    assert "lower in</th>" not in text and "Flat-rate better in</th>" in text
    m = res.metrics.assign(contract=res.metrics["contract"].astype(str))
    by = m.pivot(index="replication", columns="contract", values="failures_prevented")
    prevented = re.search(r"<tr><td>Failures prevented.*?</tr>", text, re.S)
    assert prevented is not None
    share = f"{(by['flat_rate'] > by['break_fix']).mean() * 100:.0f} %"
    assert re.findall(r'<td class="num">([^<]*)</td>', prevented[0])[-1] == share
    assert "Cost of downtime (staff time and revenue lost)" in text  # revenue_per_hour_down set
    assert "IT bills + staff time and revenue lost" in text
    table = text[text.index('id="comparison"') : text.index('id="claims"')]
    assert not re.search(r">-\d| -\d", table) and "−" in table  # one minus sign: −
    shown = re.sub(r"<(style|svg)\b.*?</\1>", "", text, flags=re.S)  # CSS widths are not text
    assert not re.search(r"\d%", shown), "percentages are written '40 %', as the intervals"
    assert "common random numbers" not in text


def test_footer_without_jargon_and_with_plurals(res: ExperimentResult, scn: Scenario) -> None:
    foot = report_text.assumptions_text(res)
    assert "common random numbers" not in foot and "seed" not in foot
    assert "12 desktops, 1 NAS, 1 printer, 1 router" in foot
    staff_only = scn.override({"client.revenue_per_hour_down": 0})
    assert report_text.lost_words(staff_only) == "staff time lost"


# ---------------------------------------------------------------------------- bundle
def test_write_bundle_writes_every_file(
    res: ExperimentResult, fee: FeeEstimate, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    paths = report.write_bundle(res, out, break_even=fee)
    assert sorted(paths) == sorted(BUNDLE)
    for name, path in paths.items():
        assert path == out / name and path.stat().st_size > 0, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp folder left
    assert pd.read_csv(paths["metrics.csv"]).shape == res.metrics.shape
    assert "verdict" in pd.read_csv(paths["claims.csv"]).columns
    assert "client_total_cost" in set(pd.read_csv(paths["compare.csv"])["metric"])
    assert paths["charts/downtime.png"].read_bytes()[:4] == b"\x89PNG"
    assert paths["charts/downtime.svg"].read_text(encoding="utf-8").startswith("<svg")
    assert _page_count(paths["proposal.pdf"]) == 1
    html = paths["provider-report.html"].read_text(encoding="utf-8")
    assert html.count("<svg") == len(report.CHARTS) and "Break-even flat-rate fee" in html
    client = paths["client-report.html"].read_text(encoding="utf-8")
    assert client.count("<svg") == len(report.CHARTS) - 1 and "provider_margin" not in client
    with pytest.raises(FileExistsError):
        report.write_bundle(res, out, overwrite=False)
    # charts drawn by worker processes (as the CLI does with its pool): the same files
    with ProcessPoolExecutor(2) as pool:
        pooled = report.write_bundle(res, tmp_path / "pooled", break_even=fee, executor=pool)
    assert sorted(pooled) == sorted(paths)
    for name in paths:
        assert pooled[name].read_bytes() == paths[name].read_bytes(), name


def test_write_bundle_failure_leaves_nothing_that_looks_complete(
    res: ExperimentResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("chart failed")

    monkeypatch.setattr(plots, "downtime", broken)
    with pytest.raises(RuntimeError, match="chart failed"):
        report.write_bundle(res, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
    old = tmp_path / "old"
    old.mkdir()
    (old / "keep.txt").write_text("previous run", encoding="utf-8")
    with pytest.raises(RuntimeError, match="chart failed"):
        report.write_bundle(res, old, force=True)  # without force: refused before drawing
    assert [p.name for p in tmp_path.iterdir()] == ["old"]
    assert [p.name for p in old.iterdir()] == ["keep.txt"]


# ---------------------------------------------------------------------------- system tools
def test_tools_are_found_off_path_in_the_usual_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert conftest.find_tool("chromium", (str(tmp_path),)) == str(fake)
    assert conftest.need_tool("chromium", fallback_dirs=(str(tmp_path),)) == str(fake)


def test_a_missing_tool_skips_with_a_hint_or_fails_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        conftest.need_tool("chromium", fallback_dirs=(str(tmp_path),))
    assert "apt-get install chromium poppler-utils" in str(skipped.value)
    assert "\n" not in str(skipped.value)  # one line
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        conftest.need_tool("pdftotext", fallback_dirs=(str(tmp_path),))
    assert "apt-get install chromium poppler-utils" in str(failed.value)


# ---------------------------------------------------------------------------- many offers
#: Extra offers of the shipped flat-rate terms with other fees (names as a user writes them).
EXTRA = {
    "essentials": {"fee_per_device": 45, "onsite_included": False, "onsite_hourly_rate": 150},
    "complete": {"fee_per_device": 58},
    "per-user_basic": {"fee_per_device": 0, "fee_per_user": 90},
    "gold-24x7": {"fee_per_device": 80},
}


def _offers(n: int, **same: str) -> Scenario:
    """small-office with ``n`` offers: its two, then the first of :data:`EXTRA`; ``same``
    adds offers whose terms copy another's (new name -> copied offer)."""
    data = _small().model_dump(mode="json", exclude_none=True)
    offers = data["contracts"]
    for name, change in list(EXTRA.items())[: n - 2]:
        offers[name] = {**offers["flat_rate"], **change}
    for name, copied in same.items():
        offers[name] = dict(offers[copied])
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def many() -> dict[int, ExperimentResult]:
    return {n: itm.run_experiment(_offers(n), 4, seed=SEED, progress=False) for n in (3, 5)}


def _by_cost(res: ExperimentResult) -> list[str]:
    """The offers from the cheapest for the client (mean total cost), ties by name."""
    m = res.metrics.assign(contract=res.metrics["contract"].astype(str))
    means = m.groupby("contract")["client_total_cost"].mean()
    return sorted(means.index, key=lambda c: (means[c], c))


def _shown(res: ExperimentResult, name: str) -> str:
    """An offer inside a sentence: a model's label in lower case, else the name as written."""
    label = offer_label(res.scenario.contracts, name)
    return label.lower() if label != name else name


@pytest.mark.parametrize("n", [3, 5])
def test_proposal_with_many_offers_is_one_page_with_every_name_and_the_ranking(
    many: dict[int, ExperimentResult], n: int, tmp_path: Path, pdftotext: str
) -> None:
    res = many[n]
    assert len(res.contracts) == n
    path = report.proposal_pdf(res, tmp_path / "p.pdf")
    assert _page_count(path) == 1
    text = _sheet_text(path, pdftotext)
    for name in res.contracts:
        assert offer_label(res.scenario.contracts, str(name)) in text, name
    order = [_shown(res, c) for c in _by_cost(res)]
    rank = res.ranking()
    if rank["clear"].iloc[1]:
        assert f"Cheapest for this client: {order[0]}," in text, text[:600]
    else:
        assert f"No clear winner: {order[0]} is cheapest on average" in text, text[:600]
    assert f"{order[1]} (2nd" in text or f"2nd: {order[1]}," in text
    for i, name in enumerate(order[2:], start=3):
        assert f"{report_text.ordinal(i)}: {name}, $" in text, (i, name)
    recommended = next(c for c in _by_cost(res) if c != res.baseline)  # cheapest but baseline
    assert f"Our offer, {_shown(res, recommended)}: $" in text
    assert f"{ {3: 'Three', 5: 'Five'}[n] } offers compared. Prepared by" in text


def test_offers_not_told_apart_are_said_so() -> None:
    """Two offers with the same terms face the same futures: their gap is exactly zero."""
    res = itm.run_experiment(
        _offers(2, twin="flat_rate", other="flat_rate"), 4, seed=SEED, progress=False
    )
    line = report.takeaway_text(res)
    cheapest = _shown(res, _by_cost(res)[0])
    assert line.startswith(f"No clear winner: {cheapest} is cheapest on average"), line
    assert "not told apart" in line and "break-fix" in line


def test_html_has_one_key_figure_column_and_the_terms_of_every_offer(
    many: dict[int, ExperimentResult], tmp_path: Path
) -> None:
    res = many[5]
    scn = res.scenario
    text = report.html_report(res, tmp_path / "r.html").read_text(encoding="utf-8")
    key = re.search(r'<table class="key">(.*?)</table>', text, re.S)
    assert key is not None
    rows = re.findall(r"<tr>(.*?)</tr>", key[1], re.S)
    assert len(rows) == 4  # header and three figures
    heads = re.findall(r"<th[^>]*>(.*?)</th>", rows[0], re.S)
    assert len(heads) == 1 + len(res.contracts)
    for head, name in zip(heads[1:], res.contracts, strict=True):
        assert head.startswith(offer_label(scn.contracts, str(name))), (head, name)
    for row in rows[1:]:
        assert len(re.findall(r"<td\b", row)) == 1 + len(res.contracts)
    offers = text[text.index('id="offers"') : text.index('id="comparison"')]
    for name in res.contracts:
        contract = make_contract(scn, str(name))
        assert escape(contract.price_words(scn.currency, exact=True)) in offers, name
        assert escape(offer_title(scn, str(name))) in offers, name
        for item in contract.inclusions(scn.currency)[0]:
            assert escape(item) in offers, (name, item)
    comparison = text[text.index('id="comparison"') : text.index('id="claims"')]
    base = offer_label(scn.contracts, res.baseline)
    others = [offer_label(scn.contracts, str(c)) for c in res.contracts if c != res.baseline]
    assert re.findall(r"<h3>(.*?) against (.*?)</h3>", comparison) == [(o, base) for o in others]
    moved = report.html_report(res.with_baseline("complete"), tmp_path / "b.html")
    text = moved.read_text(encoding="utf-8")
    comparison = text[text.index('id="comparison"') : text.index('id="claims"')]
    heads = re.findall(r"<h3>(.*?) against (.*?)</h3>", comparison)
    assert [b for _, b in heads] == ["complete"] * 4 and ("Break-fix", "complete") in heads


def test_the_offer_proposed_can_be_named_and_a_wrong_name_is_refused(
    many: dict[int, ExperimentResult], tmp_path: Path, pdftotext: str
) -> None:
    res = many[3]
    path = report.proposal_pdf(res, tmp_path / "p.pdf", offer="flat_rate")
    assert "Our offer, flat-rate: $65 per device a month" in _sheet_text(path, pdftotext)
    with pytest.raises(ValueError, match=r"platinum.*expected one of \['break_fix'"):
        report.proposal_pdf(res, tmp_path / "x.pdf", offer="platinum")
    with pytest.raises(ValueError, match="platinum"):
        report.write_bundle(res, tmp_path / "out", offer="platinum")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.pdf"]  # nothing else written


def test_a_client_name_with_markup_is_escaped_beside_many_offers(
    many: dict[int, ExperimentResult], tmp_path: Path
) -> None:
    res = many[3]
    scn = res.scenario.override({"client.name": "<b>gold</b> & co"})
    marked = ExperimentResult(scn, res.seed, res.contracts, res.metrics, res.monthly)
    text = report.html_report(marked, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<b>gold" not in text and "&lt;b&gt;gold&lt;/b&gt; &amp; co" in text
