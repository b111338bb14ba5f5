"""Schedules that know the training run: accumulation, stretch, extend, cooldown,
ratio forms and batch-size scaling.

Every step argument here may also be a duration string (``"10ep"``, ``"0.1dur"``,
see :func:`jaxsched.to_steps`) resolved against ``run=`` at construction; the
config of the result holds the resolved steps.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _check
from jaxsched import _shapes as S
from jaxsched._base import Schedule, factory, register, static
from jaxsched._combinators import _as_schedule
from jaxsched._cosine import _not_before
from jaxsched._run import Run, to_steps

Array = jax.Array

_COOLDOWN_SHAPES = ("linear", "cosine", "sqrt")
_BATCH_RULES = {"linear": 1.0, "sqrt": 0.5}


def _steps(fn: str, name: str, x: Any, run: Run | None, *, positive: bool = False,
           fix: str = "Pass a whole number of steps.") -> Any:
  """A step-count argument: a duration string resolved against ``run``, checked."""
  if isinstance(x, str):
    x = to_steps(x, run, name=name, fn=fn)
  return _check.number(fn, name, x, lo=0, lo_open=positive, integer=True, fix=fix)


def _num(x: Any) -> float:
  return float(np.asarray(x, dtype=np.float64))


def _child_changes(s: Any, horizon: float) -> list[float]:
  """The phase changes of a child schedule (none known for a plain callable)."""
  method = getattr(s, "_phase_changes", None)
  return [float(c) for c in method(horizon)] if method is not None else []


def _within(points: list[float], horizon: float) -> list[float]:
  return sorted({p for p in points if 0.0 <= p <= horizon})


# -- gradient accumulation ---------------------------------------------------


@register("accumulate")
class Accumulate(Schedule):
  schedule: Schedule
  accumulation_steps: Any

  def _value(self, k: Array) -> Array:
    return self.schedule(S.floor_div_raw(k, self.accumulation_steps))

  def _phase_changes(self, horizon: float) -> list[float]:
    n = _num(self.accumulation_steps)
    inner = _child_changes(self.schedule, horizon / n)
    return _within([c * n for c in inner], horizon)


@factory("accumulate")
def accumulate(schedule: Any, accumulation_steps: Any) -> Accumulate:
  r"""A schedule of optimizer updates, driven by a micro-step counter.

  .. math:: \eta(m) = s(\lfloor m / k \rfloor)

  Use it where the schedule is called once per micro-batch under gradient
  accumulation over ``k`` micro-batches: a manual accumulation loop, or a
  transformation outside ``optax.MultiSteps(opt, k)`` (whose own count advances
  every micro-step), while ``schedule`` itself is written in updates. (An
  optimizer *inside* ``MultiSteps`` already sees the update count: give it the
  plain schedule.)

  Conventions (all counts 0-based, as optax's counters):

  * ``m`` is the index of the current micro-batch: the number of micro-batches
    processed before it (``MultiSteps`` state: ``m = k * gradient_step +
    mini_step``).
  * Update ``u`` averages micro-batches ``m = u k, ..., u k + k - 1`` and is
    applied at the last of them; every one of them sees ``s(u)``, the rate that
    update ``u`` uses (the rate ``s(u)`` the inner optimizer of
    ``MultiSteps`` uses for it, whose ``count`` is ``u``).
  * A loop whose counter is incremented *before* the schedule is read (1-based)
    must pass ``m - 1``; otherwise the last micro-batch of each update sees the
    next update's rate.
  * ``total_steps`` of the inner schedule counts updates: a run of ``M``
    micro-batches has ``M // k`` updates.

  Args:
    schedule: a schedule of the update count (any schedule or callable).
    accumulation_steps: ``k``, micro-batches per update, whole number >= 1
      (``optax.MultiSteps``' ``every_k_schedule``); a traced value below 1 acts
      as 1.

  Returns:
    A schedule of the micro-step.

  Example:
    >>> s = jaxsched.accumulate(jaxsched.linear(1.0, 0.0, 4), 2)
    >>> s(jnp.arange(8)).tolist()
    [1.0, 1.0, 0.75, 0.75, 0.5, 0.5, 0.25, 0.25]

  References:
    ``optax.MultiSteps``; transformers' ``gradient_accumulation_steps``.
  """
  fn = "accumulate"
  return Accumulate(
      _as_schedule(fn, "schedule", schedule),
      _check.number(fn, "accumulation_steps", accumulation_steps, lo=0,
                    lo_open=True, integer=True,
                    fix="Pass the number of micro-batches per optimizer update "
                    "(>= 1)."))


# -- stretch and extend --------------------------------------------------------


@register("stretch")
class Stretch(Schedule):
  schedule: Schedule
  total_steps: Any
  new_total_steps: Any
  warmup_steps: Any = 0

  def _value(self, k: Array) -> Array:
    return _remap_eval(self.schedule, k, self.warmup_steps, self.total_steps,
                       self.new_total_steps)

  def _phase_changes(self, horizon: float) -> list[float]:
    return _remapped_changes(self.schedule, horizon, _num(self.warmup_steps),
                             _num(self.total_steps), _num(self.new_total_steps))


def _remap_eval(s: Schedule, k: Array, keep: Any, old: Any, new: Any) -> Array:
  """``s`` through :func:`_shapes.stretch_time`; the kept prefix sees ``k`` itself
  (integer steps stay integer there, so its rates are bit-for-bit ``s``'s)."""
  out = s(S.stretch_time(k, keep, old, new))
  if not S.is_int(k):
    return out
  return jnp.where(S.ge(keep, k), s(k), out)


def _remapped_changes(s: Any, horizon: float, keep: float, old: float,
                      new: float) -> list[float]:
  """Phase changes of ``s`` seen through :func:`_shapes.stretch_time`."""
  span = max(old - keep, 0.0)
  den = new - keep if new - keep > 0 else 1.0
  inner_horizon = keep + max(horizon - keep, 0.0) * span / den
  out = [keep, new]
  for c in _child_changes(s, max(inner_horizon, horizon)):
    if c <= keep:
      out.append(c)
    elif span > 0:
      out.append(keep + (c - keep) * den / span)
  return _within(out, horizon)


@factory("stretch")
def stretch(schedule: Any, total_steps: Any, new_total_steps: Any, *,
            warmup_steps: Any = 0, run: Run | None = None) -> Stretch:
  r"""Stretches (or compresses) a schedule in time to a new total length.

  .. math::
     \eta(t) = \begin{cases} s(t) & t \le W \\
     s\!\left(W + (t - W)\,\frac{T - W}{T' - W}\right) & t > W \end{cases}

  ``W = 0`` scales the whole time axis by ``T'/T`` (composer's
  ``scale_schedule_ratio = T'/T`` with ``scale_warmup=True``); ``W`` = the warmup
  length keeps the warmup as it is and stretches the rest (composer's default,
  ``scale_warmup=False``). A stretched schedule equals the original at the mapped
  steps: ``stretch(s, T, T')(t) == s(W + (t - W)(T - W)/(T' - W))``, exactly where
  that is a whole number (while ``(t - W)(T - W) < 2**24`` in float32). The
  inner schedule sees float steps.

  Args:
    schedule: any schedule (or callable) planned for ``T`` steps.
    total_steps: ``T``, whole number >= 1, or a duration (``"90ep"``).
    new_total_steps: ``T'``, whole number >= ``W``, or a duration.
    warmup_steps: ``W``, steps kept as they are, whole number in ``[0, T]``
      (a traced ``T' <= W`` acts as ``W + 1``).
    run: a :class:`jaxsched.Run` to resolve duration strings against.

  Returns:
    A schedule of ``T'`` steps.

  Example:
    >>> base = jaxsched.warmup_cosine_decay(1.0, 2, 6)
    >>> s = jaxsched.stretch(base, 6, 10, warmup_steps=2)
    >>> np.asarray(s(jnp.arange(0, 12, 2)), float).round(4).tolist()
    [0.0, 1.0, 0.8536, 0.5, 0.1464, 0.0]

  References:
    MosaicML composer, ``Trainer(scale_schedule_ratio=...)`` and the
    ``scale_warmup`` option of its warmup schedulers.
  """
  fn = "stretch"
  t = _steps(fn, "total_steps", total_steps, run, positive=True,
             fix="Pass the length the schedule was planned for (>= 1).")
  n = _steps(fn, "new_total_steps", new_total_steps, run, positive=True,
             fix="Pass the new length of the run (>= 1).")
  w = _steps(fn, "warmup_steps", warmup_steps, run,
             fix="Pass the number of leading steps to keep (0 to stretch all).")
  _not_before(fn, "total_steps", t, "warmup_steps", w,
              "The kept warmup must fit in the original schedule.")
  _not_before(fn, "new_total_steps", n, "warmup_steps", w,
              "The kept warmup must fit in the new run.")
  return Stretch(_as_schedule(fn, "schedule", schedule), t, n, warmup_steps=w)


@register("extend")
class Extend(Schedule):
  schedule: Schedule
  resume_step: Any
  total_steps: Any
  new_total_steps: Any

  def _value(self, k: Array) -> Array:
    return _remap_eval(self.schedule, k, self.resume_step, self.total_steps,
                       self.new_total_steps)

  def _phase_changes(self, horizon: float) -> list[float]:
    return _remapped_changes(self.schedule, horizon, _num(self.resume_step),
                             _num(self.total_steps), _num(self.new_total_steps))


@factory("extend")
def extend(schedule: Any, resume_step: Any, total_steps: Any,
           new_total_steps: Any, *, run: Run | None = None) -> Extend:
  r"""Extends a running or finished schedule to a longer run, from where it is.

  A run planned for ``T`` steps is stopped at step ``r`` and resumed with a
  budget of ``T'`` steps. Up to ``r`` nothing changes; after it, what was left of
  the schedule (``[r, T]``) is spread over ``[r, T']``:

  .. math::
     \eta(t) = \begin{cases} s(t) & t \le r \\
     s\!\left(r + (t - r)\,\frac{\max(T - r, 0)}{T' - r}\right) & t > r
     \end{cases}

  What is continuous at ``r``: the value (``\eta(r) = s(r)``, and ``\eta`` is
  continuous after ``r`` wherever ``s`` is on ``[r, T]``), the fraction of the
  remaining schedule done, and the final value (``\eta(T') = s(T)``). What is not:
  the slope, which is multiplied by ``(T - r)/(T' - r)``. A finished run
  (``r >= T``) has nothing left to spread: it holds ``s(r)``, the rate it ended
  with (branch a further anneal with :func:`cooldown_from`).

  Args:
    schedule: the schedule the run was started with, planned for ``T`` steps.
    resume_step: ``r``, the step the run resumes from, whole number >= 0 (or a
      duration).
    total_steps: ``T``, the planned length, whole number >= 1.
    new_total_steps: ``T' >= T``, the new length (a traced ``T' <= r`` acts as
      ``r + 1``).
    run: a :class:`jaxsched.Run` to resolve duration strings against.

  Returns:
    A schedule of ``T'`` steps.

  Example:
    >>> base = jaxsched.linear(1.0, 0.0, 10)
    >>> s = jaxsched.extend(base, 6, 10, 14)   # stopped at 6, now 14 steps
    >>> np.asarray(s(jnp.arange(0, 16, 2)), float).round(4).tolist()
    [1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1, 0.0]
  """
  fn = "extend"
  r = _steps(fn, "resume_step", resume_step, run,
             fix="Pass the step the run resumes from (>= 0).")
  t = _steps(fn, "total_steps", total_steps, run, positive=True,
             fix="Pass the length the schedule was planned for (>= 1).")
  n = _steps(fn, "new_total_steps", new_total_steps, run, positive=True,
             fix="Pass the new, longer length of the run.")
  _not_before(fn, "new_total_steps", n, "total_steps", t,
              "To shorten a schedule use jaxsched.stretch.")
  return Extend(_as_schedule(fn, "schedule", schedule), r, t, n)


# -- cooldown from any step ------------------------------------------------------


@register("cooldown_from")
class CooldownFrom(Schedule):
  schedule: Schedule
  start: Any
  length: Any
  end_value: Any = 0.0
  shape: str = static("linear")

  def _value(self, k: Array) -> Array:
    rate = self.schedule(self.start)
    frac = S.progress(S.sub(k, self.start), self.length)
    cool = S.ANNEALS[self.shape](rate, self.end_value, frac)
    return jnp.where(S.ge(k, self.start), cool, self.schedule(k))

  def _phase_changes(self, horizon: float) -> list[float]:
    start, length = _num(self.start), _num(self.length)
    inner = [c for c in _child_changes(self.schedule, horizon) if c < start]
    return _within(inner + [start, start + max(length, 1.0)], horizon)


@factory("cooldown_from")
def cooldown_from(schedule: Any, start: Any, length: Any, *,
                  shape: str = "linear", end_value: Any = 0.0,
                  run: Run | None = None) -> CooldownFrom:
  r"""Branches a cooldown off any step of a schedule: the WSD checkpoint anneal.

  With :math:`u = \mathrm{clip}((t - S)/L, 0, 1)` and the rate
  :math:`a = s(S)` the schedule has at the branch point:

  .. math::
     \eta(t) = \begin{cases} s(t) & t < S \\ v_e + (a - v_e)\, g(u) & t \ge S
     \end{cases}

  where :math:`g(u)` is :math:`1 - u` (``linear``), :math:`(1 + \cos\pi u)/2`
  (``cosine``) or :math:`1 - \sqrt{u}` (``sqrt``, the "1-sqrt" cooldown of
  Hägele et al.). The anneal starts from the frozen rate ``s(S)``; for a factor
  that decays a still-changing schedule, multiply instead:
  ``s * jaxsched.cooldown_from(jaxsched.constant(1.0), S, L)``.

  Args:
    schedule: any schedule (or callable), e.g. the stable phase of a WSD run.
    start: ``S``, the step the cooldown branches off, whole number >= 0 (or a
      duration such as ``"0.8dur"``).
    length: ``L``, the cooldown length, whole number >= 1 (or a duration); a
      traced value below 1 acts as 1.
    shape: ``"linear"``, ``"cosine"`` or ``"sqrt"`` (static).
    end_value: ``v_e``, reached at ``S + L`` and held.
    run: a :class:`jaxsched.Run` to resolve duration strings against.

  Returns:
    A schedule.

  Example:
    >>> stable = jaxsched.warmup(jaxsched.constant(1.0), 2)
    >>> s = jaxsched.cooldown_from(stable, 4, 4, shape="sqrt")
    >>> np.asarray(s(jnp.arange(10)), float).round(4).tolist()
    [0.0, 0.5, 1.0, 1.0, 1.0, 0.5, 0.2929, 0.134, 0.0, 0.0]

  References:
    Hägele et al. (2024), "Scaling Laws and Compute-Optimal Training Beyond
    Fixed Training Durations"; Hu et al. (2024), MiniCPM.
  """
  fn = "cooldown_from"
  return CooldownFrom(
      _as_schedule(fn, "schedule", schedule),
      _steps(fn, "start", start, run,
             fix="Pass the step the cooldown starts at (>= 0)."),
      _steps(fn, "length", length, run, positive=True,
             fix="Pass the cooldown length in steps (>= 1)."),
      end_value=_check.number(fn, "end_value", end_value),
      shape=_check.choice(fn, "shape", shape, _COOLDOWN_SHAPES))


# -- ratio forms ---------------------------------------------------------------


def _ceil_ratio(ratio: Any, total: Array) -> Array:
  """``ceil(ratio * total)`` of the decimal product, in the default float dtype.

  A product within two float ulps of a whole number is that number (``0.07 *
  100 = 7``, where Python's float arithmetic gives 7.000000000000001 and ceil 8).
  """
  x = S.f(ratio) * total
  n = jnp.round(x)
  tol = 2.0 * jnp.finfo(x.dtype).eps * jnp.maximum(jnp.abs(x), 1.0)
  return jnp.where(jnp.abs(x - n) <= tol, n, jnp.ceil(x))


@register("warmup_decay_ratio")
class WarmupDecayRatio(Schedule):
  peak_value: Any
  total_steps: Any
  warmup_ratio: Any = 0.0
  decay_ratio: Any = None
  min_lr_ratio: Any = 0.0
  init_lr_ratio: Any = 0.0
  decay_shape: str = static("cosine")

  def lengths(self) -> tuple[Array, Array]:
    """The warmup and decay lengths ``(W, D)`` in steps (float arrays)."""
    total = S.f(self.total_steps)
    w = jnp.clip(_ceil_ratio(self.warmup_ratio, total), 0.0, total)
    if self.decay_ratio is None:
      return w, total - w
    return w, jnp.clip(_ceil_ratio(self.decay_ratio, total), 0.0, total - w)

  def _value(self, k: Array) -> Array:
    w, d = self.lengths()
    peak = S.f(self.peak_value)
    stable = S.f(self.total_steps) - w - d
    anneal = S.ANNEALS[self.decay_shape]
    end = peak * S.f(self.min_lr_ratio)

    def main(r):
      return anneal(peak, end, S.progress_float(S.f(r) - stable, d))

    return S.warmup_then(k, w, peak * S.f(self.init_lr_ratio), main)

  def _phase_changes(self, horizon: float) -> list[float]:
    w, d = (_num(x) for x in self.lengths())
    t = _num(self.total_steps)
    return _within([0.0, w, t - d, t], horizon)


@factory("warmup_decay_ratio")
def warmup_decay_ratio(peak_value: Any, total_steps: Any, *,
                       warmup_ratio: Any = 0.0, decay_ratio: Any = None,
                       min_lr_ratio: Any = 0.0, init_lr_ratio: Any = 0.0,
                       decay_shape: str = "cosine",
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
  arithmetic gives ``ceil(7.000000000000001) = 8``). Lengths are computed in the default float dtype, so the
  ratios may be traced: a ``jax.vmap`` over ``warmup_ratio`` compiles once.

  Args:
    peak_value: ``v_p``.
    total_steps: ``T``, whole number >= 1 (or a duration such as ``"10ep"``).
    warmup_ratio: ``r_w`` in [0, 1], the fraction of ``T`` spent warming up.
    decay_ratio: ``r_d`` in [0, 1] with ``r_w + r_d <= 1``, the fraction of
      ``T`` spent decaying at the end, or ``None`` (decay over all the steps
      after the warmup). A traced sum above 1 shortens the decay to ``T - W``.
      ``0`` holds the peak up to ``T - 1`` and the end value from ``T`` on.
    min_lr_ratio: ``r_m >= 0``, the end value as a fraction of the peak.
    init_lr_ratio: ``r_i >= 0``, the value at step 0 as a fraction of the peak.
    decay_shape: ``"linear"``, ``"cosine"`` or ``"sqrt"`` (static).
    run: a :class:`jaxsched.Run` to resolve a ``total_steps`` duration against.

  Returns:
    A schedule.

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
  batch_size: Any
  base_batch_size: Any = 256
  rule: str = static("linear")

  def factor(self) -> Array:
    """The multiplier ``(B / B_0)^p`` (``p = 1`` linear, ``1/2`` sqrt)."""
    base = S.f(self.base_batch_size)
    batch = jnp.where(S.f(self.batch_size) > 0, S.f(self.batch_size), base)
    ratio = S.safe_div(batch, base)
    return S.safe_pow(ratio, _BATCH_RULES[self.rule])

  def _value(self, k: Array) -> Array:
    return self.schedule(k) * self.factor()

  def _phase_changes(self, horizon: float) -> list[float]:
    return _child_changes(self.schedule, horizon)


@factory("batch_scale")
def batch_scale(schedule: Any, batch_size: Any, *, base_batch_size: Any = 256,
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
    A schedule.

  Example:
    >>> base = jaxsched.constant(0.1)
    >>> float(jaxsched.batch_scale(base, 1024)(0))
    0.4000000059604645
    >>> float(jaxsched.batch_scale(base, 1024, rule="sqrt")(0))
    0.20000000298023224

  References:
    timm ``train.py`` (``--lr-base``, ``--lr-base-size``, ``--lr-base-scale``);
    Goyal et al. (2017), "Accurate, Large Minibatch SGD"; Hoffer et al. (2017).
  """
  fn = "batch_scale"
  if not (isinstance(schedule, Schedule) or callable(schedule)):
    from jaxsched._decay import constant  # pylint: disable=import-outside-toplevel
    schedule = constant(schedule)
  return BatchScale(
      _as_schedule(fn, "schedule", schedule),
      _check.number(fn, "batch_size", batch_size, lo=0, lo_open=True,
                    fix="Pass the global batch size of the run (> 0)."),
      base_batch_size=_check.number(
          fn, "base_batch_size", base_batch_size, lo=0, lo_open=True,
          fix="Pass the batch size the rates were tuned at, e.g. 256."),
      rule=_check.choice(fn, "rule", rule, tuple(_BATCH_RULES)))
