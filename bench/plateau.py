"""Case 6: a reduce-on-plateau update inside the jitted ``lax.scan`` loop.

Three optimizers on the same model, the training loss fed as ``value=`` each
step: Adam alone (no plateau), ``optax.chain(adam, jaxsched.scale_by_plateau(p))``
and ``optax.chain(adam, optax.contrib.reduce_on_plateau(...))`` with the same
settings (factor, patience, relative threshold, cooldown). Run time per step.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax

import jaxsched as js
from bench import common as C
from bench import model as M

LR = 1e-2
FACTOR, PATIENCE, THRESHOLD, COOLDOWN = 0.5, 10, 1e-4, 2


def _plateaus(patience: int = PATIENCE) -> tuple[Any, Any]:
  ours = js.scale_by_plateau(js.reduce_on_plateau(
      factor=FACTOR, patience=patience, threshold=THRESHOLD,
      threshold_mode="rel", cooldown=COOLDOWN))
  peer = optax.contrib.reduce_on_plateau(factor=FACTOR, patience=patience,
                                         rtol=THRESHOLD, atol=0.0,
                                         cooldown=COOLDOWN)
  return ours, peer


def _opts(quick: bool = False) -> dict[str, optax.GradientTransformation]:
  ours, peer = _plateaus()
  base = {"no plateau": optax.adam(LR),
          "jaxsched scale_by_plateau": optax.chain(optax.adam(LR), ours),
          "optax.contrib.reduce_on_plateau": optax.chain(optax.adam(LR), peer)}
  if quick:
    return base
  # patience 10**6: the plateau never reduces, so the values (and any denormal
  # updates once the scale is tiny) cannot explain a gap
  ours_never, peer_never = _plateaus(10**6)
  return {"no plateau": optax.adam(LR),
          "jaxsched scale_by_plateau": optax.chain(optax.adam(LR), ours),
          "optax.contrib.reduce_on_plateau": optax.chain(optax.adam(LR), peer),
          "jaxsched, never reduces": optax.chain(optax.adam(LR), ours_never),
          "optax.contrib, never reduces": optax.chain(optax.adam(LR),
                                                      peer_never)}


def _isolated(num_steps: int, repeats: int) -> dict[str, float]:
  """µs per step of the plateau update alone in a scan (a 64x64 update, a metric)."""
  ours, peer = _plateaus()
  x = jnp.ones((M.HIDDEN, M.HIDDEN), jnp.float32)

  def loop(t):
    def body(c, i):
      s, u = c
      if t is None:
        return (s, u * jnp.sin(i.astype(jnp.float32))), None
      u, s = t.update(u, s, value=jnp.sin(i.astype(jnp.float32)))
      return (s, u), None
    init = () if t is None else t.init(x)
    return lambda u: jax.lax.scan(body, (init, u), jnp.arange(num_steps))[0][1]

  exes = {}
  for name, t in (("no plateau", None), ("jaxsched scale_by_plateau", ours),
                  ("optax.contrib.reduce_on_plateau", peer)):
    _, _, exe = C.compile_once(lambda t=t: loop(t), x)
    exes[name] = (exe, (x,))
  return {k: v / num_steps * 1e6 for k, v in C.run_times(exes, repeats).items()}


def run(quick: bool) -> dict[str, Any]:
  num_steps = 20 if quick else 2000
  repeats = 3 if quick else 31
  x, y = M.data(small=quick)
  params = M.init(small=quick)
  exes, compile_s, losses, hlo = {}, {}, {}, {}
  for name, opt in _opts(quick).items():
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
  iso = {} if quick else _isolated(20000, repeats)
  never = (per_step["jaxsched, never reduces"] /
           per_step["optax.contrib, never reduces"]) if not quick else None
  return {"isolated_update_us": iso, "ratio_never_reduces_vs_optax": never,
          "num_steps": num_steps, "repeats": repeats,
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
          f"median of {res['repeats']}).\n\nThe update alone, in a scan with no "
          "model (a 64x64 update scaled, a metric per step), µs per step: " +
          ", ".join(f"{k} {C.fmt(v)}" for k, v in res["isolated_update_us"].items())
          + ".")
