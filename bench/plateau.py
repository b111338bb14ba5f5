"""Case 6: a reduce-on-plateau update inside the jitted ``lax.scan`` loop.

Three optimizers on the same model, the training loss fed as ``value=`` each
step: Adam alone (no plateau), ``optax.chain(adam, jaxsched.scale_by_plateau(p))``
and ``optax.chain(adam, optax.contrib.reduce_on_plateau(...))`` with the same
settings (factor, patience, relative threshold, cooldown). Run time per step.
"""

from __future__ import annotations

from typing import Any

import jax
import optax

import jaxsched as js
from bench import common as C
from bench import model as M

LR = 1e-2
FACTOR, PATIENCE, THRESHOLD, COOLDOWN = 0.5, 10, 1e-4, 2


def _opts() -> dict[str, optax.GradientTransformation]:
  ours = js.reduce_on_plateau(factor=FACTOR, patience=PATIENCE,
                              threshold=THRESHOLD, threshold_mode="rel",
                              cooldown=COOLDOWN)
  peer = optax.contrib.reduce_on_plateau(factor=FACTOR, patience=PATIENCE,
                                         rtol=THRESHOLD, atol=0.0,
                                         cooldown=COOLDOWN)
  return {"no plateau": optax.adam(LR),
          "jaxsched scale_by_plateau": optax.chain(optax.adam(LR),
                                                   js.scale_by_plateau(ours)),
          "optax.contrib.reduce_on_plateau": optax.chain(optax.adam(LR), peer)}


def run(quick: bool) -> dict[str, Any]:
  num_steps = 200 if quick else 2000
  repeats = 3 if quick else 31
  x, y = M.data()
  params = M.init()
  exes, compile_s, losses, hlo = {}, {}, {}, {}
  for name, opt in _opts().items():
    make = lambda opt=opt: (lambda p: M.train(p, opt, x, y, num_steps,  # noqa: E731
                                              with_value=True))
    lo, co, exe = C.compile_once(make, params)
    exes[name] = (exe, (params,))
    compile_s[name] = lo + co
    hlo[name] = C.hlo_stats(exe)
    losses[name] = float(exe(params))
  times = C.run_times(exes, repeats)
  per_step = {k: v / num_steps for k, v in times.items()}
  ours = per_step["jaxsched scale_by_plateau"]
  return {"num_steps": num_steps, "repeats": repeats,
          "settings": dict(factor=FACTOR, patience=PATIENCE, threshold=THRESHOLD,
                           threshold_mode="rel", cooldown=COOLDOWN),
          "per_step_s": per_step, "compile_s": compile_s, "hlo": hlo, "final_loss": losses,
          "ratio_vs_no_plateau": ours / per_step["no plateau"],
          "ratio_vs_optax": ours / per_step["optax.contrib.reduce_on_plateau"],
          "load": C.load()}


def markdown(res: dict[str, Any]) -> str:
  base = res["per_step_s"]["no plateau"]
  rows = [[k, v * 1e6, res["compile_s"][k], v / base, res["final_loss"][k],
           res["hlo"][k]["instructions"], res["hlo"][k]["fusions"]]
          for k, v in res["per_step_s"].items()]
  return (C.table(["loop", "run per step (µs)", "compile (s)", "vs no plateau",
                   "final loss", "HLO instructions", "HLO fusions"], rows) +
          f"\n\njaxsched plateau / no plateau: "
          f"**{C.fmt(res['ratio_vs_no_plateau'])}**; jaxsched / optax.contrib: "
          f"**{C.fmt(res['ratio_vs_optax'])}** ({res['num_steps']} steps per run, "
          f"median of {res['repeats']}).")
