"""Plateaus in optax: a stateful schedule, and a gradient transformation.

* :func:`plateau_schedule` pairs a base schedule with a plateau as one optax
  ``StatefulSchedule``, for ``optax.inject_hyperparams`` (and the deprecated
  ``optax.inject_stateful_hyperparams``).
* :func:`scale_by_plateau` scales the updates by the plateau's value, reading the
  metric from the ``value=`` extra argument, like ``optax.contrib.reduce_on_plateau``.
* :func:`plateau_step` feeds one metric (a validation loss, at evaluation time) to
  every plateau held anywhere in an optax state; updates without ``value=`` leave
  the plateaus untouched.

Both states carry the plateau's hyperparameters (``rule``), so that
:func:`plateau_step` needs nothing but the state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.typing import ArrayLike

from jaxsched import _check, _frameworks, _pytree, _shapes
from jaxsched._base import PyTree, ScheduleLike
from jaxsched._plateau import PlateauState


class Plateau(Protocol):
  """What :func:`plateau_schedule` and :func:`scale_by_plateau` take: a
  :class:`ReduceOnPlateau`, or any object with these three methods (checked by
  duck typing at run time; its state may be any pytree)."""

  def init(self) -> Any: ...

  def update(self, state: Any, value: Any, /) -> Any: ...

  def __call__(self, state: Any, /) -> Any: ...


def _is_plateau(p: Any) -> bool:
  return all(callable(getattr(p, m, None)) for m in ("init", "update", "__call__"))


@_pytree.dataclass
class PlateauScheduleState:
  """State of a :func:`plateau_schedule`: the step count and the plateau state.

  Attributes:
    count: ``update`` calls so far (int32, saturating at 2**31 - 1); the base
      schedule is evaluated at it.
    plateau: the plateau's state (:class:`PlateauState`).
    rule: the plateau itself (a :class:`ReduceOnPlateau`, hyperparameters as
      JAX-array leaves), copied by ``init``; its decisions follow these
      numbers, so that :func:`plateau_step` needs only the state. ``None``
      for a custom plateau that is not a pytree (then the schedule's own
      plateau decides, and :func:`plateau_step` cannot reach it).
    single: structure, set by ``init``: ``True`` when the plateau's
      ``accumulation`` was a concrete 1, so that every metric is one decision
      and the compiled update has no accumulation window, although the rule's
      numbers are traced inside ``jit`` or ``scan``. A rule swapped into the
      state later must keep ``accumulation=1``.
  """

  count: jax.Array
  plateau: Any  # the plateau's state: a PlateauState for a ReduceOnPlateau
  rule: Plateau | None
  single: bool = _pytree.static(default=False)


@_pytree.dataclass
class ScaleByPlateauState:
  """State of :func:`scale_by_plateau`: the plateau's state and its rule.

  ``p(state)`` reads it as it reads a :class:`PlateauState` (``state.value`` is
  the current scale).

  Attributes:
    plateau: the plateau's state (:class:`PlateauState`).
    rule: the plateau (a :class:`ReduceOnPlateau`), copied by ``init``
      (``None`` for a custom plateau that is not a pytree).
    single: structure: ``True`` when ``accumulation`` was a concrete 1 at
      ``init`` (as in :class:`PlateauScheduleState`).
  """

  plateau: Any  # the plateau's state: a PlateauState for a ReduceOnPlateau
  rule: Plateau | None
  single: bool = _pytree.static(default=False)

  @property
  def value(self) -> Any:
    """The current scale, ``plateau.value``."""
    return self.plateau.value


@_pytree.dataclass
class PlateauSchedule:
  """``schedule(count) * plateau(state)`` as an optax ``StatefulSchedule``.

  Build it with :func:`plateau_schedule`. Both fields are pytree children, so a
  jaxsched schedule's and the plateau's numbers stay traceable; a plain function
  schedule is held in a ``jax.tree_util.Partial``.
  """

  schedule: ScheduleLike
  plateau: Plateau

  def init(self) -> PlateauScheduleState:
    """Count 0, the plateau's initial state and the plateau itself."""
    return PlateauScheduleState(count=jnp.zeros((), jnp.int32),
                                plateau=self.plateau.init(),
                                rule=_as_leaves(self.plateau),
                                single=_decides_every_metric(self.plateau))

  def update(self, state: PlateauScheduleState, value: ArrayLike | None = None,
             **extra_args: Any) -> PlateauScheduleState:
    """Counts one step; feeds ``value`` (the metric) to the plateau if given.

    ``value=None`` (or no ``value``: optax passes only the extra arguments the
    caller gave) leaves the plateau untouched, so the plateau decides only on
    the steps that bring a metric, or through :func:`plateau_step`.
    """
    del extra_args
    state = _checked_state("PlateauSchedule.update", state)
    count = _shapes.increment_saturating(jnp.asarray(state.count))
    if value is None:
      return dataclasses.replace(state, count=count)
    rule = self.plateau if state.rule is None else state.rule
    return dataclasses.replace(state, count=count,
                               plateau=_feed(rule, state.plateau, value,
                                             state.single))

  def __call__(self, state: PlateauScheduleState, **extra_args: Any) -> jax.Array:
    """The learning rate ``schedule(count) * plateau(plateau_state)``."""
    del extra_args
    state = _checked_state("PlateauSchedule", state)
    scale = jnp.asarray(self.plateau(state.plateau))
    base = jnp.asarray(self.schedule(jnp.asarray(state.count)))
    return base.astype(scale.dtype) * scale

  def replace(self, **changes: Any) -> PlateauSchedule:
    """``dataclasses.replace(self, **changes)``."""
    return dataclasses.replace(self, **changes)


_MISUSE = (
    "{fn}: a plateau_schedule is an optax StatefulSchedule, called with its "
    "state (a PlateauScheduleState), got {got}. It cannot be a plain step -> "
    "value schedule, because the plateau needs its state. Write "
    "optax.inject_hyperparams(optax.adamw)(learning_rate=plateau_schedule(...)) "
    "instead of optax.adamw(plateau_schedule(...)); to plot or evaluate the base "
    "curve, use its .schedule (jaxsched.plot(ps.schedule, steps)); to read the "
    "current rate, use jaxsched.current_lr(opt_state).")


def _as_leaves(plateau: Any) -> Any:
  """The plateau with JAX-array leaves, as a jitted update returns them, so that
  a fresh ``init`` and a trained state have the same leaf types (a checkpoint
  target made by ``init`` then restores every leaf with its saved dtype)."""
  leaves = jax.tree_util.tree_leaves(plateau)
  if len(leaves) == 1 and leaves[0] is plateau:
    return None  # a custom plateau object, not a pytree: kept out of the state
  return jax.tree.map(jnp.asarray, plateau)


def _checked_state(fn: str, state: Any) -> PlateauScheduleState:
  if isinstance(state, Mapping):
    raise TypeError(
        f"{fn}: got a dict instead of a PlateauScheduleState (a checkpoint "
        "restored without a target?). Restore with the target opt.init(params), "
        "or rebuild the state with jaxsched.restore_like(opt.init(params), "
        "restored).")
  if not isinstance(state, PlateauScheduleState):
    got = (f"a {type(state).__name__} of shape {jnp.shape(state)}"
           if hasattr(state, "shape") or isinstance(state, (int, float))
           else f"{type(state).__name__}")
    raise TypeError(_MISUSE.format(fn=fn, got=got))
  return state


def _decides_every_metric(plateau: Any) -> bool:
  """Whether ``plateau.accumulation`` is a concrete 1 (or absent)."""
  acc = getattr(plateau, "accumulation", None)
  if acc is None or _check.is_traced(acc) or np.ndim(acc) != 0:
    return False
  return bool(np.asarray(acc) == 1)


def _feed(rule: Any, state: Any, value: Any, single: bool = False) -> Any:
  """``rule.update(state, value=value)``: one metric into one plateau.

  ``single`` (the state's flag): the rule's accumulation is 1, given as a
  concrete number so that the update compiles without the accumulation window
  even where the state's copy of the rule is traced.
  """
  if single and hasattr(rule, "accumulation"):
    rule = dataclasses.replace(rule, accumulation=1)
  return rule.update(state, value=value)


def plateau_schedule(schedule: ScheduleLike, plateau: Plateau) -> PlateauSchedule:
  r"""Pairs a base schedule with a plateau as one optax ``StatefulSchedule``.

  .. math::

    \mathrm{lr}_t = \mathrm{schedule}(t) \cdot p(\mathrm{state}_t)

  where :math:`t` counts the ``update`` calls and each ``update(state, value=m)``
  feeds the metric :math:`m` to the plateau. Inside
  ``optax.inject_hyperparams(opt)(learning_rate=plateau_schedule(...))`` the
  learning rate of a step is computed before that step's ``value=`` is fed, as for
  optax's own stateful schedules. An ``update`` without ``value`` (or with
  ``value=None``) counts the step and leaves the plateau untouched: pass
  ``value=`` only with the updates that bring a metric, or feed the metric at
  evaluation time with :func:`plateau_step`. When the metric is a per-step
  training loss passed to every update, give the plateau
  ``accumulation=steps_per_epoch`` so that it decides on epoch means.

  A plateau schedule is not a plain ``step -> value`` schedule:
  ``optax.adamw(plateau_schedule(...))`` and ``jaxsched.plot(...)`` of it raise
  a ``TypeError`` saying what to write instead.

  Args:
    schedule: any ``step -> value`` callable (a jaxsched or optax schedule, a
      constant via ``lambda step: 1e-3``).
    plateau: a plateau from :func:`reduce_on_plateau` (``init_value=1.0``: a
      scale) or any object with ``init``, ``update(state, value=...)`` and
      ``__call__(state)``.

  Returns:
    A :class:`PlateauSchedule` (a frozen dataclass pytree) with ``init()``,
    ``update(state, value=None)`` and ``__call__(state)``.

  Raises:
    ValueError: if ``schedule`` is not callable or ``plateau`` is not a plateau.

  Example:
    >>> import optax
    >>> lr = jaxsched.plateau_schedule(
    ...     optax.linear_schedule(1.0, 0.5, 4),
    ...     jaxsched.reduce_on_plateau(factor=0.1, patience=0))
    >>> opt = optax.inject_hyperparams(optax.sgd)(learning_rate=lr)
    >>> params = jnp.zeros(())
    >>> opt_state = opt.init(params)
    >>> for loss in [1.0, 0.5, 0.7, 0.4]:  # 0.7: no improvement, patience 0
    ...   _, opt_state = opt.update(jnp.ones(()), opt_state, params, value=loss)
    ...   print(f"{float(lr(opt_state.hyperparams_states['learning_rate'])):.4f}")
    0.8750
    0.7500
    0.0625
    0.0500

  References:
    ``optax.inject_hyperparams`` and ``optax.schedules.StatefulSchedule``.
  """
  fn = "plateau_schedule"
  if not callable(schedule):
    raise _check.fail(fn, "schedule", "a callable step -> value", schedule,
                "Pass a schedule such as jaxsched.cosine_decay(...) or "
                "optax.linear_schedule(...).")
  if not _is_plateau(plateau):
    raise _check.fail(fn, "plateau", "a plateau with init, update and __call__",
                plateau, "Pass jaxsched.reduce_on_plateau(...).")
  if jax.tree_util.all_leaves([schedule]):
    schedule = jax.tree_util.Partial(schedule)
  return PlateauSchedule(schedule=schedule, plateau=plateau)


def scale_by_plateau(plateau: Plateau) -> optax.GradientTransformationExtraArgs:
  r"""Scales updates by a plateau's value, fed by the ``value=`` extra argument.

  .. math::

    \mathrm{state}' = p.\mathrm{update}(\mathrm{state}, \mathrm{value}), \qquad
    u' = u \cdot p(\mathrm{state}')

  The state is a :class:`ScaleByPlateauState` (the plateau's state and the
  plateau itself; ``p(state)`` reads its scale). As in
  ``optax.contrib.reduce_on_plateau``, the new scale already applies to the update
  that brings the metric. Put it after the optimizer:
  ``optax.chain(optax.sgd(lr), scale_by_plateau(p))`` and call
  ``opt.update(grads, opt_state, params, value=loss)``; the other members of the
  chain ignore ``value``. An update without ``value`` (or ``value=None``) scales
  by the current value and leaves the plateau untouched: evaluate every N steps
  and feed the metric then, with ``value=`` or :func:`plateau_step`. The scale is
  cast to each update's dtype.

  Args:
    plateau: a plateau from :func:`reduce_on_plateau` (``init_value=1.0``).

  Returns:
    An ``optax.GradientTransformationExtraArgs``; ``update`` takes an optional
    ``value=``.

  Raises:
    ValueError: if ``plateau`` is not a plateau.

  Example:
    >>> import optax
    >>> p = jaxsched.reduce_on_plateau(factor=0.5, patience=0)
    >>> opt = optax.chain(optax.sgd(0.1), jaxsched.scale_by_plateau(p))
    >>> params = jnp.zeros(())
    >>> opt_state = opt.init(params)
    >>> for loss in [1.0, 2.0]:
    ...   updates, opt_state = opt.update(jnp.ones(()), opt_state, params,
    ...                                   value=loss)
    ...   print(f"{float(updates):.3f} {float(p(opt_state[1])):.1f}")
    -0.100 1.0
    -0.050 0.5

  References:
    ``optax.contrib.reduce_on_plateau``.
  """
  if not _is_plateau(plateau):
    raise _check.fail("scale_by_plateau", "plateau",
                "a plateau with init, update and __call__", plateau,
                "Pass jaxsched.reduce_on_plateau(...).")

  def init_fn(params: Any) -> ScaleByPlateauState:
    del params
    return ScaleByPlateauState(plateau=plateau.init(), rule=_as_leaves(plateau),
                               single=_decides_every_metric(plateau))

  def update_fn(updates: Any, state: Any, params: Any = None, *,
                value: Any = None, **extra_args: Any) -> tuple[Any, Any]:
    del params, extra_args
    rule = plateau if state.rule is None else state.rule
    if value is not None:
      state = dataclasses.replace(
          state, plateau=_feed(rule, state.plateau, value, state.single))
    scale = jnp.asarray(rule(state.plateau))
    updates = jax.tree.map(lambda u: u * scale.astype(u.dtype), updates)
    return updates, state

  return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def _is_holder(x: Any) -> bool:
  return isinstance(x, (PlateauScheduleState, ScaleByPlateauState))


def plateau_step(opt_state: PyTree, value: ArrayLike) -> PyTree:
  r"""Feeds one metric to the plateau(s) held in an optimizer state.

  For every state of :func:`scale_by_plateau` and of :func:`plateau_schedule`
  (inside ``optax.inject_hyperparams``) found anywhere in ``opt_state``
  (``optax.chain``, ``optax.multi_transform``, ``optax.MultiSteps``, any nesting
  of tuples, lists, dicts and named tuples):

  .. math::

    \mathrm{state}' = p.\mathrm{update}(\mathrm{state}, \mathrm{value})

  with the plateau's own rule ``p`` (kept in the state as ``rule``). Nothing else
  changes: no step is counted, no parameter moves. Use it at evaluation time and
  run the training updates without ``value=`` (they leave the plateau alone); the
  new learning rate applies from the next update (``current_lr`` reports the rate
  of the last update until then). Pure and jittable: a traced ``value`` is fine,
  and a NaN metric counts as no improvement, as in :func:`reduce_on_plateau`.

  An ``nnx.Optimizer`` (or its ``opt_state``) is updated in place, as NNX does,
  also under ``nnx.jit``, and returned.

  Args:
    opt_state: an optax optimizer state, or an ``nnx.Optimizer``.
    value: the metric, a scalar (Python, NumPy or JAX).

  Returns:
    The new optimizer state, of the same structure (the ``nnx.Optimizer``
    itself, updated, when one is passed).

  Raises:
    ValueError: no plateau in ``opt_state`` (the message says what it looked
      for), ``value`` is ``None`` or not a scalar.

  Example:
    >>> import optax
    >>> p = jaxsched.reduce_on_plateau(factor=0.5, patience=0)
    >>> opt = optax.chain(optax.sgd(0.1), jaxsched.scale_by_plateau(p))
    >>> params = jnp.zeros(())
    >>> opt_state = opt.init(params)
    >>> for val_loss in [1.0, 2.0]:  # evaluations, between training updates
    ...   _, opt_state = opt.update(jnp.ones(()), opt_state, params)  # no value
    ...   opt_state = jaxsched.plateau_step(opt_state, val_loss)
    ...   print(float(p(opt_state[1])))
    1.0
    0.5
  """
  fn = "plateau_step"
  nnx_target = None
  if _frameworks.nnx_optimizer(opt_state) is not None or \
      _frameworks.has_variables(opt_state):
    nnx_target = opt_state
    if isinstance(opt_state, _frameworks._nnx().State):
      raise ValueError(
          f"{fn}: `opt_state` is an nnx.State, whose optax states have become "
          "plain dicts. Pass the nnx.Optimizer itself (updated in place) or its "
          ".opt_state.")
    opt_state = _frameworks.pure(opt_state)
  if value is None:
    raise ValueError(
        f"{fn}: `value` must be a scalar metric, got value=None. Pass the "
        "evaluation metric, e.g. plateau_step(opt_state, val_loss).")
  fed = []

  def feed(node: Any) -> Any:
    if not _is_holder(node):
      return node
    if node.rule is None:
      raise ValueError(
          f"{fn}: the {type(node).__name__} in `opt_state` holds a custom "
          "plateau that is not a pytree, so its rule is not in the state. "
          "Pass value= to the optimizer's update instead, or use "
          "jaxsched.reduce_on_plateau(...).")
    fed.append(type(node).__name__)
    return dataclasses.replace(
        node, plateau=_feed(node.rule, node.plateau, value, node.single))

  new = jax.tree.map(feed, opt_state, is_leaf=_is_holder)
  if not fed:
    bare = any(isinstance(x, PlateauState) for x in jax.tree_util.tree_leaves(
        opt_state, is_leaf=lambda x: isinstance(x, PlateauState)))
    hint = (" It holds a bare PlateauState, which does not know its rule: "
            "call p.update(state, value=...) with its plateau p."
            if bare else "")
    raise ValueError(
        f"{fn}: no plateau was found in `opt_state` of type "
        f"{type(opt_state).__name__}. It looks for the state of "
        "jaxsched.scale_by_plateau(p) (e.g. in optax.chain) and of "
        "jaxsched.plateau_schedule(schedule, p) inside optax.inject_hyperparams "
        "(ScaleByPlateauState, PlateauScheduleState)." + hint + " Build the "
        "optimizer with one of them; for a checkpoint restored without a "
        "target, use jaxsched.restore_like(opt.init(params), restored) first.")
  if nnx_target is not None:
    return _frameworks.write_back(nnx_target, new)
  return new
