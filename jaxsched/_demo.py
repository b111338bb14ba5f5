"""The demo task: a small MLP trained with optax's Adam on synthetic data, and
the vmapped sweep of schedules over it.

:func:`run_demo` trains one MLP per schedule configuration, all in one compiled,
vmapped ``lax.scan`` run by :func:`jaxsched.sweep` (the configuration axis sharded
over every device), and returns the curves; :func:`results_table` formats them,
``jaxsched._plot.demo_figure`` draws them. :func:`range_test_task` is the same
model and data for ``lr_range_test``. A library module: it prints nothing unless
given a ``log`` and knows nothing of the command line.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
  import numpy as np

# NumPy and JAX are imported inside the functions: the command line reads the
# constants below (for --help) without paying for either.

# ---------------------------------------------------------------------------
# the demo task: a small MLP on synthetic regression data
# ---------------------------------------------------------------------------

_FEATURES = 8
_TEACHER_HIDDEN = 16


def make_data(n_train: int, n_val: int, seed: int = 0) -> dict[str, np.ndarray]:
  """Synthetic regression data from a random tanh teacher network (no download).

  ``y = tanh(x W1) W2 / 4 + 0.05 noise`` with ``x ~ N(0, I_8)``; a fixed
  ``seed`` gives the same data on every machine.

  Returns:
    ``{"x_train", "y_train", "x_val", "y_val"}``, float32 arrays.
  """
  import numpy as np  # pylint: disable=import-outside-toplevel
  rng = np.random.default_rng(seed)
  w1 = rng.normal(size=(_FEATURES, _TEACHER_HIDDEN)) * (2.0 / math.sqrt(_FEATURES))
  w2 = rng.normal(size=(_TEACHER_HIDDEN, 1))

  def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(n, _FEATURES))
    y = np.tanh(x @ w1) @ w2 / 4.0 + 0.05 * rng.normal(size=(n, 1))
    return x.astype(np.float32), y.astype(np.float32)

  x_train, y_train = sample(n_train)
  x_val, y_val = sample(n_val)
  return {"x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val}


def init_mlp(key: Any, hidden: int) -> dict[str, Any]:
  """Parameters of the student MLP ``8 -> hidden -> hidden -> 1`` (tanh)."""
  import jax  # pylint: disable=import-outside-toplevel
  import jax.numpy as jnp  # pylint: disable=import-outside-toplevel
  k1, k2, k3 = jax.random.split(key, 3)
  return {
      "w1": jax.random.normal(k1, (_FEATURES, hidden)) / math.sqrt(_FEATURES),
      "b1": jnp.zeros(hidden),
      "w2": jax.random.normal(k2, (hidden, hidden)) / math.sqrt(hidden),
      "b2": jnp.zeros(hidden),
      "w3": jax.random.normal(k3, (hidden, 1)) / math.sqrt(hidden),
      "b3": jnp.zeros(1),
  }


def mlp_loss(params: dict[str, Any], x: Any, y: Any) -> Any:
  """Mean squared error of the MLP on ``(x, y)``."""
  import jax.numpy as jnp  # pylint: disable=import-outside-toplevel
  h = jnp.tanh(x @ params["w1"] + params["b1"])
  h = jnp.tanh(h @ params["w2"] + params["b2"])
  return jnp.mean((h @ params["w3"] + params["b3"] - y) ** 2)


def adam_init(params: Any) -> Any:
  """``optax.adam``'s state for ``params`` (its state does not depend on the rate)."""
  import optax  # pylint: disable=import-outside-toplevel
  return optax.adam(0.0).init(params)


def adam_step(params: Any, opt_state: Any, grads: Any, lr: Any) -> tuple[Any, Any]:
  """One ``optax.adam(lr)`` step; ``lr`` may change every step (a traced scalar)."""
  import optax  # pylint: disable=import-outside-toplevel
  updates, opt_state = optax.adam(lr).update(grads, opt_state, params)
  return optax.apply_updates(params, updates), opt_state


def train_step(state: Any, batch: Any, lr: Any) -> tuple[Any, Any]:
  """``(params, opt_state), (x, y), lr -> (new state, loss before the update)``:
  one Adam step on the MLP's mean squared error (the ``lr_range_test`` form)."""
  import jax  # pylint: disable=import-outside-toplevel
  params, opt_state = state
  loss, grads = jax.value_and_grad(mlp_loss)(params, *batch)
  return adam_step(params, opt_state, grads, lr), loss


def range_test_task(num_steps: int, hidden: int = 32, n_train: int = 4096,
                    batch: int = 64) -> tuple[Callable[..., Any], Any, Any]:
  """The demo's model and data as an LR range test: ``(train_step, state,
  batches)`` for ``jaxsched.lr_range_test`` (``num_steps`` minibatches drawn
  with a fixed seed, the MLP initialised from ``jax.random.key(0)``)."""
  import jax  # pylint: disable=import-outside-toplevel
  import numpy as np  # pylint: disable=import-outside-toplevel
  data = make_data(n_train, 1, seed=0)
  idx = np.random.default_rng(1).integers(0, n_train, size=(num_steps, batch))
  params = init_mlp(jax.random.key(0), hidden)
  return train_step, (params, adam_init(params)), (data["x_train"][idx],
                                                   data["y_train"][idx])


# ---------------------------------------------------------------------------
# demo: a vmapped, sharded sweep of schedules, compiled once
# ---------------------------------------------------------------------------

EVAL_EVERY = 10  # steps between validation evaluations (and plateau updates)
MIN_STEPS = 2 * EVAL_EVERY  # the shortest run: two evaluations
STEPS_RULE = (f"a multiple of {EVAL_EVERY} (the validation interval), at least "
              f"{MIN_STEPS}")
SMALL = {"steps": 200, "hidden": 16, "n_train": 1024, "batch": 32}  # --small
_NEVER = 2**31 - 1  # patience of a plateau that never reduces


def check_steps(fn: str, steps: Any) -> int:
  """``steps`` if it is a whole number, a multiple of ``EVAL_EVERY`` and at least
  ``MIN_STEPS``; else a ValueError naming ``fn`` (nothing is rounded).

  Example:
    >>> from jaxsched._demo import check_steps
    >>> check_steps("run_demo", 30)
    30
    >>> check_steps("run_demo", 5)
    Traceback (most recent call last):
    ...
    ValueError: run_demo: `steps` must be a multiple of 10 (the validation interval), ...
  """
  from jaxsched import _check  # pylint: disable=import-outside-toplevel
  fix = lambda v: f"Pass e.g. steps={v}."  # noqa: E731
  nearest = max(MIN_STEPS, -(-int(steps) // EVAL_EVERY) * EVAL_EVERY) if (
      isinstance(steps, (int, float)) and math.isfinite(steps)) else MIN_STEPS
  value = _check.number(fn, "steps", steps, integer=True, fix=fix(nearest))
  if value < MIN_STEPS or value % EVAL_EVERY:
    raise ValueError(f"{fn}: `steps` must be {STEPS_RULE}, got steps={steps}. "
                     f"{fix(nearest)}")
  return int(value)


def demo_configs(steps: int) -> list[dict[str, Any]]:
  """The sweep of the demo: 18 configurations over 8 kinds of schedule.

  Each entry: ``label``, ``kind`` (for colours), ``schedule`` (a jaxsched
  schedule) and ``plateau`` (keyword arguments of ``reduce_on_plateau``, or
  ``None``).
  """
  # The defining modules, not `jaxsched.<name>`: that imports every public
  # name (compat and all), 15 ms of the command that the demo does not use.
  # pylint: disable-next=import-outside-toplevel
  from jaxsched import _cosine, _cyclic, _decay, _piecewise
  t = steps
  w = max(1, t // 20)
  out: list[dict[str, Any]] = []

  def add(kind: str, label: str, schedule: Any, plateau: Any = None) -> None:
    out.append({"kind": kind, "label": label, "schedule": schedule,
                "plateau": plateau})

  for peak in (3e-3, 1e-2, 3e-2):
    add("warmup-cosine", f"warmup-cosine peak={peak:g}",
        _cosine.warmup_cosine_decay(peak, w, t))
  for peak in (1e-2, 3e-2):
    add("one-cycle", f"one-cycle peak={peak:g}", _cyclic.one_cycle(t, peak))
  for peak in (1e-2, 3e-2):
    add("WSD", f"WSD peak={peak:g}, linear decay 20%",
        _cosine.warmup_stable_decay(peak, w, max(1, t // 5), t))
  add("WSD", "WSD peak=0.03, 1-sqrt decay 20%",
      _cosine.warmup_stable_decay(3e-2, w, max(1, t // 5), t,
                                  decay_shape="sqrt"))
  for gamma in (0.3, 0.1):
    add("step decay", f"step decay 1e-2, x{gamma:g} every {t // 3}",
        _piecewise.step_decay(1e-2, max(1, t // 3), gamma=gamma))
  add("cyclic", "cyclic triangular 1e-3..1e-2",
      _cyclic.cyclic(1e-3, 1e-2, max(1, t // 8)))
  add("cyclic", "cyclic triangular 1e-3..3e-2",
      _cyclic.cyclic(1e-3, 3e-2, max(1, t // 8)))
  add("cosine restarts", f"cosine restarts 1e-2, period {t // 4}",
      _cosine.cosine_restarts(1e-2, max(1, t // 4)))
  add("cosine restarts", f"cosine restarts 1e-2, period {t // 7} x2",
      _cosine.cosine_restarts(1e-2, max(1, t // 7), period_mult=2.0))
  add("constant", "constant 3e-3", _decay.constant(3e-3))
  add("constant", "constant 1e-2", _decay.constant(1e-2))
  add("plateau", "plateau 1e-2, x0.5 after 2 evals",
      _decay.constant(1e-2), {"factor": 0.5, "patience": 2})
  add("plateau", "plateau 3e-2, x0.3 after 1 eval",
      _decay.constant(3e-2), {"factor": 0.3, "patience": 1})
  return out


def _group_key(schedule: Any) -> Any:
  """Schedules with equal keys can be stacked: same treedef, leaf shapes, kinds."""
  import jax  # pylint: disable=import-outside-toplevel
  import numpy as np  # pylint: disable=import-outside-toplevel
  leaves, treedef = jax.tree_util.tree_flatten(schedule)
  return (treedef, tuple((np.shape(x), np.asarray(x).dtype.kind in "iub")
                         for x in leaves))


def sweep_configs(configs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
  """The demo's configs as same-structure pytrees for :func:`jaxsched.sweep`.

  Schedules of different families cannot be stacked, so every config carries
  one schedule per structure group (its own in its group's slot, the group's
  first schedule elsewhere) and ``group``, the index of its slot; plus its
  plateau (every config has one; a patience of 2**31 - 1 never reduces).

  Returns:
    ``(sweep configs, number of groups)``.
  """
  import numpy as np  # pylint: disable=import-outside-toplevel

  from jaxsched import _plateau  # pylint: disable=import-outside-toplevel
  groups: dict[Any, int] = {}
  first: list[Any] = []
  for c in configs:
    key = _group_key(c["schedule"])
    if key not in groups:
      groups[key] = len(first)
      first.append(c["schedule"])
  out = []
  for c in configs:
    g = groups[_group_key(c["schedule"])]
    slots = tuple(c["schedule"] if j == g else s for j, s in enumerate(first))
    plateau = _plateau.reduce_on_plateau(
        **(c["plateau"] or {"factor": 0.5, "patience": _NEVER}))
    out.append({"group": np.int32(g), "schedules": slots, "plateau": plateau})
  return out, len(first)


def train_fn(steps: int, hidden: int, eval_every: int, num_groups: int) -> Any:
  """The demo's pure training function of (config, data, key), for ``sweep``.

  The learning-rate curve is ``config["schedules"][config["group"]]`` at steps
  ``0 .. steps - 1`` (a ``lax.switch``; under ``jax.vmap`` every group's
  schedule is evaluated and the config's one selected), times the plateau's
  scale, updated with the validation loss every ``eval_every`` steps; Adam on
  the minibatches ``data["idx"]`` from the MLP initialised from ``key``.

  Returns:
    ``train_fn(config, data, key) -> {"train_loss", "lrs"}`` (per step) and
    ``"val_loss"`` (per evaluation).
  """
  import jax  # pylint: disable=import-outside-toplevel
  import jax.numpy as jnp  # pylint: disable=import-outside-toplevel

  def train(config: dict[str, Any], data: dict[str, Any], key: Any) -> Any:
    k = jnp.arange(steps, dtype=jnp.int32)
    branches = [lambda scheds, g=g: scheds[g](k) for g in range(num_groups)]
    lrs = jax.lax.switch(config["group"], branches, config["schedules"])
    plateau = config["plateau"]
    params = init_mlp(key, hidden)
    opt_state = adam_init(params)

    def step(carry: Any, inp: Any) -> Any:
      params, opt_state, scale = carry
      i, base_lr = inp
      loss, grads = jax.value_and_grad(mlp_loss)(
          params, data["x_train"][i], data["y_train"][i])
      lr = base_lr * scale
      params, opt_state = adam_step(params, opt_state, grads, lr)
      return (params, opt_state, scale), (loss, lr)

    def epoch(carry: Any, inp: Any) -> Any:
      params, opt_state, pstate = carry
      (params, opt_state, _), (losses, used) = jax.lax.scan(
          step, (params, opt_state, plateau(pstate)), inp)
      val = mlp_loss(params, data["x_val"], data["y_val"])
      pstate = plateau.update(pstate, value=val)
      return (params, opt_state, pstate), (losses, used, val)

    epochs = steps // eval_every
    xs = (data["idx"].reshape(epochs, eval_every, -1),
          lrs.reshape(epochs, eval_every))
    _, (losses, used, val) = jax.lax.scan(
        epoch, (params, opt_state, plateau.init()), xs)
    return {"train_loss": losses.reshape(-1), "lrs": used.reshape(-1),
            "val_loss": val}

  return train


def _key_0() -> Any:
  """``jax.random.key(0)`` under JAX's default PRNG (threefry2x32, whose seed 0
  is the key data ``[0, 0]``), made from its data: ``jax.random.key`` runs a
  compiled seeding program, 0.1 s of the demo's second run."""
  import jax  # pylint: disable=import-outside-toplevel
  import numpy as np  # pylint: disable=import-outside-toplevel
  data = jax.device_put(np.zeros(2, np.uint32))  # a transfer, no program
  return jax.random.wrap_key_data(data, impl="threefry2x32")


def run_demo(steps: int = 600, hidden: int = 32, n_train: int = 4096,
             batch: int = 64,
             log: Callable[[str, str], None] | None = None,
             compile_fn: Callable[[Any, tuple], Any] | None = None) -> dict[str, Any]:
  """The demo sweep: trains the MLP under every demo schedule, compiled once.

  Args:
    steps: training steps per configuration: a multiple of ``EVAL_EVERY`` (10,
      the validation interval), at least 20 (see :func:`check_steps`).
    hidden: width of the MLP's hidden layers.
    n_train: training examples (batches are drawn with a fixed seed).
    batch: minibatch size.
    log: called as ``log(phase, text)`` when a phase starts or ends (``"data"``,
      ``"devices"``, ``"sweep"``, ``"compiling"``, ``"compile"``, ``"run"``);
      ``None`` for silence.
    compile_fn: how the sweep is compiled, ``compile_fn(jitted, args)`` (see
      ``jaxsched._sweep.run``; the command line passes one that keeps whole
      executables on disk); ``None``: ``jitted.lower(*args).compile()``.

  Returns:
    A dict with ``configs``, ``lrs`` ``[config, step]``, ``train_loss``,
    ``val_loss`` ``[config, eval]``, ``eval_steps``, ``steps``, ``devices`` and
    ``times`` (seconds: ``data``, ``compile``, ``run``).

  Raises:
    ValueError: ``steps`` breaks the rule above (checked before any work).
  """
  import numpy as np  # pylint: disable=import-outside-toplevel
  steps = check_steps("run_demo", steps)
  import jax  # pylint: disable=import-outside-toplevel

  from jaxsched import _sweep  # pylint: disable=import-outside-toplevel
  say = log or (lambda phase, text: None)
  times: dict[str, float] = {}

  tic = time.perf_counter()
  data = make_data(n_train, 1024, seed=0)
  idx = np.random.default_rng(1).integers(0, n_train, size=(steps, batch),
                                          dtype=np.int32)
  times["data"] = time.perf_counter() - tic
  say("data", f"{n_train} train / 1024 validation examples, {_FEATURES} "
      f"features, synthetic (tanh teacher, seed 0) [{times['data']:.2f} s]")

  configs = demo_configs(steps)
  devices = jax.devices()
  n_dev = len(devices)
  padded = _sweep.chunk_layout(len(configs), n_dev)[0]
  say("devices", f"{n_dev} x {devices[0].platform}; the sweep axis is sharded "
      f"over them ({len(configs)} configs"
      + (f", padded to {padded}" if padded != len(configs) else "") + ")")

  cfgs, num_groups = sweep_configs(configs)
  kinds = sorted({c["kind"] for c in configs}, key=[c["kind"] for c in configs].index)
  say("sweep", f"{len(configs)} configs of {len(kinds)} kinds "
      f"({', '.join(kinds)}) in {num_groups} same-structure groups, "
      f"{steps} Adam steps each, MLP {_FEATURES}-{hidden}-{hidden}-1, "
      f"batch {batch}, validation every {EVAL_EVERY} steps")
  say("compiling", "one jit of schedules + vmapped training scan, then "
      f"{len(configs)} x {steps} training steps")

  out_sweep, info = _sweep.run(
      train_fn(steps, hidden, EVAL_EVERY, num_groups), cfgs,
      data={**data, "idx": idx}, key=_key_0(), return_info=True,
      compile_fn=compile_fn or _sweep.compile_lowered)
  times["compile"], times["run"] = info["compile_s"], info["run_s"]
  say("compile", "one jit of schedules + vmapped training scan "
      f"[{times['compile']:.2f} s]")
  n = len(configs)
  train_loss, lrs, val_loss = (out_sweep[k] for k in ("train_loss", "lrs",
                                                      "val_loss"))
  say("run", f"{n} x {steps} steps = {n * steps} training steps "
      f"[{times['run']:.2f} s]")
  eval_steps = np.arange(1, steps // EVAL_EVERY + 1) * EVAL_EVERY
  return {"configs": configs, "lrs": lrs, "train_loss": train_loss,
          "val_loss": val_loss, "eval_steps": eval_steps, "devices": n_dev,
          "steps": steps, "times": times}


def results_table(result: dict[str, Any]) -> str:
  """The demo's results: schedule, final and best validation loss, final lr."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  configs = result["configs"]
  val = result["val_loss"]
  final, best = val[:, -1], np.nanmin(val, axis=1)
  width = max(len("schedule"), max(len(c["label"]) for c in configs))
  winner = int(np.nanargmin(final))
  lines = [f"  {'schedule':<{width}}  {'final loss':>10}  {'best loss':>10}  "
           f"{'final lr':>9}",
           "  " + "-" * (width + 35)]
  for i, c in enumerate(configs):
    mark = "  <- lowest final loss" if i == winner else ""
    lines.append(f"  {c['label']:<{width}}  {final[i]:>10.5f}  {best[i]:>10.5f}  "
                 f"{result['lrs'][i, -1]:>9.2e}{mark}")
  lines.append(f"  (validation MSE on 1024 held-out examples; best = lowest of "
               f"{val.shape[1]} evaluations)")
  return "\n".join(lines)
