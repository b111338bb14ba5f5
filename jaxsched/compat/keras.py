"""Keras' ``keras.optimizers.schedules`` as jaxsched schedules.

Same argument names as Keras 3 (``initial_learning_rate``, ``decay_steps``,
...; ``name`` is accepted and ignored) and ``s(step)`` equal to the Keras
schedule at ``step``. Keras computes in float32, as jaxsched does by default;
every numeric argument may be traced.

``to_keras(schedule)`` makes any of them (or any jaxsched schedule) the
``learning_rate`` of a Keras 3 optimizer on the JAX backend; Keras is imported
only there.

Example:
  >>> from jaxsched.compat import keras as jk
  >>> s = jk.PiecewiseConstantDecay([2], [1.0, 0.5])
  >>> s(jnp.arange(4)).tolist()
  [1.0, 1.0, 1.0, 0.5]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jax.typing import ArrayLike

from jaxsched import _check
from jaxsched._base import Schedule
from jaxsched._combinators import warmup
from jaxsched._cosine import cosine_decay, cosine_restarts
from jaxsched._decay import exponential_decay, inverse_time_decay, polynomial
from jaxsched._frameworks import to_keras as to_keras
from jaxsched._piecewise import piecewise_constant
from jaxsched.compat import _args

__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
]  # the schedules; to_keras (the Keras adapter) is imported alongside them

_P = "compat.keras."


def _num(fn: str, name: str, x: Any, **kw: Any) -> Any:
  return _args.value(_P + fn, name, x, **kw)


def _decay_steps(fn: str, x: Any, name: str = "decay_steps") -> Any:
  return _check.number(_P + fn, name, x, lo=0, lo_open=True,
                       fix="Pass a positive number of steps.")


def ExponentialDecay(initial_learning_rate: ArrayLike, decay_steps: ArrayLike,  # pylint: disable=invalid-name
                     decay_rate: ArrayLike, staircase: bool = False,
                     name: str = "ExponentialDecay") -> Schedule:
  r"""Keras ``ExponentialDecay``: :math:`\eta(t) = v_0\, r^{t/T}`
  (:math:`r^{\lfloor t/T\rfloor}` with ``staircase``).

  Maps to :func:`jaxsched.exponential_decay` ``(v_0, r, T, staircase=...)``.

  Args:
    initial_learning_rate: ``v_0``.
    decay_steps: ``T > 0``.
    decay_rate: ``r >= 0``.
    staircase: decay in discrete jumps (static).
    name: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with Keras' values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import keras as jk
    >>> jk.ExponentialDecay(1.0, 2, 0.25)(jnp.arange(0, 6, 2)).tolist()
    [1.0, 0.25, 0.0625]
  """
  fn = "ExponentialDecay"
  return exponential_decay(
      _num(fn, "initial_learning_rate", initial_learning_rate),
      _num(fn, "decay_rate", decay_rate, lo=0, fix="Pass a factor such as 0.96."),
      _decay_steps(fn, decay_steps),
      staircase=_check.flag(_P + fn, "staircase", staircase))


def InverseTimeDecay(initial_learning_rate: ArrayLike, decay_steps: ArrayLike,  # pylint: disable=invalid-name
                     decay_rate: ArrayLike, staircase: bool = False,
                     name: str = "InverseTimeDecay") -> Schedule:
  r"""Keras ``InverseTimeDecay``: :math:`\eta(t) = v_0 / (1 + r\,t/T)`
  (:math:`\lfloor t/T\rfloor` with ``staircase``).

  Maps to :func:`jaxsched.inverse_time_decay`.

  Args:
    initial_learning_rate: ``v_0``.
    decay_steps: ``T > 0``.
    decay_rate: ``r >= 0``.
    staircase: use ``floor(t / T)`` (static).
    name: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with Keras' values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import keras as jk
    >>> jk.InverseTimeDecay(1.0, 2, 1.0)(jnp.array([0, 2, 6])).tolist()
    [1.0, 0.5, 0.25]
  """
  fn = "InverseTimeDecay"
  return inverse_time_decay(
      _num(fn, "initial_learning_rate", initial_learning_rate),
      _num(fn, "decay_rate", decay_rate, lo=0, fix="Pass a rate such as 0.5."),
      _decay_steps(fn, decay_steps),
      staircase=_check.flag(_P + fn, "staircase", staircase))


def PiecewiseConstantDecay(boundaries: Sequence[ArrayLike], values: Sequence[ArrayLike],  # pylint: disable=invalid-name
                           name: str = "PiecewiseConstant") -> Schedule:
  r"""Keras ``PiecewiseConstantDecay``: ``values[i]`` while
  :math:`b_{i-1} < t \le b_i`.

  The value changes one step *after* each boundary (Keras tests
  ``step <= boundary``). Maps to :func:`jaxsched.piecewise_constant` with
  ``inclusive=False``.

  Args:
    boundaries: sorted steps (may be traced; traced ones are assumed sorted).
    values: ``len(boundaries) + 1`` values.
    name: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with Keras' values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import keras as jk
    >>> jk.PiecewiseConstantDecay([1, 3], [1.0, 0.5, 0.25])(jnp.arange(5)).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25]
  """
  fn = "PiecewiseConstantDecay"
  b = _check.sequence(_P + fn, "boundaries", boundaries, sorted_=True,
                      fix="Pass the steps where the value changes, sorted.")
  v = _check.sequence(_P + fn, "values", values, min_len=1, floats=True,
                      fix="Pass one value per interval.")
  _check.same_length(_P + fn, "boundaries", b, "values", v, 1,
                     fix="Pass one more value than boundaries.")
  return piecewise_constant(b, v, inclusive=False)


def PolynomialDecay(initial_learning_rate: ArrayLike, decay_steps: ArrayLike,  # pylint: disable=invalid-name
                    end_learning_rate: ArrayLike = 0.0001, power: ArrayLike = 1.0,
                    cycle: bool = False, name: str = "PolynomialDecay"
                    ) -> Schedule:
  r"""Keras ``PolynomialDecay``:
  :math:`\eta(t) = v_1 + (v_0 - v_1)(1 - \min(t, T)/T)^{p}`.

  With ``cycle=True`` the horizon is stretched to the next multiple of ``T``,
  :math:`T' = T \lceil t/T \rceil` (``T`` at ``t = 0``), so the decay restarts
  from a lower level each time. Maps to :func:`jaxsched.polynomial` (with its
  ``cycle`` option).

  Args:
    initial_learning_rate: ``v_0``.
    decay_steps: ``T``, whole number >= 1.
    end_learning_rate: ``v_1``.
    power: ``p >= 0``.
    cycle: stretch the horizon instead of holding (static).
    name: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with Keras' values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import keras as jk
    >>> s = jk.PolynomialDecay(1.0, 2, end_learning_rate=0.0, cycle=True)
    >>> s(jnp.arange(5)).tolist()
    [1.0, 0.5, 0.0, 0.25, 0.0]
  """
  fn = "PolynomialDecay"
  return polynomial(
      _num(fn, "initial_learning_rate", initial_learning_rate),
      _num(fn, "end_learning_rate", end_learning_rate),
      _check.steps(_P + fn, "decay_steps", decay_steps, positive=True,
                   fix="Pass the length of the decay in steps."),
      power=_num(fn, "power", power, lo=0, fix="Pass a non-negative exponent."),
      cycle=_check.flag(_P + fn, "cycle", cycle))


def CosineDecay(initial_learning_rate: ArrayLike, decay_steps: ArrayLike, alpha: ArrayLike = 0.0,  # pylint: disable=invalid-name
                name: str = "CosineDecay", warmup_target: ArrayLike | None = None,
                warmup_steps: ArrayLike = 0) -> Schedule:
  r"""Keras ``CosineDecay``, with its optional linear warmup.

  Without ``warmup_target`` (``warmup_steps`` is then ignored, as in Keras):

  .. math::
     \eta(t) = v_0\left((1 - \alpha)\frac{1 + \cos(\pi\min(t, T)/T)}{2}
     + \alpha\right)

  With ``warmup_target`` :math:`v_w`: a line from :math:`v_0` to :math:`v_w`
  over :math:`W` steps, then the same decay from :math:`v_w` (``alpha`` is a
  fraction of the target) on :math:`t - W`. Maps to
  :func:`jaxsched.cosine_decay` ``(v, T, end_value=alpha * v)``, behind a
  :func:`jaxsched.warmup` when there is a target.

  Args:
    initial_learning_rate: ``v_0``.
    decay_steps: ``T``, whole number >= 1.
    alpha: final value as a fraction of the decay's start.
    name: ignored.
    warmup_target: ``v_w``, or ``None`` for no warmup (static: present or not).
    warmup_steps: ``W``, whole number >= 0.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with Keras' values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import keras as jk
    >>> s = jk.CosineDecay(0.0, 4, warmup_target=1.0, warmup_steps=2)
    >>> np.asarray(s(jnp.arange(7)), float).round(4).tolist()
    [0.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 0.0]
  """
  fn = "CosineDecay"
  init = _num(fn, "initial_learning_rate", initial_learning_rate)
  t = _check.steps(_P + fn, "decay_steps", decay_steps, positive=True,
                   fix="Pass the length of the decay in steps.")
  a = _num(fn, "alpha", alpha)
  w = _check.steps(_P + fn, "warmup_steps", warmup_steps,
                   fix="Pass the warmup length in steps (0 for none).")
  if warmup_target is None:
    return cosine_decay(init, t, end_value=_args.mul(init, a))
  target = _num(fn, "warmup_target", warmup_target)
  return warmup(cosine_decay(target, t, end_value=_args.mul(target, a)), w,
                init_value=init)


def CosineDecayRestarts(initial_learning_rate: ArrayLike, first_decay_steps: ArrayLike,  # pylint: disable=invalid-name
                        t_mul: ArrayLike = 2.0, m_mul: ArrayLike = 1.0, alpha: ArrayLike = 0.0,
                        name: str = "SGDRDecay") -> Schedule:
  r"""Keras ``CosineDecayRestarts`` (SGDR).

  Cycle :math:`i` lasts :math:`T t_m^i` steps and peaks at :math:`m_m^i`; at
  position :math:`x` in it,

  .. math::
     \eta(t) = v_0\left((1 - \alpha)\, m_m^{i}\,
     \frac{1 + \cos(\pi x/(T t_m^i))}{2} + \alpha\right)

  Maps to :func:`jaxsched.cosine_restarts` ``(v_0 (1 - alpha), T,
  period_mult=t_mul, peak_decay=m_mul) + v_0 alpha`` (a sum). The cycle index
  is exact at restarts; Keras computes it from a float32 logarithm, which can
  put a restart step in the previous cycle (see the tests' notes).

  Args:
    initial_learning_rate: ``v_0``.
    first_decay_steps: ``T > 0`` (may be fractional).
    t_mul: ``t_m >= 1``, growth of each cycle.
    m_mul: ``m_m >= 0``, decay of each peak.
    alpha: floor as a fraction of ``v_0``.
    name: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with Keras' values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import keras as jk
    >>> s = jk.CosineDecayRestarts(1.0, 2, t_mul=1.0, m_mul=0.5)
    >>> np.asarray(s(jnp.arange(5)), float).round(4).tolist()
    [1.0, 0.5, 0.5, 0.25, 0.25]
  """
  fn = "CosineDecayRestarts"
  init = _num(fn, "initial_learning_rate", initial_learning_rate)
  a = _num(fn, "alpha", alpha)
  waves = cosine_restarts(
      _args.mul(init, 1.0 - a), _decay_steps(fn, first_decay_steps,
                                         "first_decay_steps"),
      period_mult=_num(fn, "t_mul", t_mul, lo=1,
                       fix="Pass 1.0 for equal cycles or a growth such as 2.0."),
      peak_decay=_num(fn, "m_mul", m_mul, lo=0,
                      fix="Pass 1.0 for equal peaks or a factor such as 0.8."))
  return waves + _args.mul(init, a)
