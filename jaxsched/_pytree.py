"""The one dataclass idiom: frozen dataclasses that are JAX pytrees.

Schedules (:func:`jaxsched._base.register`), plateaus and their states, and
range-test results are all declared the same way::

    @_pytree.dataclass
    class State:
      count: Any                                # a leaf: traced under jit/vmap
      mode: str = _pytree.static(default="min")  # structure: part of the treedef

Every field is a pytree child unless marked with :func:`static`, in which case
it is metadata (hashable, compared by ``==`` when JAX matches treedefs). The
class is a frozen dataclass, so ``dataclasses.replace`` works, and it is
registered with ``jax.tree_util.register_dataclass``, so ``jax.jit``,
``jax.vmap``, ``jax.tree.map`` and orbax checkpoints see its leaves.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar, cast

import jax

if TYPE_CHECKING:
  from typing_extensions import dataclass_transform
else:  # only type checkers read it (typing has it from Python 3.11)
  def dataclass_transform(**_: Any) -> Any:
    return lambda f: f

T = TypeVar("T")


def static(default: Any = dataclasses.MISSING) -> Any:
  """A structural (static) dataclass field: part of the treedef, never traced."""
  if default is dataclasses.MISSING:
    return dataclasses.field(metadata={"static": True})
  return dataclasses.field(default=default, metadata={"static": True})


def is_static(field: dataclasses.Field) -> bool:
  """Whether a dataclass field was declared with :func:`static`."""
  return bool(field.metadata.get("static"))


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, static))
def dataclass(cls: type[T] | None = None, *, eq: bool = True, repr: bool = True) -> Any:  # pylint: disable=redefined-builtin
  """Makes ``cls`` a frozen dataclass registered as a pytree.

  Args:
    cls: the class (when used as a bare decorator).
    eq: generate ``__eq__`` (and with it ``__hash__``) from the fields, as
      ``dataclasses.dataclass`` does; ``False`` keeps the inherited ones.
    repr: generate ``__repr__``; ``False`` keeps the inherited one.

  Returns:
    The class, or a decorator when called with keywords only.
  """

  def deco(c: type[T]) -> type[T]:
    c = dataclasses.dataclass(frozen=True, eq=eq, repr=repr)(c)
    fields = dataclasses.fields(cast(Any, c))  # a dataclass now
    jax.tree_util.register_dataclass(
        c, data_fields=[fd.name for fd in fields if not is_static(fd)],
        meta_fields=[fd.name for fd in fields if is_static(fd)])
    return c

  if cls is None:
    return deco
  return deco(cls)
