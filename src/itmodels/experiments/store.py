"""Crash-safe files: atomic writes, saved results, and the chunk store of a running
experiment.

Every file is written under a temporary name in the same folder, flushed to disk
(``fsync``) and then renamed into place (``os.replace``), so a crash never leaves a
half-written file under a final name.

The chunk store (:class:`ChunkStore`) is a folder holding ``meta.json`` (what is being run,
with its fingerprint), a ``lock`` file (held by the one process writing it) and
``chunks/<start>-<stop>.chunk``: one file per finished chunk of replications.  A chunk file
is a JSON header line (its span, the experiment's fingerprint, the array shapes), the
metrics and monthly arrays as little-endian float64, and a SHA-256 digest of everything
before it.  On resume every chunk is checked: a damaged one (checksum or length wrong) is
moved aside as ``*.damaged`` and recomputed, with a :class:`DamagedChunkWarning`; an intact
one that belongs elsewhere (another span or experiment) stops the run with a
:class:`StoreError` naming the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from itmodels.scenario import Scenario

__all__ = [
    "FORMAT_VERSION",
    "ChunkStore",
    "DamagedChunkWarning",
    "StoreError",
    "StoreInUseError",
    "atomic_write",
    "write_dir_atomically",
]

FORMAT_VERSION = 1  # saved results (ExperimentResult.to_parquet)
STORE_FORMAT = 2  # the chunk store; 1 was two parquet files per chunk, unchecked
_DIGEST = 32  # bytes of SHA-256
_CHUNK_NAME = re.compile(r"(\d+)-(\d+)\.chunk")


class StoreError(ValueError):
    """A chunk store that cannot be used as asked; the message names the file and remedy."""


class StoreInUseError(StoreError):
    """Another process is writing the chunk store."""


class DamagedChunkWarning(RuntimeWarning):
    """A stored chunk failed its checksum; it was moved aside and will be recomputed."""


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR if path.is_file() else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (POSIX; Windows has no directory handles)."""
    if sys.platform != "win32":
        _fsync(path)


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary path beside ``path``, fsync it, rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        _fsync(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_dir_atomically(path: Path, fill: Callable[[Path], None], overwrite: bool) -> None:
    """Fill a temporary folder beside ``path``, fsync it, then rename it to ``path``.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        fill(tmp)
        for item in sorted(tmp.rglob("*"), reverse=True):  # files before their folders
            if item.is_file() or sys.platform != "win32":
                _fsync(item)
        _fsync_dir(tmp)
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(path.parent)


def _fingerprint(meta: dict[str, object]) -> str:
    text = json.dumps(meta, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Lock:
    """An exclusive, non-blocking lock on a file, released when the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self.fd: int | None = fd
        try:
            self._acquire(fd)
        except OSError:
            holder = self._holder()
            os.close(fd)
            self.fd = None
            raise StoreInUseError(
                f"{path.parent} is being written by another running experiment"
                f"{holder} (it holds {path}); wait for it to finish, or stop it and then"
                " pass resume=True to continue it"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())

    @staticmethod
    def _acquire(fd: int) -> None:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _holder(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            pid = int(self.path.read_text(encoding="ascii").strip())
            return f" (process {pid})"
        return ""

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops the lock
            self.fd = None


class ChunkStore:
    """The folder where a running experiment writes each finished chunk (see the module).

    Open it with :meth:`open`; use it as a context manager (or call :meth:`close`) so that
    the lock is released when the run ends.
    """

    def __init__(self, path: Path, meta: dict[str, object], lock: _Lock) -> None:
        self.path = path
        self.chunks = path / "chunks"
        self.meta = meta
        self.fingerprint = _fingerprint(meta)
        self._lock = lock

    @classmethod
    def open(
        cls,
        path: str | Path,
        scenario: Scenario,
        seed: int,
        contracts: Sequence[str],
        replications: int,
        size: int,
        *,
        resume: bool,
        columns: tuple[Sequence[str], Sequence[str]],
        months: int,
    ) -> ChunkStore:
        """Create the store, or reopen it to resume the same experiment.

        Parameters
        ----------
        path : str or Path
            The folder (created if missing; a new store needs it empty).
        scenario, seed, contracts, replications, size
            The experiment; ``size`` is the number of replications per chunk.
        resume : bool
            Continue the experiment stored there.
        columns : (sequence of str, sequence of str)
            Names of the metrics and monthly columns of each chunk's arrays.
        months : int
            Months per replication in the monthly array.

        Returns
        -------
        ChunkStore
            Holding the folder's lock until :meth:`close`.

        Raises
        ------
        FileExistsError
            If the folder holds an experiment and ``resume`` is false, or holds other
            files (such as chunks) without a ``meta.json``: they are never adopted.
        StoreInUseError
            If another process is writing the store.
        StoreError
            If ``meta.json`` is damaged or from another store format.
        ValueError
            If ``resume`` is true and the stored run is a different experiment.
        """
        root = Path(path)
        meta = {
            "format": STORE_FORMAT,
            "scenario": scenario.model_dump(mode="json", exclude_none=True),
            "seed": seed,
            "contracts": list(contracts),
            "replications": replications,
            "chunk_size": size,
            "metric_columns": list(columns[0]),
            "monthly_columns": list(columns[1]),
            "months": months,
        }
        if root.exists() and not root.is_dir():
            raise FileExistsError(f"{root} is a file; a store needs a folder")
        meta_file = root / "meta.json"
        if not meta_file.exists():
            _refuse_foreign_files(root)
        root.mkdir(parents=True, exist_ok=True)
        lock = _Lock(root / "lock")
        try:
            _remove_temporaries(root)
            if meta_file.exists():
                if not resume:
                    raise FileExistsError(
                        f"{root} already holds an experiment; pass resume=True to continue"
                        " it, or choose an empty folder"
                    )
                _check_meta(meta_file, meta)
            else:
                _refuse_foreign_files(root)
                text = json.dumps({**meta, "fingerprint": _fingerprint(meta)}, indent=1)
                atomic_write(meta_file, lambda p: p.write_text(text, encoding="utf-8"))
            (root / "chunks").mkdir(exist_ok=True)
        except BaseException:
            lock.release()
            raise
        return cls(root, meta, lock)

    def close(self) -> None:
        """Release the lock (the files stay, ready for ``resume=True``)."""
        self._lock.release()

    def __enter__(self) -> ChunkStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def file(self, start: int, stop: int) -> Path:
        """Where the chunk of replications ``start .. stop-1`` is stored."""
        return self.chunks / f"{start:010d}-{stop:010d}.chunk"

    def _shapes(self, start: int, stop: int) -> tuple[list[int], list[int]]:
        rows = len(self.meta["contracts"]) * (stop - start)  # type: ignore[arg-type]
        return (
            [rows, len(self.meta["metric_columns"])],  # type: ignore[arg-type]
            [rows * self.meta["months"], len(self.meta["monthly_columns"])],  # type: ignore[operator, arg-type]
        )

    def write(self, start: int, stop: int, metrics: np.ndarray, monthly: np.ndarray) -> None:
        """Store one finished chunk atomically, with its span, fingerprint and checksum."""
        shapes = self._shapes(start, stop)
        if [list(metrics.shape), list(monthly.shape)] != list(shapes):
            raise ValueError(f"chunk {start}-{stop}: arrays of shapes {metrics.shape},"
                             f" {monthly.shape}, expected {shapes}")  # fmt: skip
        header = {"start": start, "stop": stop, "fingerprint": self.fingerprint,
                  "metrics": shapes[0], "monthly": shapes[1]}  # fmt: skip
        body = b"".join([
            json.dumps(header, sort_keys=True).encode("ascii") + b"\n",
            np.ascontiguousarray(metrics, dtype="<f8").tobytes(),
            np.ascontiguousarray(monthly, dtype="<f8").tobytes(),
        ])  # fmt: skip
        data = body + hashlib.sha256(body).digest()
        atomic_write(self.file(start, stop), lambda p: p.write_bytes(data))

    def load(self) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
        """Every chunk already finished and verified, keyed by ``(start, stop)``.

        Damaged chunks are moved aside (``*.damaged``) with a :class:`DamagedChunkWarning`
        and left out, so that they are recomputed.

        Raises
        ------
        StoreError
            If an intact chunk file does not belong to this experiment or to its name.
        """
        done = {}
        for path in sorted(self.chunks.glob("*.chunk")):
            span = self._span(path)
            arrays = self._read(path, span)
            if arrays is not None:
                done[span] = arrays
        return done

    def _span(self, path: Path) -> tuple[int, int]:
        match = _CHUNK_NAME.fullmatch(path.name)
        size, reps = int(self.meta["chunk_size"]), int(self.meta["replications"])  # type: ignore[call-overload]
        if match:
            start, stop = int(match[1]), int(match[2])
            if start % size == 0 and 0 <= start < reps and stop == min(start + size, reps):
                return start, stop
        raise StoreError(
            f"{path}: not a chunk of this experiment ({reps} replications in chunks of"
            f" {size}); it was not written by this run. Move it out of {self.chunks} and"
            " resume again"
        )

    def _read(self, path: Path, span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray] | None:
        data = path.read_bytes()
        body, digest = data[:-_DIGEST], data[-_DIGEST:]
        if len(data) <= _DIGEST or hashlib.sha256(body).digest() != digest:
            self._damaged(path, "its checksum does not match its contents")
            return None
        try:
            line, payload = body.split(b"\n", 1)
            header = json.loads(line)
            head = (header["start"], header["stop"], header["fingerprint"])
            shapes = [header["metrics"], header["monthly"]]
        except (ValueError, KeyError, TypeError):
            self._damaged(path, "its header cannot be read")
            return None
        where = f"{path}: holds replications {head[0]} to {head[1] - 1}"
        if head[2] != self.fingerprint:
            raise StoreError(
                f"{where} of another experiment (fingerprint {str(head[2])[:12]}, this one"
                f" {self.fingerprint[:12]}). Move it out of {self.chunks} and resume again"
            )
        if tuple(head[:2]) != span or shapes != list(self._shapes(*span)):
            raise StoreError(
                f"{where}, but its name says {span[0]} to {span[1] - 1}: it was renamed or"
                f" copied. Move it out of {self.chunks} and resume again"
            )
        m_rows, m_cols = shapes[0]
        values = np.frombuffer(payload, dtype="<f8")
        if values.size != m_rows * m_cols + shapes[1][0] * shapes[1][1]:
            self._damaged(path, "its length does not match its header")
            return None
        split = m_rows * m_cols
        return values[:split].reshape(shapes[0]), values[split:].reshape(shapes[1])

    def _damaged(self, path: Path, why: str) -> None:
        aside = path.with_name(path.name + ".damaged")
        n = 1
        while aside.exists():
            aside = path.with_name(f"{path.name}.damaged-{n}")
            n += 1
        os.replace(path, aside)
        warnings.warn(
            f"{path}: damaged chunk ({why}); moved it to {aside.name} and it will be recomputed",
            DamagedChunkWarning,
            stacklevel=4,
        )


def _ours(item: Path) -> bool:
    """Files a store may hold before its ``meta.json`` exists (a run killed at its start)."""
    name = item.name
    if name == "lock" or (name.startswith(".meta.json.") and name.endswith(".tmp")):
        return True
    if name == "chunks" and item.is_dir():
        return all(_temporary(p) for p in item.iterdir())
    return False


def _temporary(item: Path) -> bool:
    return item.is_file() and item.name.startswith(".") and item.name.endswith(".tmp")


def _refuse_foreign_files(root: Path) -> None:
    if not root.is_dir():
        return
    foreign = sorted(p.name for p in root.iterdir() if not _ours(p))
    if foreign:
        raise FileExistsError(
            f"{root} holds files ({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''})"
            " but no meta.json, so it is not the store of any run: nothing in it is used."
            " Choose an empty or new folder"
        )


def _remove_temporaries(root: Path) -> None:
    """Delete the temporary files of writes cut short by a kill (call with the lock held)."""
    for folder in (root, root / "chunks"):
        if folder.is_dir():
            for item in folder.iterdir():
                if _temporary(item) and (folder != root or item.name.startswith(".meta.json.")):
                    item.unlink(missing_ok=True)


def _check_meta(meta_file: Path, meta: dict[str, object]) -> None:
    try:
        stored = json.loads(meta_file.read_text(encoding="utf-8"))
        if not isinstance(stored, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(
            f"{meta_file} is damaged ({exc}); without it the chunks cannot be trusted."
            " Start the run again in an empty folder"
        ) from None
    if stored.get("format") != STORE_FORMAT:
        raise StoreError(
            f"{meta_file}: a store of format {stored.get('format')!r}, this itmodels reads"
            f" format {STORE_FORMAT}; start the run again in an empty folder"
        )
    fingerprint = stored.pop("fingerprint", None)
    if fingerprint != _fingerprint(stored):
        raise StoreError(
            f"{meta_file} is damaged (its fingerprint does not match its contents); without"
            " it the chunks cannot be trusted. Start the run again in an empty folder"
        )
    diff = sorted(k for k in meta.keys() | stored.keys() if stored.get(k) != meta.get(k))
    if diff:
        raise ValueError(f"{meta_file}: cannot resume, the stored experiment differs in {diff}")
