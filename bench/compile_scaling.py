"""Case 1: compile time against the number of segments or cycles.

Each schedule is closed over by a jitted function evaluating it on
``jnp.arange(10_000)``; we time ``lower`` + ``compile`` of a fresh function each
repeat. Peers are optax's own schedules with the same numbers: optax unrolls a
Python loop over boundaries (``piecewise_constant_schedule``) or over cycles
(``join_schedules`` inside ``sgdr_schedule``), so its program grows linearly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
  ns = [2, 4] if quick else [10, 100, 1000]
  k = jnp.arange(NUM_STEPS, dtype=jnp.int32)
  built = {n: _builders(n) for n in ns}
  if quick:  # smoke run: one piecewise and one cyclic family with their peers
    keep = ("piecewise_constant", "cosine_restarts")
    built = {n: ({c: o[c] for c in keep},
                 {pe[c]: p[pe[c]] for c in keep}, pe)
             for n, (o, p, pe) in built.items()}
  # every (variant, n) is timed in one interleaved loop, so that a drift of the
  # machine's load during the case cannot pass for growth (or for its absence)
  variants: dict[str, Any] = {}
  reps: dict[str, int] = {}
  for n, (ours, peers, _) in built.items():
    for name, s in {**ours, **peers}.items():
      variants[f"{name}@{n}"] = _maker(s)
      if name in peers:
        reps[f"{name}@{n}"] = 1 if quick or n >= 1000 else 3
      else:
        reps[f"{name}@{n}"] = 1 if quick else 7
  if not quick:  # untimed warm-up: first lowerings pay one-off costs
    ours, peers, _ = built[ns[0]]
    C.compile_times({n: _maker(s) for n, s in {**ours, **peers}.items()}, (k,), 1)
  times = C.compile_times(variants, (k,), reps)
  rows = []
  for n, (ours, peers, peer_of) in built.items():
    for name in ours:
      t, tp = times[f"{name}@{n}"], times[f"{peer_of[name]}@{n}"]
      rows.append({
          "case": name, "n": n, "peer": peer_of[name],
          "ours_lower_s": t["lower_s"], "ours_compile_s": t["compile_s"],
          "ours_total_s": t["total_s"], "peer_total_s": tp["total_s"],
          "ours_hlo_ops": _hlo_ops(ours[name], k),
          "peer_hlo_ops": _hlo_ops(peers[peer_of[name]], k) if n <= 100 else None,
          "speedup_vs_peer": C.ratio(tp["total_s"], t["total_s"]),
          "repeats": t["repeats"], "peer_repeats": tp["repeats"]})
  total = lambda name, n: times[f"{name}@{n}"]["total_s"]  # noqa: E731
  cases = list(dict.fromkeys(r["case"] for r in rows))
  growth = {c: total(c, ns[-1]) / total(c, ns[0]) for c in cases}
  peer_growth = {p: total(p, ns[-1]) / total(p, ns[0])
                 for p in built[ns[0]][1]}
  top = [r for r in rows if r["n"] == ns[-1]]
  return {
      "num_steps": NUM_STEPS, "ns": ns, "rows": rows,
      "growth": growth, "peer_growth": peer_growth,
      "compat_available": _compat() is not None,
      "target": {"speedup_at_1000": 20.0, "growth_10_to_1000": 2.0},
      "min_speedup_at_max_n": min(r["speedup_vs_peer"] for r in top),
      "max_growth": max(growth.values()),
      "met_speedup": None if quick else all(
          r["speedup_vs_peer"] >= 20.0 for r in top),
      "met_growth": None if quick else all(g <= 2.0 for g in growth.values()),
      "load": C.load(),
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
