"""Output folders that never lose a user's file: checked first, written whole, replaced atomically.

A bundle (:func:`itmodels.reports.report.write_bundle`) is one folder holding a manifest,
``itmodels-bundle.json``, that lists every file itmodels wrote there, with a format marker.
The manifest is how a folder is recognised as an earlier bundle, which may be replaced.
The rules, checked by :func:`check_destination` before any simulation runs:

* a missing folder, or an empty one, is written;
* an earlier bundle holding nothing but the files its manifest lists is replaced as a
  whole: the new bundle is filled in a sibling temporary folder, synced to disk and
  swapped in with one rename, so a crash leaves the old bundle or the new one, never a mix;
* any other non-empty folder is refused, since itmodels never deletes or overwrites a file
  it did not write.  With ``force`` the bundle's files are added beside the ones there
  (and the files of an earlier bundle, by its manifest, replaced); a file of the same name
  that itmodels did not write is still refused.  The manifest is marked complete last;
* a plain file, a symbolic link, the current folder or one holding it is always refused.

Folders are created with the user's umask, like any other folder the user makes. A run
that is killed (SIGKILL, power cut) can leave its hidden temporary folder beside the
destination, ``.NAME.itmodels-HOST-PID-XXXXXXXX.tmp``; the next write to that destination
removes it once no process of that id runs on this machine, deleting only what itmodels
wrote there.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import secrets
import socket
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "MANIFEST",
    "Destination",
    "OutputFolderError",
    "check_destination",
    "safe_folder_name",
    "write_folder",
]

MANIFEST = "itmodels-bundle.json"
FORMAT = "itmodels-bundle"
FORMAT_VERSION = 1
MAX_NAME_BYTES = 200  # a file name may hold 255 bytes; the temporary names add a suffix
_SAFE_NAME_BYTES = 100
_UNSAFE = re.compile(r'[/\\:*?"<>|]')


class OutputFolderError(ValueError):
    """An output folder that itmodels will not write (it would lose or misplace files)."""


# ---------------------------------------------------------------------------- names
def safe_folder_name(name: str, default: str = "scenario") -> str:
    """One folder name made from free text, such as a scenario's name.

    Separators (``/``, ``\\``), characters Windows forbids, control and other invisible
    characters become ``-``; leading dots, dashes and spaces go (no hidden folder, never
    ``.`` or ``..``); the result holds at most 100 bytes of UTF-8.

    Parameters
    ----------
    name : str
        Any text.
    default : str
        The name used when nothing usable is left.

    Returns
    -------
    str

    Examples
    --------
    >>> safe_folder_name("../../escaped")
    'escaped'
    >>> safe_folder_name("Acme: 2025/Q1")
    'Acme- 2025-Q1'
    >>> safe_folder_name(".")
    'scenario'
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join("-" if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text)
    text = _UNSAFE.sub("-", text)
    text = re.sub(r"-{2,}", "-", text).strip(" .-")
    data = text.encode("utf-8")[:_SAFE_NAME_BYTES]
    text = data.decode("utf-8", errors="ignore").rstrip(" .-")
    return text or default


# ---------------------------------------------------------------------------- manifest
def _read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's bundle manifest, or ``None`` when it has none that is valid."""
    file = folder / MANIFEST
    if file.is_symlink() or not file.is_file():
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    files = data.get("files")
    if not isinstance(data.get("version"), int) or not isinstance(files, list):
        return None
    for f in files:
        if not isinstance(f, str) or not _is_plain_relative(f):
            return None
    return data


def _is_plain_relative(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _entries(folder: Path) -> tuple[set[str], set[str]]:
    """Files (and links, and anything else) and sub-folders below ``folder``, as relative
    POSIX paths."""
    files: set[str] = set()
    dirs: set[str] = set()
    for root, dirnames, filenames in os.walk(folder):
        rel = Path(root).relative_to(folder)
        for d in list(dirnames):
            p = (rel / d).as_posix()
            if (Path(root) / d).is_symlink():
                files.add(p)
                dirnames.remove(d)
            else:
                dirs.add(p)
        files |= {(rel / f).as_posix() for f in filenames}
    return files, dirs


def _foreign(folder: Path, manifest: Mapping[str, Any] | None) -> list[str]:
    """What in ``folder`` itmodels did not write (by its manifest), as relative paths; a
    foreign folder is named once, not with everything in it."""
    files, dirs = _entries(folder)
    ours = set(manifest["files"]) | {MANIFEST} if manifest else set()
    held = {p.as_posix() for f in ours for p in Path(f).parents} - {"."}
    foreign = sorted((files - ours) | (dirs - held))
    top = [d for d in foreign if d in dirs]
    return [f for f in foreign if not any(f.startswith(d + "/") for d in top)]


def _write_manifest(folder: Path, files: Iterable[str], about: Mapping[str, Any], *,
                    complete: bool) -> None:  # fmt: skip
    from itmodels.version import __version__

    data = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "written_by": f"itmodels {__version__}",
        "complete": complete,
        **about,
        "files": sorted(files),
    }
    tmp = folder / f".{MANIFEST}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / MANIFEST)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class Destination:
    """Where a bundle goes, as checked by :func:`check_destination`.

    Attributes
    ----------
    path : Path
        The folder.
    kind : {"new", "empty", "bundle", "force"}
        Missing; an empty folder; an earlier bundle to replace whole; a folder with other
        files, written into file by file (``force``).
    """

    path: Path
    kind: Literal["new", "empty", "bundle", "force"]


def _show(entries: list[str], most: int = 3) -> str:
    shown = ", ".join(entries[:most])
    return shown + (f" and {len(entries) - most} more" if len(entries) > most else "")


def check_destination(
    path: str | Path,
    *,
    force: bool = False,
    overwrite: bool = True,
    planned: Iterable[str] = (),
    force_hint: str = "force=True",
) -> Destination:
    """Check that a bundle may be written to ``path``; nothing is written.

    Call it before the work that produces the files, so a refusal costs nothing.

    Parameters
    ----------
    path : str or Path
        The output folder.
    force : bool
        Allow a non-empty folder that is not a bundle: the bundle's files are added beside
        the ones there; none of those is deleted or overwritten.
    overwrite : bool
        Replace an earlier bundle (default); otherwise a non-empty folder raises
        ``FileExistsError``.
    planned : iterable of str
        The relative paths the bundle will hold, to find a clash early when ``force``.
    force_hint : str
        How the caller spells ``force`` in messages (``"--force"`` on the command line).

    Returns
    -------
    Destination

    Raises
    ------
    OutputFolderError
        If the folder would lose or misplace a file: it is the current folder or holds it,
        a file or a link, holds files itmodels did not write (without ``force``) or, with
        ``force``, a file of a name the bundle uses; or its name is too long, or the folder
        cannot be created there.
    FileExistsError
        If it is not empty and ``overwrite`` is false.
    """
    path = Path(path)
    shown = str(path)
    if _holds_cwd(path):
        raise OutputFolderError(
            f"{shown}: is the current folder or one that holds it; give a new or empty"
            " folder for the results, e.g. --out results"
        )
    if path.name in ("", ".", ".."):
        raise OutputFolderError(f"{shown}: give a folder by its own name, not '.', '..' or '/'")
    if len(os.fsencode(path.name)) > MAX_NAME_BYTES:
        raise OutputFolderError(
            f"{shown[:60]}...: the folder name is {len(os.fsencode(path.name))} bytes long;"
            f" at most {MAX_NAME_BYTES} are allowed"
        )
    if path.is_symlink():
        raise OutputFolderError(
            f"{shown}: is a symbolic link; give the folder it points to, or a new folder"
        )
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"{shown}: is a file, not a folder; give a new or empty folder")
    if not path.exists() or not any(path.iterdir()):
        _check_parent(path)  # the folder is made (or swapped in) beside it
        return Destination(path, "empty" if path.exists() else "new")
    if not overwrite:
        raise FileExistsError(f"{shown} exists; pass overwrite=True to replace it")
    manifest = _read_manifest(path)
    foreign = _foreign(path, manifest)
    if not foreign:
        _check_parent(path)
        return Destination(path, "bundle")
    if not force:
        what = (
            "holds files itmodels did not write"
            if manifest
            else f"is not empty and is not an itmodels bundle (it has no {MANIFEST})"
        )
        raise OutputFolderError(
            f"{shown}: {what}: {_show(foreign)}. itmodels never deletes a file it did not"
            f" write: choose another folder, or use {force_hint} to add the bundle's files"
            " beside them"
        )
    _check_clashes(path, manifest, planned, force_hint)
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputFolderError(f"{shown}: cannot write in this folder (permission denied)")
    return Destination(path, "force")


def _holds_cwd(path: Path) -> bool:
    here = Path.cwd().resolve()
    there = path.resolve()
    return there == here or there in here.parents


def _check_parent(path: Path) -> None:
    """The nearest existing ancestor must be a folder that can be written in."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        if parent.is_symlink():  # a dangling link
            raise OutputFolderError(f"{path}: {parent} is a broken symbolic link")
        parent = parent.parent
    if not parent.is_dir():
        raise OutputFolderError(f"{path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderError(f"{path}: cannot create it in {parent} (permission denied)")


def _check_clashes(
    path: Path, manifest: Mapping[str, Any] | None, names: Iterable[str], hint: str
) -> None:
    """Refuse when a file the bundle writes is there already and itmodels did not write it
    (by the manifest), or a folder on its way is a file or a link."""
    ours = set(manifest["files"]) | {MANIFEST} if manifest else set()
    clash = set()
    for name in sorted(set(names) | {MANIFEST}):
        rel = Path(name)
        for folder in reversed(rel.parents[:-1]):
            there = path / folder
            if there.is_symlink() or (there.exists() and not there.is_dir()):
                clash.add(folder.as_posix())
                break
        else:
            there = path / rel
            mine = name in ours and there.is_file() and not there.is_symlink()
            if (there.is_symlink() or there.exists()) and not mine:
                clash.add(name)
    if clash:
        raise OutputFolderError(
            f"{path}: already holds {_show(sorted(clash))}, which itmodels did not write;"
            f" even with {hint} no file of yours is overwritten: move it, or choose another"
            " folder"
        )


# ---------------------------------------------------------------------------- writing
def write_folder(
    path: str | Path,
    fill: Callable[[Path], None],
    *,
    force: bool = False,
    overwrite: bool = True,
    about: Mapping[str, Any] | None = None,
) -> list[str]:
    """Write a bundle folder: ``fill(tmp)`` writes the files, this function places them.

    The destination is checked again (as by :func:`check_destination`) before anything
    is written; see the module's docstring for the rules.

    Parameters
    ----------
    path : str or Path
        The output folder.
    fill : callable
        Writes every file of the bundle into the (empty, temporary) folder it is given.
    force, overwrite : bool
        As for :func:`check_destination`.
    about : mapping, optional
        Extra keys for the manifest (scenario name, seed, ...).

    Returns
    -------
    list of str
        The files written, relative to ``path`` (the manifest not included).
    """
    dest = check_destination(path, force=force, overwrite=overwrite)
    about = dict(about or {})
    if dest.kind == "force":
        return _write_beside(dest.path, fill, about)
    parent = dest.path.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = _make_temp_dir(parent, dest.path.name)
    placed = False
    try:
        fill(tmp)
        files, _ = _entries(tmp)
        files.discard(MANIFEST)
        _write_manifest(tmp, files, about, complete=True)
        _sync_tree(tmp)
        dest = check_destination(dest.path, overwrite=overwrite)  # changed meanwhile?
        if dest.kind == "bundle":
            _swap_in(tmp, dest.path)
        else:
            os.rename(tmp, dest.path)  # onto an empty folder: refused if it filled up
        placed = True
        _fsync_dir(parent)
    except BaseException:
        if not placed and tmp.exists():
            _remove_listed(tmp, None)  # only what fill wrote
        raise
    return sorted(files)


def _host() -> str:
    """A short tag of this machine, so a temporary folder is only ever judged by its host."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _alive(pid: int) -> bool:
    """Whether a process of this id runs on this machine (True when it cannot be told)."""
    if sys.platform == "win32":  # pragma: no cover - os.kill(pid, 0) ends a process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def _remove_stale_temps(parent: Path, name: str) -> list[Path]:
    """Remove temporary folders beside ``name`` left by an itmodels run on this machine that
    was killed (its process is gone); only what itmodels wrote in them is deleted."""
    pattern = re.compile(rf"\.{re.escape(name)}\.itmodels-{_host()}-(\d+)-[0-9a-f]{{8}}\.tmp")
    removed = []
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            match = pattern.fullmatch(entry.name)
            if not match or entry.is_symlink() or not entry.is_dir() or _alive(int(match[1])):
                continue
            _remove_listed(entry, _read_manifest(entry))
            removed.append(entry)
    return removed


def _make_temp_dir(parent: Path, name: str) -> Path:
    """A new, hidden folder beside ``name``, made with the user's umask; temporary folders
    that killed runs left beside it are removed first."""
    _remove_stale_temps(parent, name)
    while True:
        tmp = parent / f".{name}.itmodels-{_host()}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
        try:
            tmp.mkdir(mode=0o777)
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue
        return tmp


def _sync_tree(folder: Path) -> None:
    for root, _, files in os.walk(folder):
        for f in files:
            fd = os.open(Path(root) / f, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse it on folders
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where it is unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]  # fmt: skip
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # pragma: no cover
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(tmp: Path, path: Path) -> None:
    """Put the folder ``tmp`` at ``path`` in place of the earlier bundle there."""
    old_manifest = _read_manifest(path)
    if _exchange(tmp, path):
        old = tmp  # now holds the earlier bundle
    else:  # pragma: no cover - two renames; a crash between them leaves the old one hidden
        old = path.with_name(f".{path.name}.itmodels-old-{secrets.token_hex(4)}")
        os.rename(path, old)
        os.rename(tmp, path)
    _remove_listed(old, old_manifest)


def _remove_listed(folder: Path, manifest: Mapping[str, Any] | None) -> None:
    """Delete what itmodels wrote in ``folder`` (every file when ``manifest`` is None: a
    temporary folder of ours), then the folder if it is empty; otherwise keep it visibly."""
    files, dirs = _entries(folder)
    ours = files if manifest is None else set(manifest["files"]) | {MANIFEST}
    for f in sorted(ours & files):
        with contextlib.suppress(OSError):
            (folder / f).unlink()
    for d in sorted(dirs, key=lambda d: -d.count("/")):
        with contextlib.suppress(OSError):
            (folder / d).rmdir()
    try:
        folder.rmdir()
    except OSError:
        kept = folder.with_name(f"{folder.name.strip('.')}-kept-files")
        try:
            os.rename(folder, kept)
        except OSError:  # pragma: no cover
            kept = folder
        warnings.warn(f"files itmodels did not write were kept in {kept}", stacklevel=3)


def _write_beside(path: Path, fill: Callable[[Path], None], about: dict[str, Any]) -> list[str]:
    """``force``: add the bundle's files to a folder that holds others, one by one."""
    manifest = _read_manifest(path)
    old = set(manifest["files"]) if manifest else set()
    tmp = _make_temp_dir(path, "bundle")
    try:
        fill(tmp)
        files, dirs = _entries(tmp)
        files.discard(MANIFEST)
        _check_clashes(path, manifest, files, "force")
        _sync_tree(tmp)
        # from here a crash leaves a manifest listing every file of ours, marked incomplete
        _write_manifest(path, old | files, about, complete=False)
        for d in sorted(dirs, key=lambda d: d.count("/")):
            (path / d).mkdir(exist_ok=True)
        for f in sorted(files):
            os.replace(tmp / f, path / f)
        for f in sorted(old - files):
            (path / f).unlink(missing_ok=True)
        _write_manifest(path, files, about, complete=True)
        _fsync_dir(path)
    finally:
        _remove_listed(tmp, None)
    return sorted(files)
