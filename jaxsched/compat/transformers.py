"""Hugging Face transformers' schedules (``transformers.get_scheduler``) as jaxsched schedules.

transformers builds every schedule as a PyTorch ``LambdaLR`` whose lambda
multiplies the optimizer's learning rate. Here the optimizer is replaced by
``lr``, that base learning rate, and each function returns a schedule ``s`` with

    ``s(k)`` = the learning rate the optimizer holds after ``k`` calls of
    ``scheduler.step()`` = ``lr * lr_lambda(k)``.

``get_scheduler(name, lr, num_warmup_steps, num_training_steps,
scheduler_specific_kwargs)`` dispatches by name exactly as transformers 5 does
(``TrainingArguments.lr_scheduler_type`` and ``lr_scheduler_kwargs``); the
``get_*`` functions are the ones it dispatches to. Every numeric argument may
be traced. Values match transformers past ``num_training_steps`` too (its
cosine keeps oscillating there; its hard restarts drop to 0).
``reduce_lr_on_plateau`` returns the plateau of
:func:`jaxsched.compat.torch.ReduceLROnPlateau`; ``greedy`` (a metric-driven
``GreedyLR``) has no equivalent and raises.

Example:
  >>> from jaxsched.compat import transformers as jtr
  >>> s = jtr.get_scheduler("linear", 1.0, num_warmup_steps=2, num_training_steps=6)
  >>> s(jnp.arange(8)).tolist()
  [0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal

import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _check
from jaxsched._base import Schedule
from jaxsched._combinators import WarmupShape, join, warmup
from jaxsched._cosine import cosine_restarts, warmup_stable_decay
from jaxsched._decay import constant, inverse_sqrt, linear, polynomial
from jaxsched._plateau import ReduceOnPlateau
from jaxsched._ported import cosine_wave
from jaxsched.compat import _args
from jaxsched.compat.torch import ReduceLROnPlateau

__all__ = [
    "SCHEDULER_NAMES",
    "get_constant_schedule",
    "get_constant_schedule_with_warmup",
    "get_cosine_schedule_with_warmup",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "get_inverse_sqrt_schedule",
    "get_linear_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup",
    "get_reduce_on_plateau_schedule",
    "get_scheduler",
    "get_wsd_schedule",
]

_P = "compat.transformers."


def _last(fn: str, value: Any) -> None:
  _args.last_epoch(_P + fn, value)


def _lr(fn: str, lr: Any) -> Any:
  return _args.learning_rate(_P + fn, lr)


def _steps(fn: str, name: str, x: Any, lo: int = 0) -> Any:
  return _check.steps(_P + fn, name, x, lo=lo)


def _span(n: Any, w: Any) -> Any:
  """``max(1, N - W)``: transformers' decay length."""
  return _args.steps_max(_args.sub(n, w), 1)


def _ramp(lr: Any, w: Any) -> Schedule:
  """``lr * k / max(1, W)`` for ``k < W`` (the other pieces take over at W)."""
  return linear(0.0, lr, _args.steps_max(w, 1))


def _after_warmup(lr: Any, w: Any, main: Schedule) -> Schedule:
  """The linear warmup for ``k < W``, then ``main(k - W)``."""
  return join([_ramp(lr, w), main], [w])


def _cycles(fn: str, c: Any) -> Any:
  return _args.as_float(_check.number(_P + fn, "num_cycles", c, lo=0, lo_open=True,
                            fix="Pass a positive number of cosine waves, e.g. 0.5."))


def _wave(top: Any, bottom: Any, span: Any, cycles: Any) -> Schedule:
  """``bottom + (top - bottom)(1 + cos(2 pi c r / span)) / 2`` for all r >= 0."""
  return cosine_wave(top, bottom, _args.div(span, _args.mul(2.0, cycles)))


def _min_rate(fn: str, lr: Any, min_lr: Any, min_lr_rate: Any) -> Any:
  if min_lr is not None and min_lr_rate is not None:
    raise ValueError(
        f"{_P}{fn}: only one of `min_lr` and `min_lr_rate` may be set, got "
        f"min_lr={min_lr!r}, min_lr_rate={min_lr_rate!r}. Pass one of them.")
  if min_lr is not None:
    return _args.div(_check.number(_P + fn, "min_lr", min_lr, lo=0,
                               fix="Pass the final learning rate."), lr)
  if min_lr_rate is None:
    raise ValueError(
        f"{_P}{fn}: one of `min_lr` or `min_lr_rate` must be set, got both None. "
        "Pass e.g. min_lr_rate=0.1 (in lr_scheduler_kwargs with the Trainer).")
  return _args.as_float(_check.number(_P + fn, "min_lr_rate", min_lr_rate, lo=0,
                            fix="Pass the final learning rate as a fraction of lr."))


def get_constant_schedule(lr: ArrayLike, last_epoch: int = -1) -> Schedule:
  r"""transformers ``get_constant_schedule``: :math:`s(k) = \mathrm{lr}`.

  Args:
    lr: the optimizer's learning rate.
    last_epoch: must be -1.

  Returns:
    ``jaxsched.constant(lr)``, a ``Constant`` schedule: ``s(step)`` is ``lr`` as a
    float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> jtr.get_constant_schedule(0.5)(jnp.arange(3)).tolist()
    [0.5, 0.5, 0.5]
  """
  fn = "get_constant_schedule"
  _last(fn, last_epoch)
  return constant(_lr(fn, lr))


def get_constant_schedule_with_warmup(lr: ArrayLike, num_warmup_steps: ArrayLike,
                                      last_epoch: int = -1) -> Schedule:
  r"""transformers ``get_constant_schedule_with_warmup``.

  .. math:: s(k) = \mathrm{lr}\,\min(1, k / \max(1, W))

  Maps to ``jaxsched.warmup(constant(lr), W)``.

  Args:
    lr: the optimizer's learning rate.
    num_warmup_steps: ``W``, a whole number >= 0.
    last_epoch: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> jtr.get_constant_schedule_with_warmup(1.0, 2)(jnp.arange(4)).tolist()
    [0.0, 0.5, 1.0, 1.0]
  """
  fn = "get_constant_schedule_with_warmup"
  _last(fn, last_epoch)
  return warmup(constant(_lr(fn, lr)), _steps(fn, "num_warmup_steps", num_warmup_steps))


def get_linear_schedule_with_warmup(lr: ArrayLike, num_warmup_steps: ArrayLike,
                                    num_training_steps: ArrayLike,
                                    last_epoch: int = -1) -> Schedule:
  r"""transformers ``get_linear_schedule_with_warmup``: up to lr, down to 0 at N.

  .. math::
     s(k) = \mathrm{lr}\begin{cases} k / \max(1, W) & k < W \\
     \max\!\left(0, \frac{N - k}{\max(1, N - W)}\right) & k \ge W \end{cases}

  Maps to ``join([linear(0, lr, W), linear(lr, 0, N - W)], [W])`` (with
  :math:`N \le W`, 0 from :math:`W` on, as in transformers).

  Args:
    lr: the optimizer's learning rate.
    num_warmup_steps: ``W``, a whole number >= 0.
    num_training_steps: ``N``, a whole number >= 0.
    last_epoch: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> jtr.get_linear_schedule_with_warmup(1.0, 1, 3)(jnp.arange(5)).tolist()
    [0.0, 1.0, 0.5, 0.0, 0.0]
  """
  fn = "get_linear_schedule_with_warmup"
  _last(fn, last_epoch)
  base = _lr(fn, lr)
  w = _steps(fn, "num_warmup_steps", num_warmup_steps)
  n = _steps(fn, "num_training_steps", num_training_steps)
  span = _args.sub(n, w)
  positive = jnp.asarray(span) > 0 if _args.traced(span) else span > 0
  top = _args.where(positive, base, 0.0)
  return _after_warmup(base, w, linear(top, 0.0, _span(n, w)))


def get_cosine_schedule_with_warmup(lr: ArrayLike, num_warmup_steps: ArrayLike,
                                    num_training_steps: ArrayLike, num_cycles: ArrayLike = 0.5,
                                    last_epoch: int = -1) -> Schedule:
  r"""transformers ``get_cosine_schedule_with_warmup``.

  With :math:`p = (k - W)/\max(1, N - W)` and :math:`c` = ``num_cycles``:

  .. math::
     s(k) = \mathrm{lr}\begin{cases} k / \max(1, W) & k < W \\
     \frac{1 + \cos(2\pi c\,p)}{2} & k \ge W \end{cases}

  With the default :math:`c = 1/2` it reaches 0 at :math:`k = N`; like
  transformers it rises again after :math:`N` (``p`` is not clipped). Maps to
  ``join([linear(0, lr, W), cosine_wave(lr, 0, (N - W) / (2c))], [W])``.

  Args:
    lr: the optimizer's learning rate.
    num_warmup_steps: ``W``, a whole number >= 0.
    num_training_steps: ``N``, a whole number >= 0.
    num_cycles: ``c > 0`` waves over the decay (0.5: a half cosine).
    last_epoch: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> s = jtr.get_cosine_schedule_with_warmup(1.0, 1, 5)
    >>> np.asarray(s(jnp.arange(7)), float).round(4).tolist()
    [0.0, 1.0, 0.8536, 0.5, 0.1464, 0.0, 0.1464]
  """
  fn = "get_cosine_schedule_with_warmup"
  _last(fn, last_epoch)
  base = _lr(fn, lr)
  w = _steps(fn, "num_warmup_steps", num_warmup_steps)
  n = _steps(fn, "num_training_steps", num_training_steps)
  return _after_warmup(base, w, _wave(base, 0.0, _span(n, w), _cycles(fn, num_cycles)))


def get_cosine_with_hard_restarts_schedule_with_warmup(
    lr: ArrayLike, num_warmup_steps: ArrayLike, num_training_steps: ArrayLike,
    num_cycles: ArrayLike = 1,
    last_epoch: int = -1) -> Schedule:
  r"""transformers ``get_cosine_with_hard_restarts_schedule_with_warmup``.

  With :math:`p = (k - W)/\max(1, N - W)` and :math:`c` = ``num_cycles``:

  .. math::
     s(k) = \mathrm{lr}\begin{cases} k / \max(1, W) & k < W \\
     \frac{1 + \cos(\pi\,(c p \bmod 1))}{2} & 0 \le p < 1 \\ 0 & p \ge 1
     \end{cases}

  Maps to ``join([linear(0, lr, W), cosine_restarts(lr, (N - W)/c),
  constant(0)], [W, W + max(1, N - W)])``.

  Args:
    lr: the optimizer's learning rate.
    num_warmup_steps: ``W``, a whole number >= 0.
    num_training_steps: ``N``, a whole number >= 0.
    num_cycles: ``c > 0`` restarts (may be fractional).
    last_epoch: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> s = jtr.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 4, 2)
    >>> np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    [1.0, 0.5, 1.0, 0.5, 0.0, 0.0]
  """
  fn = "get_cosine_with_hard_restarts_schedule_with_warmup"
  _last(fn, last_epoch)
  base = _lr(fn, lr)
  w = _steps(fn, "num_warmup_steps", num_warmup_steps)
  n = _steps(fn, "num_training_steps", num_training_steps)
  span = _span(n, w)
  period = _args.div(span, _cycles(fn, num_cycles))
  return join([_ramp(base, w), cosine_restarts(base, period), constant(0.0)],
              [w, _args.add(w, span)])


def get_polynomial_decay_schedule_with_warmup(
    lr: ArrayLike, num_warmup_steps: ArrayLike, num_training_steps: ArrayLike,
    lr_end: ArrayLike = 1e-7,
    power: ArrayLike = 1.0, last_epoch: int = -1) -> Schedule:
  r"""transformers ``get_polynomial_decay_schedule_with_warmup``.

  .. math::
     s(k) = \begin{cases} \mathrm{lr}\,k / \max(1, W) & k < W \\
     e + (\mathrm{lr} - e)\left(1 - \frac{k - W}{N - W}\right)^{p} & W \le k \le N \\
     e & k > N \end{cases}

  with ``lr_end`` :math:`e` absolute. Maps to ``join([linear(0, lr, W),
  polynomial(lr, e, N - W, power=p)], [W])``.

  Args:
    lr: the optimizer's learning rate (> ``lr_end``, as transformers requires).
    num_warmup_steps: ``W``, a whole number >= 0.
    num_training_steps: ``N > W``.
    lr_end: ``e``, the final learning rate.
    power: ``p >= 0``.
    last_epoch: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> s = jtr.get_polynomial_decay_schedule_with_warmup(1.0, 0, 4, lr_end=0.0,
    ...                                                   power=2.0)
    >>> s(jnp.arange(6)).tolist()
    [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
  """
  fn = "get_polynomial_decay_schedule_with_warmup"
  _last(fn, last_epoch)
  base = _lr(fn, lr)
  end = _args.as_float(_check.number(_P + fn, "lr_end", lr_end))
  if not _args.traced(base, end) and not base > end:
    raise ValueError(
        f"{_P}{fn}: `lr_end` must be smaller than lr={base}, got lr_end={end}. "
        "Pass a smaller final learning rate (transformers requires it too).")
  w = _steps(fn, "num_warmup_steps", num_warmup_steps)
  n = _steps(fn, "num_training_steps", num_training_steps)
  span = _args.sub(n, w)
  if not _args.traced(span) and span < 1:
    raise ValueError(
        f"{_P}{fn}: `num_training_steps` must be > num_warmup_steps={w}, got "
        f"num_training_steps={n}. Train longer than the warmup.")
  return _after_warmup(base, w, polynomial(
      base, end, span, power=_check.number(_P + fn, "power", power, lo=0,
                                           fix="Pass a non-negative exponent.")))


def get_inverse_sqrt_schedule(lr: ArrayLike, num_warmup_steps: ArrayLike,
                              timescale: ArrayLike | None = None,
                              last_epoch: int = -1) -> Schedule:
  r"""transformers ``get_inverse_sqrt_schedule``.

  .. math::
     s(k) = \mathrm{lr}\begin{cases} k / \max(1, W) & k < W \\
     1 / \sqrt{(k + \tau - W)/\tau} & k \ge W \end{cases}

  with :math:`\tau` = ``timescale``, or ``W`` (10000 when ``W = 0``) when
  ``None``. Maps to :func:`jaxsched.inverse_sqrt`.

  Args:
    lr: the optimizer's learning rate.
    num_warmup_steps: ``W``, a whole number >= 0.
    timescale: ``tau >= 1`` or ``None``.
    last_epoch: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> jtr.get_inverse_sqrt_schedule(1.0, 4)(jnp.array([0, 2, 4, 16])).tolist()
    [0.0, 0.5, 1.0, 0.5]
  """
  fn = "get_inverse_sqrt_schedule"
  _last(fn, last_epoch)
  return inverse_sqrt(_lr(fn, lr), _steps(fn, "num_warmup_steps", num_warmup_steps),
                      timescale=None if timescale is None else _check.number(
                          _P + fn, "timescale", timescale, lo=1,
                          fix="Pass a number of steps >= 1, or None."))


def get_reduce_on_plateau_schedule(lr: ArrayLike, **kwargs: Any) -> ReduceOnPlateau:
  r"""transformers ``get_reduce_on_plateau_schedule``: PyTorch's ``ReduceLROnPlateau``.

  Returns :func:`jaxsched.compat.torch.ReduceLROnPlateau` ``(lr, **kwargs)``: a
  plateau with explicit state whose ``p(state)`` is the learning rate after
  each ``state = p.update(state, value=metric)``.

  Args:
    lr: the optimizer's learning rate.
    **kwargs: PyTorch's arguments (``mode``, ``factor``, ``patience``,
      ``threshold``, ``threshold_mode``, ``cooldown``, ``min_lr``, ``eps``).

  Returns:
    A :class:`jaxsched.ReduceOnPlateau` (a frozen dataclass pytree, not a function
    of the step): ``p.init()`` gives the state, ``p.update(state, value=metric)``
    the next state, and ``p(state)`` the learning rate.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> p = jtr.get_reduce_on_plateau_schedule(0.1, patience=0)
    >>> state = p.update(p.update(p.init(), value=1.0), value=2.0)
    >>> round(float(p(state)), 6)
    0.01
  """
  fn = "get_reduce_on_plateau_schedule"
  known = set(inspect.signature(ReduceLROnPlateau).parameters) - {"lr"}
  unknown = sorted(set(kwargs) - known)
  if unknown:
    raise ValueError(
        f"{_P}{fn}: unknown argument(s) {unknown}; ReduceLROnPlateau takes "
        f"{sorted(known)}. Fix scheduler_specific_kwargs.")
  return ReduceLROnPlateau(_lr(fn, lr), **kwargs)


def get_cosine_with_min_lr_schedule_with_warmup(
    lr: ArrayLike, num_warmup_steps: ArrayLike, num_training_steps: ArrayLike,
    num_cycles: ArrayLike = 0.5,
    last_epoch: int = -1, min_lr: ArrayLike | None = None,
    min_lr_rate: ArrayLike | None = None) -> Schedule:
  r"""transformers ``get_cosine_with_min_lr_schedule_with_warmup``.

  As :func:`get_cosine_schedule_with_warmup` with a floor :math:`r` =
  ``min_lr_rate`` (or ``min_lr / lr``): after the warmup,
  :math:`s(k) = \mathrm{lr}\,(r + (1 - r)(1 + \cos(2\pi c\,p))/2)`. Maps to
  ``join([linear(0, lr, W), cosine_wave(lr, r lr, (N - W)/(2c))], [W])``.

  Args:
    lr: the optimizer's learning rate.
    num_warmup_steps: ``W``, a whole number >= 0.
    num_training_steps: ``N``, a whole number >= 0.
    num_cycles: ``c > 0``.
    last_epoch: must be -1.
    min_lr: the final learning rate; or
    min_lr_rate: ``r``, the final learning rate as a fraction of lr (exactly
      one of the two).

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> s = jtr.get_cosine_with_min_lr_schedule_with_warmup(1.0, 0, 2, min_lr=0.5)
    >>> s(jnp.arange(3)).tolist()
    [1.0, 0.75, 0.5]
  """
  fn = "get_cosine_with_min_lr_schedule_with_warmup"
  _last(fn, last_epoch)
  base = _lr(fn, lr)
  rate = _min_rate(fn, base, min_lr, min_lr_rate)
  w = _steps(fn, "num_warmup_steps", num_warmup_steps)
  n = _steps(fn, "num_training_steps", num_training_steps)
  return _after_warmup(base, w, _wave(base, _args.mul(base, rate), _span(n, w),
                                      _cycles(fn, num_cycles)))


def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    lr: ArrayLike, num_warmup_steps: ArrayLike, num_training_steps: ArrayLike,
    num_cycles: ArrayLike = 0.5,
    last_epoch: int = -1, min_lr: ArrayLike | None = None,
    min_lr_rate: ArrayLike | None = None,
    warmup_lr_rate: ArrayLike | None = None) -> Schedule:
  r"""transformers ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate``
  (``cosine_warmup_with_min_lr``).

  The warmup is :math:`(k + 1)/\max(1, W)`, or with :math:`r_w` =
  ``warmup_lr_rate`` :math:`r_w + (1 - r_w)\,k/\max(1, W - 1)`, for
  :math:`k < W`; then, with :math:`p = (k - W + 1)/\max(1, N - W)` (one step
  ahead of :func:`get_cosine_with_min_lr_schedule_with_warmup`),
  :math:`s(k) = \mathrm{lr}\,(r + (1 - r)(1 + \cos(2\pi c\,p))/2)`.

  Args:
    lr: the optimizer's learning rate.
    num_warmup_steps: ``W``, a whole number >= 0.
    num_training_steps: ``N``, a whole number >= 0.
    num_cycles: ``c > 0``.
    last_epoch: must be -1.
    min_lr: the final learning rate; or
    min_lr_rate: ``r`` (exactly one of the two).
    warmup_lr_rate: ``r_w``, the first warmup value as a fraction of lr, or
      ``None``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> s = jtr.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    ...     1.0, 2, 4, min_lr_rate=0.0)
    >>> np.asarray(s(jnp.arange(5)), float).round(4).tolist()
    [0.5, 1.0, 0.5, 0.0, 0.5]
  """
  fn = "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
  _last(fn, last_epoch)
  base = _lr(fn, lr)
  rate = _min_rate(fn, base, min_lr, min_lr_rate)
  w = _steps(fn, "num_warmup_steps", num_warmup_steps)
  n = _steps(fn, "num_training_steps", num_training_steps)
  if warmup_lr_rate is None:
    ramp = _args.advanced(_ramp(base, w))                     # lr (k + 1) / W
  else:
    rw = _args.as_float(_check.number(_P + fn, "warmup_lr_rate", warmup_lr_rate))
    ramp = linear(_args.mul(base, rw), base, _args.steps_max(_args.sub(w, 1), 1))
  wave = _wave(base, _args.mul(base, rate), _span(n, w), _cycles(fn, num_cycles))
  return join([ramp, _args.advanced(wave)], [w])


_SHAPES: dict[str, WarmupShape] = {"linear": "linear", "cosine": "cosine", "1-sqrt": "sqrt"}
WsdType = Literal["linear", "cosine", "1-sqrt"]  # the keys of _SHAPES


def get_wsd_schedule(lr: ArrayLike, num_warmup_steps: ArrayLike, num_decay_steps: ArrayLike,
                     num_training_steps: ArrayLike | None = None,
                     num_stable_steps: ArrayLike | None = None, warmup_type: WsdType = "linear",
                     decay_type: WsdType = "cosine", min_lr_ratio: ArrayLike = 0,
                     num_cycles: ArrayLike = 0.5, last_epoch: int = -1) -> Schedule:
  r"""transformers ``get_wsd_schedule`` (``warmup_stable_decay``).

  With :math:`r` = ``min_lr_ratio``, :math:`S` = ``num_stable_steps`` (default
  :math:`N - W - D`) and the shapes :math:`g_w(x)` = :math:`x`,
  :math:`(1 - \cos\pi x)/2`, :math:`1 - \sqrt{1 - x}` and :math:`g_d(x)` =
  :math:`1 - x`, :math:`(1 + \cos 2\pi c x)/2`, :math:`1 - \sqrt{x}`:

  .. math::
     s(k) = \mathrm{lr}\begin{cases} r + (1 - r)\,g_w(k/\max(1, W)) & k < W \\
     1 & k < W + S \\ r + (1 - r)\,g_d((k - W - S)/\max(1, D)) & k < W + S + D \\
     r & \text{after} \end{cases}

  Maps to a :func:`jaxsched.join` of ``warmup``, ``constant``, the decay and
  ``constant(r lr)``.

  Args:
    lr: the optimizer's learning rate.
    num_warmup_steps: ``W``, a whole number >= 0.
    num_decay_steps: ``D``, a whole number >= 0.
    num_training_steps: ``N``; or
    num_stable_steps: ``S`` (used when given, as in transformers).
    warmup_type: ``"linear"``, ``"cosine"`` or ``"1-sqrt"`` (static).
    decay_type: ``"linear"``, ``"cosine"`` or ``"1-sqrt"`` (static).
    min_lr_ratio: ``r`` in [0, 1].
    num_cycles: ``c > 0`` (cosine decay only).
    last_epoch: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> s = jtr.get_wsd_schedule(1.0, 2, 2, num_training_steps=6,
    ...                          decay_type="linear")
    >>> s(jnp.arange(7)).tolist()
    [0.0, 0.5, 1.0, 1.0, 1.0, 0.5, 0.0]
  """
  fn = "get_wsd_schedule"
  _last(fn, last_epoch)
  base = _lr(fn, lr)
  w = _steps(fn, "num_warmup_steps", num_warmup_steps)
  d = _steps(fn, "num_decay_steps", num_decay_steps)
  if num_training_steps is None and num_stable_steps is None:
    raise ValueError(
        f"{_P}{fn}: `num_training_steps` or `num_stable_steps` must be given, got "
        "both None. Pass num_training_steps=N.")
  if num_stable_steps is None:
    n = _steps(fn, "num_training_steps", num_training_steps)
    stable = _args.sub(_args.sub(n, w), d)
    if not _args.traced(stable) and stable < 0:
      raise ValueError(
          f"{_P}{fn}: `num_training_steps` must be >= num_warmup_steps + "
          f"num_decay_steps = {w + d}, got num_training_steps={n}. Train longer, "
          "or shorten the warmup or the decay.")
  else:
    stable = _steps(fn, "num_stable_steps", num_stable_steps)
  warm = _SHAPES[_check.choice(_P + fn, "warmup_type", warmup_type, tuple(_SHAPES))]
  kind = _check.choice(_P + fn, "decay_type", decay_type, tuple(_SHAPES))
  r = _args.as_float(_check.in_range(_P + fn, "min_lr_ratio", min_lr_ratio, 0.0, 1.0,
                           "Pass the final learning rate as a fraction of lr.",
                           lo_open=False, hi_open=False))
  floor = _args.mul(base, r)
  length = _args.steps_max(d, 1)
  decay: Schedule
  if kind == "linear":
    decay = linear(base, floor, length)
  elif kind == "1-sqrt":
    decay = warmup_stable_decay(base, 0, length, length, init_value=base,
                                end_value=floor, decay_shape="sqrt")
  else:
    decay = _wave(base, floor, length, _cycles(fn, num_cycles))
  start = _args.add(w, stable)
  return join([warmup(constant(base), w, init_value=floor, shape=warm),
               constant(base), decay, constant(floor)],
              [w, start, _args.add(start, d)])


SCHEDULER_NAMES = (
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant",
    "constant_with_warmup", "inverse_sqrt", "reduce_lr_on_plateau",
    "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay",
)
"""The names :func:`get_scheduler` accepts (transformers 5's ``SchedulerType``
without ``greedy``)."""

_FUNCS: dict[str, Callable[..., Any]] = {
    "linear": get_linear_schedule_with_warmup,
    "cosine": get_cosine_schedule_with_warmup,
    "cosine_with_restarts": get_cosine_with_hard_restarts_schedule_with_warmup,
    "polynomial": get_polynomial_decay_schedule_with_warmup,
    "constant": get_constant_schedule,
    "constant_with_warmup": get_constant_schedule_with_warmup,
    "inverse_sqrt": get_inverse_sqrt_schedule,
    "reduce_lr_on_plateau": get_reduce_on_plateau_schedule,
    "cosine_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup,
    "cosine_warmup_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
    "warmup_stable_decay": get_wsd_schedule,
}


def get_scheduler(name: str, lr: ArrayLike, num_warmup_steps: ArrayLike | None = None,
                  num_training_steps: ArrayLike | None = None,
                  scheduler_specific_kwargs: dict[str, Any] | None = None
                  ) -> Schedule | ReduceOnPlateau:
  r"""transformers ``get_scheduler``: any schedule by name, dispatched as transformers does.

  ``constant`` ignores the step counts; ``reduce_lr_on_plateau`` takes only
  ``scheduler_specific_kwargs``; every other name needs ``num_warmup_steps``;
  ``constant_with_warmup`` ignores the rest, ``inverse_sqrt`` and
  ``warmup_stable_decay`` do not need ``num_training_steps``; the others do.
  ``scheduler_specific_kwargs`` are the keyword arguments of the function the
  name maps to (for example ``{"num_cycles": 2}``, ``{"min_lr": 1e-6}``,
  ``{"num_decay_steps": 1000, "decay_type": "1-sqrt"}``).

  Args:
    name: one of :data:`SCHEDULER_NAMES` (a transformers ``SchedulerType`` or its
      ``.value``).
    lr: the optimizer's learning rate.
    num_warmup_steps: ``W``.
    num_training_steps: ``N``.
    scheduler_specific_kwargs: extra arguments, or ``None``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with transformers' values: ``s(step)`` is
    the learning rate, a float array of the step's shape; for
    ``reduce_lr_on_plateau``, a :class:`jaxsched.ReduceOnPlateau`, whose
    ``p(state)`` is.

  Example:
    >>> from jaxsched.compat import transformers as jtr
    >>> s = jtr.get_scheduler("cosine_with_restarts", 1.0, num_warmup_steps=0,
    ...                       num_training_steps=4,
    ...                       scheduler_specific_kwargs={"num_cycles": 2})
    >>> np.asarray(s(jnp.arange(5)), float).round(4).tolist()
    [1.0, 0.5, 1.0, 0.5, 0.0]
  """
  fn = _P + "get_scheduler"
  key = getattr(name, "value", name)
  if key == "greedy":
    raise ValueError(
        f"{fn}: `name` must be a schedule of the step, got name='greedy' (GreedyLR "
        "adapts to the loss, with no jaxsched equivalent). Use "
        "'reduce_lr_on_plateau' or one of the step-driven names.")
  _check.choice(fn, "name", key, tuple(_FUNCS))
  make = _FUNCS[key]
  if key == "constant":
    return make(lr)
  kwargs = dict(scheduler_specific_kwargs or {})
  if key == "reduce_lr_on_plateau":
    return make(lr, **kwargs)
  if num_warmup_steps is None:
    raise ValueError(f"{fn}: {key} requires `num_warmup_steps`, got None. Pass "
                     "num_warmup_steps=W.")
  if key == "constant_with_warmup":
    return make(lr, num_warmup_steps=num_warmup_steps)
  allowed = set(inspect.signature(make).parameters) - {
      "lr", "num_warmup_steps", "num_training_steps", "last_epoch"}
  unknown = sorted(set(kwargs) - allowed)
  if unknown:
    raise ValueError(
        f"{fn}: unknown scheduler_specific_kwargs {unknown} for {key!r}; it takes "
        f"{sorted(allowed)}. Fix scheduler_specific_kwargs.")
  if key == "inverse_sqrt":
    return make(lr, num_warmup_steps=num_warmup_steps, **kwargs)
  if key == "warmup_stable_decay":
    return make(lr, num_warmup_steps=num_warmup_steps,
                num_training_steps=num_training_steps, **kwargs)
  if num_training_steps is None:
    raise ValueError(f"{fn}: {key} requires `num_training_steps`, got None. Pass "
                     "num_training_steps=N.")
  return make(lr, num_warmup_steps=num_warmup_steps,
              num_training_steps=num_training_steps, **kwargs)
