"""The sales page (itmodels.app): the form from the schema, runs, and the page in Chromium.

The browser tests drive the served page in Debian's Chromium through Playwright (no
browser download: ``executable_path=/usr/bin/chromium``), on a server bound to a free
port of 127.0.0.1, with one-year horizons and a few replications so they stay fast.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import itmodels as itm
from itmodels.app import runner
from itmodels.app.form import apply_changes, field_problems, form_fields, read_value
from itmodels.app.prices import HEADER, save_price_list, with_prices
from itmodels.app.runner import RunCancelled, start_run
from itmodels.contracts import default_baseline
from itmodels.reports.text import takeaway_text
from itmodels.scenario import ScenarioError
from itmodels.scenario.shipped import shipped_names


# ---------------------------------------------------------------------- the form
@pytest.mark.parametrize("name", shipped_names())
def test_form_shows_every_value_and_typing_them_back_changes_nothing(name: str) -> None:
    scn = itm.load_scenario(name)
    fields = form_fields(scn)
    assert len({f.key for f in fields}) == len(fields)
    changes = {f.key: read_value(f, f.value) for f in fields if f.value and f.kind == "text"}
    assert scn.override(changes) == scn
    for f in fields:  # every key is one the library knows (or a section it may create)
        if f.value:
            assert scn.value_at(f.key) is not None


def test_form_takes_labels_units_limits_and_help_from_the_models() -> None:
    scn = itm.load_scenario("small-office")
    fields = {f.key: f for f in form_fields(scn)}
    users = fields["client.users"]
    assert (users.label, users.limits, users.value) == ("Users", "≥ 1, ≤ 10,000,000", "12")
    assert users.help == "Staff who use IT."
    assert fields["client.user_hour_value"].unit == "USD"
    assert fields["horizon"].unit.startswith("duration")
    assert fields["fleet.0.lifetime"].value == "{dist: weibull, shape: 1.44, scale: 7.9y}"
    assert fields["fleet.0.parts_cost"].value == "{dist: lognormal, median: 120, sigma: 0.6}"
    assert fields["fleet.0.priority"].choices == ("P1", "P2", "P3", "P4")
    # a section the scenario leaves out is offered empty, and typing creates it
    assert fields["branding.provider"].value == ""
    changed = apply_changes(scn, fields, {"branding.provider": "Acme IT"})
    assert changed.branding is not None and changed.branding.provider == "Acme IT"


def test_form_problems_are_the_library_messages_at_their_fields() -> None:
    scn = itm.load_scenario("small-office")
    fields = {f.key: f for f in form_fields(scn)}
    typed = {"client.users": "-3", "horizon": "abc", "fleet.0.lifetime": "{dist: weibull}"}
    with pytest.raises(ScenarioError) as caught:
        apply_changes(scn, fields, typed)
    with pytest.raises(ScenarioError) as library:
        scn.override(
            {"client.users": -3, "horizon": "abc", "fleet.0.lifetime": {"dist": "weibull"}}
        )
    assert caught.value.problems == library.value.problems
    at, rest = field_problems(caught.value, fields)
    assert at["client.users"] == [
        "client.users: Input should be greater than or equal to 1 (got -3)"
    ]
    assert at["horizon"][0].startswith("horizon: expected a duration")
    assert all(m.startswith("fleet[0].lifetime.") for m in at["fleet.0.lifetime"])
    assert rest == []
    with pytest.raises(ScenarioError, match=r"client\.users: .*not a YAML value|client\.users"):
        apply_changes(scn, fields, {"client.users": "[1, 2"})


def test_price_list_is_saved_reloaded_and_never_overwrites_another_file(tmp_path: Path) -> None:
    mine = itm.load_scenario("small-office").override({"contracts.flat_rate.fee_per_device": 55})
    path = save_price_list(mine, tmp_path / "prices.yaml")
    assert path.read_text(encoding="utf-8").startswith(HEADER)
    other = itm.load_scenario("small-office").override({"client.users": 30})
    assert with_prices(other, path).contracts == mine.contracts
    assert with_prices(other, path).client.users == 30
    save_price_list(other, path)  # an earlier price list is replaced
    assert with_prices(mine, path).contracts["flat_rate"].fee_per_device == 65
    foreign = tmp_path / "notes.yaml"
    foreign.write_text("mine: true\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not an itmodels price list"):
        save_price_list(mine, foreign)
    assert foreign.read_text(encoding="utf-8") == "mine: true\n"
    with pytest.raises(ScenarioError, match=r"monitoring\.classes: names unknown fleet classes"):
        with_prices(itm.load_scenario("retail-shop"), path)


def test_a_template_fills_the_page_and_a_bad_value_disables_run(
    tmp_path: Path,
) -> None:
    from itmodels.app import SalesPage

    page = SalesPage(prices=tmp_path / "none.yaml", workdir=tmp_path)
    try:
        assert list(page.template.options) == list(shipped_names())
        for name in ("tiers", "retail-shop"):  # named offers; another fleet
            page.template.value = name
            assert page.scenario == itm.load_scenario(name)
            assert not page.run_button.disabled
            offers = {k.split(".")[1] for k in page.inputs if k.startswith("contracts.")}
            assert offers == set(itm.load_scenario(name).contracts)
        page.inputs["client.users"].value_input = "many"
        assert page.scenario is None and page.run_button.disabled
        assert page.errors["client.users"].visible
        assert "client.users: Input should be a valid integer" in page.errors["client.users"].object
        page.inputs["client.users"].value_input = "7"
        assert page.scenario is not None and page.scenario.client.users == 7
        assert not page.run_button.disabled and not page.errors["client.users"].visible
    finally:
        page.close()


# ---------------------------------------------------------------------- runs
def _small(name: str = "small-office", **changes: Any) -> itm.Scenario:
    return itm.load_scenario(name).override({"horizon": "1y", **changes})


def test_run_experiment_reports_progress_and_stops_when_the_callback_raises() -> None:
    scn = _small()
    calls: list[tuple[int, int]] = []
    itm.run_experiment(
        scn, 6, 7, progress=False, chunk_size=2, on_progress=lambda d, n: calls.append((d, n))
    )
    assert calls == [(0, 6), (2, 6), (4, 6), (6, 6)]

    def stop(done: int, planned: int) -> None:
        calls.append((done, planned))
        if done >= 2:
            raise RunCancelled("stop")

    calls.clear()
    with pytest.raises(RunCancelled):
        itm.run_experiment(scn, 6, 7, progress=False, chunk_size=2, on_progress=stop)
    assert calls == [(0, 6), (2, 6)]  # no chunk ran after the raise


def test_a_cancel_stops_a_run_and_a_crash_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scn = _small()
    # cancelled before it starts: stops at the first progress report
    run = start_run(scn, 3, 7, tmp_path / "cancelled")
    run.cancel()
    run.thread.join(60)
    assert run.state.status == "cancelled"
    import itmodels.reports.report as report

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report, "write_bundle", boom)
    run = start_run(scn, 2, 7, tmp_path / "crashed")
    run.thread.join(60)
    assert run.state.status == "failed"
    assert run.state.message.startswith("RuntimeError: disk on fire")
    with pytest.raises(ValueError, match="at least 2"):
        start_run(scn, 1, 7, tmp_path / "x")


def test_itmodels_app_serves_the_page_on_127_0_0_1_and_prints_its_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import itmodels.app as app
    from itmodels.cli import main

    made: list[Any] = []
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no price list of the user's

    def keep(*args: Any) -> Any:
        made.append(make_server(*args, workdir=tmp_path))
        return made[-1]

    make_server = app.make_server
    monkeypatch.setattr(app, "make_server", keep)
    status: list[int] = []

    def serve() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        status.append(main(["app", "--port", "0"]))

    thread = threading.Thread(target=serve, name="itmodels-app-cli-test", daemon=True)
    thread.start()
    _wait(lambda: bool(made) and "Sales page at" in capsys.readouterr().out)
    server = made[0]
    assert server.address == "127.0.0.1"
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=30) as answer:
        assert answer.status == 200 and b"itmodels sales page" in answer.read()
    server.io_loop.add_callback(server.stop)
    server.io_loop.add_callback(server.io_loop.stop)
    thread.join(10)
    assert status == [0]


def test_the_same_page_renders_in_a_notebook() -> None:
    """What Jupyter shows for the page after ``pn.extension()`` (in a process of its own:
    the extension changes Panel's global state)."""
    code = (
        "import panel as pn\n"
        "pn.extension()\n"
        "from itmodels.app import sales_page\n"
        "data, meta = sales_page()._repr_mimebundle_()\n"
        "print(sorted(data))\n"
        "print('Replications per offer' in data['text/html'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-2:] == [
        "['application/vnd.holoviews_exec.v0+json', 'text/html']",
        "True",
    ]


# ---------------------------------------------------------------------- in Chromium
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from itmodels.app import make_server

    prices = tmp_path_factory.mktemp("config") / "price-list.yaml"
    box: dict[str, Any] = {}
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        box["server"] = make_server("127.0.0.1", 0, prices, prices.parent)
        ready.set()
        box["server"].io_loop.start()

    thread = threading.Thread(target=serve, name="sales-page-test-server", daemon=True)
    thread.start()
    assert ready.wait(30)
    srv = box["server"]
    yield f"http://127.0.0.1:{srv.port}/", prices
    srv.io_loop.add_callback(srv.stop)
    srv.io_loop.add_callback(srv.io_loop.stop)
    thread.join(10)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser of Playwright's own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1200, "height": 1100}, accept_downloads=True)
    page.set_default_timeout(30_000)
    page.goto(url)
    page.get_by_role("button", name="Run").wait_for()
    return page


def _field(page: Any, key: str) -> Any:
    """The input of a form field, its tab shown first."""
    group = key.split(".")[0].replace("_", " ").capitalize() if "." in key else "Scenario"
    page.locator(".bk-tab").get_by_text(group, exact=True).click()
    return page.locator(f".itm-field-{key.replace('.', '-')} input")


def _set(page: Any, key: str, text: str) -> None:
    _field(page, key).fill(text)


def _replications(page: Any, n: int) -> None:
    box = page.get_by_label("Replications per offer")
    box.fill(str(n))
    box.press("Enter")


def _run_button_enabled(page: Any) -> bool:
    return not page.get_by_role("button", name="Run").is_disabled()


def _wait(check: Any, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def _png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def test_a_prospect_is_run_in_the_browser_and_every_download_is_valid(
    server: tuple[str, Path], browser: Any, tmp_path: Path
) -> None:
    url, _ = server
    page = _open(browser, url)
    name = "<b>Acme & Co</b><script>window.pwned = 1</script>"
    _set(page, "client.name", name)
    _set(page, "client.users", "20")
    _set(page, "horizon", "1y")
    _set(page, "branding.provider", "Bright IT")
    logo = tmp_path / "mark.png"
    import matplotlib.image

    matplotlib.image.imsave(logo, [[0.0, 1.0], [1.0, 0.0]])
    page.locator(".itm-logo input[type=file]").set_input_files(str(logo))
    logo_field = _field(page, "branding.logo")
    _wait(lambda: logo_field.input_value().endswith("logo.png"))
    _replications(page, 4)
    _wait(lambda: _run_button_enabled(page))
    page.screenshot(path=str(tmp_path / "prospect.png"), full_page=True)
    _png(tmp_path / "prospect.png")
    page.get_by_role("button", name="Run").click()
    verdict = page.locator(".itm-verdict")
    verdict.wait_for(timeout=60_000)

    expected = itm.load_scenario("small-office").override(
        {"client.name": name, "client.users": 20, "horizon": "1y",
         "branding.provider": "Bright IT", "branding.logo": logo_field.input_value()}
    )  # fmt: skip
    assert Path(logo_field.input_value()).read_bytes() == logo.read_bytes()
    res = itm.run_experiment(expected, 4, 7, progress=False)
    res = res.with_baseline(default_baseline(expected.contracts))
    assert verdict.inner_text() == takeaway_text(res)
    assert page.locator(".itm-break-even").inner_text().startswith("Break-even flat-rate fee")
    # the client's name is shown as text, never run as HTML
    assert page.locator(".itm-title").inner_text() == f"Proposal for {name}, prepared by Bright IT"
    assert page.evaluate("typeof window.pwned") == "undefined"
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
    _png(tmp_path / "results.png")

    def download(label: str) -> Path:
        with page.expect_download() as caught:
            page.get_by_role("button", name=label).click()
        target = tmp_path / caught.value.suggested_filename
        caught.value.save_as(target)
        return target

    pdf = download("Proposal (PDF)")
    assert pdf.name == "proposal.pdf" and pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
        words = " ".join(text.stdout.split())
        assert text.returncode == 0 and "IT support for <b>Acme & Co</b>" in words
        assert "Prepared by Bright IT" in words
    assert itm.load_scenario(download("Scenario (YAML)")) == expected
    html_report = download("Client report (HTML)").read_text(encoding="utf-8")
    assert "<script>window.pwned" not in html_report
    with zipfile.ZipFile(download("Tables (CSV, zip)")) as archive:
        assert {"metrics.csv", "summary.csv", "compare.csv"} <= set(archive.namelist())
    page.close()


def test_bad_values_block_the_run_sessions_are_separate_and_cancel_and_crash_leave_it_working(
    server: tuple[str, Path], browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, prices = server
    first, second = _open(browser, url), _open(browser, url)
    assert _run_button_enabled(first)
    _set(first, "client.users", "-5")
    message = "client.users: Input should be greater than or equal to 1 (got -5)"
    first.locator(".itm-error", has_text=message).wait_for()
    _wait(lambda: not _run_button_enabled(first), 5)
    assert "1 problem(s)" in first.locator(".itm-problems").inner_text()
    _set(first, "horizon", "3 fortnights")
    first.locator(".itm-error", has_text="horizon: expected a duration").wait_for()
    # the other session's form and run are its own
    assert _field(second, "client.users").input_value() == "12"
    assert _run_button_enabled(second)
    _set(first, "horizon", "1y")
    _set(first, "client.users", "12")
    _wait(lambda: _run_button_enabled(first))
    assert first.locator(".itm-problems").count() == 0
    first.close()

    # the provider's price list: saved once, put back on the template when asked
    _set(second, "contracts.flat_rate.fee_per_device", "58")
    second.get_by_role("button", name="Save these offers as my price list").click()
    second.get_by_text("Saved your offers to").wait_for()
    saved = yaml.safe_load(prices.read_text(encoding="utf-8"))
    assert saved["contracts"]["flat_rate"]["fee_per_device"] == 58
    _set(second, "contracts.flat_rate.fee_per_device", "70")
    second.locator(".itm-use-prices input").check()
    second.get_by_text("Offers from your price list").wait_for()
    fee = second.locator(".itm-field-contracts-flat_rate-fee_per_device input")
    _wait(lambda: fee.count() == 1 and fee.input_value() == "58")

    # cancel: a long run stops at the next chunk (serial here: chunks of 50 short futures)
    monkeypatch.setattr(runner, "PARALLEL_FROM", 10**9)
    _set(second, "horizon", "3mo")
    _replications(second, 2000)
    _wait(lambda: _run_button_enabled(second))
    second.get_by_role("button", name="Run").click()
    second.get_by_role("button", name="Cancel").click()
    second.get_by_text("Run cancelled").wait_for()
    _wait(lambda: _run_button_enabled(second))

    # a crash: the message is shown and the page keeps working
    import itmodels.reports.report as report

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report, "write_bundle", boom)
    _replications(second, 2)
    _wait(lambda: _run_button_enabled(second))
    second.get_by_role("button", name="Run").click()
    failed = second.locator(".itm-failed")
    failed.wait_for()
    assert re.search(r"The run failed.*RuntimeError: disk on fire", failed.inner_text(), re.S)
    _wait(lambda: _run_button_enabled(second))
    _set(second, "client.users", "0")
    second.locator(".itm-error", has_text="client.users: Input should be greater").wait_for()
    second.close()
