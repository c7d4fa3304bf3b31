"""Probability distributions of durations (in hours), as frozen pydantic models.

Sampling is by inverse transform, ``ppf(rng.random(size))``, so common random
numbers work across scenarios; residual-life sampling serves aged items. Use the
annotated type :data:`Distribution` for pydantic fields, or :func:`parse_distribution`.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)
from scipy import integrate, special

from itmodels.units import Duration, PositiveDuration, _is_real_number, format_duration

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
]

ArrayLike = float | np.ndarray
Size = int | tuple[int, ...] | None


def _reject_bool(value: object) -> object:
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"expected a number, got {value!r}")
    return value


_PositiveReal = Annotated[float, BeforeValidator(_reject_bool), Field(gt=0, allow_inf_nan=False)]
_NonNegativeReal = Annotated[float, BeforeValidator(_reject_bool), Field(ge=0, allow_inf_nan=False)]


class BaseDistribution(BaseModel):
    """Shared interface of all duration distributions.

    Subclasses implement the array methods ``_ppf`` and ``_cdf`` (optionally
    ``_sf``, ``_isf``, ``_residual``) and the exact moments ``mean`` and
    ``variance``. Public methods accept a float (returning a float) or an array.

    Examples
    --------
    >>> d = Weibull(shape=2.0, scale=100.0)
    >>> d.ppf(0.0), d.cdf(0.0), d.sf(0.0)
    (0.0, 0.0, 1.0)
    >>> Constant(value=5.0).residual_ppf(0.3, age=2.0)
    3.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: str

    @abstractmethod
    def _ppf(self, u: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _cdf(self, x: np.ndarray) -> np.ndarray: ...

    @property
    @abstractmethod
    def variance(self) -> float:
        """Exact variance in hours squared (``mean`` is the exact mean in hours)."""

    def _sf(self, x: np.ndarray) -> np.ndarray:
        return 1.0 - self._cdf(x)

    def _isf(self, q: np.ndarray) -> np.ndarray:
        return self._ppf(1.0 - q)

    def _tail_residual(self, u: np.ndarray, age: float) -> np.ndarray:
        """Residual life when ``sf(age)`` is zero (default: no life left)."""
        return np.zeros_like(u)

    def _residual(self, u: np.ndarray, age: float) -> np.ndarray:
        s = float(self._sf(np.asarray(age)))
        if s <= 0.0:
            return self._tail_residual(u, age)
        # isf(sf(age) * (1 - u)) avoids the cancellation in ppf(cdf(age) + u * sf(age)).
        return np.maximum(self._isf(s * (1.0 - u)) - age, 0.0)

    @staticmethod
    def _apply(fn: Any, x: ArrayLike, *args: float) -> ArrayLike:
        arr = np.asarray(x, dtype=float)
        out = fn(arr, *args)
        return float(out) if arr.ndim == 0 else np.asarray(out, dtype=float)

    def ppf(self, u: ArrayLike) -> ArrayLike:
        """Inverse CDF (quantile function), vectorised over ``u`` in ``[0, 1)``."""
        return self._apply(self._ppf, u)

    def cdf(self, x: ArrayLike) -> ArrayLike:
        """Cumulative distribution function ``P(T <= x)``, vectorised."""
        return self._apply(self._cdf, x)

    def sf(self, x: ArrayLike) -> ArrayLike:
        """Survival function ``P(T > x)``, vectorised."""
        return self._apply(self._sf, x)

    def sample(self, rng: np.random.Generator, size: Size = None) -> ArrayLike:
        """Draw samples by inverse transform, ``ppf(rng.random(size))``."""
        return self.ppf(rng.random(size))

    def residual_ppf(self, u: ArrayLike, age: float) -> ArrayLike:
        """Inverse CDF of the residual life ``T - age`` given ``T > age``."""
        age = float(age)
        if not age >= 0.0:
            raise ValueError(f"age must be a non-negative number of hours, got {age!r}")
        return self._apply(self._residual, u, age)

    def sample_residual(self, rng: np.random.Generator, age: float, size: Size = None) -> ArrayLike:
        """Sample the residual life at ``age``: ``residual_ppf(rng.random(size), age)``."""
        return self.residual_ppf(rng.random(size), age)

    def mean_residual(self, age: float) -> float:
        """Mean residual life ``E[T - age | T > age]`` (0 if ``P(T > age) = 0``)."""
        age = float(age)
        s = float(self.sf(age))
        if s <= 0.0:
            return 0.0
        scale = max(self.mean, 1e-12)  # type: ignore[attr-defined]

        def conditional_sf(y: float) -> float:
            return float(self.sf(age + scale * y)) / s

        value, _ = integrate.quad(conditional_sf, 0.0, math.inf, limit=200)
        return scale * value

    def __repr__(self) -> str:
        parts = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name in ("shape", "sigma"):
                parts.append(f"{name}={value:g}")
            elif isinstance(value, tuple):
                shown = [format_duration(v) for v in value[:6]]
                shown += [f"... ({len(value)} values)"] if len(value) > 6 else []
                parts.append(f"{name}=[{', '.join(shown)}]")
            elif name != "dist":
                parts.append(f"{name}={format_duration(value)}")
        return f"{type(self).__name__}({', '.join(parts)})"

    __str__ = __repr__


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
    shape: _PositiveReal
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
    sigma: _NonNegativeReal

    def _z(self, x: np.ndarray) -> np.ndarray:
        d = np.log(np.where(x > 0, x, 1.0)) - math.log(self.median)
        d = np.where(x > 0, d, -np.inf)
        return d / self.sigma if self.sigma > 0 else np.where(d >= 0, np.inf, -np.inf)

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
    shape: _PositiveReal
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
    if isinstance(value, str) or _is_real_number(value):
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
