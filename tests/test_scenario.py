"""Scenario loading, validation from a dict, overrides and round trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import itmodels as itm
from itmodels.scenario.calendar import BusinessHours
from itmodels.scenario.distributions import Constant, Weibull
from itmodels.scenario.shipped import shipped_dir, shipped_names

SHIPPED = ("small-office", "professional-firm", "retail-shop")
#: The scenario with named offers of every kind; it adds the block-hours offer
#: ``prepaid-10h`` once that pricing model ships.
TIERS = "tiers"
ALL_SHIPPED = (*SHIPPED, TIERS)
TIER_OFFERS = ("pay-as-you-go", "essentials", "standard", "complete", "prepaid-10h")


# ----------------------------------------------------------------------------- shipped
def test_the_scenarios_ship_in_the_scenarios_folder() -> None:
    assert set(ALL_SHIPPED) <= set(shipped_names())
    for name in ALL_SHIPPED:
        assert (shipped_dir() / f"{name}.yaml").is_file()


@pytest.mark.parametrize("name", ALL_SHIPPED)
def test_shipped_scenario_loads_from_its_file(name: str) -> None:
    path = shipped_dir() / f"{name}.yaml"
    scn = itm.load_scenario(path)
    assert isinstance(scn, itm.Scenario)
    assert scn.name == name
    assert scn.source == str(path)
    assert scn.currency == "USD"
    assert scn.client.name
    if name == TIERS:
        assert scn.contracts.names()[: len(TIER_OFFERS)] == TIER_OFFERS
    else:
        assert scn.contracts.names() == ("break_fix", "flat_rate")
    assert scn.horizon in (3 * 8766.0, 5 * 8766.0)


@pytest.mark.parametrize("name", ALL_SHIPPED)
def test_shipped_scenario_loads_by_name(name: str) -> None:
    by_name = itm.load_scenario(name)
    by_path = itm.load_scenario(shipped_dir() / f"{name}.yaml")
    assert by_name == by_path


def test_default_scenario_is_the_small_office() -> None:
    scn = itm.load_scenario("small-office")
    assert 10 <= scn.client.users <= 14
    assert scn.client.business_hours == BusinessHours.parse("mon-fri 08:00-18:00")
    nas = next(d for d in scn.fleet if d.server)
    assert nas.users_affected == "all"
    desktops = next(d for d in scn.fleet if d.name == "desktop")
    assert isinstance(desktops.lifetime, Weibull)
    assert desktops.lifetime.shape > 1  # wear-out: age matters
    assert desktops.age > 0
    assert scn.contracts.flat_rate is not None
    assert scn.contracts.flat_rate.fee_per_device > 0


def test_professional_firm_prices_per_user_and_per_server() -> None:
    scn = itm.load_scenario("professional-firm")
    flat = scn.contracts.flat_rate
    assert flat is not None
    assert flat.fee_per_user > 0
    assert flat.fee_per_server is not None and flat.fee_per_server > 0
    assert sum(d.count for d in scn.fleet if d.server) == 2
    assert scn.client.users >= 30
    small = itm.load_scenario("small-office")
    assert scn.client.user_hour_value > small.client.user_hour_value


def test_retail_shop_trades_on_saturday_and_loses_sales_when_down() -> None:
    scn = itm.load_scenario("retail-shop")
    hours = scn.client.business_hours
    saturday_noon = 5 * 24 + 12.0
    assert hours.is_open(saturday_noon)
    assert not hours.is_open(6 * 24 + 12.0)  # closed on Sunday
    small = itm.load_scenario("small-office")
    assert scn.client.revenue_per_hour_down > small.client.revenue_per_hour_down
    pos = next(d for d in scn.fleet if d.name == "pos")
    assert pos.age >= 4 * 8766.0  # an old fleet


def test_tiers_is_the_small_office_offered_a_rate_card_and_three_tiers() -> None:
    tiers, small = itm.load_scenario(TIERS), itm.load_scenario("small-office")
    for section in ("client", "fleet", "incident_streams", "provider", "horizon", "currency"):
        assert getattr(tiers, section) == getattr(small, section), section
    offers = tiers.contracts
    assert offers["pay-as-you-go"] == small.contracts["break_fix"]
    assert [offers[n].type for n in TIER_OFFERS[1:4]] == [small.contracts["flat_rate"].type] * 3
    essentials, standard, complete = (offers[n] for n in TIER_OFFERS[1:4])
    fees = [t.fee_per_device for t in (essentials, standard, complete)]
    assert fees == sorted(fees) and len(set(fees)) == 3  # dearer tiers cost more
    # each tier adds to the one below: on-site visits, then parts and preventive work
    assert not essentials.onsite_included and essentials.onsite_hourly_rate
    assert essentials.maintenance is None and essentials.sla is None
    assert standard.onsite_included and not standard.parts_included
    assert standard.maintenance is not None and standard.sla is not None
    assert standard.maintenance.preventive is None
    assert complete.onsite_included and complete.parts_included
    assert complete.maintenance is not None and complete.maintenance.preventive is not None
    assert complete.sla is not None and complete.sla.around_the_clock == ["P1"]
    assert all(t.monitoring is not None for t in (essentials, standard, complete))


def _written(scn: itm.Scenario) -> set[str]:
    """Dotted names of every key the scenario writes explicitly (lists flattened)."""
    keys: set[str] = set()

    def walk(node: object, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                name = f"{prefix}.{key}" if prefix else str(key)
                keys.add(name)
                walk(value, name)
        elif isinstance(node, list):
            for item in node:
                walk(item, prefix)

    walk(scn.model_dump(mode="json", exclude_unset=True, exclude_none=True), "")
    return keys


def test_every_mechanism_appears_in_some_shipped_scenario() -> None:
    written = set().union(*(_written(itm.load_scenario(name)) for name in SHIPPED))
    needed = {
        "client.name",
        "client.revenue_per_hour_down",
        "fleet.warning.probability",
        "fleet.warning.lead_time",
        "fleet.beyond_repair_probability",
        "fleet.max_age",
        "fleet.replacement_cost",
        "fleet.replacement_lead_time",
        "fleet.parts_probability",
        "fleet.parts_lead_time",
        "fleet.parts_cost",
        "fleet.remote_fix_probability",
        "fleet.server",
        "fleet.priority",
        "fleet.productivity_loss",
        "fleet.after_repair",
        "incident_streams.rate",
        "incident_streams.priority",
        "incident_streams.productivity_loss",
        "incident_streams.remote_fix_probability",
        "incident_streams.work",
        "incident_streams.neglect.growth_per_month",
        "incident_streams.neglect.max_multiplier",
        "provider.technicians",
        "provider.working_hours",
        "provider.wage",
        "provider.overtime_premium",
        "provider.travel",
        "provider.travel_cost",
        "provider.background_load.jobs_per_month",
        "provider.monitoring_tools_cost",
        "contracts.break_fix.hourly_rate",
        "contracts.break_fix.minimum_billed",
        "contracts.break_fix.billing_increment",
        "contracts.break_fix.trip_charge",
        "contracts.break_fix.after_hours_multiplier",
        "contracts.break_fix.parts_markup",
        "contracts.break_fix.hardware_markup",
        "contracts.break_fix.deferral.priorities",
        "contracts.break_fix.deferral.probability",
        "contracts.break_fix.deferral.delay",
        "contracts.break_fix.deferral.escalation_probability",
        "contracts.break_fix.deferral.escalate_to",
        "contracts.break_fix.deferral.escalation_work_multiplier",
        "contracts.flat_rate.fee_per_device",
        "contracts.flat_rate.fee_per_user",
        "contracts.flat_rate.fee_per_server",
        "contracts.flat_rate.onsite_included",
        "contracts.flat_rate.parts_included",
        "contracts.flat_rate.hardware_included",
        "contracts.flat_rate.monitoring.detection_probability",
        "contracts.flat_rate.monitoring.false_alarms_per_device_month",
        "contracts.flat_rate.monitoring.false_alarm_work",
        "contracts.flat_rate.maintenance.patching.every",
        "contracts.flat_rate.maintenance.preventive.every",
        "contracts.flat_rate.sla.response",
        "contracts.flat_rate.sla.around_the_clock",
        "contracts.flat_rate.sla.credits",
        "contracts.flat_rate.sla.credit_cap",
    }
    assert needed - written == set()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_monitoring_is_imperfect_and_sla_credits_follow_the_published_bands(
    name: str,
) -> None:
    flat = itm.load_scenario(name).contracts.flat_rate
    assert flat is not None and flat.monitoring is not None and flat.sla is not None
    assert 0.4 <= flat.monitoring.detection_probability <= 0.65
    bands = [(b.breaches, b.share) for b in flat.sla.credits]
    assert bands == [(1, 0.05), (3, 0.10), (5, 0.15)]
    assert flat.sla.around_the_clock == ["P1"]
    assert flat.maintenance is not None and flat.maintenance.patching is not None
    assert flat.maintenance.patching.every == pytest.approx(730.5)


def test_every_tier_monitors_imperfectly_and_credits_follow_the_published_bands() -> None:
    offers = itm.load_scenario(TIERS).contracts
    monitored = {n: t for n, t in offers.items() if getattr(t, "monitoring", None)}
    with_sla = {n: t for n, t in offers.items() if getattr(t, "sla", None)}
    assert set(monitored) >= {"essentials", "standard", "complete"}
    assert set(with_sla) >= {"standard", "complete"}
    for name, terms in monitored.items():
        assert 0.4 <= terms.monitoring.detection_probability <= 0.65, name  # type: ignore[attr-defined]
    for name, terms in with_sla.items():
        bands = [(b.breaches, b.share) for b in terms.sla.credits]  # type: ignore[attr-defined]
        assert bands == [(1, 0.05), (3, 0.10), (5, 0.15)], name


def _value_lines(node: yaml.Node, skip: frozenset[str]) -> list[int]:
    """Line numbers (0-based) of every scalar value in a composed YAML document."""
    lines: list[int] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.ScalarNode):
                if key.value not in skip:
                    lines.append(value.start_mark.line)
            else:
                lines += _value_lines(value, skip)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                lines.append(item.start_mark.line)
            else:
                lines += _value_lines(item, skip)
    return lines


@pytest.mark.parametrize("name", ALL_SHIPPED)
def test_shipped_values_are_commented(name: str) -> None:
    """Every value carries a comment (its source or an assumption) on its line or above."""
    text = (shipped_dir() / f"{name}.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    document = yaml.compose(text)
    assert document is not None
    uncommented = [
        f"{n + 1}: {lines[n]}"
        for n in sorted(set(_value_lines(document, frozenset({"name", "description"}))))
        if "#" not in lines[n] and "#" not in lines[n - 1]
    ]
    assert uncommented == []


# ----------------------------------------------------------------------------- from a dict
def test_model_validate_from_a_dict(minimal: dict[str, Any]) -> None:
    scn = itm.Scenario.model_validate(minimal)
    assert scn.name == "minimal"
    assert scn.horizon == 8766.0
    assert scn.client.users == 5
    assert scn.fleet[1].users_affected == "all"
    assert scn.fleet[1].repair == Constant(value=2.0)  # a bare duration is a constant
    assert scn.fleet[0].lifetime == Weibull(shape=1.5, scale=6 * 8766.0)
    assert scn.incident_streams[0].priority == {"P3": 0.7, "P4": 0.3}
    assert scn.contracts.break_fix is not None
    assert scn.contracts.break_fix.hourly_rate.remote == 140.0
    assert scn.contracts.break_fix.hourly_rate.onsite == 140.0
    assert scn.source == "<dict>"


def test_unwritten_mechanisms_are_switched_off(minimal: dict[str, Any]) -> None:
    scn = itm.Scenario.model_validate(minimal)
    pc = scn.fleet[0]
    assert pc.warning is None
    assert pc.parts_probability == 0.0 and pc.parts_lead_time is None
    assert pc.beyond_repair_probability == 0.0 and pc.max_age is None
    assert scn.provider.travel is None and scn.provider.background_load is None
    assert scn.client.revenue_per_hour_down == 0.0
    bf = scn.contracts.break_fix
    assert bf is not None
    assert (bf.minimum_billed, bf.billing_increment, bf.trip_charge) == (0.0, 0.0, 0.0)
    assert bf.after_hours_multiplier is None and bf.deferral is None
    flat = scn.contracts.flat_rate
    assert flat is not None and flat.maintenance is None and flat.sla is None


def test_a_scenario_with_only_required_keys_validates() -> None:
    scn = itm.Scenario.model_validate(
        {
            "name": "bare",
            "horizon": "2y",
            "client": {"users": 3, "user_hour_value": 50, "business_hours": "24/7"},
            "fleet": [
                {
                    "name": "pc",
                    "count": 3,
                    "age": 0,
                    "users_affected": 1,
                    "lifetime": {"dist": "exponential", "mean": "1y"},
                    "repair": "2h",
                }
            ],
            "provider": {"technicians": 1},
            "contracts": {"flat_rate": {"fee_per_device": 30}},
        }
    )
    assert scn.contracts.names() == ("flat_rate",)
    assert scn.client.business_hours.always_open
    assert scn.incident_streams == []


# ----------------------------------------------------------------------------- override
@pytest.fixture
def office() -> itm.Scenario:
    return itm.load_scenario("small-office")


def test_override_dotted_keys(office: itm.Scenario) -> None:
    new = office.override({"client.users": 25, "contracts.flat_rate.fee_per_device": 60})
    assert new.client.users == 25
    assert new.contracts.flat_rate is not None
    assert new.contracts.flat_rate.fee_per_device == 60.0
    assert new.fleet == office.fleet


def test_override_leaves_the_original_unchanged(office: itm.Scenario) -> None:
    users = office.client.users
    count = office.fleet[0].count
    office.override({"client.users": users + 10, "fleet.0.count": count + 3})
    assert office.client.users == users
    assert office.fleet[0].count == count


def test_override_list_item_by_index(office: itm.Scenario) -> None:
    new = office.override({"fleet.0.count": 20})
    assert new.fleet[0].count == 20
    assert [d.count for d in new.fleet[1:]] == [d.count for d in office.fleet[1:]]


def test_override_list_item_by_name(office: itm.Scenario) -> None:
    nas_index = next(i for i, d in enumerate(office.fleet) if d.name == "nas")
    new = office.override({"fleet.nas.count": 2, "fleet.nas.age": "6y"})
    assert new.fleet[nas_index].count == 2
    assert new.fleet[nas_index].age == 6 * 8766.0
    assert new.fleet[0] == office.fleet[0]


def test_override_incident_stream_by_name(office: itm.Scenario) -> None:
    new = office.override({"incident_streams.security.rate": 0.05})
    stream = next(s for s in new.incident_streams if s.name == "security")
    assert stream.rate == 0.05


def test_override_parses_units_and_distributions(office: itm.Scenario) -> None:
    new = office.override(
        {"horizon": "5y", "fleet.desktop.lifetime": {"dist": "weibull", "shape": 2, "scale": "6y"}}
    )
    assert new.horizon == 5 * 8766.0
    assert new.fleet[0].lifetime == Weibull(shape=2.0, scale=6 * 8766.0)


def test_override_adds_a_new_optional_section(minimal: dict[str, Any]) -> None:
    scn = itm.Scenario.model_validate(minimal)
    assert scn.provider.background_load is None
    new = scn.override(
        {"provider.background_load.jobs_per_month": 40, "provider.background_load.work": "1h"}
    )
    assert new.provider.background_load is not None
    assert new.provider.background_load.jobs_per_month == 40.0
    assert new.provider.background_load.work == Constant(value=1.0)
    assert scn.provider.background_load is None


def test_override_adds_a_whole_section_as_a_mapping(minimal: dict[str, Any]) -> None:
    scn = itm.Scenario.model_validate(minimal)
    new = scn.override({"contracts.flat_rate.sla": {"response": {"P1": "1h", "P3": "8h"}}})
    assert new.contracts.flat_rate is not None and new.contracts.flat_rate.sla is not None
    assert new.contracts.flat_rate.sla.response == {"P1": 1.0, "P3": 8.0}


@pytest.mark.parametrize(
    ("key", "where"),
    [
        ("nosuch.section", "nosuch"),
        ("client.nosuch.users", "client.nosuch"),
        ("fleet.toaster.count", "toaster"),
        ("fleet.9.count", "fleet.9"),
    ],
)
def test_override_unknown_key_path_raises(office: itm.Scenario, key: str, where: str) -> None:
    with pytest.raises(itm.ScenarioError) as info:
        office.override({key: 1})
    message = str(info.value)
    assert key in message
    assert where in message
    assert "override" in message


def test_override_unknown_leaf_key_is_rejected(office: itm.Scenario) -> None:
    with pytest.raises(itm.ScenarioError) as info:
        office.override({"client.userz": 3})
    assert ("client.userz", info.value.problems[0][1]) in info.value.problems
    assert "unknown key" in str(info.value)


def test_override_invalid_value_raises_with_the_key_path(office: itm.Scenario) -> None:
    with pytest.raises(itm.ScenarioError) as info:
        office.override({"fleet.desktop.lifetime.shape": 0})
    assert "fleet[0].lifetime.shape" in str(info.value)
    assert "greater than 0" in str(info.value)


# ----------------------------------------------------------------------------- round trip
def test_round_trip_of_a_dict_scenario(minimal: dict[str, Any]) -> None:
    scn = itm.Scenario.model_validate(minimal)
    dumped = scn.model_dump(mode="json", exclude_none=True)
    assert itm.Scenario.model_validate(dumped) == scn


@pytest.mark.parametrize("name", ALL_SHIPPED)
def test_round_trip_of_a_shipped_scenario(name: str) -> None:
    scn = itm.load_scenario(name)
    dumped = scn.model_dump(mode="json", exclude_none=True)
    assert "source" not in dumped
    again = itm.Scenario.model_validate(dumped)
    # the only difference allowed is where it came from, which is not part of the dump
    assert again == scn.model_copy(update={"source": "<dict>"})
    assert again.model_dump(mode="json") == scn.model_dump(mode="json")


def test_round_trip_through_a_yaml_file(office: itm.Scenario, tmp_path: Path) -> None:
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(office.model_dump(mode="json", exclude_none=True)))
    again = itm.load_scenario(path)
    assert again.model_dump(mode="json") == office.model_dump(mode="json")
    assert again.source == str(path)


# ---------------------------------------------------------------- to_yaml and --set (issue 8.9)
@pytest.mark.parametrize("name", shipped_names())
def test_to_yaml_round_trips(name: str, tmp_path: Path) -> None:
    scn = itm.load_scenario(name)
    path = scn.to_yaml(tmp_path / "saved.yaml")
    assert path == tmp_path / "saved.yaml"
    assert itm.load_scenario(path) == scn
    assert [p.name for p in tmp_path.iterdir()] == ["saved.yaml"]  # no temp file left


def test_to_yaml_round_trips_an_override(minimal: dict[str, Any], tmp_path: Path) -> None:
    from itmodels.scenario import scenario_from_mapping

    minimal["fleet"][0]["repair"] = {"dist": "empirical", "values": ["1h", "30min", "2h"]}
    minimal["contracts"]["break_fix"]["hourly_rate"] = {"remote": 90, "onsite": 140}
    scn = scenario_from_mapping(minimal).override({"client.users": 7, "horizon": "18mo"})
    again = itm.load_scenario(scn.to_yaml(tmp_path / "tweaked.yaml"))
    assert again == scn
    assert again.value_at("client.users") == 7


def test_to_yaml_never_overwrites(tmp_path: Path) -> None:
    scn = itm.load_scenario("small-office")
    target = tmp_path / "mine.yaml"
    target.write_text("my notes\n")
    with pytest.raises(FileExistsError, match="already exists"):
        scn.to_yaml(target)
    assert target.read_text() == "my notes\n"
    (tmp_path / "folder").mkdir()
    with pytest.raises(FileExistsError):
        scn.to_yaml(tmp_path / "folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "mine.yaml"]


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("client.users=25", "client.users", 25),
        ("horizon=5y", "horizon", "5y"),
        (" fleet.server.age = 6y ", "fleet.server.age", "6y"),
        ("name='007'", "name", "007"),
        ("contracts.flat_rate.parts_included=true", "contracts.flat_rate.parts_included", True),
        ("fleet.0.lifetime={dist: exponential, mean: 5y}", "fleet.0.lifetime",
         {"dist": "exponential", "mean": "5y"}),
        ("client.user_hour_value=1.5e+2", "client.user_hour_value", 150.0),
        ("description=a=b", "description", "a=b"),
    ],
)  # fmt: skip
def test_parse_assignment(text: str, key: str, value: object) -> None:
    from itmodels.scenario.yaml_io import parse_assignment

    assert parse_assignment(text) == (key, value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("client.users", "KEY=VALUE"),
        ("=3", "KEY=VALUE"),
        ("client.users=", "no value"),
        ("client..users=3", "joined by dots"),
        ("client users=3", "joined by dots"),
        ("client.users=[1", "not a YAML value"),
        ("client.users=" + "[" * 100 + "]" * 100, "not a YAML value"),
        ("client.users=!!python/object:os.system x", "not a YAML value"),
    ],
)
def test_parse_assignment_errors(text: str, words: str) -> None:
    from itmodels.scenario.yaml_io import AssignmentError, parse_assignment

    with pytest.raises(AssignmentError, match=words):
        parse_assignment(text)


def test_override_paths_come_from_the_models_so_a_new_pricing_model_adds_its_sections():
    from typing import Literal

    from itmodels.contracts import Contract, OfferTerms, remove_contract_type
    from itmodels.scenario.loading import section_keys
    from itmodels.scenario.sections import SectionModel

    class Loyalty(SectionModel):
        discount: float = 0.0

    class LoyaltyTerms(OfferTerms):
        type: Literal["loyalty_test"] = "loyalty_test"
        fee: float = 0.0
        loyalty: Loyalty | None = None

    assert "loyalty" not in section_keys()

    class LoyaltyPlan(Contract):  # defining the class adds the pricing model
        type_name = "loyalty_test"
        terms_model = LoyaltyTerms
        label = "Loyalty"

        def monthly_fee(self) -> float:
            return self.terms.fee

        def charges_table(self, visits):
            none = np.empty(0, dtype=np.int64)
            return none, np.empty(0, dtype=object), np.empty(0, dtype=np.float64)

        def parts_price(self, cost: float) -> float:
            return cost

        def hardware_price(self, cost: float) -> float:
            return cost

        def works_after_hours(self, priority: str) -> bool:
            return False

        def price_words(self, currency: str, exact: bool = False) -> str:
            return "a fee"

    try:
        assert "loyalty" in section_keys()
        data = yaml.safe_load((shipped_dir() / "small-office.yaml").read_text())
        data["contracts"]["plan"] = {"type": "loyalty_test", "fee": 10}
        scn = itm.Scenario.model_validate(data)
        # the section the offer leaves out is created by the override
        changed = scn.override({"contracts.plan.loyalty.discount": 0.1})
        assert changed.contracts["plan"].loyalty.discount == 0.1
        with pytest.raises(itm.ScenarioError, match=r"contracts\.plan\.loyalty\.discount"):
            scn.override({"contracts.plan.loyalty.discount": "lots"})
    finally:
        remove_contract_type("loyalty_test")
    assert "loyalty" not in section_keys()
