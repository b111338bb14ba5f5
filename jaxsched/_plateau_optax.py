"""Plateaus in optax: a stateful schedule, and a gradient transformation.

* :func:`plateau_schedule` pairs a base schedule with a plateau as one optax
  ``StatefulSchedule``, for ``optax.inject_hyperparams`` (and the deprecated
  ``optax.inject_stateful_hyperparams``).
* :func:`scale_by_plateau` scales the updates by the plateau's value, reading the
  metric from the ``value=`` extra argument, like ``optax.contrib.reduce_on_plateau``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import jax
import jax.numpy as jnp
import optax

from jaxsched._plateau import PlateauState
from jaxsched._plateau import _increment


def _fail(fn: str, name: str, cond: str, value: Any, fix: str) -> ValueError:
  return ValueError(f"{fn}: `{name}` must be {cond}, got {name}={value!r}. {fix}")


def _is_plateau(p: Any) -> bool:
  return all(callable(getattr(p, m, None)) for m in ("init", "update", "__call__"))


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class PlateauScheduleState:
  """State of a :func:`plateau_schedule`: the step count and the plateau state.

  Attributes:
    count: ``update`` calls so far (int32, saturating at 2**31 - 1); the base
      schedule is evaluated at it.
    plateau: the plateau's state (:class:`PlateauState`).
  """

  count: Any
  plateau: Any


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class PlateauSchedule:
  """``schedule(count) * plateau(state)`` as an optax ``StatefulSchedule``.

  Build it with :func:`plateau_schedule`. Both fields are pytree children, so a
  jaxsched schedule's and the plateau's numbers stay traceable; a plain function
  schedule is held in a ``jax.tree_util.Partial``.
  """

  schedule: Any
  plateau: Any

  def init(self) -> PlateauScheduleState:
    """Count 0 and the plateau's initial state."""
    return PlateauScheduleState(count=jnp.zeros((), jnp.int32),
                                plateau=self.plateau.init())

  def update(self, state: PlateauScheduleState, value: Any,
             **extra_args: Any) -> PlateauScheduleState:
    """Counts one step and feeds ``value`` (the metric) to the plateau."""
    return PlateauScheduleState(
        count=_increment(jnp.asarray(state.count)),
        plateau=self.plateau.update(state.plateau, value=value, **extra_args))

  def __call__(self, state: PlateauScheduleState, **extra_args: Any) -> jax.Array:
    """The learning rate ``schedule(count) * plateau(plateau_state)``."""
    del extra_args
    scale = jnp.asarray(self.plateau(state.plateau))
    base = jnp.asarray(self.schedule(jnp.asarray(state.count)))
    return base.astype(scale.dtype) * scale

  def replace(self, **changes: Any) -> "PlateauSchedule":
    """``dataclasses.replace(self, **changes)``."""
    return dataclasses.replace(self, **changes)


def plateau_schedule(schedule: Callable[[Any], Any], plateau: Any) -> PlateauSchedule:
  r"""Pairs a base schedule with a plateau as one optax ``StatefulSchedule``.

  .. math::

    \mathrm{lr}_t = \mathrm{schedule}(t) \cdot p(\mathrm{state}_t)

  where :math:`t` counts the ``update`` calls and each ``update(state, value=m)``
  feeds the metric :math:`m` to the plateau. Inside
  ``optax.inject_hyperparams(opt)(learning_rate=plateau_schedule(...))`` the
  learning rate of a step is computed before that step's ``value=`` is fed, as for
  optax's own stateful schedules; pass ``value=`` to every ``update`` of the
  optimizer. When the metric is a per-step training loss, give the plateau
  ``accumulation=steps_per_epoch`` so that it decides on epoch means.

  Args:
    schedule: any ``step -> value`` callable (a jaxsched or optax schedule, a
      constant via ``lambda step: 1e-3``).
    plateau: a plateau from :func:`reduce_on_plateau` (``init_value=1.0``: a
      scale) or any object with ``init``, ``update(state, value=...)`` and
      ``__call__(state)``.

  Returns:
    A :class:`PlateauSchedule` (a frozen dataclass pytree) with ``init()``,
    ``update(state, value=...)`` and ``__call__(state)``.

  Raises:
    ValueError: if ``schedule`` is not callable or ``plateau`` is not a plateau.

  Example:
    >>> import optax
    >>> from jaxsched._plateau import reduce_on_plateau
    >>> from jaxsched._plateau_optax import plateau_schedule
    >>> lr = plateau_schedule(optax.linear_schedule(1.0, 0.5, 4),
    ...                       reduce_on_plateau(factor=0.1, patience=0))
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
    raise _fail(fn, "schedule", "a callable step -> value", schedule,
                "Pass a schedule such as jaxsched.cosine_decay(...) or "
                "optax.linear_schedule(...).")
  if not _is_plateau(plateau):
    raise _fail(fn, "plateau", "a plateau with init, update and __call__",
                plateau, "Pass jaxsched.reduce_on_plateau(...).")
  if jax.tree_util.all_leaves([schedule]):
    schedule = jax.tree_util.Partial(schedule)
  return PlateauSchedule(schedule=schedule, plateau=plateau)


def scale_by_plateau(plateau: Any) -> optax.GradientTransformationExtraArgs:
  r"""Scales updates by a plateau's value, fed by the ``value=`` extra argument.

  .. math::

    \mathrm{state}' = p.\mathrm{update}(\mathrm{state}, \mathrm{value}), \qquad
    u' = u \cdot p(\mathrm{state}')

  The state is the plateau's :class:`PlateauState` itself. As in
  ``optax.contrib.reduce_on_plateau``, the new scale already applies to the update
  that brings the metric. Put it after the optimizer:
  ``optax.chain(optax.sgd(lr), scale_by_plateau(p))`` and call
  ``opt.update(grads, opt_state, params, value=loss)``; the other members of the
  chain ignore ``value``. The scale is cast to each update's dtype.

  Args:
    plateau: a plateau from :func:`reduce_on_plateau` (``init_value=1.0``).

  Returns:
    An ``optax.GradientTransformationExtraArgs``; ``update`` requires ``value=``.

  Raises:
    ValueError: if ``plateau`` is not a plateau.

  Example:
    >>> import optax
    >>> from jaxsched._plateau import reduce_on_plateau
    >>> from jaxsched._plateau_optax import scale_by_plateau
    >>> p = reduce_on_plateau(factor=0.5, patience=0)
    >>> opt = optax.chain(optax.sgd(0.1), scale_by_plateau(p))
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
    raise _fail("scale_by_plateau", "plateau",
                "a plateau with init, update and __call__", plateau,
                "Pass jaxsched.reduce_on_plateau(...).")

  def init_fn(params: Any) -> PlateauState:
    del params
    return plateau.init()

  def update_fn(updates: Any, state: Any, params: Any = None, *, value: Any,
                **extra_args: Any) -> tuple[Any, Any]:
    del params, extra_args
    state = plateau.update(state, value=value)
    scale = jnp.asarray(plateau(state))
    updates = jax.tree.map(lambda u: u * scale.astype(u.dtype), updates)
    return updates, state

  return optax.GradientTransformationExtraArgs(init_fn, update_fn)
