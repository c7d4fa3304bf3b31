"""The one error a bad export file raises: it names the file, the row and the column."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DataError"]


class DataError(ValueError):
    """An export file that cannot be read, located by file, row and column.

    Parameters
    ----------
    path : str or Path
        The file read.
    row : int or None
        The 1-based line of a CSV file or row of an Excel sheet (the header is row 1), or
        None when the problem is the whole file (a missing column, say).
    column : str or None
        The column as written in the file's header (or the canonical name when the column
        is missing).
    expected : str
        What was expected there, in words.
    value : object, optional
        The value found, shown in the message when given.

    Examples
    --------
    >>> err = DataError("tickets.csv", 7, "Opened", "a date like 2024-03-01", "31/02/2024")
    >>> print(err)
    tickets.csv, row 7, column 'Opened': expected a date like 2024-03-01, found '31/02/2024'
    >>> err.row, err.column
    (7, 'Opened')
    """

    def __init__(
        self,
        path: str | Path,
        row: int | None,
        column: str | None,
        expected: str,
        value: object = None,
    ) -> None:
        self.path = str(path)
        self.row = row
        self.column = column
        self.expected = expected
        self.value = value
        where = [self.path]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        found = "" if value is None else f", found {str(value)[:60]!r}"
        super().__init__(f"{', '.join(where)}: expected {expected}{found}")
