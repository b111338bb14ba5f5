"""Units of a training run: a run description and duration strings.

Lengths and positions may be given in steps or in the units of a run, in the
spirit of MosaicML composer's time strings::

    "1000ba"   1000 batches = 1000 optimizer steps
    "10ep"     10 epochs         = 10 * steps_per_epoch steps
    "512sp"    512 samples       = 512 / batch_size steps
    "2e9tok"   2e9 tokens        = 2e9 / (batch_size * tokens_per_sample) steps
    "0.1dur"   10% of the run    = 0.1 * total_steps steps

A fractional number of steps is rounded down (composer's rule: "round down").
Concrete values are resolved exactly at construction (the decimal text is read as
a fraction, so ``"0.57dur"`` of 100 steps is 57, not the 56 that binary floating
point would give); a traced run description gives a traced step count.
"""

from __future__ import annotations

import dataclasses
import fractions
import re
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _shapes

# unit -> (run fields multiplied, run fields divided, what the unit counts)
_UNITS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "ba": ((), (), "batches (optimizer steps)"),
    "ep": (("steps_per_epoch",), (), "epochs"),
    "sp": ((), ("batch_size",), "samples"),
    "tok": ((), ("batch_size", "tokens_per_sample"), "tokens"),
    "dur": (("total_steps",), (), "fractions of the run"),
}
_NUMBER = r"[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?"
_DURATION = re.compile(rf"^\s*({_NUMBER})\s*([a-z]+)\s*$")
_FIELDS = ("steps_per_epoch", "batch_size", "tokens_per_sample", "total_steps")
_FIELD_FIX = {
    "steps_per_epoch": "the number of optimizer steps per epoch",
    "batch_size": "the number of samples per optimizer step (the global batch)",
    "tokens_per_sample": "the number of tokens per sample (the sequence length)",
    "total_steps": "the length of the run in optimizer steps",
}


@dataclasses.dataclass(frozen=True)
class Run:
  """A small description of a training run, to resolve durations against.

  Every field is optional and keyword-only; a duration whose unit needs a field
  that is ``None`` raises a ``ValueError`` saying which field to set. Fields are
  whole numbers >= 1 (validated when concrete) or traced values (a traced
  ``total_steps`` gives traced step counts, so a sweep over run lengths compiles
  once). ``Run`` is a pytree: it may be passed into ``jax.jit``.

  Attributes:
    steps_per_epoch: optimizer steps per epoch (for ``"ep"``).
    batch_size: samples per optimizer step, the global batch (``"sp"``, ``"tok"``).
    tokens_per_sample: tokens per sample, the sequence length (``"tok"``).
    total_steps: the length of the run in optimizer steps (``"dur"``).

  Example:
    >>> run = jaxsched.Run(steps_per_epoch=500, total_steps=20_000)
    >>> run.steps("2ep"), run.steps("0.1dur"), run.steps(300)
    (1000, 2000, 300)
  """

  steps_per_epoch: ArrayLike | None = None
  batch_size: ArrayLike | None = None
  tokens_per_sample: ArrayLike | None = None
  total_steps: ArrayLike | None = None

  def __post_init__(self) -> None:
    for name in _FIELDS:
      x = getattr(self, name)
      if x is not None:
        object.__setattr__(self, name, _check.steps(
            "Run", name, x, positive=True,
            fix=f"Pass {_FIELD_FIX[name]} (>= 1), or None."))

  def steps(self, duration: str | ArrayLike, *, name: str = "duration") -> int | jax.Array:
    """``to_steps(duration, self)``: a duration as a number of optimizer steps."""
    return to_steps(duration, self, name=name)


def _flatten(run: Run) -> tuple[tuple[Any, ...], None]:
  return tuple(getattr(run, n) for n in _FIELDS), None


def _unflatten(_: None, children: tuple[Any, ...]) -> Run:
  run = object.__new__(Run)  # no validation: leaves may be tracers or sentinels
  for n, c in zip(_FIELDS, children):
    object.__setattr__(run, n, c)
  return run


jax.tree_util.register_pytree_node(Run, _flatten, _unflatten)

_UNIT_LIST = ", ".join(f'"{u}"' for u in _UNITS)


def to_steps(duration: str | ArrayLike, run: Run | None = None, *, name: str = "duration",
             fn: str = "to_steps") -> int | jax.Array:
  r"""A duration as a number of optimizer steps, resolved against a run.

  .. math::
     \texttt{"}n\texttt{ba"} \to n, \quad \texttt{"}n\texttt{ep"} \to
     \lfloor n E \rfloor, \quad \texttt{"}n\texttt{sp"} \to \lfloor n / B
     \rfloor, \quad \texttt{"}n\texttt{tok"} \to \lfloor n / (B L) \rfloor,
     \quad \texttt{"}x\texttt{dur"} \to \lfloor x T \rfloor

  with ``E = run.steps_per_epoch``, ``B = run.batch_size``, ``L =
  run.tokens_per_sample``, ``T = run.total_steps``. The number may be written
  ``10``, ``0.5``, ``.5`` or ``2e9``; ``"ba"`` needs a whole number. A number (not
  a string), an array or a tracer already counts steps and is returned as it is
  (validated >= 0 when concrete).

  With concrete run fields the result is exact (the decimal number is read as a
  fraction) and a Python ``int``. With a traced field it is a traced float array,
  computed as ``floor(p * E / (q * ...))`` for the fraction ``p / q`` of the
  decimal number: exact while the products stay below 2**24 in float32.

  Args:
    duration: a string ``"<number><unit>"`` with unit ``ba``, ``ep``, ``sp``,
      ``tok`` or ``dur``, or a number of steps (may be traced).
    run: a :class:`Run`; needed for every unit but ``"ba"``.
    name: the argument's name, for error messages.
    fn: the calling function's name, for error messages.

  Returns:
    The number of steps: an ``int`` for concrete values, else a traced array.

  Raises:
    ValueError: for an unknown unit, a negative or malformed number, a unit whose
      run field is missing, or a fractional ``"ba"`` count.

  Example:
    >>> run = jaxsched.Run(steps_per_epoch=390, batch_size=128,
    ...                    tokens_per_sample=1024, total_steps=7800)
    >>> [jaxsched.to_steps(d, run) for d in ("10ep", "0.05dur", "1280sp",
    ...                                      "2.6e7tok", "250ba")]
    [3900, 390, 10, 198, 250]
  """
  if not isinstance(duration, str):
    whole = isinstance(duration, (int, np.integer)) and not isinstance(
        duration, bool)
    return _check.number(fn, name, duration, lo=0, integer=whole,
                         fix='Pass a number of steps >= 0 or a duration such as '
                         '"10ep".')
  value, unit = _parse(fn, name, duration)
  mult, div, what = _UNITS[unit]
  if unit == "ba":
    if value.denominator != 1:
      raise ValueError(
          f"{fn}: `{name}` must be a whole number of batches, got "
          f"{name}={duration!r}. Write a whole number such as "
          f'"{int(value)}ba", or use another unit ("0.1dur", "2ep").')
    return int(value)
  fields = [_field(fn, name, duration, run, f, what) for f in mult + div]
  nums, dens = fields[:len(mult)], fields[len(mult):]
  if all(isinstance(x, int) for x in fields):
    exact = value
    for x in nums:
      exact *= fractions.Fraction(x)
    for x in dens:
      exact /= fractions.Fraction(x)
    return int(exact.__floor__())
  top = _shapes.to_float(value.numerator)
  for x in nums:
    top = top * _shapes.to_float(x)
  bottom = _shapes.to_float(value.denominator)
  for x in dens:
    bottom = bottom * _shapes.to_float(x)
  # floor, then corrected by the exact products: XLA may turn the division by a
  # constant into a multiplication by its (inexact) reciprocal
  q = jnp.floor(top / bottom)
  q = jnp.where((q + 1.0) * bottom <= top, q + 1.0, q)
  return jnp.where(q * bottom > top, q - 1.0, q)


def _parse(fn: str, name: str, text: str) -> tuple[fractions.Fraction, str]:
  m = _DURATION.match(text)
  example = 'such as "10ep", "1000ba", "2e9tok", "0.1dur" or "512sp"'
  if m is None:
    if text.strip().startswith("-"):
      raise ValueError(
          f"{fn}: `{name}` must be >= 0, got {name}={text!r}. Pass a "
          f"non-negative duration {example}.")
    raise ValueError(
        f"{fn}: `{name}` must be a number followed by a unit ({_UNIT_LIST}), got "
        f"{name}={text!r}. Pass a duration {example}, or a plain number of "
        "steps.")
  number, unit = m.groups()
  if unit not in _UNITS:
    raise ValueError(
        f"{fn}: `{name}` has an unknown unit {unit!r}, got {name}={text!r}. Use "
        f"one of {_UNIT_LIST}: a duration {example}.")
  return fractions.Fraction(number), unit


def _field(fn: str, name: str, text: str, run: Run | None, field: str,
           what: str) -> Any:
  x = None if run is None else getattr(run, field)
  if x is None:
    got = "run=None" if run is None else f"run.{field}=None"
    raise ValueError(
        f"{fn}: `{name}`={text!r} counts {what}, which needs run.{field} "
        f"({_FIELD_FIX[field]}), got {got}. Pass run=jaxsched.Run({field}=...), "
        "or give the duration in steps (a number or \"...ba\").")
  return x
