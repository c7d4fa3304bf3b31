"""Writing a user-facing text file: whole or not at all, and never over a file unless asked.

The one writer of the scenario, book and fit files (:func:`write_text`): the text goes to
a synced temporary file beside the target, then is linked in (a new file: fails if one
appeared meanwhile, so nothing is ever replaced) or renamed over it (``overwrite``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["REPLACE_HINT", "write_text"]

#: The refusal's hint where the caller offers ``overwrite=True`` (and ``--overwrite``).
REPLACE_HINT = ", or pass overwrite=True (--overwrite on the command line) to replace it"


def write_text(target: str | Path, text: str, *, overwrite: bool = False, hint: str = "") -> Path:
    """Write ``text`` to ``target`` atomically.

    Parameters
    ----------
    target : str or pathlib.Path
        The file to write.
    text : str
        Its content (UTF-8).
    overwrite : bool
        Replace an existing file.  Otherwise an existing file (or folder, or link), or one
        that appears while writing, is refused and left as it is.
    hint : str
        Added to the refusal after "choose a new file name" (e.g. how to replace it).

    Returns
    -------
    pathlib.Path
        ``target``.

    Raises
    ------
    FileExistsError
        When ``target`` exists and ``overwrite`` is False.
    """
    target = Path(target)
    refusal = f"{target}: already exists; choose a new file name{hint}"
    if not overwrite and (target.exists() or target.is_symlink()):
        raise FileExistsError(refusal)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as a file the user made: temporary files are 0600
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if the file appeared meanwhile
            except FileExistsError:
                raise FileExistsError(refusal) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
