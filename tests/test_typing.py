"""Public signatures are typed: numbers as ``jax.typing.ArrayLike``, checked by mypy.

Two checks, neither compiles anything:

- every public function, method, class constructor and schedule field that
  takes a number (by its name or its default) is annotated, not ``Any``, and
  admits arrays (``ArrayLike``, ``jax.Array``); plain ``int``/``float`` is
  allowed only for the few arguments listed in ``CONCRETE`` that must be
  concrete, each with its reason;
- ``tests/typing_user.py``, user-style code, passes mypy: correct calls
  type-check with the revealed types they promise (a factory returns its class,
  a schedule returns ``jax.Array``), wrong ones are rejected with the expected
  error code.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import os
import pathlib
import re
import subprocess
import sys
import time
import typing
from typing import Any

import jax
import pytest
from jax.typing import ArrayLike
from public_api import public_objects

from jaxsched import _base

ROOT = pathlib.Path(__file__).resolve().parents[1]

# names that mark a parameter as numeric (whole words or name parts)
NUMERIC = re.compile(
    r"(^|_)(value|values|lr|lrs|rate|ratio|factor|mult|mul|decay|exponent|power|"
    r"pct|period|boundaries|milestones|epoch|epochs|iters|gamma|alpha|eta|min|max|"
    r"begin|start|end|middle|steps|step|t|length|count|threshold|patience|"
    r"cooldown|momentum|mom|moms|std|div|lb|ub|timescale|horizon|initial|eps|best|"
    r"accumulation|size|cycles|cycle|seed|num|counter|limit|pcts|target|frac|"
    r"scale|sum|duration|lower|upper)(_|$)|^T_|_t$|^k_")
# numeric-named parameters that are not numbers (objects, flags, names)
NOT_NUMERIC = {
    "schedule", "schedules", "schedulers", "scale_fn", "lr_lambda", "decay_fn",
    "step_on_epochs", "t_in_epochs", "cycle_momentum", "warmup_prefix",
    "decay_shape", "warmup_shape", "anneal_strategy", "threshold_mode",
    "scale_mode", "interpolate_type", "initialize", "mode", "target",
}
# numbers that must be concrete Python ints (structure, not values)
CONCRETE = {
    "last_epoch": "PyTorch's resume marker; only -1 is accepted",
    "last_batch_iteration": "DeepSpeed's resume marker; only -1 is accepted",
    "n_cycles": "fastai's number of SGDR cycles: the number of joined segments",
    "max_steps": "the length of a table of factors built by a scan",
    "num_steps": "the length of the range test's scan",
    "chunk_size": "configs per compiled call",
}
ARRAYLIKE = set(typing.get_args(ArrayLike))


def _public() -> list[tuple[str, Any]]:
  """``(name, object)`` for every public callable: ``jaxsched.__all__``, the
  compat modules' ``__all__`` and every registered schedule class."""
  out = [(n, obj) for n, obj in public_objects()
         if not n.startswith("compat.") or callable(obj)]
  out += [(f"class {cls.__name__}", cls) for cls, _ in _base._REGISTRY.values()]  # pylint: disable=protected-access
  return out


def _signatures() -> list[tuple[str, inspect.Parameter, Any]]:
  """``(where, parameter, resolved annotation)`` of every public parameter."""
  out = []
  for name, obj in _public():
    targets = [(name, obj)]
    if inspect.isclass(obj):
      targets += [(f"{name}.{k}", v) for k, v in vars(obj).items()
                  if inspect.isfunction(v) and (not k.startswith("_") or k == "__call__")]
    for where, fn in targets:
      if inspect.isclass(fn):
        hints = typing.get_type_hints(fn)
        if dataclasses.is_dataclass(fn):
          hints.update(typing.get_type_hints(fn.__init__))
      else:
        hints = typing.get_type_hints(fn)
      for p in inspect.signature(fn).parameters.values():
        if p.name in ("self", "cls") or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
          continue
        out.append((where, p, hints.get(p.name, inspect.Parameter.empty)))
  return out


def _is_numeric(p: inspect.Parameter) -> bool:
  if p.name in NOT_NUMERIC:
    return False
  d = p.default
  return bool(NUMERIC.search(p.name)) or (
      isinstance(d, (int, float)) and not isinstance(d, bool))


def _flat(hint: Any) -> set[Any]:
  """The types a hint is made of (unions and generics opened)."""
  if isinstance(hint, list):  # the arguments of a Callable
    return set().union(*map(_flat, hint))
  args = typing.get_args(hint)
  if not args:
    return {hint}
  out = {typing.get_origin(hint)}
  for a in args:
    out |= _flat(a)
  return out


def _admits_arrays(hint: Any) -> bool:
  parts = _flat(hint)
  return parts >= ARRAYLIKE or jax.Array in parts


def _not_a_number(hint: Any) -> bool:
  """A flag, a name or a schedule: types that say the argument is no number
  (``cycle: bool``, ``decay_type: Literal[...]``, ``momentum: Schedule``)."""
  return hint in (bool, str, _base.Schedule) or typing.get_origin(hint) in (
      typing.Literal, collections.abc.Callable)


def test_the_walk_finds_the_public_api():
  sigs = _signatures()
  wheres = {w for w, _, _ in sigs}
  assert len(sigs) > 800 and len(wheres) > 180, (len(sigs), len(wheres))
  for must in ("cosine_decay", "Schedule.__call__", "compat.torch.StepLR",
               "class CosineDecay", "reduce_on_plateau", "ReduceOnPlateau.update"):
    assert must in wheres, must


def test_numeric_parameters_are_typed_arraylike():
  """A number is ``ArrayLike`` (or ``jax.Array``): never ``Any``, never missing,
  never a bare ``int``/``float`` unless it must be concrete."""
  bad, numeric = [], 0
  for where, p, hint in _signatures():
    if not _is_numeric(p):
      continue
    numeric += 1
    if hint is inspect.Parameter.empty or hint is Any:
      what = "unannotated" if hint is inspect.Parameter.empty else "Any"
      bad.append(f"{where}({p.name}): {what}")
    elif not (_admits_arrays(hint) or _not_a_number(hint) or p.name in CONCRETE):
      bad.append(f"{where}({p.name}): {hint} (use ArrayLike, or list it in CONCRETE)")
  assert numeric > 500, numeric
  assert not bad, "numeric parameters not typed ArrayLike:\n" + "\n".join(bad)


def test_the_check_bites():
  """The rule above rejects what it should, on hand-made signatures."""

  def f(init_value: Any, decay_steps: int, ok: ArrayLike, *, end_value=0.0,
        last_epoch: int = -1) -> None:
    del init_value, decay_steps, ok, end_value, last_epoch

  hints = typing.get_type_hints(f)
  params = inspect.signature(f).parameters
  assert [n for n, p in params.items() if _is_numeric(p)] == [
      "init_value", "decay_steps", "end_value", "last_epoch"]
  assert not _admits_arrays(hints["decay_steps"]) and _admits_arrays(hints["ok"])
  assert _admits_arrays(ArrayLike | None) and not _admits_arrays(float | None)
  assert "end_value" not in hints and hints["init_value"] is Any
  assert _not_a_number(typing.Literal["linear", "cosine"]) and _not_a_number(bool)
  assert not _not_a_number(int) and not _not_a_number(typing.Sequence[int])


def test_schedule_children_are_typed():
  """``schedule`` arguments are schedules or callables, not ``Any``."""
  bad = [f"{w}({p.name})" for w, p, h in _signatures()
         if p.name in ("schedule", "schedules", "schedulers")
         and (h is Any or h is inspect.Parameter.empty)]
  assert not bad, bad


def _mypy_cache() -> str:
  """A mypy cache shared between runs (as conftest.py shares JAX's compilation
  cache): cold, mypy reads all of jax (about 20 s); warm, well under a second."""
  base = os.environ.get("XDG_CACHE_HOME") or str(pathlib.Path.home() / ".cache")
  import mypy.version  # pylint: disable=import-outside-toplevel
  return str(pathlib.Path(base) / "jaxsched" / f"mypy-{mypy.version.__version__}")


def test_user_code_type_checks():
  # mypy in its own process: run in this one (``mypy.api.run``), a cold check
  # leaves its whole analysis of jax in memory, and the pytest worker then
  # takes ~7 s to exit
  pytest.importorskip("mypy")
  start = time.perf_counter()
  proc = subprocess.run(
      [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
       "--cache-dir", _mypy_cache(), "--warn-unused-ignores", "--no-error-summary",
       "--show-error-codes", str(ROOT / "tests" / "typing_user.py")],
      cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
  took = time.perf_counter() - start
  assert proc.returncode == 0 and not proc.stdout.strip(), (
      f"mypy on tests/typing_user.py ({took:.1f} s):\n{proc.stdout}{proc.stderr}")


def test_user_code_has_wrong_calls():
  """Each wrong call is marked with the error code mypy must give it; a file
  without any would pass mypy without showing that anything is rejected."""
  text = (ROOT / "tests" / "typing_user.py").read_text()
  codes = re.findall(r"# type: ignore\[([a-z-]+)\]", text)
  assert codes.count("arg-type") >= 5 and "call-arg" in codes, codes
  assert "assert_type(s(jnp.arange(3)), jax.Array)" in text
