"""Phase shapes and exact step arithmetic: the only place where formulas live.

Every family is a composition of these few functions. They are branch-free in the
numbers (``jnp.where``, ``jnp.clip``), safe under ``jax.grad`` (no NaN leaks from
an unselected branch), and keep integer steps integer where exactness matters:

* ``lerp(a, b, f)``: ``a + (b - a) f``
* ``cos_anneal(a, b, f, exponent)``: ``b + (a - b) ((1 + cos(pi f)) / 2)^exponent``
* ``poly_anneal(a, b, f, power)``: ``b + (a - b) (1 - f)^power``
* ``exp_anneal(a, b, f)``: ``a (b / a)^f`` (geometric)
* ``sqrt_anneal(a, b, f)``: ``b + (a - b)(1 - sqrt(f))``

``f`` is a fraction of a phase in ``[0, 1]``.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array


def float_dtype() -> Any:
  """float32, or float64 when x64 is enabled."""
  return jnp.zeros((), dtype=float).dtype


def f(x: Any) -> Array:
  """Converts to the default float dtype."""
  return jnp.asarray(x, dtype=float_dtype())


def as_step(step: Any) -> Array:
  """A step as a JAX array of integer or float dtype (bools become int32)."""
  k = jnp.asarray(step)
  if k.dtype == jnp.bool_:
    k = k.astype(jnp.int32)
  if not (jnp.issubdtype(k.dtype, jnp.integer) or
          jnp.issubdtype(k.dtype, jnp.floating)):
    raise TypeError(f"a schedule's step must be a number or an array of numbers, "
                    f"got dtype {k.dtype}.")
  return k


def is_int(x: Any) -> bool:
  """Whether ``x`` has an integer dtype (static: known at trace time)."""
  return jnp.issubdtype(jnp.asarray(x).dtype, jnp.integer)


def _both_int(a: Any, b: Any):
  a, b = jnp.asarray(a), jnp.asarray(b)
  if is_int(a) and is_int(b):
    dt = np.promote_types(a.dtype, b.dtype)  # strict-promotion safe
    return a.astype(dt), b.astype(dt), True
  return f(a), f(b), False


def sub(k: Any, b: Any) -> Array:
  """``k - b``, exact in integers when both are integers."""
  a, b, _ = _both_int(k, b)
  return a - b


def add(a: Any, b: Any) -> Array:
  """``a + b``, kept integer when both are integers."""
  x, y, _ = _both_int(a, b)
  return x + y


def ge(k: Any, b: Any) -> Array:
  """``k >= b``, exact in integers when both are integers."""
  a, b, _ = _both_int(k, b)
  return a >= b


def floor_div(k: Any, d: Any) -> Array:
  """``floor(k / d)`` as a float; exact integer division when both are integers.

  ``d`` is clamped to at least 1 (integers); a float ``d <= 0`` acts as 1.
  """
  return f(floor_div_raw(k, d))


def floor_div_raw(k: Any, d: Any) -> Array:
  """``floor(k / d)``, an integer array when both are integers, else a float."""
  a, d, ints = _both_int(k, d)
  if ints:
    return a // jnp.maximum(d, 1)
  return jnp.floor(a / _pos_or_one(d))


def mod(k: Any, d: Any) -> Array:
  """``k mod d`` (non-negative for ``d > 0``); exact in integers when both are."""
  a, d, ints = _both_int(k, d)
  if ints:
    return a % jnp.maximum(d, 1)
  d = _pos_or_one(d)
  return a - d * jnp.floor(a / d)


def _searchsorted(b: Array, a: Array, side: str) -> Array:
  """Binary search unrolled into ``ceil(log2(n + 1))`` fused passes.

  The barrier keeps XLA from constant-folding the first gather of closed-over
  boundaries into a step-sized constant (slow compiles, huge literals).
  """
  b = jax.lax.optimization_barrier(b)
  return jnp.searchsorted(b, a, side=side, method="scan_unrolled").astype(jnp.int32)


def searchsorted_right(boundaries: Any, k: Any) -> Array:
  """Number of boundaries ``<= k``: a vectorised lookup (compile cost O(1)).

  ``boundaries`` is 1-D and sorted; comparisons are exact in integers when both
  ``boundaries`` and ``k`` are integers.
  """
  b, a, _ = _both_int(boundaries, k)
  return _searchsorted(b, a, "right")


def searchsorted_left(boundaries: Any, k: Any) -> Array:
  """Number of boundaries ``< k``."""
  b, a, _ = _both_int(boundaries, k)
  return _searchsorted(b, a, "left")


def _tiny() -> Array:
  return f(jnp.finfo(float_dtype()).tiny)


def safe_div(a: Array, b: Array) -> Array:
  """``a / b``, with ``b <= 0`` replaced by 1 (finite values and gradients)."""
  return a / _pos_or_one(b)


def _pos_or_one(b: Array) -> Array:
  return jnp.where(b > 0, b, jnp.ones_like(b))


def progress(elapsed: Any, length: Any) -> Array:
  """``clip(elapsed / max(length, 1), 0, 1)``: the fraction of a phase done.

  Phase lengths count steps, so a length below 1 acts as 1 (a length of 0 gives
  an immediate jump at the phase start).
  """
  return jnp.clip(f(elapsed) / jnp.maximum(f(length), 1.0), 0.0, 1.0)


def progress_float(elapsed: Any, length: Any) -> Array:
  """``clip(elapsed / length, 0, 1)`` for lengths that may be fractional.

  A phase of length <= 0 is a jump: 0 before its start, 1 from its start on.
  """
  e, n = f(elapsed), f(length)
  return jnp.where(n > 0, jnp.clip(safe_div(e, n), 0.0, 1.0),
                   jnp.where(e >= 0, 1.0, 0.0))


def periods(elapsed: Any, length: Any, staircase: bool) -> Array:
  """``elapsed / length`` as a float, floored when ``staircase`` (static).

  ``length <= 0`` acts as 1; the floor is exact for integer inputs.
  """
  if staircase:
    return floor_div(elapsed, length)
  return safe_div(f(elapsed), f(length))


def safe_pow(x: Array, p: Array) -> Array:
  """``x ** p`` for ``x >= 0``, with ``0 ** 0 = 1`` and finite gradients at 0."""
  x, p = f(x), f(p)
  pos = x > 0
  xs = jnp.where(pos, x, 1.0)
  # lax.pow, not exp(p log x): XLA folds pow(x, 1.0) away and keeps one kernel
  return jnp.where(pos, jax.lax.pow(xs, p), jnp.where(p == 0, 1.0, 0.0))


def safe_sqrt(x: Array) -> Array:
  """``sqrt(max(x, 0))`` with a finite gradient at 0."""
  pos = x > 0
  return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


def lerp(a: Any, b: Any, frac: Array) -> Array:
  """Straight line from ``a`` (frac 0) to ``b`` (frac 1)."""
  a, b = f(a), f(b)
  return a + (b - a) * frac


def cos_anneal(a: Any, b: Any, frac: Array, exponent: Any = 1.0) -> Array:
  """Half cosine from ``a`` to ``b``: ``b + (a - b) ((1 + cos(pi f)) / 2)^e``."""
  a, b = f(a), f(b)
  c = 0.5 * (1.0 + jnp.cos(jnp.pi * frac))
  return b + (a - b) * safe_pow(jnp.maximum(c, 0.0), exponent)


def poly_anneal(a: Any, b: Any, frac: Array, power: Any = 1.0) -> Array:
  """Polynomial from ``a`` to ``b``: ``b + (a - b) (1 - f)^power``."""
  a, b = f(a), f(b)
  return b + (a - b) * safe_pow(jnp.maximum(1.0 - frac, 0.0), power)


def exp_anneal(a: Any, b: Any, frac: Array) -> Array:
  """Geometric from ``a`` to ``b``: ``a (b / a)^f`` (``a``, ``b`` > 0)."""
  a, b = f(a), f(b)
  tiny = _tiny()
  la = jnp.log(jnp.maximum(a, tiny))
  lb = jnp.log(jnp.maximum(b, tiny))
  return jnp.exp(la + (lb - la) * frac)


def sqrt_anneal(a: Any, b: Any, frac: Array) -> Array:
  """One-minus-square-root from ``a`` to ``b``: ``b + (a - b)(1 - sqrt(f))``."""
  a, b = f(a), f(b)
  return b + (a - b) * (1.0 - safe_sqrt(frac))


ANNEALS: dict[str, Callable[..., Array]] = {
    "linear": lerp,
    "cos": cos_anneal,
    "cosine": cos_anneal,
    "exponential": exp_anneal,
    "sqrt": sqrt_anneal,
}


def ramp(shape: str, a: Any, b: Any, frac: Array) -> Array:
  """A warmup ramp from ``a`` to ``b``: ``linear``, ``cosine``, ``exponential``, ``sqrt``.

  The cosine ramp rises as ``a + (b - a)(1 - cos(pi f)) / 2``; the sqrt ramp as
  ``a + (b - a)(1 - sqrt(1 - f))``.
  """
  if shape == "cosine":
    return cos_anneal(b, a, 1.0 - frac)
  if shape == "sqrt":
    return sqrt_anneal(b, a, 1.0 - frac)
  return ANNEALS[shape](a, b, frac)


def warmup_then(k: Array, warmup_steps: Any, init_value: Any,
                main: Callable[[Array], Array], shape: str = "linear") -> Array:
  """``ramp(init -> main(0))`` for ``k < warmup_steps``, then ``main(k - warmup)``.

  ``main`` takes a step relative to the end of the warmup.
  """
  rel = sub(k, warmup_steps)
  target = main(jnp.zeros((), dtype=rel.dtype))
  frac = progress(k, warmup_steps)
  up = ramp(shape, init_value, target, frac)
  return jnp.where(ge(rel, 0), main(jnp.maximum(rel, 0)), up)


def cycle_index(k: Array, period: Any, mult: Any) -> tuple[Array, Array, Array]:
  """Cycle of geometric lengths ``period * mult^i``: returns ``(i, pos, length)``.

  ``pos`` is the position of ``k`` inside cycle ``i`` (``0 <= pos < length``).

  ``i`` is exact at cycle boundaries: a float estimate from the logarithm is
  corrected by one step either way by comparing with the cycle starts. With
  integer steps and an integer ``period``, the ``mult == 1`` case uses integer
  division. ``mult`` below 1 acts as 1; a ``period <= 0`` acts as 1.
  """
  t = jnp.maximum(f(k), 0.0)
  p = _pos_or_one(f(period))
  m = jnp.maximum(f(mult), 1.0)
  one = m == 1.0
  ms = jnp.where(one, 2.0, m)

  def power(i):  # ms ** i; i is integer-valued, pow is exact for exact results
    return jax.lax.pow(ms, jnp.where(one, 0.0, i))

  def start(i):
    return jnp.where(one, p * i, p * (power(i) - 1.0) / (ms - 1.0))

  est_geo = jnp.floor(jnp.log1p(t * (ms - 1.0) / p) / jnp.log(ms))
  est_lin = jnp.floor(t / p)
  i = jnp.maximum(jnp.where(one, est_lin, est_geo), 0.0)
  i = jnp.where(t < start(i), i - 1.0, i)
  i = jnp.where(t >= start(i + 1.0), i + 1.0, i)
  i = jnp.maximum(i, 0.0)
  pos = t - start(i)
  length = jnp.where(one, p, p * power(i))
  if is_int(k) and is_int(period):
    kk = jnp.maximum(jnp.asarray(k), 0)
    pp = jnp.maximum(jnp.asarray(period).astype(kk.dtype), 1)
    i = jnp.where(one, f(kk // pp), i)
    # the position inside the cycle, exact for integer inputs
    pos = jnp.where(one, f(kk % pp), pos)
  return i, pos, length


def stretch_time(k: Any, keep: Any, old_total: Any, new_total: Any) -> Array:
  """Maps a step of a stretched run to the original run's step (a float).

  Steps up to ``keep`` are unchanged; after it the original remainder
  ``[keep, old_total]`` is spread over ``[keep, new_total]``:
  ``keep + (k - keep) * max(old_total - keep, 0) / (new_total - keep)``. The
  product is formed before the division, so a mapped step that is a whole number
  is exact (in float32 while the product stays below 2**24). A
  ``new_total <= keep`` acts as ``keep + 1``.
  """
  kf, w = f(k), f(keep)
  rel = kf - w
  top = rel * jnp.maximum(f(old_total) - w, 0.0)
  den = _pos_or_one(f(new_total) - w)
  q = top / den
  # a whole quotient is made exact (XLA may divide by a constant's reciprocal)
  n = jnp.round(q)
  q = jnp.where(n * den == top, n, q)
  return jnp.where(rel > 0, w + q, kf)
