"""Case 1: compile time against the number of segments or cycles.

Each schedule is closed over by a jitted function evaluating it on
``jnp.arange(10_000)``; we time ``lower`` + ``compile`` of a fresh function each
repeat. Peers are optax's own schedules with the same numbers: optax unrolls a
Python loop over boundaries (``piecewise_constant_schedule``) or over cycles
(``join_schedules`` inside ``sgdr_schedule``), so its program grows linearly.
"""

from __future__ import annotations

from typing import Any, Callable

import jax.numpy as jnp
import numpy as np
import optax

import jaxsched as js
from bench import common as C

NUM_STEPS = 10_000
WARMUP = 2  # warmup steps of each SGDR / join segment


def _compat() -> Any:
  try:
    from jaxsched.compat import optax as compat  # noqa: PLC0415
    return compat
  except ImportError:
    return None


def _sgdr_kwargs(n: int, warmup: int) -> list[dict]:
  length = NUM_STEPS // n
  return [dict(init_value=0.0, peak_value=1.0 / (1 + 0.01 * i),
               warmup_steps=warmup, decay_steps=length, end_value=0.0)
          for i in range(n)]


def _builders(n: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
  """(ours, peers, peer_of): schedules for ``n`` segments."""
  bounds = np.arange(1, n + 1) * (NUM_STEPS // n)
  scales = {int(b): 0.99 for b in bounds}
  values = 0.99 ** np.arange(n + 1)
  length = NUM_STEPS // n
  ours: dict[str, Any] = {
      "piecewise_constant": js.piecewise_constant(bounds, values),
      "multistep": js.multistep(1.0, bounds, gamma=0.99),
      "cosine_restarts": js.cosine_restarts(1.0, length),
      "join(warmup_cosine_decay)": js.join(
          [js.warmup_cosine_decay(kw["peak_value"], WARMUP, length)
           for kw in _sgdr_kwargs(n, WARMUP)],
          list(np.arange(1, n) * length)),
  }
  compat = _compat()
  if compat is not None:
    ours["compat.piecewise_constant_schedule"] = (
        compat.piecewise_constant_schedule(1.0, scales))
    ours["compat.sgdr_schedule"] = compat.sgdr_schedule(_sgdr_kwargs(n, WARMUP))
  peers = {
      "optax.piecewise_constant_schedule":
          optax.piecewise_constant_schedule(1.0, scales),
      "optax.sgdr_schedule(warmup=0)": optax.sgdr_schedule(_sgdr_kwargs(n, 0)),
      "optax.sgdr_schedule": optax.sgdr_schedule(_sgdr_kwargs(n, WARMUP)),
  }
  peer_of = {
      "piecewise_constant": "optax.piecewise_constant_schedule",
      "multistep": "optax.piecewise_constant_schedule",
      "compat.piecewise_constant_schedule": "optax.piecewise_constant_schedule",
      "cosine_restarts": "optax.sgdr_schedule(warmup=0)",
      "join(warmup_cosine_decay)": "optax.sgdr_schedule",
      "compat.sgdr_schedule": "optax.sgdr_schedule",
  }
  return ours, peers, peer_of


def _maker(s: Callable[[Any], Any]) -> Callable[[], Callable[[Any], Any]]:
  return lambda: (lambda k: s(k))


def run(quick: bool) -> dict[str, Any]:
  ns = [10, 100] if quick else [10, 100, 1000]
  k = jnp.arange(NUM_STEPS, dtype=jnp.int32)
  rows = []
  measured: dict[tuple[str, int], dict] = {}
  # untimed warm-up: the first lowerings in a process pay one-off costs (rule
  # registration, imports), which would inflate the smallest n and flatter growth
  if not quick:
    ours, peers, _ = _builders(ns[0])
    C.compile_times({n: _maker(s) for n, s in {**ours, **peers}.items()}, (k,), 1)
  for n in ns:
    ours, peers, peer_of = _builders(n)
    variants = {name: _maker(s) for name, s in {**ours, **peers}.items()}
    reps: dict[str, int] = {}
    for name in variants:
      if name in peers:
        reps[name] = 1 if quick or n >= 1000 else 3
      else:
        reps[name] = 1 if quick else 5
    times = C.compile_times(variants, (k,), reps)
    for name, t in times.items():
      measured[(name, n)] = t
    for name in ours:
      peer = peer_of[name]
      rows.append({
          "case": name, "n": n, "peer": peer,
          "ours_lower_s": times[name]["lower_s"],
          "ours_compile_s": times[name]["compile_s"],
          "ours_total_s": times[name]["total_s"],
          "peer_total_s": times[peer]["total_s"],
          "ours_hlo_ops": _hlo_ops(ours[name], k),
          "peer_hlo_ops": _hlo_ops(peers[peer], k) if n <= 100 else None,
          "speedup_vs_peer": C.ratio(times[peer]["total_s"], times[name]["total_s"]),
          "repeats": times[name]["repeats"], "peer_repeats": times[peer]["repeats"],
          "load": C.load()})
  cases = list(dict.fromkeys(r["case"] for r in rows))
  growth = {}
  for case in cases:
    lo = measured[(case, ns[0])]["total_s"]
    hi = measured[(case, ns[-1])]["total_s"]
    growth[case] = hi / lo
  peer_growth = {p: measured[(p, ns[-1])]["total_s"] / measured[(p, ns[0])]["total_s"]
                 for p in ("optax.piecewise_constant_schedule",
                           "optax.sgdr_schedule(warmup=0)", "optax.sgdr_schedule")}
  top = [r for r in rows if r["n"] == ns[-1]]
  return {
      "num_steps": NUM_STEPS, "ns": ns, "rows": rows,
      "growth": growth, "peer_growth": peer_growth,
      "compat_available": _compat() is not None,
      "target": {"speedup_at_1000": 20.0, "growth_10_to_1000": 2.0},
      "met_speedup": None if quick else all(
          r["speedup_vs_peer"] >= 20.0 for r in top),
      "met_growth": None if quick else all(g <= 2.0 for g in growth.values()),
  }


def _hlo_ops(s: Any, k: Any) -> int:
  """Lines of the StableHLO of ``k -> s(k)``: a proxy for program size."""
  import jax  # noqa: PLC0415
  return len(jax.jit(lambda k: s(k)).lower(k).as_text().splitlines())


def markdown(res: dict[str, Any]) -> str:
  head = ["case", "n", "ours lower+compile (s)", "peer", "peer (s)",
          "speedup", "ours HLO lines", "peer HLO lines"]
  rows = [[r["case"], r["n"], r["ours_total_s"], r["peer"], r["peer_total_s"],
           r["speedup_vs_peer"], r["ours_hlo_ops"], r["peer_hlo_ops"]]
          for r in res["rows"]]
  g = C.table(["case", f"growth {res['ns'][0]} -> {res['ns'][-1]}"],
              [[k, v] for k, v in res["growth"].items()] +
              [[k + " (peer)", v] for k, v in res["peer_growth"].items()])
  return C.table(head, rows) + "\n\n" + g
