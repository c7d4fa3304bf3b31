"""One replication of one contract: :func:`simulate` and its :class:`Run`."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from itmodels.contracts import make_contract
from itmodels.engine.draws import Streams
from itmodels.engine.model import Model
from itmodels.engine.records import Records
from itmodels.experiments.metrics import METRICS, compute_metrics
from itmodels.scenario import Scenario
from itmodels.scenario.size import check_size

__all__ = ["Run", "replication_seed", "run_replication", "simulate"]


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of replication ``replication`` of an experiment seeded ``seed``.

    It equals ``numpy.random.SeedSequence(seed).spawn(n)[replication]`` for any
    ``n > replication``, so a single :func:`simulate` call reproduces any replication of
    an experiment.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(replication, bool) or not isinstance(replication, int) or replication < 0:
        raise ValueError(f"replication must be a non-negative integer, got {replication!r}")
    return np.random.SeedSequence(int(seed), spawn_key=(replication,))


class Run:
    """The outcome of one replication of one contract.

    Attributes
    ----------
    scenario : Scenario
    contract : str
    seed : int
    replication : int
    records : Records
        The raw records; the DataFrames below are built from them on first access.
    """

    def __init__(
        self, scenario: Scenario, contract: str, seed: int, replication: int, records: Records
    ) -> None:
        self.scenario = scenario
        self.contract = contract
        self.seed = seed
        self.replication = replication
        self.records = records

    @cached_property
    def incidents(self) -> pd.DataFrame:
        """One row per incident (see ``itmodels.engine.records.INCIDENT_COLUMNS``)."""
        return self.records.incidents_frame()

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """One row per money movement: time, month, payer, payee, category, amount, incident_id."""
        return self.records.ledger.to_frame()

    @cached_property
    def visits(self) -> pd.DataFrame:
        """One row per completed technician visit on this client's work."""
        return self.records.visits_frame()

    @cached_property
    def metrics(self) -> pd.Series:
        """Every metric of the design, as a float Series indexed by metric name."""
        values = compute_metrics(self.scenario, self.records)
        return pd.Series(values, index=list(METRICS), name=self.contract, dtype=float)

    def __repr__(self) -> str:
        m = self.metrics
        return (
            f"<Run {self.scenario.name!r} contract={self.contract!r} seed={self.seed}"
            f" replication={self.replication}: {int(m['incidents'])} incidents,"
            f" client total cost {m['client_total_cost']:,.0f} {self.scenario.currency}>"
        )


def simulate(
    scenario: Scenario,
    contract: str | None = None,
    seed: int = 0,
    *,
    replication: int = 0,
    max_events: int | None = None,
) -> Run:
    """Simulate one replication of ``scenario`` under one contract.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`itmodels.load_scenario`).
    contract : str, optional
        An offer named under ``scenario.contracts`` (default: the first one).
    seed : int
        Seed of the experiment; with ``replication`` it fixes every random stream.  The
        same seed and replication give the same luck under every contract (common random
        numbers).
    replication : int
        Which replication of the experiment seeded ``seed`` to run.
    max_events : int, optional
        The most simulation events the run may take, estimated before it starts (default:
        the environment variable ``ITMODELS_MAX_EVENTS``, else 500,000; see
        :mod:`itmodels.scenario.size`).

    Returns
    -------
    Run
        With ``incidents``, ``ledger`` and ``visits`` DataFrames and a ``metrics`` Series.

    Raises
    ------
    itmodels.scenario.size.TooManyEventsError
        If the run is estimated to take more than ``max_events`` events.

    Examples
    --------
    >>> import itmodels as itm
    >>> scn = itm.load_scenario("small-office")
    >>> run = itm.simulate(scn, contract="flat_rate", seed=7)
    >>> float(run.metrics["provider_revenue"]) == float(run.metrics["client_cash_cost"])
    True
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(
            "scenario must be an itmodels.Scenario (see load_scenario),"
            f" got {type(scenario).__name__}"
        )
    if contract is None:
        contract = next(iter(scenario.contracts))
    make_contract(scenario, contract)  # an unknown contract is refused before the size
    check_size(scenario, contract, max_events)
    return run_replication(scenario, contract, seed, replication)


def run_replication(scenario: Scenario, contract: str, seed: int, replication: int) -> Run:
    """:func:`simulate` without the size check (for callers that checked once already)."""
    policy = make_contract(scenario, contract)
    streams = Streams(replication_seed(seed, replication))
    records = Model(scenario, policy, streams).run()
    return Run(scenario, contract, seed, replication, records)
