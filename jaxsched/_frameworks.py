"""Where JAX users train: Flax NNX objects, orbax restores and Keras optimizers.

None of these frameworks is a dependency. Flax is only looked at when a Flax
object is handed in (then ``flax`` is already imported); Keras is imported inside
:func:`to_keras`; orbax is never imported (:func:`restore_like` works on the
nested dicts and lists that a target-less restore returns).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _base
from jaxsched._base import PyTree

# --- Flax NNX ---------------------------------------------------------------------


def _nnx() -> Any:
  """``flax.nnx`` if the user has imported it, else ``None`` (never imports it)."""
  return sys.modules.get("flax.nnx")


def nnx_optimizer(x: Any) -> Any:
  """``x`` if it is an ``nnx.Optimizer`` (or a subclass), else ``None``."""
  nnx = _nnx()
  if nnx is not None and isinstance(x, nnx.Optimizer):
    return x
  return None


def has_variables(tree: Any) -> bool:
  """Whether ``tree`` holds NNX ``Variable`` objects (an ``nnx.Optimizer``'s
  ``opt_state`` or an ``nnx.state(...)``)."""
  nnx = _nnx()
  if nnx is None:
    return False
  if isinstance(tree, nnx.State):
    return True
  leaves = jax.tree_util.tree_leaves(
      tree, is_leaf=lambda v: isinstance(v, nnx.Variable))
  return any(isinstance(v, nnx.Variable) for v in leaves)


def pure(tree: Any) -> Any:
  """The plain JAX values of ``tree``: an ``nnx.Optimizer`` becomes its optax
  state, NNX ``Variable`` leaves become their arrays; anything else is returned
  unchanged."""
  opt = nnx_optimizer(tree)
  if opt is not None:
    tree = opt.opt_state
  if has_variables(tree):
    tree = _nnx().as_pure(tree)
  return tree


def write_back(target: Any, new: Any) -> Any:
  """Writes the pure state ``new`` into ``target`` when it holds NNX Variables
  (an ``nnx.Optimizer`` or its ``opt_state``), in place, and returns ``target``;
  otherwise returns ``new``."""
  opt = nnx_optimizer(target)
  variables = opt.opt_state if opt is not None else target
  if opt is None and not has_variables(target):
    return new
  nnx = _nnx()
  nnx.update(variables, nnx.state(new))
  return target


# --- orbax: restoring without a target ----------------------------------------


def _key(k: Any) -> Any:
  for attr in ("key", "name", "idx"):
    if hasattr(k, attr):
      return getattr(k, attr)
  return k  # pragma: no cover - custom key types


def _lookup(raw: Any, path: tuple) -> Any:
  node = raw
  for k in path:
    key = _key(k)
    if isinstance(node, Mapping):
      for candidate in (key, str(key)):
        if candidate in node:
          node = node[candidate]
          break
      else:
        raise KeyError(key)
    elif isinstance(node, (list, tuple)) and isinstance(key, int):
      node = node[key]
    else:
      raise KeyError(key)
  return node


def restore_like(target: PyTree, restored: PyTree) -> PyTree:
  r"""Puts a target-less checkpoint restore back into ``target``'s structure.

  orbax (``ocp.StandardCheckpointer().restore(path)``, or any restore without
  ``target``/``abstract_state``) returns nested dicts and lists of NumPy arrays:
  a schedule, a :class:`PlateauState` or an optax state comes back as a dict of
  its field names, which no jaxsched or optax function accepts. This takes each
  leaf of ``target`` (a schedule, plateau state or optimizer state of the same
  structure, e.g. ``opt.init(params)`` in a fresh process) from ``restored`` by
  its path (field names, dict keys, list indices), so

  .. math::

    \mathrm{restore\_like}(t, r) =
    \mathrm{unflatten}(\mathrm{treedef}(t), [r[\mathrm{path}_i]]_i)

  Leaves keep the restored values exactly as restored (bitwise, dtype
  included); only their container structure comes from ``target``. Passing
  the target to orbax in the first place (``ckptr.restore(path, target)``)
  gives the same values.

  Args:
    target: a pytree of the wanted structure (values are ignored; only paths,
      shapes and dtypes are used).
    restored: what the target-less restore returned.

  Returns:
    A pytree of ``target``'s structure holding the restored values.

  Raises:
    ValueError: a path of ``target`` is missing in ``restored`` or holds a value
      of another shape; the message names the path.

  Example:
    >>> p = jaxsched.reduce_on_plateau(patience=0)
    >>> state = p.update(p.init(), value=1.0)
    >>> raw = {k: np.asarray(v) for k, v in vars(state).items()}  # as orbax gives
    >>> back = jaxsched.restore_like(p.init(), raw)
    >>> type(back).__name__, float(back.best)
    ('PlateauState', 1.0)
  """
  paths, treedef = jax.tree_util.tree_flatten_with_path(target)
  leaves = []
  for path, leaf in paths:
    where = jax.tree_util.keystr(path)
    try:
      value = _lookup(restored, path)
    except (KeyError, IndexError, TypeError):
      raise ValueError(
          f"restore_like: `restored` has no value at {where} (the target's "
          f"leaf there is {_describe(leaf)}). Pass as target the structure that "
          "was saved (e.g. opt.init(params) of the same optimizer, the same "
          "schedule family), or restore with orbax's target "
          "argument.") from None
    if np.shape(value) != np.shape(leaf):
      raise ValueError(
          f"restore_like: the value at {where} has shape {np.shape(value)}, the "
          f"target's leaf has shape {np.shape(leaf)}. Pass as target the "
          "structure that was saved.")
    leaves.append(value)
  return jax.tree_util.tree_unflatten(treedef, leaves)


def _describe(x: Any) -> str:
  if hasattr(x, "shape") and hasattr(x, "dtype"):
    return f"an array of shape {tuple(x.shape)} and dtype {x.dtype}"
  return f"{type(x).__name__} {x!r}"


# --- Keras --------------------------------------------------------------------------

_KERAS_CLASS: list = []


def _keras_class() -> type:
  """The ``keras.optimizers.schedules.LearningRateSchedule`` adapter class,
  built on first use (so importing jaxsched never imports Keras)."""
  if _KERAS_CLASS:
    return _KERAS_CLASS[0]
  try:
    import keras  # pylint: disable=import-outside-toplevel
  except ImportError as e:
    raise ImportError(
        "to_keras needs Keras 3, which is not installed. Install it with "
        "`pip install keras` and set KERAS_BACKEND=jax.") from e

  @keras.saving.register_keras_serializable(package="jaxsched")
  class JaxschedSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A jaxsched schedule as a Keras ``LearningRateSchedule`` (JAX backend)."""

    def __init__(self, schedule: Callable[[Any], Any]):
      super().__init__()
      self.schedule = schedule

    def __call__(self, step: Any) -> Any:
      step = keras.ops.convert_to_tensor(step)
      return jnp.asarray(self.schedule(step))

    def get_config(self) -> dict:
      to_config = getattr(self.schedule, "to_config", None)
      if to_config is None:
        raise ValueError(
            "to_keras: this schedule has no to_config, so the Keras optimizer "
            "cannot be serialised. Use a jaxsched schedule (jaxsched.from_config "
            "rebuilds it) to save the model with its optimizer.")
      return {"schedule": to_config()}

    @classmethod
    def from_config(cls, config: dict) -> JaxschedSchedule:
      return cls(_base.from_config(config["schedule"]))

  _KERAS_CLASS.append(JaxschedSchedule)
  return JaxschedSchedule


def to_keras(schedule: Callable[[Any], Any]) -> Any:
  r"""A jaxsched schedule as the ``learning_rate`` of a Keras 3 optimizer.

  Keras calls a ``keras.optimizers.schedules.LearningRateSchedule`` with the
  optimizer's iteration count, but calls any other callable with no argument, so
  a bare jaxsched schedule fails there (``missing 'step'``). This wraps it:

  .. math::

    \mathrm{lr}(t) = \mathrm{schedule}(t), \quad t = \texttt{optimizer.iterations}

  ``get_config``/``from_config`` go through ``schedule.to_config()`` and
  :func:`jaxsched.from_config`, so ``model.save`` keeps the schedule. Keras is
  imported here, not by ``import jaxsched``; the schedule computes with
  ``jax.numpy``, so Keras must run on the JAX backend (``KERAS_BACKEND=jax``).

  Args:
    schedule: any jaxsched schedule (``jaxsched.compat.keras.CosineDecay(...)``,
      ``jaxsched.warmup_cosine_decay(...)``, ...) or callable ``step -> value``
      written with ``jax.numpy``.

  Returns:
    A ``keras.optimizers.schedules.LearningRateSchedule``.

  Raises:
    ValueError: ``schedule`` is not callable, or Keras runs on another backend.
    ImportError: Keras is not installed.

  Example:
    >>> import os
    >>> os.environ.setdefault("KERAS_BACKEND", "jax")  # doctest: +SKIP
    >>> import keras  # doctest: +SKIP
    >>> from jaxsched.compat import keras as jk
    >>> lr = jk.to_keras(jk.CosineDecay(1e-3, 1000))  # doctest: +SKIP
    >>> opt = keras.optimizers.Adam(learning_rate=lr)  # doctest: +SKIP
  """
  if not callable(schedule):
    raise ValueError(
        f"to_keras: `schedule` must be a callable step -> value, got "
        f"schedule={schedule!r}. Pass a jaxsched schedule such as "
        "jaxsched.compat.keras.CosineDecay(1e-3, 1000).")
  cls = _keras_class()
  import keras  # pylint: disable=import-outside-toplevel
  backend = keras.backend.backend()
  if backend != "jax":
    raise ValueError(
        f"to_keras: Keras must run on the JAX backend, got "
        f"keras.backend.backend()={backend!r}. Set the environment variable "
        "KERAS_BACKEND=jax before importing keras.")
  return cls(schedule)
