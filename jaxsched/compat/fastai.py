"""fastai's schedules (``fastai.callback.schedule``) as jaxsched schedules.

fastai's schedules are functions of ``pos``, the fraction of training done. Its
``ParamScheduler`` sets the hyperparameter before each training batch from
``pct_train``, which is ``k / (n_epoch * n_iter)`` before batch ``k`` (counted
from 0 over the whole fit; fastai accumulates it as a float sum). So:

* ``SchedLin``, ``SchedCos``, ``SchedNo``, ``SchedExp``, ``SchedPoly``,
  ``combine_scheds`` and ``combined_cos`` return schedules of ``pos`` (call
  them with a float in ``[0, 1]``), as in fastai; outside ``[0, 1]`` they hold
  their end values (fastai extrapolates, but never evaluates there).
* Given ``total_steps=N`` (``combine_scheds``, ``combined_cos``), and always for
  the recipes ``fit_one_cycle``, ``fit_one_cycle_moms``, ``fit_flat_cos`` and
  ``fit_sgdr`` (``N = n_epoch * steps_per_epoch``), the result is a schedule of
  the batch index ``k`` with ``pos = k / N``. The segment boundaries are then
  compared in steps (``k >= c_j N``, exact when ``c_j N`` is whole), where fastai
  compares its float sum with a float32 cumulative sum of the ``pcts``; at a
  boundary that falls on a batch, fastai can land either side of it (for
  ``fit_sgdr`` that decides whether the restart batch gets ``lr_max`` or the
  previous cycle's end, about 0).

Each is a thin mapping: ``join`` of ``by_fraction`` segments over ``linear``,
``cosine_decay``, ``constant``, ``exponential_decay`` and ``power_ramp``. Every
numeric argument may be traced (the number of segments is structure).

Range-test suggestions: ``jaxsched.RangeTestResult.suggestion`` has fastai's
``"valley"``, ``"slide"``, ``"minimum"`` and ``"steep"`` (beside jaxsched's
``"steepest"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import Schedule
from jaxsched._combinators import join
from jaxsched._cosine import cosine_decay
from jaxsched._decay import constant, exponential_decay, linear
from jaxsched._extra import by_fraction, power_ramp
from jaxsched.compat import _args

__all__ = [
    "SchedCos",
    "SchedExp",
    "SchedLin",
    "SchedNo",
    "SchedPoly",
    "combine_scheds",
    "combined_cos",
    "fit_flat_cos",
    "fit_one_cycle",
    "fit_one_cycle_moms",
    "fit_sgdr",
    "sgdr_epochs",
]

_P = "compat.fastai."


def _v(fn: str, name: str, x: Any) -> Any:
  return _args.value(_P + fn, name, x)


def SchedLin(start: ArrayLike, end: ArrayLike) -> Schedule:  # pylint: disable=invalid-name
  r"""fastai ``SchedLin``: :math:`f(p) = s + p (e - s)`, a schedule of ``pos``.

  Maps to :func:`jaxsched.linear` ``(start, end, 1)``.

  Args:
    start: ``s``, the value at ``pos = 0``.
    end: ``e``, the value at ``pos = 1``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` of the position: ``s(pos)``, for ``pos``
    in ``[0, 1]`` (a number or an array), is the value as a float array of ``pos``'s
    shape; held at the ends outside ``[0, 1]``.

  Example:
    >>> from jaxsched.compat import fastai
    >>> fastai.SchedLin(0.0, 1.0)(jnp.asarray([0.0, 0.25, 1.0])).tolist()
    [0.0, 0.25, 1.0]
  """
  return linear(_v("SchedLin", "start", start), _v("SchedLin", "end", end), 1)


def SchedCos(start: ArrayLike, end: ArrayLike) -> Schedule:  # pylint: disable=invalid-name
  r"""fastai ``SchedCos``: :math:`f(p) = s + (e - s)(1 + \cos(\pi (1 - p)))/2`.

  Maps to :func:`jaxsched.cosine_decay` ``(start, 1, end_value=end)`` (the same
  half cosine).

  Args:
    start: ``s``, the value at ``pos = 0``.
    end: ``e``, the value at ``pos = 1``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` of the position: ``s(pos)``, for ``pos``
    in ``[0, 1]`` (a number or an array), is the value as a float array of ``pos``'s
    shape; held at the ends outside ``[0, 1]``.

  Example:
    >>> from jaxsched.compat import fastai
    >>> v = fastai.SchedCos(1.0, 0.0)(jnp.asarray([0.0, 0.5, 1.0]))
    >>> np.asarray(v, float).round(6).tolist()
    [1.0, 0.5, 0.0]
  """
  return cosine_decay(_v("SchedCos", "start", start), 1,
                      end_value=_v("SchedCos", "end", end))


def SchedNo(start: ArrayLike, end: ArrayLike) -> Schedule:  # pylint: disable=invalid-name
  r"""fastai ``SchedNo``: :math:`f(p) = s` (``end`` is ignored, as in fastai).

  Args:
    start: the value.
    end: unused.

  Returns:
    A :func:`jaxsched.constant` schedule of ``start``: ``s(pos)`` is ``start`` as a
    float array of ``pos``'s shape.

  Example:
    >>> from jaxsched.compat import fastai
    >>> fastai.SchedNo(0.5, 9.0)(0.7).tolist()
    0.5
  """
  return constant(_v("SchedNo", "start", start))


def SchedExp(start: ArrayLike, end: ArrayLike) -> Schedule:  # pylint: disable=invalid-name
  r"""fastai ``SchedExp``: :math:`f(p) = s (e / s)^p` (``s, e > 0``).

  Maps to :func:`jaxsched.exponential_decay` ``(start, end / start, 1,
  end_value=end)``.

  Args:
    start: ``s > 0``.
    end: ``e > 0``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` of the position: ``s(pos)``, for ``pos``
    in ``[0, 1]`` (a number or an array), is the value as a float array of ``pos``'s
    shape; held at ``end`` after 1.

  Example:
    >>> from jaxsched.compat import fastai
    >>> v = fastai.SchedExp(1e-4, 1.0)(jnp.asarray([0.0, 0.5, 1.0]))
    >>> np.asarray(v, float).round(6).tolist()
    [0.0001, 0.01, 1.0]
  """
  fn = "SchedExp"
  s = _args.as_float(_check.number(_P + fn, "start", start, lo=0, lo_open=True,
                         fix="Pass a positive start, e.g. 1e-7."))
  e = _args.as_float(_check.number(_P + fn, "end", end, lo=0, lo_open=True,
                         fix="Pass a positive end, e.g. 10.0."))
  return exponential_decay(s, _args.div(e, s), 1, end_value=e)


def SchedPoly(start: ArrayLike, end: ArrayLike, power: ArrayLike) -> Schedule:  # pylint: disable=invalid-name
  r"""fastai ``SchedPoly``: :math:`f(p) = s + (e - s)\,p^{q}`.

  Maps to :func:`jaxsched.power_ramp` ``(start, end, 1, power=power)``.

  Args:
    start: ``s``, the value at ``pos = 0``.
    end: ``e``, the value at ``pos = 1``.
    power: ``q >= 0``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` of the position: ``s(pos)``, for ``pos``
    in ``[0, 1]`` (a number or an array), is the value as a float array of ``pos``'s
    shape; held at the ends outside ``[0, 1]``.

  Example:
    >>> from jaxsched.compat import fastai
    >>> fastai.SchedPoly(0.0, 1.0, 2.0)(jnp.asarray([0.0, 0.5, 1.0])).tolist()
    [0.0, 0.25, 1.0]
  """
  fn = "SchedPoly"
  return power_ramp(_v(fn, "start", start), _v(fn, "end", end), 1,
                    power=_check.number(_P + fn, "power", power, lo=0,
                                        fix="Pass a non-negative power."))


def _pcts(fn: str, pcts: Any, n: int) -> Any:
  p = _check.sequence(_P + fn, "pcts", pcts, min_len=1, lo=0,
                      fix="Pass the fraction of the run of each schedule.")
  _check.same_length(_P + fn, "scheds", [0] * n, "pcts", p, 0,
                     fix="Pass one fraction per schedule.")
  if isinstance(p, np.ndarray):
    total = float(np.sum(np.asarray(p, np.float64)))
    if abs(total - 1.0) > 1e-6:
      raise ValueError(
          f"{_P}{fn}: `pcts` must sum to 1, got pcts={np.asarray(p).tolist()} "
          f"(sum {total!r}). Pass fractions of the whole run that add up to 1.")
  return p


def combine_scheds(pcts: Sequence[ArrayLike], scheds: Sequence[Schedule],
                   total_steps: ArrayLike | None = None) -> Schedule:
  r"""fastai ``combine_scheds``: schedule ``j`` over its share ``p_j`` of the run.

  With :math:`c_j = p_0 + \dots + p_{j-1}`, for :math:`c_j \le x < c_{j+1}`:

  .. math:: \eta(x) = f_j\!\left(\frac{x - c_j}{p_j}\right)

  where ``x`` is ``pos`` or, with ``total_steps=N``, ``k / N`` for the step
  ``k`` (the boundaries are then the steps ``c_j N``).

  Args:
    pcts: the fractions ``p_j >= 0`` (summing to 1 when concrete).
    scheds: schedules of their own ``pos`` (``SchedCos(...)``, any jaxsched
      schedule evaluated on ``[0, 1]``).
    total_steps: ``None`` (a schedule of ``pos``) or ``N > 0``, the steps of the
      whole run (a schedule of the step).

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` (a :func:`jaxsched.join` of
    :func:`jaxsched.by_fraction` segments): ``s(x)``, for ``pos`` (or, with
    ``total_steps``, a step) as a number or an array, is the value as a float array
    of ``x``'s shape.

  Example:
    >>> from jaxsched.compat import fastai
    >>> f = fastai.combine_scheds([0.5, 0.5], [fastai.SchedLin(0.0, 1.0),
    ...                                       fastai.SchedLin(1.0, 0.0)])
    >>> f(jnp.asarray([0.0, 0.25, 0.5, 0.75])).tolist()
    [0.0, 0.5, 1.0, 0.5]
    >>> g = fastai.combine_scheds([0.5, 0.5], [fastai.SchedLin(0.0, 1.0),
    ...                                       fastai.SchedLin(1.0, 0.0)], 8)
    >>> g(jnp.arange(8)).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0, 0.75, 0.5, 0.25]
  """
  fn = "combine_scheds"
  scheds = list(scheds)
  p = _pcts(fn, pcts, len(scheds))
  n = 1.0 if total_steps is None else _check.number(
      _P + fn, "total_steps", total_steps, lo=0, lo_open=True,
      fix="Pass the number of steps of the whole run, or None.")
  widths: list[Any]
  cum: Any  # a JAX array when traced, else NumPy
  if _args.traced(n) or not isinstance(p, np.ndarray):
    pj = _shapes.to_float(p)
    nf = _shapes.to_float(n)
    cum = jnp.cumsum(pj) * nf
    widths = [pj[i] * nf for i in range(len(scheds))]
  else:
    pn = np.asarray(p, np.float64)
    cum = np.cumsum(pn) * float(n)
    widths = [float(pn[i] * float(n)) for i in range(len(scheds))]
  return _segments(scheds, widths, cum)


def _segments(scheds: list, widths: list, cum: Any) -> Schedule:
  """Schedule ``j`` over ``widths[j]`` steps from ``cum[j - 1]`` (``cum``: the
  running sums of the widths)."""
  segs = [by_fraction(s, w) for s, w in zip(scheds, widths)]
  return join(segs, cum[:-1])


def combined_cos(pct: ArrayLike, start: ArrayLike, middle: ArrayLike, end: ArrayLike,
                 total_steps: ArrayLike | None = None) -> Schedule:
  r"""fastai ``combined_cos``: cosine ``start -> middle`` over ``pct``, then
  ``middle -> end``.

  ``combine_scheds([pct, 1 - pct], [SchedCos(start, middle), SchedCos(middle,
  end)], total_steps)``.

  Args:
    pct: the fraction of the first part, in [0, 1].
    start, middle, end: the values at ``pos`` 0, ``pct`` and 1.
    total_steps: as in :func:`combine_scheds`.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule`: ``s(x)``, for ``pos`` (or, with
    ``total_steps``, a step) as a number or an array, is the value as a float array
    of ``x``'s shape: ``start`` at 0, ``middle`` at ``pct``, ``end`` at 1 (at steps
    ``pct * total_steps`` and ``total_steps`` with ``total_steps``).

  Example:
    >>> from jaxsched.compat import fastai
    >>> f = fastai.combined_cos(0.25, 0.0, 1.0, 0.0)
    >>> np.asarray(f(jnp.asarray([0.0, 0.125, 0.25, 0.625, 1.0])), float).round(4).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0]
  """
  fn = "combined_cos"
  pct = _check.in_range(_P + fn, "pct", pct, 0.0, 1.0,
                        "Pass the fraction of the first part, e.g. 0.25.",
                        lo_open=False, hi_open=False)
  rest = 1.0 - pct if not _args.traced(pct) else 1.0 - jnp.asarray(pct, float)
  return combine_scheds([pct, rest], [SchedCos(start, middle),
                                      SchedCos(middle, end)], total_steps)


def _total(fn: str, n_epoch: Any, steps_per_epoch: Any) -> Any:
  e = _check.steps(_P + fn, "n_epoch", n_epoch, positive=True,
                   fix="Pass the number of epochs.")
  s = _check.steps(_P + fn, "steps_per_epoch", steps_per_epoch, positive=True,
                   fix="Pass len(dls.train), the batches per epoch.")
  return jnp.asarray(e) * jnp.asarray(s) if _args.traced(e, s) else e * s


def fit_one_cycle(n_epoch: ArrayLike, lr_max: ArrayLike, *, steps_per_epoch: ArrayLike,
                  div: ArrayLike = 25.0, div_final: ArrayLike = 1e5,
                  pct_start: ArrayLike = 0.25) -> Schedule:
  r"""The learning rate of fastai's ``Learner.fit_one_cycle``, per batch.

  ``combined_cos(pct_start, lr_max / div, lr_max, lr_max / div_final)`` at
  ``pos = k / N``, ``N = n_epoch * steps_per_epoch``: a cosine warmup over the
  first ``pct_start`` of the run and a cosine anneal to ``lr_max / div_final``.
  (Not PyTorch's ``OneCycleLR``: fastai's phases end at ``pct_start N`` and
  ``N``, not one step earlier, and its floor is ``lr_max / div_final``.)

  Args:
    n_epoch: epochs (whole, >= 1).
    lr_max: the peak learning rate.
    steps_per_epoch: batches per epoch, ``len(dls.train)``.
    div: start at ``lr_max / div``.
    div_final: end at ``lr_max / div_final``.
    pct_start: the warmup's fraction of the run, in [0, 1].

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` of the batch index ``k`` (0-based, over
    the whole fit): ``s(k)``, for an integer or an array of them, is the learning
    rate as a float array of ``k``'s shape.

  Example:
    >>> from jaxsched.compat import fastai
    >>> s = fastai.fit_one_cycle(1, 1.0, steps_per_epoch=8, div=10.0, pct_start=0.25)
    >>> np.asarray(s(jnp.arange(0, 8, 2)), float).round(4).tolist()
    [0.1, 1.0, 0.75, 0.25]
  """
  fn = "fit_one_cycle"
  n = _total(fn, n_epoch, steps_per_epoch)
  lr = _v(fn, "lr_max", lr_max)
  d = _args.as_float(_check.number(_P + fn, "div", div, lo=0, lo_open=True,
                         fix="Pass a positive divisor, e.g. 25.0."))
  df = _args.as_float(_check.number(_P + fn, "div_final", div_final, lo=0, lo_open=True,
                          fix="Pass a positive divisor, e.g. 1e5."))
  return combined_cos(pct_start, _args.div(lr, d), lr, _args.div(lr, df), n)


def fit_one_cycle_moms(n_epoch: ArrayLike, *, steps_per_epoch: ArrayLike,
                       pct_start: ArrayLike = 0.25,
                       moms: Sequence[ArrayLike] = (0.95, 0.85, 0.95)) -> Schedule:
  r"""The momentum of fastai's ``fit_one_cycle``: ``combined_cos(pct_start, *moms)``.

  Args:
    n_epoch: epochs (whole, >= 1).
    steps_per_epoch: batches per epoch.
    pct_start: as in :func:`fit_one_cycle`.
    moms: ``(start, middle, end)``, fastai's default ``(0.95, 0.85, 0.95)``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` of the batch index ``k`` (0-based, over
    the whole fit): ``s(k)``, for an integer or an array of them, is the momentum as
    a float array of ``k``'s shape.

  Example:
    >>> from jaxsched.compat import fastai
    >>> s = fastai.fit_one_cycle_moms(1, steps_per_epoch=4)
    >>> np.asarray(s(jnp.arange(4)), float).round(4).tolist()
    [0.95, 0.85, 0.875, 0.925]
  """
  fn = "fit_one_cycle_moms"
  if len(moms) != 3:
    raise ValueError(f"{_P}{fn}: `moms` must hold 3 values (start, middle, end), "
                     f"got moms={moms!r}. Pass e.g. (0.95, 0.85, 0.95).")
  start, middle, end = moms
  return combined_cos(pct_start, start, middle, end,
                      _total(fn, n_epoch, steps_per_epoch))


def fit_flat_cos(n_epoch: ArrayLike, lr: ArrayLike, *, steps_per_epoch: ArrayLike,
                 div_final: ArrayLike = 1e5, pct_start: ArrayLike = 0.75) -> Schedule:
  r"""The learning rate of fastai's ``Learner.fit_flat_cos``, per batch.

  ``combined_cos(pct_start, lr, lr, lr / div_final)`` at ``pos = k / N``: flat,
  then a cosine anneal.

  Args:
    n_epoch: epochs (whole, >= 1).
    lr: the flat learning rate.
    steps_per_epoch: batches per epoch.
    div_final: end at ``lr / div_final``.
    pct_start: the flat fraction of the run, in [0, 1].

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` of the batch index ``k`` (0-based, over
    the whole fit): ``s(k)``, for an integer or an array of them, is the learning
    rate as a float array of ``k``'s shape.

  Example:
    >>> from jaxsched.compat import fastai
    >>> s = fastai.fit_flat_cos(1, 1.0, steps_per_epoch=8, pct_start=0.5)
    >>> np.asarray(s(jnp.arange(0, 8, 2)), float).round(4).tolist()
    [1.0, 1.0, 1.0, 0.5]
  """
  fn = "fit_flat_cos"
  v = _v(fn, "lr", lr)
  df = _args.as_float(_check.number(_P + fn, "div_final", div_final, lo=0, lo_open=True,
                          fix="Pass a positive divisor, e.g. 1e5."))
  return combined_cos(pct_start, v, v, _args.div(v, df),
                      _total(fn, n_epoch, steps_per_epoch))


def sgdr_epochs(n_cycles: int, cycle_len: ArrayLike,
                cycle_mult: ArrayLike = 2) -> int | float | jax.Array:
  r"""The epochs fastai's ``fit_sgdr`` trains: :math:`L (m^n - 1) / (m - 1)`.

  Computed as the sum :math:`L \sum_{i<n} m^i` (the same for whole ``m``; fastai
  floors the quotient, which only differs for fractional ``m``, where fastai's
  own fractions then fail to sum to 1). ``cycle_mult = 1`` gives ``n L``
  (fastai divides by zero there).

  Returns:
    The number of epochs: an ``int`` when it is whole, else a ``float``; a
    ``jax.Array`` when ``cycle_len`` or ``cycle_mult`` is traced.

  Example:
    >>> from jaxsched.compat import fastai
    >>> fastai.sgdr_epochs(3, 1, 2)
    7
  """
  fn = "sgdr_epochs"
  if isinstance(n_cycles, bool) or not isinstance(n_cycles, (int, np.integer)) \
      or n_cycles < 1:
    raise ValueError(f"{_P}{fn}: `n_cycles` must be a Python int >= 1, got "
                     f"n_cycles={n_cycles!r}. It is the number of segments "
                     "(structure), so it cannot be traced.")
  ln = _check.number(_P + fn, "cycle_len", cycle_len, lo=0, lo_open=True,
                     fix="Pass the length of the first cycle in epochs.")
  m = _check.number(_P + fn, "cycle_mult", cycle_mult, lo=1,
                    fix="Pass the growth of each cycle, e.g. 2.")
  if _args.traced(ln, m):
    return _shapes.to_float(ln) * sum(_shapes.to_float(m)**i for i in range(n_cycles))
  total = ln * sum(m**i for i in range(int(n_cycles)))
  return int(total) if float(total).is_integer() else total


def fit_sgdr(n_cycles: int, cycle_len: ArrayLike, lr_max: ArrayLike, *, steps_per_epoch: ArrayLike,
             cycle_mult: ArrayLike = 2) -> Schedule:
  r"""The learning rate of fastai's ``Learner.fit_sgdr``, per batch.

  ``n_cycles`` cosines ``SchedCos(lr_max, 0)``, cycle ``i`` lasting
  ``cycle_len * cycle_mult**i`` epochs, over :func:`sgdr_epochs` epochs: a
  :func:`combine_scheds` with ``pcts[i] = cycle_len * cycle_mult**i /
  n_epoch`` and ``N = n_epoch * steps_per_epoch``.

  Args:
    n_cycles: the number of cycles (a Python int: structure).
    cycle_len: epochs of the first cycle.
    lr_max: the peak of every cycle.
    steps_per_epoch: batches per epoch.
    cycle_mult: growth of each cycle (>= 1).

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` of the batch index ``k`` (0-based, over
    the whole fit): ``s(k)``, for an integer or an array of them, is the learning
    rate as a float array of ``k``'s shape.

  Example:
    >>> from jaxsched.compat import fastai
    >>> s = fastai.fit_sgdr(2, 1, 1.0, steps_per_epoch=2)
    >>> np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464]
  """
  fn = "fit_sgdr"
  n_epoch = sgdr_epochs(n_cycles, cycle_len, cycle_mult)
  spe = _check.steps(_P + fn, "steps_per_epoch", steps_per_epoch, positive=True,
                     fix="Pass len(dls.train), the batches per epoch.")
  lr = _v(fn, "lr_max", lr_max)
  # pcts[i] * N = cycle_len * cycle_mult**i * steps_per_epoch: built in steps,
  # so whole-number arguments give exact integer restarts even when traced
  widths: list[Any]
  cum: Any  # a JAX array when traced, else NumPy
  if _args.traced(n_epoch, cycle_len, cycle_mult, spe):
    m = _shapes.to_float(cycle_mult)
    widths = [_shapes.to_float(cycle_len) * m**i * _shapes.to_float(spe) for i in range(n_cycles)]
    cum = jnp.cumsum(jnp.stack(widths))
  else:
    widths = [float(cycle_len * cycle_mult**i * spe) for i in range(n_cycles)]
    cum = np.cumsum(widths)
  return _segments([SchedCos(lr, 0.0) for _ in range(n_cycles)], widths, cum)
