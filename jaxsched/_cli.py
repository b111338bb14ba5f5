"""The ``jaxsched`` command line: families, show, plot, range-test, demo.

``main(argv) -> int`` is separate from the parser (:func:`build_parser`) and from
the console entry point (:func:`entry_point`), so tests call ``main([...])``.
Every failure (bad JSON, an unknown family, a bad value, a missing, unreadable
or oversized file, a usage error, even an internal error) prints one line
``jaxsched: error: ...`` on stderr and returns 2. Input is read with limits
(``MAX_CONFIG_BYTES``, ``MAX_NESTING``), and ``show``/``plot`` evaluate a bounded
number of steps (``SAMPLES`` evenly spaced ones plus every phase change), so a
1e12-step schedule costs what a 1e4-step one does.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import stat
import sys
import time
from typing import Any, Sequence

import numpy as np

from jaxsched._demo import adam_init, adam_step, init_mlp, make_data, mlp_loss
from jaxsched._demo import run_demo

_PROG = "jaxsched"
_COMMANDS = ("families", "show", "plot", "range-test", "demo")


class UsageError(Exception):
  """A mistake on the command line: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
  """argparse, but a usage error is one line on stderr (no usage block)."""

  def error(self, message: str) -> Any:  # type: ignore[override]
    raise UsageError(f"{message} (see '{self.prog} --help')")


# ---------------------------------------------------------------------------
# configs
# ---------------------------------------------------------------------------


MAX_CONFIG_BYTES = 8 * 2**20  # a config larger than this is refused
MAX_NESTING = 256  # JSON nesting levels (objects and lists) in a config
MAX_STEPS = 10**15  # --steps: step numbers stay exact in float64
SAMPLES = 2048  # evenly spaced steps evaluated by show and plot (plus boundaries)


def _read_file(path: str) -> str:
  """A CONFIG file's text: a regular file of at most MAX_CONFIG_BYTES, UTF-8."""
  try:
    st = os.stat(path)
  except OSError as e:
    raise UsageError(f"cannot read {path!r}: {e.strerror or e}") from None
  if stat.S_ISDIR(st.st_mode):
    raise UsageError(f"{path!r} is a directory, not a CONFIG file. Pass the path "
                     "of a JSON file, or the JSON object itself")
  if not stat.S_ISREG(st.st_mode):
    raise UsageError(f"{path!r} is not a regular file (a pipe or a device). "
                     "Pass the path of a JSON file, or the JSON object itself")
  if st.st_size > MAX_CONFIG_BYTES:
    raise UsageError(f"file {path!r} holds {st.st_size / 2**20:.1f} MiB, more than "
                     f"the {MAX_CONFIG_BYTES // 2**20} MiB a CONFIG may have. "
                     "Pass a smaller config (long lists of boundaries belong in "
                     "code)")
  try:
    with open(path, "rb") as f:
      data = f.read(MAX_CONFIG_BYTES + 1)
  except OSError as e:
    raise UsageError(f"cannot read {path!r}: {e.strerror or e}") from None
  if len(data) > MAX_CONFIG_BYTES:
    raise UsageError(f"file {path!r} is larger than the "
                     f"{MAX_CONFIG_BYTES // 2**20} MiB a CONFIG may have")
  try:
    return data.decode("utf-8")
  except UnicodeDecodeError as e:
    raise UsageError(
        f"file {path!r} is not UTF-8 text (byte 0x{data[e.start]:02x} at "
        f"position {e.start}). A CONFIG is a JSON file; save it as UTF-8") from None


def _nesting(x: Any) -> int:
  """The nesting depth of parsed JSON (iterative: no recursion limit)."""
  deepest, todo = 0, [(x, 1)]
  while todo:
    v, d = todo.pop()
    if isinstance(v, dict):
      v = list(v.values())
    if isinstance(v, list):
      deepest = max(deepest, d)
      if d > MAX_NESTING:
        return d
      todo.extend((w, d + 1) for w in v if isinstance(w, (dict, list)))
  return deepest


def load_config(text: str) -> dict[str, Any]:
  """Reads CONFIG: a JSON object given inline, or the path of a file holding one.

  Args:
    text: the command-line argument. Text starting with ``{`` is JSON; anything
      else is a path.

  Returns:
    The parsed dict.

  Raises:
    UsageError: a missing, unreadable, non-regular, non-UTF-8 or too large file
      (over ``MAX_CONFIG_BYTES``), invalid JSON, JSON nested deeper than
      ``MAX_NESTING``, or JSON that is not an object.
  """
  source = "CONFIG"
  if len(text) > MAX_CONFIG_BYTES:
    raise UsageError(f"CONFIG is longer than the {MAX_CONFIG_BYTES // 2**20} MiB "
                     "a config may have")
  if not text.lstrip().startswith("{") and not os.path.exists(text):
    try:
      json.loads(text)
      looks_like_json = True
    except (ValueError, RecursionError):
      looks_like_json = False
    if not looks_like_json:
      raise UsageError(
          f"no such file: {_clip(repr(text))}. CONFIG is a JSON object such as "
          '\'{"name": "cosine_decay", "init_value": 0.1, "decay_steps": 1000}\' '
          "or the path of a file holding one")
  elif not text.lstrip().startswith("{"):
    path = text
    text = _read_file(path)
    source = f"file {path!r}"
  try:
    config = json.loads(text)
  except json.JSONDecodeError as e:
    raise UsageError(
        f"{source} is not valid JSON: {e.msg} at line {e.lineno} column "
        f"{e.colno}. Pass a JSON object such as "
        '\'{"name": "constant", "value": 0.1}\'') from None
  except RecursionError:
    raise UsageError(f"{source} nests JSON more than {MAX_NESTING} levels deep. "
                     "Flatten it: a join takes a list of schedules") from None
  except ValueError as e:  # e.g. an integer of more than 4300 digits
    raise UsageError(f"{source} is not usable JSON: {_clip(str(e), 120)}. Write "
                     "numbers in floating point, e.g. 1e12") from None
  depth = _nesting(config)
  if depth > MAX_NESTING:
    raise UsageError(f"{source} nests JSON more than {MAX_NESTING} levels deep. "
                     "Flatten it: a join takes a list of schedules")
  from jaxsched import _base  # pylint: disable=import-outside-toplevel
  if not _base.is_config(config):
    raise UsageError(
        f"{source} must be a JSON object with a \"name\" key (the family), got "
        f"{_clip(json.dumps(config))}. Run 'jaxsched families' for the names")
  return config


def build_schedule(text: str) -> Any:
  """CONFIG text -> schedule (``jaxsched.from_config``; composites included).

  A ``ValueError`` for wrong argument names gains the family's signature.
  """
  import jaxsched  # pylint: disable=import-outside-toplevel
  from jaxsched import _base  # pylint: disable=import-outside-toplevel
  config = load_config(text)
  try:
    return jaxsched.from_config(config)
  except ValueError as e:
    name = config.get("name")
    if "bad arguments" in str(e) and name in jaxsched.families():
      raise ValueError(f"{e} The parameters of {name} are "
                       f"{_signature(_base.family_factory(name))}.") from None
    raise


def _clip(text: str, n: int = 80) -> str:
  return text if len(text) <= n else text[:n - 3] + "..."


def _one_line(text: str) -> str:
  return " ".join(str(text).split())


# ---------------------------------------------------------------------------
# families
# ---------------------------------------------------------------------------


def _signature(fn: Any) -> str:
  """``(a, b, *, c=1.0)`` without annotations."""
  parts = []
  star = False
  for p in inspect.signature(fn).parameters.values():
    if p.kind is inspect.Parameter.KEYWORD_ONLY and not star:
      parts.append("*")
      star = True
    if p.kind is inspect.Parameter.VAR_POSITIONAL:
      parts.append(f"*{p.name}")
      star = True
      continue
    if p.kind is inspect.Parameter.VAR_KEYWORD:
      parts.append(f"**{p.name}")
      continue
    if p.default is inspect.Parameter.empty:
      parts.append(p.name)
    else:
      parts.append(f"{p.name}={p.default!r}")
  return "(" + ", ".join(parts) + ")"


def _cmd_families(args: argparse.Namespace) -> int:
  """Prints every family: name, parameters, first docstring line."""
  del args
  import jaxsched  # pylint: disable=import-outside-toplevel
  from jaxsched import _base  # pylint: disable=import-outside-toplevel
  names = jaxsched.families()
  rows = []
  for name in names:
    fn = _base.family_factory(name)
    doc = (inspect.getdoc(fn) or "").strip().splitlines()
    summary = doc[0].replace("``", "`") if doc else ""
    rows.append((name + _signature(fn), summary))
  print(f"{len(names)} families (use the name as \"name\" in a CONFIG; "
        "the parameters are its keys):")
  for sig, summary in rows:
    print(f"  {sig}  -- {summary}")
  return 0


# ---------------------------------------------------------------------------
# show
# ---------------------------------------------------------------------------

_NOTES = {
    "warmup_steps": "end of warmup", "total_steps": "end", "decay_steps": "end",
    "transition_steps": "end", "transition_begin": "start of decay",
}


def _num(x: Any) -> float | None:
  if isinstance(x, bool) or not isinstance(x, (int, float)):
    return None
  return float(x) if math.isfinite(x) else None


def key_steps(config: dict[str, Any], horizon: int,
              offset: float = 0.0) -> list[tuple[float, str]]:
  """Steps where a config changes phase: boundaries, milestones, phase ends.

  Args:
    config: a schedule config (``schedule.to_config()``), composites included.
    horizon: the number of steps shown; repeating events stop there.
    offset: added to every step (the start of a nested schedule).

  Returns:
    ``[(step, note)]``, unsorted, possibly fractional or beyond ``horizon``.
  """
  c = config
  name = c.get("name")
  out: list[tuple[float, str]] = []

  def add(step: Any, note: str) -> None:
    v = _num(step)
    if v is not None:
      out.append((offset + v, note))

  def every(period: Any, note: str, start: float = 0.0, limit: int = 12) -> None:
    p = _num(period)
    if p is None or p <= 0:
      return
    k = 1
    while start + k * p < horizon - offset and k <= limit:
      add(start + k * p, note)
      k += 1

  if name in ("piecewise_constant", "piecewise_linear"):
    for b in c.get("boundaries") or []:
      add(b, "boundary")
  elif name == "multistep":
    for m in c.get("milestones") or []:
      add(m, "milestone")
  elif name == "step_decay":
    every(c.get("step_size"), "decay")
  elif name in ("linear", "polynomial", "exponential_decay"):
    begin = _num(c.get("transition_begin", 0)) or 0.0
    if begin:
      add(begin, "start of decay")
    if name != "exponential_decay":
      add(begin + (_num(c.get("transition_steps")) or 0.0), "end of decay")
    elif c.get("staircase"):
      every(c.get("transition_steps"), "decay", start=begin)
  elif name == "cosine_decay":
    add(c.get("decay_steps"), "end of decay")
  elif name == "inverse_sqrt":
    add(c.get("warmup_steps"), "end of warmup")
  elif name == "warmup_cosine_decay":
    add(c.get("warmup_steps"), "end of warmup")
    add(c.get("total_steps"), "end of decay")
  elif name == "warmup_stable_decay":
    add(c.get("warmup_steps"), "end of warmup")
    t, d = _num(c.get("total_steps")), _num(c.get("decay_steps"))
    if t is not None and d is not None:
      add(t - d, "start of decay")
    add(t, "end of decay")
  elif name == "flat_cosine":
    t, p = _num(c.get("total_steps")), _num(c.get("pct_start", 0.75))
    if t is not None and p is not None:
      add(math.floor(p * t), "start of anneal")
    add(t, "end of anneal")
  elif name in ("one_cycle", "one_cycle_momentum"):
    t, p = _num(c.get("total_steps")), _num(c.get("pct_start", 0.3))
    if t is not None and p is not None:
      up = p * t - 1
      add(up, "peak" if name == "one_cycle" else "end of phase 1")
      if c.get("three_phase"):
        add(2 * up, "end of phase 2")
      add(t - 1, "end")
  elif name == "cyclic":
    u = _num(c.get("step_size_up"))
    d = _num(c.get("step_size_down")) if c.get("step_size_down") is not None else u
    if u and d and u > 0 and d > 0:
      k = 0
      while k * (u + d) < horizon - offset and k < 8:
        add(k * (u + d) + u, "peak")
        if k:
          add(k * (u + d), "trough")
        k += 1
  elif name == "cosine_restarts":
    p, m = _num(c.get("period")), _num(c.get("period_mult", 1.0)) or 1.0
    start, k = 0.0, 0
    while p and p > 0 and start + p < horizon - offset and k < 12:
      start += p
      add(start, "restart")
      p *= m
      k += 1
  elif name == "warmup":
    w = _num(c.get("warmup_steps")) or 0.0
    add(w, "end of warmup")
    if isinstance(c.get("schedule"), dict):
      out += key_steps(c["schedule"], horizon, offset + w)
  elif name == "join":
    bounds = [0.0] + [float(b) for b in (c.get("boundaries") or [])
                      if _num(b) is not None]
    for b in bounds[1:]:
      add(b, "join")
    for start, sub in zip(bounds, c.get("schedules") or []):
      if isinstance(sub, dict):
        out += [(s, n) for s, n in key_steps(sub, horizon, offset + start)]
  elif name == "repeat":
    every(c.get("period"), "repeat")
  elif name == "epochwise":
    spe = _num(c.get("steps_per_epoch"))
    if spe and isinstance(c.get("schedule"), dict):
      out += [(offset + (s - offset) * spe, n)
              for s, n in key_steps(c["schedule"], horizon / spe, 0.0)]
  elif name in ("scale",):
    if isinstance(c.get("schedule"), dict):
      out += key_steps(c["schedule"], horizon, offset)
  elif name in ("product", "sum"):
    for sub in c.get("schedules") or []:
      if isinstance(sub, dict):
        out += key_steps(sub, horizon, offset)
  return out


def default_horizon(config: dict[str, Any]) -> int:
  """Steps to show when ``--steps`` is not given: the config's own length.

  ``total_steps`` if the config has one; otherwise a quarter beyond its last
  phase change (beyond the fourth one for repeating schedules such as
  ``step_decay``, ``cyclic`` or ``cosine_restarts``); 100 for schedules
  without any (``constant``, ``inverse_scaling``).
  """
  total = _num(config.get("total_steps"))
  if total is not None and total >= 2:
    return int(math.ceil(total))
  steps = sorted({s for s, _ in key_steps(config, 10**7) if s > 0})
  if steps:
    return max(2, int(math.ceil(steps[min(3, len(steps) - 1)] * 1.25)))
  return 100


def _table_steps(config: dict[str, Any], n: int,
                 max_keys: int = 10, spread: int = 8) -> list[tuple[int, str]]:
  """The rows of ``show``: first, last, phase changes (and the step before
  each), and ``spread`` evenly spaced steps in between."""
  notes: dict[int, list[str]] = {}
  for step, note in key_steps(config, n):
    if 0 < step < n:
      notes.setdefault(int(math.ceil(step)), []).append(note)
  rows: dict[int, str] = {0: "first", n - 1: "last"}
  for step in sorted(notes)[:max_keys]:
    rows.setdefault(step - 1, "")
    here = [rows[step]] if rows.get(step) else []
    rows[step] = ", ".join(dict.fromkeys(here + notes[step]))
  for x in np.linspace(0, n - 1, spread + 2)[1:-1]:
    step = int(round(x))
    if all(abs(step - s) > max(1, n // 50) for s in rows):
      rows[step] = ""
  return sorted(rows.items())


def text_plot(steps: np.ndarray, values: np.ndarray, *, width: int = 60,
              height: int = 12, log: bool = False, unicode: bool = True) -> str:
  """A small terminal plot of ``values`` against ``steps``.

  Each column covers a range of steps; its smallest and largest values are dots,
  joined by a vertical stroke to each other and to the previous column's last
  value, so jumps and steep stretches appear as strokes.

  Args:
    steps: increasing steps, 1-D.
    values: the values at ``steps``.
    width: plot columns.
    height: plot rows.
    log: a log10 value axis (values <= 0 are left out).
    unicode: draw with ``•``/``│``/``└``; ASCII (``*``/``|``/``+``) if False.

  Returns:
    The plot as text with a value axis on the left and a step axis below.
  """
  dot, bar, corner, hline = ("•", "│", "└", "─") if unicode else ("*", "|", "+", "-")
  v = np.asarray(values, np.float64)
  s = np.asarray(steps, np.float64)
  ok = np.isfinite(v) & ((v > 0) if log else True)
  y = np.where(ok, np.log10(np.where(ok, v, 1.0)) if log else v, np.nan)
  if not np.any(ok):
    return "(no finite values to plot)"
  lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
  if hi - lo < 1e-12 * max(1.0, abs(hi)):
    lo, hi = lo - 0.5 * max(abs(lo), 1e-12), hi + 0.5 * max(abs(hi), 1e-12)
  grid = [[" "] * width for _ in range(height)]
  edges = np.linspace(s[0], s[-1], width + 1)
  col = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, width - 1)

  def row(val: float) -> int:
    return int(round((hi - val) / (hi - lo) * (height - 1)))

  prev = None  # the row of the previous column's last value: joined by a stroke
  for c in range(width):
    ys = y[(col == c) & ok]
    if ys.size == 0:
      continue
    top, bottom = row(float(np.max(ys))), row(float(np.min(ys)))
    lo_r, hi_r = top, bottom
    if prev is not None:  # join from the row next to the previous value
      lo_r, hi_r = min(top, prev + 1), max(bottom, prev - 1)
    for r in range(lo_r, hi_r + 1):
      grid[r][c] = dot if r in (top, bottom) else bar
    prev = row(float(ys[-1]))

  def label(val: float) -> str:
    return f"{10 ** val:.3g}" if log else f"{val:.3g}"

  labels = {0: label(hi), height // 2: label(hi - (hi - lo) * (height // 2)
                                             / (height - 1)), height - 1: label(lo)}
  lw = max(len(t) for t in labels.values())
  lines = [f"{labels.get(r, ''):>{lw}} {bar}{''.join(grid[r])}" for r in range(height)]
  lines.append(" " * lw + " " + corner + hline * width)
  first, last = f"{s[0]:g}", f"{s[-1]:g}"
  lines.append(" " * (lw + 2) + first + " " * max(1, width - len(first) - len(last))
               + last)
  lines.append(" " * (lw + 2) + "step".center(width) +
               ("   (log scale)" if log else ""))
  return "\n".join(lines)


def _can_encode(text: str) -> bool:
  enc = getattr(sys.stdout, "encoding", None) or "ascii"
  try:
    text.encode(enc)
    return True
  except (UnicodeEncodeError, LookupError):
    return False


def _horizon(args: argparse.Namespace, configs: list[dict[str, Any]],
             command: str) -> int:
  """``--steps``, or the configs' own length; at least 2, at most MAX_STEPS."""
  if args.steps is not None:
    n = args.steps
    if n < 2:
      raise UsageError(f"{command} needs --steps >= 2 (a first and a last step), "
                       f"got --steps {n}")
    return n
  n = max(map(default_horizon, configs))
  if n > MAX_STEPS:
    raise UsageError(f"the config runs for {n:.3g} steps, more than {command} "
                     f"draws ({MAX_STEPS:.0e}). Pass --steps N")
  return n


def sample_steps(schedule: Any, n: int, extra: Sequence[int] = (),
                 samples: int = SAMPLES) -> np.ndarray:
  """The steps ``show`` and ``plot`` evaluate: all of ``0 .. n-1`` when ``n <=
  samples``, else ``samples`` evenly spaced steps plus every phase change in
  range (``schedule.phase_changes``) and the steps next to it (and ``extra``),
  so that memory and time do not grow with ``n`` and no jump is missed.

  Returns:
    Sorted unique int64 steps in ``[0, n - 1]``.
  """
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


def evaluate(schedule: Any, steps: np.ndarray) -> np.ndarray:
  """``schedule(steps)`` compiled, as float64; integer steps while they fit in
  int32, else the float dtype in use (float32 rounds steps beyond 2**24)."""
  import jax  # pylint: disable=import-outside-toplevel
  import jax.numpy as jnp  # pylint: disable=import-outside-toplevel
  from jaxsched import _check  # pylint: disable=import-outside-toplevel
  if steps.size and steps[-1] > 2**31 - 1:
    k = jnp.asarray(steps.astype(_check.float_dtype()))
  else:
    k = jnp.asarray(steps.astype(np.int32))
  return np.asarray(jax.jit(lambda s, k: s(k))(schedule, k), np.float64)


def _cmd_show(args: argparse.Namespace) -> int:
  """Prints a schedule's values at readable steps and a small text plot."""
  from jaxsched import _plot  # pylint: disable=import-outside-toplevel
  schedule = build_schedule(args.config)
  config = schedule.to_config()
  n = _horizon(args, [config], "show")
  rows = _table_steps(config, n)
  steps = sample_steps(schedule, n, extra=[step for step, _ in rows])
  values = evaluate(schedule, steps)  # compiled: 10x faster than op-by-op
  print(f"{_plot.config_label(config)}  ({n} steps)")
  print(f"  {'step':>10}  {'value':>12}  note")
  for step, note in rows:
    value = values[np.searchsorted(steps, step)]
    print(f"  {step:>10d}  {value:>12.6g}  {note}".rstrip())
  print()
  print(text_plot(steps, values, log=args.log, unicode=_can_encode("•│└─")))
  return 0


# ---------------------------------------------------------------------------
# plot
# ---------------------------------------------------------------------------


def _use_agg() -> None:
  """The CLI only writes files: render with Agg, never open a window."""
  try:
    import matplotlib  # pylint: disable=import-outside-toplevel
  except ImportError:
    raise UsageError("this command needs matplotlib: "
                     "pip install 'jaxsched[plot]'") from None
  if "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")


def check_output(path: str, flag: str) -> None:
  """An image path must name a file with a suffix matplotlib can write, in a
  folder that exists; checked before any work is done."""
  import matplotlib.figure  # pylint: disable=import-outside-toplevel
  if os.path.isdir(path):
    raise UsageError(f"{flag} {path!r} is a directory. Pass a file name, e.g. "
                     f"{os.path.join(path, 'schedules.png')!r}")
  suffix = os.path.splitext(path)[1].lstrip(".").lower()
  formats = matplotlib.figure.Figure().canvas.get_supported_filetypes()
  if suffix not in formats:
    what = f"suffix '.{suffix}'" if suffix else "no suffix"
    raise UsageError(f"{flag} {path!r} has {what}; the image format comes from "
                     f"it. Use one of {', '.join('.' + f for f in sorted(formats))}"
                     f", e.g. {os.path.splitext(path)[0] + '.png'!r}")
  folder = os.path.dirname(path) or "."
  if not os.path.isdir(folder):
    raise UsageError(f"cannot write {path!r}: no such folder {folder!r}")


def _save(fig: Any, path: str) -> None:
  """Writes ``fig`` to ``path`` and closes it; a bad path is a UsageError."""
  import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
  try:
    fig.savefig(path, dpi=120)
  except OSError as e:
    raise UsageError(f"cannot write {path!r}: {e.strerror or e}") from None
  finally:
    plt.close(fig)


def _cmd_plot(args: argparse.Namespace) -> int:
  """Draws every given schedule into one labelled PNG."""
  from jaxsched import _plot  # pylint: disable=import-outside-toplevel
  _use_agg()
  check_output(args.output, "-o")
  schedules = [build_schedule(text) for text in args.configs]
  configs = [s.to_config() for s in schedules]
  n = _horizon(args, configs, "plot")
  labels = [_plot.config_label(c) for c in configs]
  steps = np.unique(np.concatenate([sample_steps(s, n) for s in schedules]))
  from jaxsched import _check  # pylint: disable=import-outside-toplevel
  k = steps.astype(np.int32 if n - 1 <= 2**31 - 1 else _check.float_dtype())
  fig = _plot.plot(schedules, k, labels=labels, log=args.log)
  ax = fig.axes[0]
  ax.set_title(f"{len(schedules)} learning-rate schedule"
               f"{'s' if len(schedules) > 1 else ''} over {n} steps")
  if max(len(t) for t in labels) > 50 or len(labels) > 4:  # legend below
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize="small",
              ncol=1 if max(len(t) for t in labels) > 60 else 2, frameon=False)
    fig.set_size_inches(9, 4.5 + 0.25 * len(labels))
  _save(fig, args.output)
  print(f"wrote {args.output} ({len(schedules)} schedule"
        f"{'s' if len(schedules) > 1 else ''}, {n} steps)")
  return 0


# ---------------------------------------------------------------------------
# range-test
# ---------------------------------------------------------------------------


def _cmd_range_test(args: argparse.Namespace) -> int:
  """LR range test on the demo task; prints the suggestions, writes the plot."""
  import jax  # pylint: disable=import-outside-toplevel
  from jaxsched._range_test import lr_range_test  # pylint: disable=import-outside-toplevel
  if args.num_steps < 10:
    raise UsageError(f"--num-steps must be >= 10, got {args.num_steps}")
  if args.output:
    _use_agg()
    check_output(args.output, "-o")
  t0 = time.perf_counter()
  data = make_data(4096, 1, seed=0)
  idx = np.random.default_rng(1).integers(0, 4096, size=(args.num_steps, 64))
  batches = (data["x_train"][idx], data["y_train"][idx])
  params = init_mlp(jax.random.key(0), 32)
  state = (params, adam_init(params))

  def train_step(state: Any, batch: Any, lr: Any) -> tuple[Any, Any]:
    params, opt_state = state
    loss, grads = jax.value_and_grad(mlp_loss)(params, *batch)
    return adam_step(params, opt_state, grads, lr), loss

  print(f"range test: MLP 8-32-32-1 with Adam on synthetic regression data, "
        f"{args.num_steps} steps of batch 64, lr from {args.min_lr:g} to "
        f"{args.max_lr:g} (exponential), smoothing {args.smoothing:g}", flush=True)
  result = lr_range_test(train_step, state, batches, min_lr=args.min_lr,
                         max_lr=args.max_lr, num_steps=args.num_steps,
                         smoothing=args.smoothing)
  jax.block_until_ready(result)
  print(f"  done in {time.perf_counter() - t0:.2f} s (one compiled scan)")
  for method in ("steepest", "valley", "minimum"):
    print(f"  suggestion ({method}): lr = {float(result.suggestion(method)):.3g}")
  d = result.diverged_at
  print(f"  diverged at step {d} (lr = {float(result.lrs[d]):.3g})" if d is not None
        else "  did not diverge (raise --max-lr to see the blow-up)")
  if args.output:
    _use_agg()
    fig = result.plot()
    _save(fig, args.output)
    print(f"wrote {args.output}")
  return 0


def _cmd_demo(args: argparse.Namespace) -> int:
  """Runs the demo sweep (see :func:`run_demo`)."""
  if args.steps is not None and args.steps < 1:
    raise UsageError(f"--steps must be >= 1, got {args.steps}")
  if args.out:
    _use_agg()
    check_output(args.out, "--out")
  if args.small:
    steps = args.steps if args.steps is not None else 200
    run_demo(steps=steps, hidden=16, n_train=1024, batch=32, out=args.out)
  else:
    steps = args.steps if args.steps is not None else 600
    run_demo(steps=steps, out=args.out)
  return 0


# ---------------------------------------------------------------------------
# parser and entry points
# ---------------------------------------------------------------------------


def _positive_int(text: str) -> int:
  """A whole number >= 1 and <= MAX_STEPS; ``1e12`` is accepted as well."""
  try:
    value = int(text)
  except ValueError:
    try:
      f = float(text)
    except ValueError:
      f = math.nan
    if not (math.isfinite(f) and f.is_integer()):
      raise argparse.ArgumentTypeError(
          f"expected a whole number, got {text[:40]!r}") from None
    value = int(f)
  if value < 1:
    raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
  if value > MAX_STEPS:
    raise argparse.ArgumentTypeError(f"must be <= {MAX_STEPS:.0e}, got {text[:40]}")
  return value


def _positive_float(text: str) -> float:
  try:
    value = float(text)
  except ValueError:
    raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
  if not value > 0:
    raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
  return value


def build_parser() -> argparse.ArgumentParser:
  """The argument parser of the ``jaxsched`` command."""
  config_help = ("a schedule config: a JSON object such as "
                 "'{\"name\": \"cosine_decay\", \"init_value\": 0.1, "
                 "\"decay_steps\": 1000}' or the path of a file holding one")
  parser = _Parser(
      prog=_PROG,
      description="Learning-rate schedules for JAX: look at them, plot them, "
                  "and watch a sweep of them train a model.",
      epilog="Try: jaxsched demo")
  parser.add_argument("--version", action="version",
                      version=f"%(prog)s {_version()}")
  sub = parser.add_subparsers(dest="command", metavar="COMMAND")

  p = sub.add_parser("families", help="list every schedule family and its "
                     "parameters", description="List every schedule family "
                     "(the \"name\" of a CONFIG) with its parameters.")
  p.set_defaults(func=_cmd_families)

  p = sub.add_parser("show", help="print a schedule's values and a text plot",
                     description="Print a schedule's values at the first and "
                     "last step, at its phase changes and in between, and a "
                     "small text plot.")
  p.add_argument("config", metavar="CONFIG", help=config_help)
  p.add_argument("--steps", type=_positive_int, metavar="N",
                 help="steps to show (default: the config's total_steps, or a "
                      "quarter past its last phase change)")
  p.add_argument("--log", action="store_true", help="log scale in the text plot")
  p.set_defaults(func=_cmd_show)

  p = sub.add_parser("plot", help="plot schedules into a PNG",
                     description="Plot one or more schedules into one labelled "
                     "figure.")
  p.add_argument("configs", metavar="CONFIG", nargs="+", help=config_help)
  p.add_argument("--steps", type=_positive_int, metavar="N",
                 help="steps to draw (default: the longest config's length)")
  p.add_argument("--log", action="store_true", help="log scale for the values")
  p.add_argument("-o", "--output", metavar="FILE.png", required=True,
                 help="the image to write (format from the suffix)")
  p.set_defaults(func=_cmd_plot)

  p = sub.add_parser("range-test", help="LR range test on the demo task",
                     description="Run an LR range test (one compiled scan) on "
                     "the built-in demo task, print the suggested learning "
                     "rates and plot loss against learning rate.")
  p.add_argument("-o", "--output", metavar="FILE.png",
                 default="jaxsched_range_test.png",
                 help="the plot to write (default: %(default)s; '' for none)")
  p.add_argument("--num-steps", type=_positive_int, default=200, metavar="N",
                 help="steps of the test, >= 10 (default: %(default)s)")
  p.add_argument("--min-lr", type=_positive_float, default=1e-5, metavar="LR",
                 help="first learning rate (default: %(default)g)")
  p.add_argument("--max-lr", type=_positive_float, default=10.0, metavar="LR",
                 help="last learning rate (default: %(default)g)")
  p.add_argument("--smoothing", type=float, default=0.95, metavar="S",
                 help="loss smoothing in [0, 1) (default: %(default)g)")
  p.set_defaults(func=_cmd_range_test)

  p = sub.add_parser("demo", help="the main job: a vmapped sweep of schedules "
                     "training a small MLP", description="Train a small MLP on "
                     "built-in synthetic data under 18 schedules (warmup-cosine, "
                     "one-cycle, WSD, step decay, cyclic, cosine restarts, "
                     "constant, reduce-on-plateau) in one compiled, vmapped, "
                     "sharded sweep; print a results table and write a plot.")
  p.add_argument("--steps", type=_positive_int, metavar="N",
                 help="training steps per schedule (default: 600, or 200 with "
                      "--small; rounded up to a multiple of 10)")
  p.add_argument("--out", metavar="FILE.png", default="jaxsched_demo.png",
                 help="the plot to write (default: %(default)s; '' for none)")
  p.add_argument("--small", action="store_true",
                 help="a smaller model, data set and run (for tests, CI)")
  p.set_defaults(func=_cmd_demo)
  return parser


def _version() -> str:
  """``jaxsched.__version__``, for ``--version``."""
  try:
    import jaxsched  # pylint: disable=import-outside-toplevel
    return jaxsched.__version__
  except Exception:  # pylint: disable=broad-except
    return "unknown"


def _error(message: str) -> int:
  """Prints ``jaxsched: error: <message>`` as one line on stderr; returns 2."""
  line = f"{_PROG}: error: {_clip(_one_line(message), 2000)}"
  enc = getattr(sys.stderr, "encoding", None) or "utf-8"
  line = line.encode(enc, "backslashreplace").decode(enc, "replace")
  print(line, file=sys.stderr)
  return 2


def main(argv: Sequence[str] | None = None) -> int:
  """Runs the ``jaxsched`` command line.

  Args:
    argv: the arguments without the program name; ``None`` reads ``sys.argv``.

  Returns:
    The exit status: 0 on success; 2 for every failure (a usage error, an
    invalid, oversized or too deeply nested config, an unknown family, a bad
    value, an unreadable file or output path), reported as one line on stderr,
    never a traceback (set ``JAXSCHED_TRACEBACK=1`` to see one for an internal
    error).

  Example:
    >>> from jaxsched._cli import main
    >>> main(["show", '{"name": "constant", "value": 0.5}', "--steps", "3"])
    ... # doctest: +ELLIPSIS
    constant(value=0.5)  (3 steps)
    ...
    0
  """
  parser = build_parser()
  try:
    args = parser.parse_args(argv)
    if args.command is None:
      raise UsageError(f"a command is required: one of {', '.join(_COMMANDS)} "
                       f"(see '{_PROG} --help'; try '{_PROG} demo')")
    return int(args.func(args) or 0)
  except SystemExit as e:  # --help and --version exit 0 through argparse
    return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
  except UsageError as e:
    return _error(str(e))
  except BrokenPipeError:  # `jaxsched show ... | head`: stop quietly
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1
  except KeyboardInterrupt:
    print(f"{_PROG}: interrupted", file=sys.stderr)
    return 130
  except ValueError as e:  # the library's validation: function, argument, fix
    if type(e) is ValueError:
      return _error(str(e))
    return _unexpected(e)
  except ImportError as e:
    return _error(str(e))
  except RecursionError:
    return _error("the schedule is nested too deeply to evaluate. Flatten it: a "
                  "join, product or sum takes a list of schedules")
  except MemoryError:
    return _error("out of memory. Pass a smaller --steps or a smaller config")
  except Exception as e:  # pylint: disable=broad-except
    return _unexpected(e)


def _unexpected(e: BaseException) -> int:
  """Anything else is a bug in jaxsched: one line, and the traceback only on
  request (JAXSCHED_TRACEBACK=1)."""
  if os.environ.get("JAXSCHED_TRACEBACK"):
    raise e
  return _error(f"internal error ({type(e).__name__}: {_clip(str(e), 200)}); "
                "please report it. Set JAXSCHED_TRACEBACK=1 for the traceback")


def entry_point() -> None:
  """The console script ``jaxsched`` (``[project.scripts]``)."""
  sys.exit(main())
