"""Case 4: evaluating a 10-million-step curve, ``s(jnp.arange(10_000_000))`` jitted.

jaxsched against optax for the same family and numbers, and against a trivial
memory-bound kernel (``k.astype(float32) * 2.0``) as the practical limit. The
compiled HLO of each variant is searched for its expensive ops (transcendentals,
while loops, gathers), the usual explanation of a gap.
"""

from __future__ import annotations

import re
from typing import Any

import jax.numpy as jnp
import numpy as np
import optax

import jaxsched as js
from bench import common as C
from bench import whatif

N_BOUNDS = 100
N_CYCLES = 100
_OPS = ("exponential", "log", "cosine", "power", "while", "gather", "fusion")


def _pairs(num_steps: int, quick: bool = False) -> dict[str, tuple[Any, Any]]:
  """family -> (jaxsched schedule, optax schedule), equal numbers.

  The quick smoke run uses 3 boundaries and 4 cycles under the same family names.
  """
  nb, nc = (3, 4) if quick else (N_BOUNDS, N_CYCLES)
  bounds = np.arange(1, nb + 1) * (num_steps // (nb + 1))
  scales = {int(b): 0.97 for b in bounds}
  period = num_steps // nc
  warm = num_steps // 100
  return {
      "warmup_cosine_decay": (
          js.warmup_cosine_decay(1.0, warm, num_steps),
          optax.warmup_cosine_decay_schedule(0.0, 1.0, warm, num_steps)),
      f"piecewise_constant ({N_BOUNDS} boundaries)": (
          js.piecewise_constant(bounds, 0.97 ** np.arange(nb + 1)),
          optax.piecewise_constant_schedule(1.0, scales)),
      f"multistep ({N_BOUNDS} milestones)": (
          js.multistep(1.0, bounds, gamma=0.97),
          optax.piecewise_constant_schedule(1.0, scales)),
      f"cosine_restarts / sgdr ({N_CYCLES} cycles)": (
          js.cosine_restarts(1.0, period),
          optax.sgdr_schedule([dict(init_value=1.0, peak_value=1.0,
                                    warmup_steps=0, decay_steps=period,
                                    end_value=0.0)] * nc)),
  }


# family -> the helpers restored to their pre-issue-16 form (bench/whatif.py)
WHAT_IF = {
    "warmup_cosine_decay": ("_concrete",),
    f"piecewise_constant ({N_BOUNDS} boundaries)": ("_searchsorted",),
    f"multistep ({N_BOUNDS} milestones)": ("_searchsorted",),
    f"cosine_restarts / sgdr ({N_CYCLES} cycles)": ("_searchsorted", "_concrete"),
}


def hlo_ops(exe: Any) -> dict[str, int]:
  """Counts of selected ops in a compiled executable's optimised HLO."""
  text = exe.as_text()
  return {op: len(re.findall(rf"\s{op}\(", text)) for op in _OPS}


def run(quick: bool) -> dict[str, Any]:
  num_steps = 1_000 if quick else 10_000_000
  repeats = 2 if quick else 5
  k = jnp.arange(num_steps, dtype=jnp.int32)
  variants: dict[str, Any] = {"limit: k.astype(f32) * 2.0":
                              lambda k: k.astype(jnp.float32) * 2.0}
  pairs = _pairs(num_steps, quick)
  for fam, (ours, peer) in pairs.items():
    variants[f"jaxsched {fam}"] = lambda k, s=ours: s(k)
    variants[f"optax {fam}"] = lambda k, s=peer: s(k)
  patches = {}
  if whatif.available() and not quick:
    for fam, (ours, _) in pairs.items():
      variants[f"what-if {fam}"] = lambda k, s=ours: s(k)
      patches[f"what-if {fam}"] = WHAT_IF[fam]
  exes, compile_s, ops = {}, {}, {}
  for name, fn in variants.items():
    with whatif.patched(*patches.get(name, ())):
      lo, co, exe = C.compile_once(lambda fn=fn: (lambda k: fn(k)), k)
    exes[name] = (exe, (k,))
    compile_s[name] = lo + co
    ops[name] = hlo_ops(exe)
  times = C.run_times(exes, repeats)
  limit = times["limit: k.astype(f32) * 2.0"]
  rows = []
  for fam in pairs:
    a, b = times[f"jaxsched {fam}"], times[f"optax {fam}"]
    diff = float(jnp.max(jnp.abs(exes[f"jaxsched {fam}"][0](k) -
                                 exes[f"optax {fam}"][0](k))))
    w = times.get(f"what-if {fam}")
    if w is not None:
      got = exes[f"what-if {fam}"][0](k)
      what_if = {"fixes": list(WHAT_IF[fam]), "time_s": w,
                 "ratio_vs_optax": w / b, "before_over_now": w / a,
                 "max_abs_diff_vs_current": float(jnp.max(jnp.abs(
                     got - exes[f"jaxsched {fam}"][0](k)))),
                 "compile_s": compile_s[f"what-if {fam}"],
                 "ops": ops[f"what-if {fam}"]}
    else:
      what_if = None
    rows.append({"family": fam, "jaxsched_s": a, "optax_s": b, "what_if": what_if,
                 "ratio_vs_optax": a / b, "ratio_vs_limit": a / limit,
                 "optax_vs_limit": b / limit, "max_abs_diff": diff,
                 "jaxsched_ops": ops[f"jaxsched {fam}"],
                 "optax_ops": ops[f"optax {fam}"]})
  return {"num_steps": num_steps, "repeats": repeats, "limit_s": limit,
          "limit_ops": ops["limit: k.astype(f32) * 2.0"], "rows": rows,
          "compile_s": compile_s, "target": {"max_ratio_vs_optax": 1.0},
          "met": None if quick else all(r["ratio_vs_optax"] <= 1.0 for r in rows),
          "load": C.load()}


def _ops_str(o: dict[str, int]) -> str:
  keep = ("exponential", "log", "cosine", "while", "gather")
  return ", ".join(f"{k} {o[k]}" for k in keep if o.get(k))


def markdown(res: dict[str, Any]) -> str:
  n = res["num_steps"]
  rows = [[r["family"], r["jaxsched_s"] * 1e3, r["optax_s"] * 1e3,
           r["ratio_vs_optax"], r["ratio_vs_limit"], r["optax_vs_limit"],
           r["max_abs_diff"], _ops_str(r["jaxsched_ops"]) or "-",
           _ops_str(r["optax_ops"]) or "-"] for r in res["rows"]]
  out = (C.table(["family", "jaxsched (ms)", "optax (ms)", "jaxsched / optax",
                  "jaxsched / limit", "optax / limit", "max abs diff",
                  "jaxsched HLO ops", "optax HLO ops"], rows) +
         f"\n\nLimit (`k.astype(f32) * 2.0` over {n:,} int32 steps): "
         f"{C.fmt(res['limit_s'] * 1e3)} ms; median of {res['repeats']}.")
  wrows = [[r["family"], ", ".join(r["what_if"]["fixes"]),
            r["what_if"]["time_s"] * 1e3, r["what_if"]["ratio_vs_optax"],
            r["what_if"]["before_over_now"],
            r["what_if"]["max_abs_diff_vs_current"],
            _ops_str(r["what_if"]["ops"]) or "-"]
           for r in res["rows"] if r.get("what_if")]
  if wrows:
    out += ("\n\nBefore issue 16: the same families with the changed helpers "
            "restored in-process (`bench/whatif.py`), timed in the same "
            "interleaved loop:\n\n" +
            C.table(["family", "restored helper(s)", "before (ms)",
                     "before / optax", "before / now", "max abs diff vs "
                     "now", "before HLO ops"], wrows))
  return out
