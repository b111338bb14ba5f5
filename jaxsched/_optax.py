"""Interplay with optax: reading the learning rate back from an optimizer state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp

from jaxsched import _frameworks
from jaxsched._base import PyTree

_INJECT_FIELDS = ("count", "hyperparams")  # nnx.state drops empty fields


def _hyperparams(node: Any) -> Mapping | None:
  """The ``hyperparams`` of an optax inject state, or of its dict form (what
  ``nnx.state(optimizer)`` or a target-less checkpoint restore makes of it)."""
  hp = getattr(node, "hyperparams", None)
  if isinstance(hp, Mapping) and type(node).__name__.startswith("Inject"):
    return hp
  if isinstance(node, Mapping) and all(k in node for k in _INJECT_FIELDS):
    hp = node["hyperparams"]
    if isinstance(hp, Mapping):
      return hp
  return None


def current_lr(opt_state: PyTree, name: str = "learning_rate") -> jax.Array:
  """The learning rate held in an ``optax.inject_hyperparams`` state.

  Searches ``opt_state`` (inside ``optax.chain``, ``optax.multi_transform``,
  ``optax.MultiSteps`` or any other nesting of tuples, lists, dicts and named
  tuples) for the first ``InjectHyperparamsState`` (or
  ``InjectStatefulHyperparamsState``) whose ``hyperparams`` has ``name``.
  Flax NNX is understood too: an ``nnx.Optimizer``, its ``opt_state`` (NNX
  ``Variable`` leaves) and ``nnx.state(optimizer)`` (where the inject state has
  become a dict with ``count`` and ``hyperparams``).

  Args:
    opt_state: an optax optimizer state, an ``nnx.Optimizer``, its
      ``opt_state`` or ``nnx.state(optimizer)``.
    name: the hyperparameter to read (``"learning_rate"`` by default).

  Returns:
    The value as a plain ``jax.Array`` (never an NNX variable), as stored by
    optax: the rate used by the last update.

  Raises:
    ValueError: if no such state is found; the message says what was looked
      for and which hyperparameters were found instead.

  Example:
    >>> import optax
    >>> opt = optax.inject_hyperparams(optax.sgd)(
    ...     learning_rate=jaxsched.linear(1.0, 0.0, 10))
    >>> state = opt.init({"w": jnp.zeros(2)})
    >>> float(jaxsched.current_lr(state))
    1.0
  """
  tree = _frameworks.pure(opt_state)
  found = []
  others: list[str] = []

  def visit(node: Any) -> bool:
    hp = _hyperparams(node)
    if hp is not None:
      if name in hp:
        found.append(hp[name])
      else:
        others.extend(str(k) for k in hp)
    return hp is not None

  jax.tree_util.tree_leaves(tree, is_leaf=visit)
  if not found:
    seen = (f" The inject states found hold only {sorted(set(others))}."
            if others else "")
    raise ValueError(
        f"current_lr: no optax.inject_hyperparams state holding `{name}` was "
        f"found in opt_state of type {type(opt_state).__name__}. It looks for an "
        "InjectHyperparamsState (or InjectStatefulHyperparamsState, or its dict "
        "form in nnx.state(optimizer)) anywhere in an optax state or an "
        f"nnx.Optimizer.{seen} Build the optimizer with "
        f"optax.inject_hyperparams(optax.adam)({name}=schedule).")
  return jnp.asarray(_frameworks.pure(found[0]))
