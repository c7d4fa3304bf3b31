"""Malformed scenarios: each gets one clear error naming the file, key path and expectation.

Every case starts from the valid minimal scenario (tests/data/minimal.yaml), breaks one
thing, writes it to a file and loads it.  The error must be a ScenarioError whose text
names the file, the exact key path of the problem and a word of what was expected.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import itmodels as itm
from itmodels.scenario import scenario_from_mapping

Mutation = Callable[[dict[str, Any]], None]


def _set(*path: str | int, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _delete(*path: str | int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


def _rename(*path: str | int, to: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[to] = node.pop(path[-1])

    return mutate


def _duplicate_first_device(data: dict[str, Any]) -> None:
    data["fleet"].append(copy.deepcopy(data["fleet"][0]))


def _load_error(path: Path) -> itm.ScenarioError:
    with pytest.raises(itm.ScenarioError) as info:
        itm.load_scenario(path)
    return info.value


def _assert_names(err: itm.ScenarioError, path: Path, key: str, expected: str) -> None:
    """The message names the file, lists the problem under ``key``, and says ``expected``."""
    text = str(err)
    assert str(path) in text
    keys = [k for k, _ in err.problems]
    assert key in keys, f"expected the key path {key!r}, the error reports {keys!r}:\n{text}"
    assert f"  {key}: " in text
    message = dict(err.problems)[key]
    assert expected.lower() in message.lower(), text


# (case id, mutation, exact key path, a word of what was expected)
CASES: list[tuple[str, Mutation, str, str]] = [
    ("missing-required-key", _delete("client", "users"), "client.users", "missing"),
    ("missing-required-section", _delete("provider"), "provider", "missing"),
    ("unknown-key-top-level", _set("horizn", value="1y"), "horizn", "unknown key"),
    (
        "unknown-key-nested",
        _rename("fleet", 0, "lifetime", to="lifetim"),
        "fleet[0].lifetim",
        "unknown key",
    ),
    (
        "unknown-key-in-distribution",
        _set("fleet", 0, "lifetime", "mean", value="5y"),
        "fleet[0].lifetime.mean",
        "unknown key",
    ),
    (
        "negative-rate",
        _set("incident_streams", 0, "rate", value=-1),
        "incident_streams[0].rate",
        "greater than or equal to 0",
    ),
    (
        "probability-above-one",
        _set("contracts", "flat_rate", "monitoring", "detection_probability", value=1.5),
        "contracts.flat_rate.monitoring.detection_probability",
        "less than or equal to 1",
    ),
    ("bad-duration-string", _set("horizon", value="5 parsecs"), "horizon", "expected a duration"),
    ("negative-duration", _set("fleet", 0, "age", value="-2y"), "fleet[0].age", "negative"),
    ("zero-horizon", _set("horizon", value=0), "horizon", "greater than 0"),
    (
        "negative-money",
        _set("contracts", "break_fix", "hourly_rate", value=-5),
        "contracts.break_fix.hourly_rate",
        "negative",
    ),
    (
        "unknown-distribution-name",
        _set("fleet", 0, "lifetime", value={"dist": "weibul", "shape": 1.5, "scale": "6y"}),
        "fleet[0].lifetime.dist",
        "weibull",
    ),
    (
        "distribution-without-dist",
        _set("fleet", 0, "lifetime", value={"shape": 1.5, "scale": "6y"}),
        "fleet[0].lifetime.dist",
        "exponential",
    ),
    (
        "weibull-shape-zero",
        _set("fleet", 0, "lifetime", "shape", value=0),
        "fleet[0].lifetime.shape",
        "greater than 0",
    ),
    (
        "weibull-scale-missing",
        _delete("fleet", 0, "lifetime", "scale"),
        "fleet[0].lifetime.scale",
        "missing",
    ),
    (
        "uniform-low-above-high",
        _set("incident_streams", 0, "work", value={"dist": "uniform", "low": "2h", "high": "1h"}),
        "incident_streams[0].work",
        "must not exceed",
    ),
    (
        "priority-mix-not-summing-to-one",
        _set("incident_streams", 0, "priority", value={"P3": 0.7, "P4": 0.2}),
        "incident_streams[0].priority",
        "sum to 1",
    ),
    (
        "unknown-priority",
        _set("incident_streams", 0, "priority", value={"P5": 1.0}),
        "incident_streams[0].priority.P5",
        "P1",
    ),
    (
        "users-affected-some",
        _set("fleet", 1, "users_affected", value="some"),
        "fleet[1].users_affected",
        "all",
    ),
    (
        "stream-affects-more-users-than-the-client-has",
        _set("incident_streams", 0, "users_affected", value=9),
        "incident_streams[0].users_affected",
        "client.users",
    ),
    ("users-zero", _set("client", "users", value=0), "client.users", "greater than or equal to 1"),
    ("users-boolean", _set("client", "users", value=True), "client.users", "integer"),
    (
        "business-hours-start-after-end",
        _set(
            "client", "business_hours", value={"days": "mon-fri", "start": "18:00", "end": "08:00"}
        ),
        "client.business_hours",
        "before",
    ),
    (
        "business-hours-bad-day-name",
        _set("client", "business_hours", "days", value="mon-fryday"),
        "client.business_hours.days",
        "day",
    ),
    (
        "business-hours-unquoted-time",
        _set("client", "business_hours", "start", value=480),
        "client.business_hours.start",
        "HH:MM",
    ),
    (
        "business-hours-unknown-word",
        _set("client", "business_hours", value="always"),
        "client.business_hours",
        "24/7",
    ),
    ("no-contracts", _set("contracts", value={}), "contracts", "at least one"),
    ("empty-fleet", _set("fleet", value=[]), "fleet", "at least 1"),
    ("duplicate-fleet-names", _duplicate_first_device, "fleet[2].name", "unique"),
    (
        "parts-probability-without-lead-time",
        _set("fleet", 0, "parts_probability", value=0.3),
        "fleet[0].parts_lead_time",
        "parts_probability",
    ),
    (
        "max-age-without-replacement-cost",
        _set("fleet", 0, "max_age", value="5y"),
        "fleet[0].replacement_cost",
        "max_age",
    ),
    (
        "false-alarms-without-work",
        _set("contracts", "flat_rate", "monitoring", "false_alarms_per_device_month", value=0.1),
        "contracts.flat_rate.monitoring.false_alarm_work",
        "false_alarms_per_device_month",
    ),
    (
        "onsite-excluded-without-rate",
        _set("contracts", "flat_rate", "onsite_included", value=False),
        "contracts.flat_rate.onsite_hourly_rate",
        "onsite_included",
    ),
    (
        "monitoring-classes-unknown-class",
        _set("contracts", "flat_rate", "monitoring", "classes", value=["pc", "server"]),
        "contracts.flat_rate.monitoring.classes",
        "unknown",
    ),
    (
        "hourly-rate-missing-onsite",
        _set("contracts", "break_fix", "hourly_rate", value={"remote": 100}),
        "contracts.break_fix.hourly_rate.onsite",
        "missing",
    ),
    (
        "sla-target-zero",
        _set("contracts", "flat_rate", "sla", value={"response": {"P1": "0h"}}),
        "contracts.flat_rate.sla.response.P1",
        "greater than 0",
    ),
]


def test_the_minimal_fixture_is_valid(minimal: dict[str, Any], write_yaml) -> None:
    scn = itm.load_scenario(write_yaml(minimal))
    assert scn.name == "minimal"


@pytest.mark.parametrize(
    ("mutate", "key", "expected"),
    [pytest.param(m, k, e, id=i) for i, m, k, e in CASES],
)
def test_malformed_scenario(
    minimal: dict[str, Any],
    write_yaml,
    mutate: Mutation,
    key: str,
    expected: str,
) -> None:
    mutate(minimal)
    path = write_yaml(minimal)
    err = _load_error(path)
    _assert_names(err, path, key, expected)


def test_malformed_mapping_names_the_key(minimal: dict[str, Any]) -> None:
    minimal["fleet"][0]["lifetime"]["shape"] = 0
    with pytest.raises(itm.ScenarioError) as info:
        scenario_from_mapping(minimal)
    assert info.value.source == "<dict>"
    assert info.value.problems == [("fleet[0].lifetime.shape", info.value.problems[0][1])]
    with pytest.raises(ValueError, match="shape"):
        itm.Scenario.model_validate(minimal)  # the plain pydantic entry point


def test_several_problems_are_all_reported(minimal: dict[str, Any], write_yaml) -> None:
    del minimal["client"]["users"]
    minimal["fleet"][0]["lifetime"]["shape"] = -1
    path = write_yaml(minimal)
    err = _load_error(path)
    keys = [k for k, _ in err.problems]
    assert keys == ["client.users", "fleet[0].lifetime.shape"]
    assert "2 problem" in str(err)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no-such-scenario.yaml"
    err = _load_error(path)
    _assert_names(err, path, "(file)", "no such file")


def test_missing_file_given_by_bare_name(tmp_path: Path) -> None:
    with pytest.raises(itm.ScenarioError) as info:
        itm.load_scenario("no-such-shipped-scenario")
    assert "no-such-shipped-scenario" in str(info.value)
    assert "no such file" in str(info.value)


def test_invalid_yaml(write_yaml) -> None:
    path = write_yaml("name: [unclosed\nhorizon: 1y\n")
    err = _load_error(path)
    text = str(err)
    assert str(path) in text
    assert "line 2" in text
    assert "not valid YAML" in text


def test_key_written_twice_in_yaml(write_yaml) -> None:
    path = write_yaml("name: a\nname: b\n")
    err = _load_error(path)
    text = str(err)
    assert str(path) in text
    assert "line 2" in text
    assert "'name'" in text and "twice" in text


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- one\n- two\n", "list"), ("just a string\n", "str"), ("", "NoneType")],
    ids=["list", "scalar", "empty-file"],
)
def test_top_level_not_a_mapping(write_yaml, text: str, kind: str) -> None:
    path = write_yaml(text)
    err = _load_error(path)
    _assert_names(err, path, "(top level)", "mapping")
    assert kind in str(err)


def test_scenario_error_is_a_value_error(write_yaml) -> None:
    err = _load_error(write_yaml("- not a scenario\n"))
    assert isinstance(err, ValueError)
    assert err.source.endswith(".yaml")


# ---------------------------------------------------------------- hostile files (issue 7.4)
def _minimal_text() -> str:
    return (Path(__file__).parent / "data" / "minimal.yaml").read_text(encoding="utf-8")


def _one_problem(path: Path) -> tuple[str, str, str]:
    """Load ``path``; it must fail with one ScenarioError naming the file."""
    err = _load_error(path)
    assert str(path) in str(err)
    assert len(err.problems) >= 1
    where, message = err.problems[0]
    return str(err), where, message


def test_deeply_nested_yaml_is_one_clear_error(write_yaml) -> None:
    depth = 5000
    path = write_yaml(_minimal_text() + "description: " + "[" * depth + "]" * depth + "\n")
    _, where, message = _one_problem(path)
    assert where.startswith("line 39"), where
    assert "nested more than" in message


def test_deep_nesting_given_as_data_is_a_scenario_error(minimal: dict[str, Any]) -> None:
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    minimal["description"] = deep
    with pytest.raises(itm.ScenarioError):
        scenario_from_mapping(minimal)


@pytest.mark.parametrize("key", ["? [a, b]\n: 1", "? {a: 1}\n: 1", "[1, 2]: 3"])
def test_complex_yaml_key_names_the_line(write_yaml, key: str) -> None:
    path = write_yaml(_minimal_text() + key + "\n")
    _, where, message = _one_problem(path)
    assert where.startswith("line 39"), where
    assert "a key must be a plain value" in message


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("horizon: 1" + "0" * 400, "horizon"),
        ("horizon: " + "9" * 5000, "line 4, column 10"),
    ],
)
def test_huge_integer_is_refused_with_its_key(write_yaml, line: str, key: str) -> None:
    text = _minimal_text().replace("horizon: 1y", line)
    text_, where, _message = _one_problem(write_yaml(text))
    assert where == key, text_
    assert len(text_) < 1000


def test_huge_integer_in_a_float_field_is_refused(minimal: dict[str, Any]) -> None:
    minimal["client"]["user_hour_value"] = 10**400
    minimal["fleet"][0]["lifetime"]["shape"] = 10**400
    minimal["incident_streams"][0]["rate"] = 10**400
    with pytest.raises(itm.ScenarioError) as info:
        scenario_from_mapping(minimal)
    keys = [k for k, _ in info.value.problems]
    assert "client.user_hour_value" in keys
    assert "fleet[0].lifetime.shape" in keys
    assert "incident_streams[0].rate" in keys


def test_file_that_is_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(_minimal_text().encode() + b"description: caf\xe9\n")
    _, where, message = _one_problem(path)
    assert where == "line 39"
    assert "UTF-8" in message


def test_binary_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    _text, _, message = _one_problem(path)
    assert "UTF-8" in message


def test_folder_given_as_scenario(tmp_path: Path) -> None:
    folder = tmp_path / "scenario.yaml"
    folder.mkdir()
    _, _where, message = _one_problem(folder)
    assert message == "is a folder, not a file"


def test_file_over_one_megabyte_is_refused(write_yaml) -> None:
    path = write_yaml(_minimal_text() + "description: '" + "x" * 1_100_000 + "'\n")
    _, _, message = _one_problem(path)
    assert "larger than 1,000,000 bytes" in message


def _laughs(levels: int, under: str) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    text = _minimal_text().replace(f"{under}: ", f"{under}: *a{levels} #", 1)
    return "x-laughs:\n" + "\n".join("  " + line for line in lines) + "\n" + text


@pytest.mark.parametrize(("levels", "under"), [(9, "name"), (7, "horizon"), (4, "name")])
def test_alias_bomb_is_refused_quickly_and_shortly(write_yaml, levels: int, under: str) -> None:
    import time

    path = write_yaml(_laughs(levels, under))
    began = time.process_time()
    text, _, _ = _one_problem(path)
    assert time.process_time() - began < 2.0
    assert len(text) < 2000, len(text)


def test_many_aliases_are_refused(write_yaml) -> None:
    refs = ", ".join(["*n"] * 300)
    path = write_yaml("x: &n 1\ny: [" + refs + "]\n" + _minimal_text())
    _, where, message = _one_problem(path)
    assert "aliases" in message
    assert where.startswith("line 2")


def test_a_few_aliases_still_work(write_yaml) -> None:
    text = _minimal_text().replace("horizon: 1y", "horizon: &h 1y\ndescription: *h")
    scn = itm.load_scenario(write_yaml(text))
    assert scn.description == "1y"


def test_error_quotes_a_long_value_cut_short(minimal: dict[str, Any]) -> None:
    minimal["horizon"] = [["x" * 1000] * 1000] * 1000
    with pytest.raises(itm.ScenarioError) as info:
        scenario_from_mapping(minimal)
    assert len(str(info.value)) < 1000
    assert "..." in str(info.value)


@pytest.mark.parametrize("changes", [{1: 2}, {None: 1}, {("a",): 1}, {"": 3}])
def test_override_with_a_key_that_is_not_a_path(
    minimal: dict[str, Any], changes: dict[Any, Any]
) -> None:
    scn = scenario_from_mapping(minimal)
    with pytest.raises(itm.ScenarioError) as info:
        scn.override(changes)
    assert "dotted path" in str(info.value)


def test_override_with_something_not_a_mapping(minimal: dict[str, Any]) -> None:
    scn = scenario_from_mapping(minimal)
    with pytest.raises(itm.ScenarioError):
        scn.override([("client.users", 3)])  # type: ignore[arg-type]
