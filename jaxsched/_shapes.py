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

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array


INT32_MAX = 2**31 - 1  # the largest step count, counter and cycle start


def float_dtype() -> np.dtype:
  """The float dtype schedules compute in: float32, or float64 with x64.

  The one definition in the package (``_check.float_dtype`` is this function);
  cheap, so checks may call it for every hyperparameter.
  """
  return _FLOAT64 if _JAX_CONFIG.jax_enable_x64 else _FLOAT32


_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)
_INT32, _INT64 = np.dtype(np.int32), np.dtype(np.int64)
# JAX's options are attributes set at run time, unknown to type checkers
_JAX_CONFIG: Any = jax.config


def to_float(x: Any) -> Array:
  """``x`` as an array of the default float dtype (float32, or float64 with x64)."""
  return jnp.asarray(x, dtype=float_dtype())


def _int_dtype() -> Any:
  """int32, or int64 when x64 is enabled: the widest signed integer in use."""
  return _INT64 if _JAX_CONFIG.jax_enable_x64 else _INT32  # no array made per call


def check_step(step: Any) -> None:
  """Refuses a concrete 64-bit integer step that does not fit int32 while x64 is
  off (JAX would wrap it silently); traced steps pass unchecked."""
  if isinstance(step, (int, np.integer, np.ndarray)) and not isinstance(
      step, (bool, np.bool_)):
    arr = np.asarray(step)
    if (np.issubdtype(arr.dtype, np.integer) and arr.size and
        np.dtype(_int_dtype()).itemsize < 8):
      lo, hi = arr.min(), arr.max()
      if int(hi) > _I32_MAX or int(lo) < -_I32_MAX - 1:
        raise ValueError(
            f"schedule call: `step` must fit int32 while jax_enable_x64 is off, got "
            f"step={int(hi) if int(hi) > _I32_MAX else int(lo)} (dtype "
            f"{arr.dtype}); JAX would wrap it silently. Pass a float step, or "
            "enable x64 with jax.config.update('jax_enable_x64', True).")


def as_step(step: Any) -> Array:
  """A step as a JAX array of signed integer or float dtype.

  Bools become int32. Unsigned integers (Flax NNX keeps ``optimizer.step`` as
  ``uint32``) become the widest signed integer in use, saturating at its maximum
  (``2**31 - 1`` without x64), so no unsigned subtraction ever wraps. A concrete
  64-bit NumPy integer that does not fit int32 while x64 is off is refused, since
  JAX would silently wrap it.
  """
  check_step(step)
  k = jnp.asarray(step)
  if k.dtype == jnp.bool_:
    return k.astype(jnp.int32)
  if jnp.issubdtype(k.dtype, jnp.unsignedinteger):
    dt = _int_dtype() if k.dtype.itemsize >= 4 else jnp.int32
    top = np.iinfo(dt).max
    if k.dtype.itemsize >= np.dtype(dt).itemsize:
      k = jnp.minimum(k, jnp.asarray(top, dtype=k.dtype))
    return k.astype(dt)
  if not (jnp.issubdtype(k.dtype, jnp.integer) or
          jnp.issubdtype(k.dtype, jnp.floating)):
    raise TypeError(f"a schedule's step must be a number or an array of numbers, "
                    f"got dtype {k.dtype}.")
  return k


_I32_MAX = INT32_MAX


def is_int(x: Any) -> bool:
  """Whether ``x`` has an integer dtype (static: known at trace time)."""
  return jnp.issubdtype(jnp.asarray(x).dtype, jnp.integer)


def _both_int(a: Any, b: Any):
  """Both as integers of one signed dtype when both are integers, else floats."""
  a, b = jnp.asarray(a), jnp.asarray(b)
  if is_int(a) and is_int(b):
    dt = jnp.int32
    if max(a.dtype.itemsize, b.dtype.itemsize) >= 8:
      dt = _int_dtype()  # int64 under x64 (64-bit inputs exist only then)
    return a.astype(dt), b.astype(dt), True
  return to_float(a), to_float(b), False


def exact_sub(k: Any, b: Any) -> Array:
  """``k - b``, exact in integers when both are integers."""
  a, b, _ = _both_int(k, b)
  return a - b


def exact_add(a: Any, b: Any) -> Array:
  """``a + b``, kept integer when both are integers."""
  x, y, _ = _both_int(a, b)
  return x + y


def exact_mul(a: Any, b: Any) -> Array:
  """``a * b``, kept integer when both are integers."""
  x, y, _ = _both_int(a, b)
  return x * y


def reached(k: Any, b: Any) -> Array:
  """Whether step ``k`` has reached ``b`` (``k >= b``); exact when both are integers."""
  a, b, _ = _both_int(k, b)
  return a >= b


def _whole(d: Array) -> tuple[Array, Array]:
  """``(is a whole number in [1, 2**31 - 1], that number as int32)``.

  An integer ``d`` is taken as it is (``2**24 + 1`` stays ``2**24 + 1``, which
  float32 would round); a float must be whole and below ``2**31`` (float32
  rounds ``2**31 - 1`` up to ``2**31``, which int32 cannot hold).
  """
  if is_int(d):
    di = jnp.asarray(d)
    ok = (di >= 1) & (di <= _I32_MAX)
    return ok, jnp.where(ok, di, 1).astype(jnp.int32)
  d = to_float(d)
  ok = (d == jnp.floor(d)) & (d >= 1.0) & (d < 2.0**31)
  return ok, jnp.where(ok, d, 1.0).astype(jnp.int32)


def _divmod_float(a: Array, d: Array) -> tuple[Array, Array]:
  """``(floor(a / d), a - d floor(a / d))`` for floats, the same in every mode.

  The quotient is the largest ``n`` with ``fl(n d) <= a`` (float products are
  correctly rounded everywhere). XLA may compute ``a / d`` as ``a * (1 / d)``
  (41 * (1/41) < 1), and eager division rounds differently, so the first
  estimate may be one off either way; testing ``n`` and ``n + 1`` with the same
  product makes the answer independent of how it was estimated. Exact while
  ``n d`` is exact (integers below 2**24 in float32).
  """
  d = _pos_or_one(d)
  q0 = jnp.floor(a / d)
  q = (q0 - 1.0 + jnp.where(q0 * d <= a, 1.0, 0.0)
       + jnp.where((q0 + 1.0) * d <= a, 1.0, 0.0))
  return q, jnp.maximum(a - q * d, 0.0)


def floor_div(k: Any, d: Any) -> Array:
  """``floor(k / d)`` as a float; exact integer division when both are integers.

  ``d`` is clamped to at least 1 (integers); a float ``d <= 0`` acts as 1. With
  an integer ``k`` and a float ``d`` holding a whole number, the division is
  integer division too (exact to 2**31 - 1); other float divisors are corrected
  against the remainder (exact while the product stays below 2**24).
  """
  return to_float(floor_div_raw(k, d))


def floor_div_raw(k: Any, d: Any) -> Array:
  """``floor(k / d)``, an integer array when both are integers, else a float."""
  q, _ = _divmod(k, d)
  return q


def mod(k: Any, d: Any) -> Array:
  """``k mod d`` (non-negative for ``d > 0``); exact in integers when both are.

  An integer ``k`` with a float ``d`` holding a whole number is reduced in
  integers too; the result is then a float.
  """
  _, r = _divmod(k, d)
  return r


def _divmod(k: Any, d: Any) -> tuple[Array, Array]:
  a, dd, ints = _both_int(k, d)
  if ints:
    dd = jnp.maximum(dd, 1)
    return a // dd, a % dd
  qf, rf = _divmod_float(a, dd)
  if is_int(k):  # a float divisor that may be a whole number: divide exactly
    ki = jnp.asarray(k).astype(jnp.int32) if jnp.asarray(k).dtype.itemsize < 8 \
        else jnp.asarray(k)
    ok, di = _whole(d)
    di = di.astype(ki.dtype)
    qf = jnp.where(ok, to_float(ki // di), qf)
    rf = jnp.where(ok, to_float(ki % di), rf)
  return qf, rf


def _searchsorted(b: Array, a: Array, side: str) -> Array:
  """Binary search unrolled into ``ceil(log2(n + 1))`` fused passes.

  The barrier keeps XLA from constant-folding the first gather of closed-over
  boundaries into a step-sized constant (slow compiles, huge literals).
  Integer boundaries and steps of one dtype take ``_search_int`` (same integers).
  """
  b, a = jnp.asarray(b), jnp.asarray(a)
  if is_int(b) and is_int(a) and b.dtype == a.dtype and b.ndim == 1:
    return _search_int(b, a, side)
  b = jax.lax.optimization_barrier(b)
  return jnp.searchsorted(b, a, side=side, method="scan_unrolled").astype(jnp.int32)


_UNROLLED_PASSES = 4  # up to 15 boundaries; beyond, one looped pass body


def _search_int(b: Array, a: Array, side: str) -> Array:
  """``jnp.searchsorted(b, a, side)`` for integers, compile cost flat in ``n``.

  ``b`` is padded with the dtype's maximum to ``p = 2**P >= n + 1`` entries;
  each of the ``P`` passes is one gather, one compare and one select. Padded
  entries count only when ``a`` is that maximum, so the count is clipped to
  ``n``: the same integers as ``jnp.searchsorted``. XLA on CPU compiles every
  pass as its own kernel (a gather's index cannot fuse a chain of gathers) and,
  without the barrier between passes, recomputes all earlier passes in each
  (quadratic code); so passes stay unrolled only up to ``_UNROLLED_PASSES`` and
  beyond run as one pass body in a loop, which costs about as much to compile
  as four unrolled passes, whatever ``n`` (bench/RESULTS.md, case 1).
  """
  n = b.shape[0]
  if n == 0:
    return jnp.zeros(a.shape, jnp.int32)
  passes = n.bit_length()
  p = 1 << passes
  pad = jnp.full((p - n,), jnp.iinfo(b.dtype).max, b.dtype)
  table = jax.lax.optimization_barrier(jnp.concatenate([b, pad]))

  idx = jnp.zeros(a.shape, jnp.int32)
  if passes <= _UNROLLED_PASSES:
    for j in range(passes):
      idx = jax.lax.optimization_barrier(
          _search_pass(side, table, a, idx, jnp.int32(p >> (j + 1))))
  else:
    idx, _, _, _ = jax.lax.fori_loop(0, passes, _SEARCH_LOOPS[side],
                                     (idx, table, a, jnp.int32(p >> 1)))
  return jnp.minimum(idx, n)


def _search_pass(side: str, table: Array, a: Array, idx: Array, half: Array) -> Array:
  """One pass of :func:`_search_int`: ``half`` more where ``table`` allows."""
  probe = jnp.take(table, idx + (half - 1), mode="clip")
  hit = probe <= a if side == "right" else probe < a
  return jnp.where(hit, idx + half, idx)


def _search_loop(side: str, j: Array, state: tuple[Array, ...]) -> tuple[Array, ...]:
  idx, table, a, top = state
  return _search_pass(side, table, a, idx, jnp.right_shift(top, j)), table, a, top


# The looped passes' bodies are module-level objects, functions of the loop state
# only (no closure): JAX caches a loop body's trace by the function object, so
# eager calls of a schedule reuse one compiled loop instead of compiling a new one.
_SEARCH_LOOPS = {side: functools.partial(_search_loop, side) for side in ("left", "right")}


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
  return to_float(jnp.finfo(float_dtype()).tiny)


def safe_div(a: Array, b: Array) -> Array:
  """``a / b``, with ``b <= 0`` replaced by 1 (finite values and gradients)."""
  return a / _pos_or_one(b)


def _pos_or_one(b: Array) -> Array:
  return jnp.where(b > 0, b, jnp.ones_like(b))


class Phase(NamedTuple):
  """Where a step stands in a phase: ``done`` and ``left``, both in ``[0, 1]``.

  ``done + left = 1`` up to rounding, but each is exact at its own end: ``done``
  is exactly 0 at the start and 1 from the end on, ``left`` exactly 1 at the
  start and 0 from the end on, whatever XLA does to the division. Shapes use
  ``left`` near the end, so a decay reaches its end value exactly even when it
  raises the remainder to a small power.
  """
  done: Array
  left: Array

  def reversed(self) -> Phase:
    """The same phase run backwards (for rising ramps)."""
    return Phase(self.left, self.done)


def phase(elapsed: Any, length: Any, *, min_length: Any = 1) -> Phase:
  """The fraction of a phase done and left at ``elapsed`` steps into it.

  The remaining steps ``length - elapsed`` are computed in integers when both
  are integers, so the end of the phase is exact. ``length`` is clamped to at
  least ``min_length`` (phases that count steps: 1); with ``min_length=None`` a
  length ``<= 0`` is a jump: nothing done before its start, all of it from its
  start on.
  """
  e, n, _ = _both_int(elapsed, length)
  if min_length is not None:
    n = jnp.maximum(n, jnp.asarray(min_length, n.dtype))
  rem = n - e
  ef, nf, rf = to_float(e), to_float(n), to_float(rem)
  ns = _pos_or_one(nf)
  end, start = rem <= 0, e <= 0
  zero, one = jnp.zeros_like(ef), jnp.ones_like(ef)
  done = jnp.where(end, one, jnp.where(start, zero, ef / ns))
  left = jnp.where(end, zero, jnp.where(start, one, rf / ns))
  return Phase(jnp.clip(done, 0.0, 1.0), jnp.clip(left, 0.0, 1.0))


def progress(elapsed: Any, length: Any) -> Phase:
  """The phase ``elapsed`` steps into a phase of ``length`` steps (< 1 acts as 1)."""
  return phase(elapsed, length)


def progress_float(elapsed: Any, length: Any) -> Phase:
  """The phase for lengths that may be fractional; a length <= 0 is a jump."""
  return phase(elapsed, length, min_length=None)


def _parts(frac: Any) -> Phase:
  if isinstance(frac, Phase):
    return frac
  frac = to_float(frac)
  return Phase(frac, 1.0 - frac)


def periods(elapsed: Any, length: Any, staircase: bool) -> Array:
  """``elapsed / length`` as a float, floored when ``staircase`` (static).

  ``length <= 0`` acts as 1; the floor is exact for integer inputs.
  """
  if staircase:
    return floor_div(elapsed, length)
  return safe_div(to_float(elapsed), to_float(length))


def safe_pow(x: Any, p: Any) -> Array:
  """``x ** p`` for ``x >= 0``, with ``0 ** 0 = 1`` and finite gradients at 0."""
  x, p = to_float(x), to_float(p)
  pos = x > 0
  xs = jnp.where(pos, x, 1.0)
  # lax.pow, not exp(p log x): XLA folds pow(x, 1.0) away and keeps one kernel
  return jnp.where(pos, jax.lax.pow(xs, p), jnp.where(p == 0, 1.0, 0.0))


def geometric(init: Any, rate: Any, n: Any) -> Array:
  """``init * rate ** n``: the value after ``n`` multiplications by ``rate``."""
  return to_float(init) * safe_pow(rate, n)


def safe_sqrt(x: Array) -> Array:
  """``sqrt(max(x, 0))`` with a finite gradient at 0."""
  pos = x > 0
  return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


def mix(a: Any, b: Any, w: Array, w_rest: Array | None = None) -> Array:
  """``a w + b (1 - w)``: exactly ``a`` at ``w = 1`` and exactly ``b`` at ``w = 0``.

  ``w_rest`` is ``1 - w`` when the caller has it more exactly.
  """
  a, b = to_float(a), to_float(b)
  return a * w + b * (1.0 - w if w_rest is None else w_rest)


def lerp(a: Any, b: Any, frac: Any) -> Array:
  """Straight line from ``a`` (frac 0) to ``b`` (frac 1), exact at both ends."""
  ph = _parts(frac)
  return mix(a, b, ph.left, ph.done)


def cos_anneal(a: Any, b: Any, frac: Any, exponent: Any = 1.0) -> Array:
  """Half cosine from ``a`` to ``b``: ``b + (a - b) ((1 + cos(pi f)) / 2)^e``.

  Computed as ``sin(pi (1 - f) / 2)^(2e)``, the same number, which keeps its
  relative precision near the end (``1 + cos`` cancels to 0 there in float32,
  and an exponent below 1 would magnify that).
  """
  ph = _parts(frac)
  s = jnp.maximum(jnp.sin((0.5 * jnp.pi) * ph.left), 0.0)
  # concrete exponent 1: the square itself (what XLA folds pow(s, 2) into)
  w = s * s if _concrete(exponent) == 1.0 else safe_pow(s, 2.0 * to_float(exponent))
  if _concrete(b) == 0.0 and (ca := _concrete(a)) is not None and not np.signbit(
      ca):
    return to_float(a) * w  # = a w + 0 (1 - w): a w >= +0, so adding +0 changes nothing
  return mix(a, b, w)


def poly_anneal(a: Any, b: Any, frac: Any, power: Any = 1.0) -> Array:
  """Polynomial from ``a`` to ``b``: ``b + (a - b) (1 - f)^power``."""
  ph = _parts(frac)
  return mix(a, b, safe_pow(jnp.maximum(ph.left, 0.0), power))


def exp_anneal(a: Any, b: Any, frac: Any) -> Array:
  """Geometric from ``a`` to ``b``: ``a (b / a)^f`` (``a``, ``b`` > 0), exact ends."""
  ph = _parts(frac)
  tiny = _tiny()
  a, b = jnp.maximum(to_float(a), tiny), jnp.maximum(to_float(b), tiny)
  la, lb = jnp.log(a), jnp.log(b)
  geo = jnp.exp(la + (lb - la) * ph.done)
  return jnp.where(ph.left <= 0, b, jnp.where(ph.done <= 0, a, geo))


def sqrt_anneal(a: Any, b: Any, frac: Any) -> Array:
  """One-minus-square-root from ``a`` to ``b``: ``b + (a - b)(1 - sqrt(f))``."""
  ph = _parts(frac)
  return mix(a, b, 1.0 - safe_sqrt(ph.done))


ANNEALS: dict[str, Callable[..., Array]] = {
    "linear": lerp,
    "cos": cos_anneal,
    "cosine": cos_anneal,
    "exponential": exp_anneal,
    "sqrt": sqrt_anneal,
}


def ramp(shape: str, a: Any, b: Any, frac: Any) -> Array:
  """A warmup ramp from ``a`` to ``b``: ``linear``, ``cosine``, ``exponential``, ``sqrt``.

  The cosine ramp rises as ``a + (b - a)(1 - cos(pi f)) / 2``; the sqrt ramp as
  ``a + (b - a)(1 - sqrt(1 - f))``.
  """
  ph = _parts(frac)
  if shape == "cosine":
    return cos_anneal(b, a, ph.reversed())
  if shape == "sqrt":
    return sqrt_anneal(b, a, ph.reversed())
  return ANNEALS[shape](a, b, ph)


def warmup_then(k: Array, warmup_steps: Any, init_value: Any,
                main: Callable[[Array], Array], shape: str = "linear") -> Array:
  """``ramp(init -> main(0))`` for ``k < warmup_steps``, then ``main(k - warmup)``.

  ``main`` takes a step relative to the end of the warmup. A warmup of 0 steps
  (or a traced negative one) is no warmup.
  """
  rel = exact_sub(k, warmup_steps)
  target = main(jnp.zeros((), dtype=rel.dtype))
  up = ramp(shape, init_value, target, phase(k, warmup_steps, min_length=None))
  return jnp.where(rel >= 0, main(jnp.maximum(rel, 0)), up)


_TABLE = 32  # cycles with integer multipliers >= 2 that start below 2**31


def _int_cycles_np(period: Any, mult: Any) -> tuple[Array, Array]:
  """The table for concrete hyperparameters, in exact NumPy int64 arithmetic."""
  p, m = float(np.asarray(period)), float(np.asarray(mult))
  p = int(p) if (p == np.floor(p) and 1 <= p <= _I32_MAX) else 1
  m = int(m) if (m == np.floor(m) and 1 <= m <= _I32_MAX) else 2
  starts, lengths, s, ln = [], [], 0, p
  for _ in range(_TABLE):
    starts.append(min(s, _I32_MAX))
    lengths.append(min(ln, _I32_MAX))
    s, ln = min(s + ln, _I32_MAX), min(ln * m, _I32_MAX)
  return (jnp.asarray(np.asarray(starts, np.int32)),
          jnp.asarray(np.asarray(lengths, np.int32)))


def _sat_mul(a: Array, b: Array) -> Array:
  """``min(a * b, 2**31 - 1)`` for int32 ``a >= 0``, ``b >= 1``, tested without
  overflow: ``a * b > top`` exactly when ``a > top // b``."""
  top = jnp.int32(_I32_MAX)
  return jnp.where(a > jax.lax.div(top, b), top, a * b)  # b >= 1: C division is floor


def _int_cycles_traced(period: Any, mult: Any) -> tuple[Array, Array]:
  """The table for traced hyperparameters: int32, saturating, vectorised.

  ``L_j = min(P m^j, top)``: ``m^j`` by square-and-multiply over the five bits
  of ``j < 32`` (saturating products compose: once a product passes ``top`` it
  stays there). ``S_j = min(sum_{i<j} L_i, top)``: the lengths split into 16-bit
  halves, whose cumulative sums (32 terms below 2**16 each) cannot overflow,
  recombined with the saturation tested on the high half. The same integers as
  the repeated addition and multiplication of ``_int_cycles_np``, in about 40
  operations whatever the table's length.
  """
  _, p = _whole(period)
  _, m = _whole(mult)
  m = jnp.maximum(m, 1)
  j = jnp.arange(_TABLE, dtype=jnp.int32)
  power, base = jnp.ones((_TABLE,), jnp.int32), m
  for bit in range((_TABLE - 1).bit_length()):
    power = jnp.where((j >> bit) & 1 == 1, _sat_mul(power, base), power)
    base = _sat_mul(base, base)
  lengths = _sat_mul(jnp.broadcast_to(p, (_TABLE,)), power)
  # exclusive cumulative sum of the lengths, saturating at top
  before = jnp.concatenate([jnp.zeros((1,), jnp.int32), lengths[:-1]])
  hi = jnp.cumsum(before >> 16)
  lo = jnp.cumsum(before & 0xFFFF)
  hi = hi + (lo >> 16)  # the total is hi * 2**16 + (lo & 0xFFFF)
  starts = jnp.where(hi > (_I32_MAX >> 16), jnp.int32(_I32_MAX),
                     (hi << 16) | (lo & 0xFFFF))
  return starts, lengths


def cycle_index(k: Array, period: Any, mult: Any) -> tuple[Array, Phase]:
  """Cycle of geometric lengths ``period * mult^i``: returns ``(i, phase)``.

  ``i`` (a float) is the cycle that holds step ``k`` and ``phase`` where ``k``
  stands inside it. For integer steps with a whole ``period`` and a whole
  ``mult`` both are exact to 2**31 - 1: integer division for ``mult == 1``, an
  exact integer table of cycle starts for ``mult >= 2``.

  Fallback for a fractional ``period`` or ``mult`` (or float steps): a float
  estimate from the logarithm, corrected by one either way against cycle
  starts ``period (mult^i - 1) / (mult - 1)`` computed with a true division;
  exact at restarts while the starts are exact in float32 (below 2**24).
  ``mult`` below 1 acts as 1; a ``period <= 0`` acts as 1.

  With concrete ``period`` and ``mult`` (a schedule closed over or called
  eagerly) only the branch they select is built: the same numbers as the
  selection among all three, in a third of the operations.
  """
  kind = _cycle_kind(period, mult) if is_int(k) else None
  if kind == "lin":
    return _lin_cycles(_cycle_steps(k), _whole(period)[1])
  if kind == "geo":
    return _geo_cycles(_cycle_steps(k), period, mult)
  t = jnp.maximum(to_float(k), 0.0)
  p = _pos_or_one(to_float(period))
  m = jnp.maximum(to_float(mult), 1.0)
  one = m == 1.0
  ms = jnp.where(one, 2.0, m)
  # a true division: XLA turns x / constant into x * (1 / constant)
  denom = jax.lax.optimization_barrier(ms - 1.0)

  def power(i):  # ms ** i; i is integer-valued, pow is exact for exact results
    return jax.lax.pow(ms, jnp.where(one, 0.0, i))

  def start(i):
    return jnp.where(one, p * i, p * ((power(i) - 1.0) / denom))

  est_lin, _ = _divmod_float(t, p)
  est_geo = jnp.floor(jnp.log1p(t * denom / p) / jnp.log(ms))
  i = jnp.maximum(jnp.where(one, est_lin, est_geo), 0.0)
  i = jnp.where(t < start(i), i - 1.0, i)
  i = jnp.where(t >= start(i + 1.0), i + 1.0, i)
  i = jnp.maximum(i, 0.0)
  ph = phase(t - start(i), jnp.where(one, p, p * power(i)), min_length=None)
  if not is_int(k) or kind == "float":
    return i, ph
  p_ok, pi = _whole(period)
  m_ok, _ = _whole(mult)
  lin = one & p_ok
  geo = m_ok & ~one & p_ok
  kk = _cycle_steps(k)
  lin_i, lin_ph = _lin_cycles(kk, pi)
  geo_i, geo_ph = _geo_cycles(kk, period, mult)
  i = jnp.where(lin, lin_i, jnp.where(geo, geo_i, i))
  pick = lambda x, y, z: jnp.where(lin, x, jnp.where(geo, y, z))
  return i, Phase(pick(lin_ph.done, geo_ph.done, ph.done),
                  pick(lin_ph.left, geo_ph.left, ph.left))


def _cycle_steps(k: Array) -> Array:
  """Integer steps as int32, clipped to [0, 2**31 - 1]."""
  return jnp.clip(jnp.asarray(k), 0, _I32_MAX).astype(jnp.int32)


def _lin_cycles(kk: Array, pi: Array) -> tuple[Array, Phase]:
  """:func:`cycle_index` for ``_cycle_steps`` ``kk`` and a whole period ``pi``
  (``_whole``'s int32), ``mult <= 1``."""
  # kk >= 0, pi >= 1: C division and remainder are floor and mod
  return to_float(jax.lax.div(kk, pi)), phase(jax.lax.rem(kk, pi), pi)


def _geo_cycles(kk: Array, period: Any, mult: Any) -> tuple[Array, Phase]:
  """:func:`cycle_index` for ``_cycle_steps`` ``kk``, whole ``period`` and
  whole ``mult >= 2``: exact.

  Cycle starts ``S_j`` and lengths ``L_j`` for ``j < 32`` are built in integers
  by repeated addition and multiplication, saturating at 2**31 - 1 (overflow
  tested in integers), then looked up with a binary search: no float rounding.
  """
  if not isinstance(period, jax.core.Tracer) and not isinstance(
      mult, jax.core.Tracer):
    starts, lengths = _int_cycles_np(period, mult)
  else:
    starts, lengths = _int_cycles_traced(period, mult)
  i = jnp.clip(_searchsorted(starts[1:], kk, "right"), 0, _TABLE - 1)
  return to_float(i), phase(kk - starts[i], lengths[i])


def _whole_concrete(d: Any) -> bool | None:
  """``_whole(d)[0]`` decided at trace time for a concrete scalar; else None."""
  if isinstance(d, jax.core.Tracer) or np.ndim(d) != 0:
    return None
  a = np.asarray(d)
  if is_int(d):
    return bool(1 <= int(a) <= _I32_MAX)
  f = a.astype(float_dtype())
  return bool(f == np.floor(f) and 1.0 <= f < 2.0**31)


def _cycle_kind(period: Any, mult: Any) -> str | None:
  """Which branch of :func:`cycle_index` concrete ``period`` and ``mult`` take
  for integer steps (``"lin"``, ``"geo"`` or ``"float"``); None when traced.
  The same tests as the traced selection, in the same float dtype."""
  p_ok, m_ok = _whole_concrete(period), _whole_concrete(mult)
  if p_ok is None or m_ok is None:
    return None
  one = bool(np.maximum(np.asarray(mult).astype(float_dtype()), 1.0) == 1.0)
  if one and p_ok:
    return "lin"
  if m_ok and not one and p_ok:
    return "geo"
  return "float"


def log_ramp(a: Any, b: Any, elapsed: Any, length: Any) -> Array:
  """Logarithmic ramp: ``a + (b - a) min(1, log(1 + e) / log(L))``.

  DeepSpeed's "log" warmup: it reaches ``b`` at ``e = L - 1``. A negative
  ``elapsed`` acts as 0; a ``length`` below 2 acts as 2 (``log(1) = 0``).
  """
  e = jnp.maximum(to_float(elapsed), 0.0)
  n = jnp.maximum(to_float(length), 2.0)
  return lerp(a, b, jnp.minimum(jnp.log1p(e) / jnp.log(n), 1.0))


def stair_fraction(elapsed: Any, length: Any, stairs: Any) -> Array:
  """``floor(e n / L) / n`` clipped to [0, 1]: ``n`` flat stairs over a phase.

  ``n <= 0`` means no stairs: the plain fraction ``e / L``. Computed as
  ``floor(e * n / L)`` (not ``floor(frac * n)``), so a stair edge at integer
  inputs is exact while ``e * n < 2**24`` (float32). ``length <= 0`` acts as 1.
  """
  e, n, d = to_float(elapsed), to_float(stairs), _pos_or_one(to_float(length))
  has = n > 0
  ns = jnp.where(has, n, 1.0)
  stepped = jnp.floor(e * ns / d) / ns
  return jnp.clip(jnp.where(has, stepped, e / d), 0.0, 1.0)


def arithmetic(init: Any, rate: Any, n: Any) -> Array:
  """``init * (1 + rate * n)``: ``init`` grown by ``rate * init``, ``n`` times."""
  return to_float(init) * (1.0 + to_float(rate) * to_float(n))

def tanh_anneal(a: Any, b: Any, frac: Any, lower: Any = -7.0,
                upper: Any = 3.0) -> Array:
  """Hyperbolic-tangent anneal: ``b + (a - b)(1 - tanh(L (1 - f) + U f)) / 2``.

  ``L < U`` bound the tanh argument; with timm's defaults ``L = -7``, ``U = 3``
  the value starts a hair below ``a`` and ends a hair above ``b`` (it never
  reaches either exactly).
  """
  ph = _parts(frac)
  arg = to_float(lower) * ph.left + to_float(upper) * ph.done
  # (1 - tanh(x)) / 2 = sigmoid(-2x), without the cancellation near tanh = 1
  return mix(a, b, jax.nn.sigmoid(-2.0 * arg))


def k_decay(frac: Any, k: Any) -> Phase:
  """k-decay of a phase: ``done -> done^k`` (``k = 1`` leaves the phase as it is).

  ``left`` becomes ``1 - done^k``, except that ``k == 1`` keeps the exact
  ``left``; a traced ``k < 0`` acts as 0.
  """
  ph = _parts(frac)
  kk = jnp.maximum(to_float(k), 0.0)
  done = safe_pow(jnp.maximum(ph.done, 0.0), kk)
  return Phase(done, jnp.where(kk == 1.0, ph.left, 1.0 - done))


def pow_ramp(a: Any, b: Any, frac: Any, power: Any = 1.0) -> Array:
  """Power ramp from ``a`` to ``b``: ``a + (b - a) f^power``."""
  return lerp(a, b, k_decay(frac, power))


def seeded_noise(seed: Any, k: Array, pct: Any, std: Any,
                 kind: str = "normal") -> Array:
  """A random number per step, a pure function of ``(seed, k)``.

  ``normal``: a normal of standard deviation ``std`` truncated to
  ``(-pct, pct)``; ``uniform``: uniform on ``[-pct, pct)``. The key of step
  ``k`` is ``jax.random.fold_in(jax.random.key(seed), k)``, so the value is the
  same eagerly, under ``jit`` and ``vmap``, for any shape of ``k``. Steps are
  folded in modulo 2**32 (float steps are floored first); ``pct <= 0`` or
  ``std <= 0`` gives 0.
  """
  kk = jnp.asarray(k)
  if not jnp.issubdtype(kk.dtype, jnp.integer):
    kk = jnp.floor(kk).astype(_int_dtype())
  kk = kk.astype(jnp.uint32)
  base = jax.random.key(jnp.asarray(seed).astype(jnp.uint32))
  keys = jax.vmap(lambda s: jax.random.fold_in(base, s))(kk.reshape(-1))
  pct, std = to_float(pct), to_float(std)
  ok = (pct > 0) & (std > 0)
  if kind == "uniform":
    u = jax.vmap(lambda key: jax.random.uniform(key, (), float_dtype()))(keys)
    out = (2.0 * u - 1.0) * pct
  else:
    s = _pos_or_one(std)
    lim = jnp.where(ok, pct, 1.0) / s
    z = jax.vmap(lambda key: jax.random.truncated_normal(
        key, -lim, lim, (), float_dtype()))(keys)
    out = z * s
  return jnp.where(ok, out, 0.0).reshape(kk.shape)
def stretch_time(k: Any, keep: Any, old_total: Any, new_total: Any) -> Array:
  """Maps a step of a stretched run to the original run's step (a float).

  Steps up to ``keep`` are unchanged; after it the original remainder
  ``[keep, old_total]`` is spread over ``[keep, new_total]``:
  ``keep + (k - keep) * max(old_total - keep, 0) / (new_total - keep)``, formed
  as one division of ``keep (new_total - keep) + (k - keep)(old_total - keep)``,
  so the mapped step is rounded once and is exact where it is a whole number (in
  float32 while that numerator stays below 2**24). A ``new_total <= keep`` acts
  as ``keep + 1``.
  """
  kf, w = to_float(k), to_float(keep)
  rel = kf - w
  den = _pos_or_one(to_float(new_total) - w)
  # one division of an exact numerator: the mapped step is rounded once. XLA
  # turns a division by a broadcast (or constant) divisor into a multiplication
  # by its reciprocal, rounded twice; the barrier keeps the true division.
  top = w * den + rel * jnp.maximum(to_float(old_total) - w, 0.0)
  den = jax.lax.optimization_barrier(jnp.broadcast_to(den, top.shape))
  u = top / den
  n = jnp.round(u)  # a whole quotient is exact
  u = jnp.where(n * den == top, n, u)
  return jnp.where(rel > 0, u, kf)


def _concrete(x: Any) -> float | None:
  """The value of a concrete scalar (Python or NumPy number, 0-d array), else None.

  For trace-time fast paths that give the same numbers as the general formula.
  """
  if isinstance(x, jax.core.Tracer) or np.ndim(x) != 0:
    return None
  try:
    return float(x)
  except (TypeError, ValueError):
    return None


def warmup_from_zero(k: Array, warmup_steps: Any,
                     main: Callable[[Array], Array]) -> Array:
  """``warmup_then(k, warmup_steps, 0.0, main)`` when ``main(0) >= +0``.

  The same numbers: the linear ramp is ``0 * left + main(0) * done`` and
  ``0 * left`` is +0, which changes nothing when added to ``main(0) * done >=
  +0``; skipping it saves the ``left`` half of the warmup's phase per step.
  """
  rel = exact_sub(k, warmup_steps)
  target = main(jnp.zeros((), dtype=rel.dtype))
  up = target * phase(k, warmup_steps, min_length=None).done
  return jnp.where(rel >= 0, main(jnp.maximum(rel, 0)), up)


def increment_saturating(n: Array) -> Array:
  """``n + 1`` for an int32 counter, held at 2**31 - 1 instead of wrapping."""
  n = jnp.asarray(n)
  return n + (n < INT32_MAX).astype(n.dtype)


def inverse_power(elapsed: Any, timescale: Any, power: Any) -> Array:
  """Power-law decay factor ``(1 + e / tau)^(-p)``, formed as ``((e + tau) / tau)^(-p)``.

  One rounding for the base (``e + tau`` is exact for whole numbers below 2**24
  in float32), so it is exactly 1 at ``e = 0``. A negative ``elapsed`` acts as
  0; a ``timescale <= 0`` acts as 1.
  """
  e = jnp.maximum(to_float(elapsed), 0.0)
  tau = _pos_or_one(to_float(timescale))
  return safe_pow((e + tau) / tau, -to_float(power))


def phase_between(k: Any, start: Any, end: Any) -> Phase:
  """The phase of step ``k`` in the span ``[start, end]`` (``end <= start``: a jump).

  ``k - start`` and ``end - start`` are exact in integers when all are
  integers; the length may be fractional.
  """
  return progress_float(exact_sub(k, start), exact_sub(end, start))


def triangle(pos: Any, up: Any, down: Any) -> Array:
  """A triangle wave's height in ``[0, 1]`` at ``pos`` steps into its cycle.

  Rises over ``up`` steps (``pos / up``) and falls over the next ``down``
  (``(up + down - pos) / down``); each side exact at its ends, lengths may be
  fractional (a length <= 0 is a jump).
  """
  rise = phase(pos, up, min_length=None)
  fall = phase(exact_sub(pos, up), down, min_length=None)
  return jnp.where(rise.left > 0, rise.done, fall.left)
