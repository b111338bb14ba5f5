"""The schedule base: frozen dataclass pytrees, a registry, configs, arithmetic."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _pytree, _shapes
from jaxsched._pytree import static as static  # re-exported: families import it

Array = jax.Array

# What every combinator takes as a child: a jaxsched schedule or a plain function
# of the step (an optax schedule, a lambda) returning a number or an array.
ScheduleLike = Callable[[Array], ArrayLike]

# A pytree of arrays of any structure (model parameters, optimizer states,
# batches, checkpoints): no static type describes it, so it is Any, named.
PyTree = Any

F = TypeVar("F", bound=Callable[..., Any])  # a factory, returned unchanged

# name -> (class, factory); the factory is None until @factory records it
_REGISTRY: dict[str, tuple[type, Callable[..., Any] | None]] = {}

# "product", "scale", "add" -> the combinator the arithmetic operators build;
# filled by jaxsched._combinators (see Schedule.__mul__)
OPERATORS: dict[str, Callable[..., Any]] = {}


@_pytree.dataclass_transform(frozen_default=True,
                             field_specifiers=(dataclasses.field, _pytree.static))
def register(name: str) -> Callable[[type], type]:
  """Makes ``cls`` a frozen dataclass pytree and records it under ``name``.

  The class is declared with the package's one dataclass idiom
  (:func:`jaxsched._pytree.dataclass`): fields marked with :func:`static` are
  metadata (structure); every other field is a pytree child (numbers, arrays or
  schedules), Python numbers stored as 0-d NumPy arrays (:func:`as_leaf`).
  """

  def deco(cls: Any) -> Any:  # Any: it sets attributes on the class
    user_post_init = cls.__dict__.get("__post_init__")

    def __post_init__(self) -> None:
      for field in dataclasses.fields(self):
        if _pytree.is_static(field):
          continue
        v = getattr(self, field.name)
        a = as_leaf(v)
        if a is not v:
          object.__setattr__(self, field.name, a)
      if user_post_init is not None:
        user_post_init(self)

    cls.__post_init__ = __post_init__  # before dataclass() so its __init__ calls it
    # Schedule's own __eq__, __hash__ and __repr__ stay: equality by value
    cls = _pytree.dataclass(cls, eq=False, repr=False)
    cls.name = name
    _REGISTRY[name] = (cls, None)
    return cls

  return deco


def as_leaf(v: Any) -> Any:
  """A Python number as a 0-d NumPy array; anything else unchanged.

  Numbers are stored as arrays so that every numeric leaf is dynamic under
  ``eqx.filter_jit`` (which treats Python numbers as static) exactly as under
  ``jax.jit``: counts as int32 (float64 beyond int32), rates as float64 (cast to
  the float dtype in use when computed; the float64 keeps ``repr`` and configs
  exact: ``0.1`` stays ``0.1``).
  """
  if isinstance(v, bool) or not isinstance(v, (int, float)):
    return v
  if isinstance(v, int):
    return np.asarray(v, np.int32) if abs(v) <= 2**31 - 1 else np.asarray(
        float(v))
  return np.asarray(v, np.float64)


MAX_EVENTS = 256  # repeating phase changes listed per kind


def concrete(owner: str, *xs: Any) -> list[Any]:
  """Concrete NumPy values of hyperparameters, for code that inspects them."""
  out = []
  for x in xs:
    if isinstance(x, jax.core.Tracer):
      raise ValueError(
          f"{owner}: a hyperparameter is traced, so its phase changes are not known "
          "here. Call phase_changes outside jax.jit/jax.vmap, on a concrete "
          "schedule.")
    out.append(None if x is None else np.asarray(x, np.float64))
  return out


def every(start: float, period: float, horizon: float,
          limit: int = MAX_EVENTS) -> list[float]:
  """``start, start + period, ...`` up to ``horizon`` (at most ``limit`` of them)."""
  if not period > 0:
    return []
  n = int(min(limit, max(0.0, np.floor((horizon - start) / period)) + 1))
  return [start + j * period for j in range(n)]


def cycle_starts(period: float, mult: float, horizon: float,
                 limit: float | None = None) -> list[float]:
  """Starts of cycles of lengths ``period * mult^i`` up to ``horizon``.

  ``0, P, P + P m, ...``, summed in float64 (exact for whole numbers), at most
  :data:`MAX_EVENTS` of them, and cycles ``0..limit`` only when ``limit`` is
  given. ``mult`` below 1 acts as 1. The traced counterpart, which finds the
  cycle of a step, is ``_shapes.cycle_index``.
  """
  out: list[float]
  out, start, length = [], 0.0, max(float(period), 1e-300)
  while (start <= horizon and len(out) < MAX_EVENTS
         and (limit is None or len(out) <= limit)):
    out.append(start)
    start, length = start + length, length * max(float(mult), 1.0)
  return out


def is_concrete(*xs: Any) -> bool:
  """Whether every hyperparameter is a concrete value (no tracer, no jax.Array)."""
  return not any(isinstance(x, (jax.core.Tracer, jax.Array)) for x in xs)


def child_changes(s: Any, horizon: float) -> list[float]:
  """The phase changes of a child schedule; none for a plain callable or a
  child whose hyperparameters are traced."""
  method = getattr(s, "_phase_changes", None)
  if method is None:
    return []
  try:
    return [float(x) for x in method(horizon)]
  except (TypeError, ValueError, jax.errors.ConcretizationTypeError):
    return []


def factory(name: str) -> Callable[[F], F]:
  """Records the public constructor of family ``name`` (used by ``from_config``).

  It returns the constructor itself, so type checkers see its signature.
  """

  def deco(fn: F) -> F:
    cls, _ = _REGISTRY[name]
    _REGISTRY[name] = (cls, fn)
    return fn

  return deco


class Schedule:
  """Base class of every jaxsched schedule: ``step -> learning rate``.

  Subclasses are frozen dataclasses registered as pytrees (see :func:`register`)
  and implement ``_value(k)`` for a step array ``k`` of integer or float dtype.
  """

  name: ClassVar[str] = "schedule"
  if TYPE_CHECKING:  # every subclass is a dataclass (see register)
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

  def _value(self, k: Array) -> Array:  # pragma: no cover - abstract
    raise NotImplementedError

  def __call__(self, step: ArrayLike) -> Array:
    """The learning rate at ``step`` (any shape), as a float array of that shape.

    Called outside a JAX transformation (every hyperparameter and the step
    concrete), the schedule runs as one compiled program with the schedule an
    argument: compiled once per structure and step shape, then one dispatch
    per call, where running operation by operation would dispatch (and first
    compile) each of its operations. Inside ``jax.jit``, ``jax.vmap`` or
    ``jax.grad`` it is traced inline; under ``jax.disable_jit()`` it runs
    operation by operation.
    """
    if _runs_compiled(self, step):
      _shapes.check_step(step)  # concrete checks, before the step is traced
      if type(step) is int and not _shapes._JAX_CONFIG.jax_enable_x64:  # pylint: disable=protected-access
        # a Python int is traced as a weakly typed int32, an int32 array (an
        # optax count) as a strong one: one program serves both (the same
        # computation; under x64 a weak int64 promotes differently)
        step = np.int32(step)
      return _compiled_call(self, step)
    return self._evaluate(_shapes.as_step(step))

  def _evaluate(self, k: Array) -> Array:
    out = _shapes.to_float(self._value(k))
    shape = jnp.broadcast_shapes(out.shape, k.shape)
    return jnp.broadcast_to(out, shape)

  def _phase_changes(self, horizon: float) -> list[float]:
    """Steps where this schedule changes phase (override; concrete leaves only)."""
    del horizon
    return []

  def phase_changes(self, horizon: ArrayLike) -> np.ndarray:
    """Steps in ``[0, horizon]`` where the schedule changes phase.

    Phase starts and ends, restarts, staircase jumps, milestones, knots and join
    boundaries, composites included (each child's events shifted to where it
    runs). Repeating events stop at ``horizon`` and after the first
    :data:`MAX_EVENTS` of each kind. The CLI samples at these steps, and the
    tests check the values there. A step may be fractional where a phase ends
    between integers (``one_cycle``'s ``pct_start * T - 1``).

    Args:
      horizon: the last step of interest (>= 0).

    Returns:
      A sorted float64 NumPy array without repeats.

    Raises:
      ValueError: if a hyperparameter is traced (inside ``jax.jit``).

    Example:
      >>> jaxsched.warmup_cosine_decay(1.0, 10, 100).phase_changes(1000).tolist()
      [10.0, 100.0]
    """
    h = float(np.asarray(horizon))
    events = np.asarray([float(e) for e in self._phase_changes(h)], np.float64)
    events = events[np.isfinite(events) & (events >= 0) & (events <= h)]
    return np.unique(events)

  # -- construction ---------------------------------------------------------
  def _args(self) -> dict[str, Any]:
    """The constructor arguments that rebuild this schedule."""
    return {field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)}

  def replace(self, **changes: Any) -> Schedule:
    """A copy with some arguments changed, validated as the constructor does."""
    _, make = _REGISTRY[self.name]
    assert make is not None  # every registered family records its factory
    args = self._args()
    unknown = set(changes) - set(args)
    if unknown:
      raise ValueError(
          f"{self.name}.replace: unknown argument(s) {sorted(unknown)}; "
          f"the arguments are {sorted(args)}.")
    args.update(changes)
    return make(**args)

  def to_config(self) -> dict[str, Any]:
    """A JSON-serialisable dict ``{"name": ..., **arguments}``."""
    cfg: dict[str, Any] = {"name": self.name}
    for key, value in self._args().items():
      cfg[key] = _jsonable(self.name, key, value)
    return cfg

  # -- arithmetic -----------------------------------------------------------
  # The operators build combinators (product, scale, add). _combinators imports
  # this module and fills OPERATORS when it is imported (jaxsched/__init__.py
  # imports it), so _base never imports _combinators: no import cycle.
  def __mul__(self, other: Any) -> Schedule:
    if isinstance(other, Schedule) or callable(other):
      return OPERATORS["product"]([self, other])
    return OPERATORS["scale"](self, other)

  def __rmul__(self, other: Any) -> Schedule:
    if isinstance(other, Schedule) or callable(other):
      return OPERATORS["product"]([other, self])
    return OPERATORS["scale"](self, other)

  def __add__(self, other: Any) -> Schedule:
    return OPERATORS["add"]([self, other])

  def __radd__(self, other: Any) -> Schedule:
    return OPERATORS["add"]([other, self])

  # -- comparison and display ----------------------------------------------
  def __eq__(self, other: Any) -> bool:
    """Equal when of one class, one structure and equal leaf values.

    Leaves compare by value (``np.array_equal``: ``1`` equals ``1.0``, NaN
    never equals NaN); a traced leaf equals only itself.
    """
    if type(self) is not type(other):
      return NotImplemented
    ta: Any  # PyTreeDef: untyped (jaxlib ships no stubs)
    tb: Any
    la, ta = jax.tree_util.tree_flatten(self)
    lb, tb = jax.tree_util.tree_flatten(other)
    if ta != tb:
      return False
    for a, b in zip(la, lb):
      if isinstance(a, jax.core.Tracer) or isinstance(b, jax.core.Tracer):
        if a is not b:
          return False
      elif not np.array_equal(np.asarray(a), np.asarray(b)):
        return False
    return True

  def __hash__(self) -> int:
    """A hash consistent with ``==``: equal schedules hash equal.

    It combines the class, the structure (static fields included) and each
    leaf's shape and values as Python numbers, so ``1`` and ``1.0`` (equal
    under ``==``) hash alike. A traced leaf, equal only to itself, hashes by
    identity.
    """
    leaves, treedef = jax.tree_util.tree_flatten(self)
    return hash((type(self), treedef, tuple(_leaf_key(x) for x in leaves)))

  def __repr__(self) -> str:
    return _repr(self, 0)


def _leaf_key(x: Any) -> Any:
  """What :meth:`Schedule.__hash__` hashes of one leaf."""
  if isinstance(x, jax.core.Tracer):
    return id(x)
  arr = np.asarray(x)
  return arr.shape, tuple(arr.reshape(-1).tolist())


_REPR_DEPTH = 6  # nested schedules shown in full; deeper ones as name(...)


def _repr(s: Schedule, depth: int) -> str:
  if depth >= _REPR_DEPTH:
    return f"{s.name}(...)"
  if type(s).__repr__ is not Schedule.__repr__:
    return repr(s)
  parts = [f"{k}={_short(v, depth + 1)}" for k, v in s._args().items()]
  return f"{s.name}({', '.join(parts)})"


def _short(v: Any, depth: int = 0) -> str:
  if isinstance(v, Schedule):
    return _repr(v, depth)
  if isinstance(v, jax.core.Tracer):
    return f"<traced {v.aval.str_short()}>"
  if isinstance(v, (np.ndarray, jax.Array)):
    arr = np.asarray(v)
    if arr.ndim == 0:
      return repr(arr.item())
    if arr.size > 8:
      head = ", ".join(repr(x) for x in arr.reshape(-1)[:3].tolist())
      return f"[{head}, ...] (shape {arr.shape})"
    return repr(arr.tolist())
  if isinstance(v, (list, tuple)):
    if len(v) > 6:
      return (f"[{_short(v[0], depth)}, ..., {_short(v[-1], depth)}] "
              f"({len(v)} items)")
    return "[" + ", ".join(_short(x, depth) for x in v) + "]"
  return repr(v)


def _jsonable(fn: str, key: str, v: Any) -> Any:
  if isinstance(v, Schedule):
    return v.to_config()
  if isinstance(v, (list, tuple)):
    return [_jsonable(fn, key, x) for x in v]
  if isinstance(v, jax.core.Tracer):
    raise ValueError(
        f"{fn}.to_config: `{key}` is a traced value and cannot be serialised. "
        "Call to_config outside jax.jit/jax.vmap, on concrete numbers.")
  if isinstance(v, (np.ndarray, np.generic, jax.Array)):
    return np.asarray(v).tolist()
  if v is None or isinstance(v, (bool, int, float, str)):
    return v
  raise ValueError(
      f"{fn}.to_config: `{key}`={v!r} is not serialisable to JSON. "
      "Only schedules built from numbers, arrays and jaxsched schedules have a "
      "config; wrap plain functions in code instead.")


def is_config(x: Any) -> bool:
  return isinstance(x, dict) and "name" in x


def from_config(config: dict[str, Any] | str) -> Schedule:
  """Rebuilds a schedule from :meth:`Schedule.to_config` output.

  Args:
    config: a dict ``{"name": family, **arguments}`` or a JSON string of one.
      Arguments that are themselves configs (or lists of configs) are rebuilt
      recursively, so composites round-trip.

  Returns:
    A schedule equal to the one that produced the config, of its class: ``s(step)``
    is the same learning rate.

  Example:
    >>> s = jaxsched.warmup_cosine_decay(1e-3, 100, 1000)
    >>> jaxsched.from_config(s.to_config()) == s
    True
    >>> jaxsched.from_config('{"name": "constant", "value": 0.5}')
    constant(value=0.5)
  """
  return _from_config(config, 0)


MAX_DEPTH = 100  # schedules nested inside schedules, in a config
RENAMED = {"sum": "add"}  # old config names, still read by from_config


def _from_config(config: Any, depth: int) -> Schedule:
  if isinstance(config, str):
    try:
      config = json.loads(config)
    except RecursionError:
      raise ValueError(
          "from_config: `config` nests JSON too deeply to parse, got "
          f"config={_clip(config)}. Nest at most {MAX_DEPTH} schedules; a join "
          "takes a flat list of schedules.") from None
    except ValueError as e:  # JSONDecodeError, or an integer of 5000 digits
      where = (f" ({e.msg} at position {e.pos})"
               if isinstance(e, json.JSONDecodeError) else f" ({e})")
      raise ValueError(
          f"from_config: `config` is not valid JSON{where}, got "
          f"config={_clip(config)}. Pass a JSON object such as "
          '\'{"name": "constant", "value": 0.1}\'.') from None
  if not is_config(config):
    raise ValueError(
        f"from_config: `config` must be a dict with a \"name\" key, got "
        f"config={_clip(config)}. Pass the output of schedule.to_config().")
  name = config["name"]
  name = RENAMED.get(name, name) if isinstance(name, str) else name
  if not isinstance(name, str) or name not in _REGISTRY or \
      _REGISTRY[name][1] is None:
    what = "unknown family" if isinstance(name, str) else (
        "`name` must be a family name (a string), got")
    raise ValueError(
        f"from_config: {what} name={_clip(name)}. "
        f"Use one of: {', '.join(families())}.")
  if depth >= MAX_DEPTH:
    raise ValueError(
        f"from_config: `config` nests schedules more than {MAX_DEPTH} levels deep, "
        f"got a {name!r} at depth {depth}. Flatten it: a join, product or sum "
        "takes a list of schedules.")
  _, make = _REGISTRY[name]
  assert make is not None  # checked above
  kwargs = {k: _rebuild(name, k, v, depth) for k, v in config.items()
            if k != "name"}
  try:
    return make(**kwargs)
  except TypeError as e:
    raise ValueError(f"from_config: bad arguments for {name!r}: {e}.") from None


def _clip(v: Any, n: int = 80) -> str:
  text = v if isinstance(v, str) else repr(v)
  text = repr(text) if isinstance(v, str) else text
  return text if len(text) <= n else text[:n - 3] + "..."


def _rebuild(parent: str, key: str, v: Any, depth: int) -> Any:
  """An argument of a config: nested configs are rebuilt, errors get their path
  (``join: schedules[1]: cosine_decay: ...``)."""
  if is_config(v):
    try:
      return _from_config(v, depth + 1)
    except ValueError as e:
      raise ValueError(f"{parent}: {key}: {e}") from None
  if isinstance(v, list) and v and all(is_config(x) for x in v):
    out = []
    for i, x in enumerate(v):
      try:
        out.append(_from_config(x, depth + 1))
      except ValueError as e:
        raise ValueError(f"{parent}: {key}[{i}]: {e}") from None
    return out
  return v


def families() -> list[str]:
  """The names of every family and combinator that has a config.

  Example:
    >>> "cosine_restarts" in jaxsched.families()
    True
  """
  return sorted(n for n, (_, make) in _REGISTRY.items() if make is not None)


def family_factory(name: str) -> Callable[..., Any]:
  """The public constructor registered under ``name``."""
  if name not in _REGISTRY or _REGISTRY[name][1] is None:
    raise ValueError(f"unknown family name={name!r}. Use one of: "
                     f"{', '.join(families())}.")
  make = _REGISTRY[name][1]
  assert make is not None  # checked above
  return make


_CONCRETE = (jax.Array, np.ndarray, np.generic, int, float)


def _runs_compiled(schedule: Schedule, step: Any) -> bool:
  """Whether a call of ``schedule`` at ``step`` runs as one compiled program:
  jit enabled, and the step (a number or an array, not a list) and every leaf
  concrete."""
  if _shapes._JAX_CONFIG.jax_disable_jit or not isinstance(step, _CONCRETE) or isinstance(
      step, jax.core.Tracer):
    return False
  return all(isinstance(x, _CONCRETE) and not isinstance(x, jax.core.Tracer)
             for x in jax.tree_util.tree_leaves(schedule))


def _schedule_call(schedule: Schedule, step: Any) -> Array:
  # named, so that profiles and compile logs say "jit(_schedule_call)"
  return schedule._evaluate(_shapes.as_step(step))


# One jitted function for every schedule: JAX caches its compiled programs by
# the schedule's structure and the avals of its leaves and step.
# The step is converted inside (``as_step``), so a new step shape costs one compile.
_compiled_call = jax.jit(_schedule_call)
