"""A sweep run in a subprocess, single- or multi-process (used by test_sweep.py).

``python tests/sweep_worker.py OUT.npz`` runs the sweep on the devices of this
process; ``python tests/sweep_worker.py OUT.npz PROCESS_ID NUM_PROCESSES PORT``
first joins a ``jax.distributed`` cluster whose coordinator is 127.0.0.1:PORT.
Both write the per-config results (every process writes its own copy).
"""

from __future__ import annotations

import sys

import numpy as np

NUM_CONFIGS = 10  # not a multiple of 4 devices: the last chunk is padded
CHUNK_SIZE = 4
STEPS = 25


def task():
  """(train_fn, configs, data, key) of a small Adam regression sweep."""
  import jax
  import jax.numpy as jnp
  import optax

  import jaxsched as js

  rng = np.random.default_rng(0)
  x = rng.normal(size=(64, 5)).astype(np.float32)
  y = (x @ rng.normal(size=(5, 1)) + 0.1 * np.sin(x[:, :1])).astype(np.float32)
  data = {"x": x, "y": y}
  configs = [js.warmup_cosine_decay(p, w, STEPS)
             for p, w in zip(np.geomspace(1e-3, 1e-1, NUM_CONFIGS),
                             [1, 2, 3, 4, 5] * 2)]
  opt = js.inject_schedules(optax.adam)(learning_rate=configs[0])

  def train(schedule, data, key):
    w = 0.3 * jax.random.normal(key, (5, 1))
    state = js.with_schedule(opt.init(w), learning_rate=schedule)

    def loss(w):
      return jnp.mean((data["x"] @ w - data["y"]) ** 2)

    def step(carry, _):
      w, state = carry
      g = jax.grad(loss)(w)
      upd, state = opt.update(g, state, w)
      return (optax.apply_updates(w, upd), state), loss(w)

    (w, state), losses = jax.lax.scan(step, (w, state), None, length=STEPS)
    return {"loss": loss(w), "curve": losses, "lr": js.current_lr(state)}

  return train, configs, data, jax.random.key(42)


def run():
  import jaxsched as js
  train, configs, data, key = task()
  return js.sweep(train, configs, data, key, chunk_size=CHUNK_SIZE,
                  split_key=True, return_info=True)


def main(argv):
  out = argv[1]
  if len(argv) > 2:
    import jax
    pid, num, port = int(argv[2]), int(argv[3]), int(argv[4])
    jax.distributed.initialize(coordinator_address=f"127.0.0.1:{port}",
                               num_processes=num, process_id=pid,
                               initialization_timeout=120)
  res, info = run()
  np.savez(out, **{k: np.asarray(v) for k, v in res.items()},
           **{f"info_{k}": np.asarray(v) for k, v in info.items()
              if k not in ("compile_s", "run_s")})
  if len(argv) > 2:
    import jax
    jax.distributed.shutdown()
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
