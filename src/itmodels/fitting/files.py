"""Writing a fit's files: whole or not at all, and never over a file unless asked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_text"]


def write_text(target: Path, text: str, *, overwrite: bool) -> Path:
    """Write ``text`` to ``target`` atomically (a synced temporary file renamed or linked).

    Parameters
    ----------
    target : Path
        The file to write.
    text : str
        Its content (UTF-8).
    overwrite : bool
        Replace an existing file; otherwise an existing file, or one that appears while
        writing, is refused (the new file is linked in, which fails if it exists).

    Returns
    -------
    pathlib.Path
        ``target``.

    Raises
    ------
    FileExistsError
        When ``target`` exists and ``overwrite`` is False.
    """
    if not overwrite and (target.exists() or target.is_symlink()):
        raise FileExistsError(
            f"{target}: already exists; choose a new file name, or pass overwrite=True"
            " (--overwrite on the command line) to replace it"
        )
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if the file appeared meanwhile
            except FileExistsError:
                raise FileExistsError(
                    f"{target}: already exists; choose a new file name, or pass "
                    "overwrite=True to replace it"
                ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
