"""The ``jaxsched`` command line: families, show, plot, range-test, demo.

``main(argv) -> int`` is separate from the parser (:func:`build_parser`) and from
the console entry point (:func:`entry_point`), so tests call ``main([...])``.
The commands live in :mod:`jaxsched._cli_schedules` (families, show, plot) and
:mod:`jaxsched._cli_train` (range-test, demo); CONFIG reading in
:mod:`jaxsched._cli_config`. Every failure (bad JSON, an unknown family, a bad
value, a missing, unreadable or oversized file, a usage error, even an internal
error) prints one line ``jaxsched: error: ...`` on stderr and returns 2.

Nothing here imports JAX: ``jaxsched --help`` and ``jaxsched families`` answer
without it (importing JAX takes seconds); the commands import it when they run.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from jaxsched import _cli_cache, _cli_index
from jaxsched._cli_common import (
  OUT_FLAG,
  PROG,
  UsageError,
  clip,
  one_line,
  positive_float,
  whole_number,
)

COMMANDS = ("families", "show", "plot", "range-test", "demo")


class _Parser(argparse.ArgumentParser):
  """argparse, but a usage error is one line on stderr (no usage block)."""

  def error(self, message: str) -> NoReturn:
    raise UsageError(f"{message} (see '{self.prog} --help')")


def _steps(flag: str, minimum: int, rule: str, multiple_of: int = 1) -> Any:
  """An argparse type for a step count that states and enforces ``rule``."""
  fn = functools.partial(whole_number, flag=flag, minimum=minimum,
                         multiple_of=multiple_of, rule=rule)
  fn.__name__ = "steps"  # type: ignore[attr-defined]
  return fn


_CACHE_HELP = ("do not use JAX's persistent compilation cache (also: "
               f"{_cli_cache.ENV_OFF}=1). By default compiled code is kept in "
               "$XDG_CACHE_HOME/jaxsched/jax (~/.cache/jaxsched/jax), so a "
               "second run compiles nothing")


def _add_output(p: argparse.ArgumentParser, default: str | None,
                required: bool = False) -> None:
  what = "the image to write; the format comes from the suffix (.png, .pdf, .svg, ...)"
  if default is not None:
    what += "; default: %(default)s; '' for none"
  p.add_argument("-o", "--out", dest="output", metavar="FILE.png",
                 default=default, required=required, help=what)


def build_parser() -> argparse.ArgumentParser:
  """The argument parser of the ``jaxsched`` command."""
  from jaxsched import _cli_schedules, _demo  # pylint: disable=import-outside-toplevel
  config_help = ("a schedule config: a JSON object such as "
                 "'{\"name\": \"cosine_decay\", \"init_value\": 0.1, "
                 "\"decay_steps\": 1000}' or the path of a file holding one")
  parser = _Parser(
      prog=PROG,
      description="Learning-rate schedules for JAX: look at them, plot them, "
                  "and watch a sweep of them train a model.",
      epilog=f"Commands that write an image take {OUT_FLAG} FILE. demo and "
             "range-test keep compiled code in JAX's persistent compilation "
             "cache, $XDG_CACHE_HOME/jaxsched/jax (~/.cache/jaxsched/jax): "
             "the second run compiles nothing. Turn it off with --no-cache or "
             f"{_cli_cache.ENV_OFF}=1. Try: jaxsched demo")
  parser.add_argument("--version", action="version",
                      version=f"%(prog)s {_version()}")
  sub = parser.add_subparsers(dest="command", metavar="COMMAND")

  p = sub.add_parser("families", help="list every schedule family and its "
                     "parameters", description="List every schedule family "
                     "(the \"name\" of a CONFIG) with its parameters.")
  p.set_defaults(func=_run("_cli_schedules", "cmd_families"))

  show_steps = _steps("--steps", _cli_schedules.MIN_STEPS,
                      _cli_schedules.STEPS_RULE)
  p = sub.add_parser("show", help="print a schedule's values and a text plot",
                     description="Print a schedule's values at the first and "
                     "last step, at its phase changes and in between, and a "
                     "small text plot.")
  p.add_argument("config", metavar="CONFIG", help=config_help)
  p.add_argument("--steps", type=show_steps, metavar="N",
                 help=f"steps to show, {_cli_schedules.STEPS_RULE} (default: "
                      "the config's total_steps, or a quarter past its fourth "
                      "phase change)")
  p.add_argument("--log", action="store_true", help="log scale in the text plot")
  p.set_defaults(func=_run("_cli_schedules", "cmd_show"))

  p = sub.add_parser("plot", help="plot schedules into an image",
                     description="Plot one or more schedules into one labelled "
                     "figure.")
  p.add_argument("configs", metavar="CONFIG", nargs="+", help=config_help)
  p.add_argument("--steps", type=show_steps, metavar="N",
                 help=f"steps to draw, {_cli_schedules.STEPS_RULE} (default: "
                      "the longest config's length)")
  p.add_argument("--log", action="store_true", help="log scale for the values")
  _add_output(p, None, required=True)
  p.set_defaults(func=_run("_cli_schedules", "cmd_plot"))

  lib = _cli_index.defaults("_range_test", "lr_range_test")
  p = sub.add_parser("range-test", help="LR range test on the demo task",
                     description="Run an LR range test (jaxsched.lr_range_test, "
                     "one compiled scan) on the demo's model and data, print "
                     "the suggested learning rates and plot loss against "
                     "learning rate. Defaults are lr_range_test's.")
  _add_output(p, "jaxsched_range_test.png")
  p.add_argument("--num-steps", type=_steps("--num-steps", 10,
                                            "a whole number >= 10"),
                 default=lib["num_steps"], metavar="N",
                 help="steps of the test, a whole number >= 10 (default: "
                      "%(default)s)")
  p.add_argument("--min-lr", type=positive_float, default=lib["min_lr"],
                 metavar="LR", help="first learning rate (default: %(default)g)")
  p.add_argument("--max-lr", type=positive_float, default=lib["max_lr"],
                 metavar="LR", help="last learning rate (default: %(default)g)")
  p.add_argument("--smoothing", type=float, default=lib["smoothing"],
                 metavar="S", help="loss smoothing in [0, 1) (default: "
                 "%(default)g)")
  p.add_argument("--no-cache", action="store_true", help=_CACHE_HELP)
  p.set_defaults(func=_run("_cli_train", "cmd_range_test"))

  steps = _cli_index.defaults("_demo", "run_demo")["steps"]
  p = sub.add_parser("demo", help="the main job: a vmapped sweep of schedules "
                     "training a small MLP", description="Train a small MLP on "
                     "built-in synthetic data with optax's Adam under 18 "
                     "schedules (warmup-cosine, one-cycle, WSD, step decay, "
                     "cyclic, cosine restarts, constant, reduce-on-plateau) in "
                     "one compiled, vmapped, sharded sweep; print a results "
                     "table and write a plot. Progress goes to stderr.")
  p.add_argument("--steps", type=_steps("--steps", _demo.MIN_STEPS,
                                        _demo.STEPS_RULE, _demo.EVAL_EVERY),
                 metavar="N", help=f"training steps per schedule, "
                 f"{_demo.STEPS_RULE} (default: {steps}, or "
                 f"{_demo.SMALL['steps']} with --small)")
  _add_output(p, "jaxsched_demo.png")
  p.add_argument("--small", action="store_true",
                 help="a smaller model, data set and run (for tests, CI)")
  p.add_argument("--no-cache", action="store_true", help=_CACHE_HELP)
  p.set_defaults(func=_run("_cli_train", "cmd_demo"))
  return parser


def _run(module: str, name: str) -> Any:
  """The handler ``jaxsched.<module>.<name>``, imported when the command runs."""

  def handler(args: argparse.Namespace) -> int:
    import importlib  # pylint: disable=import-outside-toplevel
    return getattr(importlib.import_module(f"jaxsched.{module}"), name)(args)

  return handler


def _version() -> str:
  """``jaxsched.__version__``, for ``--version`` (read, not imported)."""
  return _cli_index.version()


def _error(message: str) -> int:
  """Prints ``jaxsched: error: <message>`` as one line on stderr; returns 2."""
  line = f"{PROG}: error: {clip(one_line(message), 2000)}"
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
      raise UsageError(f"a command is required: one of {', '.join(COMMANDS)} "
                       f"(see '{PROG} --help'; try '{PROG} demo')")
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
    print(f"{PROG}: interrupted", file=sys.stderr)
    return 130
  except ValueError as e:  # the library's validation: function, argument, fix
    if type(e) is ValueError:
      return _error(str(e))
    return _unexpected(e)
  except ImportError as e:
    return _error(str(e))
  except OSError as e:  # e.g. an output file that cannot be written after all
    return _error(f"{e.strerror or e}: {e.filename!r}" if e.filename else str(e))
  except RecursionError:
    return _error("the schedule is nested too deeply to evaluate. Flatten it: a "
                  "join, product or add takes a list of schedules")
  except MemoryError:
    return _error("out of memory. Pass a smaller --steps or a smaller config")
  except Exception as e:  # pylint: disable=broad-except
    return _unexpected(e)


def _unexpected(e: BaseException) -> int:
  """Anything else is a bug in jaxsched: one line, and the traceback only on
  request (JAXSCHED_TRACEBACK=1)."""
  if os.environ.get("JAXSCHED_TRACEBACK"):
    raise e
  return _error(f"internal error ({type(e).__name__}: {clip(str(e), 200)}); "
                "please report it. Set JAXSCHED_TRACEBACK=1 for the traceback")


def entry_point() -> None:
  """The console script ``jaxsched`` (``[project.scripts]``).

  A command is a short-lived process, so Python's cyclic garbage collector is
  off while it runs (objects are still freed by reference counting): its full
  passes walk every object JAX, NumPy and matplotlib have loaded, 0.2 s of a
  ``demo``'s second run and 0.35 s of its first. Before the interpreter exits,
  every object left is moved to the permanent generation (``gc.freeze``), so
  exiting skips a last pass too (0.3 s; exit handlers still run, files are
  closed as usual). ``main()`` called from a program changes neither.
  """
  import gc  # pylint: disable=import-outside-toplevel
  gc.disable()
  status = main()
  gc.freeze()
  sys.exit(status)
