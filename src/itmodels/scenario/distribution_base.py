"""The shared interface of duration distributions (see :mod:`itmodels.scenario.distributions`)."""

from __future__ import annotations

import math
import warnings
from abc import abstractmethod
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from scipy import integrate

from itmodels.scenario.units import format_duration

__all__ = [
    "ArrayLike",
    "BaseDistribution",
    "NonNegativeReal",
    "PositiveReal",
    "Size",
    "residual_problem",
]

ArrayLike = float | np.ndarray
Size = int | tuple[int, ...] | None


def _reject_bool(value: object) -> object:
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"expected a number, got {value!r}")
    return value


PositiveReal = Annotated[float, BeforeValidator(_reject_bool), Field(gt=0, allow_inf_nan=False)]
NonNegativeReal = Annotated[float, BeforeValidator(_reject_bool), Field(ge=0, allow_inf_nan=False)]


class BaseDistribution(BaseModel):
    """Shared interface of all duration distributions.

    Subclasses implement the array methods ``_ppf`` and ``_cdf`` (optionally
    ``_sf``, ``_isf``, ``_residual``) and the exact moments ``mean`` and
    ``variance``. Public methods accept a float (returning a float) or an array.

    Examples
    --------
    >>> from itmodels.scenario.distributions import Constant, Weibull
    >>> d = Weibull(shape=2.0, scale=100.0)
    >>> d.ppf(0.0), d.cdf(0.0), d.sf(0.0)
    (0.0, 0.0, 1.0)
    >>> Constant(value=5.0).residual_ppf(0.3, age=2.0)
    3.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    dist: str

    @model_validator(mode="after")
    def _finite_moments(self) -> BaseDistribution:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                moments = (float(self.mean), float(self.variance))  # type: ignore[attr-defined]
        except (OverflowError, ValueError, ZeroDivisionError):
            moments = (math.inf, math.inf)
        if not all(math.isfinite(m) for m in moments):
            raise ValueError(
                "its mean or spread is too large to compute; use a smaller scale or spread"
            )
        return self

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


def residual_problem(dist: BaseDistribution, age: float) -> str | None:
    """Why the residual life of ``dist`` at ``age`` cannot be drawn (``None``: it can).

    Examples
    --------
    >>> from itmodels.scenario.distributions import Weibull
    >>> residual_problem(Weibull(shape=2, scale=1000), 100.0) is None
    True
    """
    u = np.array([0.0, 0.5, 0.999999])
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            drawn = np.asarray(dist.residual_ppf(u, age), dtype=float)
    except (OverflowError, FloatingPointError, ValueError, ZeroDivisionError) as exc:
        return f"the remaining life at this age cannot be computed ({exc}); use a smaller age"
    if not np.all(np.isfinite(drawn)):
        return "the remaining life at this age is not a finite number; use a smaller age"
    return None
