"""Schedules carried in the optimizer state: one compiled ``update`` for a sweep.

``optax.inject_hyperparams(optax.adam)(learning_rate=s)`` closes ``update`` over
``s``, so a jitted step recompiles for every new schedule. Here the schedule
pytrees themselves live in the state, so ``update`` depends only on their
structure: a new schedule is a new state (:func:`with_schedule`), and
``jax.vmap`` over stacked states (or over stacked schedules) runs a sweep.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.typing import ArrayLike, DTypeLike

from jaxsched import _shapes
from jaxsched._base import PyTree, Schedule


class InjectSchedulesState(NamedTuple):
  """State of :func:`inject_schedules`.

  Attributes:
    count: ``update`` calls so far (int32, saturating at 2**31 - 1); the
      schedules are evaluated at it.
    schedules: ``{name: schedule}``, the schedule pytrees themselves (their
      numbers are arrays in the state, so they are traced, vmapped and
      checkpointed with it).
    hyperparams: ``{name: value}`` for every numeric hyperparameter: for a
      scheduled one, the value the last ``update`` used (its value at step 0
      before the first); for an unscheduled one, the value ``update`` uses.
      ``jaxsched.current_lr`` reads ``hyperparams["learning_rate"]``.
    inner_state: the wrapped transformation's state.
  """
  count: jax.Array  # type: ignore[assignment]  # optax names it count; shadows tuple.count
  schedules: dict[str, Schedule]
  hyperparams: dict[str, jax.Array]
  inner_state: PyTree  # the wrapped transformation's state


def _fn_name(fn: str, name: str, value: Any) -> ValueError:
  return ValueError(
      f"{fn}: `{name}` is a callable that is not a jaxsched schedule, got "
      f"{name}={value!r}; a plain function cannot be carried in the optimizer "
      "state (its numbers would be baked into `update`). Pass a jaxsched schedule "
      "(jaxsched.compat.optax has optax's schedule functions with the same "
      "arguments), or, if it is not a schedule (a mask function), name it in "
      "`static_args`.")


def _is_numeric(value: Any) -> bool:
  if isinstance(value, (bool, np.bool_)):
    return False
  if isinstance(value, (int, float, np.number, jax.Array, jax.core.Tracer)):
    return True
  return isinstance(value, np.ndarray) and value.dtype.kind in "iuf"


def _as_arrays(schedule: Any) -> Any:
  """The schedule with every concrete leaf a JAX array (strongly typed)."""
  def leaf(x: Any) -> Any:
    if isinstance(x, (jax.Array, jax.core.Tracer)):
      return x
    return jnp.asarray(np.asarray(x))
  return jax.tree.map(leaf, schedule)


def _cast(value: Any, dtype: Any) -> jax.Array:
  value = jnp.asarray(value)
  if dtype is not None and jnp.issubdtype(value.dtype, jnp.floating):
    return value.astype(dtype)
  return value


def _float_dtype(params: Any, dtype: Any) -> Any:
  if dtype is not None:
    return dtype
  leaves = [x for x in jax.tree.leaves(params)
            if jnp.issubdtype(jnp.result_type(x), jnp.floating)]
  if not leaves:
    return None
  return max((jnp.result_type(x) for x in leaves), key=lambda d: d.itemsize)


def _update_fn(inner_factory: Callable[..., Any], static: dict[str, Any]
               ) -> Callable[..., Any]:
  def update(updates: Any, state: InjectSchedulesState, params: Any = None,
             **extra_args: Any) -> tuple[Any, InjectSchedulesState]:
    hp = dict(state.hyperparams)
    for name, schedule in state.schedules.items():
      hp[name] = _cast(schedule(state.count), hp[name].dtype)
    inner = optax.with_extra_args_support(inner_factory(**static, **hp))
    updates, inner_state = inner.update(updates, state.inner_state, params,
                                        **extra_args)
    return updates, InjectSchedulesState(_shapes.increment_saturating(state.count),
                                         state.schedules, hp, inner_state)
  return update


@functools.lru_cache(maxsize=256)
def _cached_update_fn(inner_factory: Callable[..., Any],
                      static: tuple[tuple[str, type, Any], ...]
                      ) -> Callable[..., Any]:
  return _update_fn(inner_factory, {k: v for k, _, v in static})


def inject_schedules(inner_factory: Callable[..., Any],
                     static_args: str | Iterable[str] = (),
                     hyperparam_dtype: DTypeLike | None = None) -> Callable[..., Any]:
  r"""Like ``optax.inject_hyperparams``, with the schedules held in the state.

  ``inject_schedules(optax.adam)(learning_rate=s, b1=0.9)`` builds the optimizer
  ``optax.adam`` whose numeric hyperparameters are read from its state at every
  ``update``: a jaxsched schedule ``s`` is stored *as a pytree* in
  ``state.schedules`` and evaluated at the update count,

  .. math::
      \mathrm{hp}_k = s(\mathrm{count}_k), \qquad
      \mathrm{count}_{k+1} = \min(\mathrm{count}_k + 1, 2^{31} - 1),

  and a number is stored in ``state.hyperparams`` and used as it is. Nothing
  numeric is closed over, so ``update`` is one function (one trace, one
  compilation under ``jax.jit``) for every schedule of the same structure: a new
  schedule is a new state, from :func:`with_schedule`, and ``jax.vmap`` over a
  stacked state (or over ``jaxsched.stack``-ed schedules passed to
  :func:`with_schedule` inside the vmapped function) runs a sweep. Optimizers
  built by the same ``inner_factory`` with equal static arguments even share the
  same ``update`` function object, so ``jax.jit(opt.update)`` is not retraced
  when the optimizer is rebuilt with another schedule. Any numeric
  hyperparameter may be scheduled (``learning_rate``, ``weight_decay``, ``b1``,
  ``momentum``, an EMA ``decay``, ...); the state is an ordinary optax state: it
  works inside ``optax.chain``, ``jaxsched.current_lr`` finds its
  ``hyperparams``, and it checkpoints with the rest of the state.

  Args:
    inner_factory: a function returning an optax ``GradientTransformation``
      (``optax.adam``, ``optax.sgd``, ``jaxsched.layerwise_decay``, ...).
    static_args: names of arguments passed to ``inner_factory`` unchanged
      (callables that are not schedules, such as a mask or a depth function;
      non-numeric values, booleans and ``None`` are passed unchanged anyway).
    hyperparam_dtype: dtype of floating hyperparameters; by default the widest
      floating dtype of the parameters given to ``init``.

  Returns:
    A function taking ``inner_factory``'s arguments (schedules allowed in place
    of numbers) and returning an ``optax.GradientTransformationExtraArgs`` whose
    state is an :class:`InjectSchedulesState`.

  Raises:
    ValueError: if ``static_args`` names an argument ``inner_factory`` lacks, or
      a hyperparameter is a callable that is not a jaxsched schedule (it could
      not be carried in the state).

  A traced schedule or number is carried like a concrete one (that is how a
  sweep works); an out-of-range traced value does what ``inner_factory`` does
  with it.

  Example:
    >>> import optax
    >>> opt = jaxsched.inject_schedules(optax.sgd)(
    ...     learning_rate=jaxsched.linear(1.0, 0.0, 10))
    >>> state = opt.init(jnp.zeros(2))
    >>> state = jaxsched.with_schedule(state,
    ...                                learning_rate=jaxsched.linear(2.0, 0.0, 10))
    >>> upd, state = jax.jit(opt.update)(jnp.ones(2), state)
    >>> upd.tolist(), float(jaxsched.current_lr(state))
    ([-2.0, -2.0], 2.0)
  """
  fn = "inject_schedules"
  static_names = {static_args} if isinstance(static_args, str) else set(static_args)
  signature = inspect.signature(inner_factory)
  unknown = static_names - set(signature.parameters)
  if unknown:
    raise ValueError(
        f"{fn}: `static_args` must name arguments of "
        f"{getattr(inner_factory, '__name__', inner_factory)!s}, got "
        f"static_args={sorted(static_names)!r} (unknown: {sorted(unknown)!r}). "
        f"Its arguments are {list(signature.parameters)!r}.")

  @functools.wraps(inner_factory)
  def build(*args: Any, **kwargs: Any) -> optax.GradientTransformationExtraArgs:
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    schedules: dict[str, Any] = {}
    numbers: dict[str, Any] = {}
    static: dict[str, Any] = {}
    for name, value in bound.arguments.items():
      kind = signature.parameters[name].kind
      if kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
        raise ValueError(
            f"{fn}: `{getattr(inner_factory, '__name__', 'inner_factory')}` "
            f"takes *{name}, got {name}={value!r}; inject_schedules needs named "
            "arguments. Wrap the factory in a function with named arguments.")
      if name in static_names:
        static[name] = value
      elif isinstance(value, Schedule):
        schedules[name] = value
      elif callable(value):
        raise _fn_name(fn, name, value)
      elif _is_numeric(value):
        numbers[name] = value
      else:
        static[name] = value
    try:
      update = _cached_update_fn(inner_factory, tuple(
          (k, type(v), v) for k, v in sorted(static.items())))
    except TypeError:  # an unhashable static argument: a fresh function
      update = _update_fn(inner_factory, static)

    def init(params: Any) -> InjectSchedulesState:
      dtype = _float_dtype(params, hyperparam_dtype)
      count = jnp.zeros((), jnp.int32)
      held = {k: _as_arrays(s) for k, s in schedules.items()}
      hp = {k: _cast(v, dtype) for k, v in numbers.items()}
      hp.update({k: _cast(s(count), dtype) for k, s in held.items()})
      inner = inner_factory(**static, **hp)
      return InjectSchedulesState(count, held, hp, inner.init(params))

    return optax.GradientTransformationExtraArgs(init, update)

  return build


def _is_state(node: Any) -> bool:
  return isinstance(node, InjectSchedulesState)


def with_schedule(opt_state: PyTree, **hyperparams: Schedule | ArrayLike) -> PyTree:
  r"""A new optimizer state with other schedules or values for hyperparameters.

  For every ``name=value``, every :class:`InjectSchedulesState` inside
  ``opt_state`` (at any depth of ``optax.chain``, ``optax.multi_transform``,
  tuples, lists and dicts) that holds ``name`` gets it replaced; everything
  else (moments, counts) is kept. A jaxsched schedule goes into
  ``state.schedules`` and a number into ``state.hyperparams``; ``hyperparams
  [name]`` becomes the new value at the last update's step,

  .. math::
      \mathrm{hyperparams}[\mathrm{name}] = s(\max(\mathrm{count} - 1, 0)),

  so that ``jaxsched.current_lr`` reads the new schedule at once. A schedule
  of the same structure as the old one gives a state of the same structure (no
  recompilation of a jitted ``update``); another family, or a number in place
  of a schedule, changes the structure (one new compilation). Works on traced
  schedules, e.g. inside ``jax.vmap`` over ``jaxsched.stack([...])``.

  Args:
    opt_state: an optimizer state containing :func:`inject_schedules` states.
    **hyperparams: ``name=schedule`` or ``name=number``.

  Returns:
    The new state (``opt_state`` is not modified). To change only one of
    several injected states holding the same name, call it on that sub-state.

  Raises:
    ValueError: if no injected state holds a name, or a value is a callable
      that is not a jaxsched schedule.

  Example:
    >>> import optax
    >>> opt = jaxsched.inject_schedules(optax.adamw)(
    ...     learning_rate=jaxsched.constant(1e-3), weight_decay=1e-4)
    >>> state = opt.init({"w": jnp.zeros(3)})
    >>> state = jaxsched.with_schedule(
    ...     state, learning_rate=jaxsched.cosine_decay(3e-3, 100),
    ...     weight_decay=jaxsched.linear(0.0, 1e-2, 100))
    >>> round(float(jaxsched.current_lr(state)), 6)
    0.003
  """
  fn = "with_schedule"
  found: dict[str, int] = {k: 0 for k in hyperparams}
  for name, value in hyperparams.items():
    if callable(value) and not isinstance(value, Schedule):
      raise _fn_name(fn, name, value)
    if not isinstance(value, Schedule) and not _is_numeric(value):
      raise ValueError(
          f"{fn}: `{name}` must be a jaxsched schedule or a number, got "
          f"{name}={value!r}. Pass e.g. {name}=jaxsched.constant(...).")

  def replace(state: InjectSchedulesState) -> InjectSchedulesState:
    schedules, hp = dict(state.schedules), dict(state.hyperparams)
    step = jnp.maximum(state.count - 1, 0)
    for name, value in hyperparams.items():
      if name not in hp:
        continue
      found[name] += 1
      dtype = jnp.result_type(hp[name])
      if isinstance(value, Schedule):
        schedules[name] = _as_arrays(value)
        hp[name] = _cast(schedules[name](step), dtype)
      else:
        schedules.pop(name, None)
        hp[name] = _cast(value, dtype)
    return state._replace(schedules=schedules, hyperparams=hp)

  new = jax.tree.map(lambda n: replace(n) if _is_state(n) else n, opt_state,
                     is_leaf=_is_state)
  missing = [k for k, n in found.items() if n == 0]
  if missing:
    held = sorted({k for n in jax.tree.leaves(opt_state, is_leaf=_is_state)
                   if _is_state(n) for k in n.hyperparams})
    raise ValueError(
        f"{fn}: no jaxsched.inject_schedules state in opt_state holds "
        f"{', '.join(f'`{k}`' for k in missing)}; the injected hyperparameters "
        f"are {held!r}. Build the optimizer with "
        f"jaxsched.inject_schedules(...)({missing[0]}=...).")
  return new
