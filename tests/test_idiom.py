"""One dataclass idiom (jaxsched._pytree) and a hash consistent with ``==``."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched
from jaxsched import _base, _pytree
from jaxsched.compat import torch as jt


def test_equal_schedules_hash_equal():
  a = jaxsched.warmup_cosine_decay(1.0, 10, 100)
  b = jaxsched.warmup_cosine_decay(1, 10, 100)  # 1 == 1.0: equal, same hash
  c = jaxsched.warmup_cosine_decay(0.5, 10, 100)
  assert a == b and hash(a) == hash(b)
  assert a != c
  assert len({a, b, c}) == 2
  nested = jaxsched.join([a, c], [50])
  assert hash(nested) == hash(jaxsched.from_config(nested.to_config()))
  # structure (static fields) takes part: same numbers, other shape
  s1 = jaxsched.one_cycle(100, 1.0)
  s2 = jaxsched.one_cycle(100, 1.0, anneal="linear")
  assert s1 != s2 and len({s1, s2}) == 2


def test_traced_leaves_hash_by_identity():
  def f(v):
    s = jaxsched.constant(v)
    assert hash(s) == hash(s) and s == s
    assert s != jaxsched.constant(v + 0.0)  # another tracer: not equal
    return s(0)
  assert float(jax.jit(f)(0.5)) == 0.5


def test_every_pytree_dataclass_uses_the_idiom():
  p = jaxsched.reduce_on_plateau(patience=3)
  state = p.init()
  for obj in (p, state, jt.ReduceLROnPlateau(0.1)):
    assert dataclasses.is_dataclass(obj)
    with pytest.raises(dataclasses.FrozenInstanceError):
      obj.__setattr__(dataclasses.fields(obj)[0].name, 0)
  # static fields are structure, the rest are leaves
  leaves, treedef = jax.tree_util.tree_flatten(p)
  assert len(leaves) == 8 and "min" in str(treedef)
  # replace, jit and vmap over a leaf
  q = dataclasses.replace(p, factor=0.5)
  assert q.factor == 0.5 and q.mode == p.mode
  values = jax.vmap(lambda f: dataclasses.replace(p, factor=f).init().value)(
      jnp.asarray([0.1, 0.2]))
  assert values.shape == (2,)
  stepped = jax.jit(lambda s: p.update(s, value=1.0))(state)
  assert isinstance(stepped, jaxsched.PlateauState)
  result = jaxsched.RangeTestResult(*(np.zeros(3) for _ in range(4)),
                                    diverged_index=np.int32(-1))
  assert len(jax.tree_util.tree_leaves(result)) == 5


def test_pytree_static_fields():
  @_pytree.dataclass
  class Thing:
    x: object
    name: str = _pytree.static("a")

  leaves, treedef = jax.tree_util.tree_flatten(Thing(1.0, "b"))
  assert leaves == [1.0]
  assert jax.tree_util.tree_unflatten(treedef, [2.0]) == Thing(2.0, "b")
  assert _base.static is _pytree.static


def test_operators_resolve_through_the_table():
  s = jaxsched.constant(0.5)
  assert set(_base.OPERATORS) == {"product", "scale", "add"}
  assert (s * 2.0).name == "scale" and (2.0 * s).name == "scale"
  assert (s * s).name == "product" and (s + 1.0).name == (1.0 + s).name
  assert float((s * s + 0.25)(0)) == 0.5
