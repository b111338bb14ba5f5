"""A schedule called outside JAX transformations runs as one compiled program.

``Schedule.__call__`` with a concrete step and concrete hyperparameters calls one
module-level jitted function with the schedule as an argument: one compile per
structure and step shape, one dispatch per call. Operation by operation (as
under ``jax.disable_jit()``), every operation is dispatched, and first compiled,
on its own: tens of milliseconds per scalar call on 2 CPU cores.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from cases import CASES
from compat_check import apply_each
from padded import in_block

import jaxsched as js
from jaxsched import _base, _cli_cache


def test_every_case_runs_compiled_when_called_eagerly():
  """The compiled path covers every family and combinator (none falls back to
  operation-by-operation for a leaf JAX cannot take as an argument)."""
  k = jnp.arange(3)
  slow = [c.name for c in CASES if not _base._runs_compiled(c.build(), k)]  # pylint: disable=protected-access
  assert not slow


def test_a_first_eager_call_compiles_one_program_and_a_second_schedule_none():
  # a step shape no other test uses, so nothing is compiled for it yet
  k = np.arange(41 * 7, dtype=np.int32).reshape(41, 7)
  a = js.cosine_restarts(1.0, 20, period_mult=2.0, peak_decay=0.5)
  b = js.cosine_restarts(0.3, 7, period_mult=3.0, peak_decay=0.9)
  with _cli_cache.counting() as first:
    out_a = a(k)
  with _cli_cache.counting() as second:
    out_b = b(k)  # same structure and step shape: the same program
  assert first.requests == 1, first.requests
  assert second.requests == 0, second.requests
  assert out_a.shape == k.shape and out_a.dtype == jnp.float32
  # operation by operation, the same numbers to float32 precision
  with jax.disable_jit(), _cli_cache.counting() as by_op:
    op_a = a(k.T)  # another shape: each operation compiles on its own
  assert by_op.requests > 10, by_op.requests
  np.testing.assert_allclose(np.asarray(op_a).T, np.asarray(out_a), rtol=1e-6, atol=1e-7)
  np.testing.assert_allclose(np.asarray(b(k.T)).T, np.asarray(out_b), rtol=1e-6,
                             atol=1e-7)


def test_a_python_int_step_and_an_int32_scalar_share_one_program():
  """``s(5)`` (a Python int, weakly typed) and ``s(jnp.int32(5))`` (optax's count)
  run one compiled program, with the same bits; under x64 they stay apart."""
  s = js.cosine_restarts(1.0, 13, period_mult=3.0, peak_decay=0.25)
  steps = [0, 12, 13, 52, 2**31 - 1]
  want = [s(jnp.int32(k)) for k in steps]
  with _cli_cache.counting() as count:
    got = [s(k) for k in steps]
  assert count.requests == 0, count.requests
  for g, w in zip(got, want):
    assert g.dtype == w.dtype == jnp.float32 and g.shape == ()
    np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


def _jitted_block(cases):
  return apply_each([c.build() for c in cases],
                    [jnp.asarray(c.steps, jnp.int32) for c in cases])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_eager_equals_the_schedule_passed_into_jit_bit_for_bit(case):
  """The compiled eager call is the program of a schedule passed as an argument
  into jit (here with seven other cases' schedules): the same bits."""
  want = in_block(_jitted_block, CASES, case)
  got = case.build()(jnp.asarray(case.steps, jnp.int32))
  np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


@pytest.mark.parametrize("mode", ["jit", "vmap", "grad"])
def test_traced_calls_are_inline(mode):
  """Inside a transformation the schedule is traced where it is called (no
  nested call of the shared jitted function in the program)."""
  s = js.warmup_cosine_decay(1.0, 10, 100)
  if mode == "jit":
    jaxpr = jax.make_jaxpr(lambda k: s(k))(jnp.arange(4))
  elif mode == "vmap":
    jaxpr = jax.make_jaxpr(jax.vmap(lambda p: js.warmup_cosine_decay(p, 10, 100)(5)))(
        jnp.ones(3))
  else:
    jaxpr = jax.make_jaxpr(jax.grad(lambda p: js.warmup_cosine_decay(p, 10, 100)(5)))(1.0)
  names = {str(e.params.get("name", "")) for e in jaxpr.jaxpr.eqns}
  assert _base._schedule_call.__name__ not in names, names  # pylint: disable=protected-access
  # the check can fail: outside a transformation the call is that jitted function
  eager = jax.make_jaxpr(lambda k: _base._compiled_call(s, k))(jnp.arange(4))  # pylint: disable=protected-access
  assert _base._schedule_call.__name__ in {  # pylint: disable=protected-access
      str(e.params.get("name", "")) for e in eager.jaxpr.eqns}
