"""Crash-safe files: atomic writes, saved results, and the chunk store of a running
experiment.

Every file is written under a temporary name in the same folder and then renamed into
place (``os.replace``), so a crash never leaves a half-written file under a final name.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from itmodels.scenario import Scenario

__all__ = ["ChunkStore", "atomic_write", "write_dir_atomically"]

FORMAT_VERSION = 1


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_dir_atomically(path: Path, fill: Callable[[Path], None], overwrite: bool) -> None:
    """Fill a temporary folder beside ``path``, then rename it to ``path``.

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


def _meta(
    scenario: Scenario, seed: int, contracts: Sequence[str], replications: int, size: int
) -> dict[str, object]:
    return {
        "format": FORMAT_VERSION,
        "scenario": scenario.model_dump(mode="json", exclude_none=True),
        "seed": seed,
        "contracts": list(contracts),
        "replications": replications,
        "chunk_size": size,
    }


class ChunkStore:
    """The folder where a running experiment writes each finished chunk.

    Layout: ``meta.json`` (what is being run) and ``chunks/<start>-<stop>.metrics.parquet``
    plus ``.monthly.parquet``.  A chunk counts as done only when both files exist; the
    metrics file is written last.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.chunks = path / "chunks"

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
    ) -> ChunkStore:
        """Create the store, or reopen it to resume the same experiment.

        Raises
        ------
        FileExistsError
            If the folder already holds a run and ``resume`` is false.
        ValueError
            If ``resume`` is true and the stored run is a different experiment.
        """
        store = cls(Path(path))
        meta = _meta(scenario, seed, contracts, replications, size)
        meta_file = store.path / "meta.json"
        if meta_file.exists():
            if not resume:
                raise FileExistsError(
                    f"{store.path} already holds an experiment; pass resume=True to continue"
                    " it, or choose an empty folder"
                )
            stored = json.loads(meta_file.read_text(encoding="utf-8"))
            diff = sorted(k for k in meta if stored.get(k) != meta[k])
            if diff:
                raise ValueError(
                    f"{meta_file}: cannot resume, the stored experiment differs in {diff}"
                )
        else:
            store.chunks.mkdir(parents=True, exist_ok=True)
            text = json.dumps(meta, indent=1, sort_keys=True)
            atomic_write(meta_file, lambda p: p.write_text(text, encoding="utf-8"))
        store.chunks.mkdir(parents=True, exist_ok=True)
        return store

    def _files(self, start: int, stop: int) -> tuple[Path, Path]:
        stem = f"{start:07d}-{stop:07d}"
        return self.chunks / f"{stem}.metrics.parquet", self.chunks / f"{stem}.monthly.parquet"

    def write(self, start: int, stop: int, metrics: pd.DataFrame, monthly: pd.DataFrame) -> None:
        """Store one finished chunk (monthly first, metrics last: both atomically)."""
        m_file, mo_file = self._files(start, stop)
        atomic_write(mo_file, lambda p: monthly.to_parquet(p, index=False))
        atomic_write(m_file, lambda p: metrics.to_parquet(p, index=False))

    def load(self) -> dict[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame]]:
        """Every chunk already finished, keyed by ``(start, stop)``."""
        done = {}
        for m_file in sorted(self.chunks.glob("*.metrics.parquet")):
            start, stop = (int(x) for x in m_file.name.split(".")[0].split("-"))
            _, mo_file = self._files(start, stop)
            if mo_file.exists():
                done[(start, stop)] = (pd.read_parquet(m_file), pd.read_parquet(mo_file))
        return done
