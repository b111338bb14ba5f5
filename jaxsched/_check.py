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

The rules every check enforces, in this order:

* type: a real number (``bool``, ``None``, strings, complex numbers and objects are
  rejected);
* shape: a scalar hyperparameter is one number. A concrete list or array (even of
  one element) is rejected with a pointer to :func:`jaxsched.stack`, the one way
  to batch schedules; so no call can fail later with a JAX shape error. Traced
  values pass whatever their shape (inside ``jax.vmap`` a stacked leaf is seen
  per element);
* finite, and representable in the float dtype in use (``float32``, or
  ``float64`` with ``jax_enable_x64``): ``1e39`` would become ``inf`` in float32;
* whole numbers for step counts, then the bounds of the argument.

Every message names the function, the argument, the value and a fix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar, cast

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _shapes

_INT32_MAX = _shapes.INT32_MAX
T = TypeVar("T")  # an option of choice(), returned as given

_SHOWN_MAX = 80  # characters of a value shown in a message

STACK_FIX = ("A schedule takes one number per hyperparameter; for a sweep build "
             "one schedule per value and batch them with jaxsched.stack([...]) "
             "under jax.vmap.")


float_dtype = _shapes.float_dtype  # the float dtype schedules compute in

def is_traced(x: Any) -> bool:
  """True if ``x`` (or any element of a sequence ``x``) is a JAX tracer."""
  if isinstance(x, jax.core.Tracer):
    return True
  if isinstance(x, (list, tuple)):
    return any(is_traced(v) for v in x)
  return False


def shown(value: Any, limit: int = _SHOWN_MAX) -> str:
  """``repr`` of a value for a message, arrays as lists, clipped to ``limit``."""
  if isinstance(value, jax.core.Tracer):
    text = f"<traced {value.aval.str_short()}>"
  else:
    if isinstance(value, (np.ndarray, jax.Array)):
      value = np.asarray(value)
      value = value.tolist() if value.size <= 64 else (
          f"<array of shape {value.shape}>")
    try:
      text = value if isinstance(value, str) and value.startswith("<") else repr(
          value)
    except Exception:  # pylint: disable=broad-except
      text = f"<{type(value).__name__}>"
  return text if len(text) <= limit else text[:limit - 3] + "..."


def fail(fn: str, name: str, cond: str, value: Any, fix: str = "") -> ValueError:
  """The error every check raises: ``fn: `name` must be cond, got name=value. fix``."""
  msg = f"{fn}: `{name}` must be {cond}, got {name}={shown(value)}."
  fix = fix or _default_fix(cond)
  return ValueError(msg + " " + fix)


def _default_fix(cond: str) -> str:
  """A fix for a check called without one: say what to write instead."""
  if cond.startswith("finite"):
    return "Pass a finite number (not NaN or infinity)."
  if cond.startswith("a whole"):
    return "Pass a whole number of steps."
  if cond.startswith("a number"):
    return "Pass an int or a float."
  if cond.startswith(("a sequence", "one-dim", "a one-dim")):
    return "Pass a list of ints or floats."
  return f"Pass a value that is {cond}."


def _is_real_dtype(dtype: np.dtype) -> bool:
  return dtype.kind in "iuf"  # signed, unsigned, float (bool is "b")


def _float_max() -> float:
  return _FLOAT_MAX[float_dtype()]


_FLOAT_MAX = {np.dtype(t): float(np.finfo(t).max) for t in (np.float32, np.float64)}


def _has_bool(x: Any) -> bool:
  if isinstance(x, (bool, np.bool_)):
    return True
  if isinstance(x, (list, tuple)):
    return any(_has_bool(v) for v in x)
  return False


def _big_ints_as_floats(x: Any) -> Any:
  """Python ints beyond int64 (``10**39``) as floats, so NumPy reads them as
  numbers; an int beyond every float (``10**400``) as a float64 max + 1 ulp
  stand-in (1.8e308), which the overflow check then rejects."""
  if isinstance(x, int) and not isinstance(x, bool) and abs(x) >= 2**63:
    try:
      return float(x)
    except OverflowError:
      big = float(np.finfo(np.float64).max)
      return big if x > 0 else -big
  if isinstance(x, (list, tuple)):
    return [_big_ints_as_floats(v) for v in x]
  return x


def _concrete_array(fn: str, name: str, x: Any, fix: str,
                    what: str = "a number (int or float)") -> np.ndarray:
  if isinstance(x, (str, bytes, dict, bool, np.bool_)) or x is None or (
      isinstance(x, (list, tuple)) and _has_bool(x)):
    raise fail(fn, name, what, x, fix)
  try:
    arr = np.asarray(_big_ints_as_floats(x))
  except Exception:  # pylint: disable=broad-except  # ragged lists, odd objects
    raise fail(fn, name, what, x, fix) from None
  if not _is_real_dtype(arr.dtype):
    raise fail(fn, name, what, x, fix)
  return arr


def _check_fits(fn: str, name: str, vals: np.ndarray, x: Any, fix: str,
                force: bool = False) -> None:
  """Finite values that do not fit the float dtype in use (1e39 in float32)."""
  dt = float_dtype()
  big = _float_max()
  if force or (vals.size and np.max(np.abs(vals)) > big):
    hint = ("enable float64 with jax.config.update('jax_enable_x64', True)"
            if dt == np.float32 else "rescale it")
    raise ValueError(
        f"{fn}: `{name}` must fit in {dt.name} (magnitude <= {big:.4g}), got "
        f"{name}={shown(x)}, which {dt.name} rounds to infinity. Pass a smaller "
        f"value, or {hint}.")


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
    A Python ``int``/``float`` for a concrete scalar, ``x`` itself for a tracer.

  Raises:
    ValueError: for a concrete value that is not a real number, not a scalar
      (lists and arrays: batch schedules with ``jaxsched.stack``), not finite,
      too large for the float dtype in use, not whole (``integer``) or out of
      bounds.
  """
  if isinstance(x, jax.core.Tracer):
    return x
  if isinstance(x, (list, tuple)) or (isinstance(x, (np.ndarray, jax.Array))
                                      and x.ndim):
    raise fail(fn, name, "a single number", x, STACK_FIX)
  if isinstance(x, int) and not isinstance(x, bool) and abs(x) > _float_max():
    _check_fits(fn, name, np.zeros(()), x, fix, force=True)  # 10**400: exact test
  arr = _concrete_array(fn, name, x, fix)
  v = float(arr)  # a scalar from here on: plain float arithmetic (fast)
  if not math.isfinite(v):
    raise fail(fn, name, "finite", x, fix)
  if abs(v) > _float_max():
    _check_fits(fn, name, np.asarray(v), x, fix)
  if integer and not v.is_integer():
    raise fail(fn, name, "a whole number of steps", x, fix)
  if lo is not None and (v <= lo if lo_open else v < lo):
    raise fail(fn, name, (">" if lo_open else ">=") + f" {_fmt(lo)}", x, fix)
  if hi is not None and (v >= hi if hi_open else v > hi):
    raise fail(fn, name, ("<" if hi_open else "<=") + f" {_fmt(hi)}", x, fix)
  return _canonical_scalar(arr, integer or steps)


STEPS_FIX = "Pass a whole number of steps."


def steps(fn: str, name: str, x: Any, *, lo: float | None = 0,
          positive: bool = False, fix: str = STEPS_FIX) -> Any:
  """Checks a step count: a whole number ``>= lo`` (``> lo`` when ``positive``).

  ``lo=None`` leaves it unbounded below (optax accepts a negative
  ``transition_begin``). Returns the canonical ``int`` (or the tracer).
  """
  return number(fn, name, x, lo=lo, lo_open=positive, integer=True, fix=fix)


def in_range(fn: str, name: str, x: Any, lo: float, hi: float, fix: str = "",
             *, lo_open: bool = True, hi_open: bool = True) -> Any:
  """Checks that ``x`` lies in the interval ``(lo, hi)`` (ends open by default)."""
  if isinstance(x, jax.core.Tracer):
    return x
  number(fn, name, x, fix=fix)  # type, shape, finiteness: their own messages
  try:
    return number(fn, name, x, lo=lo, lo_open=lo_open, hi=hi, hi_open=hi_open,
                  fix=fix)
  except ValueError:
    pass
  left = "(" if lo_open else "["
  right = ")" if hi_open else "]"
  raise fail(fn, name, f"in {left}{_fmt(lo)}, {_fmt(hi)}{right}", x, fix)


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
    raise fail(fn, name, "a sequence of numbers", x, fix)
  arr: jax.Array | np.ndarray  # a JAX array when traced, else NumPy
  if is_traced(x) or (isinstance(x, jax.Array) and not _is_concrete_jax(x)):
    try:
      arr = jnp.asarray(x) if not isinstance(x, (list, tuple)) else stack(
          x) if len(x) else jnp.zeros((0,))
    except (TypeError, ValueError):  # a str or None beside a tracer
      raise fail(fn, name, "a sequence of numbers", x, fix) from None
    if arr.ndim != 1:
      raise fail(fn, name, "one-dimensional", f"<array of shape {arr.shape}>", fix)
    if arr.shape[0] < min_len:
      raise fail(fn, name, f"of length >= {min_len}", f"<length {arr.shape[0]}>",
                  fix)
    return arr
  arr = _concrete_array(fn, name, list(x) if isinstance(x, tuple) else x, fix,
                        what="a sequence of numbers")
  if arr.ndim != 1:
    raise fail(fn, name, "a one-dimensional sequence", x, fix)
  if arr.shape[0] < min_len:
    raise fail(fn, name, f"a sequence of length >= {min_len}", x, fix)
  vals = arr.astype(np.float64)
  if not np.all(np.isfinite(vals)):
    raise fail(fn, name, "finite", x, fix)
  _check_fits(fn, name, vals, x, fix)
  if integer and not np.all(vals == np.floor(vals)):
    raise fail(fn, name, "whole numbers of steps", x, fix)
  if lo is not None and np.any(vals < lo):
    raise fail(fn, name, f">= {_fmt(lo)} everywhere", x, fix)
  if sorted_ and np.any(np.diff(vals) < 0):
    raise fail(fn, name, "sorted in non-decreasing order", x, fix)
  return _int_or_float_array(arr, integer, floats)


def _is_concrete_jax(x: Any) -> bool:
  return isinstance(x, jax.Array) and not isinstance(x, jax.core.Tracer)


def choice(fn: str, name: str, x: Any, options: Sequence[T],
           fix: str = "") -> T:
  """Checks that a string option is one of ``options`` (the fix: pass one)."""
  if not isinstance(x, str) or x not in options:
    opts = ", ".join(repr(o) for o in options)
    raise ValueError(f"{fn}: `{name}` must be one of {opts}, got {name}={x!r}. "
                     f"{fix or f'Pass one of {opts}.'}")
  return cast(T, x)  # one of the options


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
    rel = f"len(`{name_a}`)" + (f" + {offset}" if offset > 0 else
                                f" - {-offset}" if offset < 0 else "")
    raise ValueError(
        f"{fn}: `{name_b}` must have {rel} = {la + offset} entries, got "
        f"len({name_b})={lb} with len({name_a})={la}. "
        f"{fix or 'Make the two lengths agree.'}")


def _length(x: Any) -> int | None:
  shape = getattr(x, "shape", None)
  if shape is not None:
    return int(shape[0]) if len(shape) else None
  try:
    return len(x)
  except TypeError:
    return None


def not_below(fn: str, name: str, x: Any, bound_expr: str, bound: Any,
              fix: str) -> None:
  """Checks ``x >= bound`` when both are concrete scalars.

  ``bound_expr`` names the arguments the bound is made of, in backticks, e.g.
  ``"`warmup_steps` + `decay_steps`"``: a wrong value in any of them is named.
  """
  if isinstance(x, jax.core.Tracer) or isinstance(bound, jax.core.Tracer):
    return
  if np.ndim(x) or np.ndim(bound):
    return
  if float(x) < float(bound):
    raise ValueError(f"{fn}: `{name}` must be >= {bound_expr} = {_fmt(bound)}, "
                     f"got {name}={shown(x)}. {fix}")


def items(fn: str, name: str, x: Any, what: str, example: str) -> list:
  """A list/tuple (or other iterable) argument of a combinator, as a list.

  Strings, dicts, arrays, a single schedule and non-iterables are rejected: they
  are the usual slips for "a list of schedules".
  """
  single = callable(x) and not isinstance(x, (list, tuple))
  bad = (isinstance(x, (str, bytes, dict, np.ndarray, jax.Array)) or x is None
         or single or not hasattr(x, "__iter__"))
  if bad:
    hint = (f" Wrap a single schedule in a list: {name}=[s]." if single else "")
    raise ValueError(f"{fn}: `{name}` must be a list of {what}, got "
                     f"{name}={shown(x)}. Pass e.g. {example}.{hint}")
  return list(x)
