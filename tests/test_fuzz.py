"""Fuzz: generated and mutated scenarios end in a ScenarioError or a finished run, never in
another exception and never over their time limit (issue 7 item 5).

The suite runs 300 cases; ``pytest tests/test_fuzz.py --fuzz-cases 10000`` (or the
environment variable ``ITMODELS_FUZZ_CASES``) runs more by hand.  Counts by outcome are
written as JSON to the file ``ITMODELS_FUZZ_SUMMARY`` names, if set.

Each case has a limit of :data:`CPU_LIMIT` seconds of CPU time (``setitimer`` with
``ITIMER_PROF``).  Accepted scenarios are simulated under both contracts over their own
horizon; the bases are the shipped scenarios and tests/data/minimal.yaml cut to a
two-month horizon so that a few hundred cases fit in the suite.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import itmodels as itm
from itmodels.scenario.size import TooManyEventsError

CPU_LIMIT = 60.0  # the event limit allows about 15 s per contract; a hang takes forever
ROOT = Path(__file__).parent.parent
BASES = [
    *(ROOT / "scenarios" / f"{name}.yaml" for name in itm.scenario_names()),
    ROOT / "tests" / "data" / "minimal.yaml",
]


def _base(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["horizon"] = "2mo"
    return data


BASE_DATA = [_base(p) for p in BASES]


def _deep(n: int) -> object:
    node: object = 1
    for _ in range(n):
        node = [node]
    return node


HOSTILE: list[object] = [
    0, 1, -1, 0.0, -0.0, 10**6, "1000y", 1e-9, 1e-300, 1e9, 1e300, -1e300, 1e308, float("inf"),
    float("-inf"), float("nan"), 10**30, 10**400, True, False, None, "", "x" * 300, "0h",
    "1min", "1e9y", "9999y", "-3h", "nan", ".inf", "all", "P1", "24/7", "mon-sun",
    "as_bad_as_old", "user", "device", "office", [], [1, 2], {}, {"a": 1}, _deep(60),
    {"dist": "weibull", "shape": 1e-9, "scale": 0},
    {"dist": "lognormal", "median": "1h", "sigma": 1e300},
    {"dist": "exponential", "mean": 1e-12},
    {"dist": "constant", "value": 0},
    {"dist": "empirical", "values": []},
    {"dist": "uniform", "low": "2h", "high": "1h"},
    {"dist": "gamma", "shape": 1e-6, "scale": "1y"},
    {"days": "mon-fri", "start": "18:00", "end": "08:00"},
    {"days": "sun-sat", "start": "00:00", "end": "24:00"},
]  # fmt: skip


def _paths(node: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    node = data
    for key in path[:-1]:
        node = node[key]
    return node


def _mutate(data: dict[str, Any], draw: st.DrawFn) -> None:
    paths = _paths(data)
    path = draw(st.sampled_from(paths))
    parent, key = _parent(data, path), path[-1]
    how = draw(st.sampled_from(["hostile", "hostile", "number", "delete", "copy", "unknown"]))
    if how == "hostile":
        parent[key] = copy.deepcopy(draw(st.sampled_from(HOSTILE)))
    elif how == "number":
        parent[key] = draw(st.one_of(st.floats(), st.integers(-(10**6), 10**12)))
    elif how == "delete":
        if isinstance(parent, dict):
            del parent[key]
        elif len(parent) > 1:
            parent.pop(key)
    elif how == "copy":
        other = draw(st.sampled_from(paths))
        parent[key] = copy.deepcopy(_parent(data, other)[other[-1]])
    elif isinstance(parent, dict):
        parent[draw(st.sampled_from(["extra", "rate", "dist", "count", "name"]))] = 1


@st.composite
def _generated(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario built from scratch around the required keys."""
    duration = st.one_of(
        st.floats(0, 1e6), st.sampled_from(["1h", "30min", "2d", "1y", "0h", "5y", "2mo"])
    )
    dist = st.one_of(
        duration,
        st.fixed_dictionaries({"dist": st.just("exponential"), "mean": duration}),
        st.fixed_dictionaries(
            {"dist": st.just("weibull"), "shape": st.floats(0.01, 60), "scale": duration}
        ),
        st.fixed_dictionaries(
            {"dist": st.just("lognormal"), "median": duration, "sigma": st.floats(0, 12)}
        ),
    )
    device = st.fixed_dictionaries(
        {
            "name": st.text("abcxyz", min_size=1, max_size=4),
            "count": st.integers(0, 300),
            "age": duration,
            "lifetime": dist,
            "users_affected": st.one_of(st.integers(0, 5), st.just("all")),
            "repair": dist,
        },
        optional={"after_repair": st.sampled_from(["as_good_as_new", "as_bad_as_old"])},
    )
    return {
        "name": "generated",
        "horizon": draw(st.sampled_from(["1mo", "2mo", "1w", 500, "0h"])),
        "client": {
            "users": draw(st.integers(1, 20)),
            "user_hour_value": draw(st.floats(0, 1e4)),
            "business_hours": draw(st.sampled_from(["24/7", {"days": "mon-fri"}])),
        },
        "fleet": draw(st.lists(device, min_size=1, max_size=3)),
        "provider": {"technicians": draw(st.integers(1, 3))},
        "contracts": {"break_fix": {"hourly_rate": draw(st.floats(0, 1e4))}},
    }


@st.composite
def _case(draw: st.DrawFn) -> str:
    """Scenario YAML text: a generated scenario, or a shipped one mutated 1-4 times."""
    if draw(st.integers(0, 9)) == 0:
        data: dict[str, Any] = draw(_generated())
    else:
        data = copy.deepcopy(draw(st.sampled_from(BASE_DATA)))
        for _ in range(draw(st.integers(1, 4))):
            _mutate(data, draw)
    try:
        text = yaml.safe_dump(data, sort_keys=False, width=1000)
    except (RecursionError, yaml.YAMLError):
        text = "name: [unprintable"
    if draw(st.integers(0, 9)) == 0:  # damage the text itself
        at = draw(st.integers(0, len(text)))
        junk = draw(
            st.sampled_from(["\x00", "\xff", ": :", "[", "? [a, b]\n: 1\n", "&a ", "*a", "\t"])
        )
        text = text[:at] + junk + text[at:]
    return text


class _CaseTimeout(BaseException):
    """A case used more than its CPU time."""


_FIRED: list[bool] = [False]  # the timer fired, even where the exception was swallowed


def _on_timer(signum: int, frame: object) -> None:
    _FIRED[0] = True
    raise _CaseTimeout


def _run_case(path: Path, text: str) -> str:
    """One case: load, and simulate if accepted.  Returns its outcome."""
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    _FIRED[0] = False
    old = signal.signal(signal.SIGPROF, _on_timer)
    signal.setitimer(signal.ITIMER_PROF, CPU_LIMIT)
    try:
        outcome = _load_and_run(path)
    except _CaseTimeout:
        outcome = "time-out"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)
    # a time-out raised inside a callback (a gc hook, a __del__) is swallowed: count it still
    return "time-out" if _FIRED[0] else outcome


def _load_and_run(path: Path) -> str:
    try:
        scn = itm.load_scenario(path)
        for contract in scn.contracts.names():
            run = itm.simulate(scn, contract, seed=1)
            run.metrics  # noqa: B018 - the metrics are computed on first access
        return "accepted"
    except TooManyEventsError:
        return "refused too big"
    except itm.ScenarioError:
        return "clean error"


@pytest.fixture
def fuzz_cases(request: pytest.FixtureRequest) -> int:
    n = request.config.getoption("--fuzz-cases")
    return int(n if n is not None else os.environ.get("ITMODELS_FUZZ_CASES", "300"))


def test_fuzz_scenarios(fuzz_cases: int, tmp_path: Path) -> None:
    counts: Counter[str] = Counter()
    failures: list[str] = []
    path = tmp_path / "case.yaml"

    @settings(
        max_examples=fuzz_cases,
        deadline=None,
        database=None,
        derandomize=fuzz_cases <= 300,
        suppress_health_check=list(HealthCheck),
    )
    @given(_case())
    def one(text: str) -> None:
        try:
            outcome = _run_case(path, text)
        except Exception:
            outcome = "other exception"
            failures.append(f"{traceback.format_exc(limit=4)}\n--- case ---\n{text[:3000]}")
        counts[outcome] += 1
        if outcome == "time-out":
            failures.append(f"time-out over {CPU_LIMIT} s CPU\n--- case ---\n{text[:3000]}")

    one()
    summary = {"cases": sum(counts.values()), **dict(counts), "failures": failures[:20]}
    target = os.environ.get("ITMODELS_FUZZ_SUMMARY")
    if target:
        Path(target).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    assert counts["other exception"] == 0 and counts["time-out"] == 0, "\n\n".join(failures[:3])
    assert counts["clean error"] > 0 and counts["accepted"] > 0, counts
