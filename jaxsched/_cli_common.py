"""What every ``jaxsched`` command shares: the usage error, progress lines on
stderr, the ``--steps`` rules and output-path checks. Standard library only."""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import Any

PROG = "jaxsched"
MAX_STEPS = 10**15  # --steps: step numbers stay exact in float64
OUT_FLAG = "-o/--out"  # the image option of every command that writes one


class UsageError(Exception):
  """A mistake on the command line: reported in one line, exit status 2."""


def clip(text: str, n: int = 80) -> str:
  """``text`` cut to ``n`` characters (``...`` at the end)."""
  return text if len(text) <= n else text[:n - 3] + "..."


def one_line(text: Any) -> str:
  """``text`` with every run of whitespace (newlines too) as one space."""
  return " ".join(str(text).split())


class Progress:
  """Progress lines on stderr: ``[  1.23 s] compile: ...``, the time since the
  command started. stdout keeps only the results (tables, ``wrote FILE``)."""

  def __init__(self, stream: Any = None) -> None:
    self.start = time.perf_counter()
    self.stream = stream

  def elapsed(self) -> float:
    return time.perf_counter() - self.start

  def __call__(self, phase: str, text: str) -> None:
    stream = sys.stderr if self.stream is None else self.stream
    print(f"[{self.elapsed():6.2f} s] {phase + ':':<9} {text}", file=stream,
          flush=True)


def whole_number(text: str, flag: str, minimum: int, multiple_of: int = 1,
                 rule: str = "") -> int:
  """``--steps``-like values: a whole number (``1e12`` accepted) ``>= minimum``,
  ``<= MAX_STEPS`` and a multiple of ``multiple_of``; else a UsageError stating
  the rule (nothing is rounded)."""
  rule = rule or f"a whole number >= {minimum}"
  try:
    value = int(text)
  except ValueError:
    try:
      f = float(text)
    except ValueError:
      f = math.nan
    if not (math.isfinite(f) and f.is_integer()):
      raise UsageError(f"{flag} must be {rule}, got {flag} {clip(text, 40)!r}"
                       ) from None
    value = int(f)
  if value < minimum or value % multiple_of:
    raise UsageError(f"{flag} must be {rule}, got {flag} {value}")
  if value > MAX_STEPS:
    raise UsageError(f"{flag} must be <= {MAX_STEPS:.0e}, got {flag} "
                     f"{clip(text, 40)}")
  return value


def positive_float(text: str) -> float:
  """An argparse type: a number > 0."""
  try:
    value = float(text)
  except ValueError:
    raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
  if not value > 0:
    raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
  return value


def check_output(command: str, flag: str, path: str | None) -> str | None:
  """An image path checked before any work (``None``/``''``: no image).

  The suffix must be one matplotlib writes, the folder must exist and be
  writable; matplotlib must be installed (neither it nor JAX is imported for
  the common suffixes: :mod:`jaxsched._mpl` is standard library only). Mistakes
  are UsageErrors.
  """
  if not path:
    return None
  from jaxsched import _mpl  # pylint: disable=import-outside-toplevel
  try:
    return _mpl.check_image_path(f"{PROG} {command}", flag, path)
  except ImportError as e:
    raise UsageError(f"{e} Or pass {flag} '' for no image") from None
  except ValueError as e:
    raise UsageError(str(e)) from None
