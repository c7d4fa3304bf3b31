"""A pricing model is a plugin: a class defined at test time runs everywhere, unchanged.

The throwaway model below (a fixed monthly retainer, all labour free) is defined inside
this test module, not in the package.  Defining it registers it; with no other change it
runs through ``itm.simulate``, ``itm.run_experiment``, the ``itmodels compare`` bundle and
the HTML report, and it is forgotten again (``remove_contract_type``) when the tests end.
Also here: what the registry refuses, and that scenario files written before named offers
give the same numbers as the same offers written with ``type:``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytest
import yaml

import itmodels as itm
from itmodels.contracts import CONTRACT_TYPES, Contract, OfferTerms, remove_contract_type
from itmodels.contracts.base import Charges
from itmodels.money.formatting import format_money
from itmodels.scenario.units import Money

TYPE = "test_retainer"
OFFER = "house-retainer"
RETAINER = 1234.5  # an amount no other charge of the scenario is likely to equal
BASE = "pay-as-you-go"
MANAGED = "managed"


@pytest.fixture(scope="module")
def retainer_model() -> Iterator[type[Contract]]:
    """Define (and so register) the retainer model; forget it when the module ends."""
    assert TYPE not in CONTRACT_TYPES

    class RetainerTerms(OfferTerms):
        """A fixed monthly retainer; every hour of labour included."""

        type: Literal["test_retainer"] = "test_retainer"
        retainer: Money

    class Retainer(Contract):
        """A fixed monthly retainer; labour free, parts and hardware at cost."""

        type_name = TYPE
        terms_model = RetainerTerms
        label = "Retainer"
        color = "#009e73"
        price_terms = ("retainer",)
        queue_class = 0

        def price_words(self, currency: str, exact: bool = False) -> str:
            assert isinstance(self.terms, RetainerTerms)
            return f"{format_money(self.terms.retainer, currency, exact=exact)} a month"

        def inclusions(self, currency: str) -> tuple[list[str], list[str]]:
            return ["all labour"], ["parts", "replacement hardware"]

        def price_units(self, term: str) -> float:
            return 1.0

        def monthly_fee(self) -> float:
            assert isinstance(self.terms, RetainerTerms)
            return self.terms.retainer

        def charges_table(self, visits: Mapping[str, np.ndarray]) -> Charges:
            none = np.empty(0, dtype=np.int64)  # labour is included: no visit is billed
            return none, np.empty(0, dtype=object), np.empty(0, dtype=np.float64)

        def parts_price(self, cost: float) -> float:
            return cost

        def hardware_price(self, cost: float) -> float:
            return cost

        def works_after_hours(self, priority: str) -> bool:
            return False

    try:
        assert CONTRACT_TYPES[TYPE] is Retainer
        yield Retainer
    finally:
        remove_contract_type(TYPE)
        assert TYPE not in CONTRACT_TYPES


def _office(months: int = 6) -> dict[str, Any]:
    """The small office as plain data, shortened, with no offers."""
    scn = itm.load_scenario("small-office").override({"horizon": f"{months}mo"})
    data = scn.model_dump(mode="json", exclude_none=True)
    data["name"] = "retainer-office"
    return data


def _with_retainer(managed: bool = False) -> dict[str, Any]:
    """The small office offered its break-fix card, the retainer and, with ``managed``,
    its flat-rate plan too (three offers)."""
    data = _office()
    offers = data["contracts"]
    data["contracts"] = {BASE: offers["break_fix"]}
    if managed:
        data["contracts"][MANAGED] = offers["flat_rate"]
    data["contracts"][OFFER] = {"type": TYPE, "retainer": RETAINER}
    return data


@pytest.fixture(scope="module")
def retainer_scenario(retainer_model: type[Contract]) -> itm.Scenario:
    return itm.Scenario.model_validate(_with_retainer())


@pytest.fixture(scope="module")
def retainer_file(retainer_model: type[Contract], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plugin") / "retainer-office.yaml"
    path.write_text(yaml.safe_dump(_with_retainer(), sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=[False, True], ids=["two-offers", "three-offers"])
def any_retainer_file(
    request: pytest.FixtureRequest,
    retainer_model: type[Contract],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The retainer beside the rate card, and beside the rate card and a flat-rate plan."""
    path = tmp_path_factory.mktemp("plugin") / "retainer-office.yaml"
    data = _with_retainer(managed=request.param)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def retainer_result(retainer_scenario: itm.Scenario) -> itm.ExperimentResult:
    return itm.run_experiment(retainer_scenario, 4, seed=3, progress=False)


# ------------------------------------------------------------------- the throwaway model
def test_a_scenario_file_with_the_new_type_loads(retainer_file: Path) -> None:
    scn = itm.load_scenario(retainer_file)
    assert scn.contracts.names() == (BASE, OFFER)
    assert scn.contracts[OFFER].type == TYPE
    assert scn.contracts[OFFER].retainer == RETAINER  # type: ignore[attr-defined]


def test_simulate_bills_the_retainer_every_month(retainer_scenario: itm.Scenario) -> None:
    run = itm.simulate(retainer_scenario, contract=OFFER, seed=5)
    assert run.contract == OFFER
    client = run.ledger[run.ledger["payer"] == "client"]
    fees = client[client["category"] == "fee"]
    assert fees["amount"].tolist() == pytest.approx([RETAINER] * 6)
    assert sorted(fees["month"]) == list(range(6))
    assert not (client["category"].isin(["labour", "trip"])).any()  # labour is included
    assert run.metrics["client_cash_cost"] >= 6 * RETAINER
    # the same luck under the rate card costs labour instead
    card = itm.simulate(retainer_scenario, contract=BASE, seed=5)
    assert not (card.ledger["category"] == "fee").any()
    assert (card.ledger["category"] == "labour").any()


def test_run_experiment_runs_and_ranks_the_new_offer(
    retainer_result: itm.ExperimentResult,
) -> None:
    res = retainer_result
    assert list(res.contracts) == [BASE, OFFER]
    assert res.baseline == BASE  # break-fix is the reference model, whatever its name
    assert set(res.metrics["contract"]) == {BASE, OFFER}
    assert (res.metrics.groupby("contract", observed=True).size() == 4).all()
    monthly = res.monthly[res.monthly["contract"] == OFFER]
    assert monthly["fee"].tolist() == pytest.approx([RETAINER] * len(monthly))
    assert len(monthly) == 4 * 6
    assert OFFER in res.summary().index.get_level_values(0)
    assert set(res.ranking().index) == {BASE, OFFER}
    diff = res.compare(BASE, OFFER).loc["client_cash_cost"]
    assert diff["mean_other"] >= 6 * RETAINER


def test_break_even_solves_for_the_new_models_price_term(
    retainer_scenario: itm.Scenario, retainer_result: itm.ExperimentResult
) -> None:
    fee = itm.break_even_fee(retainer_scenario, offer=OFFER, baseline=BASE, result=retainer_result)
    assert fee.offer == OFFER and fee.term == "retainer"
    at_fee = retainer_scenario.override({f"contracts.{OFFER}.retainer": float(fee)})
    again = itm.run_experiment(at_fee, 4, seed=3, progress=False)
    gap = again.compare(BASE, OFFER).loc["client_total_cost", "mean"]
    assert abs(gap) < 1e-6 * float(again.metrics["client_total_cost"].abs().max())


def test_the_cli_bundle_shows_the_new_offer(
    any_retainer_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from itmodels.cli import main

    offers = set(itm.load_scenario(any_retainer_file).contracts)
    out = tmp_path / "bundle"
    args = ["compare", str(any_retainer_file), "-n", "4", "--out", str(out), "--no-progress"]
    code = main(args)
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert OFFER in printed.out  # the summary on screen
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["contract"]) == offers
    metrics = pd.read_csv(out / "metrics.csv")
    assert set(metrics["contract"]) == offers
    monthly = pd.read_csv(out / "monthly.csv")
    fees = monthly.loc[monthly["contract"] == OFFER, "fee"]
    assert fees.tolist() == pytest.approx([RETAINER] * len(fees)) and len(fees) == 24
    for report in ("client-report.html", "provider-report.html"):
        html = (out / report).read_text(encoding="utf-8")
        for offer in offers:
            assert offer in html, (report, offer)
    assert (out / "proposal.pdf").stat().st_size > 0


@pytest.mark.parametrize("managed", [False, True], ids=["two-offers", "three-offers"])
def test_the_html_report_shows_the_new_offer(
    managed: bool, retainer_model: type[Contract], tmp_path: Path
) -> None:
    scn = itm.Scenario.model_validate(_with_retainer(managed))
    res = itm.run_experiment(scn, 4, seed=3, progress=False)
    path = itm.report.html_report(res, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    for offer in scn.contracts:
        assert offer in html, offer
    assert retainer_model.label in html  # the plugin's own display metadata


# ------------------------------------------------------------------- what is refused
def test_a_model_whose_terms_lack_the_type_literal_is_refused() -> None:
    class NoType(OfferTerms):
        fee: Money = 0.0

    class WrongType(OfferTerms):
        type: Literal["something_else"] = "something_else"

    before = dict(CONTRACT_TYPES)
    for terms in (NoType, WrongType):
        with pytest.raises(ValueError, match=r'must declare type: Literal\["test_untyped"\]'):
            type(
                "Untyped",
                (Contract,),
                {"type_name": "test_untyped", "terms_model": terms},
            )
    assert before == CONTRACT_TYPES


def test_an_unknown_type_names_the_offer_key_and_the_known_types() -> None:
    data = _office()
    data["contracts"]["mystery"] = {"type": "no_such_model", "fee_per_device": 10}
    with pytest.raises(itm.ScenarioError) as info:
        itm.Scenario.model_validate(data)
    text = str(info.value)
    assert "contracts.mystery.type" in text
    assert "no_such_model" in text
    for known in CONTRACT_TYPES:
        assert known in text, known
    assert "distribution" not in text  # it is an offer's type, not a distribution


def test_an_offer_name_with_a_dot_is_refused() -> None:
    data = _office()
    data["contracts"]["bad.name"] = copy.deepcopy(data["contracts"]["break_fix"])
    with pytest.raises(itm.ScenarioError) as info:
        itm.Scenario.model_validate(data)
    text = str(info.value)
    assert "bad.name" in text
    assert "offer name" in text


# ------------------------------------------------------------------- old files, same numbers
def _metrics(scn: itm.Scenario, rename: dict[str, str] | None = None) -> pd.DataFrame:
    res = itm.run_experiment(scn, 3, seed=11, progress=False)
    m = res.metrics.copy()
    m["contract"] = m["contract"].astype(str).replace(rename or {})
    return m.sort_values(["contract", "replication"]).reset_index(drop=True)


def test_old_style_keys_give_the_same_results_as_type_keys() -> None:
    old = _office(4)
    assert set(old["contracts"]) == {"break_fix", "flat_rate"}
    for terms in old["contracts"].values():
        terms.pop("type", None)  # written the old way: the key names the model
    typed = copy.deepcopy(old)
    for name, terms in typed["contracts"].items():
        terms["type"] = name
    a = itm.Scenario.model_validate(old)
    b = itm.Scenario.model_validate(typed)
    assert a == b
    pd.testing.assert_frame_equal(_metrics(a), _metrics(b))


def test_renamed_offers_give_the_same_results() -> None:
    """An offer's name is a label: the same terms under another name have the same luck."""
    old = _office(4)
    for terms in old["contracts"].values():
        terms.pop("type", None)
    names = {"break_fix": "pay-as-you-go", "flat_rate": "managed"}
    renamed = copy.deepcopy(old)
    renamed["contracts"] = {names[n]: {"type": n, **terms} for n, terms in old["contracts"].items()}
    a = itm.Scenario.model_validate(old)
    b = itm.Scenario.model_validate(renamed)
    back = {v: k for k, v in names.items()}
    pd.testing.assert_frame_equal(_metrics(a), _metrics(b, back))
