"""Registry-driven property suite: every family and combinator passes every check.

For each case of ``tests/cases.py``: vmap over every numeric hyperparameter
(ints and floats) equals the concrete values one by one; shape and dtype; finite
values up to step 2**31 - 1; finite gradients with respect to every
hyperparameter; JSON config round trip; a schedule passed into ``jax.jit`` is
traced once whatever its numbers.
"""

from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import CASES

import jaxsched as js

SWEEPS = [(c, h) for c in CASES for h in c.sweeps]


def _same(a, b):
  if isinstance(a, js.Schedule) or isinstance(b, js.Schedule):
    return a == b
  if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
    return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
  try:
    return np.array_equal(np.asarray(a), np.asarray(b))
  except (TypeError, ValueError):
    return a == b


def _ids(x):
  return x.name if hasattr(x, "name") else str(x)


@pytest.mark.parametrize("case,hp", SWEEPS, ids=[f"{c.name}-{h}" for c, h in SWEEPS])
@pytest.mark.parametrize("as_float", [False, True], ids=["native", "float"])
def test_vmap_over_each_hyperparameter(case, hp, as_float):
  values = case.sweeps[hp]
  steps = jnp.asarray(case.steps, dtype=jnp.int32)
  expected = np.stack([np.asarray(case.build(**{hp: v})(steps)) for v in values])
  arr = np.asarray(values)
  if as_float or arr.dtype.kind == "f":
    arr = arr.astype(np.float32)
  got = jax.vmap(lambda v: case.build(**{hp: v})(steps))(jnp.asarray(arr))
  np.testing.assert_allclose(np.asarray(got), expected, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_shape_and_dtype(case):
  s = case.build()
  for step in [0, 7, jnp.int32(3), jnp.float32(2.5), np.int64(4)]:
    out = s(step)
    assert isinstance(out, jax.Array)
    assert out.shape == ()
    assert out.dtype == jnp.float32
  for shape in [(0,), (5,), (2, 3)]:
    k = jnp.arange(int(np.prod(shape)), dtype=jnp.int32).reshape(shape)
    assert s(k).shape == shape and s(k).dtype == jnp.float32
    assert s(k.astype(jnp.float32)).shape == shape
  # float and int steps agree on whole numbers
  k = jnp.asarray(case.steps, dtype=jnp.int32)
  np.testing.assert_allclose(s(k), s(k.astype(jnp.float32)), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_finite_at_huge_steps(case):
  s = case.build()
  k = jnp.asarray([0, 2**24, 2**30, 2**31 - 2, 2**31 - 1], dtype=jnp.int32)
  assert np.all(np.isfinite(np.asarray(s(k))))
  assert np.all(np.isfinite(np.asarray(s(k.astype(jnp.float32)))))
  assert np.all(np.isfinite(np.asarray(jax.jit(s)(k))))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_finite_grad_wrt_every_hyperparameter(case):
  steps = jnp.asarray(case.steps, dtype=jnp.int32)
  for hp, values in case.sweeps.items():
    # one batched gradient over every sweep value and every step
    x = jnp.asarray(values, dtype=jnp.float32)
    grads = jax.vmap(jax.vmap(jax.grad(lambda x, k, hp=hp: case.build(**{hp: x})(k)),
                              in_axes=(None, 0)), in_axes=(0, None))(x, steps)
    assert grads.shape[:2] == (len(values), len(case.steps))
    assert np.all(np.isfinite(np.asarray(grads))), (hp, values, grads)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_config_round_trip(case):
  for hp, values in case.sweeps.items():
    s = case.build(**{hp: values[-1]})
    text = json.dumps(s.to_config())
    back = js.from_config(text)
    assert back == s
    assert type(back) is type(s)
    k = jnp.asarray(case.steps, dtype=jnp.int32)
    np.testing.assert_array_equal(np.asarray(back(k)), np.asarray(s(k)))
    assert js.from_config(json.loads(text)) == s


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_jit_traces_once_whatever_the_numbers(case):
  traces = []

  @jax.jit
  def f(schedule, k):
    traces.append(1)
    return schedule(k)

  k = jnp.asarray(case.steps, dtype=jnp.int32)
  for i in range(3):
    kw = {hp: vals[i] for hp, vals in case.sweeps.items()
          if not isinstance(vals[0], list)}
    # keep sweep values whose type differs (int vs float) out of one trace
    kw = {hp: v for hp, v in kw.items()
          if type(v) is type(case.sweeps[hp][0])}
    try:
      s = case.build(**kw)
    except ValueError:
      s = case.build(**{hp: v for hp, v in list(kw.items())[:1]})
    np.testing.assert_allclose(np.asarray(f(s, k)), np.asarray(s(k)), rtol=1e-6,
                               atol=1e-7)
  assert len(traces) == 1


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_stack_and_vmap_sweep(case):
  hp = next(iter(case.sweeps))
  values = case.sweeps[hp]
  built = [case.build(**{hp: v}) for v in values]
  try:
    stacked = js.stack(built)
  except ValueError:
    pytest.skip("values change the structure (e.g. int and float mixed)")
  k = jnp.asarray(case.steps, dtype=jnp.int32)
  got = jax.vmap(lambda s: s(k))(stacked)
  want = np.stack([np.asarray(s(k)) for s in built])
  np.testing.assert_allclose(np.asarray(got), want, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_replace_and_repr(case):
  s = case.build()
  assert repr(s).startswith(s.name + "(")
  # build the schedule with other sweep values; replacing the arguments that
  # differ turns the default schedule into that one, and leaves it as it was
  before = np.asarray(s(jnp.asarray(case.steps)))
  changed = 0
  for hp, values in case.sweeps.items():
    other = case.build(**{hp: values[-1]})
    diff = {k: v for k, v in other._args().items() if not _same(v, s._args()[k])}
    if not diff:
      continue
    changed += 1
    r = s.replace(**diff)
    assert r == other and r != s, (hp, diff)
    np.testing.assert_array_equal(np.asarray(r(jnp.asarray(case.steps))),
                                  np.asarray(other(jnp.asarray(case.steps))))
  assert changed, "no sweep value changes an argument"
  np.testing.assert_array_equal(np.asarray(s(jnp.asarray(case.steps))), before)
  with pytest.raises(ValueError, match="unknown argument"):
    s.replace(not_an_argument=1)
