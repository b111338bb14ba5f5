"""Per-group and per-layer rates: scale each leaf's update by its own factor.

``scale_by_group`` is PyTorch's parameter groups for optax: a label per leaf
(from a function of the leaf's path or a pytree of labels) picks a factor or a
schedule. ``layerwise_decay`` is layer-wise learning-rate decay (BEiT, ELECTRA;
timm's ``param_groups_layer_decay``): a depth per leaf picks
``decay ** (num_layers - depth)``. Both are traceable in every number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax.typing import ArrayLike

from jaxsched import _check, _shapes
from jaxsched._base import PyTree, Schedule, ScheduleLike


class ScaleByGroupState(NamedTuple):
  """State of :func:`scale_by_group`: ``count``, the ``update`` calls so far
  (int32, saturating at 2**31 - 1), at which schedule rates are evaluated."""
  count: jax.Array  # type: ignore[assignment]  # optax names it count; shadows tuple.count


def _key_name(key: Any) -> str:
  for attr in ("key", "idx", "name"):
    if hasattr(key, attr):
      return str(getattr(key, attr))
  return str(key)


def path_str(path: tuple) -> str:
  """A key path of ``jax.tree_util`` as ``"blocks/3/attn/kernel"``."""
  return "/".join(_key_name(k) for k in path)


def _per_leaf(fn: str, name: str, spec: Any, tree: Any) -> list[tuple[str, Any]]:
  """``[(path, spec value)]`` for every leaf of ``tree``, in leaf order."""
  leaves = jax.tree_util.tree_leaves_with_path(tree)
  if callable(spec):
    return [(path_str(p), spec(path_str(p), x)) for p, x in leaves]
  values = jax.tree_util.tree_leaves(spec)
  spec_def: Any = jax.tree.structure(spec)  # PyTreeDef: untyped
  if len(values) != len(leaves) or spec_def != jax.tree.structure(tree):
    raise ValueError(
        f"{fn}: `{name}` must be a function (path, leaf) -> value or a pytree "
        f"with the structure of the parameters, got a pytree of {len(values)} "
        f"leaves for parameters of {len(leaves)} leaves ({name}="
        f"{jax.tree.structure(spec)} vs {jax.tree.structure(tree)}). Pass "
        f"{name}=lambda path, leaf: ... to compute it from the path.")
  return [(path_str(p), v) for (p, _), v in zip(leaves, values)]


def _scale(updates: Any, factors: list[Any]) -> Any:
  leaves, treedef = jax.tree.flatten(updates)
  scaled = [u * jnp.asarray(f).astype(jnp.result_type(u))
            for u, f in zip(leaves, factors)]
  return jax.tree.unflatten(treedef, scaled)


def scale_by_group(labels: PyTree | Callable[[PyTree], PyTree],
                   rates: Mapping[Any, ScheduleLike | ArrayLike]) -> optax.GradientTransformation:
  r"""Scales each leaf's update by the rate (a number or schedule) of its group.

  .. math::
      u_\ell \leftarrow r_{g(\ell)}(\mathrm{count}) \, u_\ell

  where :math:`g(\ell)` is the label of leaf :math:`\ell` and ``count`` the
  number of updates so far; a number :math:`r` is constant. Chained after an
  optimizer with learning rate ``lr``, group :math:`g` trains at
  ``lr * r_g``: PyTorch's parameter groups (e.g. no weight decay and a smaller
  rate for embeddings). Labels are resolved from the tree structure, so they are
  static; the rates are traceable (build the transformation inside ``jax.vmap``
  to sweep them, one compilation).

  Args:
    labels: a function ``labels(path, leaf) -> label`` of the leaf's path
      (keys joined by ``/``, e.g. ``"encoder/layers/3/kernel"``), or a pytree of
      labels with the structure of the parameters.
    rates: ``{label: rate}``, every label used must be a key; a rate is a
      number or a jaxsched schedule (a factor, usually in ``[0, 1]``).

  Returns:
    An ``optax.GradientTransformation`` (state :class:`ScaleByGroupState`).

  Raises:
    ValueError: (at ``init``/``update``) if a leaf's label has no rate, or
      ``labels`` does not match the parameters; (here) if a concrete rate is not
      a finite number. A traced rate is used as it is (no clamping: it is a
      factor of any sign).

  Example:
    >>> import optax
    >>> tx = jaxsched.scale_by_group(
    ...     lambda path, leaf: "head" if path.startswith("head") else "body",
    ...     {"head": 1.0, "body": jaxsched.linear(0.0, 1.0, 10)})
    >>> params = {"body": jnp.ones(2), "head": jnp.ones(2)}
    >>> upd, _ = tx.update(params, tx.init(params))
    >>> upd["body"].tolist(), upd["head"].tolist()
    ([0.0, 0.0], [1.0, 1.0])
  """
  fn = "scale_by_group"
  rates = dict(rates)
  for k, r in rates.items():
    if not isinstance(r, Schedule):
      rates[k] = _check.number(fn, f"rates[{k!r}]", r,
                               fix="Pass a number or a jaxsched schedule.")

  def factors(tree: Any, count: jax.Array) -> list[Any]:
    out = []
    for path, label in _per_leaf(fn, "labels", labels, tree):
      try:
        rate = rates[label]
      except (KeyError, TypeError):
        raise _check.fail(
            fn, f"labels({path!r})", f"a key of `rates` ({list(rates)!r})",
            label, f"Add a rate for {label!r} to `rates`, or relabel {path!r}."
        ) from None
      out.append(rate(count) if isinstance(rate, Schedule) else rate)
    return out

  def init(params: Any) -> ScaleByGroupState:
    factors(params, jnp.zeros((), jnp.int32))  # checks the labels early
    return ScaleByGroupState(jnp.zeros((), jnp.int32))

  def update(updates: Any, state: ScaleByGroupState, params: Any = None
             ) -> tuple[Any, ScaleByGroupState]:
    del params
    return (_scale(updates, factors(updates, state.count)),
            ScaleByGroupState(_shapes.increment_saturating(state.count)))

  return optax.GradientTransformation(init, update)


def layerwise_decay(decay: ArrayLike, depth: Callable[[str, Any], int] | Any,
                    num_layers: ArrayLike) -> optax.GradientTransformation:
  r"""Layer-wise learning-rate decay: deeper layers train faster.

  .. math::
      u_\ell \leftarrow \mathrm{decay}^{\,L - d(\ell)} \, u_\ell, \qquad
      0 \le d(\ell) \le L,

  with :math:`L` = ``num_layers`` and :math:`d(\ell)` the depth of leaf
  :math:`\ell`: the head (:math:`d = L`) keeps factor 1, the embeddings
  (:math:`d = 0`) get :math:`\mathrm{decay}^L`. This is the BEiT / ELECTRA
  recipe and timm's ``param_groups_layer_decay``, whose ``num_layers`` is the
  number of blocks + 1 (embeddings depth 0, block ``i`` depth ``i + 1``, head
  depth ``blocks + 1``). Chain it after the optimizer
  (``optax.chain(optax.adamw(lr), layerwise_decay(...))``) so that it scales the
  final update, i.e. the learning rate of each layer.

  ``decay`` may be traced (build the transformation inside ``jax.vmap`` over
  decays: one compilation), and so may ``num_layers``; to carry the decay in the
  optimizer state, wrap it:
  ``jaxsched.inject_schedules(jaxsched.layerwise_decay, static_args=("depth",
  "num_layers"))(decay=0.75, depth=..., num_layers=13)``, then
  ``jaxsched.with_schedule(state, decay=0.65)`` is a new state for the same
  compiled ``update`` (and ``decay`` may even be a schedule).

  Args:
    decay: the factor per layer, > 0 (typically 0.65-0.9). A traced value < 0
      is clamped to 0.
    depth: a function ``depth(path, leaf) -> int`` of the leaf's path (keys
      joined by ``/``, e.g. ``"blocks/3/mlp/kernel"``), or a pytree of ints with
      the structure of the parameters; each depth in ``[0, num_layers]``.
    num_layers: :math:`L`, the depth of the head (an integer >= 0).

  Returns:
    A stateless ``optax.GradientTransformation``.

  Raises:
    ValueError: if a concrete ``decay`` is not > 0, ``num_layers`` is not a
      whole number >= 0, or (at ``update``) a depth is not a whole number in
      ``[0, num_layers]``.

  Example:
    >>> import optax
    >>> depth = lambda path, leaf: {"embed": 0, "block": 1, "head": 2}[path]
    >>> tx = jaxsched.layerwise_decay(0.5, depth, num_layers=2)
    >>> g = {"embed": jnp.ones(1), "block": jnp.ones(1), "head": jnp.ones(1)}
    >>> upd, _ = tx.update(g, tx.init(g))
    >>> [upd[k].tolist() for k in ("embed", "block", "head")]
    [[0.25], [0.5], [1.0]]
  """
  fn = "layerwise_decay"
  decay = _check.number(fn, "decay", decay, lo=0.0, lo_open=True,
                        fix="Pass the factor per layer, e.g. 0.75.")
  num_layers = _check.steps(fn, "num_layers", num_layers,
                            fix="Pass the depth of the head (blocks + 1).")
  hi: Any = None if _check.is_traced(num_layers) else num_layers  # checked int

  def factors(tree: Any) -> list[Any]:
    base = jnp.maximum(jnp.asarray(decay), 0.0)
    out = []
    for path, d in _per_leaf(fn, "depth", depth, tree):
      d = _check.number(fn, f"depth({path!r})", d, lo=0, hi=hi, integer=True,
                        fix="Depths run from 0 (embeddings) to num_layers "
                        "(the head).")
      exponent = jnp.asarray(num_layers - d).astype(base.dtype)
      out.append(jnp.power(base, exponent))
    return out

  def init(params: Any) -> optax.EmptyState:
    factors(params)  # checks the depths early
    return optax.EmptyState()

  def update(updates: Any, state: optax.EmptyState, params: Any = None
             ) -> tuple[Any, optax.EmptyState]:
    del params
    return _scale(updates, factors(updates)), state

  return optax.GradientTransformation(init, update)
