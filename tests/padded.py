"""Fewer compiles for the tests that run every case (property, value and optax
tests).

Eager JAX compiles every operation once per shape and dtype of its operands, so
a test file that evaluates schedules at step arrays of many lengths compiles
each operation again for every length. :func:`at` pads the steps to one width
with the last step and slices the result: the same steps are checked, and each
operation is compiled once for all of them.

A test that jits a function closing over one case's schedule compiles once per
case; :func:`in_block` groups the cases by :data:`BLOCK` so that one jitted
program serves a block (a block of about 8 small programs compiles fastest on
2 busy cores; one program for every case compiles superlinearly slower).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np


def pad(steps: Any, width: int, dtype: Any = None) -> np.ndarray:
  """``steps`` (1-d, as ``dtype`` if given) followed by copies of its last
  step, ``width`` in all."""
  steps = np.asarray(steps) if dtype is None else np.asarray(steps, dtype)
  if steps.ndim != 1 or not 0 < len(steps) <= width:
    raise ValueError(f"pad: steps of shape {steps.shape} do not fit width {width}")
  return np.concatenate([steps, np.full(width - len(steps), steps[-1], steps.dtype)])


def round_up(n: int, width: int) -> int:
  """The smallest multiple of ``width`` that holds ``n`` steps (at least one)."""
  return max(width, -(-int(n) // width) * width)


def pad_length(n: int, minimum: int = 64) -> int:
  """A power of two that holds ``n`` steps, at least ``minimum``."""
  return max(minimum, 1 << max(int(n) - 1, 0).bit_length())


def at(schedule: Any, steps: Any, width: int, dtype: Any = jnp.int32) -> np.ndarray:
  """``schedule`` called eagerly on ``steps`` padded to ``width`` (as ``dtype``),
  the result for ``steps`` only (a NumPy array of the schedule's dtype)."""
  n = len(np.asarray(steps))
  out = schedule(jnp.asarray(pad(steps, width), dtype))
  return np.asarray(out)[:n]


# Items per jitted program. XLA's compile time grows less than linearly with a
# program's size here: one program of 32 cases compiles in 6-18% less time than
# four of 8 (measured per block function, JAXSCHED_TEST_CACHE=0: the vmap over
# each hyperparameter 6.7 -> 5.8 s, inject 1.8 -> 1.5 s); the reverse-mode
# gradients are the exception (``test_properties._block_grads``, 8).
BLOCK = 32


def block(items: Sequence[Any], item: Any, size: int = BLOCK) -> tuple[int, int]:
  """``(start, i)``: ``item`` is ``items[start + i]``, in the block
  ``items[start:start + size]``."""
  j = next(n for n, x in enumerate(items) if x is item)
  return j - j % size, j % size


_BLOCKS: dict[tuple[Any, int, int], Any] = {}


def in_block(run: Callable[[Sequence[Any]], Sequence[Any]], items: Sequence[Any],
             item: Any, size: int = BLOCK) -> Any:
  """``item``'s entry of ``run(block)``, for the block of ``size`` items that
  holds it: ``run`` is called once per block (a module-level function, so that
  the other items of the block find its result). Where it raises on the block,
  ``run([item])[0]`` alone, so that a failing item fails its own test."""
  start, i = block(items, item, size)
  key = (run, start, size)
  if key not in _BLOCKS:
    try:
      _BLOCKS[key] = run(items[start:start + size])
    except Exception:  # the failing item fails its own test below
      _BLOCKS[key] = None
  out = _BLOCKS[key]
  return out[i] if out is not None else run([item])[0]
