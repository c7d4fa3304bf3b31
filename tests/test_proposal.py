"""The proposal sheet in any currency and with any names: money formats, measured layout.

Layout is checked two ways: the text boxes matplotlib drew on the page (none overlaps
another, none crosses the margins), and the words poppler reads back from the PDF
(``pdftotext -bbox``: every word inside the page).
"""

from __future__ import annotations

import datetime
import itertools
import re
import subprocess
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

import itmodels as itm
from itmodels.experiments.result import ExperimentResult
from itmodels.money.formatting import currency_symbol, format_money
from itmodels.reports import report
from itmodels.reports import text as report_text
from itmodels.scenario import Branding, Scenario

LONG = "Northern Lights Managed IT Services & Cloud Consulting Limited"  # 62 characters
SEED, REPS = 3, 4
HEADER = {"title", "provider", "contact", "takeaway", "contract", "label", "value", "range"}
HEADER |= {"offer", "includes", "break-even", "assumptions"}


# ---------------------------------------------------------------------------- money
@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (39_712, "GBP", "£39,700"),
        (-480.2, "EUR", "−€480"),
        (1_234_567, "JPY", "¥1,230,000"),
        (7.5, "JPY", "¥8"),  # the yen has no decimals
        (95, "CHF", "CHF\xa095"),  # a letter symbol keeps its space
        (7.5, "USD", "$7.50"),
        (13_949, "USD", "$13,900"),
        (float("nan"), "USD", "n/a"),
    ],
)
def test_money_uses_the_currencys_own_symbol_and_decimals(
    amount: float, currency: str, expected: str
) -> None:
    assert format_money(amount, currency) == expected


def test_money_keeps_every_digit_when_asked() -> None:
    assert format_money(1234.5, "GBP", exact=True) == "£1,234.50"
    assert format_money(1234.5, "JPY", exact=True) == "¥1,234"  # banker's rounding of .5
    assert currency_symbol("XYZ") == "XYZ"  # an unknown code is shown as written


# ---------------------------------------------------------------------------- layout
@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExperimentResult]:
    out = {}
    for cur in ("GBP", "JPY", "CHF"):
        scn = itm.load_scenario("small-office").override({"horizon": "6mo", "currency": cur})
        out[cur] = itm.run_experiment(scn, REPS, seed=SEED, progress=False)
    return out


def _logo(path: Path) -> Path:
    fig = Figure(figsize=(4, 1.2))
    fig.text(0.5, 0.5, "LOGO", ha="center", va="center", fontsize=30)
    fig.savefig(path, dpi=60)
    return path


def _boxes(fig: Figure) -> list[tuple[str, str, Bbox]]:
    """Every header/footer text box on the page, in inches."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = []
    for t in fig.findobj(Text):
        if t.get_gid() in HEADER and t.get_text().strip():
            box = t.get_window_extent(renderer).transformed(fig.dpi_scale_trans.inverted())
            boxes.append((str(t.get_gid()), t.get_text(), box))
    return boxes


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("currency", ["GBP", "JPY", "CHF"])
def test_any_currency_and_a_long_name_fit_without_collisions(
    results: dict[str, ExperimentResult], currency: str, paper: str, tmp_path: Path
) -> None:
    res = results[currency]
    brand = Branding(
        provider=LONG,
        prospect=LONG,
        logo=str(_logo(tmp_path / "logo.png")),
        contact="Ann Lee, ann.lee@northern-lights-managed-it.example.co.uk, +44 20 7946 0000",
        date=datetime.date(2026, 12, 3),
    )
    names = report.sheet_names(res.scenario, brand)
    fig = report.proposal_figure(res, names, None, paper)
    width, height = fig.get_size_inches()
    boxes = _boxes(fig)
    assert {g for g, _, _ in boxes} >= {"title", "provider", "contact", "value", "offer"}
    for gid, text, box in boxes:
        assert box.x0 >= 0.3 and box.x1 <= width - 0.3, (gid, text, box)
        assert box.y0 >= 0 and box.y1 <= height, (gid, text, box)
    for (g1, t1, b1), (g2, t2, b2) in itertools.combinations(boxes, 2):
        assert not b1.overlaps(b2), f"{g1} {t1!r} overlaps {g2} {t2!r}"
    logo = next(a for a in fig.axes if a.get_gid() == "logo")
    logo_box = logo.get_window_extent().transformed(fig.dpi_scale_trans.inverted())
    for gid, text, box in boxes:
        assert not logo_box.overlaps(box), (gid, text)


def test_the_pdf_text_has_the_symbols_whole_names_and_no_run_together_cells(
    results: dict[str, ExperimentResult], tmp_path: Path, pdftotext: str
) -> None:
    for cur, symbol in (("GBP", "£"), ("JPY", "¥"), ("CHF", "CHF")):
        path = report.proposal_pdf(
            results[cur], tmp_path / f"{cur}.pdf", branding=Branding(provider=LONG)
        )
        raw = subprocess.run(
            [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        text = " ".join(raw.split())
        assert LONG in text, text[:400]
        assert f"range {symbol}" in text
        assert not re.search(rf"\d {cur}\S", text), "an amount runs into the next cell"
        if cur == "JPY":
            # no decimals on whole yen amounts (compact chart labels such as ¥4.6k may have one)
            assert not re.search(r"¥[\d,]+\.\d+(?![\dkMB])", text)
        bbox = subprocess.run(
            [pdftotext, "-bbox", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', bbox)
        assert page is not None
        w, h = float(page[1]), float(page[2])
        words = re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', bbox
        )
        assert len(words) > 200
        for x0, y0, x1, y1, word in words:
            assert float(x0) > 0 and float(x1) < w and float(y0) > 0 and float(y1) < h, word


# ---------------------------------------------------------------------------- content
def test_cli_paper_logo_contact_and_date_reach_the_sheet(
    tmp_path: Path, pdftotext: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from itmodels.cli import main

    logo, out = _logo(tmp_path / "logo.png"), tmp_path / "out"
    args = ["compare", "small-office", "-n", "2", "--set", "horizon=1mo", "--no-progress"]
    bad = tmp_path / "logo.txt"
    bad.write_text("not an image", encoding="utf-8")
    assert main([*args, "--logo", str(bad), "--out", str(out)]) == 2
    assert "--logo" in capsys.readouterr().err and not out.exists()  # refused before running
    extra = ["--paper", "letter", "--logo", str(logo), "--contact", "Ann Lee, 555 0100"]
    assert main([*args, *extra, "--out", str(out)]) == 0
    pdf = out / "proposal.pdf"
    text = " ".join(subprocess.run([pdftotext, str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())  # fmt: skip
    assert "Ann Lee, 555 0100" in text
    today = datetime.date.today()
    assert f"{today.day} {today:%B} {today.year}" in text  # no date given: today
    assert "Our offer: $65 per device a month ($975 a month" in text
    assert "Includes: remote support, on-site visits" in text
    bbox = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert '<page width="612.000000" height="792.000000">' in bbox  # US Letter


def test_disclaimer_only_where_set(results: dict[str, ExperimentResult]) -> None:
    shipped = results["GBP"]  # a shipped scenario: its file sets the disclaimer
    assert report.sheet_names(shipped.scenario, None).disclaimer is not None
    assert "Illustrative industry figures" in report_text.assumptions_text(
        shipped, report.sheet_names(shipped.scenario, None).disclaimer
    )
    own = shipped.scenario.override({"branding": None})  # a user's file without one
    assert report.sheet_names(own, None).disclaimer is None
    fig = report.proposal_figure(shipped, report.sheet_names(own, None), None)
    assert not any("Illustrative" in t.get_text() for t in fig.findobj(Text))
    dated = report.sheet_names(own, Branding(date=datetime.date(2027, 1, 5)))
    fig = report.proposal_figure(shipped, dated, None)
    assert any("5 January 2027" in t.get_text() for t in fig.findobj(Text))


@pytest.mark.parametrize(
    ("branding", "problem"),
    [
        ({"accent": "not-a-colour"}, "branding.accent"),
        ({"logo": "missing.png"}, "branding.logo"),
        ({"paper": "a3"}, "branding.paper"),
        ({"date": "soon"}, "branding.date"),
        ({"contact": ["a", "list"]}, "branding.contact"),
    ],
)
def test_branding_is_checked_when_the_scenario_loads(branding: dict, problem: str) -> None:
    with pytest.raises(itm.ScenarioError, match=re.escape(problem)):
        itm.load_scenario("small-office").override({"branding": branding})


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_six_offers_with_long_names_fit_without_collisions(paper: str) -> None:
    """Six columns, names of 40 characters: wrapped at - and _, nothing overlaps or leaves."""
    data = itm.load_scenario("small-office").override({"horizon": "1mo"})
    data = data.model_dump(mode="json", exclude_none=True)
    offers = data["contracts"]
    longs = ["premium-managed-services-onsite_24x7-pro", "b" * 40, "c-c", "d_d"]
    for k, name in enumerate(longs):
        offers[name] = {**offers["flat_rate"], "fee_per_device": 50 + k}
    res = itm.run_experiment(Scenario.model_validate(data), 2, seed=SEED, progress=False)
    names = report.sheet_names(res.scenario, Branding(prospect=LONG))
    fig = report.proposal_figure(res, names, None, paper)
    width, height = fig.get_size_inches()
    boxes = _boxes(fig)
    heads = [t for g, t, _ in boxes if g == "contract"]
    for name in longs:
        assert any(name.startswith(h.split("\n")[0]) for h in heads), name
    for gid, text, box in boxes:
        assert box.x0 >= 0.3 and box.x1 <= width - 0.3, (gid, text, box)
        assert box.y0 >= 0 and box.y1 <= height, (gid, text, box)
    for (g1, t1, b1), (g2, t2, b2) in itertools.combinations(boxes, 2):
        assert not b1.overlaps(b2), f"{g1} {t1!r} overlaps {g2} {t2!r}"
