"""Shared helpers: timing (compile apart from run, interleaved medians), machine info.

Every timing in ``bench/`` follows the same rules (STYLE.md rule 11):

* a function is jitted; compile time is ``jax.jit(f).lower(*args).compile()``
  measured on a *fresh* function each repeat (so no trace or compile cache hits),
  and run time is calls of the compiled executable, warmed up once, with
  ``block_until_ready`` inside the timed region;
* competing variants are timed *interleaved* (A, B, C, A, B, C, ...) in the same
  process, so that a burst of load on this shared machine hits all of them, and
  each reports the median of its repeats;
* the results are ratios against the peer measured in the same run.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import jax
import numpy as np


def now() -> float:
  return time.perf_counter()


def block(x: Any) -> Any:
  return jax.block_until_ready(x)


def compile_once(make: Callable[[], Callable[..., Any]], *args: Any
                 ) -> tuple[float, float, Any]:
  """Lowers and compiles a fresh jitted ``make()``: (lower_s, compile_s, exe)."""
  fn = jax.jit(make())
  t0 = now()
  lowered = fn.lower(*args)
  t1 = now()
  exe = lowered.compile()
  t2 = now()
  return t1 - t0, t2 - t1, exe


def compile_times(variants: dict[str, Callable[[], Callable[..., Any]]],
                  args: tuple, repeats: int | dict[str, int]) -> dict[str, dict]:
  """Median lower and compile times of each variant, interleaved.

  ``variants`` maps a name to a factory returning a *new* Python function each
  call (a new closure, so JAX's trace cache cannot serve it). ``repeats`` may be
  a dict giving a smaller count to slow variants.
  """
  reps = {k: repeats if isinstance(repeats, int) else repeats[k] for k in variants}
  lowers: dict[str, list[float]] = {k: [] for k in variants}
  compiles: dict[str, list[float]] = {k: [] for k in variants}
  for r in range(max(reps.values())):
    for name, make in variants.items():
      if r >= reps[name]:
        continue
      lo, co, _ = compile_once(make, *args)
      lowers[name].append(lo)
      compiles[name].append(co)
  out = {}
  for name in variants:
    total = [a + b for a, b in zip(lowers[name], compiles[name])]
    out[name] = {"lower_s": statistics.median(lowers[name]),
                 "compile_s": statistics.median(compiles[name]),
                 "total_s": statistics.median(total),
                 "repeats": reps[name]}
  return out


def run_times(exes: dict[str, tuple[Callable[..., Any], tuple]],
              repeats: int) -> dict[str, float]:
  """Median seconds per call of each compiled function, interleaved.

  ``exes`` maps a name to ``(compiled, args)``. Each is called once first
  (warm-up), then ``repeats`` times in turn with the others.
  """
  for exe, args in exes.values():
    block(exe(*args))
  times: dict[str, list[float]] = {k: [] for k in exes}
  for _ in range(repeats):
    for name, (exe, args) in exes.items():
      t0 = now()
      block(exe(*args))
      times[name].append(now() - t0)
  return {k: statistics.median(v) for k, v in times.items()}


def hlo_stats(exe: Any) -> dict[str, int]:
  """Size of a compiled executable's optimised HLO: instructions, fusions, loops."""
  import re  # noqa: PLC0415
  text = exe.as_text()
  out = {"instructions": len(re.findall(r"^\s*(?:ROOT )?%?\S+ = ", text, re.M)),
         "fusions": len(re.findall(r"\sfusion\(", text)),
         "whiles": len(re.findall(r"\swhile\(", text))}
  # the body of the first while loop (the training scan): its top-level kernels
  comps = {m.group(1): m.group(2) for m in re.finditer(
      r"^(?:ENTRY )?%(\S+) \(.*?\{\n(.*?)\n\}", text, re.M | re.S)}
  bodies = re.findall(r"while\(.*?body=%?([\w.\-]+)", text)
  if bodies and bodies[0] in comps:
    body = comps[bodies[0]]
    out["body_fusions"] = len(re.findall(r"\sfusion\(", body))
    out["body_copies"] = len(re.findall(r"\scopy\(", body))
    out["body_scalar_kernels"] = len(re.findall(
        r"= (?:f32|s32|pred)\[\] (?:fusion|copy)\(", body))
  return out


def ratio(a: float | None, b: float | None) -> float | None:
  if a is None or b is None or b == 0:
    return None
  return a / b


def cpu_model() -> str:
  try:
    with open("/proc/cpuinfo") as fh:
      for line in fh:
        if line.startswith("model name"):
          return line.split(":", 1)[1].strip()
  except OSError:
    pass
  return platform.processor() or "unknown"


def versions() -> dict[str, str]:
  import optax
  out = {"python": platform.python_version(), "jax": jax.__version__,
         "jaxlib": getattr(__import__("jaxlib"), "__version__", "?"),
         "optax": optax.__version__, "numpy": np.__version__}
  try:
    import torch
    out["torch"] = torch.__version__
  except Exception:  # noqa: BLE001 - torch is optional
    out["torch"] = "not installed"
  return out


def machine() -> dict[str, Any]:
  return {"cpu": cpu_model(), "cores": os.cpu_count(),
          "platform": platform.platform(), "jax_backend": jax.default_backend(),
          "executable": sys.executable, **versions()}


def load() -> list[float]:
  return [round(x, 2) for x in os.getloadavg()]


def finite(x: Any) -> bool:
  return isinstance(x, (int, float)) and math.isfinite(x)


def fmt(x: Any, unit: str = "") -> str:
  """Short human number for the Markdown tables."""
  if x is None:
    return "—"
  if isinstance(x, str):
    return x
  if isinstance(x, bool):
    return str(x)
  if isinstance(x, int):
    return f"{x}{unit}"
  if x == 0:
    return f"0{unit}"
  a = abs(x)
  if a >= 100:
    s = f"{x:.0f}"
  elif a >= 10:
    s = f"{x:.1f}"
  elif a >= 0.01:
    s = f"{x:.3g}"
  else:
    s = f"{x:.2e}"
  return s + unit


def table(headers: list[str], rows: list[list[Any]]) -> str:
  lines = ["| " + " | ".join(headers) + " |",
           "|" + "|".join("---" for _ in headers) + "|"]
  for row in rows:
    lines.append("| " + " | ".join(fmt(c) for c in row) + " |")
  return "\n".join(lines)
