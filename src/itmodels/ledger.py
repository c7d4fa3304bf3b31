"""One ledger for every money movement, and the sums over it.

Each row is ``(time, payer, payee, category, amount, incident_id)``; the month is
derived from the time.  Client cash cost, provider revenue, provider cost and margin
are sums over these rows and nothing else, so the client's payments equal the
provider's revenue by construction.

Parties: ``"client"``, ``"provider"`` and third parties (``"staff"``, ``"supplier"``,
``"vendor"``).  The client pays only the provider; a service credit is a row from the
provider to the client and reduces both the client's cash cost and the provider's
revenue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from itmodels.units import HOURS_PER_MONTH

__all__ = ["CATEGORIES", "LEDGER_COLUMNS", "Ledger", "LedgerTotals"]

CATEGORIES: tuple[str, ...] = (
    "fee",
    "labour",
    "trip",
    "parts",
    "hardware",
    "sla_credit",
    "wages",
    "travel",
    "tools",
)
LEDGER_COLUMNS = ("time", "month", "payer", "payee", "category", "amount", "incident_id")
_KNOWN = frozenset(CATEGORIES)
CLIENT = "client"
PROVIDER = "provider"


@dataclass(frozen=True)
class LedgerTotals:
    """The money sums of one run."""

    client_cash_cost: float
    provider_revenue: float
    provider_cost: float

    @property
    def provider_margin(self) -> float:
        """Revenue minus cost."""
        return self.provider_revenue - self.provider_cost


@dataclass
class Ledger:
    """Money rows appended during a run.

    Examples
    --------
    >>> book = Ledger()
    >>> book.add(0.0, "client", "provider", "fee", 300.0)
    >>> book.add(5.0, "provider", "staff", "wages", 120.0)
    >>> book.totals().provider_margin
    180.0
    """

    rows: list[tuple[float, str, str, str, float, int]] = field(default_factory=list)

    def add(
        self,
        time: float,
        payer: str,
        payee: str,
        category: str,
        amount: float,
        incident_id: int = -1,
    ) -> None:
        """Append one money movement; zero amounts are not recorded.

        Raises
        ------
        ValueError
            If the amount is negative or not finite, or the category is unknown.
        """
        if amount == 0.0:
            return
        if not (amount > 0.0 and math.isfinite(amount)):
            raise ValueError(f"ledger amounts must be positive and finite, got {amount!r}")
        if category not in _KNOWN:
            raise ValueError(f"unknown ledger category {category!r}; expected one of {CATEGORIES}")
        self.rows.append((time, payer, payee, category, amount, incident_id))

    def totals(self) -> LedgerTotals:
        """Client cash cost, provider revenue and provider cost, summed over the rows."""
        client_out = client_in = prov_from_client = prov_out = 0.0
        for _, payer, payee, _, amount, _ in self.rows:
            if payer == CLIENT:
                client_out += amount
                if payee == PROVIDER:
                    prov_from_client += amount
            elif payer == PROVIDER:
                if payee == CLIENT:
                    client_in += amount
                    prov_from_client -= amount
                else:
                    prov_out += amount
        return LedgerTotals(
            client_cash_cost=client_out - client_in,
            provider_revenue=prov_from_client,
            provider_cost=prov_out,
        )

    def to_frame(self) -> pd.DataFrame:
        """The rows as a tidy DataFrame sorted by time (columns :data:`LEDGER_COLUMNS`)."""
        cols = list(zip(*self.rows, strict=True)) or [()] * 6
        time, payer, payee, category, amount, inc = cols
        t = np.asarray(time, dtype=float)
        frame = pd.DataFrame(
            {
                "time": t,
                "month": np.floor(t / HOURS_PER_MONTH).astype(np.int64),
                "payer": list(payer),
                "payee": list(payee),
                "category": list(category),
                "amount": np.asarray(amount, dtype=float),
                "incident_id": pd.array([None if i < 0 else i for i in inc], dtype="Int64"),
            }
        )
        frame = frame.astype({"payer": "string", "payee": "string", "category": "string"})
        return frame.sort_values("time", kind="stable", ignore_index=True)
