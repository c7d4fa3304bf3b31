"""The shipped scenarios cite docs/sources.md, and every figure they mark as sourced is there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import itmodels as itm
from itmodels.scenario.shipped import shipped_book_names, shipped_dir

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "docs" / "sources.md"
NUMBER = re.compile(r"\d+(?:\.\d+)?")
LIST_START = "# Sourced figures used below"


def header(text: str) -> list[str]:
    """The comment lines at the top of a scenario file."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def sourced_figures(text: str) -> str:
    """The header's list of sourced figures (the lines after ``LIST_START``)."""
    lines = header(text)
    starts = [i for i, line in enumerate(lines) if line.startswith(LIST_START)]
    assert len(starts) == 1, "the header must list its sourced figures once"
    return " ".join(line.lstrip("#").strip() for line in lines[starts[0] + 1 :])


def mentions(text: str, number: str) -> bool:
    """Whether ``number`` appears in ``text`` as a whole number (not inside another)."""
    pattern = rf"(?<![\d.]){re.escape(number)}(?!\d|\.\d)"
    return re.search(pattern, text.replace(",", "")) is not None


def body_comments(text: str) -> str:
    """Every comment after the header (what the values below it cite)."""
    rest = text.splitlines()[len(header(text)) :]
    return " ".join(line.split("#", 1)[1] for line in rest if "#" in line)


def test_sources_page_names_title_publisher_year_and_addresses():
    text = SOURCES.read_text(encoding="utf-8")
    assert "not measurements of any particular business" in text
    for name in ("Gartner", "SquareTrade", "Backblaze", "Schroeder", "Pinheiro", "HDI"):
        assert name in text, name
    assert len(re.findall(r"<https?://[^>\s]+>", text)) >= 5  # addresses of the public ones
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    years = [row for row in rows if re.search(r"\b(19|20)\d\d\b", row)]
    assert len(years) >= 10, "most figures name the year of their source"


@pytest.mark.parametrize("name", [*itm.scenario_names(), *shipped_book_names()])
def test_scenario_cites_sources_page_and_its_sourced_figures_are_there(name: str) -> None:
    assert SOURCES.is_file()
    text = (shipped_dir() / f"{name}.yaml").read_text(encoding="utf-8")
    top = "\n".join(header(text))
    assert "docs/sources.md" in top, f"{name}: the header must cite docs/sources.md"
    assert "REFERENCE-DATA" not in text and "/work/" not in text, f"{name}: a missing file"
    figures = sourced_figures(text)
    numbers = NUMBER.findall(figures)
    assert len(numbers) >= 15, f"{name}: too few sourced figures listed: {figures!r}"
    sources, below = SOURCES.read_text(encoding="utf-8"), body_comments(text)
    missing = [n for n in numbers if not mentions(sources, n)]
    assert not missing, f"{name}: sourced figures not in docs/sources.md: {missing}"
    unused = [n for n in numbers if not mentions(below, n)]
    assert not unused, f"{name}: listed as sourced but cited by no value below: {unused}"


def test_a_figure_missing_from_the_sources_page_is_caught():
    sources = SOURCES.read_text(encoding="utf-8")
    assert mentions(sources, "0.65") and mentions(sources, "185")
    assert not mentions(sources, "0.66") and not mentions(sources, "18.5")
    assert not mentions("$1,185", "185") and mentions("about $185 per", "185")


def test_readme_scenarios_section_links_the_sources_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Scenarios", 1)[1].split("\n## ", 1)[0]
    assert "[docs/sources.md](docs/sources.md)" in section
