"""Compile cost does not grow with the number of boundaries, milestones or cycles.

The number of operations in the lowered program (lines of its StableHLO text) is
a proxy for compile time that is stable across machines: it must not grow with
the number of segments (timings live in bench/): the integer binary search is
unrolled up to four passes (n < 16) and beyond that one looped pass body.
Characters would grow, only because a closed-over array of 1000 boundaries is printed as a literal.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched as js


def _hlo_size(schedule, as_argument: bool) -> int:
  k = jnp.arange(100, dtype=jnp.int32)
  if as_argument:
    text = jax.jit(lambda s, k: s(k)).lower(schedule, k).as_text()
  else:
    text = jax.jit(lambda k: schedule(k)).lower(k).as_text()
  return len(text.splitlines())


def _builders():
  return {
      "piecewise_constant": lambda n: js.piecewise_constant(
          np.arange(1, n + 1) * 10, np.linspace(1.0, 0.0, n + 1)),
      "piecewise_linear": lambda n: js.piecewise_linear(
          np.arange(n) * 10, np.linspace(1.0, 0.0, n)),
      "multistep": lambda n: js.multistep(1.0, np.arange(1, n + 1) * 10, gamma=0.99),
      "join_cosine": lambda n: js.join(
          [js.warmup_cosine_decay(1.0 / (i + 1), 2, 10) for i in range(n)],
          list(range(10, 10 * n, 10))),
      "join_mixed": lambda n: js.join(
          [js.linear(0.0, 1.0, 5) if i % 2 else js.cosine_decay(1.0, 10)
           for i in range(n)], list(range(10, 10 * n, 10))),
  }


@pytest.mark.parametrize("name", list(_builders()))
@pytest.mark.parametrize("as_argument", [False, True], ids=["closed", "argument"])
def test_hlo_size_independent_of_segment_count(name, as_argument):
  build = _builders()[name]
  small = _hlo_size(build(10), as_argument)
  large = _hlo_size(build(1000), as_argument)
  # n=10: four unrolled search passes; n=1000: one pass body in a loop (a few
  # lines of loop structure), nothing per boundary
  assert large - small <= 2 * (10 - 4), (small, large)
  assert large <= 1.15 * small, (small, large)


def test_cosine_restarts_cost_independent_of_cycles():
  k_small = jnp.arange(100, dtype=jnp.int32)
  k_large = jnp.arange(100, dtype=jnp.int32) * 100_000
  s = js.cosine_restarts(1.0, 10, period_mult=1.0)
  a = jax.jit(lambda k: s(k)).lower(k_small).as_text()
  b = jax.jit(lambda k: s(k)).lower(k_large).as_text()
  assert a == b
  # and the values at a million cycles in are right
  np.testing.assert_allclose(np.asarray(s(jnp.int32(10_000_005))),
                             0.5 * (1 + np.cos(np.pi * 0.5)), atol=1e-6)
