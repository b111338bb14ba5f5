"""Argument mapping shared by the compatibility layers.

Compat constructors only translate arguments into core ones; the arithmetic they
need on the way (``lr * factor``, ``2 * T_max``, ``init * cumprod(scales)``) runs
in Python float64 when the inputs are concrete, and in JAX when any is traced,
so every numeric argument stays traceable. No formula of a schedule lives here.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxsched import _check, _shapes
from jaxsched._combinators import join
from jaxsched._decay import constant


def traced(*xs: Any) -> bool:
  """Whether any of ``xs`` is a tracer (or holds one)."""
  return any(_check.is_traced(x) for x in xs)


def as_float(x: Any) -> Any:
  """A value argument as a float: a Python float when concrete and scalar."""
  if _check.is_traced(x):
    return _shapes.to_float(x)
  arr = np.asarray(x, dtype=np.float64)
  return float(arr) if arr.ndim == 0 else arr


def value(fn: str, name: str, x: Any, **bounds: Any) -> Any:
  """A checked numeric argument (``_check.number``) as a float."""
  return as_float(_check.number(fn, name, x, **bounds))


def learning_rate(fn: str, x: Any, name: str = "lr") -> Any:
  """The optimizer's learning rate argument: a number >= 0, as a float."""
  return value(fn, name, x, lo=0,
               fix="Pass the optimizer's learning rate (>= 0).")


def add(a: Any, b: Any) -> Any:
  """``a + b``: Python arithmetic when concrete, JAX when either is traced."""
  return a + b if not traced(a, b) else jnp.asarray(a) + jnp.asarray(b)


def sub(a: Any, b: Any) -> Any:
  """``a - b``: Python arithmetic when concrete, JAX when either is traced."""
  return a - b if not traced(a, b) else jnp.asarray(a) - jnp.asarray(b)


def mul(a: Any, b: Any) -> Any:
  """``a * b`` (float64 when both are concrete)."""
  return as_float(a) * as_float(b)


def div(a: Any, b: Any) -> Any:
  """``a / b`` (float64 when both are concrete)."""
  return as_float(a) / as_float(b)


def where(cond: Any, a: Any, b: Any) -> Any:
  """``a if cond else b``: Python when ``cond`` is concrete, ``jnp.where`` if traced."""
  if not traced(cond):
    return a if bool(np.asarray(cond)) else b
  if not traced(a, b) and isinstance(a, int) and isinstance(b, int):
    return jnp.where(cond, a, b)
  return jnp.where(cond, as_float(a), as_float(b))


def steps_max(x: Any, lo: int) -> Any:
  """``max(x, lo)`` for a step count, keeping Python ints concrete."""
  if not traced(x):
    return max(x, lo)
  return jnp.maximum(x, jnp.asarray(lo, dtype=jnp.asarray(x).dtype))


def advanced(s: Any) -> Any:
  """``s(k + 1)``: a join whose second piece starts at step -1 (schedulers that
  step once at construction)."""
  return join([constant(0.0), s], [-1])


def last_epoch(fn: str, value: Any) -> None:
  """PyTorch's ``last_epoch``: only the default ``-1`` (a fresh scheduler)."""
  if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
      value != -1:
    raise ValueError(
        f"{fn}: `last_epoch` must be -1, got last_epoch={value!r}. To resume at "
        "epoch e, evaluate the schedule at s(step + e) instead.")
