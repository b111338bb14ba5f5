"""Case 7: a 64-configuration sweep through ``jaxsched.sweep`` vs a compile per config.

jaxsched: the public sweep API. ``jaxsched.sweep(train, schedules, data)`` stacks
the 64 warmup-cosine schedules (4 peaks x 4 warmups x 4 lengths), runs
``jax.vmap(train)`` over them sharded over every device, compiled once; ``train``
is a pure function of (schedule, data, key) training the MLP with
``optax.adam(schedule)``.

optax: what a user writes in a Python loop: a new
``optax.warmup_cosine_decay_schedule`` per configuration, closed over by a new
jitted training function, so one trace and one compilation per configuration.

Wall time is the whole sweep (stacking, transfers, tracing, compiling, running,
results to the host) and is split into compile and run; both ways train the same
model from the same initial parameters for the same number of steps.
"""

from __future__ import annotations

import itertools
import statistics
from typing import Any

import numpy as np
import optax

import jaxsched as js
from bench import common as C
from bench import model as M
from bench import sweep as S

PEAKS = (1e-3, 3e-3, 1e-2, 3e-2)
WARMUPS = (10, 25, 50, 100)
TOTALS = (125, 150, 175, 200)


def configs(quick: bool) -> list[tuple[float, int, int]]:
  all_ = list(itertools.product(PEAKS, WARMUPS, TOTALS))
  return all_[:2] if quick else all_


def _ours(cfgs, params, x, y, num_steps, counter) -> dict[str, Any]:
  t0 = C.now()
  schedules = [js.warmup_cosine_decay(p, w, t) for p, w, t in cfgs]

  def train(schedule, data, key):
    del key
    counter["ours"] += 1
    return M.train(data["params"], optax.adam(schedule), data["x"], data["y"],
                   num_steps)

  losses, info = js.sweep(train, schedules, {"params": params, "x": x, "y": y},
                          return_info=True)
  total = C.now() - t0
  return {"total_s": total, "compile_s": info["compile_s"],
          "run_s": info["run_s"], "losses": np.asarray(losses),
          "devices": info["devices"], "platform": info["platform"]}


def run(quick: bool) -> dict[str, Any]:
  cfgs = configs(quick)
  num_steps = 5 if quick else 200
  repeats = 1  # the optax way alone is 64 compilations: one sweep each way
  x, y = M.data(small=quick)
  params = M.init(small=quick)
  if not quick:  # warm-up (untimed): one-off costs of the first compiles
    scratch = {"ours": 0, "optax": 0}
    _ours(cfgs[:2], params, x, y, num_steps, scratch)
    S._optax(cfgs[:1], params, x, y, num_steps, scratch)  # pylint: disable=protected-access
  ours_runs, optax_runs = [], []
  counter = {"ours": 0, "optax": 0}
  for _ in range(repeats):
    ours_runs.append(_ours(cfgs, params, x, y, num_steps, counter))
    optax_runs.append(S._optax(cfgs, params, x, y, num_steps, counter))  # pylint: disable=protected-access
  med = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
  lo, lp = ours_runs[0]["losses"], optax_runs[0]["losses"]
  return {
      "num_configs": len(cfgs), "num_steps": num_steps, "repeats": repeats,
      "model": f"MLP {M.IN}-{M.HIDDEN}-{M.HIDDEN}-1, tanh, adam, batch {M.BATCH}",
      "devices": ours_runs[0]["devices"], "platform": ours_runs[0]["platform"],
      "ours": {k: med(ours_runs, k) for k in ("total_s", "compile_s", "run_s")},
      "optax": {k: med(optax_runs, k) for k in ("total_s", "compile_s", "run_s")},
      "compilations_per_sweep": {"ours": counter["ours"] // repeats,
                                 "optax": counter["optax"] // repeats},
      "speedup_total": C.ratio(med(optax_runs, "total_s"),
                               med(ours_runs, "total_s")),
      "speedup_compile": C.ratio(med(optax_runs, "compile_s"),
                                 med(ours_runs, "compile_s")),
      "final_loss_max_abs_diff": float(np.max(np.abs(lo - lp))),
      "final_loss_range": [float(lo.min()), float(lo.max())],
      "load": C.load(),
  }


def markdown(res: dict[str, Any]) -> str:
  o, p = res["ours"], res["optax"]
  rows = [
      [f"jaxsched.sweep (1 jit, {res['devices']} x {res['platform']})",
       o["total_s"], o["compile_s"], o["run_s"],
       res["compilations_per_sweep"]["ours"]],
      ["optax (loop, jit per config)", p["total_s"], p["compile_s"], p["run_s"],
       res["compilations_per_sweep"]["optax"]],
  ]
  t = C.table(["way", "wall total (s)", "compile (s)", "run (s)", "compilations"],
              rows)
  return (t + f"\n\nSpeedup (optax total / jaxsched.sweep total): "
          f"**{C.fmt(res['speedup_total'])}x** (compile alone "
          f"{C.fmt(res['speedup_compile'])}x); final losses: max abs diff "
          f"{C.fmt(res['final_loss_max_abs_diff'])} (losses range "
          f"{C.fmt(res['final_loss_range'][0])} to "
          f"{C.fmt(res['final_loss_range'][1])}).")
