"""Re-price, don't re-simulate: bill the stored runs of one experiment under other terms.

A scenario that differs from another only in *bill terms* (the terms each pricing model
lists in ``Contract.bill_terms``: fees, rates, minimums, increments, trip charges,
markups, inclusions, SLA credit shares) and in the provider's costs
(:data:`COST_KEYS`) plays out exactly the same: the same incidents, visits, orders and
SLA breaches.  Only the bill differs.  :class:`PricedRuns` keeps the billing log of
every replication of one experiment and bills it again for such a scenario
(:func:`itmodels.engine.billing.bill`, the function the engine bills every run with), so
the result equals ``run_experiment`` on that scenario, metric for metric, at a small
fraction of the cost.  :func:`same_run` tells whether two scenarios differ only there;
anything else must be simulated.

Examples
--------
>>> import itmodels as itm
>>> from itmodels.experiments.reprice import run_priced
>>> scn = itm.load_scenario("small-office")
>>> runs = run_priced(scn, replications=4, seed=7)
>>> cheaper = scn.override({"contracts.flat_rate.fee_per_device": 50})
>>> res = runs.reprice(cheaper)  # the same numbers as run_experiment(cheaper, 4, seed=7)
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from itmodels.contracts import contract_class, make_contract
from itmodels.engine.billing import COST_KEYS, bill
from itmodels.engine.records import BillingLog, Records
from itmodels.engine.services import months
from itmodels.experiments.experiment import (
    MONTHLY_VALUES,
    Chunk,
    ParameterDraws,
    default_chunk_size,
    draws_frame,
    run_chunk,
)
from itmodels.experiments.metrics import METRICS, MONTHLY_MONEY, monthly_money
from itmodels.experiments.result import ExperimentResult
from itmodels.money.ledger import Ledger
from itmodels.scenario import Scenario
from itmodels.scenario.size import check_size

__all__ = ["COST_KEYS", "PricedRuns", "bill_only_keys", "run_priced", "same_run"]

#: The metrics that are sums over the ledger (the others do not depend on the bill).
_MONEY = ("client_cash_cost", "client_total_cost", "provider_revenue", "provider_cost",
          "provider_margin")  # fmt: skip
_COL = {m: i for i, m in enumerate(METRICS)}


def _drop(tree: Any, path: str) -> None:
    """Remove the dotted ``path`` from nested dicts (nothing if it is not there)."""
    *parents, last = path.split(".")
    node = tree
    for part in parents:
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            return
        node = node[part]
    if isinstance(node, dict):
        node.pop(last, None)


def _dynamics(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data without its bill terms and provider costs."""
    data = scenario.model_dump(mode="json")
    for key in COST_KEYS:
        _drop(data, key)
    offers = data.get("contracts", {})
    for name, terms in offers.items():
        cls = contract_class(scenario.contracts[name].type)
        for term in cls.bill_terms:
            _drop(terms, term)
    return data


def same_run(a: Scenario, b: Scenario) -> bool:
    """Whether ``a`` and ``b`` differ only in bill terms and provider costs.

    Then a replication of ``a`` and the same replication of ``b`` play out identically
    under every offer (same offers, same types, same everything else) and ``b``'s result
    is ``a``'s runs billed again.

    Parameters
    ----------
    a, b : Scenario
        Two validated scenarios.

    Returns
    -------
    bool
    """
    if list(a.contracts) != list(b.contracts):
        return False
    return _dynamics(a) == _dynamics(b)


def bill_only_keys(scenario: Scenario, keys: Sequence[str]) -> bool:
    """Whether every dotted key is a bill term of an offer (``contracts.<offer>.<term>``,
    see ``Contract.bill_terms``) or a provider cost (:data:`COST_KEYS`).

    A quick check on names alone; :func:`same_run` decides on the scenarios themselves.
    """
    for key in keys:
        if key in COST_KEYS:
            continue
        parts = key.split(".", 2)
        if len(parts) < 3 or parts[0] != "contracts" or parts[1] not in scenario.contracts:
            return False
        if not contract_class(scenario.contracts[parts[1]].type).bills_only(parts[2]):
            return False
    return True


class PricedRuns:
    """The results and billing logs of one experiment, ready to be billed again.

    Made by :func:`run_priced`.  :meth:`reprice` gives the :class:`ExperimentResult` of a
    scenario that differs only in bill terms (:func:`same_run`), equal to running it.

    Attributes
    ----------
    result : ExperimentResult
        The experiment as run.
    logs : dict
        ``{(offer, replication): BillingLog}``.
    vary : ParameterDraws or None
        How each replication's parameters were drawn (``run_priced(vary=...)``); a
        re-priced replication is billed on its own drawn scenario with the new terms.
    """

    def __init__(
        self,
        result: ExperimentResult,
        logs: dict[tuple[str, int], BillingLog],
        metrics: np.ndarray,
        monthly: np.ndarray,
        vary: ParameterDraws | None = None,
    ) -> None:
        self.result = result
        self.logs = logs
        self.vary = vary
        self._metrics = metrics  # offer-major, as Chunk.metrics
        self._monthly = monthly

    @property
    def scenario(self) -> Scenario:
        """The scenario that was simulated."""
        return self.result.scenario

    def can_reprice(self, scenario: Scenario) -> bool:
        """Whether ``scenario`` differs from the simulated one only in bill terms."""
        return same_run(self.scenario, scenario)

    def reprice(self, scenario: Scenario) -> ExperimentResult:
        """The experiment's result under ``scenario``, by billing the stored runs again.

        Parameters
        ----------
        scenario : Scenario
            The simulated scenario with other bill terms or provider costs.

        Returns
        -------
        ExperimentResult
            Equal to ``run_experiment(scenario, ...)`` with the same replications, seed
            and offers.

        Raises
        ------
        ValueError
            If ``scenario`` differs in anything that changes what happens.
        """
        if not self.can_reprice(scenario):
            raise ValueError(
                f"scenario {scenario.name!r} differs from the one simulated in more than bill"
                " terms and provider costs; simulate it instead"
            )
        res = self.result
        names = res.contracts
        reps = res.replications
        n_months = months(scenario.horizon)
        metrics = self._metrics.copy()
        monthly = self._monthly.copy()
        old = self.scenario
        costs_same = all(
            getattr(old.provider, k.split(".")[1]) == getattr(scenario.provider, k.split(".")[1])
            for k in COST_KEYS
        )
        money_cols = [_COL[m] for m in _MONEY]
        # with drawn parameters, each replication is billed on its own draw of ``scenario``
        # (the same values as when it ran: they depend on the seed and replication only)
        drawn: list[Scenario] = []
        if self.vary is not None:
            drawn = [self.vary.draw(scenario, res.seed, r)[0] for r in range(reps)]
        for i, offer in enumerate(names):
            if costs_same and old.contracts[offer] == scenario.contracts[offer]:
                continue  # nothing about this offer's bill changed
            contract = make_contract(scenario, offer)
            for r in range(reps):
                row = i * reps + r
                ledger = Ledger()
                here = scenario
                if drawn:
                    here = drawn[r]
                    contract = make_contract(here, offer)
                bill(ledger, contract, here, self.logs[(offer, r)])
                totals = ledger.totals()
                downtime = metrics[row, _COL["downtime_cost"]]
                metrics[row, money_cols] = (
                    totals.client_cash_cost,
                    totals.client_cash_cost + downtime,
                    totals.provider_revenue,
                    totals.provider_cost,
                    totals.provider_margin,
                )
                holder = Records()
                holder.ledger = ledger
                block = slice(row * n_months, (row + 1) * n_months)
                monthly[block, : len(MONTHLY_MONEY)] = monthly_money(holder, n_months)
        frame_m, frame_mo = Chunk(0, reps, names, metrics, monthly).frames(n_months)
        out = ExperimentResult.from_frames(scenario, res.seed, names, frame_m, frame_mo)
        out.parameter_uncertainty = res.parameter_uncertainty
        out.draws = res.draws
        return out


def run_priced(
    scenario: Scenario,
    replications: int = 100,
    seed: int = 0,
    *,
    contracts: Sequence[str] | None = None,
    executor: Executor | None = None,
    max_events: int | None = None,
    vary: ParameterDraws | None = None,
) -> PricedRuns:
    """Run an experiment and keep what re-pricing needs of every replication.

    Parameters
    ----------
    scenario, replications, seed, contracts, executor, max_events, vary
        As for :func:`~itmodels.experiments.experiment.run_experiment`; the result is the
        same.  With ``vary``, :meth:`PricedRuns.reprice` bills each replication on its
        own draw of the new scenario, so it still equals running it.

    Returns
    -------
    PricedRuns
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ValueError(f"replications must be a positive integer, got {replications!r}")
    names = tuple(contracts) if contracts is not None else tuple(scenario.contracts)
    for name in names:
        make_contract(scenario, name)  # refuses an offer the scenario does not define
        check_size(scenario, name, max_events)
    size = default_chunk_size(replications)
    spans = [(a, min(a + size, replications)) for a in range(0, replications, size)]
    if executor is None:
        chunks = [
            run_chunk(scenario, names, seed, a, b, keep_billing=True, vary=vary) for a, b in spans
        ]
    else:
        futures = [
            executor.submit(run_chunk, scenario, names, seed, a, b, False, True, vary)
            for a, b in spans
        ]
        chunks = [f.result() for f in futures]
    n_months = months(scenario.horizon)
    logs: dict[tuple[str, int], BillingLog] = {}
    for chunk in chunks:
        logs.update(chunk.billing)
    # offer-major arrays over every replication, as one chunk would hold them
    per = [c.metrics.reshape(len(names), c.stop - c.start, -1) for c in chunks]
    metrics = np.concatenate(per, axis=1).reshape(-1, len(METRICS))
    per_mo = [c.monthly.reshape(len(names), c.stop - c.start, n_months, -1) for c in chunks]
    monthly = np.concatenate(per_mo, axis=1).reshape(-1, len(MONTHLY_VALUES))
    frame_m, frame_mo = Chunk(0, replications, names, metrics, monthly).frames(n_months)
    result = ExperimentResult.from_frames(scenario, seed, names, frame_m, frame_mo)
    if vary is not None:
        drawn: dict[int, dict[str, float]] = {}
        for chunk in chunks:
            drawn.update(chunk.drawn)
        result.parameter_uncertainty = str(vary.description)
        result.draws = draws_frame(drawn, replications)
    return PricedRuns(result, logs, metrics, monthly, vary)
