"""The canonical columns of each export, with their types, and the words each one accepts.

=========  ================  ========  ==================================================
export     column            required  holds
=========  ================  ========  ==================================================
tickets    id                yes       the ticket's number or key (text)
tickets    opened            yes       when the ticket was opened (date and time)
tickets    resolved          no        when it was resolved; empty while still open
tickets    responded         no        first response (date and time); empty if none
tickets    priority          no        P1-P4 (also 1-4, critical/high/medium/low)
tickets    category          no        the kind of problem (text)
tickets    hours             no        hours worked on it (number >= 0)
tickets    onsite            no        on-site (yes/true/onsite) or remote (no/false/remote)
tickets    asset             no        the device or asset it concerned (text)
assets     id                yes       the asset's id (text)
assets     class             yes       its device class (desktop, nas, ...)
assets     in_service        yes       date it went into service
assets     out_of_service    no        date it left service; empty while in service
assets     reason            no        failed, retired or in service
assets     observed_from     no        date the records of it begin (if after in_service)
invoices   date              yes       the invoice line's date
invoices   amount            yes       the amount charged (number >= 0)
invoices   kind              yes       labour, trip, parts or hardware
invoices   hours             no        hours billed on a labour line (number >= 0)
=========  ================  ========  ==================================================

A ``columns=`` mapping given to a reader renames the file's headers to these names first
(``{"Ticket #": "id", "Created": "opened"}``); headers are then matched ignoring case,
spaces, hyphens and underscores, so ``Out Of Service`` finds ``out_of_service``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ASSETS",
    "BOOLEAN_WORDS",
    "INVOICES",
    "KIND_WORDS",
    "MISSING_WORDS",
    "PRIORITY_WORDS",
    "REASON_WORDS",
    "TICKETS",
    "Column",
    "header_key",
]


@dataclass(frozen=True)
class Column:
    """One canonical column of an export.

    Parameters
    ----------
    name : str
        The canonical name.
    kind : str
        How its cells are read: ``"text"``, ``"date"``, ``"number"``, ``"bool"``,
        ``"priority"``, ``"reason"`` or ``"kind"``.
    required : bool
        Whether the column must be in the file (and every cell filled).
    description : str
        What it holds, in words (used in error messages).
    """

    name: str
    kind: str
    required: bool
    description: str


TICKETS: tuple[Column, ...] = (
    Column("id", "text", True, "the ticket's number or key"),
    Column("opened", "date", True, "when the ticket was opened"),
    Column("resolved", "date", False, "when it was resolved (empty while open)"),
    Column("responded", "date", False, "when the provider first responded"),
    Column("priority", "priority", False, "its priority, P1-P4"),
    Column("category", "text", False, "the kind of problem"),
    Column("hours", "number", False, "hours worked on it"),
    Column("onsite", "bool", False, "on-site (yes) or remote (no)"),
    Column("asset", "text", False, "the device or asset it concerned"),
)

ASSETS: tuple[Column, ...] = (
    Column("id", "text", True, "the asset's id"),
    Column("class", "text", True, "its device class"),
    Column("in_service", "date", True, "the date it went into service"),
    Column("out_of_service", "date", False, "the date it left service (empty if in service)"),
    Column("reason", "reason", False, "why it left service: failed, retired or in service"),
    Column("observed_from", "date", False, "the date the records of it begin"),
)

INVOICES: tuple[Column, ...] = (
    Column("date", "date", True, "the invoice line's date"),
    Column("amount", "number", True, "the amount charged"),
    Column("kind", "kind", True, "labour, trip, parts or hardware"),
    Column("hours", "number", False, "hours billed on a labour line"),
)

#: cells read as empty (after stripping spaces, ignoring case)
MISSING_WORDS: frozenset[str] = frozenset({"", "na", "n/a", "nan", "nat", "null", "none", "-"})

#: words read as on-site (True) or remote (False)
BOOLEAN_WORDS: dict[str, bool] = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "onsite": True,
    "on-site": True,
    "on site": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "remote": False,
    "offsite": False,
    "off-site": False,
}

#: words read as a priority (besides P1-P4 and 1-4)
PRIORITY_WORDS: dict[str, str] = {
    "critical": "P1",
    "urgent": "P1",
    "high": "P2",
    "medium": "P3",
    "normal": "P3",
    "moderate": "P3",
    "low": "P4",
}

#: words read as an asset's reason for leaving service
REASON_WORDS: dict[str, str] = {
    "failed": "failed",
    "failure": "failed",
    "broken": "failed",
    "dead": "failed",
    "retired": "retired",
    "replaced": "retired",
    "decommissioned": "retired",
    "in service": "in service",
    "in_service": "in service",
    "active": "in service",
}

#: words read as an invoice line's kind
KIND_WORDS: dict[str, str] = {
    "labour": "labour",
    "labor": "labour",
    "time": "labour",
    "trip": "trip",
    "travel": "trip",
    "call-out": "trip",
    "callout": "trip",
    "parts": "parts",
    "part": "parts",
    "hardware": "hardware",
    "equipment": "hardware",
}


def header_key(name: str) -> str:
    """A header name reduced for matching: lower case, no spaces, hyphens or underscores.

    Parameters
    ----------
    name : str
        A header as written in a file, or a canonical column name.

    Returns
    -------
    str
        The key two headers share when they mean the same column.

    Examples
    --------
    >>> header_key("Out Of-Service") == header_key("out_of_service")
    True
    """
    return "".join(ch for ch in str(name).strip().lower() if ch not in " -_")
