# Issue 16: compile time of piecewise_constant with the new integer search
# against the previous one (jnp.searchsorted, method="scan_unrolled"), one
# process, interleaved. Run: PYTHONPATH=. python bench/issue16/searchsorted_compile.py
import time, jax, jax.numpy as jnp, numpy as np
import jaxsched as js
from jaxsched import _shapes as S
N=10_000
new = S._searchsorted
def old(b, a, side):
  b = jax.lax.optimization_barrier(b)
  return jnp.searchsorted(b, a, side=side, method="scan_unrolled").astype(jnp.int32)
def t1(s):
  f = lambda k: s(k)
  t0=time.perf_counter(); jax.jit(f).lower(jnp.arange(N)).compile(); return time.perf_counter()-t0
res={}
for rep in range(5):
  for n in (10, 1000):
    s = js.piecewise_constant(np.arange(1, n + 1) * (N // n), 0.99 ** np.arange(n + 1))
    for name, fn in (("new", new), ("old", old)):
      S._searchsorted = fn
      res.setdefault((name,n),[]).append(t1(s))
S._searchsorted = new
med={k: np.median(v) for k,v in res.items()}
for k,v in med.items(): print(k, round(v*1000,1), "ms")
for m in ("new","old"): print(m, "growth", round(med[(m,1000)]/med[(m,10)],2))
print("new/old at 1000:", round(med[("new",1000)]/med[("old",1000)],2))
