"""The library as it was before issue 16, restored in this process only.

Case 4 times each family twice in the same interleaved loop: as the library is
now, and with the helpers that issue 16 changed swapped back while the variant is
traced, so that the speedup of the change is measured under the same load (the
library files are never changed). If the helpers are renamed, the "before" rows
are skipped.

* ``_searchsorted``: now a padded branchless binary search for integers (passes
  separated by a barrier, looped beyond four passes); before,
  ``jnp.searchsorted(method="scan_unrolled")`` behind a barrier, whose passes XLA
  recomputed inside every later pass.
* ``_concrete``: now the trace-time fast paths of ``cos_anneal`` (a concrete
  exponent 1 squares directly, a concrete end 0 skips its +0 term) and of
  ``warmup_cosine_decay`` (an init of 0 skips the warmup's ``left`` half); a
  ``_concrete`` that never finds a concrete value restores the general formulas.
  Both give the same jitted numbers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp


def _shapes() -> Any:
  from jaxsched import _shapes  # noqa: PLC0415
  return _shapes


def searchsorted_before(b: Any, a: Any, side: str) -> jax.Array:
  b = jax.lax.optimization_barrier(b)
  return jnp.searchsorted(b, a, side=side, method="scan_unrolled").astype(jnp.int32)


def concrete_never(x: Any) -> None:
  del x


BEFORE = {"_searchsorted": searchsorted_before, "_concrete": concrete_never}


def available() -> bool:
  try:
    S = _shapes()
  except ImportError:
    return False
  return all(hasattr(S, n) for n in BEFORE)


@contextlib.contextmanager
def patched(*names: str) -> Iterator[None]:
  """Swaps ``jaxsched._shapes.<name>`` for its pre-issue-16 form while active."""
  S = _shapes()
  old = {n: getattr(S, n) for n in names}
  try:
    for n in names:
      setattr(S, n, BEFORE[n])
    yield
  finally:
    for n, f in old.items():
      setattr(S, n, f)
