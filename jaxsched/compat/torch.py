"""PyTorch's ``torch.optim.lr_scheduler`` classes as jaxsched schedules.

Each constructor takes PyTorch's arguments with the optimizer replaced by
``lr``, its base learning rate (``CyclicLR`` takes ``base_lr``/``max_lr`` and
``OneCycleLR`` ``max_lr``, as in PyTorch), and returns a schedule ``s`` with

    ``s(k)`` = the learning rate the optimizer holds after ``k`` calls of
    ``scheduler.step()`` (``k = 0``: right after construction).

So ``s(step)`` is the learning rate of optimizer step ``step`` when the
scheduler is stepped once per optimizer step; for a scheduler stepped once per
epoch, wrap it: ``jaxsched.epochwise(s, steps_per_epoch)``. PyTorch computes in
float64 with chained (recursive) updates; these closed forms agree with it to
float32 precision. Every numeric argument may be traced. ``verbose`` is
accepted and ignored; ``last_epoch`` must be ``-1`` (evaluate ``s(k + e)`` to
resume). ``CyclicLR`` and ``OneCycleLR`` with ``cycle_momentum=True`` (PyTorch's
default) carry the momentum PyTorch sets as ``s.momentum``.

Example:
  >>> from jaxsched.compat import torch as jt
  >>> s = jt.StepLR(0.1, step_size=2, gamma=0.5)
  >>> [round(float(x), 6) for x in s(jnp.arange(5))]
  [0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _plateau
from jaxsched._base import Schedule, ScheduleLike
from jaxsched._combinators import Function, WarmupShape, join, product, repeat, scale, warmup
from jaxsched._cosine import cosine_decay, cosine_restarts
from jaxsched._cyclic import Anneal, CyclicMode, cyclic, one_cycle, one_cycle_momentum
from jaxsched._decay import constant, exponential_decay, linear, polynomial
from jaxsched._piecewise import multistep, piecewise_constant, step_decay
from jaxsched._plateau import PlateauMode, ReduceOnPlateau, ThresholdMode
from jaxsched._ported import cumulative_product, with_momentum
from jaxsched.compat import _args

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SWALR",
    "SequentialLR",
    "StepLR",
]

_P = "compat.torch."
_DEPRECATED = "deprecated"


def _lr(fn: str, lr: Any, name: str = "lr") -> Any:
  return _args.learning_rate(_P + fn, lr, name)


def _iters(fn: str, name: str, x: Any, fix: str) -> Any:
  return _check.steps(_P + fn, name, x, lo=1, fix=fix)


def _per_step_rate(gamma: Any) -> tuple[Any, Any]:
  """``(r, N)`` with ``r = gamma ** N``, so that ``r ** (k / N) = gamma ** k``.

  Argument mapping for precision only: a concrete ``gamma`` close to 1 loses
  its last digits when rounded to float32, and ``gamma ** k`` amplifies that by
  ``k`` (``0.999`` is off by 1.3e-8, so ``0.999 ** 5000`` by 6e-5). Raising it
  to a power of two ``N`` near ``1 / |ln gamma|`` in float64 first keeps the
  rate away from 1; ``k / N`` is exact. A traced ``gamma`` is used as it is.
  """
  if _args.traced(gamma):
    return gamma, 1
  g = float(gamma)
  if g <= 0.0 or g == 1.0:
    return g, 1
  j = int(np.clip(np.round(np.log2(1.0 / abs(np.log(g)))), 0, 20))
  return g ** (2**j), 2**j


def StepLR(lr: ArrayLike, step_size: ArrayLike, gamma: ArrayLike = 0.1, last_epoch: int = -1,  # pylint: disable=invalid-name
           verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``StepLR``: :math:`\eta(k) = \mathrm{lr}\,\gamma^{\lfloor k/s\rfloor}`.

  Maps to :func:`jaxsched.step_decay`.

  Args:
    lr: the optimizer's learning rate.
    step_size: ``s``, whole number >= 1.
    gamma: factor per ``step_size`` calls, >= 0.
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> jt.StepLR(1.0, step_size=2, gamma=0.5)(jnp.arange(5)).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25]
  """
  fn = "StepLR"
  _args.last_epoch(_P + fn, last_epoch)
  return step_decay(
      _lr(fn, lr),
      _iters(fn, "step_size", step_size, "Pass the period of the decay in steps."),
      gamma=_args.as_float(_check.number(_P + fn, "gamma", gamma, lo=0,
                               fix="Pass a non-negative factor, e.g. 0.1.")))


def MultiStepLR(lr: ArrayLike, milestones: Sequence[ArrayLike] | ArrayLike, gamma: ArrayLike = 0.1,  # pylint: disable=invalid-name
                last_epoch: int = -1, verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``MultiStepLR``: :math:`\eta(k) = \mathrm{lr}\,\gamma^{\#\{i: m_i \le k\}}`.

  Maps to :func:`jaxsched.multistep`. As in PyTorch, concrete milestones may
  be in any order and a repeated milestone counts twice; a milestone at 0
  already applies at ``k = 0``. Traced milestones must be sorted.

  Args:
    lr: the optimizer's learning rate.
    milestones: steps (whole numbers >= 0).
    gamma: factor per milestone, >= 0.
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> jt.MultiStepLR(1.0, [3, 1], gamma=0.5)(jnp.arange(5)).tolist()
    [1.0, 0.5, 0.5, 0.25, 0.25]
  """
  fn = "MultiStepLR"
  _args.last_epoch(_P + fn, last_epoch)
  fix = "Pass the steps at which to decay, e.g. [30, 80]."
  m: Any = milestones  # becomes a NumPy or JAX array
  if not _args.traced(m) and not isinstance(m, (str, bytes, dict)):
    try:
      arr = np.asarray(m)
    except (TypeError, ValueError):
      arr = None
    if arr is not None and arr.ndim == 1 and arr.dtype != object:
      m = np.sort(arr, kind="stable")
  m = _check.sequence(_P + fn, "milestones", m, integer=True, lo=0, fix=fix)
  return multistep(_lr(fn, lr), m, gamma=_args.as_float(_check.number(
      _P + fn, "gamma", gamma, lo=0, fix="Pass a non-negative factor, e.g. 0.1.")))


def ConstantLR(lr: ArrayLike, factor: ArrayLike = 1.0 / 3, total_iters: ArrayLike = 5,  # pylint: disable=invalid-name
               last_epoch: int = -1, verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``ConstantLR``: ``lr * factor`` for the first ``total_iters`` calls,
  then ``lr``.

  Maps to :func:`jaxsched.piecewise_constant` ``([total_iters],
  [lr * factor, lr])``.

  Args:
    lr: the optimizer's learning rate.
    factor: in [0, 1] (checked when concrete, as in PyTorch).
    total_iters: whole number >= 1 (PyTorch with 0 never lifts the factor; use
      ``jaxsched.constant(lr * factor)`` for that).
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> jt.ConstantLR(1.0, factor=0.5, total_iters=2)(jnp.arange(4)).tolist()
    [0.5, 0.5, 1.0, 1.0]
  """
  fn = "ConstantLR"
  _args.last_epoch(_P + fn, last_epoch)
  f = _args.as_float(_check.in_range(_P + fn, "factor", factor, 0.0, 1.0,
                           "Pass the multiplicative factor of the first steps.",
                           lo_open=False, hi_open=False))
  t = _iters(fn, "total_iters", total_iters,
             "Pass the number of steps at the reduced learning rate.")
  base = _lr(fn, lr)
  return piecewise_constant([t], [_args.mul(base, f), base])


def LinearLR(lr: ArrayLike, start_factor: ArrayLike = 1.0 / 3, end_factor: ArrayLike = 1.0,  # pylint: disable=invalid-name
             total_iters: ArrayLike = 5, last_epoch: int = -1,
             verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``LinearLR``: the factor moves linearly from ``start_factor`` to
  ``end_factor`` over ``total_iters`` calls.

  .. math:: \eta(k) = \mathrm{lr}\left(f_s + (f_e - f_s)\frac{\min(k, T)}{T}\right)

  Maps to :func:`jaxsched.linear` ``(lr * f_s, lr * f_e, T)``.

  Args:
    lr: the optimizer's learning rate.
    start_factor: ``f_s`` in (0, 1].
    end_factor: ``f_e`` in [0, 1].
    total_iters: ``T``, whole number >= 1.
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> jt.LinearLR(1.0, start_factor=0.5, total_iters=2)(jnp.arange(4)).tolist()
    [0.5, 0.75, 1.0, 1.0]
  """
  fn = "LinearLR"
  _args.last_epoch(_P + fn, last_epoch)
  fs = _args.as_float(_check.in_range(_P + fn, "start_factor", start_factor, 0.0, 1.0,
                            "Pass a factor greater than 0 and at most 1.",
                            lo_open=True, hi_open=False))
  fe = _args.as_float(_check.in_range(_P + fn, "end_factor", end_factor, 0.0, 1.0,
                            "Pass a factor between 0 and 1.",
                            lo_open=False, hi_open=False))
  base = _lr(fn, lr)
  return linear(_args.mul(base, fs), _args.mul(base, fe),
                _iters(fn, "total_iters", total_iters,
                       "Pass the number of steps of the ramp (>= 1)."))


def ExponentialLR(lr: ArrayLike, gamma: ArrayLike, last_epoch: int = -1,  # pylint: disable=invalid-name
                  verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``ExponentialLR``: :math:`\eta(k) = \mathrm{lr}\,\gamma^k`.

  Maps to :func:`jaxsched.exponential_decay` ``(lr, gamma ** N, N)``, with
  ``N`` a power of two chosen for a concrete ``gamma`` so that rounding the
  rate to float32 does not compound over ``k`` steps (``N = 1`` when traced;
  a traced ``gamma`` rounded to float32 shifts :math:`\gamma^k` by a relative
  :math:`k\,\epsilon_\gamma`, up to about ``k * 3e-8``).

  Args:
    lr: the optimizer's learning rate.
    gamma: factor per call, >= 0.
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> jt.ExponentialLR(1.0, gamma=0.5)(jnp.arange(4)).tolist()
    [1.0, 0.5, 0.25, 0.125]
  """
  fn = "ExponentialLR"
  _args.last_epoch(_P + fn, last_epoch)
  rate, n = _per_step_rate(_args.as_float(_check.number(
      _P + fn, "gamma", gamma, lo=0, fix="Pass the factor per step, e.g. 0.95.")))
  return exponential_decay(_lr(fn, lr), rate, n)


def PolynomialLR(lr: ArrayLike, total_iters: ArrayLike = 5, power: ArrayLike = 1.0,  # pylint: disable=invalid-name
                 last_epoch: int = -1, verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``PolynomialLR``:
  :math:`\eta(k) = \mathrm{lr}\,(1 - \min(k, T)/T)^{p}`.

  Maps to :func:`jaxsched.polynomial` ``(lr, 0.0, T, power=p)``.

  Args:
    lr: the optimizer's learning rate.
    total_iters: ``T``, whole number >= 1.
    power: ``p >= 0``.
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> jt.PolynomialLR(1.0, total_iters=4, power=2.0)(jnp.arange(5)).tolist()
    [1.0, 0.5625, 0.25, 0.0625, 0.0]
  """
  fn = "PolynomialLR"
  _args.last_epoch(_P + fn, last_epoch)
  return polynomial(
      _lr(fn, lr), 0.0,
      _iters(fn, "total_iters", total_iters, "Pass the length of the decay (>= 1)."),
      power=_args.as_float(_check.number(_P + fn, "power", power, lo=0,
                               fix="Pass a non-negative exponent.")))


def CosineAnnealingLR(lr: ArrayLike, T_max: ArrayLike, eta_min: ArrayLike = 0.0,  # pylint: disable=invalid-name
                      last_epoch: int = -1, verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``CosineAnnealingLR``, which keeps oscillating past ``T_max``:

  .. math::
     \eta(k) = \eta_{\min} + (\mathrm{lr} - \eta_{\min})
     \frac{1 + \cos(\pi k / T)}{2}

  (PyTorch's recursive form has the same values). Maps to
  ``repeat(join([cosine_decay(lr, T, end_value=eta_min), warmup(constant(lr),
  T, init_value=eta_min, shape="cosine")], [T]), 2 T)``: down in ``T`` steps, up
  in ``T`` steps, repeated.

  Args:
    lr: the optimizer's learning rate.
    T_max: ``T``, whole number >= 1.
    eta_min: the lowest value.
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> s = jt.CosineAnnealingLR(1.0, T_max=2)
    >>> np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    [1.0, 0.5, 0.0, 0.5, 1.0, 0.5]
  """
  fn = "CosineAnnealingLR"
  _args.last_epoch(_P + fn, last_epoch)
  base = _lr(fn, lr)
  t = _iters(fn, "T_max", T_max, "Pass the half period in steps (>= 1).")
  lo = _args.as_float(_check.number(_P + fn, "eta_min", eta_min))
  down = cosine_decay(base, t, end_value=lo)
  up = warmup(constant(base), t, init_value=lo, shape="cosine")
  return repeat(join([down, up], [t]), 2 * t)


def CosineAnnealingWarmRestarts(lr: ArrayLike, T_0: ArrayLike, T_mult: ArrayLike = 1,  # pylint: disable=invalid-name
                                eta_min: ArrayLike = 0.0, last_epoch: int = -1,
                                verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``CosineAnnealingWarmRestarts`` (SGDR).

  Cycle :math:`i` lasts :math:`T_0 m^i` calls; at position :math:`x` in it,

  .. math::
     \eta(k) = \eta_{\min} + (\mathrm{lr} - \eta_{\min})
     \frac{1 + \cos(\pi x / (T_0 m^i))}{2}

  Maps to :func:`jaxsched.cosine_restarts` ``(lr, T_0, period_mult=T_mult,
  end_value=eta_min)``, whose cycle index is exact at restarts.

  Args:
    lr: the optimizer's learning rate.
    T_0: length of the first cycle, whole number >= 1.
    T_mult: growth of each cycle, a whole number >= 1 (as PyTorch requires).
    eta_min: the lowest value.
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> s = jt.CosineAnnealingWarmRestarts(1.0, T_0=2, T_mult=2)
    >>> np.asarray(s(jnp.arange(7)), float).round(4).tolist()
    [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]
  """
  fn = "CosineAnnealingWarmRestarts"
  _args.last_epoch(_P + fn, last_epoch)
  return cosine_restarts(
      _lr(fn, lr),
      _iters(fn, "T_0", T_0, "Pass the length of the first cycle in steps."),
      period_mult=_check.steps(_P + fn, "T_mult", T_mult, lo=1,
                                fix="PyTorch expects an integer T_mult >= 1."),
      end_value=_args.as_float(_check.number(_P + fn, "eta_min", eta_min)))


_CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


def CyclicLR(base_lr: ArrayLike, max_lr: ArrayLike, step_size_up: ArrayLike = 2000,  # pylint: disable=invalid-name
             step_size_down: ArrayLike | None = None, mode: CyclicMode = "triangular",
             gamma: ArrayLike = 1.0, scale_fn: ScheduleLike | None = None,
             scale_mode: Literal["cycle", "iterations"] = "cycle", cycle_momentum: bool = True,
             base_momentum: ArrayLike = 0.8, max_momentum: ArrayLike = 0.9,
             last_epoch: int = -1, verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``CyclicLR``: triangular waves between ``base_lr`` and ``max_lr``.

  With :math:`L = u + d`, cycle :math:`c = \lfloor k/L \rfloor` and
  :math:`x = k - cL`:

  .. math::
     \eta(k) = b + (m - b)\,s(x)\,a, \qquad
     s(x) = \begin{cases} x/u & x \le u \\ (L - x)/d & x > u \end{cases}

  with :math:`a = 1` (``triangular``), :math:`2^{-c}` (``triangular2``) or
  :math:`\gamma^k` (``exp_range``). Maps to :func:`jaxsched.cyclic`; with
  ``exp_range`` and a concrete ``gamma``, to ``constant(b) + cyclic(0, m - b,
  ...) * exponential_decay(1, gamma ** N, N)`` (see :func:`ExponentialLR`). As in
  PyTorch, the optimizer's own learning rate is replaced by ``base_lr``.

  Args:
    base_lr: ``b``, the lower bound (the value at ``k = 0``).
    max_lr: ``m``, the upper bound.
    step_size_up: ``u > 0`` calls of the rise.
    step_size_down: ``d > 0``; ``None`` means ``u``.
    mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"`` (static).
    gamma: per-call factor of ``exp_range``.
    scale_fn: must be ``None``; for a custom amplitude, multiply a
      :func:`jaxsched.cyclic` by your own schedule instead.
    scale_mode: ignored (it only matters with ``scale_fn``).
    cycle_momentum: pair the momentum curve (static): ``s.momentum`` moves
      the other way, :math:`\mu_M - (\mu_M - \mu_b)\,s(x)\,a` (PyTorch's
      momentum, or Adam's ``betas[0]``), via :func:`jaxsched.with_momentum`.
    base_momentum, max_momentum: ``mu_b``, ``mu_M``.
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape. With ``cycle_momentum``
    (PyTorch's default), ``s.momentum`` is the momentum schedule.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> s = jt.CyclicLR(0.0, 1.0, step_size_up=2, mode="triangular2")
    >>> s(jnp.arange(7)).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.25, 0.5]
    >>> np.asarray(s.momentum(jnp.arange(3)), float).round(4).tolist()
    [0.9, 0.85, 0.8]
  """
  fn = "CyclicLR"
  _args.last_epoch(_P + fn, last_epoch)
  if scale_fn is not None:
    raise ValueError(
        f"{_P}{fn}: `scale_fn` must be None, got scale_fn={scale_fn!r}. For a "
        "custom amplitude, multiply jaxsched.cyclic(...) by your own schedule.")
  _check.choice(_P + fn, "mode", mode, _CYCLIC_MODES)
  up = _check.number(_P + fn, "step_size_up", step_size_up, steps=True, lo=0, lo_open=True,
                     fix="Pass the number of steps of the rise, e.g. 2000.")
  down = None if step_size_down is None else _check.number(
      _P + fn, "step_size_down", step_size_down, steps=True, lo=0, lo_open=True,
      fix="Pass the number of steps of the fall, or None for step_size_up.")
  base, top = _lr(fn, base_lr, "base_lr"), _lr(fn, max_lr, "max_lr")
  g = _args.as_float(_check.number(_P + fn, "gamma", gamma, lo=0, lo_open=True,
                         fix="Pass a positive factor."))
  lrs = _cyclic_curve(base, top, up, down, mode, g)
  if not _check.flag(_P + fn, "cycle_momentum", cycle_momentum):
    return lrs
  m_lo = _args.as_float(_check.number(_P + fn, "base_momentum", base_momentum))
  m_hi = _args.as_float(_check.number(_P + fn, "max_momentum", max_momentum))
  return with_momentum(lrs, _cyclic_curve(m_hi, m_lo, up, down, mode, g))


def _cyclic_curve(base: Any, top: Any, up: Any, down: Any, mode: CyclicMode,
                  g: Any) -> Schedule:
  """CyclicLR's curve from ``base`` towards ``top`` (also the momentum's)."""
  if mode != "exp_range" or _args.traced(g):
    return cyclic(base, top, up, step_size_down=down, mode=mode, gamma=g)
  # exp_range with a concrete gamma: the same curve written as
  # base + triangular(0, max - base) * gamma**k, so that gamma**k can use the
  # float32-safe rate of ExponentialLR (gamma = 0.99994 over 20000 steps is
  # otherwise off by 4e-4).
  rate, n = _per_step_rate(g)
  wave = cyclic(0.0, _args.as_float(top) - _args.as_float(base), up,
                step_size_down=down,
                mode="triangular")
  return constant(base) + wave * exponential_decay(1.0, rate, n)


_ANNEAL: dict[str, Anneal] = {"cos": "cos", "linear": "linear"}


def OneCycleLR(max_lr: ArrayLike, total_steps: ArrayLike | None = None,  # pylint: disable=invalid-name
               epochs: ArrayLike | None = None, steps_per_epoch: ArrayLike | None = None,
               pct_start: ArrayLike = 0.3, anneal_strategy: Anneal = "cos",
               cycle_momentum: bool = True, base_momentum: ArrayLike = 0.85,
               max_momentum: ArrayLike = 0.95, div_factor: ArrayLike = 25.0,
               final_div_factor: ArrayLike = 1e4, three_phase: bool = False,
               last_epoch: int = -1, verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``OneCycleLR``: up from ``max_lr / div_factor`` to ``max_lr``, then
  far down, with PyTorch's phase ends.

  With :math:`T` = ``total_steps`` (or ``epochs * steps_per_epoch``), phases
  end at :math:`pT - 1` and :math:`T - 1` (three-phase: :math:`pT - 1`,
  :math:`2pT - 2`, :math:`T - 1`); :math:`v_0 = m/\delta` rises to :math:`m`,
  then falls to :math:`v_0/\delta_f` (three-phase: back to :math:`v_0` first),
  by a half cosine or a line. Maps to :func:`jaxsched.one_cycle`.

  Differs from PyTorch at and after :math:`k = T`: PyTorch's value at
  :math:`k = T` continues the last phase one step past its end (below the final
  value; negative for a linear anneal with a small final value) and raises
  after it; here the final value is held from :math:`k = T - 1` on.

  Args:
    max_lr: ``m``.
    total_steps: ``T``; or ``None`` with ``epochs`` and ``steps_per_epoch``.
    epochs, steps_per_epoch: give ``T = epochs * steps_per_epoch``.
    pct_start: ``p`` in (0, 1).
    anneal_strategy: ``"cos"`` or ``"linear"`` (static).
    cycle_momentum: pair the momentum curve (static): ``s.momentum`` is
      :func:`jaxsched.one_cycle_momentum` (``max_momentum`` down to
      ``base_momentum`` while the rate rises, and back), via
      :func:`jaxsched.with_momentum`. Like the rate, it holds its final value
      from :math:`k = T - 1` on.
    base_momentum, max_momentum: the momentum's bounds.
    div_factor: ``delta > 0``.
    final_div_factor: ``delta_f > 0``.
    three_phase: PyTorch's three-phase variant (static).
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape. With ``cycle_momentum``
    (PyTorch's default), ``s.momentum`` is the momentum schedule.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> s = jt.OneCycleLR(1.0, total_steps=10, pct_start=0.2, div_factor=10.0,
    ...                   final_div_factor=1.0, anneal_strategy="linear")
    >>> np.asarray(s(jnp.array([0, 1, 5, 9])), float).round(4).tolist()
    [0.1, 1.0, 0.55, 0.1]
    >>> np.asarray(s.momentum(jnp.array([0, 1, 5, 9])), float).round(4).tolist()
    [0.95, 0.85, 0.9, 0.95]
  """
  fn = "OneCycleLR"
  _args.last_epoch(_P + fn, last_epoch)
  if total_steps is None:
    if epochs is None or steps_per_epoch is None:
      raise ValueError(
          f"{_P}{fn}: `total_steps` must be given, or both epochs and "
          f"steps_per_epoch, got total_steps=None, epochs={epochs!r}, "
          f"steps_per_epoch={steps_per_epoch!r}. Pass total_steps=N.")
    e = _iters(fn, "epochs", epochs, "Pass the number of epochs (>= 1).")
    n = _iters(fn, "steps_per_epoch", steps_per_epoch,
               "Pass the number of steps per epoch (>= 1).")
    total_steps = e * n
  if anneal_strategy not in _ANNEAL:
    raise ValueError(
        f"{_P}{fn}: `anneal_strategy` must be 'cos' or 'linear', got "
        f"anneal_strategy={anneal_strategy!r}. Pass 'cos' or 'linear'.")
  total = _iters(fn, "total_steps", total_steps, "Pass the number of training steps.")
  pct = _args.as_float(_check.in_range(_P + fn, "pct_start", pct_start, 0.0, 1.0,
                             "Pass a fraction such as 0.3.",
                             lo_open=False, hi_open=False))
  three = _check.flag(_P + fn, "three_phase", three_phase)
  lrs = one_cycle(
      total, _lr(fn, max_lr, "max_lr"), pct_start=pct,
      div_factor=_args.as_float(_check.number(_P + fn, "div_factor", div_factor, lo=0,
                                    lo_open=True, fix="Pass e.g. 25.")),
      final_div_factor=_args.as_float(_check.number(_P + fn, "final_div_factor",
                                          final_div_factor, lo=0, lo_open=True,
                                          fix="Pass e.g. 1e4.")),
      anneal=_ANNEAL[anneal_strategy], three_phase=three)
  if not _check.flag(_P + fn, "cycle_momentum", cycle_momentum):
    return lrs
  return with_momentum(lrs, one_cycle_momentum(
      total, base_value=_args.as_float(_check.number(_P + fn, "base_momentum",
                                                     base_momentum)),
      max_value=_args.as_float(_check.number(_P + fn, "max_momentum", max_momentum)),
      pct_start=pct, anneal=_ANNEAL[anneal_strategy], three_phase=three))


def SequentialLR(lr: ArrayLike | None = None, schedulers: Sequence[ScheduleLike] | None = None,  # pylint: disable=invalid-name
                 milestones: Sequence[ArrayLike] | ArrayLike | None = None, last_epoch: int = -1,
                 verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``SequentialLR``: each scheduler runs from its milestone, restarted.

  .. math:: \eta(k) = s_i(k - m_{i-1}), \qquad m_{i-1} \le k < m_i

  Maps to :func:`jaxsched.join`. The children are compat schedules (or any
  schedules) built with their own ``lr``; PyTorch restarts each one at its
  milestone (``scheduler.step(0)``), which is what ``join`` does. PyTorch takes
  the base rate from the optimizer, so ``lr`` is optional here: both
  ``SequentialLR(schedulers, milestones)`` and
  ``SequentialLR(lr, schedulers, milestones)`` work.

  Args:
    lr: optional; the optimizer's learning rate, accepted for the signature with
      an optimizer in front (the children carry their own ``lr``).
    schedulers: ``n`` schedules.
    milestones: ``n - 1`` sorted steps (may be traced).
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> s = jt.SequentialLR([jt.LinearLR(1.0, 0.5, total_iters=2),
    ...                      jt.ExponentialLR(1.0, gamma=0.5)], [2])
    >>> s(jnp.arange(5)).tolist()
    [0.5, 0.75, 1.0, 0.5, 0.25]
  """
  if isinstance(lr, (list, tuple)):  # SequentialLR(schedulers, milestones)
    if milestones is not None:
      raise ValueError(
          f"{_P}SequentialLR: got schedulers first and three positional arguments. "
          "Pass SequentialLR(schedulers, milestones) or SequentialLR(lr, "
          "schedulers, milestones).")
    lr, schedulers, milestones = None, lr, schedulers
  if schedulers is None or milestones is None:
    raise ValueError(
        f"{_P}SequentialLR: `schedulers` and `milestones` are required, got "
        f"schedulers={schedulers!r}, milestones={milestones!r}. Pass "
        "SequentialLR([s1, s2], [m1]).")
  fn = "SequentialLR"
  _args.last_epoch(_P + fn, last_epoch)
  if lr is not None:
    _lr(fn, lr)
  scheds = list(schedulers)
  try:
    n_m = len(cast(Any, milestones))  # a sequence or a 1-D array
  except TypeError:
    n_m = None
  if n_m is not None and n_m != len(scheds) - 1:
    raise ValueError(
        f"{_P}{fn}: `milestones` must have len(schedulers) - 1 = "
        f"{len(scheds) - 1} entries, got len(milestones)={n_m}. Pass one "
        "milestone between each pair of schedulers.")
  return join(scheds, milestones)


def LambdaLR(lr: ArrayLike, lr_lambda: ScheduleLike, last_epoch: int = -1,  # pylint: disable=invalid-name
             verbose: object = _DEPRECATED) -> Schedule:
  r"""PyTorch ``LambdaLR``: :math:`\eta(k) = \mathrm{lr}\cdot f(k)`.

  Maps to :func:`jaxsched.scale` ``(Function(lr_lambda), lr)``. ``lr_lambda``
  receives the step as a JAX integer array (possibly traced), so it must be
  written with ``jnp`` (``jnp.minimum`` for ``min``, no Python ``if`` on ``k``).
  For a long horizon, write a power as ``jnp.exp(k * math.log(0.999))`` rather
  than ``0.999 ** k``, so that the base is not rounded to float32 first.

  Args:
    lr: the optimizer's learning rate.
    lr_lambda: a jittable function of the step count (one function; PyTorch's
      list of per-group functions is not supported).
    last_epoch: must be -1.
    verbose: ignored.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> s = jt.LambdaLR(2.0, lambda k: jnp.minimum(1.0, (k + 1) / 4))
    >>> s(jnp.arange(5)).tolist()
    [0.5, 1.0, 1.5, 2.0, 2.0]
  """
  fn = "LambdaLR"
  _args.last_epoch(_P + fn, last_epoch)
  if not callable(lr_lambda) or isinstance(lr_lambda, (list, tuple)):
    raise ValueError(
        f"{_P}{fn}: `lr_lambda` must be a function of the step count, got "
        f"lr_lambda={lr_lambda!r}. Pass e.g. lambda k: 0.95 ** k.")
  return scale(Function(lr_lambda), _lr(fn, lr))


def MultiplicativeLR(lr: ArrayLike, lr_lambda: ScheduleLike,  # pylint: disable=invalid-name
                     last_epoch: int = -1, verbose: object = _DEPRECATED, *,
                     max_steps: int) -> Schedule:
  r"""PyTorch ``MultiplicativeLR``: each call multiplies the rate by ``f(k)``.

  .. math:: \eta(k) = \mathrm{lr} \prod_{j=1}^{k} f(j)

  Maps to ``scale(cumulative_product(Function(lr_lambda), max_steps), lr)``:
  each evaluation computes ``f`` on ``1..max_steps`` and a running product
  (O(max_steps), compiled once). ``lr_lambda`` receives an int32 array of steps
  (possibly traced), so it must be written with ``jnp``
  (``jnp.where(k % 10 == 0, 0.5, 1.0)``, not a Python ``if``). The float32
  error grows with the number of factors (about ``k`` times the rounding of one
  factor, 1e-6 relative after a few hundred steps); enable x64 for long runs.

  Args:
    lr: the optimizer's learning rate.
    lr_lambda: a jittable function of the step count (one function; PyTorch's
      list of per-group functions is not supported).
    last_epoch: must be -1.
    verbose: ignored.
    max_steps: the number of steps to tabulate (a Python int, keyword-only:
      PyTorch has no such argument). From ``max_steps`` on the rate is held.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> s = jt.MultiplicativeLR(1.0, lambda k: jnp.full(k.shape, 0.5), max_steps=100)
    >>> s(jnp.arange(4)).tolist()
    [1.0, 0.5, 0.25, 0.125]
  """
  fn = "MultiplicativeLR"
  _args.last_epoch(_P + fn, last_epoch)
  if not callable(lr_lambda) or isinstance(lr_lambda, (list, tuple)):
    raise ValueError(
        f"{_P}{fn}: `lr_lambda` must be a function of the step count, got "
        f"lr_lambda={lr_lambda!r}. Pass e.g. lambda k: jnp.full(k.shape, 0.95).")
  if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) \
      or max_steps < 1:
    raise ValueError(
        f"{_P}{fn}: `max_steps` must be a whole number >= 1 (a Python int), got "
        f"max_steps={max_steps!r}. Pass the number of scheduler steps of the run.")
  return scale(cumulative_product(Function(lr_lambda), int(max_steps)), _lr(fn, lr))


def ChainedScheduler(schedulers: Sequence[ScheduleLike], lr: ArrayLike) -> Schedule:  # pylint: disable=invalid-name
  r"""PyTorch ``ChainedScheduler``: every scheduler steps at once; factors multiply.

  .. math:: \eta(k) = \mathrm{lr} \prod_i \frac{s_i(k)}{\mathrm{lr}}

  This is what PyTorch computes for chainable (multiplicative) schedulers:
  ``StepLR``, ``MultiStepLR``, ``ConstantLR``, ``LinearLR``, ``ExponentialLR``,
  ``PolynomialLR``, ``MultiplicativeLR``. (PyTorch's recursive
  ``CosineAnnealingLR`` is additive, not a factor: chained with others it does
  not follow this product.) Maps to ``scale(product([scale(s_i, 1/lr), ...]), lr)``.

  Args:
    schedulers: compat schedules built with the same ``lr``.
    lr: the optimizer's learning rate (> 0), replacing PyTorch's optional
      ``optimizer`` argument.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> s = jt.ChainedScheduler([jt.ConstantLR(1.0, factor=0.5, total_iters=2),
    ...                          jt.ExponentialLR(1.0, gamma=0.5)], lr=1.0)
    >>> s(jnp.arange(4)).tolist()
    [0.5, 0.25, 0.25, 0.125]
  """
  fn = "ChainedScheduler"
  base = _args.as_float(_check.number(_P + fn, "lr", lr, lo=0, lo_open=True,
                            fix="Pass the optimizer's learning rate (> 0)."))
  if isinstance(schedulers, (Schedule, str)) or not hasattr(schedulers, "__len__") \
      or not len(schedulers):
    raise ValueError(
        f"{_P}{fn}: `schedulers` must be a non-empty list of schedules, got "
        f"schedulers={schedulers!r}. Pass e.g. [ConstantLR(lr, ...), "
        "ExponentialLR(lr, ...)].")
  inv = _args.div(1.0, base)
  return scale(product([scale(s, inv) for s in schedulers]), base)


def SWALR(lr: ArrayLike, swa_lr: ArrayLike, anneal_epochs: ArrayLike = 10,  # pylint: disable=invalid-name
          anneal_strategy: Anneal = "cos", last_epoch: int = -1) -> Schedule:
  r"""PyTorch ``torch.optim.swa_utils.SWALR``: anneal to ``swa_lr``, then hold it.

  With :math:`t = \min(1, k / \max(1, E))` (:math:`t = 1` from the start when
  :math:`E = 0`) and :math:`\alpha(t) = (1 - \cos\pi t)/2` (``cos``) or
  :math:`t` (``linear``):

  .. math:: \eta(k) = \mathrm{swa\_lr}\,\alpha(t) + \mathrm{lr}\,(1 - \alpha(t))

  (PyTorch's recursive form has the same values). Maps to
  ``warmup(constant(swa_lr), E, init_value=lr, shape="cosine" or "linear")``.

  Args:
    lr: the optimizer's learning rate when SWALR is created.
    swa_lr: the learning rate of the SWA phase.
    anneal_epochs: ``E``, a whole number >= 0 of scheduler steps.
    anneal_strategy: ``"cos"`` or ``"linear"`` (static).
    last_epoch: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with PyTorch's values: ``s(step)`` is the
    learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> s = jt.SWALR(1.0, 0.0, anneal_epochs=4, anneal_strategy="linear")
    >>> s(jnp.arange(6)).tolist()
    [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
  """
  fn = "SWALR"
  _args.last_epoch(_P + fn, last_epoch)
  if anneal_strategy not in _ANNEAL:
    raise ValueError(
        f"{_P}{fn}: `anneal_strategy` must be 'cos' or 'linear', got "
        f"anneal_strategy={anneal_strategy!r}. Pass 'cos' or 'linear'.")
  e = _check.steps(_P + fn, "anneal_epochs", anneal_epochs,
                   fix="Pass the number of annealing steps (0 for none).")
  shape: WarmupShape = "cosine" if anneal_strategy == "cos" else "linear"
  return warmup(constant(_args.as_float(_check.number(_P + fn, "swa_lr", swa_lr, lo=0,
                                            fix="Pass the SWA learning rate."))),
                e, init_value=_lr(fn, lr), shape=shape)


def ReduceLROnPlateau(lr: ArrayLike, *, mode: PlateauMode = "min", factor: ArrayLike = 0.1,  # pylint: disable=invalid-name
                      patience: ArrayLike = 10, threshold: ArrayLike = 1e-4,
                      threshold_mode: ThresholdMode = "rel", cooldown: ArrayLike = 0,
                      min_lr: ArrayLike = 0.0, eps: ArrayLike = 1e-8) -> ReduceOnPlateau:
  r"""PyTorch's ``ReduceLROnPlateau`` as a plateau whose value is the learning rate.

  ``p(state)`` after ``k`` calls of ``state = p.update(state, value=metric)``
  equals the learning rate PyTorch's optimizer holds after ``k`` calls of
  ``scheduler.step(metric)`` (to float32 precision unless x64 is enabled), for
  an optimizer with one parameter group of learning rate ``lr``. Decision rule
  (PyTorch's, with :math:`s = \pm 1` for ``"min"``/``"max"``): an improvement is

  .. math::

    s\,a < s\,\mathrm{best}\,(1 - s\cdot\mathrm{threshold}) \quad (\text{rel}),
    \qquad s\,a < s\,\mathrm{best} - \mathrm{threshold} \quad (\text{abs}),

  with ``best`` starting at ``inf`` (``-inf`` for ``"max"``); bad epochs, cooldown
  and ``lr' = max(lr * factor, min_lr)`` applied only if ``lr - lr' > eps``, as in
  :func:`jaxsched.reduce_on_plateau`.

  Porting code expects PyTorch's numbers, so PyTorch's own behaviour is kept
  where :func:`jaxsched.reduce_on_plateau` deliberately differs:

  * Negative metrics: the relative test uses ``best * (1 - threshold)``, which
    for a negative ``best`` accepts slightly worse values as improvements.
  * Infinite metrics: ``-inf`` (``"min"``) or ``inf`` (``"max"``) is accepted as
    a new ``best``, after which nothing improves and the learning rate decays
    every ``patience + 1`` evaluations. NaN is a bad epoch, as in both.

  Args:
    lr: the optimizer's initial learning rate, >= 0.
    mode: ``"min"`` or ``"max"``. Static.
    factor: in (0, 1) (PyTorch also accepts <= 0; here that raises).
    patience: whole number >= 0.
    threshold: >= 0.
    threshold_mode: ``"rel"`` or ``"abs"``. Static.
    cooldown: whole number >= 0.
    min_lr: a scalar >= 0 (one parameter group).
    eps: >= 0.

    Traced values behave as documented in :func:`jaxsched.reduce_on_plateau`.

  Returns:
    A :class:`jaxsched.ReduceOnPlateau` (a frozen dataclass pytree, not a function
    of the step): ``p.init()`` gives the state, ``p.update(state, value=metric)``
    the next state, and ``p(state)`` the learning rate.

  Example:
    >>> from jaxsched.compat import torch as jt
    >>> p = jt.ReduceLROnPlateau(0.1, patience=0)
    >>> state = p.init()
    >>> for loss in [-1.0, -0.99995, -0.9999, -0.999]:  # each one worse
    ...   state = p.update(state, value=loss)
    ...   print(f"{float(p(state)):.4f}")  # PyTorch: -0.99995 and -0.9999 'improve'
    0.1000
    0.1000
    0.1000
    0.0100

  References:
    PyTorch ``torch.optim.lr_scheduler.ReduceLROnPlateau``; the golden table
    ``tests/golden/plateau_torch.json`` is produced by the real PyTorch.
  """
  return _plateau.build("ReduceLROnPlateau", factor=factor, patience=patience,
                        mode=mode,
                threshold=threshold, threshold_mode=threshold_mode,
                cooldown=cooldown, init_value=lr, min_value=min_lr, eps=eps,
                accumulation=1, value_name="lr", min_name="min_lr",
                torch_rule=True)
