"""Cyclical families: cyclic (CLR), one-cycle and its momentum."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import Schedule, concrete, every, factory, register, static

Array = jax.Array

CyclicMode = Literal["triangular", "triangular2", "exp_range"]
_CYCLIC_MODES = get_args(CyclicMode)
Anneal = Literal["cos", "linear"]
_ANNEALS = get_args(Anneal)


@register("cyclic")
class Cyclic(Schedule):
  base_value: ArrayLike
  max_value: ArrayLike
  step_size_up: ArrayLike
  step_size_down: ArrayLike
  gamma: ArrayLike = 1.0
  mode: CyclicMode = static(default="triangular")

  def _phase_changes(self, horizon: float) -> list[float]:
    u, d = concrete(self.name, self.step_size_up, self.step_size_down)
    troughs = every(0.0, u + d, horizon)
    return troughs + [x + u for x in troughs]

  def _value(self, k: Array) -> Array:
    kk = jnp.maximum(k, 0)
    total = _shapes.exact_add(self.step_size_up, self.step_size_down)
    # a cycle longer than int32 (two int32 halves) holds every int32 step
    long = (_shapes.to_float(self.step_size_up)
            + _shapes.to_float(self.step_size_down)) >= 2.0**31
    if _shapes.is_int(total):
      total = jnp.where(long, jnp.ones_like(total), total)
    cycle = jnp.where(long, 0.0, _shapes.floor_div(kk, total))
    rem = _shapes.mod(kk, total)
    pos = jnp.where(long, kk.astype(rem.dtype), rem)
    scale = _shapes.triangle(pos, self.step_size_up, self.step_size_down)
    if self.mode == "triangular":
      amp = jnp.ones_like(scale)
    elif self.mode == "triangular2":
      amp = _shapes.safe_pow(0.5, cycle)
    else:
      amp = _shapes.safe_pow(self.gamma, _shapes.to_float(kk))
    return _shapes.lerp(self.base_value, self.max_value, scale * amp)


@factory("cyclic")
def cyclic(base_value: ArrayLike, max_value: ArrayLike, step_size_up: ArrayLike, *,
           step_size_down: ArrayLike | None = None, mode: CyclicMode = "triangular",
           gamma: ArrayLike = 1.0) -> Cyclic:
  r"""Cyclical learning rate (CLR): triangular waves between two values.

  With :math:`L = u + d`, cycle :math:`c = \lfloor t / L \rfloor` and position
  :math:`x = t - cL`:

  .. math::
     \eta(t) = v_b + (v_m - v_b)\, s(x)\, a, \qquad
     s(x) = \begin{cases} x/u & x \le u \\ (L - x)/d & x > u \end{cases}

  where the amplitude :math:`a` is 1 (``triangular``), :math:`2^{-c}`
  (``triangular2``) or :math:`\gamma^{t}` (``exp_range``, per step).

  Args:
    base_value: ``v_b``, the lower value (the value at step 0).
    max_value: ``v_m``, the upper value.
    step_size_up: ``u > 0`` steps of the rise (may be fractional; traced values
      <= 0 act as 1).
    step_size_down: ``d > 0`` steps of the fall; ``None`` means ``u``.
    mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"`` (static).
    gamma: per-step factor of ``exp_range`` (``> 0``; ignored by other modes).

  Returns:
    A ``Cyclic`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.cyclic(0.0, 1.0, 2, mode="triangular2")
    >>> s(jnp.arange(9)).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.25, 0.5, 0.25, 0.0]

  References:
    Smith (2017), "Cyclical Learning Rates for Training Neural Networks";
    PyTorch ``CyclicLR``.
  """
  fn = "cyclic"
  up = _check.number(fn, "step_size_up", step_size_up, steps=True, lo=0, lo_open=True,
                     fix="Pass the number of steps of the rising half, e.g. 2000.")
  down = up if step_size_down is None else _check.number(
      fn, "step_size_down", step_size_down, steps=True, lo=0, lo_open=True,
      fix="Pass the number of steps of the falling half, or None for "
      "step_size_up.")
  return Cyclic(
      _check.number(fn, "base_value", base_value),
      _check.number(fn, "max_value", max_value), up, down,
      gamma=_check.number(fn, "gamma", gamma, lo=0, lo_open=True,
                          fix="Pass a positive per-step factor, e.g. 0.9999."),
      mode=_check.choice(fn, "mode", mode, _CYCLIC_MODES))


def _phases(k: Array, total_steps: Any, pct_start: Any, values: Sequence[Array],
            anneal: str) -> Array:
  """PyTorch's one-cycle phases: ends at ``pT - 1``, (``2pT - 2``), ``T - 1``.

  ``values`` holds the value at each phase boundary (3 for two phases, 4 for
  three). Phase ``j`` is chosen while ``t <= end_j``; the last phase holds its
  end value afterwards.
  """
  t = _shapes.to_float(k)
  total = _shapes.to_float(total_steps)
  pct = jnp.clip(_shapes.to_float(pct_start), 0.0, 1.0)
  if len(values) == 3:
    ends = [pct * total - 1.0, total - 1.0]
  else:
    ends = [pct * total - 1.0, 2.0 * pct * total - 2.0, total - 1.0]
  shape = _shapes.ANNEALS[anneal]
  starts = [jnp.zeros_like(total)] + ends[:-1]
  out: Array | None = None
  for j in reversed(range(len(ends))):
    ph = _shapes.phase_between(t, starts[j], ends[j])
    val = shape(values[j], values[j + 1], ph)
    out = val if out is None else jnp.where(t <= ends[j], val, out)
  assert out is not None  # ends is never empty
  return out


def _phase_ends(owner: str, total_steps: Any, pct_start: Any,
                three_phase: bool) -> list[float]:
  t, p = concrete(owner, total_steps, pct_start)
  up = float(np.float32(np.clip(p, 0, 1)) * np.float32(t)) - 1.0
  return [up, 2.0 * up, t - 1.0] if three_phase else [up, t - 1.0]


class _OneCyclePhases(Schedule):
  """PyTorch's one-cycle phases, shared by the rate and its momentum.

  Subclasses have ``total_steps``, ``pct_start``, ``anneal`` and
  ``three_phase`` fields and say the value at each phase boundary.
  """

  if TYPE_CHECKING:  # the subclasses' dataclass fields
    total_steps: ArrayLike
    pct_start: ArrayLike
    anneal: Anneal
    three_phase: bool

  def _boundary_values(self) -> list[Array]:  # pragma: no cover - abstract
    raise NotImplementedError

  def _phase_changes(self, horizon: float) -> list[float]:
    return _phase_ends(self.name, self.total_steps, self.pct_start,
                       self.three_phase)

  def _value(self, k: Array) -> Array:
    return _phases(k, self.total_steps, self.pct_start,
                   self._boundary_values(), self.anneal)


@register("one_cycle")
class OneCycle(_OneCyclePhases):
  total_steps: ArrayLike
  peak_value: ArrayLike
  pct_start: ArrayLike = 0.3
  div_factor: ArrayLike = 25.0
  final_div_factor: ArrayLike = 1e4
  anneal: Anneal = static(default="cos")
  three_phase: bool = static(default=False)

  def _boundary_values(self) -> list[Array]:
    peak = _shapes.to_float(self.peak_value)
    init = _shapes.safe_div(peak, _shapes.to_float(self.div_factor))
    low = _shapes.safe_div(init, _shapes.to_float(self.final_div_factor))
    return [init, peak, init, low] if self.three_phase else [init, peak, low]


def _one_cycle_common(fn: str, total_steps: Any, pct_start: Any, anneal: str,
                      three_phase: bool):
  return (
      _check.steps(fn, "total_steps", total_steps, positive=True,
                   fix="Pass the total number of training steps."),
      _check.in_range(fn, "pct_start", pct_start, 0.0, 1.0,
                      "Pass the fraction of the run spent rising, e.g. 0.3."),
      _check.choice(fn, "anneal", anneal, _ANNEALS),
      _check.flag(fn, "three_phase", three_phase))


@factory("one_cycle")
def one_cycle(total_steps: ArrayLike, peak_value: ArrayLike, *, pct_start: ArrayLike = 0.3,
              div_factor: ArrayLike = 25.0, final_div_factor: ArrayLike = 1e4,
              anneal: Anneal = "cos", three_phase: bool = False) -> OneCycle:
  r"""The one-cycle policy: up from ``peak/div`` to ``peak``, then far down.

  With :math:`v_0 = v_p / \delta` and :math:`v_\min = v_0 / \delta_f`, the phases
  end at steps :math:`e_1 = pT - 1` and :math:`T - 1` (three-phase:
  :math:`pT - 1`, :math:`2pT - 2`, :math:`T - 1`), exactly as PyTorch's
  ``OneCycleLR``; inside phase :math:`j` from :math:`a` to :math:`b`,
  :math:`\eta = \mathrm{anneal}(a, b, (t - e_{j-1})/(e_j - e_{j-1}))` with the
  cosine :math:`b + (a - b)(1 + \cos\pi x)/2` or the line :math:`a + (b - a)x`.
  Two-phase: :math:`v_0 \to v_p \to v_\min`; three-phase:
  :math:`v_0 \to v_p \to v_0 \to v_\min`. After :math:`T - 1` the value holds
  at :math:`v_\min` (PyTorch extrapolates the last phase one step further at
  :math:`T`, then raises).

  Args:
    total_steps: ``T``, whole number >= 1.
    peak_value: ``v_p``, the maximum learning rate.
    pct_start: ``p`` in (0, 1), fraction of the run spent rising (a traced value
      is clipped to [0, 1]; a phase of length <= 0 is skipped).
    div_factor: ``delta > 0``: the initial value is ``peak / delta``.
    final_div_factor: ``delta_f > 0``: the final value is ``initial / delta_f``.
    anneal: ``"cos"`` or ``"linear"`` (static).
    three_phase: use the three-phase variant (static).

  Returns:
    A ``OneCycle`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.one_cycle(10, 1.0, pct_start=0.2, div_factor=10.0,
    ...                        final_div_factor=1.0, anneal="linear")
    >>> np.asarray(s(jnp.array([0, 1, 5, 9])), float).round(4).tolist()
    [0.1, 1.0, 0.55, 0.1]

  References:
    Smith & Topin (2017), "Super-Convergence"; PyTorch ``OneCycleLR``.
  """
  fn = "one_cycle"
  t, p, a, three = _one_cycle_common(fn, total_steps, pct_start, anneal,
                                     three_phase)
  return OneCycle(
      t, _check.number(fn, "peak_value", peak_value), p,
      _check.number(fn, "div_factor", div_factor, lo=0, lo_open=True,
                    fix="Pass a positive divisor, e.g. 25."),
      _check.number(fn, "final_div_factor", final_div_factor, lo=0, lo_open=True,
                    fix="Pass a positive divisor, e.g. 1e4."),
      anneal=a, three_phase=three)


@register("one_cycle_momentum")
class OneCycleMomentum(_OneCyclePhases):
  total_steps: ArrayLike
  base_value: ArrayLike = 0.85
  max_value: ArrayLike = 0.95
  pct_start: ArrayLike = 0.3
  anneal: Anneal = static(default="cos")
  three_phase: bool = static(default=False)

  def _boundary_values(self) -> list[Array]:
    lo, hi = _shapes.to_float(self.base_value), _shapes.to_float(self.max_value)
    return [hi, lo, hi, hi] if self.three_phase else [hi, lo, hi]


@factory("one_cycle_momentum")
def one_cycle_momentum(total_steps: ArrayLike, *, base_value: ArrayLike = 0.85,
                       max_value: ArrayLike = 0.95, pct_start: ArrayLike = 0.3,
                       anneal: Anneal = "cos",
                       three_phase: bool = False) -> OneCycleMomentum:
  r"""The momentum that one-cycle pairs with: ``max -> base -> max``.

  Same phases as :func:`one_cycle`: :math:`m_\max \to m_b` while the learning
  rate rises, :math:`m_b \to m_\max` while it falls (three-phase:
  :math:`m_\max \to m_b \to m_\max`, then held at :math:`m_\max`).

  Args:
    total_steps: ``T``, whole number >= 1.
    base_value: ``m_b``, the lowest momentum (at the learning-rate peak).
    max_value: ``m_max``, the momentum at the start and the end.
    pct_start: ``p`` in (0, 1), as in :func:`one_cycle`.
    anneal: ``"cos"`` or ``"linear"`` (static).
    three_phase: use the three-phase variant (static).

  Returns:
    A ``OneCycleMomentum`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the momentum as a float array
    of that shape (float32; float64 under ``jax_enable_x64``). Use it as ``b1`` of
    ``optax.inject_hyperparams(optax.adam)`` or ``momentum`` of ``optax.sgd``.

  Example:
    >>> m = jaxsched.one_cycle_momentum(10, pct_start=0.2, anneal="linear")
    >>> np.asarray(m(jnp.array([0, 1, 9])), float).round(4).tolist()
    [0.95, 0.85, 0.95]

  References:
    Smith (2018), "A disciplined approach to neural network hyper-parameters";
    PyTorch ``OneCycleLR(cycle_momentum=True)``.
  """
  fn = "one_cycle_momentum"
  t, p, a, three = _one_cycle_common(fn, total_steps, pct_start, anneal,
                                     three_phase)
  return OneCycleMomentum(
      t, _check.number(fn, "base_value", base_value),
      _check.number(fn, "max_value", max_value), p, anneal=a, three_phase=three)
