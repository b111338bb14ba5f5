"""Families and combinators that ported recipes need (DeepSpeed, transformers, PyTorch).

* :func:`log_warmup`: DeepSpeed's logarithmic warmup.
* :func:`linear_growth`: ``v (1 + r t / T)``, DeepSpeed's LR range test.
* :func:`cosine_wave`: a cosine that keeps oscillating (transformers' cosine with
  ``num_cycles``, PyTorch's ``CosineAnnealingLR`` past ``T_max``).
* :func:`stepped_cyclic`: a triangular cycle with optional stairs (DeepSpeed's
  ``OneCycle``).
* :func:`cumulative_product`: ``prod_{j=1..t} s(j)`` (PyTorch's ``MultiplicativeLR``).
* :func:`with_momentum`: a learning-rate schedule that carries its momentum curve.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import Schedule, ScheduleLike, concrete, every, factory, register, static
from jaxsched._combinators import _as_schedule

Array = jax.Array


def _changes(s: Any, horizon: float) -> list[float]:
  """A child's phase changes (empty for plain callables)."""
  get = getattr(s, "_phase_changes", None)
  return list(get(horizon)) if get is not None else []


def _multiples(step: Any, horizon: float, start: float = 0.0) -> list[float]:
  """``start, start + step, ...`` up to ``horizon`` (``MAX_EVENTS`` at most)."""
  if _check.is_traced(step):
    return []
  (d,) = concrete("phase_changes", step)
  return [start] + every(start + float(d), float(d), horizon)


@register("log_warmup")
class LogWarmup(Schedule):
  init_value: ArrayLike
  peak_value: ArrayLike
  warmup_steps: ArrayLike

  def _value(self, k: Array) -> Array:
    return _shapes.log_ramp(self.init_value, self.peak_value, k, self.warmup_steps)

  def _phase_changes(self, horizon: float) -> list[float]:
    if _check.is_traced(self.warmup_steps):
      return [0.0]
    return [0.0, max(float(np.asarray(self.warmup_steps)), 2.0) - 1.0]


@factory("log_warmup")
def log_warmup(init_value: ArrayLike, peak_value: ArrayLike, warmup_steps: ArrayLike) -> LogWarmup:
  r"""Logarithmic warmup from ``init_value`` to ``peak_value``, then held.

  .. math::
     \eta(t) = v_i + (v_p - v_i)\,\min\!\left(1, \frac{\ln(1 + t)}{\ln W}\right)

  It rises fast at first and reaches :math:`v_p` at :math:`t = W - 1`.

  Args:
    init_value: ``v_i``, the value at step 0.
    peak_value: ``v_p``, the value from step ``W - 1`` on.
    warmup_steps: ``W``, a whole number >= 2 (a traced value below 2 acts as
      2; negative steps act as step 0).

  Returns:
    A ``LogWarmup`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.log_warmup(0.0, 1.0, 4)
    >>> np.asarray(s(jnp.arange(5)), float).round(4).tolist()
    [0.0, 0.5, 0.7925, 1.0, 1.0]

  References:
    DeepSpeed ``WarmupLR(warmup_type="log")`` (``deepspeed.runtime.lr_schedules``).
  """
  fn = "log_warmup"
  return LogWarmup(
      _check.number(fn, "init_value", init_value),
      _check.number(fn, "peak_value", peak_value),
      _check.steps(fn, "warmup_steps", warmup_steps, lo=2,
                   fix="Pass the warmup length in steps (>= 2)."))


@register("linear_growth")
class LinearGrowth(Schedule):
  init_value: ArrayLike
  rate: ArrayLike
  step_size: ArrayLike = 1
  staircase: bool = static(default=False)

  def _value(self, k: Array) -> Array:
    p = _shapes.periods(jnp.maximum(k, 0), self.step_size, self.staircase)
    return _shapes.arithmetic(self.init_value, self.rate, p)

  def _phase_changes(self, horizon: float) -> list[float]:
    return _multiples(self.step_size, horizon) if self.staircase else [0.0]


@factory("linear_growth")
def linear_growth(init_value: ArrayLike, rate: ArrayLike, step_size: ArrayLike = 1, *,
                  staircase: bool = False) -> LinearGrowth:
  r"""Linear growth without end: the learning rate of a linear LR range test.

  .. math::
     \eta(t) = v_0\,(1 + r\,p), \qquad p = \frac{t}{T}
     \quad(\lfloor t/T \rfloor \text{ with } staircase)

  Args:
    init_value: ``v_0``, the value at step 0.
    rate: ``r``, the growth per ``step_size`` steps, as a fraction of ``v_0``
      (a negative rate decays linearly and goes below 0 eventually).
    step_size: ``T > 0`` steps (may be fractional; a traced value <= 0 acts as 1).
    staircase: grow in jumps every ``T`` steps (static).

  Returns:
    A ``LinearGrowth`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``). Negative steps
    act as step 0.

  Example:
    >>> s = jaxsched.linear_growth(0.1, 1.0, 2, staircase=True)
    >>> np.asarray(s(jnp.arange(5)), float).round(4).tolist()
    [0.1, 0.1, 0.2, 0.2, 0.3]

  References:
    DeepSpeed ``LRRangeTest``; Smith (2018), "A disciplined approach to neural
    network hyper-parameters".
  """
  fn = "linear_growth"
  return LinearGrowth(
      _check.number(fn, "init_value", init_value),
      _check.number(fn, "rate", rate),
      _check.number(fn, "step_size", step_size, lo=0, lo_open=True,
                    fix="Pass the number of steps per increase, e.g. 1000."),
      staircase=_check.flag(fn, "staircase", staircase))


@register("cosine_wave")
class CosineWave(Schedule):
  init_value: ArrayLike
  end_value: ArrayLike
  half_period: ArrayLike

  def _value(self, k: Array) -> Array:
    h = _shapes.to_float(self.half_period)
    pos = _shapes.mod(_shapes.to_float(jnp.maximum(k, 0)), 2.0 * h)
    down = jnp.where(pos > h, 2.0 * h - pos, pos)  # the way back up, mirrored
    return _shapes.cos_anneal(self.init_value, self.end_value,
                              _shapes.progress_float(down, h))

  def _phase_changes(self, horizon: float) -> list[float]:
    return _multiples(self.half_period, horizon)


@factory("cosine_wave")
def cosine_wave(init_value: ArrayLike, end_value: ArrayLike, half_period: ArrayLike) -> CosineWave:
  r"""A cosine wave that never stops: down in ``H`` steps, up in ``H``, repeated.

  .. math::
     \eta(t) = v_1 + (v_0 - v_1)\,\frac{1 + \cos(\pi t / H)}{2}

  Args:
    init_value: ``v_0``, the value at step 0 and every ``2H`` steps.
    end_value: ``v_1``, the value at odd multiples of ``H``.
    half_period: ``H > 0`` steps (may be fractional; a traced value <= 0 acts as
      1; negative steps act as step 0).

  Returns:
    A ``CosineWave`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.cosine_wave(1.0, 0.0, 2)
    >>> np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    [1.0, 0.5, 0.0, 0.5, 1.0, 0.5]

  References:
    transformers ``get_cosine_schedule_with_warmup(num_cycles=...)``; PyTorch
    ``CosineAnnealingLR`` (which keeps oscillating past ``T_max``).
  """
  fn = "cosine_wave"
  return CosineWave(
      _check.number(fn, "init_value", init_value),
      _check.number(fn, "end_value", end_value),
      _check.number(fn, "half_period", half_period, lo=0, lo_open=True,
                    fix="Pass the length of one half wave in steps."))


@register("stepped_cyclic")
class SteppedCyclic(Schedule):
  base_value: ArrayLike
  max_value: ArrayLike
  step_size_up: ArrayLike
  step_size_down: ArrayLike
  stairs_up: ArrayLike = 0
  stairs_down: ArrayLike = 0

  def _value(self, k: Array) -> Array:
    total = _shapes.exact_add(self.step_size_up, self.step_size_down)
    pos = _shapes.to_float(_shapes.mod(jnp.maximum(k, 0), total))
    up = _shapes.to_float(self.step_size_up)
    rise = _shapes.stair_fraction(pos, up, self.stairs_up)
    fall = _shapes.stair_fraction(_shapes.to_float(total) - pos, self.step_size_down,
                            self.stairs_down)
    return _shapes.lerp(self.base_value, self.max_value,
                        jnp.where(pos <= up, rise, fall))

  def _phase_changes(self, horizon: float) -> list[float]:
    if _check.is_traced(self.step_size_up) or _check.is_traced(self.step_size_down):
      return [0.0]
    up, down = float(np.asarray(self.step_size_up)), float(np.asarray(self.step_size_down))
    out = []
    for start in _multiples(up + down, horizon):
      out += [start, start + up]
    return [x for x in out if x <= horizon]


@factory("stepped_cyclic")
def stepped_cyclic(base_value: ArrayLike, max_value: ArrayLike, step_size_up: ArrayLike, *,
                   step_size_down: ArrayLike | None = None, stairs_up: ArrayLike = 0,
                   stairs_down: ArrayLike | None = None) -> SteppedCyclic:
  r"""A triangular cycle whose halves may move in flat stairs.

  With :math:`L = u + d` and :math:`x = t \bmod L`, the rise is
  :math:`f = x/u` and the fall :math:`f = (L - x)/d`; with :math:`n > 0` stairs
  in a half, :math:`f = \lfloor x n / u \rfloor / n` (rise) or
  :math:`\lfloor (L - x) n / d \rfloor / n` (fall). Then

  .. math:: \eta(t) = v_b + (v_m - v_b)\, f

  With no stairs this is :func:`jaxsched.cyclic` in ``triangular`` mode.

  Args:
    base_value: ``v_b``, the value at the start and end of every cycle.
    max_value: ``v_m``, the value at ``x = u``.
    step_size_up: ``u > 0`` steps of the rise (may be fractional; a traced
      value <= 0 acts as 1).
    step_size_down: ``d > 0`` steps of the fall; ``None`` means ``u``.
    stairs_up: number of stairs of the rise, a whole number >= 0 (0: smooth).
    stairs_down: the same for the fall; ``None`` means ``stairs_up``.

  Returns:
    A ``SteppedCyclic`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``). Negative steps
    act as step 0. Stair edges are exact for integer inputs while ``x n < 2**24``.

  Example:
    >>> s = jaxsched.stepped_cyclic(0.0, 1.0, 4, stairs_up=2)
    >>> s(jnp.arange(9)).tolist()
    [0.0, 0.0, 0.5, 0.5, 1.0, 0.5, 0.5, 0.0, 0.0]

  References:
    DeepSpeed ``OneCycle`` (``cycle_first_stair_count``,
    ``cycle_second_stair_count``); Smith (2017), "Cyclical Learning Rates".
  """
  fn = "stepped_cyclic"
  up = _check.number(fn, "step_size_up", step_size_up, lo=0, lo_open=True,
                     fix="Pass the number of steps of the rise.")
  down = up if step_size_down is None else _check.number(
      fn, "step_size_down", step_size_down, lo=0, lo_open=True,
      fix="Pass the number of steps of the fall, or None for step_size_up.")
  fix = "Pass a whole number of stairs, or 0 for a smooth half cycle."
  n_up = _check.steps(fn, "stairs_up", stairs_up, fix=fix)
  n_down = n_up if stairs_down is None else _check.steps(
      fn, "stairs_down", stairs_down, fix=fix)
  return SteppedCyclic(_check.number(fn, "base_value", base_value),
                       _check.number(fn, "max_value", max_value), up, down,
                       n_up, n_down)


@register("cumulative_product")
class CumulativeProduct(Schedule):
  schedule: Schedule
  max_steps: int = static()

  def _value(self, k: Array) -> Array:
    j = jnp.arange(1, self.max_steps + 1, dtype=jnp.int32)
    factors = _shapes.to_float(self.schedule(j))
    table = jnp.concatenate([jnp.ones((1,), factors.dtype), jnp.cumprod(factors)])
    if _shapes.is_int(k):  # min in k's own dtype first: uint32 steps stay exact
      idx = jnp.maximum(jnp.minimum(k, self.max_steps).astype(jnp.int32), 0)
    else:
      idx = jnp.clip(jnp.floor(k), 0, self.max_steps).astype(jnp.int32)
    return table[idx]

  def _phase_changes(self, horizon: float) -> list[float]:
    return [0.0, float(np.asarray(self.max_steps))] + _changes(self.schedule, horizon)


@factory("cumulative_product")
def cumulative_product(schedule: ScheduleLike, max_steps: int) -> CumulativeProduct:
  r"""The running product of a schedule's values: ``s(1) s(2) ... s(t)``.

  .. math:: \eta(t) = \prod_{j=1}^{\min(t, M)} s(j), \qquad \eta(0) = 1

  Each call evaluates ``s`` on ``1..M`` and takes a cumulative product (cost
  O(M) per call, compiled once). The float32 error grows with the number of
  factors (about ``t`` times the rounding of one factor); enable x64 for
  products over many thousands of steps.

  Args:
    schedule: the factor at each step (a schedule or a jittable function of an
      int32 step array).
    max_steps: ``M``, a whole number >= 1 (static: it sets the table's size).
      From step ``M`` on the product is held.

  Returns:
    A ``CumulativeProduct`` schedule (a frozen dataclass pytree): ``s(step)``, for
    an integer step or an array of steps of any shape, is the learning rate as a
    float array of that shape (float32; float64 under ``jax_enable_x64``). Negative
    steps give 1.

  Example:
    >>> s = jaxsched.cumulative_product(jaxsched.constant(0.5), 10)
    >>> s(jnp.arange(4)).tolist()
    [1.0, 0.5, 0.25, 0.125]

  References:
    PyTorch ``MultiplicativeLR``.
  """
  fn = "cumulative_product"
  if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) \
      or max_steps < 1:
    raise ValueError(
        f"{fn}: `max_steps` must be a whole number >= 1 (a Python int: it sets "
        f"the size of the table), got max_steps={max_steps!r}. Pass the number "
        "of training steps.")
  return CumulativeProduct(_as_schedule(fn, "schedule", schedule), int(max_steps))


@register("with_momentum")
class WithMomentum(Schedule):
  schedule: Schedule
  momentum: Schedule

  def _value(self, k: Array) -> Array:
    return self.schedule(k)

  def _phase_changes(self, horizon: float) -> list[float]:
    return _changes(self.schedule, horizon) + _changes(self.momentum, horizon)


@factory("with_momentum")
def with_momentum(schedule: ScheduleLike, momentum: ScheduleLike) -> WithMomentum:
  r"""A learning-rate schedule that carries the momentum curve paired with it.

  .. math:: \eta(t) = s(t), \qquad \texttt{.momentum}(t) = m(t)

  ``s.momentum`` is the momentum schedule, for ``b1`` of
  ``optax.inject_hyperparams(optax.adam)`` or ``momentum`` of ``optax.sgd``.

  Args:
    schedule: the learning rate ``s``.
    momentum: the momentum ``m``.

  Returns:
    A ``WithMomentum`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``). Its value is
    the learning rate of ``schedule``; ``s.momentum`` is the momentum schedule.

  Example:
    >>> s = jaxsched.with_momentum(jaxsched.constant(0.1), jaxsched.constant(0.9))
    >>> print(f"{float(s(3)):.6f} {float(s.momentum(3)):.6f}")
    0.100000 0.900000
  """
  fn = "with_momentum"
  return WithMomentum(_as_schedule(fn, "schedule", schedule),
                      _as_schedule(fn, "momentum", momentum))
