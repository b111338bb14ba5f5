"""optax's schedules with the same signatures and values, traceable in every number.

Every function of ``optax.schedules`` is mapped onto a jaxsched family or
combinator. Unlike optax, no argument is tested with a Python ``if`` inside the
schedule, so ``decay_steps``, ``transition_steps``, ``decay_rate``,
``warmup_steps``, ``pct_start``, ``peak_value``, boundaries and scales may all be
traced (``jax.vmap`` a sweep over them, or pass the schedule through ``jax.jit``).
optax's special cases on concrete values (a non-positive ``transition_steps``
gives a constant, a zero ``decay_rate`` too, ...) are reproduced as argument
mappings, so they hold for traced values as well unless a docstring says
otherwise. Piecewise schedules and ``sgdr_schedule`` are vectorised: their
compile time does not grow with the number of boundaries or cycles.

Example:
  >>> from jaxsched.compat import optax as jo
  >>> s = jo.warmup_cosine_decay_schedule(0.0, 1.0, 2, 6)
  >>> np.asarray(s(jnp.arange(7)), float).round(4).tolist()
  [0.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check
from jaxsched._base import Schedule, ScheduleLike
from jaxsched._combinators import join
from jaxsched._cosine import cosine_decay, warmup_cosine_decay
from jaxsched._decay import constant, linear, polynomial
from jaxsched._decay import exponential_decay as _exponential_decay
from jaxsched._piecewise import Interpolation, piecewise_constant, piecewise_linear
from jaxsched.compat import _args

# optax's dict {boundary: scale}, a sequence of (boundary, scale) pairs, an
# (n, 2) array or a pair of 1-D arrays (boundaries, scales); None: no jumps
BoundariesAndScales = (Mapping[ArrayLike, ArrayLike] | Sequence[Sequence[ArrayLike]]
                       | Sequence[ArrayLike] | ArrayLike | None)

__all__ = [
    "constant_schedule",
    "cosine_decay_schedule",
    "cosine_onecycle_schedule",
    "exponential_decay",
    "join_schedules",
    "linear_onecycle_schedule",
    "linear_schedule",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "polynomial_schedule",
    "sgdr_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
]

_P = "compat.optax."


def _steps(fn: str, name: str, x: Any, fix: str = _check.STEPS_FIX,
           lo: float | None = None, positive: bool = False) -> Any:
  return _check.steps(_P + fn, name, x, lo=lo, positive=positive, fix=fix)


def _num(fn: str, name: str, x: Any, **kw: Any) -> Any:
  return _args.value(_P + fn, name, x, **kw)


def constant_schedule(value: ArrayLike) -> Schedule:
  r"""optax ``constant_schedule``: :math:`\eta(t) = v`.

  Maps to :func:`jaxsched.constant`.

  Args:
    value: ``v``, any finite number (may be traced).

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape. It returns an array shaped
    like the step, where optax returns ``value`` itself.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> jo.constant_schedule(0.5)(jnp.arange(2)).tolist()
    [0.5, 0.5]
  """
  return constant(_num("constant_schedule", "value", value))


def _begin(fn: str, transition_begin: Any) -> Any:
  b = _steps(fn, "transition_begin", transition_begin)
  return _args.steps_max(b, 0)


def polynomial_schedule(init_value: ArrayLike, end_value: ArrayLike, power: ArrayLike,
                        transition_steps: ArrayLike, transition_begin: ArrayLike = 0
                        ) -> Schedule:
  r"""optax ``polynomial_schedule``, mapped to :func:`jaxsched.polynomial`.

  .. math::
     \eta(t) = v_1 + (v_0 - v_1)\left(1 - \frac{\mathrm{clip}(t - b, 0, T)}{T}
     \right)^{p}

  As in optax, ``transition_steps <= 0`` gives the constant ``init_value`` and a
  negative ``transition_begin`` acts as 0; both also hold for traced values
  (the end value is replaced by ``init_value``).

  Args:
    init_value: ``v_0``.
    end_value: ``v_1``.
    power: ``p >= 0``.
    transition_steps: ``T``, whole number.
    transition_begin: ``b``, whole number.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> jo.polynomial_schedule(1.0, 0.0, 2, 4)(jnp.arange(5)).tolist()
    [1.0, 0.5625, 0.25, 0.0625, 0.0]
  """
  fn = "polynomial_schedule"
  init = _num(fn, "init_value", init_value)
  end = _num(fn, "end_value", end_value)
  t = _steps(fn, "transition_steps", transition_steps)
  return polynomial(init, _args.where(t > 0, end, init), _args.steps_max(t, 1),
                    power=_num(fn, "power", power, lo=0,
                               fix="Pass a non-negative exponent."),
                    transition_begin=_begin(fn, transition_begin))


def linear_schedule(init_value: ArrayLike, end_value: ArrayLike, transition_steps: ArrayLike,
                    transition_begin: ArrayLike = 0) -> Schedule:
  r"""optax ``linear_schedule``, mapped to :func:`jaxsched.linear`.

  .. math::
     \eta(t) = v_0 + (v_1 - v_0)\,\frac{\mathrm{clip}(t - b, 0, T)}{T}

  ``transition_steps <= 0`` gives the constant ``init_value`` (as optax, also
  when traced); a negative ``transition_begin`` acts as 0.

  Args:
    init_value: ``v_0``.
    end_value: ``v_1``.
    transition_steps: ``T``, whole number.
    transition_begin: ``b``, whole number.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> jo.linear_schedule(1.0, 0.0, 4, transition_begin=1)(jnp.arange(6)).tolist()
    [1.0, 1.0, 0.75, 0.5, 0.25, 0.0]
  """
  fn = "linear_schedule"
  init = _num(fn, "init_value", init_value)
  end = _num(fn, "end_value", end_value)
  t = _steps(fn, "transition_steps", transition_steps)
  return linear(init, _args.where(t > 0, end, init), _args.steps_max(t, 1),
                transition_begin=_begin(fn, transition_begin))


def _is_array(x: Any) -> bool:
  return isinstance(x, (np.ndarray, jax.Array)) or _check.is_traced(x)


def _pairs(fn: str, bs: Any) -> tuple[Any, Any]:
  """``boundaries_and_scales`` as two 1-D arrays, sorted by boundary if concrete."""
  name = "boundaries_and_scales"
  fix = ("Pass a dict {boundary: scale}, a list of (boundary, scale) pairs or "
         "two 1-D arrays (boundaries, scales).")
  if bs is None:
    return np.zeros((0,), np.int32), np.zeros((0,))
  b: Any  # boundaries and scales: lists, then NumPy or JAX arrays
  s: Any
  items: list[tuple[Any, ...]] | None
  order: list[int] | np.ndarray
  if isinstance(bs, dict):
    items = list(bs.items())
  elif (isinstance(bs, (tuple, list)) and len(bs) == 2 and
        all(_is_array(x) and jnp.ndim(x) == 1 for x in bs)):
    b, s = bs
    if jnp.shape(b) != jnp.shape(s):
      raise ValueError(f"{_P}{fn}: `{name}` must hold as many scales as "
                       f"boundaries, got shapes {jnp.shape(b)} and "
                       f"{jnp.shape(s)}. {fix}")
    items = None
  elif _is_array(bs) and jnp.ndim(bs) == 2 and jnp.shape(bs)[1] == 2:
    b, s = bs[:, 0], bs[:, 1]
    items = None
  else:
    try:
      items = [tuple(p) for p in bs]
    except TypeError:
      items = [()]
    if any(len(p) != 2 for p in items):
      raise ValueError(f"{_P}{fn}: `{name}` must be a dict or (boundary, scale) "
                       f"pairs, got {name}={bs!r}. {fix}")
  if items is not None:
    if not items:
      return np.zeros((0,), np.int32), np.zeros((0,))
    b = [p[0] for p in items]
    s = [p[1] for p in items]
    if not _args.traced(b):
      order = sorted(range(len(b)), key=lambda i: float(b[i]))
      b = [b[i] for i in order]
      s = [s[i] for i in order]
    b = _check.stack(b) if _args.traced(b) else np.asarray(b)
    s = (_check.stack([_args.as_float(x) for x in s]) if _args.traced(s)
         else np.asarray(s, dtype=np.float64))
  elif not _args.traced(b):
    order = np.argsort(np.asarray(b), kind="stable")
    b = np.asarray(b)[order]
    s = s[jnp.asarray(order)] if _args.traced(s) else np.asarray(s, np.float64)[order]
  b = _check.sequence(_P + fn, name, b, integer=True, fix=fix)
  if not _args.traced(s):
    s = _check.sequence(_P + fn, name, s, lo=0.0,
                        fix="optax expects non-negative scale factors.")
  return b, s


def _knot_values(init: Any, scales: Any) -> Any:
  """``init * cumprod(scales)`` with ``init`` in front (float64 if concrete)."""
  if not _args.traced(init, scales):
    return np.cumprod(np.concatenate([[float(init)],
                                      np.asarray(scales, np.float64)]))
  return jnp.cumprod(jnp.concatenate([jnp.reshape(_args.as_float(init), (1,)),
                                      _args.as_float(scales)]))


def piecewise_constant_schedule(init_value: ArrayLike,
                                boundaries_and_scales: BoundariesAndScales = None) -> Schedule:
  r"""optax ``piecewise_constant_schedule``, as a vectorised
  :func:`jaxsched.piecewise_constant`.

  .. math:: \eta(t) = v_0 \prod_{i : b_i \le t} s_i

  Args:
    init_value: ``v_0``.
    boundaries_and_scales: ``None``, a dict ``{b_i: s_i}``, a sequence of
      ``(b_i, s_i)`` pairs (sorted by boundary when concrete), an ``(n, 2)``
      array, or two 1-D arrays ``(boundaries, scales)`` (NumPy or JAX arrays;
      a pair of Python lists reads as two pairs), which may be traced (traced
      boundaries are assumed sorted). Concrete scales must be >= 0, as in optax; traced ones
      are used as given.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape. One lookup whatever the number
    of boundaries (optax unrolls a Python loop over them).

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> s = jo.piecewise_constant_schedule(1.0, {2: 0.5, 4: 0.5})
    >>> s(jnp.arange(6)).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
  """
  fn = "piecewise_constant_schedule"
  init = _num(fn, "init_value", init_value)
  b, s = _pairs(fn, boundaries_and_scales)
  return piecewise_constant(b, _knot_values(init, s))


_INTERPOLATE = ("linear", "cosine")


def piecewise_interpolate_schedule(interpolate_type: Interpolation, init_value: ArrayLike,
                                   boundaries_and_scales: BoundariesAndScales = None) -> Schedule:
  r"""optax ``piecewise_interpolate_schedule``, mapped to
  :func:`jaxsched.piecewise_linear` (``interpolation`` linear or cosine).

  The knots are :math:`(0, v_0)` and :math:`(b_i, v_0 \prod_{j \le i} s_j)`;
  between two knots the value follows a line or a half cosine, and it is held
  after the last one.

  Args:
    interpolate_type: ``"linear"`` or ``"cosine"``.
    init_value: ``v_0``.
    boundaries_and_scales: as in :func:`piecewise_constant_schedule`;
      boundaries must be >= 0.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape. Before step 0 it holds
    ``init_value`` (optax returns 0 for negative steps).

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> s = jo.piecewise_interpolate_schedule("linear", 1.0, {4: 0.5})
    >>> s(jnp.arange(0, 7, 2)).tolist()
    [1.0, 0.75, 0.5, 0.5]
  """
  fn = "piecewise_interpolate_schedule"
  if interpolate_type not in _INTERPOLATE:
    raise ValueError(
        f"{_P}{fn}: `interpolate_type` must be 'linear' or 'cosine', got "
        f"interpolate_type={interpolate_type!r}. Pass 'linear' or 'cosine'.")
  init = _num(fn, "init_value", init_value)
  b, s = _pairs(fn, boundaries_and_scales)
  if not _args.traced(b) and b.size and np.min(b) < 0:
    raise ValueError(
        f"{_P}{fn}: `boundaries_and_scales` must have boundaries >= 0, got "
        f"boundaries={b.tolist()}. The first knot is at step 0.")
  knots: Any  # a JAX array when traced, else NumPy
  if _args.traced(b):
    knots = jnp.concatenate([jnp.zeros((1,), jnp.asarray(b).dtype), b])
  else:
    knots = np.concatenate([np.zeros((1,), b.dtype), b])
  return piecewise_linear(knots, _knot_values(init, s),
                          interpolation=interpolate_type)


def exponential_decay(init_value: ArrayLike, transition_steps: ArrayLike, decay_rate: ArrayLike,
                      transition_begin: ArrayLike = 0, staircase: bool = False,
                      end_value: ArrayLike | None = None) -> Schedule:
  r"""optax ``exponential_decay``, mapped to :func:`jaxsched.exponential_decay`.

  .. math::
     \eta(t) = v_0\, r^{\max(t - b, 0)/T}
     \quad(\text{floored exponent with } staircase)

  then clipped from below by ``end_value`` when ``r < 1`` (from above when
  ``r >= 1``). As in optax, ``transition_steps <= 0`` or ``decay_rate == 0``
  give the constant ``init_value`` (also when traced: the rate becomes 1), and
  a negative ``transition_begin`` acts as 0.

  Args:
    init_value: ``v_0``.
    transition_steps: ``T`` (may be fractional).
    decay_rate: ``r >= 0`` (optax gives NaN for a negative rate; here a concrete
      one raises).
    transition_begin: ``b``, whole number.
    staircase: floor the exponent (static).
    end_value: optional bound (static: present or not).

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> s = jo.exponential_decay(1.0, 2, 0.5, staircase=True)
    >>> s(jnp.arange(5)).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25]
  """
  fn = "exponential_decay"
  init = _num(fn, "init_value", init_value)
  t = _check.number(_P + fn, "transition_steps", transition_steps)
  rate = _num(fn, "decay_rate", decay_rate, lo=0,
              fix="Pass the factor applied every transition_steps, e.g. 0.9.")
  if end_value is not None:
    end_value = _num(fn, "end_value", end_value)
  flat = (t <= 0) | (rate == 0) if _args.traced(t, rate) else (t <= 0 or rate == 0)
  if end_value is not None:
    end_value = _args.where(flat, init, end_value)
  return _exponential_decay(
      init, _args.where(flat, 1.0, rate), _args.where(t > 0, t, 1),
      transition_begin=_begin(fn, transition_begin),
      staircase=_check.flag(_P + fn, "staircase", staircase), end_value=end_value)


def cosine_decay_schedule(init_value: ArrayLike, decay_steps: ArrayLike, alpha: ArrayLike = 0.0,
                          exponent: ArrayLike = 1.0) -> Schedule:
  r"""optax ``cosine_decay_schedule``, mapped to :func:`jaxsched.cosine_decay`
  with ``end_value = alpha * init_value``.

  .. math::
     \eta(t) = v_0\left((1 - \alpha)\left(\frac{1 + \cos(\pi \min(t, T)/T)}{2}
     \right)^{e} + \alpha\right)

  Args:
    init_value: ``v_0``.
    decay_steps: ``T > 0``, whole number (a concrete ``T <= 0`` raises, as in
      optax; a traced one acts as 1).
    alpha: the final value as a fraction of ``init_value``.
    exponent: ``e >= 0``.

  Negative steps: optax evaluates the cosine at ``t < 0`` too (it only clips
  from above, so ``s(-t) == s(t)``); this port holds ``init_value`` there, as
  every jaxsched decay does before it starts. Steps ``>= 0`` agree.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> s = jo.cosine_decay_schedule(1.0, 4, alpha=0.5)
    >>> np.asarray(s(jnp.arange(5)), float).round(4).tolist()
    [1.0, 0.9268, 0.75, 0.5732, 0.5]
  """
  fn = "cosine_decay_schedule"
  init = _num(fn, "init_value", init_value)
  t = _steps(fn, "decay_steps", decay_steps, lo=0, positive=True,
             fix="The cosine decay needs a positive number of steps.")
  return cosine_decay(init, t, end_value=_args.mul(init, _num(fn, "alpha", alpha)),
                      exponent=_num(fn, "exponent", exponent, lo=0,
                                    fix="Pass a non-negative exponent."))


def warmup_constant_schedule(init_value: ArrayLike, peak_value: ArrayLike,
                             warmup_steps: ArrayLike) -> Schedule:
  r"""optax ``warmup_constant_schedule``: a line to ``peak_value``, then held.

  Same as :func:`linear_schedule` ``(init_value, peak_value, warmup_steps)``;
  like optax, ``warmup_steps <= 0`` gives the constant ``init_value``.

  Args:
    init_value: value at step 0.
    peak_value: value from ``warmup_steps`` on.
    warmup_steps: whole number.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> jo.warmup_constant_schedule(0.0, 1.0, 2)(jnp.arange(4)).tolist()
    [0.0, 0.5, 1.0, 1.0]
  """
  return linear_schedule(init_value, peak_value, warmup_steps)


def warmup_cosine_decay_schedule(init_value: ArrayLike, peak_value: ArrayLike,
                                 warmup_steps: ArrayLike, decay_steps: ArrayLike,
                                 end_value: ArrayLike = 0.0,
                                 exponent: ArrayLike = 1.0) -> Schedule:
  r"""optax ``warmup_cosine_decay_schedule``, mapped to
  :func:`jaxsched.warmup_cosine_decay` (``decay_steps`` is the total length).

  .. math::
     \eta(t) = \begin{cases} v_i + (v_p - v_i)\,t/W & t < W \\
     v_e + (v_p - v_e)\left(\frac{1 + \cos(\pi\min(t - W, D)/D)}{2}\right)^{e}
     & t \ge W \end{cases},\qquad D = T - W

  As in optax, ``peak_value == 0`` makes the decay 0 whatever ``end_value``
  (optax's ``alpha = end_value / peak_value`` is 0 then), also when traced.

  Args:
    init_value: ``v_i``.
    peak_value: ``v_p``.
    warmup_steps: ``W >= 0``.
    decay_steps: ``T > W`` (a concrete ``T <= W`` raises, as in optax; traced,
      ``D`` acts as 1).
    end_value: ``v_e``.
    exponent: ``e >= 0``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> s = jo.warmup_cosine_decay_schedule(0.0, 1.0, 2, 6, end_value=0.1)
    >>> np.asarray(s(jnp.arange(7)), float).round(4).tolist()
    [0.0, 0.5, 1.0, 0.8682, 0.55, 0.2318, 0.1]
  """
  fn = "warmup_cosine_decay_schedule"
  init = _num(fn, "init_value", init_value)
  peak = _num(fn, "peak_value", peak_value)
  end = _num(fn, "end_value", end_value)
  w = _steps(fn, "warmup_steps", warmup_steps, lo=0)
  t = _steps(fn, "decay_steps", decay_steps)
  if not _args.traced(w, t) and t - w <= 0:
    raise ValueError(
        f"{_P}{fn}: `decay_steps` must be > warmup_steps={w}, got "
        f"decay_steps={t}. decay_steps is the total length, warmup included.")
  return warmup_cosine_decay(
      peak, w, t, init_value=init, end_value=_args.where(peak == 0, 0.0, end),
      exponent=_num(fn, "exponent", exponent, lo=0,
                    fix="Pass a non-negative exponent."))


def warmup_exponential_decay_schedule(init_value: ArrayLike, peak_value: ArrayLike,
                                      warmup_steps: ArrayLike, transition_steps: ArrayLike,
                                      decay_rate: ArrayLike, transition_begin: ArrayLike = 0,
                                      staircase: bool = False,
                                      end_value: ArrayLike | None = None) -> Schedule:
  r"""optax ``warmup_exponential_decay_schedule``: :func:`jaxsched.join` of a
  :func:`linear_schedule` warmup and an :func:`exponential_decay` at
  ``warmup_steps``.

  .. math::
     \eta(t) = \begin{cases} v_i + (v_p - v_i)\,t/W & t < W \\
     \mathrm{exponential\_decay}(v_p, T, r, b, \ldots)(t - W) & t \ge W
     \end{cases}

  Args:
    init_value: ``v_i``.
    peak_value: ``v_p``.
    warmup_steps: ``W >= 0``.
    transition_steps, decay_rate, transition_begin, staircase, end_value: as in
      :func:`exponential_decay`.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> s = jo.warmup_exponential_decay_schedule(0.0, 1.0, 2, 1, 0.5)
    >>> s(jnp.arange(5)).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.25]
  """
  fn = "warmup_exponential_decay_schedule"
  w = _steps(fn, "warmup_steps", warmup_steps, lo=0)
  return join([linear_schedule(init_value, peak_value, w),
               exponential_decay(peak_value, transition_steps, decay_rate,
                                 transition_begin, staircase, end_value)], [w])


def _onecycle_knots(fn: str, transition_steps: Any, fracs: Sequence[Any],
                    scales: Sequence[Any]) -> Any:
  """optax's ``{int(f * T): s}``: a dict when concrete, two arrays if traced."""
  t = _steps(fn, "transition_steps", transition_steps, lo=0, positive=True,
             fix="Pass the length of the cycle in steps (> 0).")
  if not _args.traced(t, *fracs):
    out: dict[int, Any] = {}
    for f, s in zip(fracs, scales):
      out[int(f * t)] = s
    out[t] = scales[-1]
    return out
  b = [jnp.floor(_args.as_float(f) * _args.as_float(t)) for f in fracs] + [_args.as_float(t)]
  return jnp.stack(b), jnp.stack([_args.as_float(s) for s in scales])


def linear_onecycle_schedule(transition_steps: ArrayLike, peak_value: ArrayLike,
                             pct_start: ArrayLike = 0.3, pct_final: ArrayLike = 0.85,
                             div_factor: ArrayLike = 25.0,
                             final_div_factor: ArrayLike = 1e4) -> Schedule:
  r"""optax ``linear_onecycle_schedule``: :func:`piecewise_interpolate_schedule`
  (linear) through the knots

  .. math::
     (0, v_p/\delta),\ (\lfloor p_s T\rfloor, v_p),\ (\lfloor p_f T\rfloor,
     v_p/\delta),\ (T, v_p/(\delta\,\delta_f))

  Args:
    transition_steps: ``T > 0``.
    peak_value: ``v_p``.
    pct_start: ``p_s``, fraction of ``T`` spent rising.
    pct_final: ``p_f``, fraction of ``T`` where the descent ends.
    div_factor: ``delta``.
    final_div_factor: ``delta_f``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape. With concrete ``pct_*`` and
    ``T`` the knots are optax's (``int()`` in float64, colliding knots merged as in
    optax's dict); traced, ``floor(p T)`` is computed in the default float dtype (it
    can differ by one step where ``p T`` is within rounding of an integer) and ``p_s
    <= p_f`` is assumed.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> s = jo.linear_onecycle_schedule(10, 1.0, pct_start=0.2, pct_final=0.6,
    ...                                 div_factor=10.0, final_div_factor=1.0)
    >>> np.asarray(s(jnp.array([0, 2, 4, 6, 10])), float).round(4).tolist()
    [0.1, 1.0, 0.55, 0.1, 0.1]
  """
  fn = "linear_onecycle_schedule"
  div = _num(fn, "div_factor", div_factor)
  fdiv = _num(fn, "final_div_factor", final_div_factor)
  knots = _onecycle_knots(
      fn, transition_steps,
      [_num(fn, "pct_start", pct_start), _num(fn, "pct_final", pct_final)],
      [div, _args.div(1.0, div), _args.div(1.0, fdiv)])
  return piecewise_interpolate_schedule(
      "linear", _args.div(_num(fn, "peak_value", peak_value), div), knots)


def cosine_onecycle_schedule(transition_steps: ArrayLike, peak_value: ArrayLike,
                             pct_start: ArrayLike = 0.3, div_factor: ArrayLike = 25.0,
                             final_div_factor: ArrayLike = 1e4) -> Schedule:
  r"""optax ``cosine_onecycle_schedule``: :func:`piecewise_interpolate_schedule`
  (cosine) through the knots

  .. math::
     (0, v_p/\delta),\ (\lfloor p_s T\rfloor, v_p),\
     (T, v_p/(\delta\,\delta_f))

  Args:
    transition_steps: ``T > 0``.
    peak_value: ``v_p``.
    pct_start: ``p_s``.
    div_factor: ``delta``.
    final_div_factor: ``delta_f``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape. A traced ``p_s T`` is
    handled as in :func:`linear_onecycle_schedule`.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> s = jo.cosine_onecycle_schedule(10, 1.0, pct_start=0.2, div_factor=10.0,
    ...                                 final_div_factor=1.0)
    >>> np.asarray(s(jnp.array([0, 1, 2, 6, 10])), float).round(4).tolist()
    [0.1, 0.55, 1.0, 0.55, 0.1]
  """
  fn = "cosine_onecycle_schedule"
  div = _num(fn, "div_factor", div_factor)
  fdiv = _num(fn, "final_div_factor", final_div_factor)
  knots = _onecycle_knots(fn, transition_steps, [_num(fn, "pct_start", pct_start)],
                          [div, _args.div(1.0, _args.mul(div, fdiv))])
  return piecewise_interpolate_schedule(
      "cosine", _args.div(_num(fn, "peak_value", peak_value), div), knots)


def sgdr_schedule(cosine_kwargs: Iterable[dict[str, Any]]) -> Schedule:
  r"""optax ``sgdr_schedule``: cycles of :func:`warmup_cosine_decay_schedule`,
  one after another.

  Cycle :math:`i` runs :func:`warmup_cosine_decay_schedule` ``(**kwargs_i)``
  from step :math:`\sum_{j<i} T_j` (``T_j`` its ``decay_steps``). Maps to one
  :func:`jaxsched.join`, whose cycles of the same structure are stacked: the
  compile time does not grow with the number of cycles (optax's does).

  Args:
    cosine_kwargs: one dict of :func:`warmup_cosine_decay_schedule` arguments
      per cycle (any of them may be traced).

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> kw = dict(init_value=0.0, peak_value=1.0, warmup_steps=1, decay_steps=3)
    >>> s = jo.sgdr_schedule([kw] * 2)
    >>> np.asarray(s(jnp.arange(7)), float).round(4).tolist()
    [0.0, 1.0, 0.5, 0.0, 1.0, 0.5, 0.0]
  """
  fn = "sgdr_schedule"
  kws = list(cosine_kwargs)
  if not kws:
    raise ValueError(f"{_P}{fn}: `cosine_kwargs` must hold at least one dict, "
                     "got []. Pass one dict of warmup_cosine_decay_schedule "
                     "arguments per cycle.")
  for i, kw in enumerate(kws):
    if not isinstance(kw, dict) or "decay_steps" not in kw:
      raise ValueError(
          f"{_P}{fn}: `cosine_kwargs[{i}]` must be a dict with a decay_steps "
          f"key, got cosine_kwargs[{i}]={kw!r}. Pass the arguments of "
          "warmup_cosine_decay_schedule.")
  cycles = [warmup_cosine_decay_schedule(**kw) for kw in kws]
  lengths = [kw["decay_steps"] for kw in kws[:-1]]
  if _args.traced(lengths):
    bounds = jnp.cumsum(_check.stack(lengths))
  else:
    bounds = np.cumsum(np.asarray(lengths, dtype=np.int64)).tolist()
  return join(cycles, bounds)


def join_schedules(schedules: Sequence[ScheduleLike],
                   boundaries: Sequence[ArrayLike] | ArrayLike) -> Schedule:
  r"""optax ``join_schedules``, mapped to :func:`jaxsched.join`.

  .. math:: \eta(t) = s_i(t - b_{i-1}), \qquad b_{i-1} \le t < b_i

  Args:
    schedules: jaxsched schedules or any callables (optax schedules included).
    boundaries: ``len(schedules) - 1`` sorted steps (may be traced). optax
      accepts unsorted boundaries; here concrete ones must be sorted.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with optax's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import optax as jo
    >>> s = jo.join_schedules([jo.constant_schedule(1.0),
    ...                        jo.linear_schedule(0.5, 0.0, 2)], [2])
    >>> s(jnp.arange(5)).tolist()
    [1.0, 1.0, 0.5, 0.25, 0.0]
  """
  return join(schedules, boundaries)
