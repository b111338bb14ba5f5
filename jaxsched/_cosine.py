"""Cosine families: decay, warm restarts (SGDR), warmup-cosine, WSD, flat-cosine."""

from __future__ import annotations

from typing import Any, Literal, get_args

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import Schedule, concrete, cycle_starts, factory, register, static

Array = jax.Array


@register("cosine_decay")
class CosineDecay(Schedule):
  init_value: ArrayLike
  decay_steps: ArrayLike
  end_value: ArrayLike = 0.0
  exponent: ArrayLike = 1.0

  def _phase_changes(self, horizon: float) -> list[float]:
    return concrete(self.name, self.decay_steps)

  def _value(self, k: Array) -> Array:
    frac = _shapes.progress(jnp.maximum(k, 0), self.decay_steps)
    return _shapes.cos_anneal(self.init_value, self.end_value, frac, self.exponent)


@factory("cosine_decay")
def cosine_decay(init_value: ArrayLike, decay_steps: ArrayLike, *, end_value: ArrayLike = 0.0,
                 exponent: ArrayLike = 1.0) -> CosineDecay:
  r"""Half-cosine decay from ``init_value`` to ``end_value``, then held.

  .. math::
     \eta(t) = v_1 + (v_0 - v_1)\left(\frac{1 + \cos(\pi\,\min(t, T)/T)}{2}
     \right)^{e}

  Args:
    init_value: value at step 0.
    decay_steps: ``T``, a whole number >= 1 (traced values below 1 act as 1).
    end_value: value from step ``T`` on (absolute, not a fraction).
    exponent: ``e >= 0``, sharpens (``> 1``) or flattens the curve.

  Returns:
    A ``CosineDecay`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.cosine_decay(1.0, 4)
    >>> np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]

  References:
    Loshchilov & Hutter (2017), SGDR; ``optax.cosine_decay_schedule`` with
    ``alpha = end_value / init_value``.
  """
  fn = "cosine_decay"
  return CosineDecay(
      _check.number(fn, "init_value", init_value),
      _check.steps(fn, "decay_steps", decay_steps, positive=True,
                   fix="Pass the length of the decay in steps (>= 1)."),
      end_value=_check.number(fn, "end_value", end_value),
      exponent=_check.number(fn, "exponent", exponent, lo=0,
                             fix="Pass a non-negative exponent (1.0 is the "
                             "plain cosine)."))


@register("cosine_restarts")
class CosineRestarts(Schedule):
  init_value: ArrayLike
  period: ArrayLike
  period_mult: ArrayLike = 1.0
  peak_decay: ArrayLike = 1.0
  end_value: ArrayLike = 0.0

  def _phase_changes(self, horizon: float) -> list[float]:
    p, m = concrete(self.name, self.period, self.period_mult)
    return cycle_starts(p, m, horizon)

  def _value(self, k: Array) -> Array:
    i, frac = _shapes.cycle_index(k, self.period, self.period_mult)
    peak = _shapes.geometric(self.init_value, self.peak_decay, i)
    return _shapes.cos_anneal(peak, self.end_value, frac)


@factory("cosine_restarts")
def cosine_restarts(init_value: ArrayLike, period: ArrayLike, *, period_mult: ArrayLike = 1.0,
                    peak_decay: ArrayLike = 1.0, end_value: ArrayLike = 0.0) -> CosineRestarts:
  r"""Cosine annealing with warm restarts (SGDR).

  Cycle :math:`i` lasts :math:`P m^i` steps and starts at
  :math:`S_i = P (m^i - 1)/(m - 1)` (:math:`P i` for :math:`m = 1`). Inside it,

  .. math::
     \eta(t) = v_1 + (v_0 d^{\,i} - v_1)\,\frac{1 + \cos(\pi (t - S_i)/(P m^i))}{2}

  Restarts are exact by construction for integer steps (any integer dtype) with a
  whole ``period`` and a whole ``period_mult``, up to 2**31 - 1: ``period_mult = 1``
  uses integer division, ``period_mult >= 2`` an integer table of the (at most
  32) cycle starts below 2**31, so the step of a restart gets the peak and the
  step before it the end of the previous cycle, eagerly, under ``jax.jit`` and
  under ``jax.vmap``. Fallback for a fractional ``period`` or ``period_mult``, or
  float steps: a logarithm gives an estimate that is corrected against the cycle
  starts computed with a true division, exact while they stay below 2**24 in
  float32.

  Args:
    init_value: ``v_0``, the first peak.
    period: ``P > 0``, length of the first cycle (may be fractional; traced values
      <= 0 act as 1).
    period_mult: ``m >= 1``, growth of each cycle (a traced value below 1 acts
      as 1).
    peak_decay: ``d >= 0``, each cycle's peak is ``d`` times the previous one.
    end_value: ``v_1``, the value each cycle decays to.

  Returns:
    A ``CosineRestarts`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.cosine_restarts(1.0, 2, period_mult=2.0)
    >>> np.asarray(s(jnp.arange(7)), float).round(4).tolist()
    [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]

  References:
    Loshchilov & Hutter (2017), "SGDR: Stochastic Gradient Descent with Warm
    Restarts"; PyTorch ``CosineAnnealingWarmRestarts``.
  """
  fn = "cosine_restarts"
  return CosineRestarts(_check.number(fn, "init_value", init_value),
                        **restart_args(fn, period, period_mult, peak_decay,
                                       end_value))


def restart_args(fn: str, period: Any, period_mult: Any, peak_decay: Any,
                 end_value: Any) -> dict[str, Any]:
  """The checked cycle arguments of every warm-restart family (SGDR and kin)."""
  return dict(
      period=_check.number(fn, "period", period, steps=True, lo=0, lo_open=True,
                           fix="Pass the length of the first cycle in steps."),
      period_mult=_check.number(fn, "period_mult", period_mult, lo=1,
                                fix="Pass 1.0 for equal cycles or a growth "
                                "factor such as 2.0."),
      peak_decay=_check.number(fn, "peak_decay", peak_decay, lo=0,
                               fix="Pass 1.0 for equal peaks or a factor such "
                               "as 0.5."),
      end_value=_check.number(fn, "end_value", end_value))


@register("warmup_cosine_decay")
class WarmupCosineDecay(Schedule):
  peak_value: ArrayLike
  warmup_steps: ArrayLike
  total_steps: ArrayLike
  init_value: ArrayLike = 0.0
  end_value: ArrayLike = 0.0
  exponent: ArrayLike = 1.0

  def _phase_changes(self, horizon: float) -> list[float]:
    return concrete(self.name, self.warmup_steps, self.total_steps)

  def _value(self, k: Array) -> Array:
    decay = _shapes.exact_sub(self.total_steps, self.warmup_steps)

    def main(r):
      return _shapes.cos_anneal(self.peak_value, self.end_value,
                                _shapes.progress(r, decay),
                          self.exponent)

    # init 0 with peak, end >= +0 (the usual case): main(0) >= +0, same numbers
    if (c0 := _shapes._concrete(self.init_value)) == 0.0 and not np.signbit(
        c0) and all(
            (c := _shapes._concrete(v)) is not None and not np.signbit(c)
            for v in (self.peak_value, self.end_value)):
      return _shapes.warmup_from_zero(k, self.warmup_steps, main)
    return _shapes.warmup_then(k, self.warmup_steps, self.init_value, main)


@factory("warmup_cosine_decay")
def warmup_cosine_decay(peak_value: ArrayLike, warmup_steps: ArrayLike, total_steps: ArrayLike, *,
                        init_value: ArrayLike = 0.0, end_value: ArrayLike = 0.0,
                        exponent: ArrayLike = 1.0) -> WarmupCosineDecay:
  r"""Linear warmup to ``peak_value``, then cosine decay to ``end_value``.

  .. math::
     \eta(t) = \begin{cases}
     v_i + (v_p - v_i)\, t / W & t < W \\
     v_e + (v_p - v_e)\left(\frac{1 + \cos(\pi \min(t - W, D)/D)}{2}\right)^{e}
     & t \ge W \end{cases}, \qquad D = \max(T - W, 1)

  Args:
    peak_value: ``v_p``, reached at step ``W``.
    warmup_steps: ``W``, whole number >= 0.
    total_steps: ``T >= W``: the step where ``end_value`` is reached.
    init_value: ``v_i``, value at step 0.
    end_value: ``v_e``, held from ``T`` on.
    exponent: ``e >= 0`` of the cosine.

  Returns:
    A ``WarmupCosineDecay`` schedule (a frozen dataclass pytree): ``s(step)``, for
    an integer step or an array of steps of any shape, is the learning rate as a
    float array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.warmup_cosine_decay(1.0, 2, 6)
    >>> np.asarray(s(jnp.arange(8)), float).round(4).tolist()
    [0.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]

  References:
    ``optax.warmup_cosine_decay_schedule`` (``decay_steps`` there is ``T``);
    transformers' ``cosine`` schedule on ``[0, T]``.
  """
  fn = "warmup_cosine_decay"
  w = _check.steps(fn, "warmup_steps", warmup_steps)
  t = _check.steps(fn, "total_steps", total_steps, positive=True,
                   fix="Pass the step where the decay ends (>= warmup_steps).")
  _check.not_below(fn, "total_steps", t, "`warmup_steps`", w,
                   "total_steps counts the warmup too.")
  return WarmupCosineDecay(
      _check.number(fn, "peak_value", peak_value), w, t,
      init_value=_check.number(fn, "init_value", init_value),
      end_value=_check.number(fn, "end_value", end_value),
      exponent=_check.number(fn, "exponent", exponent, lo=0,
                             fix="Pass a non-negative exponent."))


WsdShape = Literal["linear", "cosine", "sqrt"]
_WSD_SHAPES = get_args(WsdShape)


@register("warmup_stable_decay")
class WarmupStableDecay(Schedule):
  peak_value: ArrayLike
  warmup_steps: ArrayLike
  decay_steps: ArrayLike
  total_steps: ArrayLike
  init_value: ArrayLike = 0.0
  end_value: ArrayLike = 0.0
  decay_shape: WsdShape = static(default="linear")

  def _phase_changes(self, horizon: float) -> list[float]:
    w, d, t = concrete(self.name, self.warmup_steps, self.decay_steps,
                       self.total_steps)
    return [w, t - d, t]

  def _value(self, k: Array) -> Array:
    stable = _shapes.exact_sub(_shapes.exact_sub(self.total_steps, self.warmup_steps),
                               self.decay_steps)
    anneal = _shapes.ANNEALS[self.decay_shape]

    def main(r):
      frac = _shapes.progress_float(_shapes.exact_sub(r, stable), self.decay_steps)
      return anneal(self.peak_value, self.end_value, frac)

    return _shapes.warmup_then(k, self.warmup_steps, self.init_value, main)


@factory("warmup_stable_decay")
def warmup_stable_decay(peak_value: ArrayLike, warmup_steps: ArrayLike, decay_steps: ArrayLike,
                        total_steps: ArrayLike, *, init_value: ArrayLike = 0.0,
                        end_value: ArrayLike = 0.0,
                        decay_shape: WsdShape = "linear") -> WarmupStableDecay:
  r"""Warmup-stable-decay (WSD): warmup, a flat stretch, a decay at the end.

  With :math:`u = \mathrm{clip}((t - (T - D))/D, 0, 1)`:

  .. math::
     \eta(t) = \begin{cases} v_i + (v_p - v_i)\,t/W & t < W \\
     v_e + (v_p - v_e)\, g(u) & t \ge W \end{cases}

  where :math:`g(u)` is :math:`1 - u` (``linear``), :math:`(1 + \cos \pi u)/2`
  (``cosine``) or :math:`1 - \sqrt{u}` (``sqrt``, the "1-sqrt" cooldown).

  Args:
    peak_value: ``v_p``, the stable value.
    warmup_steps: ``W``, whole number >= 0.
    decay_steps: ``D``, whole number >= 0 (traced values below 1 act as 1).
    total_steps: ``T >= W + D``.
    init_value: ``v_i``, value at step 0.
    end_value: ``v_e``, reached at ``T`` and held.
    decay_shape: ``"linear"``, ``"cosine"`` or ``"sqrt"`` (static).

  Returns:
    A ``WarmupStableDecay`` schedule (a frozen dataclass pytree): ``s(step)``, for
    an integer step or an array of steps of any shape, is the learning rate as a
    float array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.warmup_stable_decay(1.0, 2, 2, 8)
    >>> s(jnp.arange(9)).tolist()
    [0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]

  References:
    Hu et al. (2024), MiniCPM; Hägele et al. (2024), "Scaling Laws and
    Compute-Optimal Training Beyond Fixed Training Durations";
    ``transformers.get_wsd_schedule`` (with ``init_value = end_value =
    min_lr_ratio * peak``).
  """
  fn = "warmup_stable_decay"
  w = _check.steps(fn, "warmup_steps", warmup_steps)
  d = _check.steps(fn, "decay_steps", decay_steps)
  t = _check.steps(fn, "total_steps", total_steps, positive=True,
                   fix="Pass the step where the decay ends.")
  if not any(_check.is_traced(x) for x in (w, d)):
    _check.not_below(fn, "total_steps", t, "`warmup_steps` + `decay_steps`",
                     w + d, "Shorten the warmup or the decay, or train longer.")
  return WarmupStableDecay(
      _check.number(fn, "peak_value", peak_value), w, d, t,
      init_value=_check.number(fn, "init_value", init_value),
      end_value=_check.number(fn, "end_value", end_value),
      decay_shape=_check.choice(fn, "decay_shape", decay_shape, _WSD_SHAPES))


@register("flat_cosine")
class FlatCosine(Schedule):
  value: ArrayLike
  total_steps: ArrayLike
  pct_start: ArrayLike = 0.75
  end_value: ArrayLike = 0.0

  def _phase_changes(self, horizon: float) -> list[float]:
    t, p = concrete(self.name, self.total_steps, self.pct_start)
    return [float(np.float32(np.clip(p, 0, 1)) * np.float32(t)), t]

  def _value(self, k: Array) -> Array:
    total = _shapes.to_float(self.total_steps)
    start = jnp.clip(_shapes.to_float(self.pct_start), 0.0, 1.0) * total
    frac = _shapes.progress_float(_shapes.to_float(k) - start, total - start)
    return _shapes.cos_anneal(self.value, self.end_value, frac)


@factory("flat_cosine")
def flat_cosine(value: ArrayLike, total_steps: ArrayLike, *, pct_start: ArrayLike = 0.75,
                end_value: ArrayLike = 0.0) -> FlatCosine:
  r"""Flat, then cosine anneal: the flat-cos recipe (Ranger, fastai).

  With :math:`s = p T`:

  .. math::
     \eta(t) = v_e + (v - v_e)\,\frac{1 + \cos(\pi\,\mathrm{clip}(
     (t - s)/(T - s), 0, 1))}{2}

  Args:
    value: ``v``, the flat value.
    total_steps: ``T``, whole number >= 1: ``end_value`` from here on.
    pct_start: ``p`` in (0, 1): fraction of ``T`` spent flat (a traced value is
      clipped to [0, 1]).
    end_value: ``v_e``.

  Returns:
    A ``FlatCosine`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.flat_cosine(1.0, 8, pct_start=0.5)
    >>> np.asarray(s(jnp.arange(0, 10, 2)), float).round(4).tolist()
    [1.0, 1.0, 1.0, 0.5, 0.0]

  References:
    fastai ``fit_flat_cos``; Wright (2019), Ranger.
  """
  fn = "flat_cosine"
  return FlatCosine(
      _check.number(fn, "value", value),
      _check.steps(fn, "total_steps", total_steps, positive=True,
                   fix="Pass the length of the run in steps (>= 1)."),
      pct_start=_check.in_range(fn, "pct_start", pct_start, 0.0, 1.0,
                                "Pass the fraction of the run spent flat, "
                                "e.g. 0.75."),
      end_value=_check.number(fn, "end_value", end_value))
