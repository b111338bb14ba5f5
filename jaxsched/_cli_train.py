"""The commands that train: ``range-test`` and ``demo``.

Both validate everything (options, the output path) before any work, print
progress lines on stderr (:class:`jaxsched._cli_common.Progress`), use JAX's
persistent compilation cache (:mod:`jaxsched._cli_cache`) and say how much XLA
really compiled: a second run of the same command compiles nothing.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from typing import Any

from jaxsched import _cli_cache
from jaxsched._cli_common import OUT_FLAG, Progress, check_output


def _cache_note(path: str | None) -> str:
  return f"compilation cache {path}" if path else "no compilation cache"


def cmd_range_test(args: argparse.Namespace) -> int:
  """LR range test on the demo task; prints the suggestions, writes the plot."""
  progress = Progress()  # times from the start of the command
  out = check_output("range-test", OUT_FLAG, args.output)
  progress("start", "importing JAX")
  import jax  # pylint: disable=import-outside-toplevel

  import jaxsched  # pylint: disable=import-outside-toplevel
  from jaxsched import _demo  # pylint: disable=import-outside-toplevel
  with _cli_cache.persistent_cache(not args.no_cache,
                                   lambda why: progress("cache", why)) as cache, \
      _cli_cache.counting() as count:
    progress("setup", f"the demo's MLP and {args.num_steps} minibatches "
             f"({_cache_note(cache)})")
    train_step, state, batches = _demo.range_test_task(args.num_steps)
    progress("compiling", f"one scan of {args.num_steps} Adam steps, lr from "
             f"{args.min_lr:g} to {args.max_lr:g}")
    tic = time.perf_counter()
    result = jaxsched.lr_range_test(train_step, state, batches,
                                    min_lr=args.min_lr, max_lr=args.max_lr,
                                    num_steps=args.num_steps,
                                    smoothing=args.smoothing)
    jax.block_until_ready(result)
    suggestions = {m: float(result.suggestion(m))
                   for m in ("steepest", "valley", "minimum")}
    progress("compile", f"{count.summary()}; lr_range_test took "
             f"{time.perf_counter() - tic:.2f} s (compile or load, and run)")
  print(f"range test: MLP 8-32-32-1 with Adam on synthetic regression data, "
        f"{args.num_steps} steps of batch 64, lr from {args.min_lr:g} to "
        f"{args.max_lr:g} (exponential), smoothing {args.smoothing:g}")
  for method, lr in suggestions.items():
    print(f"  suggestion ({method}): lr = {lr:.3g}")
  d = result.diverged_at
  print(f"  diverged at step {d} (lr = {float(result.lrs[d]):.3g})" if d is not None
        else "  did not diverge (raise --max-lr to see the blow-up)")
  if out:
    from jaxsched import _plot  # pylint: disable=import-outside-toplevel
    _plot.use_agg("jaxsched range-test")
    _plot.save(_plot.range_test_figure(result), out, "jaxsched range-test")
    print(f"wrote {out}")
  progress("total", f"{progress.elapsed():.2f} s")
  return 0


def cmd_demo(args: argparse.Namespace) -> int:
  """Runs the demo sweep (``jaxsched._demo.run_demo``): the table on stdout,
  progress on stderr, the figure to ``--out``."""
  progress = Progress()  # times from the start of the command
  from jaxsched import _demo  # pylint: disable=import-outside-toplevel
  sizes = dict(_demo.SMALL) if args.small else {}
  if args.steps is not None:
    sizes["steps"] = args.steps
  out = check_output("demo", OUT_FLAG, args.output)
  progress("start", "importing JAX")
  from jaxsched import _plot, _sweep  # pylint: disable=import-outside-toplevel
  with _cli_cache.persistent_cache(not args.no_cache,
                                   lambda why: progress("cache", why)) as cache, \
      _cli_cache.counting() as count:
    defaults = {name: p.default for name, p in
                inspect.signature(_demo.run_demo).parameters.items()
                if name in ("steps", "hidden", "n_train", "batch")}
    saved = None if cache is None else _cli_cache.SavedExecutables(
        cache, "demo", {**defaults, **sizes})

    def compile_fn(jitted: Any, args: tuple) -> Any:
      compiled = (saved or _sweep.compile_lowered)(jitted, args)
      if out:  # matplotlib loads while XLA trains (which releases the interpreter)
        _plot.import_pyplot_in_background()
      return compiled

    def log(phase: str, text: str) -> None:
      if phase == "compiling":
        text += f" ({_cache_note(cache)})"
      if phase == "compile":
        count.restored = saved.loaded if saved else 0
        text = f"{count.summary()}; {text}"
      progress(phase, text)

    result = _demo.run_demo(**sizes, log=log, compile_fn=compile_fn)
  print(_demo.results_table(result))
  sys.stdout.flush()
  if out:
    tic = time.perf_counter()
    _plot.use_agg("jaxsched demo")  # done in the background unless it failed
    _plot.save(_plot.demo_figure(result), out, "jaxsched demo")
    print(f"wrote {out}")
    progress("plot", f"wrote {out} [{time.perf_counter() - tic:.2f} s]")
  progress("total", f"{progress.elapsed():.2f} s")
  return 0
