"""DeepSpeed's ``deepspeed.runtime.lr_schedules`` as jaxsched schedules.

Each constructor takes the parameter names of a DeepSpeed JSON config's
``scheduler.params`` (the optimizer is gone; pass ``lr`` where DeepSpeed reads
the optimizer's learning rate), and returns a schedule ``s`` with

    ``s(k)`` = the learning rate the optimizer holds after ``k`` calls of
    ``scheduler.step()`` (``k = 0``: right after construction).

DeepSpeed steps the scheduler once per optimizer step, so ``s(step)`` is the
learning rate of optimizer step ``step``. :func:`from_config` takes the
``"scheduler"`` block of a DeepSpeed config. Every numeric argument may be
traced; ``last_batch_iteration`` must be ``-1`` (evaluate ``s(k + i)`` to resume).

DeepSpeed's warmups count from ``last_batch_iteration = k - 1``: ``s(0)`` is the
value set at construction (``warmup_min_lr``; 0 for ``WarmupCosineLR``) and
``s(1)`` the first value of the warmup formula. That one-step offset is kept.

Example:
  >>> from jaxsched.compat import deepspeed as jd
  >>> s = jd.WarmupLR(warmup_min_lr=0.0, warmup_max_lr=1.0, warmup_num_steps=4,
  ...                 warmup_type="linear")
  >>> s(jnp.arange(7)).tolist()
  [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal, get_args

import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _check
from jaxsched._base import Schedule
from jaxsched._combinators import join
from jaxsched._cosine import cosine_decay
from jaxsched._decay import constant, inverse_time_decay, linear
from jaxsched._piecewise import piecewise_constant
from jaxsched._ported import linear_growth, log_warmup, stepped_cyclic, with_momentum
from jaxsched.compat import _args

__all__ = ["LRRangeTest", "OneCycle", "WarmupCosineLR", "WarmupDecayLR", "WarmupLR",
           "from_config"]

_P = "compat.deepspeed."
WarmupType = Literal["log", "linear"]
_WARMUP_TYPES = get_args(WarmupType)


def _last(fn: str, value: Any) -> None:
  if isinstance(value, bool) or not isinstance(value, int) or value != -1:
    raise ValueError(
        f"{_P}{fn}: `last_batch_iteration` must be -1, got "
        f"last_batch_iteration={value!r}. To resume after i batches, evaluate the "
        "schedule at s(step + i) instead.")


def _value(fn: str, name: str, x: Any, lo: Any = None, fix: str = "") -> Any:
  return _args.value(_P + fn, name, x, lo=lo, fix=fix)


def _warmup_steps(fn: str, w: Any) -> Any:
  """DeepSpeed's warmup length: a positive integer, then ``max(2, W)``."""
  w = _check.steps(_P + fn, "warmup_num_steps", w, lo=1,
                   fix="Pass the number of warmup steps (a positive integer).")
  return _args.steps_max(w, 2)


def _ramp(fn: str, kind: str, lo: Any, hi: Any, w: Any) -> Schedule:
  """DeepSpeed's warmup at ``i = last_batch_iteration`` in ``[0, W)``."""
  kind = _check.choice(_P + fn, "warmup_type", kind, _WARMUP_TYPES)
  if kind == "log":
    return log_warmup(lo, hi, w)   # lo + (hi - lo) ln(1 + i) / ln W
  return linear(lo, hi, w)         # lo + (hi - lo) i / W


def _shifted(first: Any, inner: Schedule) -> Schedule:
  """``first`` at ``k = 0`` (set at construction), ``inner(k - 1)`` after."""
  return join([constant(first), inner], [1])


def WarmupLR(warmup_min_lr: ArrayLike = 0.0, warmup_max_lr: ArrayLike | None = None,  # pylint: disable=invalid-name
             warmup_num_steps: ArrayLike = 1000, warmup_type: WarmupType = "log",
             last_batch_iteration: int = -1, *, lr: ArrayLike | None = None) -> Schedule:
  r"""DeepSpeed ``WarmupLR``: from ``warmup_min_lr`` to ``warmup_max_lr``, then held.

  With :math:`W = \max(2, \text{warmup\_num\_steps})`, :math:`i = k - 1` and
  :math:`g(i) = \ln(1 + i)/\ln W` (``log``) or :math:`i / W` (``linear``):

  .. math::
     s(0) = m, \qquad s(k) = m + (M - m)\,\min(1, g(k - 1)) \quad (k \ge 1)

  The log warmup reaches :math:`M` at :math:`k = W`, the linear one at
  :math:`k = W + 1`. Maps to ``join([constant(m), log_warmup(m, M, W) or
  linear(m, M, W)], [1])``.

  Args:
    warmup_min_lr: ``m``, the first learning rate.
    warmup_max_lr: ``M``; ``None`` means ``lr`` (DeepSpeed reads the optimizer's).
    warmup_num_steps: a positive integer (a traced value below 2 acts as 2).
    warmup_type: ``"log"`` or ``"linear"`` (static; DeepSpeed falls back to log
      for other names with a warning, here they raise).
    last_batch_iteration: must be -1.
    lr: the optimizer's learning rate, used when ``warmup_max_lr`` is ``None``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with DeepSpeed's values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import deepspeed as jd
    >>> s = jd.WarmupLR(0.0, 1.0, warmup_num_steps=4)
    >>> np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    [0.0, 0.0, 0.5, 0.7925, 1.0, 1.0]
  """
  fn = "WarmupLR"
  _last(fn, last_batch_iteration)
  if warmup_max_lr is None:
    if lr is None:
      raise ValueError(
          f"{_P}{fn}: `warmup_max_lr` must be given, or `lr` (the optimizer's "
          "learning rate, which DeepSpeed uses in its place), got "
          "warmup_max_lr=None, lr=None. Pass warmup_max_lr=... or lr=....")
    warmup_max_lr = lr
  lo = _value(fn, "warmup_min_lr", warmup_min_lr)
  hi = _value(fn, "warmup_max_lr", warmup_max_lr)
  w = _warmup_steps(fn, warmup_num_steps)
  return _shifted(lo, _ramp(fn, warmup_type, lo, hi, w))


def WarmupDecayLR(total_num_steps: ArrayLike, warmup_min_lr: ArrayLike = 0.0,  # pylint: disable=invalid-name
                  warmup_max_lr: ArrayLike = 0.001, warmup_num_steps: ArrayLike = 1000,
                  warmup_type: WarmupType = "log", last_batch_iteration: int = -1) -> Schedule:
  r"""DeepSpeed ``WarmupDecayLR``: :func:`WarmupLR`, then linear decay to the min.

  With :math:`T` = ``total_num_steps``, :math:`W` and :math:`g` as in
  :func:`WarmupLR`, and :math:`i = k - 1 \ge W`:

  .. math:: s(k) = m + (M - m)\,\max\!\left(0, \frac{T - i}{\max(1, T - W)}\right)

  so the decay reaches ``warmup_min_lr`` at :math:`k = T + 1` and holds it.
  With :math:`T \le W` the rate drops to ``warmup_min_lr`` right after the
  warmup (DeepSpeed warns about it). Maps to ``join([constant(m), ramp,
  linear(M', m, max(1, T - W))], [1, W + 1])``.

  Args:
    total_num_steps: ``T``, a whole number >= 0.
    warmup_min_lr: ``m``.
    warmup_max_lr: ``M``.
    warmup_num_steps: a positive integer.
    warmup_type: ``"log"`` or ``"linear"`` (static).
    last_batch_iteration: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with DeepSpeed's values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import deepspeed as jd
    >>> s = jd.WarmupDecayLR(6, 0.0, 1.0, warmup_num_steps=2, warmup_type="linear")
    >>> s(jnp.arange(9)).tolist()
    [0.0, 0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
  """
  fn = "WarmupDecayLR"
  _last(fn, last_batch_iteration)
  t = _check.steps(_P + fn, "total_num_steps", total_num_steps,
                   fix="Pass the total number of training steps.")
  lo = _value(fn, "warmup_min_lr", warmup_min_lr)
  hi = _value(fn, "warmup_max_lr", warmup_max_lr)
  w = _warmup_steps(fn, warmup_num_steps)
  span = _args.sub(t, w)
  decay = linear(_args.where(_positive(span), hi, lo), lo, _args.steps_max(span, 1))
  return join([constant(lo), _ramp(fn, warmup_type, lo, hi, w), decay],
              [1, _plus1(w)])


def _positive(x: Any) -> Any:
  return jnp.asarray(x) > 0 if _args.traced(x) else x > 0


def _plus1(w: Any) -> Any:
  return w + 1 if not _args.traced(w) else jnp.asarray(w) + 1


def WarmupCosineLR(total_num_steps: ArrayLike, warmup_min_ratio: ArrayLike = 0.0,  # pylint: disable=invalid-name
                   warmup_num_steps: ArrayLike = 1000, cos_min_ratio: ArrayLike = 0.0001,
                   warmup_type: WarmupType = "log", last_batch_iteration: int = -1, *,
                   lr: ArrayLike) -> Schedule:
  r"""DeepSpeed ``WarmupCosineLR``: ratio warmup, then cosine to a ratio floor.

  With :math:`\eta` = ``lr``, :math:`r_w` = ``warmup_min_ratio``, :math:`r_c` =
  ``cos_min_ratio``, :math:`W`, :math:`g` as in :func:`WarmupLR` and
  :math:`D = \max(1, T - W)`:

  .. math::
     s(0) = 0, \qquad
     s(k) = \eta\,(r_w + (1 - r_w)\,g(k - 1)) \quad (1 \le k \le W),

     s(k) = \eta\,\Big(r_c + (1 - r_c)\,\frac{1 + \cos(\pi \min(1, (k - W)/D))}{2}
     \Big) \quad (k > W)

  (DeepSpeed returns 0 before its first step; the cosine reaches
  :math:`\eta r_c` at :math:`k = T` and holds it). Maps to ``join([constant(0),
  ramp, cosine_decay(lr, D, end_value=lr r_c) advanced by one step], [1, W + 1])``.

  Args:
    total_num_steps: ``T``, a whole number >= 0.
    warmup_min_ratio: ``r_w``, the first ratio of the warmup.
    warmup_num_steps: a positive integer.
    cos_min_ratio: ``r_c`` >= 0, the final ratio.
    warmup_type: ``"log"`` or ``"linear"`` (static).
    last_batch_iteration: must be -1.
    lr: the optimizer's learning rate (DeepSpeed multiplies it by the ratio).

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with DeepSpeed's values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import deepspeed as jd
    >>> s = jd.WarmupCosineLR(6, warmup_num_steps=2, cos_min_ratio=0.0,
    ...                       warmup_type="linear", lr=1.0)
    >>> np.asarray(s(jnp.arange(8)), float).round(4).tolist()
    [0.0, 0.0, 0.5, 0.8536, 0.5, 0.1464, 0.0, 0.0]
  """
  fn = "WarmupCosineLR"
  _last(fn, last_batch_iteration)
  t = _check.steps(_P + fn, "total_num_steps", total_num_steps,
                   fix="Pass the total number of training steps.")
  base = _value(fn, "lr", lr, lo=0, fix="Pass the optimizer's learning rate.")
  rw = _value(fn, "warmup_min_ratio", warmup_min_ratio)
  rc = _value(fn, "cos_min_ratio", cos_min_ratio, lo=0,
              fix="Pass a non-negative ratio, e.g. 0.0001.")
  w = _warmup_steps(fn, warmup_num_steps)
  ramp = _ramp(fn, warmup_type, _args.mul(base, rw), base, w)
  cos = cosine_decay(base, _args.steps_max(_args.sub(t, w), 1),
                     end_value=_args.mul(base, rc))
  return join([constant(0.0), ramp, _args.advanced(cos)], [1, _plus1(w)])


def OneCycle(cycle_min_lr: ArrayLike, cycle_max_lr: ArrayLike, decay_lr_rate: ArrayLike = 0.0,  # pylint: disable=invalid-name
             cycle_first_step_size: ArrayLike = 2000,
             cycle_second_step_size: ArrayLike | None = None,
             cycle_first_stair_count: ArrayLike = 0,
             cycle_second_stair_count: ArrayLike | None = None,
             decay_step_size: ArrayLike = 0, cycle_momentum: bool = True,
             cycle_min_mom: ArrayLike = 0.8, cycle_max_mom: ArrayLike = 0.9,
             decay_mom_rate: ArrayLike = 0.0, last_batch_iteration: int = -1) -> Schedule:
  r"""DeepSpeed ``OneCycle``: one triangular cycle, then a slow decay; with momentum.

  With :math:`u, d` the two half cycles, :math:`L = u + d`, the cycle's
  fraction :math:`f(k)` of :func:`jaxsched.stepped_cyclic` (rising over
  :math:`u` steps, falling over :math:`d`, optionally in stairs) and
  :math:`q = (k - L)/\text{decay\_step\_size}`:

  .. math::
     s(k) = \begin{cases} m + (M - m) f(k) & k \le L \\
     m / (1 + \text{decay\_lr\_rate}\cdot q) & k > L \end{cases}

  (no decay when ``decay_step_size`` or ``decay_lr_rate`` is 0). The momentum,
  ``s.momentum`` when ``cycle_momentum`` (DeepSpeed sets Adam's ``betas[0]``),
  moves the other way: :math:`\mu_M - (\mu_M - \mu_m) f(k)`, then
  :math:`\mu_M (1 + \text{decay\_mom\_rate}\cdot q)` (it grows); at
  :math:`k = 0` it is ``cycle_min_mom``, the value DeepSpeed sets at
  construction. Maps to ``join([stepped_cyclic(...), inverse_time_decay(...)],
  [L])``, and for the momentum ``join([stepped_cyclic(...), linear_growth(...)],
  [L]) + piecewise_constant(...)``, paired by :func:`jaxsched.with_momentum`.

  Args:
    cycle_min_lr: ``m``, the value at the start and end of the cycle.
    cycle_max_lr: ``M``, the value at ``k = u``.
    decay_lr_rate: rate of the decay after the cycle.
    cycle_first_step_size: ``u > 0`` steps (may be fractional).
    cycle_second_step_size: ``d > 0``; ``None`` means ``u`` (DeepSpeed also
      allows 0; here it must be positive).
    cycle_first_stair_count: stairs of the rise (0 or less, such as
      DeepSpeed's command-line default -1: smooth).
    cycle_second_stair_count: stairs of the fall; ``None`` means the first's.
    decay_step_size: steps per unit of decay (0: no decay).
    cycle_momentum: pair the momentum curve (static).
    cycle_min_mom, cycle_max_mom: ``mu_m``, ``mu_M``.
    decay_mom_rate: rate of the momentum's growth after the cycle.
    last_batch_iteration: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with DeepSpeed's values: ``s(step)`` is
    the learning rate, a float array of the step's shape. With ``cycle_momentum``,
    ``s.momentum`` is the momentum schedule.

  Example:
    >>> from jaxsched.compat import deepspeed as jd
    >>> s = jd.OneCycle(0.0, 1.0, cycle_first_step_size=2, decay_lr_rate=1.0,
    ...                 decay_step_size=1, cycle_min_mom=0.8, cycle_max_mom=0.9)
    >>> s(jnp.arange(7)).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.0, 0.0]
    >>> np.asarray(s.momentum(jnp.arange(7)), float).round(4).tolist()
    [0.8, 0.85, 0.8, 0.85, 0.9, 0.9, 0.9]
  """
  fn = "OneCycle"
  _last(fn, last_batch_iteration)
  up = _check.number(_P + fn, "cycle_first_step_size", cycle_first_step_size, lo=0,
                     lo_open=True, fix="Pass the steps of the rising half, e.g. 2000.")
  down = up if cycle_second_step_size is None else _check.number(
      _P + fn, "cycle_second_step_size", cycle_second_step_size, lo=0, lo_open=True,
      fix="Pass the steps of the falling half, or None for cycle_first_step_size.")
  fix = "Pass a whole number of stairs (0 or less: none)."
  n_up = _args.steps_max(_check.steps(_P + fn, "cycle_first_stair_count",
                                      cycle_first_stair_count, lo=None, fix=fix), 0)
  n_down = n_up if cycle_second_stair_count is None else _args.steps_max(
      _check.steps(_P + fn, "cycle_second_stair_count",
                   cycle_second_stair_count, lo=None, fix=fix), 0)
  dss = _check.number(_P + fn, "decay_step_size", decay_step_size, lo=0,
                      fix="Pass the steps per unit of decay, or 0 for none.")
  on = _positive(dss)
  size = _args.where(on, dss, 1)
  total = _args.add(up, down)
  lo = _value(fn, "cycle_min_lr", cycle_min_lr)
  hi = _value(fn, "cycle_max_lr", cycle_max_lr)
  rate = _args.where(on, _value(fn, "decay_lr_rate", decay_lr_rate, lo=0,
                            fix="Pass a non-negative rate."), 0.0)
  lrs = join([stepped_cyclic(lo, hi, up, step_size_down=down, stairs_up=n_up,
                             stairs_down=n_down),
              inverse_time_decay(lo, rate, size)], [total])
  if not _check.flag(_P + fn, "cycle_momentum", cycle_momentum):
    return lrs
  m_lo = _value(fn, "cycle_min_mom", cycle_min_mom)
  m_hi = _value(fn, "cycle_max_mom", cycle_max_mom)
  m_rate = _args.where(on, _value(fn, "decay_mom_rate", decay_mom_rate), 0.0)
  mom = join([stepped_cyclic(m_hi, m_lo, up, step_size_down=down, stairs_up=n_up,
                             stairs_down=n_down),
              linear_growth(m_hi, m_rate, size)], [total])
  first = _args.as_float(m_lo) - _args.as_float(m_hi)
  return with_momentum(lrs, mom + piecewise_constant([1], [first, 0.0]))


def LRRangeTest(lr_range_test_min_lr: ArrayLike = 1e-3,  # pylint: disable=invalid-name
                lr_range_test_step_size: ArrayLike = 2000,
                lr_range_test_step_rate: ArrayLike = 1.0,
                lr_range_test_staircase: bool = False,
                last_batch_iteration: int = -1) -> Schedule:
  r"""DeepSpeed ``LRRangeTest``: a linearly growing learning rate.

  .. math::
     s(k) = m\,(1 + r\,p), \qquad p = k / T \quad (\lfloor k/T \rfloor
     \text{ with staircase})

  Maps to :func:`jaxsched.linear_growth` ``(m, r, T, staircase=...)``. For the
  range test itself (training, smoothing, suggestions), see
  :func:`jaxsched.lr_range_test`.

  Args:
    lr_range_test_min_lr: ``m``, the first learning rate.
    lr_range_test_step_size: ``T``, a positive integer.
    lr_range_test_step_rate: ``r``, the growth per ``T`` steps (fraction of m).
    lr_range_test_staircase: grow in jumps (static).
    last_batch_iteration: must be -1.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with DeepSpeed's values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import deepspeed as jd
    >>> s = jd.LRRangeTest(0.1, lr_range_test_step_size=2)
    >>> np.asarray(s(jnp.arange(5)), float).round(4).tolist()
    [0.1, 0.15, 0.2, 0.25, 0.3]
  """
  fn = "LRRangeTest"
  _last(fn, last_batch_iteration)
  return linear_growth(
      _value(fn, "lr_range_test_min_lr", lr_range_test_min_lr),
      _value(fn, "lr_range_test_step_rate", lr_range_test_step_rate),
      _check.steps(_P + fn, "lr_range_test_step_size", lr_range_test_step_size,
                   lo=1, fix="Pass a positive number of steps."),
      staircase=_check.flag(_P + fn, "lr_range_test_staircase",
                            lr_range_test_staircase))


_TYPES: dict[str, Callable[..., Any]] = {
    "WarmupLR": WarmupLR, "WarmupDecayLR": WarmupDecayLR,
    "WarmupCosineLR": WarmupCosineLR, "OneCycle": OneCycle,
    "LRRangeTest": LRRangeTest}


def from_config(config: dict[str, Any], *, lr: ArrayLike | None = None) -> Schedule:
  """The schedule of a DeepSpeed config's ``"scheduler"`` block.

  Args:
    config: ``{"type": name, "params": {...}}`` with a type of
      ``deepspeed.runtime.lr_schedules`` (``WarmupLR``, ``WarmupDecayLR``,
      ``WarmupCosineLR``, ``OneCycle``, ``LRRangeTest``) and its parameters.
    lr: the optimizer's learning rate (the config's ``optimizer.params.lr``):
      needed by ``WarmupCosineLR``, and by ``WarmupLR`` without
      ``warmup_max_lr``.

  Returns:
    A jaxsched :class:`~jaxsched.Schedule` with DeepSpeed's values: ``s(step)`` is
    the learning rate, a float array of the step's shape.

  Example:
    >>> from jaxsched.compat import deepspeed as jd
    >>> cfg = {"type": "WarmupDecayLR", "params": {"total_num_steps": 6,
    ...        "warmup_max_lr": 1.0, "warmup_num_steps": 2, "warmup_type": "linear"}}
    >>> jd.from_config(cfg)(jnp.arange(9)).tolist()
    [0.0, 0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
  """
  fn = _P + "from_config"
  if not isinstance(config, dict) or "type" not in config:
    raise ValueError(
        f"{fn}: `config` must be a dict with a \"type\" key, got config={config!r}. "
        'Pass the "scheduler" block of a DeepSpeed config, e.g. {"type": '
        '"WarmupLR", "params": {...}}.')
  kind = _check.choice(fn, "config['type']", config["type"], sorted(_TYPES),
                       "Pass a scheduler of deepspeed.runtime.lr_schedules.")
  params = dict(config.get("params") or {})
  make = _TYPES[kind]
  known = set(inspect.signature(make).parameters)
  unknown = sorted(set(params) - known - {"lr"})
  if unknown:
    raise ValueError(
        f"{fn}: unknown {kind} parameter(s) {unknown}; the parameters are "
        f"{sorted(known - {'lr'})}. Fix the names in the config.")
  if "lr" in known:
    params.setdefault("lr", lr)
  return make(**params)
