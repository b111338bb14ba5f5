"""Shared checks of the compat tests: golden tolerances, error records, vmap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

RTOL, ATOL = 1e-5, 2e-7


def evaluate_all(schedules: Sequence[Any], steps: Sequence[Any],
                 chunk: int = 8) -> list[np.ndarray]:
  """Every schedule at its own steps, ``chunk`` schedules per jitted call.

  One call for everything is one very large program: on 2 busy cores its
  compile took 80 s of wall time for 20 s of CPU time (XLA's compile threads
  wait on each other); chunks of 8 take the same CPU time and about 20 s.
  """
  out: list[np.ndarray] = []
  for i in range(0, len(schedules), chunk):
    got = jax.jit(lambda ss, ks: [s(k) for s, k in zip(ss, ks)])(
        list(schedules[i:i + chunk]),
        [np.asarray(k, np.int32) for k in steps[i:i + chunk]])
    out += [np.asarray(o, np.float64) for o in got]
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


def check_vmap(name: str, make: Callable[..., Any], cols: Sequence[Sequence[Any]],
               steps: jax.Array) -> None:
  """vmap of ``make`` over the columns equals each concrete row, one by one."""
  batched = jax.vmap(lambda *a: make(*a)(steps))(*[jnp.asarray(c) for c in cols])
  assert batched.shape == (len(cols[0]), steps.shape[0])
  ones = [make(*vals) for vals in zip(*cols)]
  singles = jax.jit(lambda ss: [s(steps) for s in ss])(ones)
  for i, vals in enumerate(zip(*cols)):
    np.testing.assert_allclose(np.asarray(batched[i]), np.asarray(singles[i]),
                               rtol=2e-6, atol=1e-7, err_msg=f"{name} {vals}")
