"""Schedules that know the training run, in rates: ratio forms (transformers,
DeepSpeed, torchtitan vocabulary) and batch-size scaling (timm's rules).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import Schedule, ScheduleLike, child_changes, factory, register, static
from jaxsched._combinators import _as_schedule
from jaxsched._decay import constant
from jaxsched._run import Run
from jaxsched._run_time import _COOLDOWN_SHAPES, CooldownShape, _num, _steps, _within

Array = jax.Array

_BATCH_RULES = {"linear": 1.0, "sqrt": 0.5}


# -- ratio forms ---------------------------------------------------------------


def _ceil_ratio(ratio: Any, total: Array) -> Array:
  """``ceil(ratio * total)`` of the decimal product, in the default float dtype.

  A product within two float ulps of a whole number is that number (``0.07 *
  100 = 7``, where Python's float arithmetic gives 7.000000000000001 and ceil 8).
  """
  x = _shapes.to_float(ratio) * total
  n = jnp.round(x)
  tol = 2.0 * jnp.finfo(x.dtype).eps * jnp.maximum(jnp.abs(x), 1.0)
  return jnp.where(jnp.abs(x - n) <= tol, n, jnp.ceil(x))


@register("warmup_decay_ratio")
class WarmupDecayRatio(Schedule):
  peak_value: ArrayLike
  total_steps: ArrayLike
  warmup_ratio: ArrayLike = 0.0
  decay_ratio: ArrayLike | None = None
  min_lr_ratio: ArrayLike = 0.0
  init_lr_ratio: ArrayLike = 0.0
  decay_shape: CooldownShape = static(default="cosine")

  def lengths(self) -> tuple[Array, Array]:
    """The warmup and decay lengths ``(W, D)`` in steps (float arrays)."""
    total = _shapes.to_float(self.total_steps)
    w = jnp.clip(_ceil_ratio(self.warmup_ratio, total), 0.0, total)
    if self.decay_ratio is None:
      return w, total - w
    return w, jnp.clip(_ceil_ratio(self.decay_ratio, total), 0.0, total - w)

  def _value(self, k: Array) -> Array:
    w, d = self.lengths()
    peak = _shapes.to_float(self.peak_value)
    stable = _shapes.to_float(self.total_steps) - w - d
    anneal = _shapes.ANNEALS[self.decay_shape]
    end = peak * _shapes.to_float(self.min_lr_ratio)

    def main(r):
      return anneal(peak, end, _shapes.progress_float(_shapes.to_float(r) - stable, d))

    return _shapes.warmup_then(k, w, peak * _shapes.to_float(self.init_lr_ratio), main)

  def _phase_changes(self, horizon: float) -> list[float]:
    w, d = (_num(x) for x in self.lengths())
    t = _num(self.total_steps)
    return _within([0.0, w, t - d, t], horizon)


@factory("warmup_decay_ratio")
def warmup_decay_ratio(peak_value: ArrayLike, total_steps: ArrayLike, *,
                       warmup_ratio: ArrayLike = 0.0, decay_ratio: ArrayLike | None = None,
                       min_lr_ratio: ArrayLike = 0.0, init_lr_ratio: ArrayLike = 0.0,
                       decay_shape: CooldownShape = "cosine",
                       run: Run | None = None) -> WarmupDecayRatio:
  r"""Warmup, stable, decay with lengths and values as ratios (transformers style).

  With :math:`W = \lceil r_w T \rceil`, :math:`D = \lceil r_d T \rceil` (``D = T -
  W`` when ``decay_ratio`` is ``None``), :math:`v_p` the peak and
  :math:`u = \mathrm{clip}((t - (T - D))/D, 0, 1)`:

  .. math::
     \eta(t) = \begin{cases} v_p (r_i + (1 - r_i)\, t/W) & t < W \\
     v_p (r_m + (1 - r_m)\, g(u)) & t \ge W \end{cases}

  with :math:`g` as in :func:`warmup_stable_decay` (``linear``: 1 - u,
  ``cosine``: (1 + cos pi u)/2, ``sqrt``: 1 - sqrt(u)). ``decay_ratio=None`` is
  transformers' ``get_cosine_schedule_with_warmup`` / ``get_linear_...`` with
  ``TrainingArguments(warmup_ratio=...)`` and, with ``min_lr_ratio``, its
  ``cosine_with_min_lr`` (``min_lr_rate``); a ``decay_ratio`` gives WSD as
  ``get_wsd_schedule`` (which also starts its warmup at ``min_lr_ratio``: pass
  ``init_lr_ratio=min_lr_ratio``) or torchtitan's ``decay_ratio``. The curve is
  held after ``T`` (transformers' cosine rises again past ``T``).

  The ceil is of the decimal product: a product within two float ulps of a whole
  number is that number, so 0.07 of 100 steps is 7 (transformers' float
  arithmetic gives ``ceil(7.000000000000001) = 8``). Lengths are computed in the
  default float dtype, so the ratios may be traced: a ``jax.vmap`` over
  ``warmup_ratio`` compiles once.

  Args:
    peak_value: ``v_p``.
    total_steps: ``T``, whole number >= 1 (or a duration such as ``"10ep"``).
    warmup_ratio: ``r_w`` in [0, 1], the fraction of ``T`` spent warming up
      (a traced value outside is clipped: ``W`` stays in ``[0, T]``).
    decay_ratio: ``r_d`` in [0, 1] with ``r_w + r_d <= 1``, the fraction of
      ``T`` spent decaying at the end, or ``None`` (decay over all the steps
      after the warmup). A traced sum above 1 shortens the decay to ``T - W``.
      ``0`` holds the peak up to ``T - 1`` and the end value from ``T`` on.
    min_lr_ratio: ``r_m >= 0``, the end value as a fraction of the peak (a
      traced value is used as it is).
    init_lr_ratio: ``r_i >= 0``, the value at step 0 as a fraction of the peak
      (a traced value is used as it is).
    decay_shape: ``"linear"``, ``"cosine"`` or ``"sqrt"`` (static).
    run: a :class:`jaxsched.Run` to resolve a ``total_steps`` duration against.

  Returns:
    A ``WarmupDecayRatio`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> s = jaxsched.warmup_decay_ratio(1.0, 10, warmup_ratio=0.2,
    ...                                 decay_ratio=0.4, min_lr_ratio=0.1,
    ...                                 decay_shape="linear")
    >>> np.asarray(s(jnp.arange(11)), float).round(4).tolist()
    [0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 0.775, 0.55, 0.325, 0.1]

  References:
    transformers ``TrainingArguments.warmup_ratio``, ``get_wsd_schedule``
    (``min_lr_ratio``), ``get_cosine_with_min_lr_schedule_with_warmup``;
    DeepSpeed ``WarmupCosineLR`` (``warmup_min_ratio``, ``cos_min_ratio``).
  """
  fn = "warmup_decay_ratio"
  ratio_fix = "Pass a fraction of total_steps in [0, 1], e.g. 0.1."
  wr = _check.in_range(fn, "warmup_ratio", warmup_ratio, 0.0, 1.0, ratio_fix,
                       lo_open=False, hi_open=False)
  dr = None
  if decay_ratio is not None:
    dr = _check.in_range(fn, "decay_ratio", decay_ratio, 0.0, 1.0,
                         ratio_fix + " None decays over all steps after the "
                         "warmup.", lo_open=False, hi_open=False)
    if isinstance(wr, float) and isinstance(dr, float) and wr + dr > 1.0:
      raise ValueError(
          f"{fn}: `decay_ratio` must be <= 1 - warmup_ratio = {1.0 - wr!r}, got "
          f"decay_ratio={dr!r}. Shorten the warmup or the decay, or pass "
          "decay_ratio=None to decay over all steps after the warmup.")
  return WarmupDecayRatio(
      _check.number(fn, "peak_value", peak_value),
      _steps(fn, "total_steps", total_steps, run, positive=True,
             fix="Pass the length of the run in steps (>= 1)."),
      warmup_ratio=wr, decay_ratio=dr,
      min_lr_ratio=_check.number(fn, "min_lr_ratio", min_lr_ratio, lo=0,
                                 fix="Pass the end value as a fraction of the "
                                 "peak, e.g. 0.1."),
      init_lr_ratio=_check.number(fn, "init_lr_ratio", init_lr_ratio, lo=0,
                                  fix="Pass the start value as a fraction of "
                                  "the peak, e.g. 0.0."),
      decay_shape=_check.choice(fn, "decay_shape", decay_shape, _COOLDOWN_SHAPES))


# -- batch-size scaling --------------------------------------------------------


@register("batch_scale")
class BatchScale(Schedule):
  schedule: Schedule
  batch_size: ArrayLike
  base_batch_size: ArrayLike = 256
  rule: str = static(default="linear")

  def factor(self) -> Array:
    """The multiplier ``(B / B_0)^p`` (``p = 1`` linear, ``1/2`` sqrt)."""
    base = _shapes.to_float(self.base_batch_size)
    batch = jnp.where(_shapes.to_float(self.batch_size) > 0,
                      _shapes.to_float(self.batch_size), base)
    ratio = _shapes.safe_div(batch, base)
    return _shapes.safe_pow(ratio, _BATCH_RULES[self.rule])

  def _value(self, k: Array) -> Array:
    return self.schedule(k) * self.factor()

  def _phase_changes(self, horizon: float) -> list[float]:
    return child_changes(self.schedule, horizon)


@factory("batch_scale")
def batch_scale(schedule: ScheduleLike, batch_size: ArrayLike, *, base_batch_size: ArrayLike = 256,
                rule: str = "linear") -> BatchScale:
  r"""Scales a schedule's rate with the batch size, from a reference batch size.

  .. math::
     \eta(t) = s(t) \left(\frac{B}{B_0}\right)^{p}, \qquad p = 1 \text{
     (linear)}, \quad p = \tfrac12 \text{ (sqrt)}

  ``schedule`` holds the rates tuned at batch size ``B_0`` (timm's ``lr_base``
  at ``lr_base_size``). ``B`` may be traced: a ``jax.vmap`` over batch sizes
  compiles once. The linear rule (Goyal et al.) suits SGD; the square-root rule
  (Krizhevsky; Hoffer et al.) is timm's choice for Adam-like optimizers.

  Args:
    schedule: any schedule (or callable, or a number) tuned at ``B_0``.
    batch_size: ``B > 0``, the global batch size of this run (a traced value
      <= 0 acts as ``B_0``).
    base_batch_size: ``B_0 > 0``, the batch size the rates were tuned at (a
      traced value <= 0 acts as 1).
    rule: ``"linear"`` or ``"sqrt"`` (static).

  Returns:
    A ``BatchScale`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

  Example:
    >>> base = jaxsched.constant(0.1)
    >>> print(f"{float(jaxsched.batch_scale(base, 1024)(0)):.6f}")
    0.400000
    >>> print(f"{float(jaxsched.batch_scale(base, 1024, rule='sqrt')(0)):.6f}")
    0.200000

  References:
    timm ``train.py`` (``--lr-base``, ``--lr-base-size``, ``--lr-base-scale``);
    Goyal et al. (2017), "Accurate, Large Minibatch SGD"; Hoffer et al. (2017).
  """
  fn = "batch_scale"
  if not (isinstance(schedule, Schedule) or callable(schedule)):
    schedule = constant(schedule)
  return BatchScale(
      _as_schedule(fn, "schedule", schedule),
      _check.number(fn, "batch_size", batch_size, lo=0, lo_open=True,
                    fix="Pass the global batch size of the run (> 0)."),
      base_batch_size=_check.number(
          fn, "base_batch_size", base_batch_size, lo=0, lo_open=True,
          fix="Pass the batch size the rates were tuned at, e.g. 256."),
      rule=_check.choice(fn, "rule", rule, tuple(_BATCH_RULES)))
