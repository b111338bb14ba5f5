"""Combinators: warmup, join, product, scale, sum, repeat, epochwise, stack."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, get_args

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _base, _check, _shapes
from jaxsched._base import (
  MAX_EVENTS,
  Schedule,
  ScheduleLike,
  concrete,
  every,
  factory,
  register,
  static,
)
from jaxsched._decay import constant

Array = jax.Array
S = TypeVar("S", bound=Schedule)  # stack returns the class it is given

WarmupShape = Literal["linear", "cosine", "exponential", "sqrt"]
_WARMUP_SHAPES = get_args(WarmupShape)


@register("function")
class Function(Schedule):
  """Wraps a plain callable ``step -> value`` (an optax schedule, a lambda)."""
  fn: Callable[[Array], Any] = static()

  def _value(self, k: Array) -> Array:
    return _shapes.to_float(self.fn(k))

  def __repr__(self) -> str:
    return f"function({getattr(self.fn, '__name__', repr(self.fn))})"


def _as_schedule(fn: str, name: str, s: Any) -> Schedule:
  if isinstance(s, Schedule):
    return s
  if callable(s):
    return Function(s)
  raise ValueError(f"{fn}: `{name}` must be a schedule (a callable step -> value), "
                   f"got {name}={_check.shown(s)}. Pass a jaxsched schedule or a "
                   "function.")


def _as_factor(fn: str, name: str, s: Any) -> Schedule:
  if isinstance(s, Schedule) or callable(s):
    return _as_schedule(fn, name, s)
  if isinstance(s, (bool, str, bytes, dict)) or s is None:
    raise ValueError(f"{fn}: `{name}` must be a schedule, a callable or a number, "
                     f"got {name}={_check.shown(s)}. Pass a jaxsched schedule, a "
                     "function of the step or a finite number.")
  return constant(_check.number(fn, name, s, fix="Pass a finite number, or a "
                                "schedule."))


@register("warmup")
class Warmup(Schedule):
  schedule: Schedule
  warmup_steps: ArrayLike
  init_value: ArrayLike = 0.0
  shape: WarmupShape = static(default="linear")

  def _phase_changes(self, horizon: float) -> list[float]:
    (w,) = concrete(self.name, self.warmup_steps)
    return [w] + [w + e for e in self.schedule.phase_changes(horizon - w)]

  def _value(self, k: Array) -> Array:
    return _shapes.warmup_then(k, self.warmup_steps, self.init_value, self.schedule,
                         self.shape)


@factory("warmup")
def warmup(schedule: ScheduleLike, warmup_steps: ArrayLike, *, init_value: ArrayLike = 0.0,
           shape: WarmupShape = "linear") -> Warmup:
  r"""Puts a warmup in front of a schedule, which then starts at step ``W``.

  .. math::
     \eta(t) = \begin{cases} \mathrm{ramp}(v_i, s(0), t/W) & t < W \\
     s(t - W) & t \ge W \end{cases}

  with the ramp ``linear`` :math:`a + (b-a)x`, ``cosine``
  :math:`a + (b-a)(1-\cos\pi x)/2`, ``sqrt`` :math:`a + (b-a)(1-\sqrt{1-x})`
  (transformers' "1-sqrt" warmup) or ``exponential`` :math:`a (b/a)^x`
  (``init_value`` must then be > 0; a traced value <= 0 acts as the smallest
  positive float).

  Args:
    schedule: any schedule (or callable).
    warmup_steps: ``W``, whole number >= 0 (``W = 0``: no warmup).
    init_value: ``v_i``, value at step 0.
    shape: ``"linear"``, ``"cosine"``, ``"sqrt"`` or ``"exponential"`` (static).

  Returns:
    A ``Warmup`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``). From step ``W`` on, the
    child sees ``t - W``.

  Example:
    >>> s = jaxsched.warmup(jaxsched.constant(1.0), 4)
    >>> s(jnp.arange(6)).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
  """
  fn = "warmup"
  shape = _check.choice(fn, "shape", shape, _WARMUP_SHAPES)
  lo = 0.0 if shape == "exponential" else None
  return Warmup(
      _as_schedule(fn, "schedule", schedule),
      _check.steps(fn, "warmup_steps", warmup_steps,
                   fix="Pass the warmup length in steps (0 for none)."),
      init_value=_check.number(
          fn, "init_value", init_value, lo=lo, lo_open=lo is not None,
          fix="An exponential warmup needs a positive start, e.g. 1e-6."),
      shape=shape)


def _leaf_key(x: Any) -> tuple:
  if isinstance(x, (int, float, np.ndarray, np.generic)):  # concrete: no device
    integer = np.asarray(x).dtype.kind in "iu"  # transfer (fast
    return (np.shape(x), "i" if integer else "f")  # joins of 1e5 segments)
  return (np.shape(x), "i" if _shapes.is_int(x) else "f")


def _structure(s: Schedule) -> tuple:
  leaves, treedef = jax.tree_util.tree_flatten(s)
  return (treedef, tuple(_leaf_key(x) for x in leaves))


def _stack_leaves(xs: Sequence[Any]) -> Any:
  if any(_check.is_traced(x) or isinstance(x, jax.Array) for x in xs):
    return _check.stack(xs)
  arr = np.stack([np.asarray(x) for x in xs])
  return _check._int_or_float_array(arr, integer=False)


def stack(schedules: Sequence[S]) -> S:
  r"""Stacks schedules of one family and structure into one batched schedule.

  Every numeric hyperparameter gets a leading axis of ``len(schedules)``, so that
  ``jax.vmap(lambda s: s(step))(jaxsched.stack([...]))`` evaluates the whole
  sweep with one compilation. It is the one way to batch schedules: the
  constructors take one number per scalar hyperparameter and reject a concrete
  list or array (which has no documented meaning on a single schedule).

  Args:
    schedules: a list of schedules with the same family, structure (static
      fields) and hyperparameter shapes; a hyperparameter that is an int in some
      and a float in others is stacked as floats.

  Returns:
    A schedule of the class of ``schedules[0]`` whose every numeric leaf has a
    leading axis of ``len(schedules)``: ``jax.vmap(lambda s: s(step))(stacked)``
    gives one learning rate per schedule, a float array of shape ``(len(schedules),
    *step.shape)``.

  Example:
    >>> sweep = jaxsched.stack([jaxsched.cosine_decay(v, 10) for v in (1., 2.)])
    >>> jax.vmap(lambda s: s(0))(sweep).tolist()
    [1.0, 2.0]
  """
  schedules = _check.items("stack", "schedules", schedules, "schedules",
                           "[cosine_decay(1e-3, 100), cosine_decay(3e-4, 100)]")
  if not schedules:
    raise ValueError("stack: `schedules` must hold at least one schedule, got []. "
                     "Pass a list of schedules of the same family.")
  def shape_key(s: Schedule) -> tuple:  # int and float leaves stack as floats
    treedef, keys = _structure(s)
    return treedef, tuple(shape for shape, _ in keys)

  for i, s in enumerate(schedules):
    if not isinstance(s, Schedule):
      raise ValueError(f"stack: `schedules[{i}]` must be a jaxsched schedule, got "
                       f"schedules[{i}]={_check.shown(s)}. Build it with a "
                       "jaxsched family.")
  first = shape_key(schedules[0])
  for i, s in enumerate(schedules):
    if shape_key(s) != first:
      raise ValueError(
          f"stack: `schedules[{i}]` has another family or structure than "
          f"schedules[0]: {s!r} vs {schedules[0]!r}. Stack schedules that differ "
          "only in their numbers (same family, same static options and the same "
          "number of boundaries).")
  return _stack_same(schedules)


def _stack_same(schedules: Sequence[S]) -> S:
  """Stacks schedules already known to share one structure."""
  return jax.tree_util.tree_map(lambda *xs: _stack_leaves(xs), *schedules)


def _unstack(stacked: Schedule, i: int) -> Schedule:
  return jax.tree_util.tree_map(lambda x: _index(x, i), stacked)


def _index(x: Any, i: int) -> Any:
  v = x[i]
  if isinstance(x, np.ndarray) and v.ndim == 0:
    return v.item()
  return v


@register("join")
class Join(Schedule):
  groups: tuple
  boundaries: ArrayLike
  layout: tuple = static()

  def _args(self) -> dict[str, Any]:
    return {"schedules": self.schedules, "boundaries": self.boundaries}

  @property
  def schedules(self) -> list[Schedule]:
    """The segments, in order."""
    seen = [0] * len(self.groups)
    out = []
    for g in self.layout:
      out.append(_unstack(self.groups[g], seen[g]))
      seen[g] += 1
    return out

  def _phase_changes(self, horizon: float) -> list[float]:
    (b,) = concrete(self.name, self.boundaries)
    starts = [0.0] + [float(x) for x in b]
    ends = starts[1:] + [horizon]
    out = list(starts[1:])
    for s, start, end in zip(self.schedules, starts, ends):
      if start <= horizon:
        out += [start + e for e in s.phase_changes(min(end, horizon) - start)]
    return out

  def _value(self, k: Array) -> Array:
    braw = jnp.asarray(self.boundaries)
    idx = _shapes.searchsorted_right(braw, k)
    if braw.shape[0]:
      start = jnp.where(idx > 0, braw[jnp.maximum(idx - 1, 0)],
                        jnp.zeros((), braw.dtype))
      rel = _shapes.exact_sub(k, start)
    else:
      rel = k
    layout = np.asarray(self.layout, dtype=np.int32)
    pos = np.zeros_like(layout)
    for g in range(len(self.groups)):
      pos[layout == g] = np.arange(int(np.sum(layout == g)))
    out: Array | None = None
    for g, stacked in enumerate(self.groups):
      n = int(np.sum(layout == g))
      if n == 1:
        val = _unstack(stacked, 0)(rel)
      else:
        p = jnp.asarray(pos)[idx].reshape(-1)
        params = jax.tree_util.tree_map(lambda x, p=p: jnp.asarray(x)[p], stacked)
        val = jax.vmap(lambda s, r: s(r))(params, rel.reshape(-1)).reshape(k.shape)
      if out is None:
        out = val
      else:
        out = jnp.where(jnp.asarray(layout)[idx] == g, val, out)
    assert out is not None  # join() makes at least one group
    return out


@factory("join")
def join(schedules: Sequence[ScheduleLike], boundaries: Sequence[ArrayLike] | ArrayLike) -> Join:
  r"""Runs schedules one after another; each sees the step relative to its start.

  .. math:: \eta(t) = s_i(t - b_{i-1}), \qquad b_{i-1} \le t < b_i, \quad b_{-1} = 0

  Segments of the same family and structure are stored stacked and evaluated by
  one gathered call, so a join of a thousand cosine cycles compiles as fast as
  a join of two.

  Args:
    schedules: ``n >= 1`` schedules (or callables).
    boundaries: ``n - 1`` sorted steps where the next schedule takes over.

  Returns:
    A ``Join`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``). Segment ``i`` sees the
    step counted from its boundary ``b_{i-1}``.

  Example:
    >>> s = jaxsched.join([jaxsched.linear(0.0, 1.0, 2), jaxsched.constant(0.5)],
    ...                   [2])
    >>> s(jnp.arange(4)).tolist()
    [0.0, 0.5, 0.5, 0.5]

  References:
    ``optax.join_schedules``; PyTorch ``SequentialLR``.
  """
  fn = "join"
  schedules = _check.items(fn, "schedules", schedules, "schedules",
                           "[warmup, decay]")
  scheds = [_as_schedule(fn, f"schedules[{i}]", s) for i, s in enumerate(schedules)]
  if not scheds:
    raise ValueError("join: `schedules` must hold at least one schedule, got []. "
                     "Pass the schedules to run in order.")
  b = _check.sequence(fn, "boundaries", boundaries, sorted_=True,
                      fix="Pass the steps where each next schedule starts, sorted.")
  _check.same_length(fn, "boundaries", b, "schedules", scheds, 1,
                     fix="Pass one boundary between each pair of schedules.")
  keys: dict[tuple, int] = {}  # structure -> group (a dict: 1e5 segments stay fast)
  members: list[list[Schedule]] = []
  layout = []
  for s in scheds:
    g = keys.setdefault(_structure(s), len(keys))
    if g == len(members):
      members.append([])
    members[g].append(s)
    layout.append(g)
  groups = tuple(_stack_same(m) for m in members)  # grouped by structure above
  return Join(groups, b, layout=tuple(layout))


class _Pointwise(Schedule):
  """A pointwise fold of the children's values with ``_op`` (product, sum)."""

  _op: ClassVar[Callable[..., Any]]  # a staticmethod: (a, b) -> a op b
  if TYPE_CHECKING:  # the subclasses' dataclass field
    schedules: tuple

  def _phase_changes(self, horizon: float) -> list[float]:
    return [e for s in self.schedules for e in s.phase_changes(horizon)]

  def _value(self, k: Array) -> Array:
    return functools.reduce(self._op, [s(k) for s in self.schedules])


def _terms(fn: str, schedules: Any, example: str, what: str) -> tuple:
  """The children of a product or sum: schedules, callables, numbers as constants."""
  schedules = _check.items(fn, "schedules", schedules, "schedules or numbers",
                           example)
  items = [_as_factor(fn, f"schedules[{i}]", s) for i, s in enumerate(schedules)]
  if not items:
    raise ValueError(f"{fn}: `schedules` must hold at least one schedule, got "
                     f"[]. Pass the {what}.")
  return tuple(items)


@register("product")
class Product(_Pointwise):
  schedules: tuple
  _op = staticmethod(operator.mul)


@factory("product")
def product(schedules: Sequence[ScheduleLike | ArrayLike]) -> Product:
  r"""Pointwise product of schedules: ``s * t`` (chains multiplicative schedules).

  .. math:: \eta(t) = \prod_i s_i(t)

  Args:
    schedules: schedules or callables; numbers become constants.

  Returns:
    A ``Product`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``). Its value is the product
    of the children's values at the step.

  Example:
    >>> s = jaxsched.linear(1.0, 0.0, 4) * jaxsched.constant(0.5)
    >>> s(jnp.arange(3)).tolist()
    [0.5, 0.375, 0.25]
  """
  return Product(_terms("product", schedules, "[decay, 0.5]", "factors"))


@register("add")
class Sum(_Pointwise):
  schedules: tuple
  _op = staticmethod(operator.add)


@factory("add")
def add(schedules: Sequence[ScheduleLike | ArrayLike]) -> Sum:
  r"""Pointwise sum of schedules: ``s + t`` (for example a floor under a decay).

  .. math:: \eta(t) = \sum_i s_i(t)

  Args:
    schedules: schedules or callables; numbers become constants.

  Returns:
    A ``Sum`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer step
    or an array of steps of any shape, is the learning rate as a float array of that
    shape (float32; float64 under ``jax_enable_x64``). Its value is the sum of the
    children's values at the step.

  Example:
    >>> s = jaxsched.linear(1.0, 0.0, 4) + 0.1
    >>> np.asarray(s(jnp.arange(6)), float).round(4).tolist()
    [1.1, 0.85, 0.6, 0.35, 0.1, 0.1]
  """
  return Sum(_terms("add", schedules, "[decay, 1e-5]", "terms"))


@register("scale")
class Scale(Schedule):
  schedule: Schedule
  factor: ArrayLike

  def _phase_changes(self, horizon: float) -> list[float]:
    return list(self.schedule.phase_changes(horizon))

  def _value(self, k: Array) -> Array:
    return self.schedule(k) * _shapes.to_float(self.factor)


@factory("scale")
def scale(schedule: ScheduleLike, factor: ArrayLike) -> Scale:
  r"""A schedule multiplied by a number: ``s * 2.0``.

  .. math:: \eta(t) = c\, s(t)

  Args:
    schedule: any schedule or callable.
    factor: ``c``, any finite number (may be traced).

  Returns:
    A ``Scale`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``). Its value is ``factor``
    times the child's value at the step.

  Example:
    >>> (jaxsched.constant(0.5) * 4.0)(0).tolist()
    2.0
  """
  return Scale(_as_schedule("scale", "schedule", schedule),
               _check.number("scale", "factor", factor))


@register("repeat")
class Repeat(Schedule):
  schedule: Schedule
  period: ArrayLike

  def _phase_changes(self, horizon: float) -> list[float]:
    (p,) = concrete(self.name, self.period)
    inner = [e for e in self.schedule.phase_changes(float(p)) if e < p]
    out: list[float] = []
    for start in every(0.0, float(p), horizon):
      out += [start] + [start + e for e in inner]
      if len(out) > MAX_EVENTS:
        break
    return out

  def _value(self, k: Array) -> Array:
    return self.schedule(_shapes.mod(k, self.period))


@factory("repeat")
def repeat(schedule: ScheduleLike, period: ArrayLike) -> Repeat:
  r"""Repeats a schedule every ``period`` steps.

  .. math:: \eta(t) = s(t \bmod P)

  Args:
    schedule: any schedule or callable.
    period: ``P > 0`` steps (integer steps and periods are exact; a traced value
      <= 0 acts as 1).

  Returns:
    A ``Repeat`` schedule (a frozen dataclass pytree): ``s(step)``, for an integer
    step or an array of steps of any shape, is the learning rate as a float array of
    that shape (float32; float64 under ``jax_enable_x64``). The child sees the step
    within the current repetition.

  Example:
    >>> s = jaxsched.repeat(jaxsched.linear(1.0, 0.0, 2), 3)
    >>> s(jnp.arange(6)).tolist()
    [1.0, 0.5, 0.0, 1.0, 0.5, 0.0]
  """
  return Repeat(_as_schedule("repeat", "schedule", schedule),
                _check.number("repeat", "period", period, steps=True, lo=0, lo_open=True,
                              fix="Pass the length of one repetition in steps."))


@register("epochwise")
class Epochwise(Schedule):
  schedule: Schedule
  steps_per_epoch: ArrayLike

  def _phase_changes(self, horizon: float) -> list[float]:
    (spe,) = concrete(self.name, self.steps_per_epoch)
    spe = float(spe) if spe > 0 else 1.0
    epochs = self.schedule.phase_changes(horizon / spe)
    return [float(np.ceil(e)) * spe for e in epochs]

  def _value(self, k: Array) -> Array:
    return self.schedule(_shapes.floor_div_raw(k, self.steps_per_epoch))


@factory("epochwise")
def epochwise(schedule: ScheduleLike, steps_per_epoch: ArrayLike) -> Epochwise:
  r"""Drives a per-epoch schedule with the step count.

  .. math:: \eta(t) = s(\lfloor t / E \rfloor)

  Args:
    schedule: a schedule whose argument counts epochs (e.g. a PyTorch-style
      ``StepLR`` stepped once per epoch).
    steps_per_epoch: ``E``, whole number >= 1 (traced values below 1 act as 1).

  Returns:
    An ``Epochwise`` schedule (a frozen dataclass pytree): ``s(step)``, for an
    integer step or an array of steps of any shape, is the learning rate as a float
    array of that shape (float32; float64 under ``jax_enable_x64``). Its argument is
    the optimizer step; the wrapped schedule sees the epoch.

  Example:
    >>> s = jaxsched.epochwise(jaxsched.step_decay(1.0, 1, gamma=0.5), 3)
    >>> s(jnp.arange(7)).tolist()
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
  """
  return Epochwise(
      _as_schedule("epochwise", "schedule", schedule),
      _check.steps("epochwise", "steps_per_epoch", steps_per_epoch,
                   positive=True, fix="Pass the number of optimizer steps per epoch."))


# what the arithmetic operators of every schedule build (see Schedule.__mul__)
_base.OPERATORS.update(product=product, scale=scale, add=add)
