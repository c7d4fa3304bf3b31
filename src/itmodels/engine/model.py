"""One replication: the service flow with every process started, run to the horizon."""

from __future__ import annotations

from itmodels.engine import fleet, incidents, services
from itmodels.engine.collection import fewer_collections
from itmodels.engine.flow import ServiceFlow
from itmodels.engine.records import Records

__all__ = ["Model"]


class Model(ServiceFlow):
    """One replication of one contract on one scenario.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    contract : Contract
        The pricing policy.
    streams : Streams
        Named random streams of this replication.
    """

    # ------------------------------------------------------------------ run
    def run(self) -> Records:
        """Start every process, run to the horizon, bill, and return the records."""
        self.start()
        with fewer_collections():
            self.env.run(until=self.horizon)
        return self.finish()

    def start(self) -> None:
        """Start every process (the environment is run by the caller)."""
        fleet.start(self)
        incidents.start(self)
        services.start(self)

    def finish(self) -> Records:
        """After the run to the horizon: note the orders, judge SLAs, bill; the records."""
        tab = self.incidents
        for ident, category in self._orders:
            (tab.replaced if category == "hardware" else tab.parts).add(ident)
        services.settle(self)
        self.bill_visits()
        return self.rec
