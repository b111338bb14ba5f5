"""Hostile-input fuzz: wrong arguments to every constructor, sorted into classes.

Used two ways:
  * ``python tests/hostile_fuzz.py`` prints the count of every outcome class (the
    before/after figures of issue 11);
  * ``tests/test_hostile.py`` runs the same cases and requires that each either
    works as documented or raises a ``ValueError`` whose text names the function,
    the argument, the value and a fix.

Each case changes one argument of a valid call (or feeds a bad metric to a
plateau). The values are fixed lists plus a seeded random sample, so the run is
reproducible and needs no network.
"""

from __future__ import annotations

import collections
import dataclasses
import re
import sys
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import jaxsched as js

SEED = 11
EAGER = "--eager" in sys.argv  # evaluate accepted schedules (slow) instead of
# tracing them with jax.eval_shape (the tests)

# -- the families: a valid call, and which arguments are scalars / sequences ------


@dataclasses.dataclass
class Family:
  name: str  # the public function (what a message must start with)
  make: Callable[..., Any]
  kwargs: dict[str, Any]
  sequences: tuple[str, ...] = ()  # sequence arguments; the others are scalars
  counts: tuple[str, ...] = ()  # arguments counting steps
  lengths: dict[str, int] = dataclasses.field(default_factory=dict)
  optional: tuple[str, ...] = ()  # arguments where None means "not given"


FAMILIES = [
    Family("constant", js.constant, dict(value=0.1)),
    Family("linear", js.linear, dict(init_value=1.0, end_value=0.1,
                                     transition_steps=10, transition_begin=2),
           counts=("transition_steps", "transition_begin")),
    Family("polynomial", js.polynomial, dict(init_value=1.0, end_value=0.1,
                                             transition_steps=10, power=2.0,
                                             transition_begin=2),
           counts=("transition_steps", "transition_begin")),
    Family("cosine_decay", js.cosine_decay, dict(init_value=1.0, decay_steps=10,
                                                 end_value=0.0, exponent=1.0),
           counts=("decay_steps",)),
    Family("exponential_decay", js.exponential_decay,
           dict(init_value=1.0, decay_rate=0.5, transition_steps=2,
                transition_begin=1, end_value=0.01),
           counts=("transition_begin",), optional=("end_value",)),
    Family("inverse_time_decay", js.inverse_time_decay,
           dict(init_value=1.0, decay_rate=0.5, decay_steps=2)),
    Family("inverse_scaling", js.inverse_scaling,
           dict(init_value=1.0, power=0.5, timescale=2.0)),
    Family("inverse_sqrt", js.inverse_sqrt,
           dict(peak_value=1.0, warmup_steps=3, timescale=4),
           counts=("warmup_steps",), optional=("timescale",)),
    Family("step_decay", js.step_decay, dict(init_value=1.0, step_size=2, gamma=0.5),
           counts=("step_size",)),
    Family("multistep", js.multistep, dict(init_value=1.0, milestones=[2, 4],
                                           gamma=0.5),
           sequences=("milestones",)),
    Family("piecewise_constant", js.piecewise_constant,
           dict(boundaries=[2, 4], values=[1.0, 0.5, 0.25]),
           sequences=("boundaries", "values"),
           lengths=dict(boundaries=2, values=3)),
    Family("piecewise_linear", js.piecewise_linear,
           dict(boundaries=[0, 2, 6], values=[0.0, 1.0, 0.0]),
           sequences=("boundaries", "values"),
           lengths=dict(boundaries=3, values=3)),
    Family("cyclic", js.cyclic, dict(base_value=0.1, max_value=1.0, step_size_up=2,
                                     step_size_down=3, gamma=0.9),
           optional=("step_size_down",)),
    Family("one_cycle", js.one_cycle, dict(total_steps=20, peak_value=1.0,
                                           pct_start=0.3, div_factor=25.0,
                                           final_div_factor=1e4),
           counts=("total_steps",)),
    Family("one_cycle_momentum", js.one_cycle_momentum,
           dict(total_steps=20, base_value=0.85, max_value=0.95, pct_start=0.3),
           counts=("total_steps",)),
    Family("cosine_restarts", js.cosine_restarts,
           dict(init_value=1.0, period=3, period_mult=2.0, peak_decay=0.5,
                end_value=0.01)),
    Family("warmup_cosine_decay", js.warmup_cosine_decay,
           dict(peak_value=1.0, warmup_steps=2, total_steps=10, init_value=0.0,
                end_value=0.0, exponent=1.0),
           counts=("warmup_steps", "total_steps")),
    Family("warmup_stable_decay", js.warmup_stable_decay,
           dict(peak_value=1.0, warmup_steps=2, decay_steps=2, total_steps=10,
                init_value=0.0, end_value=0.0),
           counts=("warmup_steps", "decay_steps", "total_steps")),
    Family("flat_cosine", js.flat_cosine, dict(value=1.0, total_steps=10,
                                               pct_start=0.5, end_value=0.0),
           counts=("total_steps",)),
    # combinators: their numeric arguments
    Family("warmup", js.warmup, dict(schedule=js.constant(1.0), warmup_steps=3,
                                     init_value=0.0), counts=("warmup_steps",)),
    Family("scale", js.scale, dict(schedule=js.constant(1.0), factor=2.0)),
    Family("repeat", js.repeat, dict(schedule=js.linear(1.0, 0.0, 2), period=3)),
    Family("epochwise", js.epochwise, dict(schedule=js.constant(1.0),
                                           steps_per_epoch=2),
           counts=("steps_per_epoch",)),
    Family("join", js.join, dict(schedules=[js.constant(1.0), js.constant(0.5)],
                                 boundaries=[3]),
           sequences=("boundaries",), lengths=dict(boundaries=1)),
    Family("reduce_on_plateau", js.reduce_on_plateau,
           dict(factor=0.5, patience=2, threshold=1e-4, cooldown=0,
                init_value=1.0, min_value=0.0, eps=1e-8),
           counts=("patience", "cooldown")),
]

_SCHEDULE_ARGS = {"schedule", "schedules"}

# -- hostile values ---------------------------------------------------------------

# (class, label, value): the class names the fuzz classes
SCALAR_VALUES = [
    ("nonfinite", "nan", float("nan")),
    ("nonfinite", "inf", float("inf")),
    ("nonfinite", "-inf", float("-inf")),
    ("nonfinite", "np.nan", np.float32("nan")),
    ("range", "negative", -1.0),
    ("range", "zero", 0.0),
    ("range", "fraction", 2.5),
    ("overflow", "1e39", 1e39),
    ("overflow", "-1e39", -1e39),
    ("overflow", "1e300", 1e300),
    ("overflow", "np.float64(1e300)", np.float64(1e300)),
    ("type", "bool", True),
    ("type", "np.bool_", np.bool_(False)),
    ("type", "str", "0.1"),
    ("type", "None", None),
    ("type", "complex", 1 + 2j),
    ("type", "dict", {"a": 1}),
    ("type", "object", object()),
    ("nonscalar", "list", [0.5]),
    ("nonscalar", "list2", [0.5, 0.25]),
    ("nonscalar", "nested", [[0.5]]),
    ("nonscalar", "empty", []),
    ("nonscalar", "np.array", np.array([0.5, 0.25])),
    ("nonscalar", "jnp.array", jnp.array([0.5, 0.25])),
    ("nonscalar", "np.array(2x2)", np.ones((2, 2))),
    ("scalar", "np.float32", np.float32(5.0)),
    ("scalar", "np.int64", np.int64(5)),
    ("scalar", "np.array(0-d)", np.array(5.0)),
    ("scalar", "jnp.float32", jnp.float32(5.0)),
    ("scalar", "jnp.int32", jnp.int32(5)),
]

SEQUENCE_VALUES = [
    ("nonfinite", "[nan]", "nan"),
    ("nonfinite", "[inf]", "inf"),
    ("overflow", "[1e39]", "overflow"),
    ("type", "str", "1, 2"),
    ("type", "None", None),
    ("type", "scalar", 5),
    ("type", "dict", {"a": 1}),
    ("type", "[str]", "[str]"),
    ("type", "[None]", "[None]"),
    ("type", "[bool]", "[bool]"),
    ("type", "[complex]", "[complex]"),
    ("nonscalar", "nested", "nested"),
    ("length", "short", "short"),
    ("length", "long", "long"),
    ("length", "empty", []),
    ("order", "unsorted", "unsorted"),
    ("order", "duplicated", "duplicated"),
    ("scalar", "np.array", "np"),
    ("scalar", "jnp.array", "jnp"),
    ("range", "[negative]", "negative"),
    ("range", "[fraction]", "fraction"),
]


def _sequence_value(base: list, how: Any) -> Any:
  """A hostile variant of the valid sequence ``base``."""
  b = list(base)
  variants = {
      "nan": lambda: b[:-1] + [float("nan")],
      "inf": lambda: b[:-1] + [float("inf")],
      "overflow": lambda: b[:-1] + [1e39],
      "negative": lambda: [-1.0] + b[1:],
      "fraction": lambda: [2.5] + b[1:],
      "[str]": lambda: ["x"] + b[1:],
      "[None]": lambda: [None] + b[1:],
      "[bool]": lambda: [True] + b[1:],
      "[complex]": lambda: [1j] + b[1:],
      "nested": lambda: [b],
      "short": lambda: b[:-1],
      "long": lambda: b + [b[-1]],
      "unsorted": lambda: list(reversed(b)),
      "duplicated": lambda: [b[0]] + b[:-1] if len(b) > 1 else b + b,
      "np": lambda: np.asarray(b),
      "jnp": lambda: jnp.asarray(b),
  }
  if isinstance(how, str) and how in variants:
    return variants[how]()
  return how


COMBINATOR_CASES = [
    # (class, public function, argument, call)
    ("type", "product", "schedules", lambda: js.product(None)),
    ("type", "product", "schedules", lambda: js.product(3)),
    ("type", "product", "schedules", lambda: js.product("ab")),
    ("type", "product", "schedules", lambda: js.product(jnp.array(1.0))),
    ("type", "product", "schedules", lambda: js.product(js.constant(1.0))),
    ("type", "product", "schedules[0]", lambda: js.product([None])),
    ("type", "product", "schedules[1]", lambda: js.product([js.constant(1.0), "x"])),
    ("nonfinite", "product", "schedules[0]", lambda: js.product([float("nan")])),
    ("overflow", "product", "schedules[0]", lambda: js.product([1e39])),
    ("nonscalar", "product", "schedules[0]", lambda: js.product([[0.5, 0.2]])),
    ("type", "add", "schedules", lambda: js.add(3)),
    ("type", "add", "schedules", lambda: js.add(None)),
    ("type", "add", "schedules[0]", lambda: js.add([None])),
    ("nonfinite", "add", "schedules[1]", lambda: js.add([js.constant(1.0),
                                                         float("inf")])),
    ("type", "join", "schedules", lambda: js.join(jnp.array(1), [])),
    ("type", "join", "schedules", lambda: js.join(None, [])),
    ("type", "join", "schedules", lambda: js.join(3, [])),
    ("type", "join", "schedules", lambda: js.join("ab", [1])),
    ("type", "join", "schedules", lambda: js.join({"a": 1}, [])),
    ("type", "join", "schedules[1]", lambda: js.join([js.constant(1.0), 2.0], [3])),
    ("type", "stack", "schedules", lambda: js.stack(None)),
    ("type", "stack", "schedules", lambda: js.stack(3)),
    ("type", "stack", "schedules", lambda: js.stack(js.constant(1.0))),
    ("type", "stack", "schedules[0]", lambda: js.stack([1.0, 2.0])),
    ("type", "warmup", "schedule", lambda: js.warmup(None, 3)),
    ("type", "warmup", "schedule", lambda: js.warmup(3, 3)),
    ("type", "scale", "schedule", lambda: js.scale(None, 2.0)),
    ("type", "repeat", "schedule", lambda: js.repeat("x", 2)),
    ("type", "epochwise", "schedule", lambda: js.epochwise([1], 2)),
    ("type", "scale", "factor", lambda: js.constant(1.0) * "x"),
    ("nonfinite", "scale", "factor", lambda: js.constant(1.0) * float("nan")),
    ("nonscalar", "scale", "factor", lambda: js.constant(1.0) * np.ones(3)),
]

_NESTED = {"name": "join", "schedules": [
    {"name": "constant", "value": 1.0},
    {"name": "cosine_decay", "init_value": 1.0, "decay_steps": 0}],
           "boundaries": [5]}

CONFIG_CASES = [
    # (class, expected message start, argument, config)
    ("path", "join: schedules[1]: cosine_decay", "decay_steps", _NESTED),
    ("path", "warmup: schedule: linear", "init_value",
     {"name": "warmup", "warmup_steps": 3, "schedule": {
         "name": "linear", "init_value": "x", "end_value": 0.0,
         "transition_steps": 3}}),
    ("path", "product: schedules[0]: constant", "value",
     {"name": "product", "schedules": [{"name": "constant", "value": None}]}),
    ("type", "from_config", "name", {"name": ["constant"]}),
    ("type", "from_config", "name", {"name": {"a": 1}}),
    ("type", "from_config", "config", ["constant"]),
    ("type", "from_config", "config", 3),
    ("nonscalar", "constant", "value", {"name": "constant", "value": [0.5]}),
]


def _metric_cases() -> list[tuple[str, str, Any]]:
  return [
      ("type", "complex", 1 + 1j),
      ("type", "complex64", jnp.complex64(1 + 1j)),
      ("type", "str", "0.5"),
      ("type", "None", None),
      ("nonscalar", "array", jnp.ones(3)),
      ("scalar", "np.float32", np.float32(0.5)),
      ("scalar", "int", 3),
  ]


# -- running one case and sorting the outcome into a class ---------------------------

_FIX = re.compile(r"got .+?[.)]\s+[A-Z(`'\"]", re.S)


def message_problems(msg: str, fn: str, arg: str) -> list[str]:
  """What a ValueError's text lacks: function, argument, value, fix."""
  problems = []
  if not msg.startswith(fn + ":"):
    problems.append("wrong_function")
  if f"`{arg}`" not in msg and f"`{arg.split('[')[0]}`" not in msg:
    problems.append("wrong_argument")
  if "got" not in msg:
    problems.append("no_value")
  if not _FIX.search(msg):
    problems.append("no_fix")
  return problems


def outcome(fn: str, arg: str, build: Callable[[], Any], cls: str,
            call: Callable[[Any], Any] | None = None) -> str:
  """The outcome of one hostile call: ``ok`` or the name of a failure class."""
  try:
    obj = build()
  except ValueError as e:
    if type(e) is not ValueError:
      return "exception:" + type(e).__name__
    problems = message_problems(str(e), fn, arg)
    return "ok" if not problems else "message:" + "+".join(problems)
  except RecursionError:
    return "exception:RecursionError"
  except Exception as e:  # pylint: disable=broad-except
    return "exception:" + type(e).__name__
  if call is None and EAGER:  # run: also checks the values are finite
    call = lambda s: s(jnp.arange(7))
  if call is None:  # traced, not run: a shape or type error shows all the same
    call = lambda s: jax.eval_shape(s, jnp.arange(7))
  try:
    out = call(obj)
    if not isinstance(out, jax.ShapeDtypeStruct):
      out = np.asarray(out)
  except Exception as e:  # pylint: disable=broad-except
    return "accepted_then_call_fails:" + type(e).__name__
  if cls == "nonscalar":
    return "accepted:nonscalar"
  if cls == "overflow":
    return "accepted:overflow"
  if cls in ("nonfinite", "type"):
    return "accepted:" + cls
  if out.shape not in ((7,), ()) or not jnp.issubdtype(out.dtype, jnp.floating):
    return "accepted:bad_shape_or_dtype"
  # a huge random factor may overflow the result
  if isinstance(out, np.ndarray) and not np.all(np.isfinite(out)) and cls != "random":
      return "accepted:nonfinite_output"  # (gamma=1e30 at step 2): arithmetic
  return "ok"


def cases(rng: np.random.Generator | None = None) -> list[tuple]:
  """Every case: ``(group, class, label, fn, arg, build, call)``."""
  rng = rng or np.random.default_rng(SEED)
  out = []
  for fam in FAMILIES:
    call = None
    if fam.name == "reduce_on_plateau":
      call = lambda p: p(p.update(p.init(), 1.0))
    for arg, base in fam.kwargs.items():
      if arg in _SCHEDULE_ARGS:
        continue
      values = SCALAR_VALUES
      if arg in fam.sequences:
        values = [(c, lbl, _sequence_value(base, how))
                  for c, lbl, how in SEQUENCE_VALUES]
      # a seeded random sample of magnitudes and signs on top of the fixed list
      extra = [("random", f"random{i}", float(v)) for i, v in enumerate(
          rng.choice([-1, 1], 3) * 10.0 ** rng.uniform(-3, 45, 3))]
      if arg in fam.sequences:
        extra = [(c, lbl, [v] * len(base)) for c, lbl, v in extra]
      for cls, label, value in values + extra:
        if cls == "random" and abs(np.asarray(value, float).reshape(-1)[0]) > 3e38:
          cls = "overflow"
        if value is None and arg in fam.optional:
          cls = "scalar"
        kw = dict(fam.kwargs)
        kw[arg] = value
        build = lambda fam=fam, kw=kw: fam.make(**kw)
        out.append((fam.name, cls, label, fam.name, arg, build, call))
  for cls, fn, arg, build in COMBINATOR_CASES:
    out.append(("combinators", cls, arg, fn, arg, build, None))
  for cls, fn, arg, cfg in CONFIG_CASES:
    out.append(("from_config", cls, arg, fn, arg,
                lambda cfg=cfg: js.from_config(cfg), None))
  p = js.reduce_on_plateau()
  for cls, label, metric in _metric_cases():
    out.append(("plateau_metric", cls, label, "ReduceOnPlateau.update", "value",
                lambda metric=metric: p.update(p.init(), value=metric),
                lambda st: np.asarray(p(st))))
  return out


def run() -> tuple[collections.Counter, list[tuple]]:
  """Runs every case; returns the outcome counts by class and the failures."""
  counts: collections.Counter = collections.Counter()
  failures = []
  for group, cls, label, fn, arg, build, call in cases():
    res = outcome(fn, arg, build, cls, call)
    counts[(cls, res)] += 1
    if res != "ok":
      failures.append((group, cls, label, arg, res))
  return counts, failures


def main() -> int:
  counts, failures = run()
  total = sum(counts.values())
  print(f"{total} hostile calls, {total - len(failures)} ok, {len(failures)} not")
  by_res: collections.Counter = collections.Counter()
  for (_cls, res), n in sorted(counts.items()):
    if res != "ok":
      by_res[res] += n
  print("by outcome:")
  for res, n in by_res.most_common():
    print(f"  {n:5d}  {res}")
  print("by input class (not ok / all):")
  classes = sorted({c for c, _ in counts})
  for c in classes:
    alln = sum(n for (cc, _), n in counts.items() if cc == c)
    bad = sum(n for (cc, r), n in counts.items() if cc == c and r != "ok")
    print(f"  {c:10s} {bad:5d} / {alln}")
  if "-v" in sys.argv:
    for f in failures:
      print("  ", f)
  return 0


# -- the command line ---------------------------------------------------------------

JOIN_SEGMENTS = 30_000  # a join this long in a CONFIG file (~1.4 MB)


def _nest(depth: int) -> dict:
  cfg: dict = {"name": "constant", "value": 0.5}
  for _ in range(depth):
    cfg = {"name": "scale", "schedule": cfg, "factor": 1.0}
  return cfg


def cli_cases(tmp: str, write: bool = True) -> list[tuple[str, list[str], str]]:
  """``(label, argv, expect)``; expect is ``"error"`` (exit 2, one line) or
  ``"works"`` (exit 0 with output). Files are written under ``tmp`` (not when
  ``write`` is False: for the labels only)."""
  import json
  import os
  rng = np.random.default_rng(SEED)

  def file(name: str, data: Any) -> str:
    path = os.path.join(tmp, name)
    if write:
      data = data() if callable(data) else data
      with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return path

  const = json.dumps({"name": "constant", "value": 0.5})
  big = os.path.join(tmp, "big.json")
  fifo = os.path.join(tmp, "fifo")
  outdir = os.path.join(tmp, "outdir")
  if write:
    with open(big, "wb") as f:  # 100 MB: a JSON head, then a sparse tail
      f.write(b'{"name": "constant", "value": 0.5, "pad": "')
      f.truncate(100 * 2**20)
    if not os.path.exists(fifo):
      os.mkfifo(fifo)
    os.makedirs(outdir, exist_ok=True)
  deep = file("deep.json", lambda: json.dumps(_nest(600)))
  deep_list = file("deep_list.json", lambda: '{"name": "constant", "value": ' +
                   "[" * 100_000 + "]" * 100_000 + "}")
  binary = file("binary.bin", lambda: rng.integers(0, 256, 4096,
                                                   dtype=np.uint8).tobytes())
  latin = file("latin1.json", lambda: '{"name": "constant", "value": 0.5, '
               '"n": "\xe9"}'.encode("latin-1"))
  n = JOIN_SEGMENTS
  huge_join = file("join.json", lambda: json.dumps({
      "name": "join", "schedules": [{"name": "constant", "value": 0.5}] * n,
      "boundaries": list(range(1, n))}))
  empty = file("empty.json", "")
  wcd = json.dumps({"name": "cosine_decay", "init_value": 1.0, "decay_steps": 1e9})
  t12 = json.dumps({"name": "warmup_cosine_decay", "peak_value": 1.0,
                    "warmup_steps": 10**9, "total_steps": 10**12})
  return [
      ("nesting 600 levels", ["show", deep], "error"),
      ("nested JSON lists 100000 levels", ["show", deep_list], "error"),
      ("name is a list", ["show", '{"name": ["constant"]}'], "error"),
      ("name is an object", ["show", '{"name": {"a": 1}}'], "error"),
      ("name is a number", ["show", '{"name": 3}'], "error"),
      ("binary file", ["show", binary], "error"),
      ("latin-1 file", ["show", latin], "error"),
      ("100 MB file", ["show", big], "error"),
      ("a directory", ["show", tmp], "error"),
      ("a named pipe", ["show", fifo], "error"),
      ("/dev/zero", ["show", "/dev/zero"], "error"),
      ("empty file", ["show", empty], "error"),
      ("empty argument", ["show", ""], "error"),
      ("top-level list", ["show", "[1, 2]"], "error"),
      ("NaN value", ["show", '{"name": "constant", "value": NaN}'], "error"),
      ("5000-digit integer", ["show", '{"name": "constant", "value": ' +
                              "9" * 5000 + "}"], "error"),
      ("lone surrogate", ["show", '{"name": "\udcff"}'], "error"),
      ("unknown argument", ["show", '{"name": "constant", "valu": 1}'], "error"),
      ("schedules not a list", ["show", '{"name": "join", "schedules": 3, '
                                '"boundaries": []}'], "error"),
      ("show --steps 1", ["show", const, "--steps", "1"], "error"),
      ("show --steps 0", ["show", const, "--steps", "0"], "error"),
      ("show --steps 1e40", ["show", const, "--steps", "1" + "0" * 40], "error"),
      ("plot --steps 1", ["plot", const, "--steps", "1", "-o",
                          os.path.join(tmp, "a.png")], "error"),
      ("plot -o a directory", ["plot", const, "-o", outdir], "error"),
      ("plot -o without suffix", ["plot", const, "-o",
                                  os.path.join(tmp, "noext")], "error"),
      ("plot -o unknown suffix", ["plot", const, "-o",
                                  os.path.join(tmp, "a.xyz")], "error"),
      ("plot -o missing folder", ["plot", const, "-o",
                                  os.path.join(tmp, "nope", "a.png")], "error"),
      ("show --steps 2", ["show", const, "--steps", "2"], "works"),
      ("show decay_steps 1e9", ["show", wcd], "works"),
      ("show --steps 1e9", ["show", const, "--steps", "1000000000"], "works"),
      ("show 1e12 steps", ["show", t12], "works"),
      (f"show join of {n} segments", ["show", huge_join, "--steps", "1000"],
       "works"),
  ]


class _Timeout(BaseException):
  pass


def run_cli_cases(tmp: str, limit_s: int = 20) -> list[dict]:
  """Runs every CLI case in this process through ``main``; returns one record each.

  A case that runs past ``limit_s`` is stopped (SIGALRM) and recorded as a timeout.
  """
  import contextlib
  import io
  import signal
  import time
  import traceback

  from jaxsched import _cli

  def alarm(signum, frame):
    raise _Timeout()

  signal.signal(signal.SIGALRM, alarm)
  records = []
  for label, argv, expect in cli_cases(tmp):
    out, err = io.StringIO(), io.StringIO()
    rec = dict(label=label, expect=expect)
    t0 = time.perf_counter()
    signal.alarm(limit_s)
    try:
      with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rec["rc"] = _cli.main(argv)
    except _Timeout:
      rec["rc"] = "timeout"
    except BaseException as e:  # pylint: disable=broad-except
      rec["rc"] = "traceback"
      rec["exception"] = "".join(traceback.format_exception_only(type(e), e))[-300:]
    finally:
      signal.alarm(0)
    rec["seconds"] = round(time.perf_counter() - t0, 2)
    rec["stdout_lines"] = len(out.getvalue().splitlines())
    rec["stderr"] = err.getvalue()
    rec["verdict"] = cli_verdict(rec)
    records.append(rec)
  return records


def cli_verdict(rec: dict) -> str:
  """``ok`` or what went wrong with one CLI case."""
  rc, err = rec["rc"], rec["stderr"]
  if rc in ("timeout", "traceback"):
    return rc
  if "Traceback" in err:
    return "traceback"
  if rec["expect"] == "works":
    return "ok" if rc == 0 and rec["stdout_lines"] > 0 else f"failed(rc={rc})"
  if rc == 0:
    return "exit0" + ("_silent" if rec["stdout_lines"] == 0 else "")
  lines = err.strip().splitlines()
  if rc != 2:
    return f"exit{rc}"
  if len(lines) != 1 or not lines[0].startswith("jaxsched: error: "):
    return "not_one_line"
  return "ok"


def cli_main() -> int:
  """Runs every CLI case as its own ``python -m jaxsched`` process (address space
  capped at 6 GiB, 120 s each), so that a case that hangs or eats memory is
  counted rather than taking the run down."""
  import resource
  import subprocess
  import tempfile
  import time

  def cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))

  with tempfile.TemporaryDirectory() as tmp:
    bad = 0
    cases_ = cli_cases(tmp)
    for label, argv, expect in cases_:
      t0 = time.perf_counter()
      try:
        p = subprocess.run([sys.executable, "-m", "jaxsched", *argv],
                           capture_output=True, text=True, timeout=120,
                           preexec_fn=cap, errors="replace")
        rec = dict(rc=p.returncode, stderr=p.stderr, expect=expect,
                   stdout_lines=len(p.stdout.splitlines()))
        verdict = cli_verdict(rec)
        if verdict != "ok" and "MemoryError" in p.stderr:
          verdict += "(MemoryError)"
        elif verdict != "ok" and "RecursionError" in p.stderr:
          verdict += "(RecursionError)"
      except subprocess.TimeoutExpired:
        verdict = "timeout"
      bad += verdict != "ok"
      print(f"  {verdict:24s} {time.perf_counter() - t0:6.2f}s  {label}",
            flush=True)
    print(f"{len(cases_)} command lines, {len(cases_) - bad} ok, {bad} not")
  return 0

if __name__ == "__main__":
  jax.config.update("jax_numpy_dtype_promotion", "strict")
  sys.exit(cli_main() if "--cli" in sys.argv else main())
