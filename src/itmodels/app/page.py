"""The sales page: the prospect's numbers in a form, a run, the verdict, charts, downloads.

Built with Panel (HoloViz): the same page is served by ``itmodels app`` (one
:class:`SalesPage` per browser session, so two users never share a form or a run) and
shown in a Jupyter notebook after ``pn.extension()``.

The form is made from the scenario's models by :mod:`itmodels.app.form`; every change
is checked at once against the whole scenario and the library's messages are shown under
the field they name.  Run is enabled only while the form is valid, so nothing unchecked
reaches the engine.  Runs go in a thread (:mod:`itmodels.app.runner`); the page polls it
for the progress bar, and a cancelled or crashed run leaves the page working.
"""

from __future__ import annotations

import html
import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import panel as pn

from itmodels.app.form import FormField, apply_changes, field_problems, form_fields
from itmodels.app.prices import default_price_file, save_price_list, with_prices
from itmodels.app.runner import SalesRun, branding_of, start_run
from itmodels.contracts import make_contract, offer_inline
from itmodels.reports.text import (
    break_even_text,
    key_figure_rows,
    lost_words,
    offer_names,
    offer_title,
    sheet_names,
    takeaway_text,
)
from itmodels.scenario import Scenario, ScenarioError, load_scenario
from itmodels.scenario.shipped import DEFAULT_SCENARIO, shipped_names

__all__ = ["DEFAULT_REPLICATIONS", "SalesPage", "sales_page"]

#: Replications per offer the page starts with (as ``itmodels compare``).
DEFAULT_REPLICATIONS = 200
POLL_MS = 250

ERROR_STYLE = "color:#b00020;font-size:0.9em"


def _words(name: str) -> str:
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


class SalesPage:
    """One session's page: form, run controls and results.

    Parameters
    ----------
    prices : str or Path, optional
        The provider's price-list file (default: :func:`~itmodels.app.prices.default_price_file`).
    template : str
        The shipped scenario the form starts with.
    workdir : str or Path, optional
        Where the session's folder (runs' bundles, an uploaded logo) is made (default: the
        system's temporary folder); it is removed when the session ends.
    """

    def __init__(
        self,
        prices: str | Path | None = None,
        template: str = DEFAULT_SCENARIO,
        workdir: str | Path | None = None,
    ) -> None:
        self.prices = Path(prices) if prices is not None else default_price_file()
        self.folder = Path(tempfile.mkdtemp(prefix="itmodels-app-", dir=workdir))
        self.run: SalesRun | None = None
        self.runs = 0
        self.poller: Any = None
        self.scenario: Scenario | None = None  # the checked scenario, None while invalid
        self.template_scn: Scenario = load_scenario(template)
        self.fields: dict[str, FormField] = {}
        self.inputs: dict[str, Any] = {}
        self.errors: dict[str, pn.pane.HTML] = {}

        self.template = pn.widgets.Select(
            label="Template", options=list(shipped_names()), value=template, width=220
        )
        self.use_prices = pn.widgets.Checkbox(
            label=f"Use my price list ({self.prices})",
            value=self.prices.is_file(),
            css_classes=["itm-use-prices"],
        )
        self.save_prices = pn.widgets.Button(
            label="Save these offers as my price list", color="default"
        )
        self.prices_note = pn.pane.HTML("", css_classes=["itm-note"])
        self.logo_upload = pn.widgets.FileInput(
            accept=".png,.jpg,.jpeg", label="Logo file", css_classes=["itm-logo"]
        )
        self.replications = pn.widgets.IntInput(
            label="Replications per offer", value=DEFAULT_REPLICATIONS, start=2, end=100_000,
            width=180,
        )  # fmt: skip
        self.seed = pn.widgets.IntInput(label="Seed", value=7, start=0, width=120)
        self.run_button = pn.widgets.Button(label="Run", color="primary", width=120)
        self.cancel_button = pn.widgets.Button(
            label="Cancel", color="warning", width=120, disabled=True
        )
        self.progress = pn.indicators.Progress(
            value=0, max=100, width=400, visible=False, bar_color="primary"
        )
        self.status = pn.pane.HTML("", sizing_mode="stretch_width")
        self.problems = pn.pane.HTML("", sizing_mode="stretch_width")
        self.form = pn.Column(sizing_mode="stretch_width")
        self.results = pn.Column(
            pn.pane.HTML("<p>No results yet: fill in the form and press Run.</p>"),
            sizing_mode="stretch_width",
        )
        self.tabs = pn.Tabs(
            ("Prospect", self._form_tab()), ("Results", self.results), dynamic=False
        )

        self.template.param.watch(lambda e: self._load_template(), "value")
        self.use_prices.param.watch(lambda e: self._load_template(), "value")
        self.save_prices.on_click(lambda e: self._save_prices())
        self.logo_upload.param.watch(lambda e: self._logo(e.new), "value")
        self.run_button.on_click(lambda e: self._start())
        self.cancel_button.on_click(lambda e: self._cancel())
        self._load_template()

    # ------------------------------------------------------------------ layout
    def _form_tab(self) -> pn.Column:
        return pn.Column(
            pn.Row(self.template, pn.Column(self.use_prices, self.save_prices, self.prices_note)),
            pn.Row(pn.pane.HTML("<b>Logo</b> (PNG or JPEG, for the proposal):"), self.logo_upload),
            self.form,
            pn.layout.Divider(),
            pn.Row(self.replications, self.seed, self.run_button, self.cancel_button),
            self.problems,
            self.progress,
            self.status,
            sizing_mode="stretch_width",
        )

    def view(self) -> pn.viewable.Viewable:
        """The page, for ``pn.serve`` or a notebook cell."""
        return pn.Column(
            pn.pane.HTML(
                "<h2>IT support offers: what they cost this client</h2>"
                "<p>Choose a template, put in the prospect's numbers, press Run.</p>"
            ),
            self.tabs,
            sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------------ the form
    def _load_template(self) -> None:
        scn = load_scenario(self.template.value)
        note = ""
        if self.use_prices.value and self.prices.is_file():
            try:
                scn = with_prices(scn, self.prices)
                note = f"Offers from your price list {_esc(self.prices)}."
            except ScenarioError as exc:
                note = (
                    f"<span style='{ERROR_STYLE}'>Your price list does not fit this template;"
                    f" the template's offers are used.<br>{_esc(exc)}</span>"
                )
        self.template_scn = scn
        self.prices_note.object = f"<small>{note}</small>" if note else ""
        self._build_form(scn)
        self._validate()

    def _build_form(self, scn: Scenario) -> None:
        self.fields = {f.key: f for f in form_fields(scn)}
        self.inputs, self.errors = {}, {}
        groups: dict[str, dict[str, list[Any]]] = {}
        for key, f in self.fields.items():
            widget = self._widget(f)
            self.inputs[key] = widget
            error = pn.pane.HTML("", visible=False, margin=(0, 10))
            self.errors[key] = error
            group = _words(key.split(".")[0]) if "." in key else "Scenario"
            groups.setdefault(group, {}).setdefault(f.section, []).extend([widget, error])
        # one tab per top-level key; dynamic: only the tab shown is drawn in the browser
        tabs = []
        for group, sections in groups.items():
            cards = [
                pn.Card(*items, title=title, collapsed=False, sizing_mode="stretch_width")
                for title, items in sections.items()
            ]
            tabs.append((group, pn.Column(*cards, sizing_mode="stretch_width")))
        shown = self.form.objects[0].active if self.form.objects else 0
        self.form.objects = [
            pn.Tabs(
                *tabs, dynamic=True, active=min(shown, len(tabs) - 1), sizing_mode="stretch_width"
            )
        ]  # the same tab stays in view when the form is made again

    def _widget(self, f: FormField) -> Any:
        bits = [b for b in (f.unit, f.limits) if b]
        label = f"{f.label} ({'; '.join(bits)})" if bits else f.label
        help_text = f.help.replace("``", "") or None
        common = {"label": label, "description": help_text, "sizing_mode": "stretch_width"}
        widget: Any
        if f.kind == "bool":
            common.pop("description")
            widget = pn.widgets.Checkbox(value=f.value == "true", **common)
            widget.param.watch(lambda e: self._validate(), "value")
        elif f.kind == "choice":
            widget = pn.widgets.Select(options=list(f.choices), value=f.value, **common)
            widget.param.watch(lambda e: self._validate(), "value")
        else:
            widget = pn.widgets.TextInput(
                value=f.value, value_input=f.value, placeholder="not set", **common
            )
            widget.param.watch(lambda e: self._validate(), "value_input")
        widget.css_classes = [f"itm-field-{f.key.replace('.', '-')}"]
        return widget

    def _typed(self) -> dict[str, Any]:
        typed = {}
        for key, widget in self.inputs.items():
            value = getattr(widget, "value_input", None)
            if value is None:
                value = widget.value
            typed[key] = "" if value is None else value
        return typed

    def _validate(self) -> Scenario | None:
        """Check the form as it stands; show each problem at its field; enable Run."""
        for error in self.errors.values():
            error.visible = False
        try:
            scn = apply_changes(self.template_scn, self.fields, self._typed())
        except ScenarioError as exc:
            at, rest = field_problems(exc, self.fields)
            for key, messages in at.items():
                self.errors[key].object = (
                    f"<div class='itm-error' style='{ERROR_STYLE}'>"
                    + "<br>".join(_esc(m) for m in messages)
                    + "</div>"
                )
                self.errors[key].visible = True
            shown = [f"{_esc(self.fields[k].section)}: {_esc(m)}" for k, ms in at.items()
                     for m in ms] + [_esc(m) for m in rest]  # fmt: skip
            self.problems.object = (
                f"<div class='itm-problems' style='{ERROR_STYLE}'><b>{len(shown)} problem(s);"
                " fix them to run:</b><br>" + "<br>".join(shown) + "</div>"
            )
            self.scenario = None
        else:
            self.problems.object = ""
            self.scenario = scn
        self.run_button.disabled = self.scenario is None or self.run is not None
        return self.scenario

    def _save_prices(self) -> None:
        scn = self._validate()
        if scn is None:
            self.prices_note.object = f"<small style='{ERROR_STYLE}'>Fix the form first.</small>"
            return
        try:
            path = save_price_list(scn, self.prices)
        except OSError as exc:  # FileExistsError too: never overwrite another file
            self.prices_note.object = f"<small style='{ERROR_STYLE}'>{_esc(exc)}</small>"
            return
        self.prices_note.object = f"<small>Saved your offers to {_esc(path)}.</small>"

    def _logo(self, data: bytes | None) -> None:
        if not data:
            return
        name = Path(self.logo_upload.filename or "logo.png").name
        suffix = Path(name).suffix.lower() or ".png"
        path = self.folder / f"logo{suffix}"
        path.write_bytes(data)
        self.inputs["branding.logo"].value = str(path)
        self.inputs["branding.logo"].value_input = str(path)

    # ------------------------------------------------------------------ running
    def _start(self) -> None:
        scn = self._validate()
        if scn is None or self.run is not None:
            return
        replications = self.replications.value
        if not isinstance(replications, int) or replications < 2:
            self.status.object = f"<p style='{ERROR_STYLE}'>Replications: at least 2.</p>"
            return
        self.runs += 1
        out = self.folder / f"run-{self.runs}"
        self.run = start_run(scn, replications, int(self.seed.value or 0), out)
        self.run_button.disabled = True
        self.cancel_button.disabled = False
        self.progress.visible = True
        self.progress.value = 0
        self.status.object = f"<p>Running {replications} replications per offer…</p>"
        self.poller = pn.state.add_periodic_callback(self._poll, period=POLL_MS)

    def _cancel(self) -> None:
        if self.run is not None:
            self.run.cancel()
            self.cancel_button.disabled = True
            self.status.object = "<p>Cancelling after the replications in progress…</p>"

    def _poll(self) -> None:
        run = self.run
        if run is None:
            return
        state = run.state
        if state.planned:
            self.progress.value = min(100, round(100 * state.done / state.planned))
        if state.status == "running":
            if state.done >= state.planned:
                self.status.object = "<p>Writing the proposal, reports and charts…</p>"
            elif not run.cancelling:
                self.status.object = (
                    f"<p>Running: {state.done:,} of {state.planned:,} replications per offer…</p>"
                )
            return
        if self.poller is not None:
            self.poller.stop()
            self.poller = None
        self.run = None
        self.cancel_button.disabled = True
        self.progress.visible = False
        if state.status == "done":
            try:
                self._show_results(run)
                self.status.object = "<p class='itm-done'>Done: see the Results tab.</p>"
                self.tabs.active = 1
            except Exception as exc:  # the page keeps working whatever the results hold
                state.status, state.message = "failed", f"{type(exc).__name__}: {exc}"
        if state.status == "cancelled":
            self.status.object = "<p class='itm-cancelled'>Run cancelled; nothing was kept.</p>"
            shutil.rmtree(run.folder, ignore_errors=True)
        elif state.status == "failed":
            self.status.object = (
                f"<div class='itm-failed' style='{ERROR_STYLE}'><b>The run failed</b>; the form"
                f" is unchanged and you can run again.<br>{_esc(state.message)}</div>"
            )
            shutil.rmtree(run.folder, ignore_errors=True)
        self._validate()

    # ------------------------------------------------------------------ results
    def _show_results(self, run: SalesRun) -> None:
        state = run.state
        res = state.result
        assert res is not None
        files = {name: run.folder / name for name in state.files}
        names = sheet_names(run.scenario, branding_of(run.scenario))  # as on the sheet
        title = f"Proposal for {_esc(names.prospect)}, prepared by {_esc(names.provider)}"
        top: list[Any] = [
            pn.pane.HTML(
                f"<h3 class='itm-title' style='border-left:6px solid {_esc(names.accent)};"
                f"padding-left:8px'>{title}</h3>",
                sizing_mode="stretch_width",
            )
        ]
        if names.logo:
            top.append(pn.pane.Image(names.logo, height=60))
        rows = key_figure_rows(res)
        offers = [offer_title(res.scenario, name) for name in offer_names(res)]
        head = "".join(f"<th>{_esc(n)}</th>" for n in offers)
        body = "".join(
            f"<tr><th style='text-align:left'>{_esc(label)}</th>"
            + "".join(f"<td>{_esc(m)}<br><small>{_esc(r)}</small></td>" for m, r in cells)
            + "</tr>"
            for label, cells in rows
        )
        figures = (
            "<table class='itm-figures' style='border-collapse:collapse' cellpadding='6'>"
            f"<tr><th></th>{head}</tr>{body}</table>"
            "<p><small>Mean per year, with the range of 90 % of the futures simulated."
            f" {res.replications} replications per offer, seed {res.seed}.</small></p>"
        )
        downloads = pn.Row(
            self._download(files, "proposal.pdf", "Proposal (PDF)"),
            self._download(files, "client-report.html", "Client report (HTML)"),
            self._download(files, "provider-report.html", "Provider report (HTML)"),
            pn.widgets.FileDownload(
                callback=lambda: self._csv_zip(run.folder),
                filename="tables.zip",
                label="Tables (CSV, zip)",
                color="success",
            ),
            self._download(files, "scenario.yaml", "Scenario (YAML)"),
        )
        charts = [
            pn.pane.PNG(str(path), sizing_mode="scale_width", max_width=900)
            for name, path in files.items()
            if name.startswith("charts/") and name.endswith(".png") and "provider" not in name
        ]
        extra = ""
        if state.fee is not None:  # as the proposal sheet words it
            scn = res.scenario
            words = make_contract(scn, state.fee.offer).price_term_words(state.fee.term)
            shown = offer_inline(scn.contracts, state.fee.offer)
            sentence = break_even_text(state.fee, scn.currency, lost_words(scn), shown, words)
            extra = f"<p class='itm-break-even'>{_esc(sentence)}</p>"
        self.results.objects = [
            pn.Row(*top, sizing_mode="stretch_width"),
            pn.pane.HTML(
                f"<p class='itm-verdict' style='font-size:1.25em;font-weight:600'>"
                f"{_esc(takeaway_text(res))}</p>"
            ),
            downloads,
            pn.pane.HTML(figures + extra),
            *charts,
        ]

    @staticmethod
    def _download(files: dict[str, Path], name: str, label: str) -> pn.widgets.FileDownload:
        return pn.widgets.FileDownload(
            file=str(files[name]), filename=name, label=label, color="success",
            embed=False,
        )  # fmt: skip

    @staticmethod
    def _csv_zip(folder: Path) -> io.BytesIO:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.glob("*.csv")):
                archive.write(path, path.name)
        buffer.seek(0)
        return buffer

    def close(self) -> None:
        """Stop this session's run and remove its files."""
        if self.run is not None:
            self.run.cancel()
        if self.poller is not None:
            self.poller.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def sales_page(
    prices: str | Path | None = None, workdir: str | Path | None = None
) -> pn.viewable.Viewable:
    """The sales page for one session (a served page, or a notebook cell).

    Parameters
    ----------
    prices : str or Path, optional
        The provider's price-list file (default: ``~/.config/itmodels/price-list.yaml``).
    workdir : str or Path, optional
        Where the session's folder is made (default: the system's temporary folder).

    Returns
    -------
    panel.viewable.Viewable

    Notes
    -----
    In a notebook, run ``pn.extension()`` first, then end a cell with ``sales_page()``.
    """
    page = SalesPage(prices, workdir=workdir)
    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.on_session_destroyed(lambda ctx: page.close())
    return page.view()
