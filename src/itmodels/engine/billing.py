"""Billing a finished replication: the one way money rows are written from a run's logs.

What happens in a run (incidents, technician visits, parts orders, SLA breaches) does
not depend on how it is billed; the money that depends on the contract is billed after
the run, from a :class:`BillingLog`, by :func:`bill`:

- parts and hardware orders at the contract's ``parts_price`` / ``hardware_price``,
- every visit's charges (``charges_table``), then wages and travel costs,
- each month's fee (``monthly_fee``) and monitoring tools,
- each month's SLA credit from the breaches counted in that month.

The engine bills every run with it, and :mod:`itmodels.experiments.reprice` bills the
stored logs of a run again under other bill terms (see ``Contract.bill_terms``), which
gives exactly the ledger a new simulation would write.  The rows keep the order in
which billing each order and visit as it happened, then the months, would have written
them.
"""

from __future__ import annotations

import numpy as np

from itmodels.contracts.base import Contract
from itmodels.engine.records import BillingLog
from itmodels.money.ledger import Ledger
from itmodels.scenario import Scenario
from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = ["COST_KEYS", "bill"]

#: The scenario keys of the provider's costs, which :func:`bill` alone reads: changing
#: them changes the provider's costs and nothing that happens.
COST_KEYS: tuple[str, ...] = (
    "provider.wage",
    "provider.overtime_premium",
    "provider.travel_cost",
    "provider.monitoring_tools_cost",
)


def _repeat(value: str, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


def bill(ledger: Ledger, contract: Contract, scenario: Scenario, log: BillingLog) -> None:
    """Write every money row of a finished replication into ``ledger``.

    Parameters
    ----------
    ledger : Ledger
        An empty ledger (rows added before keep their place before these).
    contract : Contract
        The pricing policy to bill under.
    scenario : Scenario
        The scenario that was run (provider wages, travel and tool costs, the fleet).
    log : BillingLog
        The run's visits, orders and SLA breaches.
    """
    provider = scenario.provider
    visits = log.visits
    n = len(visits["start"])
    if n:
        start, ident = visits["start"], visits["incident_id"]
        which, category, amount = contract.charges_table(visits)
        if len(which):
            k = len(which)
            ledger.add_block(
                which, start[which], _repeat("client", k), _repeat("provider", k),
                category, amount, ident[which],
            )  # fmt: skip
        if provider.wage > 0:
            overtime = provider.overtime_premium * visits["overtime_hours"]
            wages = provider.wage * ((visits["end"] - start) + overtime)
            ledger.add_block(
                np.arange(n), start, _repeat("provider", n), _repeat("staff", n),
                _repeat("wages", n), wages, ident,
            )  # fmt: skip
        if provider.travel_cost != 0.0:
            travelled = np.flatnonzero(visits["travel_hours"] > 0)
            k = len(travelled)
            if k:
                ledger.add_block(
                    travelled, start[travelled], _repeat("provider", k), _repeat("vendor", k),
                    _repeat("travel", k), np.full(k, provider.travel_cost, dtype=np.float64),
                    ident[travelled],
                )  # fmt: skip
    if log.orders:
        # each order's two rows follow the rows of the visits that ended before it
        when, kinds, cost, ident_o, before = zip(*log.orders, strict=True)
        price = [
            contract.hardware_price(c) if cat == "hardware" else contract.parts_price(c)
            for c, cat in zip(cost, kinds, strict=True)
        ]
        k = len(when)
        after = np.repeat(np.asarray(before, dtype=np.int64) - 1, 2)
        payer = np.tile(np.array(["provider", "client"], dtype=object), k)
        payee = np.tile(np.array(["supplier", "provider"], dtype=object), k)
        amounts = np.column_stack([cost, price]).ravel()
        ledger.add_block(
            after, np.repeat(when, 2), payer, payee, np.repeat(np.array(kinds, object), 2),
            amounts, np.repeat(np.asarray(ident_o, dtype=np.int64), 2),
        )  # fmt: skip
    _bill_months(ledger, contract, scenario, log.breaches, n)


def _bill_months(
    ledger: Ledger, contract: Contract, scenario: Scenario, breaches: np.ndarray, n_visits: int
) -> None:
    """Fees and tools at each month's start, then each month's SLA credit (after every
    visit's rows, as billing at the end of the run writes them)."""
    months = len(breaches)
    fee = contract.monthly_fee()
    watched = sum(d.count for d in scenario.fleet if contract.monitors(d.name))
    tools = scenario.provider.monitoring_tools_cost * watched if contract.monitoring else 0.0
    t = np.arange(months) * HOURS_PER_MONTH
    credits = [contract.sla_credit(int(b), fee) for b in breaches]
    k = 3 * months
    ledger.add_block(
        np.full(k, n_visits, dtype=np.int64),
        np.concatenate([np.repeat(t, 2), t]),
        np.concatenate([np.tile(np.array(["client", "provider"], object), months),
                        _repeat("provider", months)]),
        np.concatenate([np.tile(np.array(["provider", "vendor"], object), months),
                        _repeat("client", months)]),
        np.concatenate([np.tile(np.array(["fee", "tools"], object), months),
                        _repeat("sla_credit", months)]),
        np.concatenate([np.column_stack([np.full(months, fee), np.full(months, tools)]).ravel(),
                        np.asarray(credits, dtype=np.float64)]),
        np.full(k, -1, dtype=np.int64),
    )  # fmt: skip
