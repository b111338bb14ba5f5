"""Plotting schedules with matplotlib (an optional dependency: ``jaxsched[plot]``).

matplotlib is imported inside the functions, so ``import jaxsched`` never needs it.
"""

from __future__ import annotations

import inspect
from typing import Any, Mapping, Sequence

import numpy as np

_MAX_LIST = 4  # lists longer than this are shortened in labels


def _pyplot() -> Any:
  """Imports ``matplotlib.pyplot`` (headless, matplotlib falls back to Agg)."""
  try:
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
  except ImportError as e:
    raise ImportError(
        "jaxsched.plot needs matplotlib, which is not installed. Install it with "
        "`pip install 'jaxsched[plot]'` (or `pip install matplotlib`).") from e
  return plt


def _fmt(v: Any) -> str:
  """A short text for one config value: ``0.001``, ``[100, 200]``, ``'cos'``."""
  if isinstance(v, bool) or v is None:
    return repr(v)
  if isinstance(v, float):
    return f"{v:.3g}"
  if isinstance(v, int):
    return str(v)
  if isinstance(v, str):
    return repr(v)
  if isinstance(v, dict) and "name" in v:
    return config_label(v)
  if isinstance(v, (list, tuple)):
    if len(v) > _MAX_LIST:  # format only what is shown (joins of 1e5 segments)
      items = [_fmt(x) for x in v[:_MAX_LIST - 1]] + ["...", _fmt(v[-1])]
    else:
      items = [_fmt(x) for x in v]
    return "[" + ", ".join(items) + "]"
  return repr(v)


def config_label(config: Mapping[str, Any]) -> str:
  """A legend label for a schedule config: the family name and its key arguments.

  Required arguments are always shown; keyword arguments only where they differ
  from the default, so that ``one_cycle(600, 0.01)`` does not list seven values.

  Args:
    config: a dict ``{"name": family, **arguments}`` (``schedule.to_config()``).

  Returns:
    A one-line label, e.g. ``"cosine_decay(init_value=0.1, decay_steps=100)"``.

  Example:
    >>> from jaxsched._plot import config_label
    >>> config_label(jaxsched.one_cycle(600, 0.01, pct_start=0.25).to_config())
    'one_cycle(total_steps=600, peak_value=0.01, pct_start=0.25)'
  """
  from jaxsched import _base  # pylint: disable=import-outside-toplevel
  name = config.get("name", "?")
  args = {k: v for k, v in config.items() if k != "name"}
  try:
    params = inspect.signature(_base.family_factory(name)).parameters
  except (ValueError, TypeError):
    params = {}
  parts = []
  for key, value in args.items():
    p = params.get(key)
    if p is not None and p.default is not inspect.Parameter.empty:
      try:
        if value == p.default:
          continue
      except Exception:  # pylint: disable=broad-except
        pass
    parts.append(f"{key}={_fmt(value)}")
  return f"{name}({', '.join(parts)})"


def schedule_label(schedule: Any) -> str:
  """A legend label for any schedule: :func:`config_label` of its config.

  Schedules without a config (plain functions, optax schedules) are labelled by
  their ``__name__`` or ``repr``.
  """
  to_config = getattr(schedule, "to_config", None)
  if to_config is not None:
    try:
      return config_label(to_config())
    except ValueError:
      pass
  return getattr(schedule, "__name__", None) or repr(schedule)


def _as_named(schedules: Any, labels: Sequence[str] | None) -> list[tuple[str, Any]]:
  """Normalises one schedule, a list or a dict into ``[(label, schedule)]``."""
  if isinstance(schedules, Mapping):
    items = [(str(k), v) for k, v in schedules.items()]
  elif callable(schedules):
    items = [(schedule_label(schedules), schedules)]
  else:
    items = [(schedule_label(s), s) for s in schedules]
  if not items:
    raise ValueError("plot: `schedules` is empty. Pass a schedule, a list of "
                     "schedules or a dict label -> schedule.")
  for label, s in items:
    if not callable(s):
      raise ValueError(f"plot: every schedule must be callable (step -> value), "
                       f"got {label}={s!r}. Pass jaxsched or optax schedules.")
  if labels is not None:
    labels = list(labels)
    if len(labels) != len(items):
      raise ValueError(
          f"plot: `labels` has {len(labels)} entries for {len(items)} schedules. "
          "Pass one label per schedule, or None for automatic labels.")
    items = [(lab, s) for lab, (_, s) in zip(labels, items)]
  return items


def _as_steps(steps: Any) -> np.ndarray:
  if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool):
    if steps < 1:
      raise ValueError(f"plot: `steps` must be >= 1, got steps={steps}. Pass the "
                       "number of steps to draw (0 .. steps-1) or an array of steps.")
    return np.arange(int(steps))
  arr = np.asarray(steps)
  if arr.ndim != 1 or arr.size == 0:
    raise ValueError(f"plot: `steps` must be an int or a 1-D array of steps, got "
                     f"an array of shape {arr.shape}.")
  return arr


def _values(schedule: Any, steps: Any) -> Any:
  """``schedule(steps)``, compiled (much faster than op by op); a callable that
  cannot be traced (Python control flow on the step) is called as it is."""
  import jax  # pylint: disable=import-outside-toplevel
  try:
    return jax.jit(schedule)(steps)
  except (jax.errors.ConcretizationTypeError, TypeError):
    return schedule(steps)


def plot(schedules: Any, steps: Any, ax: Any = None, *,
         labels: Sequence[str] | None = None, log: bool = False) -> Any:
  """Draws learning-rate curves: one line per schedule, labelled, on one axis.

  Args:
    schedules: one schedule (any callable ``step -> value``), a list of them, or
      a dict ``label -> schedule``.
    steps: an int ``N`` (steps ``0 .. N-1``) or a 1-D array of steps.
    ax: a matplotlib ``Axes`` to draw on; a new figure is made if ``None``.
    labels: legend labels, one per schedule; by default the dict keys, or the
      family name and key arguments of each schedule (see :func:`config_label`).
    log: a logarithmic value axis (for decays over orders of magnitude).

  Returns:
    The matplotlib ``Figure`` (the given axis's figure when ``ax`` is passed).
    Save it with ``fig.savefig("lr.png")``.

  Raises:
    ImportError: matplotlib is missing (``pip install 'jaxsched[plot]'``).
    ValueError: no schedules, a wrong number of labels, or bad ``steps``.

  Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from jaxsched._plot import plot
    >>> fig = plot({"cosine": jaxsched.cosine_decay(1.0, 100),
    ...                      "1cycle": jaxsched.one_cycle(100, 1.0)}, 100)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['cosine', '1cycle']
  """
  import jax.numpy as jnp  # pylint: disable=import-outside-toplevel
  items = _as_named(schedules, labels)
  x = _as_steps(steps)
  plt = _pyplot()
  if ax is None:
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
  else:
    fig = ax.figure
  for label, s in items:
    y = np.asarray(_values(s, jnp.asarray(x)), np.float64)
    ax.plot(x, np.broadcast_to(y, x.shape), lw=1.8, label=label)
  if log:
    ax.set_yscale("log")
  ax.set_xlabel("step")
  ax.set_ylabel("learning rate" + (" (log scale)" if log else ""))
  if not any(ax.get_title(loc) for loc in ("left", "center", "right")):
    ax.set_title("Learning-rate schedule" + ("s" if len(items) > 1 else ""))
  ax.grid(True, alpha=0.3)
  ax.legend(loc="best", fontsize="small")
  return fig
