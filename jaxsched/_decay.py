"""Monotone decay families: constant, linear, polynomial, exponential, inverse."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import Schedule, concrete, every, factory, register, static

Array = jax.Array

@register("constant")
class Constant(Schedule):
  value: ArrayLike

  def _value(self, k: Array) -> Array:
    return jnp.broadcast_to(_shapes.to_float(self.value), k.shape)


@factory("constant")
def constant(value: ArrayLike) -> Constant:
  r"""A constant learning rate.

  .. math:: \eta(t) = v

  Args:
    value: the learning rate (any finite number).

  Returns:
    A ``Constant`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.constant(0.1)
    >>> [round(float(x), 6) for x in s(jnp.arange(3))]
    [0.1, 0.1, 0.1]
  """
  return Constant(_check.number("constant", "value", value))


@register("linear")
class Linear(Schedule):
  init_value: ArrayLike
  end_value: ArrayLike
  transition_steps: ArrayLike
  transition_begin: ArrayLike = 0

  def _phase_changes(self, horizon: float) -> list[float]:
    b, t = concrete(self.name, self.transition_begin, self.transition_steps)
    return [b, b + max(t, 1.0)]

  def _value(self, k: Array) -> Array:
    frac = _shapes.progress(_shapes.exact_sub(k, self.transition_begin),
                            self.transition_steps)
    return _shapes.lerp(self.init_value, self.end_value, frac)


@factory("linear")
def linear(init_value: ArrayLike, end_value: ArrayLike, transition_steps: ArrayLike, *,
           transition_begin: ArrayLike = 0) -> Linear:
  r"""A straight line from ``init_value`` to ``end_value``, then held.

  .. math::
     \eta(t) = v_0 + (v_1 - v_0)\,\mathrm{clip}\!\left(\frac{t - b}{T}, 0, 1\right)

  Args:
    init_value: value up to ``transition_begin``.
    end_value: value from ``transition_begin + transition_steps`` on.
    transition_steps: length ``T`` of the line in steps (a whole number >= 1;
      a traced value below 1 acts as 1).
    transition_begin: step ``b`` where the line starts (a whole number >= 0).

  Returns:
    A ``Linear`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.linear(1.0, 0.0, 4)
    >>> s(jnp.arange(6)).tolist()
    [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]

  References:
    ``optax.linear_schedule`` (same values for ``transition_steps > 0``).
  """
  fn = "linear"
  return Linear(
      _check.number(fn, "init_value", init_value),
      _check.number(fn, "end_value", end_value),
      _check.steps(fn, "transition_steps", transition_steps, positive=True,
                   fix="Pass the length of the line in steps (>= 1); use "
                   "jaxsched.constant for a flat value."),
      transition_begin=_check.steps(fn, "transition_begin", transition_begin))


@register("polynomial")
class Polynomial(Schedule):
  init_value: ArrayLike
  end_value: ArrayLike
  transition_steps: ArrayLike
  power: ArrayLike = 1.0
  transition_begin: ArrayLike = 0
  cycle: bool = static(default=False)

  def _phase_changes(self, horizon: float) -> list[float]:
    b, t = concrete(self.name, self.transition_begin, self.transition_steps)
    if self.cycle:
      return every(b, max(t, 1.0), horizon)
    return [b, b + max(t, 1.0)]

  def _value(self, k: Array) -> Array:
    rel = _shapes.exact_sub(k, self.transition_begin)
    if not self.cycle:
      frac = _shapes.progress(rel, self.transition_steps)
    else:
      # the horizon is stretched to the next multiple of T (T itself at b)
      rel = jnp.maximum(rel, 0)
      whole = _shapes.floor_div_raw(rel, self.transition_steps)
      exact = _shapes.mod(rel, self.transition_steps) == 0
      mult = jnp.maximum(jnp.where(exact, whole, whole + 1), 1)
      frac = _shapes.progress(rel, _shapes.exact_mul(self.transition_steps, mult))
    return _shapes.poly_anneal(self.init_value, self.end_value, frac, self.power)


@factory("polynomial")
def polynomial(init_value: ArrayLike, end_value: ArrayLike, transition_steps: ArrayLike, *,
               power: ArrayLike = 1.0, transition_begin: ArrayLike = 0,
               cycle: bool = False) -> Polynomial:
  r"""Polynomial decay from ``init_value`` to ``end_value``, then held.

  .. math::
     \eta(t) = v_1 + (v_0 - v_1)\left(1 - \mathrm{clip}\!\left(\frac{t-b}{T},
     0, 1\right)\right)^{p}

  With ``cycle=True`` (Keras' ``PolynomialDecay(cycle=True)``), the horizon is
  stretched to the next multiple of ``T``: :math:`T' = T\lceil (t-b)/T\rceil`
  (and :math:`T' = T` at :math:`t = b`), so the decay restarts from a lower level.

  Args:
    init_value: value up to ``transition_begin``.
    end_value: value from ``transition_begin + transition_steps`` on.
    transition_steps: length ``T`` of the decay (a whole number >= 1; a traced
      value below 1 acts as 1).
    power: exponent ``p >= 0`` (a traced negative value gives ``inf`` at the end).
    transition_begin: step ``b`` where the decay starts (whole number >= 0).
    cycle: restart with a stretched horizon instead of holding (static).

  Returns:
    A ``Polynomial`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.polynomial(1.0, 0.0, 4, power=2.0)
    >>> s(jnp.arange(6)).tolist()
    [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]

  References:
    ``optax.polynomial_schedule``; Keras ``PolynomialDecay``.
  """
  fn = "polynomial"
  return Polynomial(
      _check.number(fn, "init_value", init_value),
      _check.number(fn, "end_value", end_value),
      _check.steps(fn, "transition_steps", transition_steps, positive=True,
                   fix="Pass the length of the decay in steps (>= 1)."),
      power=_check.number(fn, "power", power, lo=0,
                          fix="Pass a non-negative exponent (1.0 is linear)."),
      transition_begin=_check.steps(fn, "transition_begin", transition_begin),
      cycle=_check.flag(fn, "cycle", cycle))


@register("exponential_decay")
class ExponentialDecay(Schedule):
  init_value: ArrayLike
  decay_rate: ArrayLike
  transition_steps: ArrayLike = 1
  transition_begin: ArrayLike = 0
  end_value: ArrayLike | None = None
  staircase: bool = static(default=False)

  def _phase_changes(self, horizon: float) -> list[float]:
    b, t = concrete(self.name, self.transition_begin, self.transition_steps)
    return every(b, t, horizon) if self.staircase else [b]

  def _value(self, k: Array) -> Array:
    rel = jnp.maximum(_shapes.exact_sub(k, self.transition_begin), 0)
    p = _shapes.periods(rel, self.transition_steps, self.staircase)
    v = _shapes.geometric(self.init_value, self.decay_rate, p)
    if self.end_value is not None:
      end = _shapes.to_float(self.end_value)
      v = jnp.where(_shapes.to_float(self.decay_rate) < 1.0, jnp.maximum(v, end),
                    jnp.minimum(v, end))
    return v


@factory("exponential_decay")
def exponential_decay(init_value: ArrayLike, decay_rate: ArrayLike, transition_steps: ArrayLike = 1,
                      *, transition_begin: ArrayLike = 0, staircase: bool = False,
                      end_value: ArrayLike | None = None) -> ExponentialDecay:
  r"""Exponential decay: multiplied by ``decay_rate`` every ``transition_steps``.

  .. math::
     \eta(t) = v_0\, r^{\,p}, \qquad p = \frac{\max(t - b, 0)}{T}
     \quad(\lfloor p \rfloor \text{ with } staircase)

  With ``end_value``, the value is floored at it when ``r < 1`` (capped when
  ``r > 1``).

  Args:
    init_value: value up to ``transition_begin``.
    decay_rate: factor ``r >= 0`` per ``transition_steps``.
    transition_steps: ``T > 0`` steps per factor (may be fractional; a traced
      value <= 0 acts as 1).
    transition_begin: step ``b`` where the decay starts (whole number >= 0).
    staircase: decay in discrete jumps (static).
    end_value: optional bound, or ``None`` (static: present or not).

  Returns:
    An ``ExponentialDecay`` schedule (a frozen dataclass pytree): ``s(step)``, for
    an integer step or an array of steps of any shape, is the learning rate as a
    float array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.exponential_decay(1.0, 0.5, 2, staircase=True)
    >>> s(jnp.arange(6)).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]

  References:
    ``optax.exponential_decay``; Keras ``ExponentialDecay``; PyTorch
    ``ExponentialLR`` (``T = 1``).
  """
  fn = "exponential_decay"
  return ExponentialDecay(
      _check.number(fn, "init_value", init_value),
      _check.number(fn, "decay_rate", decay_rate, lo=0,
                    fix="Pass the factor applied every transition_steps, e.g. 0.9."),
      _check.number(fn, "transition_steps", transition_steps, steps=True, lo=0, lo_open=True,
                    fix="Pass the number of steps per decay factor, e.g. 1000."),
      transition_begin=_check.steps(fn, "transition_begin", transition_begin),
      end_value=None if end_value is None else _check.number(
          fn, "end_value", end_value),
      staircase=_check.flag(fn, "staircase", staircase))


@register("inverse_time_decay")
class InverseTimeDecay(Schedule):
  init_value: ArrayLike
  decay_rate: ArrayLike
  decay_steps: ArrayLike = 1
  staircase: bool = static(default=False)

  def _phase_changes(self, horizon: float) -> list[float]:
    (t,) = concrete(self.name, self.decay_steps)
    return every(0.0, t, horizon) if self.staircase else []

  def _value(self, k: Array) -> Array:
    p = _shapes.periods(jnp.maximum(k, 0), self.decay_steps, self.staircase)
    return _shapes.safe_div(_shapes.to_float(self.init_value),
                      jnp.maximum(1.0 + _shapes.to_float(self.decay_rate) * p, 0.0))


@factory("inverse_time_decay")
def inverse_time_decay(init_value: ArrayLike, decay_rate: ArrayLike, decay_steps: ArrayLike = 1, *,
                       staircase: bool = False) -> InverseTimeDecay:
  r"""Time-based (inverse-time) decay.

  .. math::
     \eta(t) = \frac{v_0}{1 + r\, t / T}
     \quad(\lfloor t/T \rfloor \text{ with } staircase)

  Args:
    init_value: value at step 0.
    decay_rate: ``r >= 0``.
    decay_steps: ``T > 0`` (may be fractional; traced values <= 0 act as 1).
    staircase: use ``floor(t / T)`` (static).

  Returns:
    An ``InverseTimeDecay`` schedule (a frozen dataclass pytree): ``s(step)``, for
    an integer step or an array of steps of any shape, is the learning rate as a
    float array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.inverse_time_decay(1.0, 1.0, 2)
    >>> s(jnp.array([0, 2, 6])).tolist()
    [1.0, 0.5, 0.25]

  References:
    Keras ``InverseTimeDecay``; the "time-based decay" of Keras 2's SGD.
  """
  fn = "inverse_time_decay"
  return InverseTimeDecay(
      _check.number(fn, "init_value", init_value),
      _check.number(fn, "decay_rate", decay_rate, lo=0,
                    fix="Pass a non-negative rate, e.g. 0.5."),
      _check.number(fn, "decay_steps", decay_steps, steps=True, lo=0, lo_open=True,
                    fix="Pass the number of steps per unit of time, e.g. 1000."),
      staircase=_check.flag(fn, "staircase", staircase))


@register("inverse_scaling")
class InverseScaling(Schedule):
  init_value: ArrayLike
  power: ArrayLike = 0.5
  timescale: ArrayLike = 1.0

  def _value(self, k: Array) -> Array:
    return _shapes.to_float(self.init_value) * _shapes.inverse_power(
        k, self.timescale, self.power)


@factory("inverse_scaling")
def inverse_scaling(init_value: ArrayLike, *, power: ArrayLike = 0.5,
                    timescale: ArrayLike = 1.0) -> InverseScaling:
  r"""Inverse scaling: a power-law decay.

  .. math:: \eta(t) = v_0 \left(1 + \frac{t}{\tau}\right)^{-p}

  Args:
    init_value: value at step 0.
    power: ``p >= 0`` (0.5 gives an inverse square root).
    timescale: ``tau > 0`` steps (traced values <= 0 act as 1).

  Returns:
    An ``InverseScaling`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.inverse_scaling(1.0, power=0.5, timescale=1.0)
    >>> s(jnp.array([0, 3, 15])).tolist()
    [1.0, 0.5, 0.25]

  References:
    scikit-learn's ``learning_rate="invscaling"`` (with ``t + 1`` in place of t).
  """
  fn = "inverse_scaling"
  return InverseScaling(
      _check.number(fn, "init_value", init_value),
      power=_check.number(fn, "power", power, lo=0,
                          fix="Pass a non-negative exponent, e.g. 0.5."),
      timescale=_check.number(fn, "timescale", timescale, lo=0, lo_open=True,
                              fix="Pass a positive number of steps."))


@register("inverse_sqrt")
class InverseSqrt(Schedule):
  peak_value: ArrayLike
  warmup_steps: ArrayLike
  timescale: ArrayLike | None = None

  def _phase_changes(self, horizon: float) -> list[float]:
    return concrete(self.name, self.warmup_steps)

  def _value(self, k: Array) -> Array:
    w = _shapes.to_float(self.warmup_steps)
    if self.timescale is None:
      ts = jnp.where(w > 0, w, 10_000.0)
    else:
      ts = jnp.maximum(_shapes.to_float(self.timescale), 1.0)
    peak = _shapes.to_float(self.peak_value)

    def main(r):
      return peak * _shapes.inverse_power(r, ts, 0.5)

    return _shapes.warmup_then(k, self.warmup_steps, 0.0, main)


@factory("inverse_sqrt")
def inverse_sqrt(peak_value: ArrayLike, warmup_steps: ArrayLike, *,
                 timescale: ArrayLike | None = None) -> InverseSqrt:
  r"""Linear warmup, then inverse square-root decay (transformers' ``inverse_sqrt``).

  .. math::
     \eta(t) = \begin{cases} v\, t / \max(W, 1) & t < W \\
     v \big/ \sqrt{(t - W + \tau)/\tau} & t \ge W \end{cases}

  Args:
    peak_value: ``v``, reached at step ``W``.
    warmup_steps: ``W`` (whole number >= 0).
    timescale: ``tau`` (>= 1); ``None`` means ``W``, or 10000 when ``W = 0``,
      as in transformers. Traced values below 1 act as 1.

  Returns:
    An ``InverseSqrt`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.inverse_sqrt(1.0, 4)
    >>> s(jnp.array([0, 2, 4, 16])).tolist()
    [0.0, 0.5, 1.0, 0.5]

  References:
    ``transformers.get_inverse_sqrt_schedule``; Vaswani et al. (2017).
  """
  fn = "inverse_sqrt"
  return InverseSqrt(
      _check.number(fn, "peak_value", peak_value),
      _check.steps(fn, "warmup_steps", warmup_steps),
      timescale=None if timescale is None else _check.number(
          fn, "timescale", timescale, lo=1,
          fix="Pass a number of steps >= 1, or None for warmup_steps."))
