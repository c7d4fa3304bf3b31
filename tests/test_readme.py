"""The README's code runs as written: the process-pool snippet under the spawn start method."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SPAWN = 'import multiprocessing\n\nmultiprocessing.set_start_method("spawn", force=True)\n'


def python_blocks(text: str) -> list[str]:
    """The ```python blocks of a Markdown text, in order."""
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def pool_snippet() -> str:
    found = [b for b in python_blocks(README.read_text(encoding="utf-8")) if "local_pool(" in b]
    assert len(found) == 1, "exactly one README snippet uses local_pool"
    return found[0]


def test_pool_snippet_is_guarded():
    snippet = pool_snippet()
    guard = 'if __name__ == "__main__":'
    assert guard in snippet
    body = snippet.split(guard, 1)[1]
    assert "local_pool(" in body and "run_experiment(" in body, "the pool starts under the guard"
    assert "local_pool(" not in snippet.split(guard, 1)[0].replace("import local_pool", "")


def test_pool_snippet_runs_under_spawn(tmp_path: Path) -> None:
    snippet = pool_snippet()
    # the snippet as written, with a small experiment and two workers to keep the test cheap
    assert "2000, seed=7" in snippet and "local_pool(4)" in snippet
    small = snippet.replace("2000, seed=7", "4, seed=7").replace("local_pool(4)", "local_pool(2)")
    script = tmp_path / "pool_example.py"
    script.write_text(SPAWN + small, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "client_total_cost" in done.stdout  # res.compare() was printed
    assert "bootstrapping phase" not in done.stderr


def test_offers_snippet_runs_as_written(tmp_path: Path) -> None:
    found = [
        b
        for b in python_blocks(README.read_text(encoding="utf-8"))
        if 'load_scenario("tiers")' in b
    ]
    assert len(found) == 1, "exactly one README snippet compares the tiers offers"
    snippet = found[0]
    assert "replications=200, seed=7" in snippet and "(tiers, 200, 7," in snippet
    small = snippet.replace("replications=200, seed=7", "replications=3, seed=7").replace(
        "(tiers, 200, 7,", "(tiers, 3, 7,"
    )
    script = tmp_path / "offers_example.py"
    check = (
        "\nassert list(res.ranking().index)[0] in offers"
        "\nassert len(res.compare_all('client_cash_cost')) == 6"
        "\nprint('ranked', list(res.ranking().index))\n"
    )
    script.write_text(
        "import matplotlib\nmatplotlib.use('Agg')\nimport itmodels as itm\n" + small + check,
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ranked" in done.stdout
