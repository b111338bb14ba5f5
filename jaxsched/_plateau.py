"""Reduce on plateau as explicit functional state.

A plateau is a frozen dataclass pytree of hyperparameters with three pure methods::

    p = reduce_on_plateau(factor=0.1, patience=10)
    state = p.init()                        # PlateauState, a pytree
    state = p.update(state, value=metric)   # pure, jittable, vmappable
    lr = base_schedule(step) * p(state)     # p(state): the current value

The state lives wherever the training state lives: a ``jax.lax.scan`` carry, a
``jax.vmap``-ed sweep, a checkpoint. One decision rule serves both the
jaxsched plateau (:func:`reduce_on_plateau`, correct for negative metrics) and the
PyTorch port (:func:`jaxsched.compat.torch.ReduceLROnPlateau`, PyTorch's numbers
exactly, built in the compat layer); a static flag selects the relative
comparison.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, get_args

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _pytree, _shapes

_INT32_MAX = _shapes.INT32_MAX

PlateauMode = Literal["min", "max"]
_MODES = get_args(PlateauMode)
ThresholdMode = Literal["rel", "abs"]
_THRESHOLD_MODES = get_args(ThresholdMode)


@_pytree.dataclass
class PlateauState:
  """State of a plateau: a pytree of scalar arrays, safe to checkpoint.

  Attributes:
    best: best (window-averaged) metric seen so far; ``+inf`` (mode ``"min"``) or
      ``-inf`` (mode ``"max"``) before the first decision. Only finite metrics
      enter it, except under PyTorch's rule (:func:`jaxsched.compat.torch.ReduceLROnPlateau`), which
      also accepts an infinite improvement as PyTorch does.
    num_bad_epochs: decisions since the last improvement (int32, saturating).
    cooldown_counter: decisions left in the cooldown after a reduction (int32).
    value: the current value, ``p(state)``: a scale (:func:`reduce_on_plateau`)
      or the learning rate (:func:`jaxsched.compat.torch.ReduceLROnPlateau`).
    acc_sum: sum of the finite metrics of the current accumulation window.
    acc_count: metrics received in the current window (int32, saturating).
    acc_nonfinite: whether a NaN or infinite metric arrived in the window (bool).
  """

  best: jax.Array
  num_bad_epochs: jax.Array
  cooldown_counter: jax.Array
  value: jax.Array
  acc_sum: jax.Array
  acc_count: jax.Array
  acc_nonfinite: jax.Array


def _count(x: Any) -> jax.Array:
  """A step-count hyperparameter as int32 in [0, 2**31 - 1], saturating.

  Fractions are floored, negatives and NaN become 0, values >= 2**31 (1e12, inf)
  become 2**31 - 1, which a saturating counter never exceeds.
  """
  x = jnp.asarray(x)
  if jnp.issubdtype(x.dtype, jnp.integer):
    return jnp.clip(x, 0, _INT32_MAX).astype(jnp.int32)
  big = x >= 2.0**31
  safe = jnp.where(big | ~(x > 0), jnp.zeros_like(x), x)
  return jnp.where(big, _INT32_MAX, jnp.floor(safe).astype(jnp.int32))


def _as_arrays(state: PlateauState) -> PlateauState:
  """Accepts a state restored as NumPy arrays (a checkpoint) as well."""
  return jax.tree.map(jnp.asarray, state)


@_pytree.dataclass
class ReduceOnPlateau:
  """A plateau: hyperparameters (pytree leaves) and the pure update rule.

  Build it with :func:`reduce_on_plateau` or :func:`jaxsched.compat.torch.ReduceLROnPlateau`, which
  validate the arguments; the fields are documented there. ``mode``,
  ``threshold_mode`` and ``torch_rule`` are static (structure); every other field
  is a leaf and may be traced (``jax.vmap`` over ``patience``, ``factor``, ...).

  It satisfies optax's ``StatefulSchedule`` protocol: ``init()``,
  ``update(state, value=...)`` and ``__call__(state)``.
  """

  factor: ArrayLike
  patience: ArrayLike
  threshold: ArrayLike
  cooldown: ArrayLike
  init_value: ArrayLike
  min_value: ArrayLike
  eps: ArrayLike
  accumulation: ArrayLike
  mode: PlateauMode = _pytree.static(default="min")
  threshold_mode: ThresholdMode = _pytree.static(default="rel")
  torch_rule: bool = _pytree.static(default=False)

  def init(self) -> PlateauState:
    """The state before the first metric: ``value = init_value``, no best yet."""
    dtype = _shapes.float_dtype()
    worst = float("inf") if self.mode == "min" else float("-inf")
    return PlateauState(
        best=jnp.asarray(worst, dtype),
        num_bad_epochs=jnp.zeros((), jnp.int32),
        cooldown_counter=jnp.zeros((), jnp.int32),
        value=jnp.asarray(self.init_value).astype(dtype),
        acc_sum=jnp.zeros((), dtype),
        acc_count=jnp.zeros((), jnp.int32),
        acc_nonfinite=jnp.zeros((), jnp.bool_),
    )

  def __call__(self, state: PlateauState, **extra_args: Any) -> jax.Array:
    """The current value (scale or learning rate); extra arguments are ignored."""
    del extra_args
    return jnp.asarray(state.value)

  def update(self, state: PlateauState, value: ArrayLike,
             **extra_args: Any) -> PlateauState:
    """Feeds one metric; decides once ``accumulation`` metrics have arrived.

    Args:
      state: the current :class:`PlateauState` (JAX or NumPy arrays).
      value: the metric, a real scalar (Python, NumPy or JAX; cast to the
        state's float dtype; NaN counts as no improvement). Raises
        ``ValueError`` for an array of another shape, a complex or boolean
        value, a string or ``None``.
      **extra_args: ignored (optax passes every extra argument to every stateful
        schedule).

    Returns:
      The next :class:`PlateauState`.
    """
    del extra_args
    state = _as_arrays(state)
    dtype = state.acc_sum.dtype
    real = isinstance(value, (jax.Array, np.ndarray, np.generic, int, float))
    if real and not isinstance(value, bool):
      metric = jnp.asarray(value)
      real = not (jnp.iscomplexobj(metric) or metric.dtype == jnp.bool_)
    if not real or isinstance(value, bool):  # NaN is fine: no improvement
      raise ValueError(
          f"ReduceOnPlateau.update: `value` must be a real number, got "
          f"value={_check.shown(value)}. Pass the metric as a float, e.g. "
          "value=jnp.mean(losses); for a complex quantity pass jnp.abs(z).")
    if metric.ndim != 0:
      raise ValueError(
          f"ReduceOnPlateau.update: `value` must be a scalar metric, got "
          f"value=<array of shape {metric.shape}>. Pass one number per "
          "evaluation, e.g. value=jnp.mean(losses); vmap to run several plateaus.")
    metric = metric.astype(dtype)
    if _check.is_traced(self.accumulation) or np.any(
        np.asarray(self.accumulation) != 1):
      return self._accumulate(state, metric)
    # accumulation is a concrete 1: every metric is a decision and the window
    # stays empty (zero sum, zero count), so the window mean is the metric
    # itself and the window's arithmetic and the `ready` select are skipped.
    return self._decide(state, metric)

  def _accumulate(self, state: PlateauState, metric: jax.Array) -> PlateauState:
    """Adds ``metric`` to the window; decides once it holds ``accumulation``."""
    dtype = state.acc_sum.dtype
    finite = jnp.isfinite(metric)
    count = _shapes.increment_saturating(state.acc_count)
    total = state.acc_sum + jnp.where(finite, metric, jnp.zeros_like(metric))
    nonfinite = state.acc_nonfinite | ~finite
    mean = total / count.astype(dtype)
    # A window holding NaN or inf averages to NaN (no improvement); a window of
    # one metric is that metric, so PyTorch's rule sees an infinite metric as is.
    window = jnp.where(nonfinite, jnp.where(count == 1, metric, jnp.nan), mean)
    ready = count >= jnp.maximum(_count(self.accumulation), 1)
    waiting = dataclasses.replace(state, acc_sum=total, acc_count=count,
                                  acc_nonfinite=nonfinite)
    decided = self._decide(state, window)
    return jax.tree.map(lambda d, w: jnp.where(ready, d, w), decided, waiting)

  def _decide(self, state: PlateauState, metric: jax.Array) -> PlateauState:
    """PyTorch's step: improvement test, bad-epoch count, cooldown, reduction."""
    dtype = state.best.dtype
    sign = 1.0 if self.mode == "min" else -1.0
    threshold = jnp.maximum(jnp.asarray(self.threshold).astype(dtype), 0.0)
    best = state.best
    if self.threshold_mode == "abs":
      ref = best - sign * threshold
    elif self.torch_rule:
      ref = best * (1.0 - sign * threshold)
    else:
      finite_best = jnp.isfinite(best)
      safe = jnp.where(finite_best, best, jnp.zeros_like(best))
      ref = jnp.where(finite_best, safe - sign * threshold * jnp.abs(safe), best)
    improved = sign * metric < sign * ref  # False for NaN
    if not self.torch_rule:
      improved = improved & jnp.isfinite(metric)
    # counters: a bad epoch unless improved or in a cooldown; the cooldown
    # counts down by one while positive (one select each, no nested chains)
    in_cooldown = state.cooldown_counter > 0
    bad = jnp.where(improved | in_cooldown, 0,
                    _shapes.increment_saturating(state.num_bad_epochs))
    cooldown = state.cooldown_counter - in_cooldown.astype(jnp.int32)
    reduce = bad > _count(self.patience)

    old = state.value
    vdtype = old.dtype
    factor = jnp.clip(jnp.asarray(self.factor).astype(vdtype), 0.0, 1.0)
    eps = jnp.maximum(jnp.asarray(self.eps).astype(vdtype), 0.0)
    new = jnp.maximum(old * factor, jnp.asarray(self.min_value).astype(vdtype))
    return PlateauState(
        best=jnp.where(improved, metric, best),
        num_bad_epochs=jnp.where(reduce, 0, bad),
        cooldown_counter=jnp.where(reduce, _count(self.cooldown), cooldown),
        value=jnp.where(reduce & (old - new > eps), new, old),
        acc_sum=jnp.zeros_like(state.acc_sum),
        acc_count=jnp.zeros_like(state.acc_count),
        acc_nonfinite=jnp.zeros_like(state.acc_nonfinite),
    )

  def replace(self, **changes: Any) -> ReduceOnPlateau:
    """``dataclasses.replace(self, **changes)`` (not re-validated)."""
    return dataclasses.replace(self, **changes)

  def to_config(self) -> dict[str, Any]:
    """A JSON-serialisable dict that the building function accepts back.

    ``{"name": "reduce_on_plateau", ...}`` or, for a PyTorch port,
    ``{"name": "ReduceLROnPlateau", "lr": ..., ...}``; the other keys are the
    building function's keyword arguments.
    """
    def num(x: Any) -> Any:
      return np.asarray(x).tolist()
    common = dict(mode=self.mode, factor=num(self.factor),
                  patience=num(self.patience), threshold=num(self.threshold),
                  threshold_mode=self.threshold_mode, cooldown=num(self.cooldown),
                  eps=num(self.eps))
    if self.torch_rule:
      return dict(name="ReduceLROnPlateau", lr=num(self.init_value), **common,
                  min_lr=num(self.min_value))
    return dict(name="reduce_on_plateau", **common,
                init_value=num(self.init_value), min_value=num(self.min_value),
                accumulation=num(self.accumulation))


def build(fn: str, *, factor: Any, patience: Any, mode: Any, threshold: Any,
           threshold_mode: Any, cooldown: Any, init_value: Any, min_value: Any,
           eps: Any, accumulation: Any, value_name: str, min_name: str,
           torch_rule: bool) -> ReduceOnPlateau:
  """Validates the concrete arguments once, for every public builder.

  :func:`reduce_on_plateau` here; PyTorch's rule
  (:func:`jaxsched.compat.torch.ReduceLROnPlateau`, ``torch_rule=True``) in the
  compat layer, which names the value ``lr`` and its floor ``min_lr``.
  """
  return ReduceOnPlateau(
      factor=_check.in_range(
          fn, "factor", factor, 0.0, 1.0,
          "Pass the multiplier applied at each reduction, e.g. factor=0.1."),
      patience=_check.steps(
          fn, "patience", patience,
          fix="Pass how many evaluations without improvement to tolerate, "
          "e.g. patience=10."),
      threshold=_check.number(
          fn, "threshold", threshold, lo=0,
          fix="Pass the minimal change that counts as an improvement, "
          "e.g. threshold=1e-4."),
      cooldown=_check.steps(
          fn, "cooldown", cooldown,
          fix="Pass how many evaluations to wait after a reduction, e.g. "
          "cooldown=0."),
      init_value=_check.number(
          fn, value_name, init_value, lo=0,
          fix=f"Pass the starting value, e.g. {value_name}=1.0."),
      min_value=_check.number(
          fn, min_name, min_value, lo=0,
          fix=f"Pass the floor of the value, e.g. {min_name}=0.0."),
      eps=_check.number(
          fn, "eps", eps, lo=0,
          fix="Pass the smallest change worth applying, e.g. eps=1e-8."),
      accumulation=_check.steps(
          fn, "accumulation", accumulation, lo=1,
          fix="Pass how many metrics to average per decision, e.g. "
          "accumulation=1."),
      mode=_check.choice(fn, "mode", mode, _MODES),
      threshold_mode=_check.choice(fn, "threshold_mode", threshold_mode,
                                   _THRESHOLD_MODES),
      torch_rule=torch_rule,
  )


def reduce_on_plateau(*, factor: ArrayLike = 0.1, patience: ArrayLike = 10,
                      mode: PlateauMode = "min",
                      threshold: ArrayLike = 1e-4, threshold_mode: ThresholdMode = "rel",
                      cooldown: ArrayLike = 0, init_value: ArrayLike = 1.0,
                      min_value: ArrayLike = 0.0, eps: ArrayLike = 1e-8,
                      accumulation: ArrayLike = 1) -> ReduceOnPlateau:
  r"""Reduces a value when a metric stops improving, as explicit state.

  Every ``accumulation`` calls of ``update(state, value=metric)`` the mean
  :math:`a` of the metrics is compared with the best so far, ``best``. With
  :math:`s = 1` for ``mode="min"`` and :math:`s = -1` for ``mode="max"``, it is
  an improvement when :math:`a` is finite and

  .. math::

    s\,a < s\,\mathrm{best} - \mathrm{threshold}\cdot|\mathrm{best}|
    \quad (\text{rel}), \qquad
    s\,a < s\,\mathrm{best} - \mathrm{threshold} \quad (\text{abs}).

  An improvement sets ``best = a`` and ``num_bad_epochs = 0``; otherwise
  ``num_bad_epochs += 1``. During a cooldown (``cooldown_counter > 0``) the
  counter is decremented and bad epochs are ignored. When
  ``num_bad_epochs > patience`` the value is reduced,

  .. math::

    v' = \max(v \cdot \mathrm{factor}, \mathrm{min\_value}),
    \text{ applied only if } v - v' > \mathrm{eps},

  and ``cooldown_counter = cooldown``, ``num_bad_epochs = 0``. This is PyTorch's
  ``ReduceLROnPlateau`` with two deliberate differences:

  * The relative threshold is measured against :math:`|\mathrm{best}|`. PyTorch
    tests ``a < best * (1 - threshold)``, which for a negative ``best`` (say a
    negative log-likelihood or ELBO) lies *above* ``best``: a slightly worse
    value counts as an improvement and the learning rate is never reduced. Here
    a negative metric behaves exactly as a positive one does.
  * NaN and infinite metrics are never an improvement (a bad epoch) and never
    enter ``best``. PyTorch also counts NaN as a bad epoch, but it accepts
    ``-inf`` (mode ``"min"``) or ``inf`` (``"max"``) as a new best, after which
    nothing ever improves again. :func:`jaxsched.compat.torch.ReduceLROnPlateau`
    keeps PyTorch's rule.

  Counters saturate at ``2**31 - 1`` instead of wrapping.

  Args:
    factor: multiplier applied at each reduction, in (0, 1). A traced value is
      clipped to [0, 1] (1 never changes the value).
    patience: evaluations without improvement to tolerate, a whole number >= 0.
      A traced value is floored and clipped to [0, 2**31 - 1]; 2**31 - 1 or more
      (1e12, inf) never reduces.
    mode: ``"min"`` (a loss) or ``"max"`` (an accuracy). Static.
    threshold: minimal significant change, >= 0; a fraction of ``|best|`` for
      ``threshold_mode="rel"``, in metric units for ``"abs"``. A traced negative
      value acts as 0.
    threshold_mode: ``"rel"`` or ``"abs"``. Static.
    cooldown: evaluations after a reduction during which bad epochs are
      ignored, a whole number >= 0. Traced values are clipped like ``patience``.
    init_value: the value before any reduction, >= 0 (1.0: a scale to multiply a
      schedule by). Not clipped when traced.
    min_value: floor of the value, >= 0. Not clipped when traced; a floor above
      the current value blocks reductions.
    eps: a reduction smaller than ``eps`` is not applied, >= 0. A traced negative
      value acts as 0.
    accumulation: metrics averaged per decision, a whole number >= 1 (use the
      number of minibatches when feeding training losses). A traced value is
      clipped to [1, 2**31 - 1].

  Returns:
    A :class:`ReduceOnPlateau` (a frozen dataclass pytree): ``init()``,
    ``update(state, value=...)`` and ``p(state)``. It is an optax
    ``StatefulSchedule``.

  Raises:
    ValueError: for a concrete out-of-range value or an unknown mode.

  Example:
    >>> p = jaxsched.reduce_on_plateau(factor=0.5, patience=1)
    >>> state = p.init()
    >>> values = []
    >>> for loss in [-1.0, -1.2, -1.1, -1.15, -1.19, -1.3, -1.25, -1.28]:
    ...   state = p.update(state, value=loss)
    ...   values.append(float(p(state)))
    >>> values
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]

  References:
    PyTorch ``torch.optim.lr_scheduler.ReduceLROnPlateau``;
    ``optax.contrib.reduce_on_plateau`` (the ``accumulation_size`` idea).
  """
  return build("reduce_on_plateau", factor=factor, patience=patience, mode=mode,
                threshold=threshold, threshold_mode=threshold_mode,
                cooldown=cooldown, init_value=init_value, min_value=min_value,
                eps=eps, accumulation=accumulation, value_name="init_value",
                min_name="min_value", torch_rule=False)
