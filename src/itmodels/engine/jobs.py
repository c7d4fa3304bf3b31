"""What the engine's processes share: the dispatch levels and the work an incident needs."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

__all__ = ["MAINTENANCE_LEVEL", "NAN", "PRIORITY_LEVEL", "Job", "Proc"]

PRIORITY_LEVEL = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}
MAINTENANCE_LEVEL = 5  # planned work queues behind every incident

Proc = Generator[simpy.Event, Any, Any]
NAN = math.nan


class Job:
    """The work an incident needs, drawn when it occurs (common random numbers).

    ``travels`` holds the one-way travel time of the first and of a second visit.
    """

    __slots__ = (
        "order_category",
        "order_cost",
        "order_lead",
        "parts_ready",
        "remote",
        "travels",
        "trips",
        "work",
    )

    def __init__(
        self,
        work: float,
        remote: bool,
        travels: tuple[float, float],
        order_category: str | None = None,
        order_cost: float = 0.0,
        order_lead: float = 0.0,
    ) -> None:
        self.work = work
        self.remote = remote
        self.travels = travels
        self.trips = 0
        self.order_category = order_category
        self.order_cost = order_cost
        self.order_lead = order_lead
        self.parts_ready: float | None = None

    def next_travel(self) -> float:
        """One-way travel time of the next visit."""
        trip = self.travels[min(self.trips, len(self.travels) - 1)]
        self.trips += 1
        return trip
