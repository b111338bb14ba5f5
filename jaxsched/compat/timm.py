"""timm's ``timm.scheduler`` schedulers and ``create_scheduler_v2`` as jaxsched schedules.

Each constructor takes timm's arguments with the optimizer replaced by ``lr``
(the optimizer's learning rate, timm's ``base_values``) and returns a schedule
``s`` of timm's own index ``t``:

    ``s(t)`` = the learning rate timm's optimizer holds after
    ``scheduler.step(t)`` (``t_in_epochs=True``: ``t`` counts epochs) or
    ``scheduler.step_update(t)`` (``t_in_epochs=False``: ``t`` counts updates).

A scheduler with ``t_in_epochs=True`` ignores ``step_update``, so during epoch
``e`` the learning rate is ``s(e)``; pass ``updates_per_epoch=N`` to get a
schedule of the update count instead (``jaxsched.epochwise(s, N)``).
``create_scheduler_v2`` returns ``(schedule, num_epochs)`` as timm does: the
schedule is of the epoch index when ``step_on_epochs=True`` and of the update
index otherwise.

Every schedule is a thin composition of core pieces:
:func:`jaxsched.anneal_restarts` (cosine, tanh and poly cycles with k-decay and
cycle limits), :func:`jaxsched.exponential_decay` (staircase),
:func:`jaxsched.multistep`, :func:`jaxsched.linear_warmup` and
:func:`jaxsched.noisy`. Every numeric argument may be traced.

What is not bit-identical to timm:

* Noise. timm draws from ``torch.Generator().manual_seed(noise_seed + t)``
  (rejection-sampling ``randn * noise_std`` until ``|noise| < noise_pct``).
  jaxsched draws from ``jax.random.fold_in(jax.random.key(noise_seed), t)``
  (a normal truncated to the same interval, the same distribution), so the
  noisy values follow the same law and range but not torch's numbers. Outside
  the noise range, and with ``noise_range_t=None``, the values match timm.
* Cycle starts with ``cycle_mul != 1``: timm finds the cycle with a float64
  logarithm, which can put an exact cycle start into the previous cycle (then
  timm gives ``lr_min`` at that one step). jaxsched's cycle index is exact at
  integer restarts, so it gives the restart's peak.
* A fractional ``decay_t`` (``StepLRScheduler``, ``create_scheduler_v2``'s
  ``decay_epochs``): a concrete one is nudged to the float32 that floors like
  timm's float64 at its multiples; a traced one (``jax.vmap`` over it) is
  rounded to float32 and may decay one ``t`` late or early exactly at a
  multiple (``t = 60`` for ``decay_t = 2.4``). Whole or float32-exact
  intervals (``2.5``) are exact either way.
* Precision: timm computes in float64, jaxsched in float32 (float64 with x64).
"""

from __future__ import annotations

import fractions
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import Schedule
from jaxsched._combinators import epochwise
from jaxsched._decay import constant, exponential_decay
from jaxsched._extra import AnnealShape, anneal_restarts, linear_warmup, noisy
from jaxsched._piecewise import multistep
from jaxsched._plateau import PlateauMode, ReduceOnPlateau
from jaxsched.compat import _args
from jaxsched.compat.torch import ReduceLROnPlateau

__all__ = [
    "CosineLRScheduler",
    "MultiStepLRScheduler",
    "PlateauLRScheduler",
    "PolyLRScheduler",
    "StepLRScheduler",
    "TanhLRScheduler",
    "create_scheduler_v2",
]

_P = "compat.timm."


def _lr(fn: str, x: Any, name: str = "lr") -> Any:
  return _args.learning_rate(_P + fn, x, name)


def _steps(fn: str, name: str, x: Any, fix: str, positive: bool = False) -> Any:
  return _check.number(_P + fn, name, x, lo=0, lo_open=positive, fix=fix)


def _finish(fn: str, core: Schedule, lr: Any, warmup_t: Any, warmup_lr_init: Any,
            warmup_prefix: bool, noise_range_t: Any, noise_pct: Any,
            noise_std: Any, noise_seed: Any, t_in_epochs: bool,
            updates_per_epoch: Any, peak: Any = "lr") -> Schedule:
  """Warmup, noise and the epoch/update index around a core schedule."""
  w = _check.steps(_P + fn, "warmup_t", warmup_t,
                   fix="Pass the warmup length (0 for none).")
  s: Schedule = linear_warmup(core, w, init_value=_args.as_float(_check.number(
      _P + fn, "warmup_lr_init", warmup_lr_init, lo=0,
      fix="Pass the learning rate at the start of the warmup.")),
                    peak_value=lr if peak == "lr" else peak,
                    prefix=_check.flag(_P + fn, "warmup_prefix", warmup_prefix))
  s = _noise(fn, s, noise_range_t, noise_pct, noise_std, noise_seed)
  _check.flag(_P + fn, "t_in_epochs", t_in_epochs)
  if updates_per_epoch is not None:
    if not t_in_epochs:
      raise ValueError(
          f"{_P}{fn}: `updates_per_epoch` only applies with t_in_epochs=True, got "
          f"updates_per_epoch={updates_per_epoch!r} with t_in_epochs=False. Drop "
          "it: the schedule already counts updates.")
    s = epochwise(s, _check.steps(
        _P + fn, "updates_per_epoch", updates_per_epoch, positive=True,
        fix="Pass the number of optimizer updates per epoch."))
  return s


def _noise(fn: str, s: Schedule, noise_range_t: Any, pct: Any, std: Any,
           seed: Any) -> Schedule:
  if noise_range_t is None:
    return s
  if isinstance(noise_range_t, (list, tuple)):
    if len(noise_range_t) != 2:
      raise ValueError(
          f"{_P}{fn}: `noise_range_t` must be a number or a pair (start, end), got "
          f"noise_range_t={noise_range_t!r}. Pass e.g. (30, 60).")
    begin, end = noise_range_t
  else:
    begin, end = noise_range_t, None
  return noisy(s, seed=42 if seed is None else seed, pct=pct, std=std,
               begin=begin, end=end)


def _interval(d: Any) -> Any:
  """A fractional decay interval as a float32-exact value that floors like timm.

  Argument mapping for precision only. timm computes ``t // decay_t`` in
  float64; at a multiple of the intended interval (``12 // 2.4``) the result
  depends on which side of ``12/5`` the float64 ``2.4`` lies (below: 5). The
  float32 nearest to ``2.4`` lies on the other side, so the decay would come
  one step late. The interval is replaced by the float32 next to the intended
  fraction on float64's side, so ``floor(t / d)`` agrees with timm at the
  multiples and everywhere else. Whole, traced or array intervals pass as they
  are.
  """
  if _args.traced(d) or isinstance(d, jax.Array) or np.ndim(d) or \
      float(d).is_integer():
    return d
  exact = fractions.Fraction(float(d))
  frac = exact.limit_denominator(10000)  # the interval meant: 12/5 for 2.4
  f32 = np.float32(float(frac))
  if exact < frac and fractions.Fraction(float(f32)) >= frac:
    f32 = np.nextafter(f32, np.float32(0))
  elif exact > frac and fractions.Fraction(float(f32)) <= frac:
    f32 = np.nextafter(f32, np.float32(np.inf))
  return float(f32)


def _cycles(fn: str, lr: Any, t_initial: Any, lr_min: Any, shape: AnnealShape,
            cycle_mul: Any, cycle_decay: Any, cycle_limit: Any, **kw: Any):
  t = _steps(fn, "t_initial", t_initial, "Pass the length of the first cycle.",
             positive=True)
  lo = _args.as_float(_check.number(_P + fn, "lr_min", lr_min, lo=0,
                          fix="Pass the learning rate at the end of a cycle."))
  return anneal_restarts(lr, t, end_value=lo, shape=shape, period_mult=cycle_mul,
                         peak_decay=cycle_decay, cycle_limit=cycle_limit, **kw)


_SHARED = """
  Args (shared by the cycle schedulers):
    lr: the optimizer's learning rate (timm's base value).
    t_initial: length of the first cycle, in ``t`` units (> 0).
    lr_min: the value each cycle ends at, and after the last cycle.
    cycle_mul: growth of each cycle's length (>= 1).
    cycle_decay: factor on each cycle's peak.
    cycle_limit: number of cycles before holding ``lr_min`` (whole, >= 0).
    warmup_t: warmup length (whole, >= 0): ``warmup_lr_init + t (lr -
      warmup_lr_init) / warmup_t`` for ``t < warmup_t``.
    warmup_lr_init: the value at ``t = 0`` of the warmup.
    warmup_prefix: the schedule starts after the warmup (``True``) or the warmup
      replaces its first ``warmup_t`` steps (``False``, timm's default here).
    t_in_epochs: whether timm steps it per epoch (it does not change ``s(t)``).
    noise_range_t: ``None``, ``t0`` (noise from ``t0`` on) or ``(t0, t1)``.
    noise_pct, noise_std, noise_seed: see :func:`jaxsched.noisy`.
    initialize: accepted and ignored (it only concerns the optimizer).
    updates_per_epoch: with ``t_in_epochs=True``, return a schedule of the
      update count (``epochwise``); ``None`` keeps timm's index ``t``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with timm's values: ``s(t)`` is the
    learning rate, a float array of ``t``'s shape.

"""


F = TypeVar("F", bound=Callable[..., Any])


def _shared_args(fn: F) -> F:
  """Inserts the shared Args entries; returns ``fn`` itself (its signature kept)."""
  fn.__doc__ = (fn.__doc__ or "").replace("  %SHARED%\n", _SHARED.lstrip("\n"))
  return fn


@_shared_args
def CosineLRScheduler(lr: ArrayLike, t_initial: ArrayLike, lr_min: ArrayLike = 0.0,  # pylint: disable=invalid-name
                      cycle_mul: ArrayLike = 1.0, cycle_decay: ArrayLike = 1.0,
                      cycle_limit: ArrayLike = 1, warmup_t: ArrayLike = 0,
                      warmup_lr_init: ArrayLike = 0.0, warmup_prefix: bool = False,
                      t_in_epochs: bool = True, noise_range_t: ArrayLike | None = None,
                      noise_pct: ArrayLike = 0.67, noise_std: ArrayLike = 1.0,
                      noise_seed: ArrayLike = 42, k_decay: ArrayLike = 1.0,
                      initialize: bool = True, *,
                      updates_per_epoch: ArrayLike | None = None) -> Schedule:
  r"""timm ``CosineLRScheduler``: cosine cycles with k-decay, warmup and noise.

  In cycle :math:`i` (length :math:`T_i = T m^i`, position :math:`t_c`):

  .. math::
     \eta(t) = \eta_{min} + \tfrac12 (\mathrm{lr}\, d^i - \eta_{min})
     (1 + \cos(\pi t_c^k / T_i^k)) \quad (i < C), \qquad \eta_{min}\ (i \ge C)

  Maps to :func:`jaxsched.anneal_restarts` (``shape="cosine"``) under
  :func:`jaxsched.linear_warmup` (ramping to ``lr``) and :func:`jaxsched.noisy`.
  ``k_decay`` is the ``k`` above (> 0).
  %SHARED%
  Example:
    >>> from jaxsched.compat import timm
    >>> s = timm.CosineLRScheduler(1.0, t_initial=4, warmup_t=2, warmup_lr_init=0.1)
    >>> np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    [0.1, 0.55, 0.5, 0.1464, 0.0, 0.0]
  """
  fn = "CosineLRScheduler"
  base = _lr(fn, lr)
  core = _cycles(fn, base, t_initial, lr_min, "cosine", cycle_mul, cycle_decay,
                 cycle_limit, k_decay=k_decay)
  return _finish(fn, core, base, warmup_t, warmup_lr_init, warmup_prefix,
                 noise_range_t, noise_pct, noise_std, noise_seed, t_in_epochs,
                 updates_per_epoch)


@_shared_args
def TanhLRScheduler(lr: ArrayLike, t_initial: ArrayLike, lb: ArrayLike = -7.0, ub: ArrayLike = 3.0,  # pylint: disable=invalid-name
                    lr_min: ArrayLike = 0.0, cycle_mul: ArrayLike = 1.0,
                    cycle_decay: ArrayLike = 1.0, cycle_limit: ArrayLike = 1,
                    warmup_t: ArrayLike = 0, warmup_lr_init: ArrayLike = 0.0,
                    warmup_prefix: bool = False, t_in_epochs: bool = True,
                    noise_range_t: ArrayLike | None = None, noise_pct: ArrayLike = 0.67,
                    noise_std: ArrayLike = 1.0, noise_seed: ArrayLike = 42,
                    initialize: bool = True, *,
                    updates_per_epoch: ArrayLike | None = None) -> Schedule:
  r"""timm ``TanhLRScheduler``: hyperbolic-tangent cycles.

  .. math::
     \eta(t) = \eta_{min} + \tfrac12 (\mathrm{lr}\, d^i - \eta_{min})
     (1 - \tanh(l_b (1 - t_c/T_i) + u_b\, t_c/T_i)) \quad (i < C)

  Maps to :func:`jaxsched.anneal_restarts` (``shape="tanh"``). As in timm, the
  warmup ramps to ``lr`` with ``warmup_prefix=True`` and to the curve's value
  at ``warmup_t`` without it.

  ``lb < ub`` are the tanh bounds.
  %SHARED%
  Example:
    >>> from jaxsched.compat import timm
    >>> s = timm.TanhLRScheduler(1.0, t_initial=4)
    >>> np.asarray(s(jnp.arange(5)), float).round(4).tolist()
    [1.0, 0.9999, 0.982, 0.2689, 0.0]
  """
  fn = "TanhLRScheduler"
  base = _lr(fn, lr)
  core = _cycles(fn, base, t_initial, lr_min, "tanh", cycle_mul, cycle_decay,
                 cycle_limit, tanh_lower=lb, tanh_upper=ub)
  peak = "lr" if warmup_prefix else None
  return _finish(fn, core, base, warmup_t, warmup_lr_init, warmup_prefix,
                 noise_range_t, noise_pct, noise_std, noise_seed, t_in_epochs,
                 updates_per_epoch, peak=peak)


@_shared_args
def PolyLRScheduler(lr: ArrayLike, t_initial: ArrayLike, power: ArrayLike = 0.5,
                    lr_min: ArrayLike = 0.0,  # pylint: disable=invalid-name
                    cycle_mul: ArrayLike = 1.0, cycle_decay: ArrayLike = 1.0,
                    cycle_limit: ArrayLike = 1, warmup_t: ArrayLike = 0,
                    warmup_lr_init: ArrayLike = 0.0, warmup_prefix: bool = False,
                    t_in_epochs: bool = True, noise_range_t: ArrayLike | None = None,
                    noise_pct: ArrayLike = 0.67, noise_std: ArrayLike = 1.0,
                    noise_seed: ArrayLike = 42, k_decay: ArrayLike = 1.0,
                    initialize: bool = True, *,
                    updates_per_epoch: ArrayLike | None = None) -> Schedule:
  r"""timm ``PolyLRScheduler``: polynomial cycles with k-decay.

  .. math::
     \eta(t) = \eta_{min} + (\mathrm{lr}\, d^i - \eta_{min})
     (1 - t_c^k / T_i^k)^{p} \quad (i < C)

  Maps to :func:`jaxsched.anneal_restarts` (``shape="poly"``). ``power`` is
  ``p >= 0``, ``k_decay`` is ``k > 0``.
  %SHARED%
  Example:
    >>> from jaxsched.compat import timm
    >>> s = timm.PolyLRScheduler(1.0, t_initial=4, power=2.0)
    >>> s(jnp.arange(5)).tolist()
    [1.0, 0.5625, 0.25, 0.0625, 0.0]
  """
  fn = "PolyLRScheduler"
  base = _lr(fn, lr)
  core = _cycles(fn, base, t_initial, lr_min, "poly", cycle_mul, cycle_decay,
                 cycle_limit, k_decay=k_decay, power=power)
  return _finish(fn, core, base, warmup_t, warmup_lr_init, warmup_prefix,
                 noise_range_t, noise_pct, noise_std, noise_seed, t_in_epochs,
                 updates_per_epoch)


def StepLRScheduler(lr: ArrayLike, decay_t: ArrayLike, decay_rate: ArrayLike = 1.0,  # pylint: disable=invalid-name
                    warmup_t: ArrayLike = 0, warmup_lr_init: ArrayLike = 0.0,
                    warmup_prefix: bool = True, t_in_epochs: bool = True,
                    noise_range_t: ArrayLike | None = None, noise_pct: ArrayLike = 0.67,
                    noise_std: ArrayLike = 1.0, noise_seed: ArrayLike = 42,
                    initialize: bool = True, *,
                    updates_per_epoch: ArrayLike | None = None) -> Schedule:
  r"""timm ``StepLRScheduler``: :math:`\eta(t) = \mathrm{lr}\; r^{\lfloor t / T_d \rfloor}`.

  Maps to :func:`jaxsched.exponential_decay` with ``staircase=True``
  (``decay_t`` may be fractional, as in timm: ``t // 2.4``; a concrete
  fractional interval is nudged to the float32 that floors as timm's float64
  does at its multiples, see ``_interval``; a traced one is rounded to float32
  and may step one ``t`` late or early at exact multiples), under
  :func:`jaxsched.linear_warmup` (``warmup_prefix`` defaults to ``True`` here).

  Args:
    lr: the optimizer's learning rate.
    decay_t: ``T_d > 0``, the decay interval.
    decay_rate: ``r >= 0``, the factor per interval.
    warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs: as in :func:`CosineLRScheduler`.
    noise_range_t, noise_pct, noise_std, noise_seed: as in :func:`CosineLRScheduler`.
    initialize, updates_per_epoch: as in :func:`CosineLRScheduler`.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with timm's values: ``s(t)`` is the
    learning rate, a float array of ``t``'s shape.

  Example:
    >>> from jaxsched.compat import timm
    >>> timm.StepLRScheduler(1.0, decay_t=2, decay_rate=0.5)(jnp.arange(5)).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25]
  """
  fn = "StepLRScheduler"
  base = _lr(fn, lr)
  core = exponential_decay(
      base, _args.as_float(_check.number(_P + fn, "decay_rate", decay_rate, lo=0,
                               fix="Pass the factor per interval, e.g. 0.1.")),
      _interval(_steps(fn, "decay_t", decay_t, "Pass the decay interval.",
                       positive=True)),
      staircase=True)
  return _finish(fn, core, base, warmup_t, warmup_lr_init, warmup_prefix,
                 noise_range_t, noise_pct, noise_std, noise_seed, t_in_epochs,
                 updates_per_epoch)


def MultiStepLRScheduler(lr: ArrayLike, decay_t: Sequence[ArrayLike] | ArrayLike,  # pylint: disable=invalid-name
                         decay_rate: ArrayLike = 1.0,
                         warmup_t: ArrayLike = 0, warmup_lr_init: ArrayLike = 0.0,
                         warmup_prefix: bool = True, t_in_epochs: bool = True,
                         noise_range_t: ArrayLike | None = None, noise_pct: ArrayLike = 0.67,
                         noise_std: ArrayLike = 1.0, noise_seed: ArrayLike = 42,
                         initialize: bool = True, *,
                         updates_per_epoch: ArrayLike | None = None) -> Schedule:
  r"""timm ``MultiStepLRScheduler``: :math:`\eta(t) = \mathrm{lr}\; r^{\#\{j: m_j \le t + 1\}}`.

  timm's convention (kept, as timm keeps it): milestone ``m`` already applies
  at ``t = m - 1``, one step earlier than PyTorch's ``MultiStepLR``. Maps to
  :func:`jaxsched.multistep` with milestones ``max(m - 1, 0)``; concrete
  milestones are sorted first (timm assumes sorted; traced ones must be).

  Args:
    lr: the optimizer's learning rate.
    decay_t: the milestones ``m_j``.
    decay_rate: ``r >= 0``, the factor per milestone.
    warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs: as in :func:`CosineLRScheduler`.
    noise_range_t, noise_pct, noise_std, noise_seed: as in :func:`CosineLRScheduler`.
    initialize, updates_per_epoch: as in :func:`CosineLRScheduler`.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with timm's values: ``s(t)`` is the
    learning rate, a float array of ``t``'s shape.

  Example:
    >>> from jaxsched.compat import timm
    >>> timm.MultiStepLRScheduler(1.0, [2, 4], decay_rate=0.5)(jnp.arange(5)).tolist()
    [1.0, 0.5, 0.5, 0.25, 0.25]
  """
  fn = "MultiStepLRScheduler"
  base = _lr(fn, lr)
  traced = _args.traced(decay_t)  # np.ndim of a list of tracers would convert them
  ndim = 0 if traced else np.ndim(cast(Any, decay_t))  # numpy's stubs take no list
  m = _check.sequence(_P + fn, "decay_t", decay_t if traced else
                      np.sort(np.asarray(decay_t)) if ndim == 1 else
                      decay_t, lo=0, fix="Pass the milestones, e.g. [30, 60].")
  shifted = (jnp.maximum(m - 1, 0) if isinstance(m, jnp.ndarray) and not
             isinstance(m, np.ndarray) else np.maximum(m - 1, 0))
  core = multistep(base, shifted, gamma=_args.as_float(_check.number(
      _P + fn, "decay_rate", decay_rate, lo=0,
      fix="Pass the factor per milestone, e.g. 0.1.")))
  return _finish(fn, core, base, warmup_t, warmup_lr_init, warmup_prefix,
                 noise_range_t, noise_pct, noise_std, noise_seed, t_in_epochs,
                 updates_per_epoch)


def PlateauLRScheduler(lr: ArrayLike, decay_rate: ArrayLike = 0.1, patience_t: ArrayLike = 10,  # pylint: disable=invalid-name
                       threshold: ArrayLike = 1e-4, cooldown_t: ArrayLike = 0,
                       warmup_t: ArrayLike = 0, warmup_lr_init: ArrayLike = 0.0,
                       lr_min: ArrayLike = 0.0, mode: PlateauMode = "max",
                       noise_range_t: ArrayLike | None = None, noise_type: str = "normal",
                       noise_pct: ArrayLike = 0.67, noise_std: ArrayLike = 1.0,
                       noise_seed: ArrayLike | None = None,
                       initialize: bool = True) -> ReduceOnPlateau:
  r"""timm ``PlateauLRScheduler`` (deprecated in timm) as a jaxsched plateau.

  timm wraps PyTorch's ``ReduceLROnPlateau``; this returns
  :func:`jaxsched.compat.torch.ReduceLROnPlateau` with timm's names
  (``decay_rate`` is ``factor``, ``patience_t`` is ``patience``, ``cooldown_t``
  is ``cooldown``, ``lr_min`` is ``min_lr``; note timm's default ``mode="max"``).
  ``p(state)`` after ``k`` updates equals timm's learning rate after
  ``scheduler.step(epoch, metric)`` for epochs ``1..k`` (as timm's ``train.py``
  calls it).

  timm's plateau warmup and noise are a stateful mix (noise applied on top of
  the plateau's value and undone before its next step): only ``warmup_t=0``
  and ``noise_range_t=None`` are supported. For a warmup, use
  ``jaxsched.linear(warmup_lr_init, lr, warmup_t)(epoch)`` while
  ``epoch <= warmup_t`` and feed the plateau only the metrics after it.

  Args:
    lr: the optimizer's learning rate.
    decay_rate: factor of each reduction, in [0, 1).
    patience_t: epochs without improvement before a reduction.
    threshold: relative improvement threshold.
    cooldown_t: epochs to wait after a reduction.
    warmup_t: must be 0 (see above).
    warmup_lr_init: ignored with ``warmup_t=0`` (timm too uses it only at
      epoch 0, which ``train.py`` does not step).
    lr_min: the floor.
    mode: ``"max"`` (timm's default) or ``"min"``.
    noise_range_t: must be ``None``.
    noise_type, noise_pct, noise_std, noise_seed, initialize: accepted, unused
      without noise.

  Returns:
    A :class:`jaxsched.ReduceOnPlateau` (a frozen dataclass pytree, not a function
    of the step): ``p.init()`` gives the state, ``p.update(state, value=metric)``
    the next state, and ``p(state)`` the learning rate.

  Example:
    >>> from jaxsched.compat import timm
    >>> p = timm.PlateauLRScheduler(1.0, decay_rate=0.5, patience_t=0, mode="min")
    >>> st = p.init()
    >>> for m in (1.0, 2.0):
    ...   st = p.update(st, value=m)
    >>> float(p(st))
    0.5
  """
  fn = "PlateauLRScheduler"
  if not (isinstance(warmup_t, (int, np.integer)) and warmup_t == 0):
    raise ValueError(
        f"{_P}{fn}: `warmup_t` must be 0, got warmup_t={warmup_t!r}. timm's plateau "
        "warmup is jaxsched.linear(warmup_lr_init, lr, warmup_t)(epoch) for epoch "
        "<= warmup_t; use it for those epochs and update the plateau after them.")
  if noise_range_t is not None:
    raise ValueError(
        f"{_P}{fn}: `noise_range_t` must be None, got noise_range_t="
        f"{noise_range_t!r}. Multiply p(state) by (1 + noise) yourself, e.g. with "
        "jaxsched.noisy(jaxsched.constant(1.0), ...)(epoch).")
  return ReduceLROnPlateau(_lr(fn, lr), mode=mode, factor=decay_rate,
                           patience=patience_t, threshold=threshold,
                           cooldown=cooldown_t, min_lr=lr_min)


def _scaled(x: Any, n: Any) -> Any:
  if _args.traced(x, n):
    a, b = jnp.asarray(x), jnp.asarray(n)
    if a.dtype != b.dtype:  # an epoch fraction times a count: a float
      a, b = _shapes.to_float(a), _shapes.to_float(b)
    return a * b
  return x * n


def _cycle_length(t_initial: Any, cycle_mul: Any, cycle_limit: Any) -> Any:
  """timm's ``get_cycle_length()`` (float64 when concrete)."""
  if _args.traced(t_initial, cycle_mul, cycle_limit):
    t, m = _shapes.to_float(t_initial), _shapes.to_float(cycle_mul)
    c = jnp.maximum(1.0, _shapes.to_float(cycle_limit))
    geo = jnp.floor(-t * (m**c - 1) / jnp.where(m == 1, 1.0, 1 - m))
    return jnp.where(m == 1, t * c, geo)
  c = max(1, cycle_limit)
  if cycle_mul == 1.0:
    return t_initial * c
  return int(np.floor(-t_initial * (cycle_mul**c - 1) / (1 - cycle_mul)))


_SCHEDS = ("cosine", "tanh", "step", "constant", "multistep", "plateau", "poly",
           "none")


def create_scheduler_v2(lr: ArrayLike, sched: str = "cosine", num_epochs: ArrayLike = 300,
                        decay_epochs: ArrayLike | None = None,
                        decay_milestones: Sequence[ArrayLike] = (90, 180, 270),
                        cooldown_epochs: ArrayLike = 0, patience_epochs: ArrayLike = 10,
                        decay_rate: ArrayLike = 0.1, min_lr: ArrayLike = 0.0,
                        warmup_lr: ArrayLike = 1e-5, warmup_epochs: ArrayLike = 0,
                        warmup_prefix: bool = False,
                        noise: ArrayLike | Sequence[ArrayLike] | None = None,
                        noise_pct: ArrayLike = 0.67, noise_std: ArrayLike = 1.0,
                        noise_seed: ArrayLike = 42, cycle_mul: ArrayLike = 1.0,
                        cycle_decay: ArrayLike = 0.1, cycle_limit: ArrayLike = 1,
                        k_decay: ArrayLike = 1.0, decay_fn: Callable[..., Any] | None = None,
                        stable_timescale: ArrayLike | None = None,
                        plateau_mode: PlateauMode = "max",
                        step_on_epochs: bool = True,
                        updates_per_epoch: ArrayLike = 0
                        ) -> tuple[Schedule | ReduceOnPlateau, ArrayLike]:
  r"""timm's ``create_scheduler_v2``: ``(schedule, num_epochs)``.

  The arguments are timm's (the optimizer replaced by ``lr``) and are mapped as
  timm maps them: with ``step_on_epochs=False`` every epoch count is
  multiplied by ``updates_per_epoch`` and the schedule is of the update index;
  otherwise it is of the epoch index. ``noise`` (fractions of the schedule
  length) becomes ``noise_range_t = noise * t_initial``; ``decay_rate`` is the
  power for ``"poly"``. The returned ``num_epochs`` is timm's: the length with
  all cycles and the cooldown (``cosine``, ``tanh``, ``poly``), else
  ``num_epochs`` plus the warmup when ``warmup_prefix``. ``cooldown_epochs``
  only lengthens that count (timm holds ``lr_min`` there, which the schedules
  already do after their cycles).

  ``sched``: ``"cosine"``, ``"tanh"``, ``"step"``, ``"constant"``,
  ``"multistep"``, ``"poly"``, ``"plateau"`` (a plateau, see
  :func:`PlateauLRScheduler`; ``warmup_epochs`` must be 0) or ``"none"``
  (``jaxsched.constant(lr)``, where timm returns ``None``: the learning rate
  stays). ``"wsd"`` and ``"rsqrt"`` are not ported (``decay_fn`` and
  ``stable_timescale`` must stay ``None``).

  Args:
    lr: the optimizer's learning rate.
    sched, num_epochs, decay_epochs, decay_milestones, cooldown_epochs: timm's.
    patience_epochs, decay_rate, min_lr, warmup_lr, warmup_epochs: timm's.
    warmup_prefix, noise, noise_pct, noise_std, noise_seed, cycle_mul: timm's.
    cycle_decay, cycle_limit, k_decay, decay_fn, stable_timescale: timm's.
    plateau_mode, step_on_epochs, updates_per_epoch: timm's.

  Returns:
    ``(schedule, num_epochs)``: a jaxsched :class:`~jaxsched.Schedule` whose
    ``s(step)`` is the learning rate as a float array of the step's shape (a
    :class:`jaxsched.ReduceOnPlateau` for ``sched="plateau"``, whose ``p(state)``
    is), and timm's number of epochs (a number; an array when traced).

  Example:
    >>> from jaxsched.compat import timm
    >>> s, n = timm.create_scheduler_v2(1.0, "cosine", num_epochs=4,
    ...                                 warmup_epochs=1, warmup_lr=0.0,
    ...                                 warmup_prefix=True)
    >>> n, np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    (5, [0.0, 1.0, 0.8536, 0.5, 0.1464, 0.0])
  """
  fn = "create_scheduler_v2"
  sched = _check.choice(_P + fn, "sched", sched, _SCHEDS)
  if decay_fn is not None or stable_timescale is not None:
    raise ValueError(
        f"{_P}{fn}: `decay_fn` and `stable_timescale` belong to timm's 'wsd' and "
        f"'rsqrt' schedules, which are not ported, got decay_fn={decay_fn!r}, "
        f"stable_timescale={stable_timescale!r}. Leave them None; for WSD use "
        "jaxsched.warmup_stable_decay.")
  if decay_epochs is None:
    decay_epochs = 90
  t_initial, warmup_t, decay_t = num_epochs, warmup_epochs, decay_epochs
  cooldown_t = cooldown_epochs
  if not step_on_epochs:
    upe = _check.steps(_P + fn, "updates_per_epoch", updates_per_epoch, positive=True,
                        fix="Pass the number of optimizer updates per epoch "
                        "(step_on_epochs=False needs it).")
    t_initial = _scaled(t_initial, upe)
    warmup_t = _scaled(warmup_t, upe)
    decay_t = _scaled(decay_t, upe)
    decay_milestones = [_scaled(d, upe) for d in decay_milestones]
    cooldown_t = _scaled(cooldown_t, upe)
  warm: dict[str, Any] = dict(warmup_lr_init=warmup_lr, warmup_t=warmup_t,
                              warmup_prefix=warmup_prefix)
  if noise is not None:
    if isinstance(noise, (list, tuple)):
      rng = [_scaled(n, t_initial) for n in noise]
      noise_range = rng[0] if len(rng) == 1 else rng
    else:
      noise_range = _scaled(noise, t_initial)
  else:
    noise_range = None
  nz: dict[str, Any] = dict(noise_range_t=noise_range, noise_pct=noise_pct, noise_std=noise_std,
                            noise_seed=noise_seed)
  cyc: dict[str, Any] = dict(cycle_mul=cycle_mul, cycle_decay=cycle_decay, cycle_limit=cycle_limit)
  ep: dict[str, Any] = dict(t_in_epochs=bool(step_on_epochs))
  s: Schedule | ReduceOnPlateau
  if sched == "cosine":
    s = CosineLRScheduler(lr, t_initial, lr_min=min_lr, k_decay=k_decay, **cyc,
                          **warm, **nz, **ep)
  elif sched == "tanh":
    s = TanhLRScheduler(lr, t_initial, lr_min=min_lr, **cyc, **warm, **nz, **ep)
  elif sched == "poly":
    s = PolyLRScheduler(lr, t_initial, power=decay_rate, lr_min=min_lr,
                        k_decay=k_decay, **cyc, **warm, **nz, **ep)
  elif sched == "step":
    s = StepLRScheduler(lr, decay_t, decay_rate=decay_rate, **warm, **nz, **ep)
  elif sched == "constant":
    s = StepLRScheduler(lr, 1, decay_rate=1.0, **warm, **nz, **ep)
  elif sched == "multistep":
    s = MultiStepLRScheduler(lr, decay_milestones, decay_rate=decay_rate, **warm,
                             **nz, **ep)
  elif sched == "plateau":
    if not step_on_epochs:
      raise ValueError(
          f"{_P}{fn}: sched='plateau' needs step_on_epochs=True, got "
          "step_on_epochs=False. timm's plateau only steps per epoch.")
    s = PlateauLRScheduler(lr, decay_rate=decay_rate, patience_t=patience_epochs,
                           cooldown_t=0, warmup_t=warmup_t,
                           warmup_lr_init=warmup_lr, lr_min=min_lr,
                           mode=plateau_mode, **nz)
  else:
    s = constant(_lr(fn, lr))
  if sched in ("cosine", "tanh", "poly"):
    total = _cycle_length(t_initial, cycle_mul, cycle_limit)
    if _args.traced(total, warmup_t, cooldown_t):  # traced counts: float arithmetic
      total, warmup_t, cooldown_t = (_shapes.to_float(total), _shapes.to_float(warmup_t),
                                     _shapes.to_float(cooldown_t))
    if warmup_prefix:
      total = total + warmup_t
    total = total + cooldown_t
    if not step_on_epochs:
      total = total // (_shapes.to_float(upe) if _args.traced(total) else upe)
    return s, total
  if warmup_prefix:
    num_epochs = num_epochs + warmup_epochs
  return s, num_epochs
