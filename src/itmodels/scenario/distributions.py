"""Probability distributions of durations (in hours), as frozen pydantic models.

Sampling is by inverse transform, ``ppf(rng.random(size))``, so common random
numbers work across scenarios; residual-life sampling serves aged items. Use the
annotated type :data:`Distribution` for pydantic fields, or :func:`parse_distribution`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    TypeAdapter,
    model_validator,
)
from scipy import special

from itmodels.scenario.distribution_base import (
    BaseDistribution,
    NonNegativeReal,
    PositiveReal,
    residual_problem,
)
from itmodels.scenario.units import Duration, PositiveDuration, is_real_number

__all__ = [
    "BaseDistribution",
    "Constant",
    "Distribution",
    "Empirical",
    "Exponential",
    "Gamma",
    "Lognormal",
    "Uniform",
    "Weibull",
    "parse_distribution",
    "residual_problem",
]


class Exponential(BaseDistribution):
    """Exponential distribution with the given mean (memoryless).

    Examples
    --------
    >>> Exponential(mean="100h")
    Exponential(mean=100h)
    """

    dist: Literal["exponential"] = "exponential"
    mean: PositiveDuration

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return -self.mean * np.log1p(-u)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return -np.expm1(-np.maximum(x, 0.0) / self.mean)

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return np.exp(-np.maximum(x, 0.0) / self.mean)

    def _residual(self, u: np.ndarray, age: float) -> np.ndarray:
        return self._ppf(u)

    def mean_residual(self, age: float) -> float:
        return self.mean

    @property
    def variance(self) -> float:
        return self.mean**2


class Weibull(BaseDistribution):
    """Weibull distribution, ``sf(t) = exp(-(t / scale) ** shape)``.

    Examples
    --------
    >>> Weibull(shape=1.8, scale="5y")
    Weibull(shape=1.8, scale=5y)
    """

    dist: Literal["weibull"] = "weibull"
    shape: Annotated[PositiveReal, Field(ge=0.05, le=50)]
    scale: PositiveDuration

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return self.scale * (-np.log1p(-u)) ** (1.0 / self.shape)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return -np.expm1(-((np.maximum(x, 0.0) / self.scale) ** self.shape))

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return np.exp(-((np.maximum(x, 0.0) / self.scale) ** self.shape))

    def _residual(self, u: np.ndarray, age: float) -> np.ndarray:
        h = (age / self.scale) ** self.shape - np.log1p(-u)
        return np.maximum(self.scale * h ** (1.0 / self.shape) - age, 0.0)

    def mean_residual(self, age: float) -> float:
        z = (float(age) / self.scale) ** self.shape
        if z > 100.0:  # exp(z) * Q(1/k, z) is ill-conditioned there; integrate instead
            return super().mean_residual(age)
        a = 1.0 / self.shape
        return self.scale * math.gamma(1.0 + a) * float(special.gammaincc(a, z)) * math.exp(z)

    @property
    def mean(self) -> float:
        return self.scale * math.gamma(1.0 + 1.0 / self.shape)

    @property
    def variance(self) -> float:
        g1 = math.gamma(1.0 + 1.0 / self.shape)
        return self.scale**2 * (math.gamma(1.0 + 2.0 / self.shape) - g1 * g1)


class Lognormal(BaseDistribution):
    """Lognormal distribution: ``log T ~ Normal(log(median), sigma ** 2)``.

    Examples
    --------
    >>> Lognormal(median="2h", sigma=0.8)
    Lognormal(median=2h, sigma=0.8)
    """

    dist: Literal["lognormal"] = "lognormal"
    median: PositiveDuration
    sigma: Annotated[NonNegativeReal, Field(le=10)]

    def _z(self, x: np.ndarray) -> np.ndarray:
        d = np.log(np.where(x > 0, x, 1.0)) - math.log(self.median)
        d = np.where(x > 0, d, -np.inf)
        if self.sigma <= 0:
            return np.where(d >= 0, np.inf, -np.inf)
        with np.errstate(over="ignore"):  # a tiny sigma: the z-score is rightly infinite
            return d / self.sigma

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        if self.sigma == 0:
            return np.full_like(u, self.median)
        return self.median * np.exp(self.sigma * special.ndtri(u))

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return special.ndtr(self._z(x))

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return special.ndtr(-self._z(x))

    def _residual(self, u: np.ndarray, age: float) -> np.ndarray:  # in log-sf space: no underflow
        if self.sigma == 0:
            return np.full_like(u, max(self.median - age, 0.0))
        log_q = float(special.log_ndtr(-self._z(np.asarray(age)))) + np.log1p(-u)
        x = self.median * np.exp(-self.sigma * special.ndtri_exp(log_q))
        return np.maximum(x - age, 0.0)

    def mean_residual(self, age: float) -> float:
        if self.sigma == 0:
            return max(self.median - float(age), 0.0)
        return super().mean_residual(age)

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2.0)

    @property
    def variance(self) -> float:
        s2 = self.sigma**2
        return self.median**2 * math.exp(s2) * math.expm1(s2)


class Gamma(BaseDistribution):
    """Gamma distribution with ``shape`` k and ``scale`` theta (mean k * theta).

    Examples
    --------
    >>> Gamma(shape=2, scale="3h").mean
    6.0
    """

    dist: Literal["gamma"] = "gamma"
    shape: Annotated[PositiveReal, Field(ge=0.001, le=1e6)]
    scale: PositiveDuration

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return self.scale * special.gammaincinv(self.shape, u)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return special.gammainc(self.shape, np.maximum(x, 0.0) / self.scale)

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return special.gammaincc(self.shape, np.maximum(x, 0.0) / self.scale)

    def _isf(self, q: np.ndarray) -> np.ndarray:
        return self.scale * special.gammainccinv(self.shape, q)

    def _tail_residual(self, u: np.ndarray, age: float) -> np.ndarray:
        return -self.scale * np.log1p(-u)  # the gamma tail tends to Exponential(scale)

    @property
    def mean(self) -> float:
        return self.shape * self.scale

    @property
    def variance(self) -> float:
        return self.shape * self.scale**2


class Constant(BaseDistribution):
    """A fixed duration.

    Examples
    --------
    >>> Constant(value="90min")
    Constant(value=1.5h)
    """

    dist: Literal["constant"] = "constant"
    value: Duration

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full_like(u, self.value)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return (x >= self.value).astype(float)

    def _residual(self, u: np.ndarray, age: float) -> np.ndarray:
        return np.full_like(u, max(self.value - age, 0.0))

    def mean_residual(self, age: float) -> float:
        return max(self.value - float(age), 0.0)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0


def _index(u: np.ndarray, n: int) -> np.ndarray:
    return np.clip(np.floor(u * n), 0, n - 1).astype(np.intp)


class Empirical(BaseDistribution):
    """Equally likely observed values (stored sorted).

    Examples
    --------
    >>> Empirical(values=["1h", "2h", "30min"])
    Empirical(values=[30min, 1h, 2h])
    """

    dist: Literal["empirical"] = "empirical"
    values: Annotated[
        tuple[Duration, ...], Field(min_length=1), AfterValidator(lambda v: tuple(sorted(v)))
    ]

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return np.asarray(self.values)[_index(u, len(self.values))]

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.values, x, side="right") / len(self.values)

    def _residual(self, u: np.ndarray, age: float) -> np.ndarray:
        v = np.asarray(self.values)
        w = v[v > age]
        return w[_index(u, w.size)] - age if w.size else np.zeros_like(u)

    def mean_residual(self, age: float) -> float:
        w = np.asarray(self.values) - float(age)
        return float(np.mean(w[w > 0])) if np.any(w > 0) else 0.0

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def variance(self) -> float:
        return float(np.var(self.values))


class Uniform(BaseDistribution):
    """Continuous uniform distribution on ``[low, high]``.

    Examples
    --------
    >>> Uniform(low="1h", high="3h").mean
    2.0
    """

    dist: Literal["uniform"] = "uniform"
    low: Duration
    high: Duration

    @model_validator(mode="after")
    def _check_order(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}h) must not exceed high ({self.high:g}h)")
        return self

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + u * (self.high - self.low)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        if self.high == self.low:
            return (x >= self.low).astype(float)
        return np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0)

    def _residual(self, u: np.ndarray, age: float) -> np.ndarray:
        return self._ppf(u) - age if age < self.low else u * max(self.high - age, 0.0)

    def mean_residual(self, age: float) -> float:
        age = float(age)
        return self.mean - age if age < self.low else max(self.high - age, 0.0) / 2.0

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2.0

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12.0


_DIST_NAMES = ("exponential", "weibull", "lognormal", "gamma", "constant", "empirical", "uniform")


def _shorthand(value: object) -> object:
    """Turn a bare number or duration string into ``{dist: constant, value: X}``."""
    if isinstance(value, str) or is_real_number(value):
        return {"dist": "constant", "value": value}
    if isinstance(value, Mapping) and "dist" not in value:
        raise ValueError(
            f"missing key 'dist': expected one of {', '.join(_DIST_NAMES)} "
            "(or a number / duration such as 2h for a constant)"
        )
    return value


Distribution = Annotated[
    Exponential | Weibull | Lognormal | Gamma | Constant | Empirical | Uniform,
    Field(discriminator="dist"),
    BeforeValidator(_shorthand),
]
"""Pydantic field type for any distribution; a number or duration string is a constant."""

_ADAPTER: TypeAdapter[BaseDistribution] = TypeAdapter(Distribution)


def parse_distribution(value: object) -> BaseDistribution:
    """Validate a mapping, shorthand or instance into a distribution.

    Parameters
    ----------
    value : object
        A mapping with a ``dist`` key, a number or duration string (meaning a
        constant), or an existing distribution instance.

    Returns
    -------
    BaseDistribution
        The validated distribution.

    Raises
    ------
    pydantic.ValidationError
        (a ``ValueError``) if the value is not a valid distribution.

    Examples
    --------
    >>> parse_distribution({"dist": "exponential", "mean": "100h"})
    Exponential(mean=100h)
    """
    return _ADAPTER.validate_python(value)
