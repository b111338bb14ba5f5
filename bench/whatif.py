"""Proposed library fixes, measured in this process only (the library is unchanged).

Case 4 found jaxsched slower than optax on long curves. These patches swap one
helper of ``jaxsched._shapes`` while a variant is traced, to measure what the
suggested fix would buy; if the helpers are renamed, the what-if rows are
skipped.

* ``safe_pow`` computes ``x ** p`` as ``exp(p * log(x))``: XLA cannot simplify
  that for a constant ``p = 1.0`` (the default cosine exponent, ``peak_decay``),
  so every element pays a log and an exp. Fix: ``lax.pow(x, p)`` on the same
  guarded base, which XLA folds to ``x`` for ``p = 1`` (and to a multiply or a
  sqrt for 2 or 0.5); for a traced ``p`` it is the same exp/log as today.
* ``searchsorted_right`` uses ``jnp.searchsorted(method="scan")``: a while loop
  of ceil(log2(m + 1)) iterations, each a full pass with a gather over the step
  array. Fix: ``method="scan_unrolled"`` (one fused pass per level, no loop), with
  the boundaries behind ``lax.optimization_barrier``: otherwise XLA constant-folds
  the first level's gather of closed-over boundaries into a step-sized constant
  (a "Constant folding an instruction is taking > 1s" alarm and a 40 MB constant
  at 10M steps).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import jax
import jax.numpy as jnp


def _shapes() -> Any:
  from jaxsched import _shapes  # noqa: PLC0415
  return _shapes


def safe_pow_lax(x: Any, p: Any) -> jax.Array:
  S = _shapes()
  x, p = S.f(x), S.f(p)
  pos = x > 0
  xs = jnp.where(pos, x, 1.0)
  return jnp.where(pos, jax.lax.pow(xs, p), jnp.where(p == 0, 1.0, 0.0))


def searchsorted_right_unrolled(boundaries: Any, k: Any) -> jax.Array:
  S = _shapes()
  b, a, _ = S._both_int(boundaries, k)  # noqa: SLF001
  b = jax.lax.optimization_barrier(b)
  return jnp.searchsorted(b, a, side="right",
                          method="scan_unrolled").astype(jnp.int32)


FIXES = {"safe_pow": safe_pow_lax, "searchsorted_right": searchsorted_right_unrolled}


def available() -> bool:
  try:
    S = _shapes()
  except ImportError:
    return False
  return all(hasattr(S, n) for n in FIXES) and hasattr(S, "_both_int")


@contextlib.contextmanager
def patched(*names: str) -> Iterator[None]:
  """Swaps ``jaxsched._shapes.<name>`` for the proposed fix while active."""
  S = _shapes()
  old = {n: getattr(S, n) for n in names}
  try:
    for n in names:
      setattr(S, n, FIXES[n])
    yield
  finally:
    for n, f in old.items():
      setattr(S, n, f)
