"""What a run records: incidents as columns, technician visits as a flat log, the ledger.

Incidents are kept as a column store (:class:`Incidents`): incident ``i`` is row ``i``
of a few lists, and the fields most incidents never set (parts, escalation, SLA...) are
sparse sets and dicts keyed by id.  A run with tens of thousands of incidents therefore
keeps a handful of lists alive instead of one object per incident, which spares the
garbage collector and lets the metrics work on whole arrays.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from itmodels.money.ledger import Ledger

__all__ = [
    "INCIDENT_COLUMNS",
    "VISIT_COLUMNS",
    "VISIT_WIDTH",
    "BillingLog",
    "Incidents",
    "Origin",
    "Records",
    "VisitColumns",
    "VisitRow",
    "floats",
]

NAN = math.nan

INCIDENT_COLUMNS = (
    "incident_id",
    "kind",
    "source",
    "device",
    "priority",
    "users_affected",
    "productivity_loss",
    "occurred",
    "reported",
    "responded",
    "restored",
    "remote",
    "parts",
    "replaced",
    "detected",
    "deferred",
    "escalated",
    "escalated_at",
    "escalated_loss",
    "sla_deadline",
    "sla_breached",
)

VISIT_COLUMNS = (
    "incident_id",
    "kind",
    "start",
    "end",
    "work_hours",
    "travel_hours",
    "onsite",
    "after_hours",
    "overtime_hours",
)

#: ``(source, device, users_affected, productivity_loss)``: what an incident's origin
#: fixes when it occurs; one shared tuple per device or per stream and priority.
Origin = tuple[str, int, int, float]

#: One visit: ``incident_id, kind, start, end, work, travel, onsite, after_hours,
#: overtime`` (:data:`VISIT_COLUMNS` order).
VisitRow = tuple[int, str, float, float, float, float, bool, bool, float]
VISIT_WIDTH = len(VISIT_COLUMNS)

_FLAGS = ("parts", "replaced", "detected", "deferred", "escalated", "sla_breached")
_SPARSE = ("escalated_at", "escalated_loss", "sla_deadline")


def floats(values: list[float]) -> np.ndarray:
    """A list of numbers as a float64 array (faster than ``np.array(values, float)``)."""
    array = np.array(values)
    return array if array.dtype == np.float64 else array.astype(np.float64)


class Incidents:
    """The incident log as columns; incident ``i`` is row ``i``.

    ``kind`` is ``"hardware"`` (a device failed), ``"incident"`` (from an incident stream),
    ``"prevented"`` (monitoring caught a warning and the device was fixed before it
    failed) or ``"planned"`` (a device replaced at its ``replace_at`` age before it
    failed); prevented and planned rows have no ``occurred`` time and cause no downtime.

    The dense columns (lists, one entry per incident) are ``kind``, ``origin`` (an index
    into ``origins``, the :data:`Origin` tuples registered by :meth:`add_origin`),
    ``priority``, ``occurred``, ``reported``, ``responded``, ``restored`` (NaN until
    known) and ``remote``.  The flags ``parts``, ``replaced``,
    ``detected``, ``deferred``, ``escalated`` and ``sla_breached`` are sets of the ids
    for which they are true; ``escalated_at``, ``escalated_loss`` and ``sla_deadline``
    are dicts from id to value (NaN where absent).
    """

    __slots__ = (
        "deferred",
        "detected",
        "escalated",
        "escalated_at",
        "escalated_loss",
        "kind",
        "occurred",
        "origin",
        "origins",
        "parts",
        "priority",
        "remote",
        "replaced",
        "reported",
        "responded",
        "restored",
        "sla_breached",
        "sla_deadline",
    )

    def __init__(self) -> None:
        self.kind: list[str] = []
        self.origins: list[Origin] = []
        self.origin: list[int] = []
        self.priority: list[str] = []
        self.occurred: list[float] = []
        self.reported: list[float] = []
        self.responded: list[float] = []
        self.restored: list[float] = []
        self.remote: list[bool] = []
        self.parts: set[int] = set()
        self.replaced: set[int] = set()
        self.detected: set[int] = set()
        self.deferred: set[int] = set()
        self.escalated: set[int] = set()
        self.sla_breached: set[int] = set()
        self.escalated_at: dict[int, float] = {}
        self.escalated_loss: dict[int, float] = {}
        self.sla_deadline: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self.kind)

    def add_origin(self, origin: Origin) -> int:
        """Register ``(source, device, users_affected, productivity_loss)``; returns its
        index, the ``origin`` of the incidents it causes."""
        self.origins.append(origin)
        return len(self.origins) - 1

    def new(
        self, kind: str, origin: int, priority: str, occurred: float, reported: float = NAN
    ) -> int:
        """Append an incident and return its id (its row)."""
        ident = len(self.kind)
        self.kind.append(kind)
        self.origin.append(origin)
        self.priority.append(priority)
        self.occurred.append(occurred)
        self.reported.append(reported)
        self.responded.append(NAN)
        self.restored.append(NAN)
        self.remote.append(False)
        return ident

    def productivity_loss(self, ident: int) -> float:
        """The productivity loss the incident caused when it occurred."""
        return self.origins[self.origin[ident]][3]

    def origin_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``source``, ``device``, ``users_affected`` and ``productivity_loss`` of every
        incident, as arrays in id order."""
        which = np.array(self.origin, dtype=np.int64)
        if self.origins:
            source, device, users, loss = zip(*self.origins, strict=True)
        else:
            source = device = users = loss = ()
        return (
            np.array(source, dtype=object)[which],
            np.array(device, dtype=np.int64)[which],
            np.array(users, dtype=np.int64)[which],
            np.array(loss, dtype=np.float64)[which],
        )

    def columns(self) -> dict[str, np.ndarray]:
        """Every column of :data:`INCIDENT_COLUMNS` as a numpy array, in id order."""
        n = len(self.kind)
        source, device, users, loss = self.origin_columns()
        cols: dict[str, np.ndarray] = {
            "incident_id": np.arange(n, dtype=np.int64),
            "kind": np.array(self.kind, dtype=object),
            "source": source,
            "device": device,
            "priority": np.array(self.priority, dtype=object),
            "users_affected": users,
            "productivity_loss": loss,
            "occurred": floats(self.occurred),
            "reported": floats(self.reported),
            "responded": floats(self.responded),
            "restored": floats(self.restored),
            "remote": np.array(self.remote, dtype=bool),
        }
        for name in _FLAGS:
            flag = np.zeros(n, dtype=bool)
            ids = getattr(self, name)
            if ids:
                flag[np.fromiter(ids, dtype=np.int64, count=len(ids))] = True
            cols[name] = flag
        for name in _SPARSE:
            values = np.full(n, NAN)
            sparse = getattr(self, name)
            if sparse:
                keys = np.fromiter(sparse.keys(), np.int64, len(sparse))
                values[keys] = np.array(list(sparse.values()), dtype=np.float64)
            cols[name] = values
        return {c: cols[c] for c in INCIDENT_COLUMNS}


class VisitColumns(Mapping[str, np.ndarray]):
    """The visits as numpy arrays keyed by :data:`VISIT_COLUMNS`, each built on first use."""

    _TYPES: ClassVar[dict[str, type]] = {
        "incident_id": np.int64,
        "kind": object,
        "onsite": bool,
        "after_hours": bool,
    }

    def __init__(self, log: list) -> None:
        self._log = log
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        column = self._cache.get(name)
        if column is None:
            values = self._log[VISIT_COLUMNS.index(name) :: VISIT_WIDTH]
            kind = self._TYPES.get(name, np.float64)
            column = floats(values) if kind is np.float64 else np.array(values, dtype=kind)
            self._cache[name] = column
        return column

    def __iter__(self) -> Iterator[str]:
        return iter(VISIT_COLUMNS)

    def __len__(self) -> int:
        return len(VISIT_COLUMNS)


@dataclass
class BillingLog:
    """What billing needs of one finished replication.

    Attributes
    ----------
    visits : mapping of str to numpy.ndarray
        The visit columns (:data:`~itmodels.engine.records.VISIT_COLUMNS`), in the order
        the visits ended.
    orders : list
        One ``(time, category, cost, incident_id, visits_before)`` per parts or hardware
        order, in the order placed; ``visits_before`` is how many visits had ended then.
    breaches : numpy.ndarray
        SLA breaches per month of the horizon (zeros when the offer has no SLA).
    """

    visits: Mapping[str, np.ndarray]
    orders: list[tuple[float, str, float, int, int]]
    breaches: np.ndarray

    def frozen(self) -> BillingLog:
        """A copy holding plain arrays only (cheap to keep and to pickle)."""
        visits = {c: np.asarray(self.visits[c]) for c in VISIT_COLUMNS}
        return BillingLog(visits, list(self.orders), np.array(self.breaches, dtype=np.int64))


class Records:
    """Everything a run appends: incidents, visits and the ledger.

    Attributes
    ----------
    incidents : Incidents
        The incident log.
    visit_log : list
        The visits, flat: :data:`VISIT_WIDTH` values per visit in :data:`VISIT_COLUMNS`
        order, visits in completion order (one ``extend`` per visit, no object kept).
    ledger : Ledger
        Every money movement.
    billing : BillingLog or None
        What the ledger was billed from, once the run is billed.
    """

    def __init__(self) -> None:
        self.incidents = Incidents()
        self.visit_log: list = []
        self.ledger = Ledger()
        self.billing: BillingLog | None = None
        self._visit_columns: VisitColumns | None = None
        self._visit_len = -1

    def visit_count(self) -> int:
        """Number of visits recorded so far."""
        return len(self.visit_log) // VISIT_WIDTH

    @property
    def visits(self) -> list[VisitRow]:
        """The visits as :data:`VisitRow` tuples."""
        log = self.visit_log
        return [tuple(log[i : i + VISIT_WIDTH]) for i in range(0, len(log), VISIT_WIDTH)]

    def visit_columns(self) -> VisitColumns:
        """The visits as numpy arrays keyed by :data:`VISIT_COLUMNS` (cached)."""
        if self._visit_columns is None or self._visit_len != len(self.visit_log):
            self._visit_columns = VisitColumns(self.visit_log)
            self._visit_len = len(self.visit_log)
        return self._visit_columns

    def incidents_frame(self) -> pd.DataFrame:
        """One row per incident, columns :data:`INCIDENT_COLUMNS`, sorted by id."""
        frame = pd.DataFrame(self.incidents.columns())
        return frame.astype({"kind": "string", "source": "string", "priority": "string"})

    def visits_frame(self) -> pd.DataFrame:
        """One row per completed technician visit, columns :data:`VISIT_COLUMNS`."""
        cols = self.visit_columns()
        frame = pd.DataFrame({c: cols[c] for c in VISIT_COLUMNS}, copy=True)
        return frame.astype({"kind": "string"})
