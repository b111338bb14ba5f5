"""Restarts with any anneal shape, k-decay and a cycle limit; power ramps; and the
combinators timm and fastai recipes need: an overlay warmup, seeded noise and
fraction-of-run positions."""

from __future__ import annotations

from typing import Literal, get_args

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import (
  Schedule,
  ScheduleLike,
  child_changes,
  cycle_starts,
  factory,
  is_concrete,
  register,
  static,
)
from jaxsched._combinators import _as_schedule
from jaxsched._cosine import restart_args

Array = jax.Array

AnnealShape = Literal["cosine", "tanh", "poly", "linear"]
_ANNEAL_SHAPES = get_args(AnnealShape)
NoiseKind = Literal["normal", "uniform"]
_NOISE_KINDS = get_args(NoiseKind)


@register("anneal_restarts")
class AnnealRestarts(Schedule):
  peak_value: ArrayLike
  period: ArrayLike
  end_value: ArrayLike = 0.0
  period_mult: ArrayLike = 1.0
  peak_decay: ArrayLike = 1.0
  cycle_limit: ArrayLike | None = None
  k_decay: ArrayLike = 1.0
  power: ArrayLike = 1.0
  tanh_lower: ArrayLike = -7.0
  tanh_upper: ArrayLike = 3.0
  shape: AnnealShape = static(default="cosine")

  def _value(self, k: Array) -> Array:
    i, ph = _shapes.cycle_index(k, self.period, self.period_mult)
    ph = _shapes.k_decay(ph, self.k_decay)
    peak = _shapes.geometric(self.peak_value, self.peak_decay, i)
    if self.shape == "cosine":
      val = _shapes.cos_anneal(peak, self.end_value, ph)
    elif self.shape == "tanh":
      val = _shapes.tanh_anneal(peak, self.end_value, ph, self.tanh_lower,
                          self.tanh_upper)
    elif self.shape == "poly":
      val = _shapes.poly_anneal(peak, self.end_value, ph, self.power)
    else:
      val = _shapes.lerp(peak, self.end_value, ph)
    if self.cycle_limit is None:
      return val
    return jnp.where(i < _shapes.to_float(self.cycle_limit), val,
                     _shapes.to_float(self.end_value))

  def _phase_changes(self, horizon: float) -> list[float]:
    if not is_concrete(self.period, self.period_mult, self.cycle_limit):
      return [0.0]
    limit = None if self.cycle_limit is None else float(np.asarray(self.cycle_limit))
    return cycle_starts(float(np.asarray(self.period)), float(np.asarray(self.period_mult)),
                         float(horizon), limit)


@factory("anneal_restarts")
def anneal_restarts(peak_value: ArrayLike, period: ArrayLike, *, end_value: ArrayLike = 0.0,
                    shape: AnnealShape = "cosine", period_mult: ArrayLike = 1.0,
                    peak_decay: ArrayLike = 1.0, cycle_limit: ArrayLike | None = None,
                    k_decay: ArrayLike = 1.0, power: ArrayLike = 1.0,
                    tanh_lower: ArrayLike = -7.0,
                    tanh_upper: ArrayLike = 3.0) -> AnnealRestarts:
  r"""Warm restarts with a choice of anneal, k-decay and a limit on the cycles.

  Cycle :math:`i` lasts :math:`P m^i` steps from :math:`S_i` (as in
  :func:`jaxsched.cosine_restarts`, exact at integer restarts). With the k-decayed
  fraction :math:`u = ((t - S_i)/(P m^i))^k` and the peak :math:`v_i = v_p d^i`:

  .. math::
     \eta(t) = \begin{cases} v_e + (v_i - v_e)\, g(u) & i < C \\ v_e & i \ge C
     \end{cases}

  with :math:`g(u)` = :math:`(1 + \cos \pi u)/2` (``cosine``),
  :math:`(1 - \tanh(L(1-u) + U u))/2` (``tanh``), :math:`(1-u)^{p}` (``poly``)
  or :math:`1 - u` (``linear``).

  Args:
    peak_value: ``v_p``, the value at the start of the first cycle.
    period: ``P > 0``, length of the first cycle in steps (may be fractional;
      traced values <= 0 act as 1).
    end_value: ``v_e``, the value each cycle anneals to, held after the last.
    shape: ``"cosine"``, ``"tanh"``, ``"poly"`` or ``"linear"`` (static).
    period_mult: ``m >= 1``, growth of each cycle (traced values below 1 act
      as 1).
    peak_decay: ``d >= 0``, each peak is ``d`` times the previous one.
    cycle_limit: ``C``, whole number >= 0 of cycles run before holding
      ``end_value``; ``None`` for no limit.
    k_decay: ``k > 0`` of k-decay (1 is the plain anneal; traced values < 0 act
      as 0).
    power: ``p >= 0`` of the ``poly`` shape.
    tanh_lower: ``L``, tanh argument at the start of a cycle (``tanh`` shape).
    tanh_upper: ``U > L``, tanh argument at the end of a cycle.

  Returns:
    An ``AnnealRestarts`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.anneal_restarts(1.0, 4, cycle_limit=1)
    >>> np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    >>> t = jaxsched.anneal_restarts(1.0, 2, shape="poly", power=2.0)
    >>> t(jnp.arange(4)).tolist()
    [1.0, 0.25, 1.0, 0.25]

  References:
    Loshchilov & Hutter (2017), SGDR; Hsueh et al. (2019), "Stochastic
    Gradient Descent with Hyperbolic-Tangent Decay"; Zhang & Li (2020),
    "k-decay"; timm ``CosineLRScheduler``, ``TanhLRScheduler``,
    ``PolyLRScheduler``.
  """
  fn = "anneal_restarts"
  shape = _check.choice(fn, "shape", shape, _ANNEAL_SHAPES)
  lo, hi = (_check.number(fn, "tanh_lower", tanh_lower),
            _check.number(fn, "tanh_upper", tanh_upper))
  if is_concrete(lo, hi) and float(lo) >= float(hi):
    raise ValueError(f"{fn}: `tanh_upper` must be > tanh_lower={lo}, got "
                     f"tanh_upper={hi}. Pass bounds such as -7.0 and 3.0.")
  if cycle_limit is not None:
    cycle_limit = _check.steps(fn, "cycle_limit", cycle_limit,
                               fix="Pass the number of cycles to run, or None "
                               "for no limit.")
  return AnnealRestarts(
      _check.number(fn, "peak_value", peak_value),
      **restart_args(fn, period, period_mult, peak_decay, end_value),
      cycle_limit=cycle_limit,
      k_decay=_check.number(fn, "k_decay", k_decay, lo=0, lo_open=True,
                            fix="Pass 1.0 for no k-decay, or e.g. 2.0."),
      power=_check.number(fn, "power", power, lo=0,
                          fix="Pass a non-negative power, e.g. 1.0."),
      tanh_lower=lo, tanh_upper=hi, shape=shape)


@register("power_ramp")
class PowerRamp(Schedule):
  init_value: ArrayLike
  end_value: ArrayLike
  transition_steps: ArrayLike
  power: ArrayLike = 1.0

  def _value(self, k: Array) -> Array:
    ph = _shapes.progress(jnp.maximum(k, 0), self.transition_steps)
    return _shapes.pow_ramp(self.init_value, self.end_value, ph, self.power)

  def _phase_changes(self, horizon: float) -> list[float]:
    if not is_concrete(self.transition_steps):
      return [0.0]
    return [0.0, max(float(np.asarray(self.transition_steps)), 1.0)]


@factory("power_ramp")
def power_ramp(init_value: ArrayLike, end_value: ArrayLike, transition_steps: ArrayLike, *,
               power: ArrayLike = 1.0) -> PowerRamp:
  r"""A power curve from ``init_value`` to ``end_value``, then held.

  .. math:: \eta(t) = v_0 + (v_1 - v_0)\,(\min(t, T)/T)^{p}

  (:func:`jaxsched.polynomial` is the mirror image, :math:`(1 - t/T)^p`.)

  Args:
    init_value: ``v_0``, at step 0.
    end_value: ``v_1``, from step ``T`` on.
    transition_steps: ``T``, whole number >= 1 (traced values below 1 act as 1).
    power: ``p >= 0``.

  Returns:
    A ``PowerRamp`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> jaxsched.power_ramp(0.0, 1.0, 4, power=2.0)(jnp.arange(6)).tolist()
    [0.0, 0.0625, 0.25, 0.5625, 1.0, 1.0]

  References:
    fastai ``SchedPoly``.
  """
  fn = "power_ramp"
  return PowerRamp(
      _check.number(fn, "init_value", init_value),
      _check.number(fn, "end_value", end_value),
      _check.steps(fn, "transition_steps", transition_steps, positive=True,
                   fix="Pass the length of the ramp in steps (>= 1)."),
      power=_check.number(fn, "power", power, lo=0,
                          fix="Pass a non-negative power, e.g. 2.0."))


@register("linear_warmup")
class LinearWarmup(Schedule):
  schedule: Schedule
  warmup_steps: ArrayLike
  init_value: ArrayLike = 0.0
  peak_value: ArrayLike | None = None
  prefix: bool = static(default=True)

  def _value(self, k: Array) -> Array:
    rel = _shapes.exact_sub(k, self.warmup_steps)
    after = self.schedule(jnp.maximum(rel, 0) if self.prefix else k)
    if self.peak_value is None:
      at = jnp.zeros((), rel.dtype) if self.prefix else jnp.asarray(
          self.warmup_steps)
      peak = self.schedule(at)
    else:
      peak = _shapes.to_float(self.peak_value)
    ph = _shapes.phase(k, self.warmup_steps, min_length=None)
    return jnp.where(rel >= 0, after, _shapes.lerp(self.init_value, peak, ph))

  def _phase_changes(self, horizon: float) -> list[float]:
    if not is_concrete(self.warmup_steps):
      return [0.0]
    w = float(np.asarray(self.warmup_steps))
    rest = child_changes(self.schedule, horizon)
    if self.prefix:
      rest = [w + x for x in rest]
    return [0.0, w] + [x for x in rest if x >= w]


@factory("linear_warmup")
def linear_warmup(schedule: ScheduleLike, warmup_steps: ArrayLike, *, init_value: ArrayLike = 0.0,
                  peak_value: ArrayLike | None = None, prefix: bool = True) -> LinearWarmup:
  r"""A linear warmup to ``peak_value``, before or over a schedule.

  .. math::
     \eta(t) = \begin{cases} v_i + (v_p - v_i)\,t/W & t < W \\
     s(t - W) \text{ (prefix)} \;\text{or}\; s(t) & t \ge W \end{cases}

  With ``prefix=True`` the schedule starts after the warmup (as
  :func:`jaxsched.warmup`); with ``prefix=False`` the warmup replaces the
  schedule's first ``W`` steps. ``peak_value=None`` ramps to where the schedule
  continues (``s(0)`` or ``s(W)``), so there is no jump; a number ramps to that
  value (timm ramps to the base learning rate).

  Args:
    schedule: any schedule (or callable).
    warmup_steps: ``W``, whole number >= 0 (0: no warmup; a traced negative
      value acts as 0).
    init_value: ``v_i``, the value at step 0.
    peak_value: ``v_p``, the value the ramp heads for, or ``None``.
    prefix: whether the schedule starts after the warmup (static).

  Returns:
    A ``LinearWarmup`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> base = jaxsched.linear(1.0, 0.0, 8)
    >>> jaxsched.linear_warmup(base, 4, prefix=False)(jnp.arange(0, 10, 2)).tolist()
    [0.0, 0.25, 0.5, 0.25, 0.0]
    >>> jaxsched.linear_warmup(base, 4, peak_value=1.0)(jnp.arange(0, 10, 2)).tolist()
    [0.0, 0.5, 1.0, 0.75, 0.5]

  References:
    timm's ``warmup_t``/``warmup_lr_init``/``warmup_prefix``.
  """
  fn = "linear_warmup"
  return LinearWarmup(
      _as_schedule(fn, "schedule", schedule),
      _check.steps(fn, "warmup_steps", warmup_steps,
                   fix="Pass the warmup length in steps (0 for none)."),
      init_value=_check.number(fn, "init_value", init_value),
      peak_value=None if peak_value is None else _check.number(
          fn, "peak_value", peak_value),
      prefix=_check.flag(fn, "prefix", prefix))


@register("noisy")
class Noisy(Schedule):
  schedule: Schedule
  seed: ArrayLike = 42
  pct: ArrayLike = 0.67
  std: ArrayLike = 1.0
  begin: ArrayLike = 0
  end: ArrayLike | None = None
  kind: NoiseKind = static(default="normal")

  def _value(self, k: Array) -> Array:
    base = self.schedule(k)
    on = _shapes.reached(k, self.begin)
    if self.end is not None:
      on = on & ~_shapes.reached(k, self.end)
    noise = _shapes.seeded_noise(self.seed, k, self.pct, self.std, self.kind)
    return jnp.where(on, base + base * noise, base)

  def _phase_changes(self, horizon: float) -> list[float]:
    ends = [self.begin] + ([] if self.end is None else [self.end])
    if not is_concrete(*ends):
      return [0.0]
    return [float(np.asarray(x)) for x in ends] + child_changes(self.schedule, horizon)


@factory("noisy")
def noisy(schedule: ScheduleLike, *, seed: ArrayLike = 42, pct: ArrayLike = 0.67,
          std: ArrayLike = 1.0,
          begin: ArrayLike = 0, end: ArrayLike | None = None, kind: NoiseKind = "normal") -> Noisy:
  r"""Multiplicative noise, a pure function of the step and the seed.

  .. math::
     \eta(t) = s(t)\,(1 + n_t) \quad (b \le t < e), \qquad s(t) \text{ elsewhere}

  with :math:`n_t` from the key ``jax.random.fold_in(jax.random.key(seed), t)``:
  a normal of standard deviation ``std`` truncated to ``(-pct, pct)``
  (``kind="normal"``, timm's rejection rule) or uniform on ``[-pct, pct)``
  (``"uniform"``). The same ``(seed, t)`` gives the same number eagerly, under
  ``jax.jit`` and ``jax.vmap`` (a sweep over seeds is one vmap). Steps enter
  the key modulo 2**32.

  Args:
    schedule: any schedule (or callable).
    seed: integer seed (may be traced).
    pct: ``> 0``, the noise limit (``pct <= 0``, traced: no noise).
    std: ``> 0``, standard deviation of the normal before truncation.
    begin: ``b``, first noisy step (inclusive; may be fractional).
    end: ``e``, first step without noise again, or ``None`` for no end.
    kind: ``"normal"`` or ``"uniform"`` (static).

  Returns:
    A ``Noisy`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.noisy(jaxsched.constant(1.0), seed=0, pct=0.1, begin=2)
    >>> v = np.asarray(s(jnp.arange(5)))
    >>> v[:2].tolist(), bool(np.all(np.abs(v[2:] - 1.0) < 0.1))
    ([1.0, 1.0], True)
    >>> bool(np.all(jax.jit(s)(jnp.arange(5)) == v))
    True

  References:
    timm ``Scheduler`` noise (``noise_range_t``, ``noise_pct``, ``noise_std``,
    ``noise_seed``), which draws from PyTorch's generator instead.
  """
  fn = "noisy"
  if isinstance(seed, bool) or not (_check.is_traced(seed) or np.issubdtype(
      np.asarray(seed).dtype, np.integer) or isinstance(seed, jax.Array)):
    raise ValueError(f"{fn}: `seed` must be an integer, got seed={seed!r}. "
                     "Pass an int such as 42.")
  return Noisy(
      _as_schedule(fn, "schedule", schedule),
      seed=seed if _check.is_traced(seed) or isinstance(seed, jax.Array) else int(np.asarray(seed)),
      pct=_check.number(fn, "pct", pct, lo=0, lo_open=True,
                        fix="Pass the noise limit, e.g. 0.67."),
      std=_check.number(fn, "std", std, lo=0, lo_open=True,
                        fix="Pass the standard deviation, e.g. 1.0."),
      begin=_check.number(fn, "begin", begin,
                          fix="Pass the first step with noise."),
      end=None if end is None else _check.number(
          fn, "end", end, fix="Pass the first step without noise, or None."),
      kind=_check.choice(fn, "kind", kind, _NOISE_KINDS))


@register("by_fraction")
class ByFraction(Schedule):
  schedule: Schedule
  total_steps: ArrayLike

  def _value(self, k: Array) -> Array:
    return self.schedule(_shapes.safe_div(_shapes.to_float(k),
                                          _shapes.to_float(self.total_steps)))

  def _phase_changes(self, horizon: float) -> list[float]:
    if not is_concrete(self.total_steps):
      return [0.0]
    t = float(np.asarray(self.total_steps))
    return [t * x for x in child_changes(self.schedule, horizon / t)]


@factory("by_fraction")
def by_fraction(schedule: ScheduleLike, total_steps: ArrayLike) -> ByFraction:
  r"""Drives a schedule of the fraction of the run with the step count.

  .. math:: \eta(t) = s(t / T)

  fastai's schedules are functions of ``pos = t / T`` in ``[0, 1]``; this turns
  one into a schedule of the step.

  Args:
    schedule: a schedule whose argument is a fraction of the run.
    total_steps: ``T > 0``, steps in the whole run (may be fractional; traced
      values <= 0 act as 1).

  Returns:
    A ``ByFraction`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``). The wrapped
    schedule sees the fraction of the run.

  Example:
    >>> s = jaxsched.by_fraction(jaxsched.linear(1.0, 0.0, 1), 4)
    >>> s(jnp.arange(5)).tolist()
    [1.0, 0.75, 0.5, 0.25, 0.0]
  """
  fn = "by_fraction"
  return ByFraction(
      _as_schedule(fn, "schedule", schedule),
      _check.number(fn, "total_steps", total_steps, lo=0, lo_open=True,
                    fix="Pass the number of steps of the whole run."))
