"""Eager evaluation at one padded shape (shared by the property, value and
optax tests).

Eager JAX compiles every operation once per shape and dtype of its operands, so
a test file that evaluates schedules at step arrays of many lengths compiles
each operation again for every length. :func:`at` pads the steps to one width
with the last step and slices the result: the same steps are checked, and each
operation is compiled once for all of them.
"""

from __future__ import annotations

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
