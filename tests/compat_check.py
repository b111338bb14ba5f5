"""Shared checks of the compat tests: golden tolerances, error records, vmap.

Compiles are what these tests spend their time on, so every jitted evaluation
goes through ONE module-level function (``_apply``) with the steps padded to
one length (``pad_length``): schedules of one class and structure share one
compile, whatever their hyperparameters and however many steps they check.
Eager evaluations pad the same way (``eager``), so each jnp operation compiles
once per dtype instead of once per step count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from padded import at, pad, pad_length

RTOL, ATOL = 1e-5, 2e-7
EAGER_LENGTH = 256


@jax.jit
def _apply(schedule: Any, steps: jax.Array) -> jax.Array:
  return schedule(steps)


@jax.jit
def apply_each(schedules: Sequence[Any], steps: Sequence[Any]) -> list[jax.Array]:
  """``[s(k) for s, k in zip(schedules, steps)]`` in one jitted program.

  For lists of schedules that share no structure (one per class): one compile
  of the whole list is cheaper than one per schedule. Module level, so a second
  call with the same structure reuses the compile.
  """
  return [s(k) for s, k in zip(schedules, steps)]


def eager(schedule: Callable[[Any], Any], steps: Any,
          length: int = EAGER_LENGTH) -> np.ndarray:
  """``schedule(steps)`` called eagerly on the steps padded to ``length``, sliced
  (``padded.at``, keeping the steps' dtype)."""
  dtype = steps.dtype if isinstance(steps, jax.Array) else None
  return at(schedule, np.asarray(steps), length, dtype)


def jitted(schedule: Any, steps: Any, dtype: Any = np.int32,
           length: int | None = None) -> np.ndarray:
  """``schedule(steps)`` under the shared jit, steps padded to ``length``
  (default ``pad_length``). Pass the golden test's length to reuse its compile
  of a schedule of the same class and structure."""
  k = np.asarray(steps, dtype)
  n = k.shape[0]
  return np.asarray(_apply(schedule, pad(k, length or pad_length(n))))[:n]


def evaluate_all(schedules: Sequence[Any], steps: Sequence[Any],
                 dtype: Any = np.int32) -> list[np.ndarray]:
  """Every schedule at its own steps, under jit, as float64 NumPy arrays.

  One shared jitted function, all steps padded to one length: one small
  compile per class and structure (was one large program per 8 schedules).
  """
  length = pad_length(max(len(k) for k in steps))
  out = []
  for s, k in zip(schedules, steps):
    k = np.asarray(k, dtype)
    got = _apply(s, pad(k, length))
    out.append(np.asarray(got, np.float64)[:k.shape[0]])
  return out


def compare(label: str, steps: Sequence[int], got: np.ndarray, ref: np.ndarray,
            err: np.ndarray, failures: list[str],
            max_err: dict[str, tuple[float, float]], key: str) -> float:
  """Checks ``err <= RTOL |ref| + ATOL peak`` and records the worst errors.

  Appends a message to ``failures`` at the first step out of tolerance and keeps,
  per ``key``, the largest relative error (where ``|ref| > 1e-3 peak``) and the
  largest absolute error over the peak. Returns the peak.
  """
  peak = max(float(np.max(np.abs(ref))), 1e-30)
  bad = err > RTOL * np.abs(ref) + ATOL * peak
  if bad.any():
    i = int(np.argmax(bad))
    failures.append(f"{label}: step {steps[i]} got {got[i]!r} want {ref[i]!r}")
  big = np.abs(ref) > 1e-3 * peak
  rel = float(np.max(np.where(big, err / np.where(big, np.abs(ref), 1.0), 0.0)))
  old = max_err.get(key, (0.0, 0.0))
  max_err[key] = (max(old[0], rel), max(old[1], float(np.max(err)) / peak))
  return peak


def report(title: str, max_err: dict[str, tuple[float, float]], width: int) -> None:
  print(f"\nmax error vs {title}: relative (|ref| > 1e-3 peak), absolute / peak")
  for key, (rel, ab) in sorted(max_err.items()):
    print(f"  {key:{width}s} {rel:.2e}  {ab:.2e}")


def _vmap_rows(cols: list[jax.Array], steps: jax.Array, *, make: Any) -> jax.Array:
  return jax.vmap(lambda *a: make(*a)(steps))(*cols)


_vmapped = jax.jit(_vmap_rows, static_argnames="make")


def check_eager_equals_jit(ids: Sequence[str], schedules: Sequence[Any],
                           steps: jax.Array, length: int | None = None) -> None:
  """Each schedule eagerly equals itself under jit (to a few float32 ulps of the
  peak: XLA rewrites ``x / n`` as ``x * (1 / n)``), and uint32 steps give the
  int32 values exactly.

  With ``length`` the jitted values come from the shared ``_apply`` at steps
  padded to ``length`` (the golden test's, whose compiles they then reuse);
  without it from one ``apply_each`` program of all schedules."""
  if length is None:
    jit_k = apply_each(list(schedules), [steps] * len(schedules))
  else:
    jit_k = [jitted(s, steps, steps.dtype, length) for s in schedules]
  for label, s, j in zip(ids, schedules, jit_k):
    eager_k = eager(s, steps)
    np.testing.assert_allclose(eager_k, j, rtol=1e-6,
                               atol=1e-7 * np.max(np.abs(eager_k)), err_msg=label)
    np.testing.assert_array_equal(eager(s, steps.astype(jnp.uint32)), eager_k,
                                  err_msg=label)


def check_vmap(name: str, make: Callable[..., Any], cols: Sequence[Sequence[Any]],
               steps: jax.Array, length: int | None = None) -> None:
  """vmap of ``make`` over the columns equals each concrete row, one by one.

  The vmap runs under jit (one compile; eager vmap compiled every batched
  operation on its own); each concrete row goes through the shared ``_apply``,
  at the steps padded to ``length`` if given (the golden test's length: a row
  of the class and structure of a golden case reuses that compile).
  """
  batched = _vmapped([jnp.asarray(c) for c in cols], steps, make=make)
  assert batched.shape == (len(cols[0]), steps.shape[0])
  for i, vals in enumerate(zip(*cols)):
    if length is None:
      single = np.asarray(_apply(make(*vals), steps))
    else:
      single = jitted(make(*vals), steps, steps.dtype, length)
    np.testing.assert_allclose(np.asarray(batched[i]), single,
                               rtol=2e-6, atol=1e-7, err_msg=f"{name} {vals}")
