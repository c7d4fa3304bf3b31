"""What a run records: incidents and technician visits, appended as plain objects."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from itmodels.ledger import Ledger

__all__ = ["INCIDENT_COLUMNS", "VISIT_COLUMNS", "Incident", "Records"]

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


_INCIDENT_FLOATS = (
    "productivity_loss",
    "occurred",
    "reported",
    "responded",
    "restored",
    "escalated_at",
    "escalated_loss",
    "sla_deadline",
)
_VISIT_FLOATS = ("start", "end", "work_hours", "travel_hours", "overtime_hours")


class Incident:
    """One incident as it unfolds; fields are filled in as the run goes on.

    ``kind`` is ``"hardware"`` (a device failed), ``"incident"`` (from an incident stream)
    or ``"prevented"`` (monitoring caught a warning and the device was fixed before it
    failed; such rows have no ``occurred`` time and cause no downtime).
    """

    # Fields not known at creation are class-level defaults, so creating an incident
    # (on the hot path) sets only what it knows.
    reported = NAN
    responded = NAN
    restored = NAN
    remote = False
    parts = False
    replaced = False
    detected = False
    deferred = False
    escalated = False
    escalated_at = NAN
    escalated_loss = NAN
    sla_deadline = NAN
    sla_breached = False

    def __init__(
        self,
        incident_id: int,
        kind: str,
        source: str,
        device: int,
        priority: str,
        users_affected: int,
        productivity_loss: float,
        occurred: float,
    ) -> None:
        self.incident_id = incident_id
        self.kind = kind
        self.source = source
        self.device = device
        self.priority = priority
        self.users_affected = users_affected
        self.productivity_loss = productivity_loss
        self.occurred = occurred

    def as_tuple(self) -> tuple[object, ...]:
        """Values in :data:`INCIDENT_COLUMNS` order."""
        return tuple(getattr(self, c) for c in INCIDENT_COLUMNS)


@dataclass
class Records:
    """Everything a run appends: incidents, visits and the ledger."""

    incidents: list[Incident] = field(default_factory=list)
    visits: list[tuple[int, str, float, float, float, float, bool, bool, float]] = field(
        default_factory=list
    )
    ledger: Ledger = field(default_factory=Ledger)

    def incidents_frame(self) -> pd.DataFrame:
        """One row per incident, columns :data:`INCIDENT_COLUMNS`, sorted by id."""
        rows = [inc.as_tuple() for inc in self.incidents]
        frame = pd.DataFrame.from_records(rows, columns=list(INCIDENT_COLUMNS))
        frame = frame.astype(
            {
                "incident_id": np.int64,
                "device": np.int64,
                "users_affected": np.int64,
                "kind": "string",
                "source": "string",
                "priority": "string",
                "remote": bool,
                "parts": bool,
                "replaced": bool,
                "detected": bool,
                "deferred": bool,
                "escalated": bool,
                "sla_breached": bool,
                **dict.fromkeys(_INCIDENT_FLOATS, np.float64),
            }
        )
        return frame.sort_values("incident_id", ignore_index=True)

    def visits_frame(self) -> pd.DataFrame:
        """One row per completed technician visit, columns :data:`VISIT_COLUMNS`."""
        frame = pd.DataFrame.from_records(self.visits, columns=list(VISIT_COLUMNS))
        return frame.astype(
            {
                "incident_id": np.int64,
                "kind": "string",
                "onsite": bool,
                "after_hours": bool,
                **dict.fromkeys(_VISIT_FLOATS, np.float64),
            }
        )
