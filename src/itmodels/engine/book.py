"""One replication of a provider's whole book: every client on the shared technicians.

All clients run in one :class:`simpy.Environment` and ask one
:class:`~itmodels.engine.technicians.Technicians` (the book's provider: its technicians
and working hours).  Each client is a :class:`~itmodels.engine.model.Model` of its own
(its records, ledger and bill), with its own random streams derived from the
replication's seed sequence by the client's *name* (:func:`client_seed`): a client's
failures, incidents and work times do not depend on the other clients, on their order
in the book, or on any client's offer (common random numbers per client).

Dispatch keys are those of one client, ``(contract class, priority, report time, id)``
with the client's own incident id (maintenance and false alarms: negative numbers), so
one client's work is ordered exactly as when it runs alone.  Between clients, work of one
class and priority goes by report time, then by the clients' incident ids; keys that are
fully equal (two clients' maintenance sessions at one instant, or their incidents with
the same id reported at the same time) are served first come first served: in the order
they were asked for, which is the deterministic order of the simulation's events (the
clients' processes start in book order).  The keys are never compared beyond numbers, so
no tie can depend on anything but the simulation.  The provider's ``background_load``
(its work outside the book) is fed to the same technicians once, from the replication's
``background`` stream.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import simpy

from itmodels.contracts import make_contract
from itmodels.contracts.base import Contract
from itmodels.engine import background
from itmodels.engine.collection import fewer_collections
from itmodels.engine.draws import Streams
from itmodels.engine.flow import ServiceFlow
from itmodels.engine.model import Model
from itmodels.engine.records import Records
from itmodels.engine.technicians import Technicians
from itmodels.scenario import Provider, Scenario

__all__ = ["BookModel", "client_seed"]


def client_seed(seed_seq: np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """The seed sequence of client ``name`` in the replication seeded ``seed_seq``.

    It depends only on the replication and the client's name (a SHA-256 of the name
    extends the spawn key), never on the other clients or the offers.
    """
    digest = hashlib.sha256(("client:" + name).encode("utf-8")).digest()
    words = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    return np.random.SeedSequence(
        entropy=seed_seq.entropy,
        spawn_key=(*seed_seq.spawn_key, *words),
        pool_size=seed_seq.pool_size,
    )


class BookModel:
    """One replication of a book: the clients' models on one environment and technicians.

    Parameters
    ----------
    clients : sequence of tuple of (str, Scenario, str)
        ``(name, scenario, offer)`` of each client (see
        :meth:`itmodels.scenario.book.Book.clients_scenarios`); the scenarios share the
        book's horizon and the provider's working hours.
    provider : Provider
        The book's provider: technicians, working hours, background load.
    seed_seq : numpy.random.SeedSequence
        The replication's seed sequence.
    """

    def __init__(
        self,
        clients: Sequence[tuple[str, Scenario, str]],
        provider: Provider,
        seed_seq: np.random.SeedSequence,
    ) -> None:
        if not clients:
            raise ValueError("a book needs at least one client")
        if provider.working_hours is None:
            raise ValueError("the book's provider needs working_hours (shared by every client)")
        self.env = simpy.Environment()
        self.provider = provider
        self.seed_seq = seed_seq
        hours = provider.working_hours
        always = hours.always_open
        self.horizon = clients[0][1].horizon
        self.techs = Technicians(
            self.env,
            capacity=provider.technicians,
            is_open=None if always else hours.is_open,
            next_open=None if always else hours.next_open,
            next_closed=None if always else hours.next_closed,
        )
        self.names = [name for name, _, _ in clients]
        self.offers = [offer for _, _, offer in clients]
        self.models: list[Model] = []
        for name, scn, offer in clients:
            if scn.horizon != self.horizon:
                raise ValueError(f"client {name!r}: horizon {scn.horizon} h, not {self.horizon} h")
            contract = make_contract(scn, offer)
            streams = Streams(client_seed(seed_seq, name))
            self.models.append(Model(scn, contract, streams, env=self.env, techs=self.techs))

    def _background(self) -> None:
        """Feed the provider's work outside the book to the technicians."""
        if self.provider.background_load is None:
            return
        first = self.models[0]
        scn = first.scn.model_copy(update={"provider": self.provider})
        contract: Contract = first.contract
        flow = ServiceFlow(scn, contract, Streams(self.seed_seq), env=self.env, techs=self.techs)
        background.start(flow)

    def run(self) -> list[Records]:
        """Start every client's processes and the background load, run to the horizon,
        bill each client; each client's records, in book order."""
        for model in self.models:
            model.start()
        self._background()
        with fewer_collections():
            self.env.run(until=self.horizon)
        return [model.finish() for model in self.models]
