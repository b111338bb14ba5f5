"""Plotting with matplotlib (an optional dependency: ``jaxsched[plot]``).

Every figure jaxsched draws is made here: schedules (:func:`plot`), the LR range
test (:func:`range_test_figure`, behind ``RangeTestResult.plot``) and the demo
sweep (:func:`demo_figure`). The checks of an image path made before any work
(:func:`check_image_path`), :func:`save`, :func:`use_agg` and the background
pyplot import are :mod:`jaxsched._mpl`'s (standard library only at import),
re-exported here for the commands.
matplotlib is imported inside the functions, so ``import jaxsched`` never
needs it.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from jax.typing import ArrayLike

from jaxsched._base import ScheduleLike
from jaxsched._mpl import check_image_path as check_image_path
from jaxsched._mpl import import_pyplot_in_background as import_pyplot_in_background
from jaxsched._mpl import pyplot as _pyplot
from jaxsched._mpl import save as save
from jaxsched._mpl import use_agg as use_agg

_MAX_LIST = 4  # lists longer than this are shortened in labels




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
    :func:`jaxsched.plot` labels a schedule given without a label so:

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = jaxsched.plot(jaxsched.one_cycle(600, 0.01, pct_start=0.25), 600)
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'one_cycle(total_steps=600, peak_value=0.01, pct_start=0.25)'
  """
  from jaxsched import _base  # pylint: disable=import-outside-toplevel
  name = config.get("name", "?")
  args = {k: v for k, v in config.items() if k != "name"}
  params: Mapping[str, inspect.Parameter]
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


# `ax` and the result are matplotlib's Axes and Figure, typed Any: matplotlib is
# optional, and importing it for the annotations would slow every import
def plot(schedules: ScheduleLike | Sequence[ScheduleLike] | Mapping[str, ScheduleLike],
         steps: ArrayLike, ax: Any = None, *,
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
    >>> fig = jaxsched.plot({"cosine": jaxsched.cosine_decay(1.0, 100),
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


def range_test_figure(result: Any, path: Any = None, ax: Any = None, *,
                      method: str = "steepest") -> Any:
  """Loss and smoothed loss of an LR range test against the rate (log axis).

  The suggestion of ``method`` is marked by a labelled vertical line, the
  divergence point by a dotted one; raw loss spikes above the smoothed curve are
  clipped. This is :meth:`jaxsched.RangeTestResult.plot`.

  Args:
    result: a single (not batched) :class:`jaxsched.RangeTestResult`.
    path: if given, the figure is saved there (format from the suffix).
    ax: a matplotlib ``Axes`` to draw on; a new figure is made if ``None``.
    method: which suggestion to mark (see ``RangeTestResult.suggestion``).

  Returns:
    The matplotlib ``Figure``.

  Raises:
    ImportError: matplotlib is missing.
    ValueError: a batched result (plot ``result.unstack()[i]``).
  """
  plt = _pyplot("RangeTestResult.plot")
  if result.batch_shape:
    raise ValueError(
        f"RangeTestResult.plot: plots one run, got a batched result with "
        f"batch_shape={result.batch_shape}. Plot result.unstack()[i] instead.")
  lrs = np.asarray(result.lrs, np.float64)
  valid = np.asarray(result.valid, bool) & (lrs > 0)
  losses = np.asarray(result.losses, np.float64)
  smoothed = np.asarray(result.smoothed, np.float64)
  if ax is None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
  else:
    fig = ax.figure
  ax.plot(lrs[valid], losses[valid], color="tab:blue", alpha=0.35, lw=1,
          label="loss")
  ax.plot(lrs[valid], smoothed[valid], color="tab:blue", lw=2,
          label="smoothed loss")
  lr = float(result.suggestion(method))
  if np.isfinite(lr):
    ax.axvline(lr, color="tab:red", ls="--", lw=1.5,
               label=f"{method} suggestion: lr={lr:.3g}")
  if result.diverged_at is not None:
    ax.axvline(lrs[result.diverged_at], color="0.4", ls=":", lw=1.5,
               label=f"diverged at lr={lrs[result.diverged_at]:.3g}")
  if np.any(valid):
    lo = min(losses[valid].min(), smoothed[valid].min())
    hi = smoothed[valid].max()  # raw spikes above the smoothed curve: clipped
    pad = 0.08 * (hi - lo) if hi > lo else 0.1 * abs(hi) + 1e-12
    ax.set_ylim(lo - pad, hi + pad)
  ax.set_xscale("log")
  ax.set_xlabel("learning rate (log scale)")
  ax.set_ylabel("training loss")
  ax.set_title("LR range test")
  ax.grid(True, which="major", alpha=0.3)
  ax.legend(loc="best")
  if path is not None:
    fig.savefig(path, dpi=120, bbox_inches="tight")
  return fig


def demo_figure(result: Mapping[str, Any]) -> Any:
  """The demo sweep (``jaxsched._demo.run_demo``'s result) in two panels: the
  learning rate each run used, and its validation loss (log scale).

  Laid out by hand (fixed margins, titles at a fixed height, the legend below
  the panels), labelled without mathtext and without minor ticks on the log
  axis (its major ticks are 1, 2 and 5 per decade): a layout engine draws the
  figure twice per save and the first mathtext label builds its parser, 0.3 s
  each of the command's time; placing the titles measures every tick label
  (8 ms) and the minor ticks are 16 ms more of tick objects.
  """
  from matplotlib import ticker  # pylint: disable=import-outside-toplevel
  plt = _pyplot("jaxsched demo")
  configs = result["configs"]
  kinds = list(dict.fromkeys(c["kind"] for c in configs))
  colors = {k: plt.get_cmap("tab10")(i % 10) for i, k in enumerate(kinds)}
  styles = ["-", "--", ":", "-."]
  seen: dict[str, int] = {}
  fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(14, 7.2))
  fig.subplots_adjust(left=0.055, right=0.985, top=0.9, bottom=0.265,
                      wspace=0.16)
  steps = np.arange(result["steps"])
  winner = int(np.nanargmin(result["val_loss"][:, -1]))
  for i, c in enumerate(configs):
    j = seen[c["kind"]] = seen.get(c["kind"], -1) + 1
    kw = dict(color=colors[c["kind"]], ls=styles[j % len(styles)],
              lw=3.0 if i == winner else 1.6,
              label=c["label"] + (" (lowest final loss)" if i == winner else ""))
    ax_lr.plot(steps, result["lrs"][i], **kw)
    ax_loss.plot(result["eval_steps"], result["val_loss"][i], **kw)
  ax_lr.set_title("Learning rate used at each step", y=1.0)  # y: not placed
  ax_lr.set_xlabel("training step")
  ax_lr.set_ylabel("learning rate")
  ax_loss.set_title("Validation loss", y=1.0)
  ax_loss.set_xlabel("training step")
  ax_loss.set_ylabel("validation MSE (log scale)")
  ax_loss.set_yscale("log")
  ax_loss.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
  ax_loss.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
  ax_loss.yaxis.set_minor_locator(ticker.NullLocator())
  for ax in (ax_lr, ax_loss):
    ax.grid(True, alpha=0.3)
  handles, labels = ax_lr.get_legend_handles_labels()
  fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0),
             ncol=3, fontsize="medium", frameon=False)
  fig.suptitle(f"jaxsched demo: {len(configs)} schedules, one compiled, vmapped "
               f"sweep ({result['steps']} Adam steps each, "
               f"{result['devices']} device{'s' if result['devices'] > 1 else ''})",
               fontsize="large", y=0.985)
  return fig
