"""Case 3: cost of a schedule inside a jitted ``lax.scan`` training loop.

The same model and Adam, four learning rates: a constant float, jaxsched's
``warmup_cosine_decay`` (closed over, and passed as a traced jit argument), and
optax's ``warmup_cosine_decay_schedule`` with the same numbers. Run time per
training step, interleaved medians.
"""

from __future__ import annotations

from typing import Any

import optax

import jaxsched as js
from bench import common as C
from bench import model as M

PEAK, WARMUP = 1e-2, 100


def run(quick: bool) -> dict[str, Any]:
  num_steps = 20 if quick else 2000
  repeats = 3 if quick else 31
  x, y = M.data(small=quick)
  params = M.init(small=quick)
  warmup = min(WARMUP, num_steps // 2)
  ours = js.warmup_cosine_decay(PEAK, warmup, num_steps)
  peer = optax.warmup_cosine_decay_schedule(0.0, PEAK, warmup, num_steps)

  def closed(lr):
    return lambda: (lambda p: M.train(p, optax.adam(lr), x, y, num_steps))

  makers = {
      "constant": (closed(PEAK), (params,)),
      "jaxsched": (closed(ours), (params,)),
      "jaxsched (traced arg)": (
          lambda: (lambda p, s: M.train(p, optax.adam(s), x, y, num_steps)),
          (params, ours)),
      "optax": (closed(peer), (params,)),
  }
  if quick:
    del makers["jaxsched (traced arg)"]
  exes, compile_s, hlo = {}, {}, {}
  for name, (make, args) in makers.items():
    lo, co, exe = C.compile_once(make, *args)
    exes[name] = (exe, args)
    compile_s[name] = lo + co
    hlo[name] = C.hlo_stats(exe)
  times = C.run_times(exes, repeats)
  per_step = {k: v / num_steps for k, v in times.items()}
  r_opt = C.ratio(per_step["jaxsched"], per_step["optax"])
  r_const = C.ratio(per_step["jaxsched"], per_step["constant"])
  return {
      "num_steps": num_steps, "repeats": repeats,
      "model": f"MLP {M.IN}-{M.HIDDEN}-{M.HIDDEN}-1, adam, batch {M.BATCH}",
      "per_step_s": per_step, "compile_s": compile_s, "hlo": hlo,
      "ratio_vs_optax": r_opt, "ratio_vs_constant": r_const,
      "ratio_traced_arg_vs_optax": None if quick else C.ratio(
          per_step["jaxsched (traced arg)"], per_step["optax"]),
      "target": {"max_ratio": 1.05},
      "met": None if quick else bool(r_opt <= 1.05 and r_const <= 1.05),
      "load": C.load(),
  }


def markdown(res: dict[str, Any]) -> str:
  base = res["per_step_s"]["optax"]
  rows = [[k, v * 1e6, res["compile_s"][k], C.ratio(v, base),
           res["hlo"][k]["instructions"], res["hlo"][k]["fusions"]]
          for k, v in res["per_step_s"].items()]
  return (C.table(["learning rate", "run per step (µs)", "compile (s)",
                   "vs optax", "HLO instructions", "HLO fusions"], rows) +
          f"\n\njaxsched / optax: **{C.fmt(res['ratio_vs_optax'])}**, "
          f"jaxsched / constant: **{C.fmt(res['ratio_vs_constant'])}** "
          f"({res['num_steps']} steps per run, median of {res['repeats']}).")
