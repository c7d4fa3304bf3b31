"""Readers for a provider's exports: tickets, assets and invoices, from CSV or Excel.

Each reader maps the file's headers to the canonical columns (table in
:mod:`itmodels.fitting.columns`), reads every cell, and either returns an export object
(:class:`Tickets`, :class:`Assets`, :class:`Invoices`) whose ``.frame`` holds the
canonical columns, or raises one :class:`~itmodels.fitting.errors.DataError` naming the
file, the row (1-based line of a CSV file, row of an Excel sheet; the header is row 1), the
column and what was expected (a quoted CSV cell spanning several lines shifts the line
numbers after it).  Nothing is dropped silently: rows left out (empty rows,
identical duplicates, the later parts of a reopened ticket merged into its first row) are
listed in ``.dropped`` with the reason, and ``.report()`` says how many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from itmodels.fitting.columns import (
    ASSETS,
    BOOLEAN_WORDS,
    INVOICES,
    KIND_WORDS,
    PRIORITY_WORDS,
    REASON_WORDS,
    TICKETS,
    Column,
    header_key,
)
from itmodels.fitting.errors import DataError
from itmodels.fitting.parsing import Place, is_missing, parse_dates, parse_numbers, parse_words

__all__ = [
    "Assets",
    "Export",
    "Invoices",
    "Tickets",
    "read_assets",
    "read_invoices",
    "read_tickets",
]

_DROPPED_COLUMNS = ["row", "id", "reason"]
_EXCEL = {".xlsx", ".xlsm"}
_CSV = {".csv", ".txt", ".tsv"}
_PRIORITY = ("^p?\\s*([1-4])$", "P\\1")


@dataclass(frozen=True, eq=False)
class Export:
    """A read export: the canonical frame, where it came from and what was left out.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per record: ``row`` (the file row it came from) and every canonical
        column of the export (absent optional columns are all missing).
    path : str
        The file read.
    dropped : pandas.DataFrame
        The rows left out of ``frame``: ``row``, ``id``, ``reason``.
    found : tuple of str
        The canonical columns present in the file.
    headers : dict of str to str
        Each found canonical column and the header it was read from.
    notes : tuple of str
        What the reader assumed or converted (time zones, missing reasons), in words.
    """

    frame: pd.DataFrame
    path: str
    dropped: pd.DataFrame
    found: tuple[str, ...]
    headers: dict[str, str]
    notes: tuple[str, ...] = field(default=())

    #: what one record is, in words (overridden by each export)
    noun = "row"

    def has(self, column: str) -> bool:
        """Whether the file had the canonical ``column``.

        Parameters
        ----------
        column : str
            A canonical column name.

        Returns
        -------
        bool
            True when the column was found in the file.
        """
        return column in self.found

    def __len__(self) -> int:
        return len(self.frame)

    def report(self) -> str:
        """What was read, left out and assumed, in a few lines of text.

        Returns
        -------
        str
            A human-readable summary: records kept, rows dropped by reason, notes.
        """
        lines = [f"{self.path}: {len(self.frame)} {self.noun}(s) read"]
        lines.append(f"  columns found: {', '.join(self.found)}")
        if len(self.dropped):
            reasons = self.dropped["reason"].str.replace(
                r"\b(row|ticket) [^\s:]+", r"\1 ..", regex=True
            )
            lines.append(f"  {len(self.dropped)} row(s) left out:")
            for reason, count in reasons.value_counts().items():
                lines.append(f"    {count} x {reason}")
        else:
            lines.append("  no rows left out")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Tickets(Export):
    """Tickets read by :func:`read_tickets` (see :class:`Export` for the attributes).

    ``frame`` columns: row, id, opened, resolved, responded, priority, category, hours,
    onsite, asset.
    """

    noun = "ticket"

    @property
    def start(self) -> pd.Timestamp:
        """The first ticket's opening time."""
        return pd.Timestamp(self.frame["opened"].min())

    @property
    def end(self) -> pd.Timestamp:
        """The latest time in the export (opened, responded or resolved)."""
        times = self.frame[["opened", "resolved", "responded"]]
        return pd.Timestamp(times.max().max())

    @property
    def open(self) -> int:
        """How many tickets were still open (no resolved time) at export."""
        return int(self.frame["resolved"].isna().sum())

    @property
    def merged(self) -> int:
        """How many rows were merged into an earlier row of the same (reopened) ticket."""
        return int(self.dropped["reason"].str.startswith("reopened").sum())

    @property
    def duplicates(self) -> int:
        """How many rows were left out as identical copies of an earlier row."""
        return int(self.dropped["reason"].str.startswith("identical").sum())


@dataclass(frozen=True, eq=False)
class Assets(Export):
    """Assets read by :func:`read_assets` (see :class:`Export` for the attributes).

    ``frame`` columns: row, id, class, in_service, out_of_service, reason, observed_from.
    ``reason`` is always filled: failed, retired or in service.
    """

    noun = "asset"

    @property
    def start(self) -> pd.Timestamp:
        """The earliest in-service date."""
        return pd.Timestamp(self.frame["in_service"].min())

    @property
    def end(self) -> pd.Timestamp:
        """The latest date in the export (in service, out of service or observed from)."""
        dates = self.frame[["in_service", "out_of_service", "observed_from"]]
        return pd.Timestamp(dates.max().max())

    @property
    def classes(self) -> list[str]:
        """The device classes, in order of first appearance."""
        return list(pd.unique(self.frame["class"]))


@dataclass(frozen=True, eq=False)
class Invoices(Export):
    """Invoice lines read by :func:`read_invoices` (see :class:`Export` for the attributes).

    ``frame`` columns: row, date, amount, kind, hours.
    """

    noun = "invoice line"

    @property
    def start(self) -> pd.Timestamp:
        """The first line's date."""
        return pd.Timestamp(self.frame["date"].min())

    @property
    def end(self) -> pd.Timestamp:
        """The last line's date."""
        return pd.Timestamp(self.frame["date"].max())


_E = TypeVar("_E", bound=Export)


def _load(path: Path, sheet: str | int, sep: str) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in _EXCEL:
        raw = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
    elif suffix in _CSV:
        raw = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            sep="\t" if suffix == ".tsv" else sep,
            encoding="utf-8-sig",
        )
    else:
        raise DataError(path, None, None, "a .csv, .tsv, .txt, .xlsx or .xlsm file", path.name)
    return raw.fillna("")


def _match_headers(
    path: Path, header: list[str], spec: tuple[Column, ...], columns: Mapping[str, str] | None
) -> dict[str, str]:
    """canonical name -> header in the file."""
    names = {c.name for c in spec}
    found: dict[str, str] = {}
    mapping = dict(columns or {})
    for given, canonical in mapping.items():
        if canonical not in names:
            raise DataError(
                path, None, given, f"columns= to map to one of {sorted(names)}", canonical
            )
        if given not in header:
            raise DataError(
                path,
                None,
                given,
                f"the header to have this column (columns= maps it to {canonical!r}); "
                f"the header is {header}",
            )
        if canonical in found:
            raise DataError(path, None, given, f"one column for {canonical!r}, not two")
        found[canonical] = given
    keys = {header_key(c.name): c.name for c in spec}
    for h in header:
        match = keys.get(header_key(h))
        if h in mapping or match is None or match in found:
            continue
        found[match] = h
    for c in spec:
        if c.required and c.name not in found:
            raise DataError(
                path,
                None,
                c.name,
                f"a column {c.name!r} ({c.description}); the header is {header}; if one of "
                f"those holds it, pass columns={{'<that header>': {c.name!r}}}",
            )
    return found


def _read(
    path: str | Path,
    spec: tuple[Column, ...],
    columns: Mapping[str, str] | None,
    *,
    tz: str | None,
    date_format: str | Sequence[str] | None,
    sheet: str | int,
    sep: str,
) -> tuple[pd.DataFrame, dict[str, str], list[tuple[int, str, str]], list[str]]:
    """Read and parse one export: (frame, headers, dropped, notes)."""
    path = Path(path)
    raw = _load(path, sheet, sep)
    header = [str(h) for h in raw.columns]
    headers = _match_headers(path, header, spec, columns)
    rows = np.arange(2, len(raw) + 2)
    empty = np.ones(len(raw), dtype=bool)
    for h in header:
        empty &= is_missing(raw[h])
    dropped = [(int(r), "", "empty row") for r in rows[empty]]
    raw = raw.loc[~empty].reset_index(drop=True)
    rows = rows[~empty]
    frame = pd.DataFrame({"row": rows})
    notes: list[str] = []
    for c in spec:
        if c.name not in headers:
            dtype = {"date": "M8[ns]", "number": float}.get(c.kind, object)
            frame[c.name] = pd.Series(None, index=frame.index, dtype=dtype)
            continue
        cells = raw[headers[c.name]]
        place = Place(str(path), headers[c.name], rows)
        if c.kind == "date":
            values, converted = parse_dates(
                cells, place, required=c.required, date_format=date_format, tz=tz
            )
            if converted:
                notes.append(
                    f"{converted} {c.name} time(s) carried a time zone and were converted to "
                    f"{tz or 'UTC'}"
                )
            frame[c.name] = values.to_numpy()
        elif c.kind == "number":
            frame[c.name] = parse_numbers(cells, place, required=c.required, what=c.name).to_numpy()
        elif c.kind == "text":
            text = cells.astype(str).str.strip()
            missing = is_missing(text)
            if c.required and missing.any():
                raise place.error(missing, f"{c.description} (not empty)", cells)
            frame[c.name] = pd.Series(
                np.where(missing, None, text.to_numpy(dtype=object)),
                index=frame.index,
                dtype=object,
            )
        else:
            choice: dict[str, tuple[Mapping[str, object], str, tuple[str, str] | None]] = {
                "bool": (BOOLEAN_WORDS, "yes/no, true/false or onsite/remote", None),
                "priority": (PRIORITY_WORDS, "a priority P1, P2, P3 or P4", _PRIORITY),
                "reason": (REASON_WORDS, "failed, retired or in service", None),
                "kind": (KIND_WORDS, "labour, trip, parts or hardware", None),
            }
            words, expected, pattern = choice[c.kind]
            values = parse_words(
                cells, place, required=c.required, words=words, expected=expected,
                pattern=pattern,
            )  # fmt: skip
            frame[c.name] = pd.Series(values.to_numpy(), index=frame.index, dtype=object)
    return frame, headers, dropped, notes


def _order(
    path: str,
    frame: pd.DataFrame,
    headers: dict[str, str],
    first: str,
    later: str,
    what: str,
    *,
    strict: bool = False,
) -> None:
    """Refuse rows where ``later`` comes before ``first``."""
    if later not in headers or first not in headers:
        return
    a, b = frame[first], frame[later]
    bad = np.asarray(b.notna() & a.notna() & ((b <= a) if strict else (b < a)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            path,
            int(frame["row"].iloc[i]),
            headers[later],
            f"{what} ({later} on or after {first} {a.iloc[i]})",
            b.iloc[i],
        )


def _drop_identical(
    frame: pd.DataFrame, spec: tuple[Column, ...], dropped: list[tuple[int, str, str]]
) -> pd.DataFrame:
    """``frame`` without rows identical to an earlier one, each listed in ``dropped``."""
    hashed = pd.util.hash_pandas_object(frame[[c.name for c in spec]], index=False)
    copy = np.asarray(hashed.duplicated(keep="first"))
    first = frame["row"].groupby(hashed.to_numpy()).transform("first").to_numpy()
    dropped += [
        (int(r), str(i), f"identical to row {f}")
        for r, i, f in zip(frame["row"][copy], frame["id"][copy], first[copy], strict=True)
    ]
    return frame.loc[~copy].reset_index(drop=True)


def _merge_reopened(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """Merge the rows of each ticket id found more than once into its first row."""
    repeated = frame["id"].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return frame, []
    parts = frame.loc[repeated]
    merged = []
    dropped: list[tuple[int, str, str]] = []
    for ticket, group in parts.groupby("id", sort=False):
        first = group.iloc[0].copy()
        first["opened"] = group["opened"].min()
        resolved = group["resolved"]
        last = resolved.max()
        still_open = resolved.isna() & (pd.isna(last) | (group["opened"] >= last))
        first["resolved"] = pd.NaT if still_open.any() else last
        first["responded"] = group["responded"].min()
        first["priority"] = (
            group["priority"].dropna().min() if group["priority"].notna().any() else None
        )
        first["category"] = next(iter(group["category"].dropna()), None)
        first["asset"] = next(iter(group["asset"].dropna()), None)
        first["hours"] = group["hours"].sum(min_count=1)
        onsite = group["onsite"].dropna()
        first["onsite"] = bool(onsite.astype(bool).any()) if len(onsite) else None
        merged.append(first)
        dropped += [
            (int(r), str(ticket), f"reopened ticket {ticket}: merged into row {first['row']}")
            for r in group["row"].iloc[1:]
        ]
    combined = pd.DataFrame(merged, columns=frame.columns).astype(frame.dtypes.to_dict())
    out = pd.concat([frame.loc[~repeated], combined]).sort_values("row", kind="stable")
    return out.reset_index(drop=True), dropped


def _dropped_frame(dropped: list[tuple[int, str, str]]) -> pd.DataFrame:
    out = pd.DataFrame(dropped, columns=_DROPPED_COLUMNS)
    return (
        out.astype({"row": int, "id": str, "reason": str}).sort_values("row").reset_index(drop=True)
    )


def _export(
    kind: type[_E],
    frame: pd.DataFrame,
    path: str,
    spec: tuple[Column, ...],
    headers: dict[str, str],
    dropped: list[tuple[int, str, str]],
    notes: list[str],
) -> _E:
    """The export ``kind`` of a file read with ``spec``."""
    return kind(
        frame=frame,
        path=path,
        dropped=_dropped_frame(dropped),
        found=tuple(c.name for c in spec if c.name in headers),
        headers=headers,
        notes=tuple(notes),
    )


def read_tickets(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    *,
    tz: str | None = None,
    date_format: str | Sequence[str] | None = None,
    sheet: str | int = 0,
    sep: str = ",",
) -> Tickets:
    """Read a ticket export (CSV or Excel) into canonical columns.

    =========  ========  ====================================================
    column     required  holds
    =========  ========  ====================================================
    id         yes       the ticket's number or key
    opened     yes       when it was opened (date and time)
    resolved   no        when it was resolved; empty while still open
    responded  no        the provider's first response; empty if none
    priority   no        P1-P4 (also 1-4, critical/high/medium/low)
    category   no        the kind of problem
    hours      no        hours worked (number >= 0)
    onsite     no        yes/true/onsite (on site) or no/false/remote
    asset      no        the device or asset concerned
    =========  ========  ====================================================

    Rows that are identical copies of an earlier row are left out (listed in
    ``.dropped``); rows sharing an id but otherwise different are one reopened ticket,
    merged into its first row: opened at the earliest opening, resolved at the latest
    resolution (still open if a part opened after it is unresolved), the most urgent
    priority, the hours summed, on site if any part was.  Tickets without a resolved time
    are kept (open at export).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (``.tsv``, ``.txt``) or ``.xlsx`` file with a header row.
    columns : mapping of str to str, optional
        The file's headers mapped to canonical names (``{"Ticket #": "id"}``); headers
        not mapped are matched to canonical names ignoring case, spaces and underscores.
    tz : str, optional
        The time zone that times carrying an offset (``+01:00``, ``Z``) are converted to
        before the offset is dropped; default UTC.  Times without one are taken as local.
    date_format : str or sequence of str, optional
        The date format(s) (``"%d/%m/%Y %H:%M"`` for day-first); default ISO 8601.
    sheet : str or int, default 0
        The Excel sheet to read.
    sep : str, default ","
        The CSV field separator.

    Returns
    -------
    Tickets
        ``.frame`` (one row per ticket), ``.dropped``, ``.report()``, ``.start``,
        ``.end``, ``.open``, ``.merged``, ``.duplicates``.

    Raises
    ------
    DataError
        For a missing required column, an unparseable date, negative hours, a resolved
        (or responded) time before the opening, an unknown priority or yes/no word.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp(), "t.csv")
    >>> _ = p.write_text("Ticket,Opened,Resolved\\n1,2024-03-01 09:00,2024-03-01 10:30\\n")
    >>> t = read_tickets(p, {"Ticket": "id"})
    >>> t.frame[["id", "opened", "resolved"]].iloc[0].tolist()[0], len(t)
    ('1', 1)
    """
    frame, headers, dropped, notes = _read(
        path, TICKETS, columns, tz=tz, date_format=date_format, sheet=sheet, sep=sep
    )
    _order(str(path), frame, headers, "opened", "resolved", "a resolved time not before opening")
    _order(str(path), frame, headers, "opened", "responded", "a response not before opening")
    frame = _drop_identical(frame, TICKETS, dropped)
    frame, merged = _merge_reopened(frame)
    dropped += merged
    return _export(Tickets, frame, str(path), TICKETS, headers, dropped, notes)


def read_assets(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    *,
    tz: str | None = None,
    date_format: str | Sequence[str] | None = None,
    sheet: str | int = 0,
    sep: str = ",",
) -> Assets:
    """Read an asset (device) register (CSV or Excel) into canonical columns.

    ==============  ========  ==============================================
    column          required  holds
    ==============  ========  ==============================================
    id              yes       the asset's id
    class           yes       its device class (desktop, nas, ...)
    in_service      yes       the date it went into service
    out_of_service  no        the date it left service; empty while in service
    reason          no        failed, retired or in service
    observed_from   no        the date the records of it begin
    ==============  ========  ==============================================

    Without a ``reason`` column, an asset with an out-of-service date is taken to have
    failed (said in ``.notes``).  Identical duplicate rows are left out (in
    ``.dropped``); two different rows with one id are refused.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.xlsx`` file with a header row.
    columns : mapping of str to str, optional
        The file's headers mapped to canonical names (``{"Serial": "id"}``).
    tz : str, optional
        The time zone dates carrying an offset are converted to; default UTC.
    date_format : str or sequence of str, optional
        The date format(s) (``"%d.%m.%Y"``); default ISO 8601.
    sheet : str or int, default 0
        The Excel sheet to read.
    sep : str, default ","
        The CSV field separator.

    Returns
    -------
    Assets
        ``.frame`` (one row per asset), ``.dropped``, ``.report()``, ``.classes``.

    Raises
    ------
    DataError
        For a missing required column, an unparseable date, an out-of-service date
        before the in-service date, an unknown reason, a reason that contradicts the
        out-of-service date, or two different rows with one id.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp(), "a.csv")
    >>> _ = p.write_text("id,class,in_service,out_of_service,reason\\n"
    ...                        "a1,desktop,2020-01-01,2023-06-01,failed\\n")
    >>> read_assets(p).frame["reason"].tolist()
    ['failed']
    """
    frame, headers, dropped, notes = _read(
        path, ASSETS, columns, tz=tz, date_format=date_format, sheet=sheet, sep=sep
    )
    p = str(path)
    _order(p, frame, headers, "in_service", "out_of_service", "an out-of-service date")
    out = frame["out_of_service"].notna().to_numpy()
    if "reason" in headers:
        reason = frame["reason"]
        given = reason.notna().to_numpy()
        leaving = np.asarray(reason.isin(["failed", "retired"]))
        bad = leaving & ~out
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(
                p,
                int(frame["row"].iloc[i]),
                headers.get("out_of_service", "out_of_service"),
                f"an out-of-service date, since the reason is {reason.iloc[i]!r}",
            )
        bad = out & given & ~leaving
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(
                p,
                int(frame["row"].iloc[i]),
                headers["reason"],
                "failed or retired, since the asset has an out-of-service date",
                reason.iloc[i],
            )
        frame["reason"] = reason.where(given, np.where(out, "failed", "in service"))
        if (~given & out).any():
            notes.append(
                f"{int((~given & out).sum())} asset(s) with an out-of-service date but no "
                "reason were taken to have failed"
            )
    else:
        frame["reason"] = np.where(out, "failed", "in service")
        if out.any():
            notes.append(
                f"no reason column: the {int(out.sum())} asset(s) with an out-of-service "
                "date were taken to have failed"
            )
    frame = _drop_identical(frame, ASSETS, dropped)
    clash = frame["id"].duplicated(keep="first").to_numpy()
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        earlier = int(frame.loc[frame["id"] == frame["id"].iloc[i], "row"].iloc[0])
        raise DataError(
            p,
            int(frame["row"].iloc[i]),
            headers["id"],
            f"one row per asset id, but row {earlier} has this id with other values",
            frame["id"].iloc[i],
        )
    return _export(Assets, frame, p, ASSETS, headers, dropped, notes)


def read_invoices(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    *,
    tz: str | None = None,
    date_format: str | Sequence[str] | None = None,
    sheet: str | int = 0,
    sep: str = ",",
) -> Invoices:
    """Read invoice lines (CSV or Excel) into canonical columns.

    ======  ========  =====================================================
    column  required  holds
    ======  ========  =====================================================
    date    yes       the line's date
    amount  yes       the amount charged (number >= 0)
    kind    yes       labour (labor, time), trip (travel, call-out), parts or
                      hardware (equipment)
    hours   no        hours billed on a labour line (number >= 0)
    ======  ========  =====================================================

    Every line is kept, identical ones too (two trips on one day are two charges).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.xlsx`` file with a header row.
    columns : mapping of str to str, optional
        The file's headers mapped to canonical names (``{"Net": "amount"}``).
    tz : str, optional
        The time zone dates carrying an offset are converted to; default UTC.
    date_format : str or sequence of str, optional
        The date format(s); default ISO 8601.
    sheet : str or int, default 0
        The Excel sheet to read.
    sep : str, default ","
        The CSV field separator.

    Returns
    -------
    Invoices
        ``.frame`` (one row per line), ``.dropped`` (empty rows only), ``.report()``.

    Raises
    ------
    DataError
        For a missing required column, an unparseable date, a negative amount or hours,
        or an unknown kind.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp(), "i.csv")
    >>> _ = p.write_text("date,kind,hours,amount\\n2024-01-05,Labor,1.5,225\\n")
    >>> read_invoices(p).frame.loc[0, "kind"], float(read_invoices(p).frame.loc[0, "amount"])
    ('labour', 225.0)
    """
    frame, headers, dropped, notes = _read(
        path, INVOICES, columns, tz=tz, date_format=date_format, sheet=sheet, sep=sep
    )
    return _export(Invoices, frame, str(path), INVOICES, headers, dropped, notes)
