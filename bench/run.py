"""Runs the benchmarks and writes ``results.json`` and ``RESULTS.md``.

Usage (from the repository root)::

    python -m bench                 # full run, writes bench/results.json, RESULTS.md
    python -m bench --quick         # smoke run (< 1 min), writes bench/_quick/
    python -m bench --only sweep curve --out /tmp/b
    python -m bench --render bench/results.json   # rewrite RESULTS.md only
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

if __package__ in (None, ""):  # `python bench/run.py`
  sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402

from bench import common as C  # noqa: E402
from bench import (  # noqa: E402  # noqa: E402
  compile_scaling,
  curve,
  overhead,
  plateau,
  report,  # noqa: E402
  sweep,
  sweep_api,
  torch_step,
)

CASES = {
    "compile_scaling": compile_scaling,
    "sweep": sweep,
    "overhead": overhead,
    "curve": curve,
    "torch_step": torch_step,
    "plateau": plateau,
    "sweep_api": sweep_api,
}

HERE = os.path.dirname(os.path.abspath(__file__))


def parser() -> argparse.ArgumentParser:
  p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split(
      "\n")[0])
  p.add_argument("--quick", action="store_true",
                 help="smoke run: small sizes, few repeats (numbers not meaningful)")
  p.add_argument("--only", nargs="+", choices=list(CASES), default=list(CASES),
                 help="cases to run (default: all)")
  p.add_argument("--render", metavar="RESULTS_JSON", default=None,
                 help="only re-render RESULTS.md (next to it) from a results.json")
  p.add_argument("--out", default=None,
                 help="output folder (default: bench/, or bench/_quick with --quick)")
  return p


def run(quick: bool, only: Sequence[str]) -> dict[str, Any]:
  results: dict[str, Any] = {"quick": quick, "machine": C.machine(),
                             "load_start": C.load(), "cases": {}, "seconds": {}}
  # optax mixes Python floats with int32 counts, which strict promotion rejects
  with jax.numpy_dtype_promotion("standard"):
    for name in only:
      t0, c0 = time.perf_counter(), time.process_time()
      print(f"[bench] {name} ...", file=sys.stderr, flush=True)
      results["cases"][name] = CASES[name].run(quick)
      results["seconds"][name] = time.perf_counter() - t0
      print(f"[bench] {name} done in {results['seconds'][name]:.1f} s "
            f"({time.process_time() - c0:.1f} s CPU)",
            file=sys.stderr, flush=True)
  results["load_end"] = C.load()
  return results


def _clean(x: Any) -> Any:
  """JSON-safe: non-finite floats become strings."""
  if isinstance(x, dict):
    return {str(k): _clean(v) for k, v in x.items()}
  if isinstance(x, (list, tuple)):
    return [_clean(v) for v in x]
  if isinstance(x, float) and not math.isfinite(x):
    return str(x)
  if hasattr(x, "item") and getattr(x, "ndim", 1) == 0:
    return _clean(x.item())
  return x


def write(results: dict[str, Any], out: str) -> tuple[str, str]:
  os.makedirs(out, exist_ok=True)
  jpath = os.path.join(out, "results.json")
  mpath = os.path.join(out, "RESULTS.md")
  with open(jpath, "w") as fh:
    json.dump(_clean(results), fh, indent=1)
    fh.write("\n")
  with open(mpath, "w") as fh:
    fh.write(report.markdown(results, CASES))
  return jpath, mpath


def main(argv: Sequence[str] | None = None) -> int:
  args = parser().parse_args(argv)
  if args.render:
    with open(args.render) as fh:
      results = json.load(fh)
    mpath = os.path.join(os.path.dirname(os.path.abspath(args.render)),
                         "RESULTS.md")
    with open(mpath, "w") as fh:
      fh.write(report.markdown(results, CASES))
    print(f"[bench] wrote {mpath}", file=sys.stderr)
    return 0
  out = args.out or os.path.join(HERE, "_quick" if args.quick else "")
  results = run(args.quick, args.only)
  jpath, mpath = write(results, out)
  print(f"[bench] wrote {jpath} and {mpath}", file=sys.stderr)
  return 0


if __name__ == "__main__":
  sys.exit(main())
