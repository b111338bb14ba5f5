"""Registry-driven property suite: every family and combinator passes every check.

For each case of ``tests/cases.py``: vmap over every numeric hyperparameter
(ints and floats) equals the concrete values one by one; shape and dtype; finite
values up to step 2**31 - 1; finite gradients with respect to every
hyperparameter; JSON config round trip; a schedule passed into ``jax.jit`` is
traced once whatever its numbers.
"""

from __future__ import annotations

import functools
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import CASES
from compat_check import apply_each
from padded import in_block, pad

import jaxsched as js

SWEEPS = [(c, h) for c in CASES for h in c.sweeps]


def _steps(case):
  return jnp.asarray(case.steps, dtype=jnp.int32)


# Eager values reused by several tests (the same eager computation, done once):
# ``case.build(hp=v)(steps)`` for each sweep value, and the eager vmap over the
# sweep values (the same for "native" and "float" when the values are floats).
@functools.cache
def _concrete(name, hp):
  case = _BY_NAME[name]
  return np.stack([np.asarray(case.build(**{hp: v})(_steps(case)))
                   for v in case.sweeps[hp]])


_BY_NAME = {c.name: c for c in CASES}


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


def _vmap_dtype(case, hp, as_float):
  arr = np.asarray(case.sweeps[hp])
  return np.dtype(np.float32 if as_float or arr.dtype.kind == "f" else arr.dtype).name


# (case, hyperparameter, dtype of the swept values): "native" and "float" are
# one item where the values are floats already
VMAPS = [(c, hp, dt) for (name, hp, dt) in dict.fromkeys(
    (c.name, hp, _vmap_dtype(c, hp, f)) for c, hp in SWEEPS for f in (False, True))
    for c in [_BY_NAME[name]]]


def _vmap_block(items):
  """Per item, the schedule built from each swept value inside ``jax.vmap``
  (the constructor traced with a batched hyperparameter) at the case's steps;
  a block of items in one jitted program (eagerly, each vmap dispatched and
  compiled every operation on its own: ~1,000 compiles for the suite's 259
  items). Eager ``jax.vmap`` of every case is ``test_stack_and_vmap_sweep``."""
  values = [np.asarray(c.sweeps[hp]).astype(dt) for c, hp, dt in items]

  @jax.jit
  def run(values):
    return [jax.vmap(lambda v, c=c, hp=hp: c.build(**{hp: v})(_steps(c)))(x)
            for (c, hp, _), x in zip(items, values)]

  return [np.asarray(o) for o in run(values)]


@pytest.mark.parametrize("case,hp", SWEEPS, ids=[f"{c.name}-{h}" for c, h in SWEEPS])
@pytest.mark.parametrize("as_float", [False, True], ids=["native", "float"])
def test_vmap_over_each_hyperparameter(case, hp, as_float):
  expected = _concrete(case.name, hp)
  dtype = _vmap_dtype(case, hp, as_float)
  item = next(x for x in VMAPS if x[0] is case and x[1] == hp and x[2] == dtype)
  got = in_block(_vmap_block, VMAPS, item)
  assert got.shape == expected.shape
  np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-6)


# Every kind of step a user passes; the output is float32 of the step's shape.
# ``RUN``: called eagerly (one compiled program per structure, step shape and
# dtype; a Python int, and an int32 scalar as optax's count is). ``TRACED``: the
# shape and dtype of the same call traced (``jax.eval_shape``), which are the
# compiled call's, without compiling a program for each. An empty array of
# steps runs for real in ``_empty_block``.
RUN = [7, jnp.int32(3)]
TRACED = [jnp.float32(2.5), np.int64(4),
          *(np.arange(int(np.prod(shape)), dtype=dt).reshape(shape)
            for shape in [(0,), (5,), (2, 3)] for dt in (np.int32, np.float32))]


def _empty_block(cases):
  """Each case at an empty array of int32 steps, the schedules passed as
  arguments into one jitted program (the program an eager call compiles,
  ``test_eager``)."""
  return apply_each([c.build() for c in cases], [np.zeros((0,), np.int32)] * len(cases))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_shape_and_dtype(case):
  s = case.build()
  for step in RUN:
    out = s(step)
    assert isinstance(out, jax.Array)
    assert out.shape == np.shape(step) and out.dtype == jnp.float32, (step, out)
  # a Python int and an int32 scalar: the same program, the same bits
  np.testing.assert_array_equal(np.asarray(s(3)), np.asarray(s(jnp.int32(3))))
  for step in TRACED:
    out = jax.eval_shape(s, step)
    assert out.shape == np.shape(step) and out.dtype == jnp.float32, (step, out)
  empty = in_block(_empty_block, CASES, case)
  assert empty.shape == (0,) and empty.dtype == jnp.float32
  # float and int steps agree on whole numbers
  k = np.asarray(case.steps, dtype=np.int32)
  np.testing.assert_allclose(s(jnp.asarray(k)), s(jnp.asarray(k.astype(np.float32))),
                             rtol=1e-5, atol=1e-7)


# padded with its last step to the cases' 25 steps: the eager calls below
# share their compiled programs with the other tests' calls at ``case.steps``
HUGE = pad(np.asarray([0, 2**24, 2**30, 2**31 - 2, 2**31 - 1], np.int32), len(CASES[0].steps))


def _jit_closed(schedules, k):
  """Each schedule at ``k`` in one jitted program, the schedules closed over."""
  return [np.asarray(o) for o in jax.jit(lambda k: [s(k) for s in schedules])(k)]


def _huge_cases(cases):
  return _jit_closed([c.build() for c in cases], HUGE)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_finite_at_huge_steps(case):
  s = case.build()
  k = jnp.asarray(HUGE)
  assert np.all(np.isfinite(np.asarray(s(k))))
  assert np.all(np.isfinite(np.asarray(s(k.astype(jnp.float32)))))
  jitted = in_block(_huge_cases, CASES, case)
  assert np.all(np.isfinite(jitted))


def _case_grads(name, xs, steps):
  """Per hyperparameter of case ``name``: the gradients at every sweep value
  (``xs[hp]``) and every step, vmapped (eager vmaps of gradients compiled ~10
  batched operations per case and hyperparameter)."""
  case = _BY_NAME[name]
  return {hp: jax.vmap(jax.vmap(jax.grad(lambda x, k, hp=hp: case.build(**{hp: x})(k)),
                                in_axes=(None, 0)), in_axes=(0, None))(x, steps)
          for hp, x in xs.items()}


@functools.partial(jax.jit, static_argnums=0)
def _grads(names, xss, stepss):
  """``_case_grads`` of each case in ``names``, in one jitted program (a block
  of 8 cases: 67 -> 9 compiles, ~15% less CPU than one program per case; larger
  blocks compile slower)."""
  return [_case_grads(n, xs, k) for n, xs, k in zip(names, xss, stepss)]


def _block_grads(cases):
  # NumPy arguments: no eager conversion compiles
  xss = [{hp: np.asarray(values, np.float32) for hp, values in c.sweeps.items()}
         for c in cases]
  out = _grads(tuple(c.name for c in cases), xss,
               [np.asarray(c.steps, np.int32) for c in cases])
  return [{hp: np.asarray(g) for hp, g in d.items()} for d in out]


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_finite_grad_wrt_every_hyperparameter(case):
  grads = in_block(_block_grads, CASES, case, size=8)  # 8: 7.2 s, 34: 7.7 s
  assert set(grads) == set(case.sweeps)
  for hp, values in case.sweeps.items():
    # one batched gradient over every sweep value and every step
    g = grads[hp]
    assert g.shape[:2] == (len(values), len(case.steps))
    assert np.all(np.isfinite(g)), (hp, values, g)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_config_round_trip(case):
  for hp, values in case.sweeps.items():
    s = case.build(**{hp: values[-1]})
    text = json.dumps(s.to_config())
    back = js.from_config(text)
    assert back == s
    assert type(back) is type(s)
    k = _steps(case)
    # s(k): the eager values of the last sweep value
    np.testing.assert_array_equal(np.asarray(back(k)), _concrete(case.name, hp)[-1])
    assert js.from_config(json.loads(text)) == s


def _numbered(case, i):
  """``case`` built with the ``i``-th value of every sweep of scalars."""
  kw = {hp: vals[i] for hp, vals in case.sweeps.items()
        if not isinstance(vals[0], list)}
  # keep sweep values whose type differs (int vs float) out of one trace
  kw = {hp: v for hp, v in kw.items()
        if type(v) is type(case.sweeps[hp][0])}
  try:
    return case.build(**kw)
  except ValueError:
    return case.build(**{hp: v for hp, v in list(kw.items())[:1]})


def _trace_runs(cases):
  """Each case built with its 1st, 2nd and 3rd sweep values, passed (as
  arguments) into one jitted function of all the cases: the number of traces,
  and per case the three schedules and their jitted values."""
  traces = []

  @jax.jit
  def f(schedules, ks):
    traces.append(1)
    return [s(k) for s, k in zip(schedules, ks)]

  ks = [np.asarray(c.steps, np.int32) for c in cases]
  built = [[_numbered(c, i) for i in range(3)] for c in cases]
  outs = [f([b[i] for b in built], ks) for i in range(3)]
  return len(traces), [(b, [np.asarray(o[j]) for o in outs])
                       for j, b in enumerate(built)]


def _traced_once(cases):
  """``_trace_runs``' rows, which must come from a single trace."""
  n, rows = _trace_runs(cases)
  assert n == 1, f"traced {n} times"
  return rows


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_jit_traces_once_whatever_the_numbers(case):
  schedules, got = in_block(_traced_once, CASES, case)
  k = _steps(case)
  for s, g in zip(schedules, got):
    np.testing.assert_allclose(g, np.asarray(s(k)), rtol=1e-6, atol=1e-7)


def _stacks(case):
  """The case built with each value of its first sweep, and their stack (None
  where the values change the structure, e.g. int and float mixed)."""
  hp = next(iter(case.sweeps))
  built = [case.build(**{hp: v}) for v in case.sweeps[hp]]
  try:
    return hp, js.stack(built)
  except ValueError:
    return hp, None


def _stack_block(cases):
  """``jax.vmap`` over each case's stack at its steps, a block of cases in one
  jitted program (eagerly, the vmaps compiled ~300 operations on their own)."""
  stacks = [_stacks(c)[1] for c in cases]

  @jax.jit
  def run(stacks):
    return [None if st is None else jax.vmap(lambda s, c=c: s(_steps(c)))(st)
            for st, c in zip(stacks, cases)]

  return [None if o is None else np.asarray(o) for o in run(stacks)]


# eager vmap runs every batched operation on its own (compiling each): the same
# traced code as under jit, so a few cases (the common family, a phased one, a
# composite) check JAX's eager path too (cosine_restarts' cycle table alone
# took 7 s of per-operation compiles)
EAGER_VMAP = {"warmup_cosine_decay", "one_cycle", "join"}


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_stack_and_vmap_sweep(case):
  hp, stacked = _stacks(case)
  if stacked is None:
    pytest.skip("values change the structure (e.g. int and float mixed)")
  want = _concrete(case.name, hp)  # each of the schedules at k, eagerly
  got = in_block(_stack_block, CASES, case)
  np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)
  if case.name in EAGER_VMAP:
    eager = jax.vmap(lambda s: s(_steps(case)))(stacked)
    np.testing.assert_allclose(np.asarray(eager), want, rtol=2e-5, atol=1e-6)


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
    # other(steps): the eager values of the last sweep value
    np.testing.assert_array_equal(np.asarray(r(jnp.asarray(case.steps))),
                                  _concrete(case.name, hp)[-1])
  assert changed, "no sweep value changes an argument"
  np.testing.assert_array_equal(np.asarray(s(jnp.asarray(case.steps))), before)
  with pytest.raises(ValueError, match="unknown argument"):
    s.replace(not_an_argument=1)
