"""Step-wise families: step decay, multistep, piecewise constant and linear.

Lookups are vectorised (``searchsorted``), so compile time does not depend on the
number of boundaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import Schedule, concrete, every, factory, register, static

Array = jax.Array


@register("step_decay")
class StepDecay(Schedule):
  init_value: ArrayLike
  step_size: ArrayLike
  gamma: ArrayLike = 0.1

  def _phase_changes(self, horizon: float) -> list[float]:
    (s,) = concrete(self.name, self.step_size)
    return every(0.0, max(float(s), 1.0), horizon)

  def _value(self, k: Array) -> Array:
    n = _shapes.floor_div(jnp.maximum(k, 0), self.step_size)
    return _shapes.geometric(self.init_value, self.gamma, n)


@factory("step_decay")
def step_decay(init_value: ArrayLike, step_size: ArrayLike, *, gamma: ArrayLike = 0.1) -> StepDecay:
  r"""Step decay: multiplied by ``gamma`` every ``step_size`` steps.

  .. math:: \eta(t) = v_0\, \gamma^{\lfloor t / s \rfloor}

  Args:
    init_value: value for the first ``step_size`` steps.
    step_size: ``s``, a whole number >= 1 (traced values below 1 act as 1;
      integer steps and sizes divide exactly).
    gamma: factor ``>= 0`` per period.

  Returns:
    A ``StepDecay`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.step_decay(1.0, 2, gamma=0.5)
    >>> s(jnp.arange(5)).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25]

  References:
    PyTorch ``StepLR``.
  """
  fn = "step_decay"
  return StepDecay(
      _check.number(fn, "init_value", init_value),
      _check.steps(fn, "step_size", step_size, positive=True,
                   fix="Pass the number of steps between decays (>= 1)."),
      gamma=_check.number(fn, "gamma", gamma, lo=0,
                          fix="Pass a non-negative factor, e.g. 0.1."))


@register("multistep")
class MultiStep(Schedule):
  init_value: ArrayLike
  milestones: ArrayLike
  gamma: ArrayLike = 0.1

  def _phase_changes(self, horizon: float) -> list[float]:
    return list(concrete(self.name, self.milestones)[0])

  def _value(self, k: Array) -> Array:
    n = _shapes.searchsorted_right(self.milestones, k)
    return _shapes.geometric(self.init_value, self.gamma, n)


@factory("multistep")
def multistep(init_value: ArrayLike, milestones: Sequence[ArrayLike] | ArrayLike, *,
              gamma: ArrayLike = 0.1) -> MultiStep:
  r"""Multiplied by ``gamma`` at each milestone (the change happens at the milestone).

  .. math:: \eta(t) = v_0\, \gamma^{\#\{i : m_i \le t\}}

  A milestone listed twice counts twice, as in PyTorch.

  Args:
    init_value: value before the first milestone.
    milestones: sorted steps (non-decreasing; an array may be traced, and is then
      assumed sorted).
    gamma: factor ``>= 0`` per milestone.

  Returns:
    A ``MultiStep`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.multistep(1.0, [2, 4], gamma=0.5)
    >>> s(jnp.arange(6)).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]

  References:
    PyTorch ``MultiStepLR``.
  """
  fn = "multistep"
  return MultiStep(
      _check.number(fn, "init_value", init_value),
      _check.sequence(fn, "milestones", milestones, sorted_=True,
                      fix="Pass the steps at which to decay, sorted, e.g. "
                      "[30000, 60000]."),
      gamma=_check.number(fn, "gamma", gamma, lo=0,
                          fix="Pass a non-negative factor, e.g. 0.1."))


@register("piecewise_constant")
class PiecewiseConstant(Schedule):
  boundaries: ArrayLike
  values: ArrayLike
  inclusive: bool = static(default=True)

  def _phase_changes(self, horizon: float) -> list[float]:
    (b,) = concrete(self.name, self.boundaries)
    return list(b if self.inclusive else b + 1.0)

  def _value(self, k: Array) -> Array:
    if self.inclusive:
      idx = _shapes.searchsorted_right(self.boundaries, k)
    else:
      idx = _shapes.searchsorted_left(self.boundaries, k)
    return _shapes.to_float(self.values)[idx]


@factory("piecewise_constant")
def piecewise_constant(boundaries: Sequence[ArrayLike] | ArrayLike,
                       values: Sequence[ArrayLike] | ArrayLike, *,
                       inclusive: bool = True) -> PiecewiseConstant:
  r"""Piecewise constant: ``values[i]`` from ``boundaries[i-1]`` on.

  .. math:: \eta(t) = v_{\#\{i : b_i \le t\}}

  With ``inclusive=False`` the value changes one step later: :math:`v_{\#\{i :
  b_i < t\}}` (Keras' ``PiecewiseConstantDecay`` tests ``t <= b_i``).

  Args:
    boundaries: sorted steps (non-decreasing); traced arrays are assumed sorted.
    values: ``len(boundaries) + 1`` values.
    inclusive: whether ``boundaries[i-1]`` itself takes ``values[i]`` (static).

  Returns:
    A ``PiecewiseConstant`` schedule (a frozen dataclass pytree): ``s(step)``, for
    an integer step or an array of steps of any shape, is the learning rate as a
    float array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.piecewise_constant([2, 4], [1.0, 0.5, 0.25])
    >>> s(jnp.arange(6)).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
  """
  fn = "piecewise_constant"
  b = _check.sequence(fn, "boundaries", boundaries, sorted_=True,
                      fix="Pass the steps where the value changes, sorted.")
  v = _check.sequence(fn, "values", values, min_len=1, floats=True,
                      fix="Pass one value per interval.")
  _check.same_length(fn, "boundaries", b, "values", v, 1,
                     fix="Pass one more value than boundaries.")
  return PiecewiseConstant(b, v, inclusive=_check.flag(fn, "inclusive", inclusive))


Interpolation = Literal["linear", "cosine"]
_INTERPOLATIONS = get_args(Interpolation)


@register("piecewise_linear")
class PiecewiseLinear(Schedule):
  boundaries: ArrayLike
  values: ArrayLike
  interpolation: Interpolation = static(default="linear")

  def _phase_changes(self, horizon: float) -> list[float]:
    return list(concrete(self.name, self.boundaries)[0])

  def _value(self, k: Array) -> Array:
    b = _shapes.to_float(self.boundaries)
    v = _shapes.to_float(self.values)
    n = b.shape[0]
    if n == 1:
      return jnp.broadcast_to(v[0], k.shape)
    hi = jnp.clip(_shapes.searchsorted_right(self.boundaries, k), 1, n - 1)
    lo = hi - 1
    braw = jnp.asarray(self.boundaries)
    frac = _shapes.phase_between(k, braw[lo], braw[hi])
    return _shapes.ANNEALS[self.interpolation](v[lo], v[hi], frac)


@factory("piecewise_linear")
def piecewise_linear(boundaries: Sequence[ArrayLike] | ArrayLike,
                     values: Sequence[ArrayLike] | ArrayLike, *,
                     interpolation: Interpolation = "linear") -> PiecewiseLinear:
  r"""Straight lines through the knots ``(boundaries[i], values[i])``, held outside.

  .. math::
     \eta(t) = v_i + (v_{i+1} - v_i)\frac{t - b_i}{b_{i+1} - b_i},
     \quad b_i \le t < b_{i+1}

  Before the first knot the value is ``values[0]``; after the last,
  ``values[-1]``. Two equal boundaries make a jump. With
  ``interpolation="cosine"`` each piece is a half cosine instead of a line:
  :math:`v_{i+1} + (v_i - v_{i+1})(1 + \cos(\pi x))/2` with
  :math:`x = (t - b_i)/(b_{i+1} - b_i)` (``optax.piecewise_interpolate_schedule``).

  Args:
    boundaries: sorted knot steps (at least one; traced arrays assumed sorted).
    values: one value per knot.
    interpolation: ``"linear"`` or ``"cosine"`` (static).

  Returns:
    A ``PiecewiseLinear`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.piecewise_linear([0, 2, 6], [0.0, 1.0, 0.0])
    >>> s(jnp.arange(0, 8, 2)).tolist()
    [0.0, 1.0, 0.5, 0.0]
    >>> c = jaxsched.piecewise_linear([0, 2, 6], [0.0, 1.0, 0.0],
    ...                               interpolation="cosine")
    >>> np.asarray(c(jnp.array([1, 3, 4])), float).round(4).tolist()
    [0.5, 0.8536, 0.5]
  """
  fn = "piecewise_linear"
  b = _check.sequence(fn, "boundaries", boundaries, sorted_=True, min_len=1,
                      fix="Pass the knot steps, sorted.")
  v = _check.sequence(fn, "values", values, min_len=1, floats=True,
                      fix="Pass one value per knot.")
  _check.same_length(fn, "boundaries", b, "values", v, 0,
                     fix="Pass one value per knot.")
  return PiecewiseLinear(
      b, v, interpolation=_check.choice(fn, "interpolation", interpolation,
                                        _INTERPOLATIONS))
