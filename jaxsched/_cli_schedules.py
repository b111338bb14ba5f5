"""The commands that look at schedules: ``families``, ``show`` and ``plot``.

``show`` and ``plot`` evaluate a bounded number of steps (``SAMPLES`` evenly
spaced ones plus every phase change and its neighbours, from
``Schedule.phase_changes``), so a 1e12-step schedule costs what a 1e4-step one
does. ``families`` reads the package source (:mod:`jaxsched._cli_index`) and
never imports JAX.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import Any

from jaxsched import _cli_index
from jaxsched._cli_common import MAX_STEPS, OUT_FLAG, UsageError, check_output
from jaxsched._cli_config import build_schedule

SAMPLES = 2048  # evenly spaced steps evaluated by show and plot (plus boundaries)
MIN_STEPS = 2  # show and plot draw a first and a last step
STEPS_RULE = f"a whole number >= {MIN_STEPS} (a first and a last step)"


def cmd_families(args: argparse.Namespace) -> int:
  """Prints every family: name, parameters, first docstring line."""
  del args
  rows = _cli_index.families()
  print(f"{len(rows)} families (use the name as \"name\" in a CONFIG; "
        "the parameters are its keys):")
  for name, sig, summary in rows:
    print(f"  {name}{sig}  -- {summary}")
  return 0


def default_horizon(schedule: Any) -> int:
  """Steps to show when ``--steps`` is not given: the schedule's own length.

  ``total_steps`` if its config has one; otherwise a quarter beyond its fourth
  phase change (``schedule.phase_changes``; the last one if it has fewer); 100
  for schedules without any (``constant``, ``inverse_scaling``).
  """
  total = schedule.to_config().get("total_steps")
  if isinstance(total, (int, float)) and not isinstance(total, bool) and (
      math.isfinite(total) and total >= MIN_STEPS):
    return int(math.ceil(total))
  changes = [c for c in schedule.phase_changes(MAX_STEPS).tolist() if c > 0]
  if changes:
    return max(MIN_STEPS, int(math.ceil(changes[min(3, len(changes) - 1)] * 1.25)))
  return 100


def table_steps(schedule: Any, n: int, max_changes: int = 10,
                spread: int = 8) -> list[tuple[int, str]]:
  """The rows of ``show``: first, last, the first ``max_changes`` phase changes
  (``schedule.phase_changes``, rounded up to whole steps) and the step before
  each, and ``spread`` evenly spaced steps in between."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  changes = sorted({int(math.ceil(c)) for c in schedule.phase_changes(n - 1)
                    if 0 < c < n})
  rows: dict[int, str] = {0: "first", n - 1: "last"}
  for step in changes[:max_changes]:
    rows.setdefault(step - 1, "")
    rows[step] = ", ".join(x for x in (rows.get(step), "phase change") if x)
  for x in np.linspace(0, n - 1, spread + 2)[1:-1]:
    step = int(round(x))
    if all(abs(step - s) > max(1, n // 50) for s in rows):
      rows[step] = ""
  return sorted(rows.items())


def horizon(args: argparse.Namespace, schedules: list[Any], command: str) -> int:
  """``--steps``, or the schedules' own length (at most MAX_STEPS)."""
  if args.steps is not None:
    return args.steps
  n = max(map(default_horizon, schedules))
  if n > MAX_STEPS:
    raise UsageError(f"the config runs for {n:.3g} steps, more than {command} "
                     f"draws ({MAX_STEPS:.0e}). Pass --steps N")
  return n


def sample_steps(schedule: Any, n: int, extra: Sequence[int] = (),
                 samples: int = SAMPLES) -> Any:
  """The steps ``show`` and ``plot`` evaluate: all of ``0 .. n-1`` when ``n <=
  samples``, else ``samples`` evenly spaced steps plus every phase change in
  range (``schedule.phase_changes``) and the steps next to it (and ``extra``),
  so that memory and time do not grow with ``n`` and no jump is missed.

  Returns:
    Sorted unique int64 steps in ``[0, n - 1]``.
  """
  import numpy as np  # pylint: disable=import-outside-toplevel
  if n <= samples:
    return np.arange(n, dtype=np.int64)
  parts = [np.round(np.linspace(0, n - 1, samples)).astype(np.int64),
           np.asarray(list(extra), np.int64).reshape(-1)]
  keys = np.asarray(schedule.phase_changes(n - 1), np.float64)
  if keys.size:
    lo, hi = np.floor(keys).astype(np.int64), np.ceil(keys).astype(np.int64)
    parts += [lo - 1, lo, hi, hi + 1]
  steps = np.unique(np.concatenate(parts))
  return steps[(steps >= 0) & (steps <= n - 1)]


def step_array(steps: Any) -> Any:
  """Steps as int32 while they fit, else the float dtype in use (float32
  rounds steps beyond 2**24)."""
  import numpy as np  # pylint: disable=import-outside-toplevel

  from jaxsched import _check  # pylint: disable=import-outside-toplevel
  if steps.size and steps[-1] > 2**31 - 1:
    return steps.astype(_check.float_dtype())
  return steps.astype(np.int32)


def evaluate(schedule: Any, steps: Any) -> Any:
  """``schedule(steps)`` compiled (10x faster than op by op), as float64."""
  import jax  # pylint: disable=import-outside-toplevel
  import numpy as np  # pylint: disable=import-outside-toplevel
  k = jax.numpy.asarray(step_array(steps))
  return np.asarray(jax.jit(lambda s, k: s(k))(schedule, k), np.float64)


def cmd_show(args: argparse.Namespace) -> int:
  """Prints a schedule's values at readable steps and a small text plot."""
  import numpy as np  # pylint: disable=import-outside-toplevel

  from jaxsched import _plot  # pylint: disable=import-outside-toplevel
  from jaxsched._text_plot import can_encode, text_plot  # pylint: disable=import-outside-toplevel
  schedule = build_schedule(args.config)
  n = horizon(args, [schedule], "show")
  rows = table_steps(schedule, n)
  steps = sample_steps(schedule, n, extra=[step for step, _ in rows])
  values = evaluate(schedule, steps)
  print(f"{_plot.config_label(schedule.to_config())}  ({n} steps)")
  print(f"  {'step':>10}  {'value':>12}  note")
  for step, note in rows:
    value = values[np.searchsorted(steps, step)]
    print(f"  {step:>10d}  {value:>12.6g}  {note}".rstrip())
  print()
  print(text_plot(steps, values, log=args.log, unicode=can_encode("•│└─")))
  return 0


def cmd_plot(args: argparse.Namespace) -> int:
  """Draws every given schedule into one labelled image."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  check_output("plot", OUT_FLAG, args.output)
  from jaxsched import _plot  # pylint: disable=import-outside-toplevel
  _plot.use_agg("jaxsched plot")
  schedules = [build_schedule(text) for text in args.configs]
  n = horizon(args, schedules, "plot")
  labels = [_plot.schedule_label(s) for s in schedules]
  steps = np.unique(np.concatenate([sample_steps(s, n) for s in schedules]))
  fig = _plot.plot(schedules, step_array(steps), labels=labels, log=args.log)
  ax = fig.axes[0]
  many = "s" if len(schedules) > 1 else ""
  ax.set_title(f"{len(schedules)} learning-rate schedule{many} over {n} steps")
  if max(len(t) for t in labels) > 50 or len(labels) > 4:  # legend below
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize="small",
              ncol=1 if max(len(t) for t in labels) > 60 else 2, frameon=False)
    fig.set_size_inches(9, 4.5 + 0.25 * len(labels))
  _plot.save(fig, args.output, "jaxsched plot")
  print(f"wrote {args.output} ({len(schedules)} schedule{many}, {n} steps)")
  return 0
