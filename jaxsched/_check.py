"""Validation of concrete hyperparameters; traced values pass through unchecked.

Every check raises ``ValueError`` with the function, the argument, the value and a
fix, in the shape::

    cosine_restarts: `period` must be > 0, got period=0. Pass the length of the
    first cycle in steps.

Concrete values (Python and NumPy numbers, NumPy arrays, concrete JAX arrays) are
checked and canonicalised: scalars become Python ``int`` (counts) or ``float`` so
that a schedule passed to a jitted function keeps the same abstract signature
whatever its numbers; sequences become NumPy arrays. Tracers are returned as they
are: each family's docstring says what an out-of-range traced value does.
"""

from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

_INT32_MAX = 2**31 - 1


def is_traced(x: Any) -> bool:
  """True if ``x`` (or any element of a sequence ``x``) is a JAX tracer."""
  if isinstance(x, jax.core.Tracer):
    return True
  if isinstance(x, (list, tuple)):
    return any(is_traced(v) for v in x)
  return False


def _fail(fn: str, name: str, cond: str, value: Any, fix: str) -> ValueError:
  shown = value
  if isinstance(value, np.ndarray):
    shown = value.tolist()
  msg = f"{fn}: `{name}` must be {cond}, got {name}={shown!r}."
  if fix:
    msg += " " + fix
  return ValueError(msg)


def _concrete_array(fn: str, name: str, x: Any, fix: str) -> np.ndarray:
  try:
    arr = np.asarray(x)
  except Exception as e:  # pragma: no cover - exotic inputs
    raise _fail(fn, name, "a number or an array of numbers", x, fix) from e
  if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                               or np.issubdtype(arr.dtype, np.floating)):
    raise _fail(fn, name, "a number (int or float)", x, fix)
  return arr


def _canonical_scalar(arr: np.ndarray, integer: bool) -> int | float:
  """A step count becomes an ``int`` (a ``float`` beyond int32), anything else a
  ``float``: ``peak_value=1`` and ``peak_value=0.5`` give the same pytree
  signature, so ``stack`` accepts both and ``jax.jit`` does not retrace."""
  v = arr.item()
  if integer and float(v).is_integer() and abs(v) <= _INT32_MAX:
    return int(v)
  return float(v)


def number(fn: str, name: str, x: Any, *, lo: float | None = None,
           lo_open: bool = False, hi: float | None = None, hi_open: bool = False,
           integer: bool = False, steps: bool = False, fix: str = "") -> Any:
  """Checks a numeric hyperparameter and returns its canonical form.

  Args:
    fn: the public function's name, for the message.
    name: the argument's name.
    x: the value: a Python/NumPy number or array, a JAX array or a tracer.
    lo, lo_open: lower bound, exclusive when ``lo_open``.
    hi, hi_open: upper bound, exclusive when ``hi_open``.
    integer: the value counts steps, so it must be integer-valued.
    steps: the value counts steps but may be fractional: a whole number is kept
      as an ``int`` (so integer steps divide exactly), any other as a ``float``.
    fix: what to write instead.

  Returns:
    A Python ``int``/``float`` for a concrete scalar, a NumPy array for a concrete
    array, ``x`` itself for a tracer.
  """
  if is_traced(x):
    return x
  if isinstance(x, bool) or x is None:
    raise _fail(fn, name, "a number", x, fix)
  arr = _concrete_array(fn, name, x, fix)
  vals = arr.astype(np.float64)
  if not np.all(np.isfinite(vals)):
    raise _fail(fn, name, "finite", x, fix)
  if integer and not np.all(vals == np.floor(vals)):
    raise _fail(fn, name, "a whole number of steps", x, fix)
  if lo is not None:
    bad = vals <= lo if lo_open else vals < lo
    if np.any(bad):
      raise _fail(fn, name, (">" if lo_open else ">=") + f" {_fmt(lo)}", x, fix)
  if hi is not None:
    bad = vals >= hi if hi_open else vals > hi
    if np.any(bad):
      raise _fail(fn, name, ("<" if hi_open else "<=") + f" {_fmt(hi)}", x, fix)
  if arr.ndim == 0:
    return _canonical_scalar(arr, integer or steps)
  if isinstance(x, jax.Array):
    return x
  return _int_or_float_array(arr, integer)


def in_range(fn: str, name: str, x: Any, lo: float, hi: float, fix: str = "",
             *, lo_open: bool = True, hi_open: bool = True) -> Any:
  """Checks that ``x`` lies in the interval ``(lo, hi)`` (ends open by default)."""
  if is_traced(x):
    return x
  try:
    return number(fn, name, x, lo=lo, lo_open=lo_open, hi=hi, hi_open=hi_open,
                  fix=fix)
  except ValueError:
    pass
  left = "(" if lo_open else "["
  right = ")" if hi_open else "]"
  raise _fail(fn, name, f"in {left}{_fmt(lo)}, {_fmt(hi)}{right}", _shown(x), fix)


def _shown(x: Any) -> Any:
  if isinstance(x, (np.ndarray, jax.Array)):
    return np.asarray(x).tolist()
  return x


def _fmt(v: float) -> str:
  if float(v).is_integer():
    return str(int(v))
  return repr(v)


def _int_or_float_array(arr: np.ndarray, integer: bool,
                        floats: bool = False) -> np.ndarray:
  vals = arr.astype(np.float64)
  if floats:
    return vals
  if (integer or np.issubdtype(arr.dtype, np.integer)) and np.all(
      vals == np.floor(vals)) and (vals.size == 0 or
                                   np.max(np.abs(vals)) <= _INT32_MAX):
    return arr.astype(np.int32)
  return vals


def stack(xs: Sequence[Any]) -> jax.Array:
  """Stacks numbers and (traced) arrays, promoting to one dtype explicitly.

  Safe under strict dtype promotion: a Python int beside a traced float becomes
  a float, as standard promotion would make it.
  """
  arrs = [jnp.asarray(x) for x in xs]
  with jax.numpy_dtype_promotion("standard"):  # the promotion rule, applied
    dt = jnp.result_type(*arrs)                # explicitly below
  return jnp.stack([a.astype(dt) for a in arrs])


def sequence(fn: str, name: str, x: Any, *, min_len: int = 0,
             sorted_: bool = False, integer: bool = False, lo: float | None = None,
             floats: bool = False, fix: str = "") -> Any:
  """Checks a 1-D sequence hyperparameter (boundaries, milestones, values).

  Concrete sequences become NumPy arrays (int32 when integer-valued and in range,
  else float); a sequence holding a tracer, or a traced array, becomes a JAX array.
  ``sorted_`` requires non-decreasing order. ``floats`` marks values (rates):
  they are always float arrays, whatever the input dtype.
  """
  if isinstance(x, (str, bytes)) or x is None or isinstance(x, dict):
    raise _fail(fn, name, "a sequence of numbers", x, fix)
  if is_traced(x) or (isinstance(x, jax.Array) and not _is_concrete_jax(x)):
    arr = jnp.asarray(x) if not isinstance(x, (list, tuple)) else stack(
        x) if len(x) else jnp.zeros((0,))
    if arr.ndim != 1:
      raise _fail(fn, name, "one-dimensional", f"<array of shape {arr.shape}>", fix)
    if arr.shape[0] < min_len:
      raise _fail(fn, name, f"of length >= {min_len}", f"<length {arr.shape[0]}>",
                  fix)
    return arr
  arr = _concrete_array(fn, name, list(x) if isinstance(x, tuple) else x, fix)
  if arr.ndim != 1:
    raise _fail(fn, name, "a one-dimensional sequence", _shown(x), fix)
  if arr.shape[0] < min_len:
    raise _fail(fn, name, f"a sequence of length >= {min_len}", _shown(x), fix)
  vals = arr.astype(np.float64)
  if not np.all(np.isfinite(vals)):
    raise _fail(fn, name, "finite", _shown(x), fix)
  if integer and not np.all(vals == np.floor(vals)):
    raise _fail(fn, name, "whole numbers of steps", _shown(x), fix)
  if lo is not None and np.any(vals < lo):
    raise _fail(fn, name, f">= {_fmt(lo)} everywhere", _shown(x), fix)
  if sorted_ and np.any(np.diff(vals) < 0):
    raise _fail(fn, name, "sorted in non-decreasing order", _shown(x), fix)
  return _int_or_float_array(arr, integer, floats)


def _is_concrete_jax(x: Any) -> bool:
  return isinstance(x, jax.Array) and not isinstance(x, jax.core.Tracer)


def choice(fn: str, name: str, x: Any, options: Sequence[str]) -> str:
  """Checks that a string option is one of ``options``."""
  if not isinstance(x, str) or x not in options:
    opts = ", ".join(repr(o) for o in options)
    raise ValueError(f"{fn}: `{name}` must be one of {opts}, got {name}={x!r}. "
                     f"Pass one of {opts}.")
  return x


def flag(fn: str, name: str, x: Any) -> bool:
  """Checks a structural boolean flag (a static field, so never traced)."""
  if not isinstance(x, (bool, np.bool_)):
    raise ValueError(f"{fn}: `{name}` must be True or False, got {name}={x!r}. "
                     f"Pass a Python bool; it selects the structure of the schedule.")
  return bool(x)


def same_length(fn: str, name_a: str, a: Any, name_b: str, b: Any, offset: int,
                fix: str = "") -> None:
  """Checks ``len(b) == len(a) + offset`` when both lengths are known."""
  la, lb = _length(a), _length(b)
  if la is None or lb is None:
    return
  if lb != la + offset:
    rel = f"len({name_a})" + (f" + {offset}" if offset > 0 else
                              f" - {-offset}" if offset < 0 else "")
    raise ValueError(
        f"{fn}: `{name_b}` must have {rel} = {la + offset} entries, got "
        f"len({name_b})={lb} (len({name_a})={la}). {fix}".rstrip())


def _length(x: Any) -> int | None:
  shape = getattr(x, "shape", None)
  if shape is not None:
    return int(shape[0]) if len(shape) else None
  try:
    return len(x)
  except TypeError:
    return None
