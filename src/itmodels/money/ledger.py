"""One ledger for every money movement, and the sums over it.

Each row is ``(time, payer, payee, category, amount, incident_id)``; the month is
derived from the time.  Client cash cost, provider revenue, provider cost and margin
are sums over these rows and nothing else, so the client's payments equal the
provider's revenue by construction.

Parties: ``"client"``, ``"provider"`` and third parties (``"staff"``, ``"supplier"``,
``"vendor"``).  The client pays only the provider; a service credit is a row from the
provider to the client and reduces both the client's cash cost and the provider's
revenue.

Rows are appended one by one (:meth:`Ledger.add`) or in blocks of arrays
(:meth:`Ledger.add_block`).  A ledger can *follow* a growing list (the engine's visits):
each row added one by one remembers how many items that list had, and a block added
later can be placed as if each of its rows had been added right after the list item it
belongs to.
The engine uses this to bill all technician visits in one vectorised pass after the run
while keeping the order in which per-visit billing would have written the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from itmodels.scenario.units import HOURS_PER_MONTH

__all__ = [
    "BILL_CATEGORIES",
    "CATEGORIES",
    "CATEGORY_TABLE",
    "LEDGER_COLUMNS",
    "Category",
    "Ledger",
    "LedgerTotals",
    "sequential_sum",
]


@dataclass(frozen=True)
class Category:
    """A kind of money movement in the ledger.

    Attributes
    ----------
    name : str
        The category as written in ledger rows.
    label : str
        Plain words for charts and reports.
    on_bill : bool
        Whether it appears on the client's bill (a service credit does, as a refund);
        the others are costs of the provider only.
    """

    name: str
    label: str
    on_bill: bool


#: Every ledger category, once, in the order charts and tables show them.  All other
#: lists of categories (monthly sums, cost parts, their colours) derive from this one.
CATEGORY_TABLE: tuple[Category, ...] = (
    Category("fee", "Monthly fees", on_bill=True),
    Category("labour", "Labour", on_bill=True),
    Category("trip", "Call-out charges", on_bill=True),
    Category("parts", "Parts", on_bill=True),
    Category("hardware", "Replacement hardware", on_bill=True),
    Category("sla_credit", "Service credits (refunds)", on_bill=True),
    Category("wages", "Technician wages", on_bill=False),
    Category("travel", "Travel costs", on_bill=False),
    Category("tools", "Tools and licences", on_bill=False),
)
#: The category names.
CATEGORIES: tuple[str, ...] = tuple(c.name for c in CATEGORY_TABLE)
#: The categories on the client's bill.
BILL_CATEGORIES: tuple[str, ...] = tuple(c.name for c in CATEGORY_TABLE if c.on_bill)
LEDGER_COLUMNS = ("time", "month", "payer", "payee", "category", "amount", "incident_id")
_KNOWN = frozenset(CATEGORIES)
CLIENT = "client"
PROVIDER = "provider"

Row = tuple[float, str, str, str, float, int]


def sequential_sum(values: np.ndarray) -> float:
    """Sum left to right, exactly as a Python ``+=`` loop would (unlike ``np.sum``).

    Parameters
    ----------
    values : numpy.ndarray
        One-dimensional float array.

    Returns
    -------
    float
        ``((0 + v[0]) + v[1]) + ...``; 0.0 for an empty array.

    Examples
    --------
    >>> sequential_sum(np.array([0.1, 0.2, 0.3]))
    0.6000000000000001
    """
    if len(values) == 0:
        return 0.0
    return float(np.add.accumulate(values, dtype=np.float64)[-1])


def _check_amount(amount: float) -> None:
    if not (amount > 0.0 and math.isfinite(amount)):
        raise ValueError(f"ledger amounts must be positive and finite, got {amount!r}")


def _check_category(category: str) -> None:
    if category not in _KNOWN:
        raise ValueError(f"unknown ledger category {category!r}; expected one of {CATEGORIES}")


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


class _Columns:
    """The ledger's rows in order, as arrays (built on demand, cached)."""

    __slots__ = ("amount", "category", "incident_id", "payee", "payer", "time")

    def __init__(
        self,
        time: np.ndarray,
        payer: np.ndarray,
        payee: np.ndarray,
        category: np.ndarray,
        amount: np.ndarray,
        incident_id: np.ndarray,
    ) -> None:
        self.time = time
        self.payer = payer
        self.payee = payee
        self.category = category
        self.amount = amount
        self.incident_id = incident_id


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

    def __init__(self) -> None:
        self._rows: list[Row] = []
        self._marks: list[int] = []
        self._followed: Callable[[], int] | None = None
        self._blocks: list[tuple[np.ndarray, _Columns]] = []
        self._cache: _Columns | None = None

    def follow(self, count: Callable[[], int]) -> None:
        """Remember ``count()`` with every row added from now on (see the module doc).

        ``count`` gives the number of items of the followed list so far.
        """
        self._followed = count

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
        _check_amount(amount)
        _check_category(category)
        self._rows.append((time, payer, payee, category, amount, incident_id))
        self._marks.append(0 if self._followed is None else self._followed())
        self._cache = None

    def add_block(
        self,
        after: np.ndarray,
        time: np.ndarray,
        payer: Sequence[str] | np.ndarray,
        payee: Sequence[str] | np.ndarray,
        category: Sequence[str] | np.ndarray,
        amount: np.ndarray,
        incident_id: np.ndarray,
    ) -> None:
        """Append rows given as arrays; rows with a zero amount are not recorded.

        Parameters
        ----------
        after : numpy.ndarray of int
            For each row, the index of the followed item it belongs to: the row is
            placed after the rows added while fewer than ``after + 1`` items were
            followed, before those added later.  Must be non-decreasing.
        time, payer, payee, category, amount, incident_id : array-like
            The columns, one entry per row.

        Raises
        ------
        ValueError
            If an amount is negative or not finite, or a category is unknown.
        """
        amount = np.asarray(amount, dtype=np.float64)
        keep = amount != 0.0
        if not keep.all():
            idx = np.flatnonzero(keep)
            after, amount = np.asarray(after)[idx], amount[idx]
            time, incident_id = np.asarray(time)[idx], np.asarray(incident_id)[idx]
            payer = np.asarray(payer, dtype=object)[idx]
            payee = np.asarray(payee, dtype=object)[idx]
            category = np.asarray(category, dtype=object)[idx]
        bad = ~((amount > 0.0) & np.isfinite(amount))
        if bad.any():
            _check_amount(float(amount[np.argmax(bad)]))
        cats = np.asarray(category, dtype=object)
        for c in set(cats.tolist()):
            _check_category(c)
        cols = _Columns(
            np.asarray(time, dtype=np.float64),
            np.asarray(payer, dtype=object),
            np.asarray(payee, dtype=object),
            cats,
            amount,
            np.asarray(incident_id, dtype=np.int64),
        )
        self._blocks.append((np.asarray(after, dtype=np.int64), cols))
        self._cache = None

    def columns(self) -> _Columns:
        """All rows in ledger order, as arrays (``time``, ``payer``, ``payee``, ``category``,
        ``amount``, ``incident_id`` attributes); cached until the next row is added."""
        if self._cache is not None:
            return self._cache
        if self._rows:
            time, payer, payee, category, amount, inc = zip(*self._rows, strict=True)
        else:
            time = payer = payee = category = amount = inc = ()
        parts = [
            _Columns(
                np.array(time, dtype=np.float64),
                np.array(payer, dtype=object),
                np.array(payee, dtype=object),
                np.array(category, dtype=object),
                np.array(amount, dtype=np.float64),
                np.array(inc, dtype=np.int64),
            )
        ]
        # a row added one by one with mark m sorts before the block rows of item m
        keys = [2 * np.array(self._marks, dtype=np.int64)]
        for after, cols in self._blocks:
            parts.append(cols)
            keys.append(2 * after + 1)
        if len(parts) == 1:
            cols = parts[0]
        else:
            order = np.argsort(np.concatenate(keys), kind="stable")
            cols = _Columns(
                *(
                    np.concatenate([getattr(p, name) for p in parts])[order]
                    for name in ("time", "payer", "payee", "category", "amount", "incident_id")
                )
            )
        self._cache = cols
        return cols

    @property
    def rows(self) -> list[Row]:
        """Every row ``(time, payer, payee, category, amount, incident_id)`` in order."""
        c = self.columns()
        return list(
            zip(
                c.time.tolist(),
                c.payer.tolist(),
                c.payee.tolist(),
                c.category.tolist(),
                c.amount.tolist(),
                c.incident_id.tolist(),
                strict=True,
            )
        )

    def __len__(self) -> int:
        return len(self._rows) + sum(len(cols.amount) for _, cols in self._blocks)

    def totals(self) -> LedgerTotals:
        """Client cash cost, provider revenue and provider cost, summed over the rows."""
        c = self.columns()
        amount = c.amount
        by_client = c.payer == CLIENT
        by_provider = c.payer == PROVIDER
        to_client = c.payee == CLIENT
        refund = by_provider & to_client
        client_out = sequential_sum(amount[by_client])
        client_in = sequential_sum(amount[refund])
        signed = np.where(by_client & (c.payee == PROVIDER), amount, 0.0)
        signed[refund] = -amount[refund]
        prov_out = sequential_sum(amount[by_provider & ~to_client])
        return LedgerTotals(
            client_cash_cost=client_out - client_in,
            provider_revenue=sequential_sum(signed),
            provider_cost=prov_out,
        )

    def to_frame(self) -> pd.DataFrame:
        """The rows as a tidy DataFrame sorted by time (columns :data:`LEDGER_COLUMNS`)."""
        c = self.columns()
        t = c.time
        inc = c.incident_id
        frame = pd.DataFrame(
            {
                "time": t,
                "month": np.floor(t / HOURS_PER_MONTH).astype(np.int64),
                "payer": c.payer,
                "payee": c.payee,
                "category": c.category,
                "amount": c.amount,
                "incident_id": pd.arrays.IntegerArray(np.maximum(inc, 0), inc < 0),
            }
        )
        frame = frame.astype({"payer": "string", "payee": "string", "category": "string"})
        return frame.sort_values("time", kind="stable", ignore_index=True)
