"""The provider's book report: ``itmodels book``, the HTML and PDF report, the bundle.

One small run of the shipped book (3 replications) serves every test; the numbers in the
reports are checked against :class:`~itmodels.experiments.book.BookResult` itself.
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import itmodels as itm
from itmodels.cli import main
from itmodels.experiments.book import BookResult
from itmodels.experiments.book_decisions import Migration, Staffing
from itmodels.money.formatting import format_money, percent_text
from itmodels.reports.book_report import (
    book_bundle_files,
    book_html,
    write_book_bundle,
)
from itmodels.reports.bundle import MANIFEST, OutputFolderError

REPS, SEED = 3, 3


@pytest.fixture(scope="module")
def res() -> BookResult:
    return itm.run_book(itm.load_book("msp-book"), REPS, SEED)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``itmodels book`` with a migration and the staffing search: its folder and output."""
    out = tmp_path_factory.mktemp("book") / "out"
    argv = ["book", "msp-book", "-n", str(REPS), "--seed", str(SEED), "--out", str(out),
            "--migrate", "50%", "--to", "flat_rate", "--staffing", "95%",
            "--no-progress"]  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        printed = io.StringIO()
        mp.setattr(sys, "stdout", printed)
        assert main(argv) == 0
    return out, printed.getvalue()


def _money(value: float) -> str:
    return format_money(value, "USD")


# ---------------------------------------------------------------------------- CLI
def test_the_command_writes_every_file_and_prints_the_key_figures(
    bundle: tuple[Path, str], res: BookResult
) -> None:
    out, printed = bundle
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted([*book_bundle_files(migration=True, staffing=True), MANIFEST])
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["complete"] and manifest["book"] == "msp-book"
    assert manifest["replications"] == REPS and manifest["seed"] == SEED
    # the same seed gives the same numbers as the runs in this process
    margin = res.summary().loc["provider_margin", "mean"]
    assert f"Margin a year {_money(margin)}" in " ".join(printed.split())
    clients = pd.read_csv(out / "clients.csv")
    assert len(clients) == 40 * REPS
    assert clients["provider_margin"].sum() == pytest.approx(res.clients["provider_margin"].sum())
    table = pd.read_csv(out / "migration.csv").set_index("metric")
    # the migration's "before" is the book as it is, on the same seed
    assert table.loc["provider_margin", "before"] == pytest.approx(margin)
    assert table.loc["clients_total_cost", "before"] == pytest.approx(
        res.clients["client_total_cost"].sum() / REPS
    )
    staffing = pd.read_csv(out / "staffing.csv")
    assert {"technicians", "attainment_low", "holds"} <= set(staffing.columns)
    assert "The fewest technicians holding an SLA attainment of at least 95 %" in printed
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    for name in ("revenue_fan", "margin_distribution", "utilisation_sla", "migration_comparison"):
        assert (out / "charts" / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_the_command_refuses_a_folder_of_the_users_before_simulating(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["book", "msp-book", "-n", "1000", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "not an itmodels bundle" in err and "notes.txt" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--to", "flat_rate"], "--to applies only with --migrate"),
        (["--migrate", "50%"], "--migrate needs --to"),
        (["--migrate", "150", "--to", "flat_rate"], "--migrate '150'"),
        (["--migrate", "0.5", "--to", "premium"], "--to premium: "),
        (["--staffing", "0"], "--staffing '0'"),
        (["--set", "provider.technicians=-1"], "provider.technicians"),
    ],
)
def test_bad_arguments_get_one_message(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["book", "msp-book", "-n", "2", "--out", str(tmp_path / "x"), *extra]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_help_lists_the_shipped_books(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["book", "--help"])
    assert "shipped books: msp-book" in " ".join(capsys.readouterr().out.split())


# ---------------------------------------------------------------------------- HTML
class _Tables(HTMLParser):
    """The rows of every table by its id (cell text, unescaped)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.table: str | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.table = dict(attrs).get("id") or f"table-{len(self.tables)}"
            self.tables[self.table] = []
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.table is not None and self.row is not None:
            self.tables[self.table].append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _amount(text: str) -> float:
    return float(text.replace("\u2212", "-").replace("$", "").replace(",", ""))


def test_the_client_table_holds_client_summary_a_year(
    bundle: tuple[Path, str], res: BookResult
) -> None:
    page = _Tables()
    page.feed((bundle[0] / "report.html").read_text(encoding="utf-8"))
    rows = page.tables["client-table"][1:]
    summary = res.client_summary()
    years = res.book.horizon / 8766.0
    assert [r[0] for r in rows] == list(summary.index)
    offers = {"break_fix": "Break-fix", "flat_rate": "Flat-rate"}
    assert [r[1] for r in rows] == [offers[o] for o in summary["offer"]]
    for row, (_, want) in zip(rows, summary.iterrows(), strict=True):
        got = [_amount(c) for c in row[2:]]
        expected = [
            want[k] / years for k in ("provider_revenue", "provider_margin", "client_total_cost")
        ]
        assert got == pytest.approx(expected, abs=0.5)  # whole amounts


def test_the_html_has_every_section_and_escapes_every_name(
    bundle: tuple[Path, str], res: BookResult
) -> None:
    evil = "<b>Acme & Co</b>"
    book = res.book.override(
        {
            "provider.name": "<script>alert(1)</script>",
            "description": "<img src=x onerror=alert(2)>",
        }
    )
    clients = res.clients.copy()
    clients["client"] = clients["client"].cat.rename_categories(
        {"office-01": evil, "office-02": "<i>shop</i>"}
    )
    marked = BookResult(book, res.seed, clients, res.provider, res.monthly)
    migration = Migration(marked, marked, [evil], 0.5, "flat_rate", "break_fix")
    scn = itm.load_scenario("small-office")
    inc = itm.provider_incentives(scn, {"break_fix": {}, "flat_rate": {}}, replications=2, seed=1)
    plan = Staffing(pd.DataFrame({"technicians": [2]}), 2, "2 holds", 0.9, 0.95, ("P1",), {})
    # svgs={}: no chart drawn (the bundle's report shows them)
    text = book_html(marked, migration=migration, staffing=plan, incentives=inc, template=scn,
                     svgs={})  # fmt: skip
    for section in (
        "key-figures",
        "offers",
        "charts",
        "migration",
        "staffing",
        "clients",
        "incentives",
        "method",
    ):
        assert f'<section id="{section}">' in text, section
    written = (bundle[0] / "report.html").read_text(encoding="utf-8")
    for chart in ("revenue_fan", "margin_distribution", "utilisation_sla", "migration_comparison"):
        assert f'<figure id="chart-{chart}"><svg' in written, chart
    assert "<b>Acme" not in text and "<i>shop" not in text and "<script>" not in text
    assert "<img" not in text
    assert html.escape(evil) in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "http://" not in written.replace("http://www.w3.org", "")  # self-contained
    assert "<script" not in written
    assert "The fewest technicians holding an SLA attainment of at least 90 % for P1" in text
    # without the optional parts, their sections are left out
    bare = book_html(res, svgs={})
    for section in ("migration", "staffing", "incentives"):
        assert f'<section id="{section}">' not in bare


def test_the_migration_table_is_the_migrations_own(bundle: tuple[Path, str]) -> None:
    page = _Tables()
    page.feed((bundle[0] / "report.html").read_text(encoding="utf-8"))
    rows = {
        r[0]: r for r in next(t for t in page.tables.values() if t[0][1:3] == ["Before", "After"])
    }
    table = pd.read_csv(bundle[0] / "migration.csv").set_index("metric")  # migration.table()
    for label, metric in (
        ("Provider margin a year", "provider_margin"),
        ("Clients' total cost a year (all clients)", "clients_total_cost"),
        ("Total cost a year of the clients moved", "moved_clients_total_cost"),
    ):
        r = table.loc[metric]
        sign = "+" if r["difference"] > 0 else ""
        assert rows[label][1:] == [
            _money(r["before"]),
            _money(r["after"]),
            sign + _money(r["difference"]),
            f"{_money(r['ci_low'])} to {_money(r['ci_high'])}",
        ]


# ---------------------------------------------------------------------------- PDF
def test_the_pdf_shows_the_key_figures_of_the_result(
    bundle: tuple[Path, str], res: BookResult, pdftotext: str
) -> None:
    path = bundle[0] / "report.pdf"
    text = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) == 2
    s = res.summary()
    expected = [
        *(
            _money(s.loc[m, k])
            for m in ("provider_revenue", "provider_cost", "provider_margin")
            for k in ("mean", "ci_low", "ci_high")
        ),
        percent_text(s.loc["utilisation", "mean"], 1),
        f"{s.loc['overtime_hours', 'mean']:,.0f} h",
        percent_text(res.loss_month_probability["mean"], 1),
        percent_text(s.loc["revenue_volatility", "mean"], 1),
    ]
    for want in expected:
        assert want in pages[0], want
    margin = res.provider["provider_margin"].to_numpy()
    assert f"{_money(np.percentile(margin, 5))} to {_money(np.percentile(margin, 95))}" in pages[0]
    assert "Moving clients to another offer" in pages[1] and "Every client" in pages[1]
    assert "Technicians needed" in pages[1]
    cost = format_money(round(res.client_summary().iloc[0]["client_total_cost"]), "USD", exact=True)
    assert re.search(rf"office-01\s+Break-fix\s+\$[\d,]+\s+\$[\d,]+\s+{re.escape(cost)}", pages[1])


def test_the_bundle_refuses_a_users_file_even_with_force(res: BookResult, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("mine")
    with pytest.raises(OutputFolderError, match=r"report\.html"):
        write_book_bundle(res, out, force=True)
    assert (out / "report.html").read_text() == "mine"
