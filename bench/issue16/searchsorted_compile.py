# Issue 16: piecewise_constant lower+compile at 10 / 100 / 1000 boundaries with
# the library's integer search against the previous jnp.searchsorted
# (method="scan_unrolled"), one process, interleaved, medians; also the 10M-step
# run time at 100 and 1000 boundaries. Run:
#   PYTHONPATH=. python bench/issue16/searchsorted_compile.py [repeats]
import json
import os
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxsched as js
from bench import whatif
from jaxsched import _shapes as S

N = 10_000
now = S._searchsorted
ways = {"now": now, "before": whatif.searchsorted_before}
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
k = jnp.arange(N, dtype=jnp.int32)
ns = (10, 100, 1000)
sched = {n: js.piecewise_constant(np.arange(1, n + 1) * (N // n), 0.99 ** np.arange(n + 1))
         for n in ns}
load0 = os.getloadavg()
t = {}
for rep in range(reps + 1):  # the first round is an untimed warm-up
  for n in ns:
    for name, fn in ways.items():
      S._searchsorted = fn
      f = lambda k, s=sched[n]: s(k)
      t0 = time.perf_counter(); jax.jit(f).lower(k).compile(); dt = time.perf_counter() - t0
      if rep:
        t.setdefault(f"{name}@{n}", []).append(dt)
S._searchsorted = now
med = {key: statistics.median(v) for key, v in t.items()}
K = jnp.arange(10_000_000, dtype=jnp.int32)
run = {}
for n in (100, 1000):
  s = js.piecewise_constant(np.arange(1, n + 1) * (10_000_000 // n), 0.99 ** np.arange(n + 1))
  exes = {}
  for name, fn in ways.items():
    S._searchsorted = fn
    exes[name] = jax.jit(lambda k: s(k)).lower(K).compile()
  S._searchsorted = now
  assert (np.asarray(exes["now"](K)) == np.asarray(exes["before"](K))).all()
  rt = {}
  for rep in range(6):
    for name, e in exes.items():
      t0 = time.perf_counter(); e(K).block_until_ready(); dt = time.perf_counter() - t0
      if rep:
        rt.setdefault(name, []).append(dt)
  run[n] = {name: statistics.median(v) for name, v in rt.items()}
out = {"compile_s": med, "repeats": reps, "load_start": load0, "load_end": os.getloadavg(),
       "growth_10_to_1000": {w: med[f"{w}@1000"] / med[f"{w}@10"] for w in ways},
       "now_over_before_at_1000": med["now@1000"] / med["before@1000"],
       "run_10M_s": run}
print(json.dumps(out, indent=1))
