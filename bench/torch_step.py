"""Case 5: per-step cost against PyTorch's ``scheduler.step()``.

PyTorch: a fresh optimizer and scheduler, then ``scheduler.step()`` called
``num_steps`` times (microseconds per call). jaxsched, the same schedules:
``num_steps`` values in one jitted call (amortised per step) and one jitted
scalar call per step, waited on each time (dispatch-bound, as a training loop
that reads the value on the host). Torch runs only if it imports; otherwise its
part is recorded as "skipped".
"""

from __future__ import annotations

import statistics
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import jaxsched as js
from bench import common as C

LR = 0.1
T0 = 1000


def _torch() -> Any:
  try:
    import torch  # noqa: PLC0415
    return torch
  except Exception:  # noqa: BLE001 - optional dependency
    return None


def _ours(num_steps: int) -> dict[str, Any]:
  """jaxsched schedules: compat.torch ports when present, else core families."""
  try:
    from jaxsched.compat import torch as ct  # noqa: PLC0415
    return {"OneCycleLR": ct.OneCycleLR(max_lr=LR, total_steps=num_steps),
            "CosineAnnealingWarmRestarts":
                ct.CosineAnnealingWarmRestarts(lr=LR, T_0=T0),
            "_source": "jaxsched.compat.torch"}
  except Exception:  # noqa: BLE001 - the compat layer may not exist yet
    return {"OneCycleLR": js.one_cycle(num_steps, LR),
            "CosineAnnealingWarmRestarts": js.cosine_restarts(LR, T0),
            "_source": "jaxsched core (one_cycle, cosine_restarts)"}


def _torch_sched(torch: Any, name: str, num_steps: int) -> tuple[Any, Any]:
  p = torch.nn.Parameter(torch.zeros(1))
  opt = torch.optim.SGD([p], lr=LR)
  if name == "OneCycleLR":
    return opt, torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR,
                                                    total_steps=num_steps)
  return opt, torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=T0)


def _time_torch(torch: Any, name: str, num_steps: int, repeats: int
                ) -> tuple[float, np.ndarray]:
  times = []
  lrs = None
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "scheduler.step() before optimizer.step()"
    for r in range(repeats + 1):  # the first round is a warm-up
      opt, sched = _torch_sched(torch, name, num_steps)
      steps = num_steps - 1 if name == "OneCycleLR" else num_steps
      t0 = C.now()
      for _ in range(steps):
        sched.step()
      dt = C.now() - t0
      if r:
        times.append(dt / steps)
    opt, sched = _torch_sched(torch, name, num_steps)
    vals = [opt.param_groups[0]["lr"]]
    for _ in range(num_steps - 1):
      sched.step()
      vals.append(opt.param_groups[0]["lr"])
    lrs = np.asarray(vals)
  return statistics.median(times), lrs


def _time_jax(s: Any, num_steps: int, repeats: int, scalar_calls: int
              ) -> dict[str, float]:
  k = jnp.arange(num_steps, dtype=jnp.int32)
  _, _, exe = C.compile_once(lambda: (lambda k: s(k)), k)
  vec = C.run_times({"v": (exe, (k,))}, repeats)["v"] / num_steps
  f = jax.jit(lambda k: s(k))
  f(0).block_until_ready()
  per = []
  for _ in range(repeats):
    t0 = C.now()
    for i in range(scalar_calls):
      f(i).block_until_ready()
    per.append((C.now() - t0) / scalar_calls)
  return {"vectorised_per_step_s": vec, "scalar_call_per_step_s":
          statistics.median(per), "values": np.asarray(exe(k))}


def run(quick: bool) -> dict[str, Any]:
  num_steps = 1_000 if quick else 10_000
  repeats = 1 if quick else 5
  scalar_calls = 20 if quick else num_steps
  torch = _torch()
  ours = _ours(num_steps)
  rows = []
  for name in ("OneCycleLR", "CosineAnnealingWarmRestarts"):
    j = _time_jax(ours[name], num_steps, repeats, scalar_calls)
    row = {"scheduler": name,
           "jaxsched_vectorised_us": j["vectorised_per_step_s"] * 1e6,
           "jaxsched_scalar_call_us": j["scalar_call_per_step_s"] * 1e6}
    if torch is None:
      row.update(torch_us="skipped", speedup_vectorised="skipped",
                 speedup_scalar="skipped", max_abs_diff="skipped")
    else:
      t, lrs = _time_torch(torch, name, num_steps, repeats)
      row.update(
          torch_us=t * 1e6,
          speedup_vectorised=t / j["vectorised_per_step_s"],
          speedup_scalar=t / j["scalar_call_per_step_s"],
          max_abs_diff=float(np.max(np.abs(lrs - j["values"][:len(lrs)]))))
    rows.append(row)
  return {"num_steps": num_steps, "scalar_calls": scalar_calls, "repeats": repeats,
          "jaxsched_source": ours["_source"],
          "torch": torch.__version__ if torch is not None else "skipped",
          "rows": rows, "load": C.load()}


def markdown(res: dict[str, Any]) -> str:
  rows = [[r["scheduler"], r["torch_us"], r["jaxsched_vectorised_us"],
           r["jaxsched_scalar_call_us"], r["speedup_vectorised"],
           r["speedup_scalar"], r["max_abs_diff"]] for r in res["rows"]]
  return (C.table(["scheduler", "torch step() (µs)",
                   "jaxsched, 10k in one jit (µs/step)",
                   "jaxsched, jitted scalar call (µs/step)",
                   "torch / vectorised", "torch / scalar call",
                   "max abs diff vs torch"], rows) +
          f"\n\njaxsched side: {res['jaxsched_source']}; torch: {res['torch']}.")
