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
