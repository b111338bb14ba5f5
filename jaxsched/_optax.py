"""Interplay with optax: reading the learning rate back from an optimizer state."""

from __future__ import annotations

from typing import Any

import jax


def _hyperparams(node: Any) -> dict | None:
  hp = getattr(node, "hyperparams", None)
  if isinstance(hp, dict) and type(node).__name__.startswith("Inject"):
    return hp
  return None


def current_lr(opt_state: Any, name: str = "learning_rate") -> jax.Array:
  """The learning rate held in an ``optax.inject_hyperparams`` state.

  Searches ``opt_state`` (inside ``optax.chain``, ``optax.multi_transform``,
  ``optax.MultiSteps`` or any other nesting of tuples, lists, dicts and named
  tuples) for the first ``InjectHyperparamsState`` (or
  ``InjectStatefulHyperparamsState``) whose ``hyperparams`` has ``name``.

  Args:
    opt_state: an optax optimizer state.
    name: the hyperparameter to read (``"learning_rate"`` by default).

  Returns:
    The value, as stored by optax (the rate used by the last update).

  Raises:
    ValueError: if no such state is found.

  Example:
    >>> import optax
    >>> opt = optax.inject_hyperparams(optax.sgd)(
    ...     learning_rate=jaxsched.linear(1.0, 0.0, 10))
    >>> state = opt.init({"w": jnp.zeros(2)})
    >>> float(jaxsched.current_lr(state))
    1.0
  """
  found = []

  def visit(node: Any) -> bool:
    hp = _hyperparams(node)
    if hp is not None and name in hp:
      found.append(hp[name])
    return hp is not None

  jax.tree_util.tree_leaves(opt_state, is_leaf=visit)
  if not found:
    raise ValueError(
        f"current_lr: no optax.inject_hyperparams state holding `{name}` was "
        f"found in opt_state of type {type(opt_state).__name__}. Build the "
        f"optimizer with optax.inject_hyperparams(optax.adam)({name}=schedule).")
  return found[0]
