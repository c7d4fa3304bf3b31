"""The notebooks run end to end (small), show their tables and charts, and are committed run.

Each notebook's cell tagged ``parameters`` is replaced, as papermill would, by a small run
(``REPLICATIONS = 4``); the notebooks are then executed with nbclient in the venv's own
kernel, two at a time, each in a temporary working folder with ``MPLBACKEND=Agg``.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = (
    "01-quickstart",
    "02-break-even-and-sensitivity",
    "03-do-the-claims-hold",
    "04-charts-for-a-proposal",
    "05-fit-to-your-data",
    "06-provider-book",
)
PARAMETERS = "REPLICATIONS = 4\nSEED = 7"
PREFIX_PROBE = "import sys\nprint('sys.prefix=' + sys.prefix)"
CELL_TIMEOUT = 300  # seconds per cell
PARALLEL = 2  # notebooks executed at once
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colour codes in kernel tracebacks


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def _parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged 'parameters'"
    return tagged[0]


def _prepare(name: str) -> nbformat.NotebookNode:
    """The notebook with small parameters injected and a probe of the kernel's prefix."""
    nb = _read(name)
    _parameters_cell(nb).source = PARAMETERS
    nb.cells.append(nbformat.v4.new_code_cell(PREFIX_PROBE))
    return nb


async def _execute_all(workdir: Path) -> dict[str, nbformat.NotebookNode | BaseException]:
    gate = asyncio.Semaphore(PARALLEL)

    async def one(name: str) -> nbformat.NotebookNode | BaseException:
        nb = _prepare(name)
        cwd = workdir / name
        cwd.mkdir()
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(cwd)}},
        )
        async with gate:
            try:
                await client.async_execute()
            except CellExecutionError as exc:
                return exc
        return nb

    results = await asyncio.gather(*(one(name) for name in NAMES))
    return dict(zip(NAMES, results, strict=True))


@pytest.fixture(scope="module")
def executed(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, nbformat.NotebookNode | BaseException]:
    """Every notebook, executed once for this module (a failure is kept, not raised)."""
    workdir = tmp_path_factory.mktemp("notebooks")
    scratch = workdir / "tmp"
    scratch.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLBACKEND", "Agg")
        mp.setenv("TMPDIR", str(scratch))  # files the notebooks write go under pytest's tmp
        mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        return asyncio.run(_execute_all(workdir))


def _outputs(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def _data(nb: nbformat.NotebookNode, mime: str) -> list[str]:
    return [o["data"][mime] for o in _outputs(nb) if mime in o.get("data", {})]


def _stdout(nb: nbformat.NotebookNode) -> str:
    return "".join(o["text"] for o in _outputs(nb) if o.get("name") == "stdout")


# What each notebook must show: (HTML tables, PNG charts, text that must appear).
EXPECTED = {
    "01-quickstart": (5, 2, ["4 replications x 2 contracts", "invalid scenario"]),
    "02-break-even-and-sensitivity": (4, 2, ["FeeEstimate", "Room to negotiate"]),
    "03-do-the-claims-hold": (4, 1, ["verdict", "Break-even fee for young-tiny-office"]),
    "04-charts-for-a-proposal": (2, 5, ["Proposal sheet: proposal.pdf"]),
    "05-fit-to-your-data": (5, 3, ["fitted (95% intervals)", "Estimation error is carried"]),
    "06-provider-book": (5, 4, ["Report: report.html", "Fewest technicians holding 95 %"]),
}


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_shows_its_results(
    name: str, executed: dict[str, nbformat.NotebookNode | BaseException]
) -> None:
    nb = executed[name]
    if isinstance(nb, BaseException):
        pytest.fail(f"{name}.ipynb failed:\n{ANSI.sub('', str(nb))}", pytrace=False)
    errors = [o for o in _outputs(nb) if o["output_type"] == "error"]
    assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
    stderr = "".join(o["text"] for o in _outputs(nb) if o.get("name") == "stderr")
    assert "Warning" not in stderr, f"{name} printed a warning:\n{stderr}"
    assert f"sys.prefix={sys.prefix}\n" in _stdout(nb), "the kernel did not run in this venv"
    tables, charts, texts = EXPECTED[name]
    html = [h for h in _data(nb, "text/html") if "<table" in h]
    assert len(html) >= tables, f"{name}: {len(html)} DataFrame tables, expected {tables}+"
    assert len(_data(nb, "image/png")) >= charts, f"{name}: expected {charts}+ PNG charts"
    shown = _stdout(nb) + "".join(_data(nb, "text/plain")) + "".join(html)
    for text in texts:
        assert text in shown, f"{name}: {text!r} not in the outputs"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_with_the_outputs_of_one_full_run(name: str) -> None:
    """A reader sees the results without running anything: the committed notebook holds
    the outputs of one run, top to bottom, at its own parameters, with no error."""
    nb = _read(name)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and code[0] is _parameters_cell(nb), "the first code cell is the parameters"
    assert "REPLICATIONS = " in code[0].source and "SEED = " in code[0].source
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{name}: not one run top to bottom"
    assert any(c.outputs for c in code), f"{name}: executed but has no outputs"
    errors = [o for c in code for o in c.outputs if o["output_type"] == "error"]
    assert not errors, f"{name}: an error is saved in the outputs"
    shown = _stdout(nb) + "".join(str(t) for t in _data(nb, "text/plain"))
    assert "Traceback" not in shown, f"{name}: a traceback is saved in the outputs"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_states_its_run_time(name: str) -> None:
    """The first cell says how long the notebook takes at its own REPLICATIONS."""
    nb = _read(name)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    stated = re.search(r"about (\d+) minutes on a 2-core machine", " ".join(first.source.split()))
    assert stated, f"{name}: the first cell must say 'about N minutes on a 2-core machine'"
    replications = re.search(r"REPLICATIONS = (\d+)", _parameters_cell(nb).source)
    said = " ".join(first.source.lower().split())
    assert replications and f"at {replications.group(1)}" in said, f"{name}: at which count?"
    assert 1 <= int(stated.group(1)) < 15, f"{name}: a tutorial should run in under 15 minutes"


def test_every_notebook_is_tested() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)
