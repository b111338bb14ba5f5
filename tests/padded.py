"""Fewer compiles for the tests that run every case (property, value and optax
tests).

Eager JAX compiles every operation once per shape and dtype of its operands, so
a test file that evaluates schedules at step arrays of many lengths compiles
each operation again for every length. :func:`at` pads the steps to one width
with the last step and slices the result: the same steps are checked, and each
operation is compiled once for all of them.

A test that jits a function closing over one case's schedule compiles once per
case; :func:`block` groups the cases by :data:`BLOCK` so that one jitted
program serves a block (a block of about 8 small programs compiles fastest on
2 busy cores; one program for every case compiles superlinearly slower).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np


def pad(steps: Any, width: int) -> np.ndarray:
  """``steps`` (1-d) followed by copies of its last step, ``width`` in all."""
  steps = np.asarray(steps)
  if steps.ndim != 1 or not 0 < len(steps) <= width:
    raise ValueError(f"pad: steps of shape {steps.shape} do not fit width {width}")
  return np.concatenate([steps, np.full(width - len(steps), steps[-1], steps.dtype)])


def at(schedule: Any, steps: Any, width: int, dtype: Any = jnp.int32) -> np.ndarray:
  """``schedule`` called eagerly on ``steps`` padded to ``width`` (as ``dtype``),
  the result for ``steps`` only (a NumPy array of the schedule's dtype)."""
  n = len(np.asarray(steps))
  out = schedule(jnp.asarray(pad(steps, width), dtype))
  return np.asarray(out)[:n]


BLOCK = 8


def block(items: Sequence[Any], item: Any, size: int = BLOCK) -> tuple[int, int]:
  """``(start, i)``: ``item`` is ``items[start + i]``, in the block
  ``items[start:start + size]``."""
  j = next(n for n, x in enumerate(items) if x is item)
  return j - j % size, j % size
