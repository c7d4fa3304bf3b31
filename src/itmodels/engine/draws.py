"""Named random streams and rows of draws, for common random numbers.

Every source of luck in a replication (each device's life, each incident stream, the
background load...) has its own generator, derived from the replication's
:class:`numpy.random.SeedSequence` by *name*, not by creation order.  Adding a stream,
or a contract that uses fewer of them, therefore never shifts another stream: both
contracts see the same failures.

Within a stream, the k-th event (a device's k-th life, a stream's k-th candidate
incident) always takes the k-th row of uniforms, transformed by inverse CDF.  Rows are
drawn in blocks for speed; the blocking does not change the values.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Transform = Callable[[Any], Any] | None  # uniforms (an array) to values (an array)

__all__ = ["Draws", "Streams", "Transform", "exp1", "ppf_or_zero"]


def exp1(u: np.ndarray) -> np.ndarray:
    """Inverse CDF of the unit exponential distribution."""
    return -np.log1p(-u)


def _zero(u: np.ndarray) -> np.ndarray:
    return np.zeros_like(u)


def ppf_or_zero(dist: object | None) -> Callable[[np.ndarray], np.ndarray]:
    """The distribution's inverse CDF, or zeros where the scenario wrote none."""
    return _zero if dist is None else dist.ppf  # type: ignore[attr-defined]


class Streams:
    """Generators derived by name from one seed sequence.

    Parameters
    ----------
    seed_seq : numpy.random.SeedSequence
        The replication's seed sequence.
    """

    def __init__(self, seed_seq: np.random.SeedSequence) -> None:
        self.seed_seq = seed_seq

    def generator(self, name: str) -> np.random.Generator:
        """The generator for the source of luck called ``name`` (stable across runs)."""
        key = zlib.crc32(name.encode("utf-8"))
        child = np.random.SeedSequence(
            entropy=self.seed_seq.entropy,
            spawn_key=(*self.seed_seq.spawn_key, key),
            pool_size=self.seed_seq.pool_size,
        )
        return np.random.Generator(np.random.PCG64(child))

    def draws(self, name: str, transforms: Sequence[Transform], largest: int = 256) -> Draws:
        """Rows of draws for ``name``, one column per transform (``None`` keeps uniforms);
        blocks grow from 16 rows to ``largest`` (the rows do not depend on it)."""
        return Draws(self.generator(name), transforms, largest)


class Draws:
    """Rows of random numbers from one generator, one column per quantity.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream's generator.
    transforms : sequence of callable or None
        For each column, a vectorised inverse CDF applied to its uniforms, or ``None`` to
        keep the uniform.
    largest : int
        The most rows a block grows to (from 16, doubling); the rows drawn do not depend
        on it (the generator fills blocks row after row).
    """

    __slots__ = ("_i", "_largest", "_raw", "_rows", "_size", "rng", "transforms", "width")

    def __init__(
        self, rng: np.random.Generator, transforms: Sequence[Transform], largest: int = 256
    ) -> None:
        self.rng = rng
        self.transforms = list(transforms)
        self.width = len(self.transforms)
        self._rows: list[list[float]] = []
        self._raw: list[list[float]] = []
        self._i = 0
        self._size = 16
        self._largest = largest

    def next(self) -> list[float]:
        """The next row of transformed draws."""
        if self._i >= len(self._rows):
            self._refill()
        row = self._rows[self._i]
        self._i += 1
        return row

    def last_uniforms(self) -> list[float]:
        """The uniforms behind the row returned by the last :meth:`next`."""
        return self._raw[self._i - 1]

    def block(self) -> tuple[np.ndarray, np.ndarray]:
        """The next block of rows as arrays ``(uniforms, transformed)``, one row per event.

        Consecutive blocks hold the same rows :meth:`next` would return one by one; use
        one interface or the other on a stream, not both.
        """
        return self._draw()

    def _draw(self) -> tuple[np.ndarray, np.ndarray]:
        u = self.rng.random((self._size, self.width))
        out = u.copy()
        for j, f in enumerate(self.transforms):
            if f is _zero:
                out[:, j] = 0.0
            elif f is not None:
                out[:, j] = f(u[:, j])
        self._size = min(self._size * 2, self._largest)
        return u, out

    def _refill(self) -> None:
        u, out = self._draw()
        self._rows = out.tolist()
        self._raw = u.tolist()
        self._i = 0
