"""Schedules that know the training run, in time: gradient accumulation,
stretch, extend and cooldown_from (ratio forms and batch scaling: _run_rates).

Every step argument here may also be a duration string (``"10ep"``, ``"0.1dur"``,
see :func:`jaxsched.to_steps`) resolved against ``run=`` at construction; the
config of the result holds the resolved steps.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import Schedule, ScheduleLike, child_changes, factory, register, static
from jaxsched._combinators import _as_schedule
from jaxsched._run import Run, to_steps

Array = jax.Array

CooldownShape = Literal["linear", "cosine", "sqrt"]
_COOLDOWN_SHAPES = get_args(CooldownShape)


def _steps(fn: str, name: str, x: Any, run: Run | None, *, positive: bool = False,
           fix: str = _check.STEPS_FIX) -> Any:
  """A step-count argument: a duration string resolved against ``run``, checked."""
  if isinstance(x, str):
    x = to_steps(x, run, name=name, fn=fn)
  return _check.steps(fn, name, x, positive=positive, fix=fix)


def _num(x: Any) -> float:
  return float(np.asarray(x, dtype=np.float64))


def _within(points: list[float], horizon: float) -> list[float]:
  return sorted({p for p in points if 0.0 <= p <= horizon})


# -- gradient accumulation ---------------------------------------------------


@register("accumulate")
class Accumulate(Schedule):
  schedule: Schedule
  accumulation_steps: ArrayLike

  def _value(self, k: Array) -> Array:
    return self.schedule(_shapes.floor_div_raw(k, self.accumulation_steps))

  def _phase_changes(self, horizon: float) -> list[float]:
    n = _num(self.accumulation_steps)
    inner = child_changes(self.schedule, horizon / n)
    return _within([c * n for c in inner], horizon)


@factory("accumulate")
def accumulate(schedule: ScheduleLike, accumulation_steps: ArrayLike) -> Accumulate:
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
    An ``Accumulate`` schedule (a frozen dataclass pytree): ``s(m)``, for an
    integer micro-step ``m`` or an array of them of any shape, is the learning
    rate of the update ``m`` belongs to, a float array of that shape (float32;
    float64 under ``jax_enable_x64``).

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
      _check.steps(fn, "accumulation_steps", accumulation_steps, positive=True,
                   fix="Pass the number of micro-batches per optimizer update "
                   "(>= 1)."))


# -- stretch and extend --------------------------------------------------------


@register("stretch")
class Stretch(Schedule):
  schedule: Schedule
  total_steps: ArrayLike
  new_total_steps: ArrayLike
  warmup_steps: ArrayLike = 0

  def _value(self, k: Array) -> Array:
    return _remap_eval(self.schedule, k, self.warmup_steps, self.total_steps,
                       self.new_total_steps)

  def _phase_changes(self, horizon: float) -> list[float]:
    return _remapped_changes(self.schedule, horizon, _num(self.warmup_steps),
                             _num(self.total_steps), _num(self.new_total_steps))


def _remap_eval(s: Schedule, k: Array, keep: Any, old: Any, new: Any) -> Array:
  """``s`` through :func:`_shapes.stretch_time`; the kept prefix sees ``k`` itself
  (integer steps stay integer there, so its rates are bit-for-bit ``s``'s)."""
  out = s(_shapes.stretch_time(k, keep, old, new))
  if not _shapes.is_int(k):
    return out
  return jnp.where(_shapes.reached(keep, k), s(k), out)


def _remapped_changes(s: Any, horizon: float, keep: float, old: float,
                      new: float) -> list[float]:
  """Phase changes of ``s`` seen through :func:`_shapes.stretch_time`."""
  span = max(old - keep, 0.0)
  den = new - keep if new - keep > 0 else 1.0
  inner_horizon = keep + max(horizon - keep, 0.0) * span / den
  out = [keep, new]
  for c in child_changes(s, max(inner_horizon, horizon)):
    if c <= keep:
      out.append(c)
    elif span > 0:
      out.append(keep + (c - keep) * den / span)
  return _within(out, horizon)


@factory("stretch")
def stretch(schedule: ScheduleLike, total_steps: ArrayLike, new_total_steps: ArrayLike, *,
            warmup_steps: ArrayLike = 0, run: Run | None = None) -> Stretch:
  r"""Stretches (or compresses) a schedule in time to a new total length.

  .. math::
     \eta(t) = \begin{cases} s(t) & t \le W \\
     s\!\left(W + (t - W)\,\frac{T - W}{T' - W}\right) & t > W \end{cases}

  ``W = 0`` scales the whole time axis by ``T'/T`` (composer's
  ``scale_schedule_ratio = T'/T`` with ``scale_warmup=True``); ``W`` = the warmup
  length keeps the warmup as it is and stretches the rest (composer's default,
  ``scale_warmup=False``). A stretched schedule equals the original at the mapped
  steps: ``stretch(s, T, T')(t) == s(W + (t - W)(T - W)/(T' - W))``, exactly where
  that is a whole number (while ``W (T' - W) + (t - W)(T - W) < 2**24`` in
  float32). After ``W`` the inner schedule sees the mapped step as a number of
  the float dtype, rounded once (float32 has 24 bits: a steep inner schedule at
  a fractional mapped step is as precise as such a step). A boundary that maps
  to a fractional step takes effect at the next whole step (composer truncates
  the scaled milestone, one step earlier: 25 stretched by 1.5 is step 38 here,
  37 there). Steps past ``T'`` continue at the stretched speed.

  Args:
    schedule: any schedule (or callable) planned for ``T`` steps.
    total_steps: ``T``, whole number >= 1, or a duration (``"90ep"``).
    new_total_steps: ``T'``, whole number >= ``W``, or a duration.
    warmup_steps: ``W``, steps kept as they are, whole number in ``[0, T]``
      (a traced ``T' <= W`` acts as ``W + 1``).
    run: a :class:`jaxsched.Run` to resolve duration strings against.

  Returns:
    A ``Stretch`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``). The curve of
    ``schedule`` stretched to ``T'`` steps.

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
  _check.not_below(fn, "total_steps", t, "`warmup_steps`", w,
                   "The kept warmup must fit in the original schedule.")
  _check.not_below(fn, "new_total_steps", n, "`warmup_steps`", w,
                   "The kept warmup must fit in the new run.")
  return Stretch(_as_schedule(fn, "schedule", schedule), t, n, warmup_steps=w)


@register("extend")
class Extend(Schedule):
  schedule: Schedule
  resume_step: ArrayLike
  total_steps: ArrayLike
  new_total_steps: ArrayLike

  def _value(self, k: Array) -> Array:
    return _remap_eval(self.schedule, k, self.resume_step, self.total_steps,
                       self.new_total_steps)

  def _phase_changes(self, horizon: float) -> list[float]:
    return _remapped_changes(self.schedule, horizon, _num(self.resume_step),
                             _num(self.total_steps), _num(self.new_total_steps))


@factory("extend")
def extend(schedule: ScheduleLike, resume_step: ArrayLike, total_steps: ArrayLike,
           new_total_steps: ArrayLike, *, run: Run | None = None) -> Extend:
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
    An ``Extend`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``). The curve of
    ``schedule`` stretched to ``T'`` steps.

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
  _check.not_below(fn, "new_total_steps", n, "`total_steps`", t,
                   "To shorten a schedule use jaxsched.stretch.")
  return Extend(_as_schedule(fn, "schedule", schedule), r, t, n)


# -- cooldown from any step ------------------------------------------------------


@register("cooldown_from")
class CooldownFrom(Schedule):
  schedule: Schedule
  start: ArrayLike
  length: ArrayLike
  end_value: ArrayLike = 0.0
  shape: CooldownShape = static(default="linear")

  def _value(self, k: Array) -> Array:
    rate = self.schedule(self.start)
    frac = _shapes.progress(_shapes.exact_sub(k, self.start), self.length)
    cool = _shapes.ANNEALS[self.shape](rate, self.end_value, frac)
    return jnp.where(_shapes.reached(k, self.start), cool, self.schedule(k))

  def _phase_changes(self, horizon: float) -> list[float]:
    start, length = _num(self.start), _num(self.length)
    inner = [c for c in child_changes(self.schedule, horizon) if c < start]
    return _within(inner + [start, start + max(length, 1.0)], horizon)


@factory("cooldown_from")
def cooldown_from(schedule: ScheduleLike, start: ArrayLike, length: ArrayLike, *,
                  shape: CooldownShape = "linear", end_value: ArrayLike = 0.0,
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
      duration such as ``"0.8dur"``); a traced negative value anneals from
      ``s(S)`` all the same.
    length: ``L``, the cooldown length, whole number >= 1 (or a duration); a
      traced value below 1 acts as 1.
    shape: ``"linear"``, ``"cosine"`` or ``"sqrt"`` (static).
    end_value: ``v_e``, reached at ``S + L`` and held.
    run: a :class:`jaxsched.Run` to resolve duration strings against.

  Returns:
    A ``CooldownFrom`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``).

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
