"""The main job's task: a small MLP on synthetic data, and the vmapped sweep.

``run_demo`` trains one MLP per schedule configuration, all in one compiled,
vmapped ``lax.scan`` run by :func:`jaxsched.sweep` (the configuration axis sharded
over every device); ``jaxsched demo`` (see :mod:`jaxsched._cli`) prints its table
and writes its plot.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

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


def adam_init(params: Any) -> tuple[Any, Any, Any]:
  """Adam's state ``(mu, nu, count)`` for ``params`` (written out, dtype-explicit,
  so that it also runs under ``jax_numpy_dtype_promotion="strict"``)."""
  import jax  # pylint: disable=import-outside-toplevel
  import jax.numpy as jnp  # pylint: disable=import-outside-toplevel
  zeros = jax.tree.map(jnp.zeros_like, params)
  return zeros, zeros, jnp.zeros((), jnp.int32)


def adam_step(params: Any, state: Any, grads: Any, lr: Any, b1: float = 0.9,
              b2: float = 0.999, eps: float = 1e-8) -> tuple[Any, Any]:
  """One Adam step (Kingma & Ba, as ``optax.adam``) at learning rate ``lr``."""
  import jax  # pylint: disable=import-outside-toplevel
  import jax.numpy as jnp  # pylint: disable=import-outside-toplevel
  mu, nu, count = state
  count = count + 1
  mu = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, mu, grads)
  nu = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, nu, grads)

  def update(p: Any, m: Any, v: Any) -> Any:
    t = count.astype(p.dtype)
    m_hat = m / (1 - jnp.power(jnp.asarray(b1, p.dtype), t))
    v_hat = v / (1 - jnp.power(jnp.asarray(b2, p.dtype), t))
    return p - jnp.asarray(lr).astype(p.dtype) * m_hat / (jnp.sqrt(v_hat) + eps)

  return jax.tree.map(update, params, mu, nu), (mu, nu, count)



# ---------------------------------------------------------------------------
# demo: a vmapped, sharded sweep of schedules, compiled once
# ---------------------------------------------------------------------------

_EVAL_EVERY = 10  # steps between validation evaluations (and plateau updates)
_NEVER = 2**31 - 1  # patience of a plateau that never reduces


def demo_configs(steps: int) -> list[dict[str, Any]]:
  """The sweep of the demo: 18 configurations over 8 kinds of schedule.

  Each entry: ``label``, ``kind`` (for colours), ``schedule`` (a jaxsched
  schedule) and ``plateau`` (keyword arguments of ``reduce_on_plateau``, or
  ``None``).
  """
  import jaxsched  # pylint: disable=import-outside-toplevel
  t = steps
  w = max(1, t // 20)
  out: list[dict[str, Any]] = []

  def add(kind: str, label: str, schedule: Any, plateau: Any = None) -> None:
    out.append({"kind": kind, "label": label, "schedule": schedule,
                "plateau": plateau})

  for peak in (3e-3, 1e-2, 3e-2):
    add("warmup-cosine", f"warmup-cosine peak={peak:g}",
        jaxsched.warmup_cosine_decay(peak, w, t))
  for peak in (1e-2, 3e-2):
    add("one-cycle", f"one-cycle peak={peak:g}", jaxsched.one_cycle(t, peak))
  for peak in (1e-2, 3e-2):
    add("WSD", f"WSD peak={peak:g}, linear decay 20%",
        jaxsched.warmup_stable_decay(peak, w, max(1, t // 5), t))
  add("WSD", "WSD peak=0.03, 1-sqrt decay 20%",
      jaxsched.warmup_stable_decay(3e-2, w, max(1, t // 5), t,
                                   decay_shape="sqrt"))
  for gamma in (0.3, 0.1):
    add("step decay", f"step decay 1e-2, x{gamma:g} every {t // 3}",
        jaxsched.step_decay(1e-2, max(1, t // 3), gamma=gamma))
  add("cyclic", "cyclic triangular 1e-3..1e-2",
      jaxsched.cyclic(1e-3, 1e-2, max(1, t // 8)))
  add("cyclic", "cyclic triangular 1e-3..3e-2",
      jaxsched.cyclic(1e-3, 3e-2, max(1, t // 8)))
  add("cosine restarts", f"cosine restarts 1e-2, period {t // 4}",
      jaxsched.cosine_restarts(1e-2, max(1, t // 4)))
  add("cosine restarts", f"cosine restarts 1e-2, period {t // 7} x2",
      jaxsched.cosine_restarts(1e-2, max(1, t // 7), period_mult=2.0))
  add("constant", "constant 3e-3", jaxsched.constant(3e-3))
  add("constant", "constant 1e-2", jaxsched.constant(1e-2))
  add("plateau", "plateau 1e-2, x0.5 after 2 evals",
      jaxsched.constant(1e-2), {"factor": 0.5, "patience": 2})
  add("plateau", "plateau 3e-2, x0.3 after 1 eval",
      jaxsched.constant(3e-2), {"factor": 0.3, "patience": 1})
  return out


def _group_key(schedule: Any) -> Any:
  """Schedules with equal keys can be stacked: same treedef, leaf shapes, kinds."""
  import jax  # pylint: disable=import-outside-toplevel
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
  import jaxsched  # pylint: disable=import-outside-toplevel
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
    plateau = jaxsched.reduce_on_plateau(
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


def run_demo(steps: int = 600, hidden: int = 32, n_train: int = 4096,
             batch: int = 64, out: str | None = "jaxsched_demo.png",
             log: Any = print) -> dict[str, Any]:
  """The demo sweep: trains the MLP under every demo schedule, compiled once.

  Args:
    steps: training steps per configuration (rounded up to a multiple of 10,
      the validation interval).
    hidden: width of the MLP's hidden layers.
    n_train: training examples (batches are drawn with a fixed seed).
    batch: minibatch size.
    out: PNG path for the learning-rate and loss curves; ``None`` for no plot.
    log: where progress lines go (``print``).

  Returns:
    A dict with ``configs``, ``lrs`` ``[config, step]``, ``train_loss``,
    ``val_loss`` ``[config, eval]``, ``eval_steps``, ``devices`` and ``times``.
  """
  import jax  # pylint: disable=import-outside-toplevel
  import jaxsched  # pylint: disable=import-outside-toplevel
  from jaxsched._sweep import chunk_layout  # pylint: disable=import-outside-toplevel

  t_start = time.perf_counter()
  times: dict[str, float] = {}
  steps = max(2 * _EVAL_EVERY, -(-steps // _EVAL_EVERY) * _EVAL_EVERY)

  tic = time.perf_counter()
  data = make_data(n_train, 1024, seed=0)
  idx = np.random.default_rng(1).integers(0, n_train, size=(steps, batch),
                                          dtype=np.int32)
  times["data"] = time.perf_counter() - tic
  log(f"data:     {n_train} train / 1024 validation examples, {_FEATURES} "
      f"features, synthetic (tanh teacher, seed 0) [{times['data']:.2f} s]",
      flush=True)

  configs = demo_configs(steps)
  devices = jax.devices()
  n_dev = len(devices)
  padded = chunk_layout(len(configs), n_dev)[0]
  log(f"devices:  {n_dev} x {devices[0].platform}; the sweep axis is sharded "
      f"over them ({len(configs)} configs"
      + (f", padded to {padded}" if padded != len(configs) else "") + ")",
      flush=True)

  cfgs, num_groups = sweep_configs(configs)
  kinds = sorted({c["kind"] for c in configs}, key=[c["kind"] for c in configs].index)
  log(f"sweep:    {len(configs)} configs of {len(kinds)} kinds "
      f"({', '.join(kinds)}) in {num_groups} same-structure groups, "
      f"{steps} Adam steps each, MLP {_FEATURES}-{hidden}-{hidden}-1, "
      f"batch {batch}, validation every {_EVAL_EVERY} steps", flush=True)

  out_sweep, info = jaxsched.sweep(
      train_fn(steps, hidden, _EVAL_EVERY, num_groups), cfgs,
      data={**data, "idx": idx}, key=jax.random.key(0), return_info=True)
  times["compile"], times["run"] = info["compile_s"], info["run_s"]
  log(f"compile:  one jit of schedules + vmapped training scan "
      f"[{times['compile']:.2f} s]", flush=True)
  n = len(configs)
  train_loss, lrs, val_loss = (out_sweep[k] for k in ("train_loss", "lrs",
                                                      "val_loss"))
  log(f"run:      {n} x {steps} steps = {n * steps} training steps "
      f"[{times['run']:.2f} s]", flush=True)

  eval_steps = np.arange(1, steps // _EVAL_EVERY + 1) * _EVAL_EVERY
  result = {"configs": configs, "lrs": lrs, "train_loss": train_loss,
            "val_loss": val_loss, "eval_steps": eval_steps, "devices": n_dev,
            "steps": steps, "times": times}
  log("", flush=True)
  log(results_table(result), flush=True)
  if out:
    tic = time.perf_counter()
    from jaxsched import _cli  # pylint: disable=import-outside-toplevel
    _cli._use_agg()  # pylint: disable=protected-access
    _cli._save(demo_figure(result), out)  # pylint: disable=protected-access
    times["plot"] = time.perf_counter() - tic
    log(f"\nplot:     wrote {out} [{times['plot']:.2f} s]", flush=True)
  times["total"] = time.perf_counter() - t_start
  log(f"total:    {times['total']:.2f} s", flush=True)
  return result


def results_table(result: dict[str, Any]) -> str:
  """The demo's results: schedule, final and best validation loss, final lr."""
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


def demo_figure(result: dict[str, Any]) -> Any:
  """Two panels: the learning rate each run used, and its validation loss."""
  import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
  configs = result["configs"]
  kinds = list(dict.fromkeys(c["kind"] for c in configs))
  colors = {k: plt.get_cmap("tab10")(i % 10) for i, k in enumerate(kinds)}
  styles = ["-", "--", ":", "-."]
  seen: dict[str, int] = {}
  fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(14, 7.2),
                                        layout="constrained")
  steps = np.arange(result["steps"])
  winner = int(np.nanargmin(result["val_loss"][:, -1]))
  for i, c in enumerate(configs):
    j = seen[c["kind"]] = seen.get(c["kind"], -1) + 1
    kw = dict(color=colors[c["kind"]], ls=styles[j % len(styles)],
              lw=3.0 if i == winner else 1.6,
              label=c["label"] + (" (lowest final loss)" if i == winner else ""))
    ax_lr.plot(steps, result["lrs"][i], **kw)
    ax_loss.plot(result["eval_steps"], result["val_loss"][i], **kw)
  ax_lr.set_title("Learning rate used at each step")
  ax_lr.set_xlabel("training step")
  ax_lr.set_ylabel("learning rate")
  ax_loss.set_title("Validation loss")
  ax_loss.set_xlabel("training step")
  ax_loss.set_ylabel("validation MSE (log scale)")
  ax_loss.set_yscale("log")
  for ax in (ax_lr, ax_loss):
    ax.grid(True, alpha=0.3)
  handles, labels = ax_lr.get_legend_handles_labels()
  fig.legend(handles, labels, loc="outside lower center", ncol=3,
             fontsize="medium", frameon=False)
  fig.suptitle(f"jaxsched demo: {len(configs)} schedules, one compiled, vmapped "
               f"sweep ({result['steps']} Adam steps each, "
               f"{result['devices']} device{'s' if result['devices'] > 1 else ''})",
               fontsize="large")
  return fig
