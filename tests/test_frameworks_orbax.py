"""orbax-checkpoint: schedules, PlateauState and optax states holding them save,
restore (also in a fresh process) and resume bitwise identically; a target-less
restore is put back with restore_like."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from optional import deferred

import jaxsched

ocp = deferred("orbax.checkpoint")

ROOT = pathlib.Path(__file__).resolve().parents[1]

# The training run shared by this process and the fresh one (exec'd in both).
RUN = textwrap.dedent('''
    import jax, jax.numpy as jnp, optax, jaxsched

    X = jnp.linspace(-1.0, 1.0, 32).reshape(8, 4)
    Y = X @ jnp.array([1.0, -2.0, 0.5, 3.0])
    CONFIG = jaxsched.join([jaxsched.linear(0.0, 0.1, 4),
                            jaxsched.cosine_decay(0.1, 30)], [4]).to_config()

    def make():
      schedule = jaxsched.from_config(CONFIG)
      plateau = jaxsched.reduce_on_plateau(factor=0.5, patience=0)
      opt = optax.chain(
          optax.inject_hyperparams(optax.adam)(
              learning_rate=jaxsched.plateau_schedule(schedule, plateau)),
          jaxsched.scale_by_plateau(jaxsched.reduce_on_plateau(patience=1)))
      return schedule, plateau, opt

    SCHEDULE, PLATEAU, OPT = make()

    @jax.jit
    def chunk(params, opt_state, pstate):
      """Three training steps, then one evaluation for each plateau."""
      def step(carry, _):
        params, opt_state = carry
        loss, g = jax.value_and_grad(lambda w: jnp.mean((X @ w - Y) ** 2))(params)
        updates, opt_state = OPT.update(g, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss
      (params, opt_state), losses = jax.lax.scan(step, (params, opt_state),
                                                 length=3)
      # a metric that stalls at 0.5, so that the plateaus reduce
      metric = jnp.maximum(losses[-1], 0.5)
      opt_state = jaxsched.plateau_step(opt_state, metric)
      return params, opt_state, PLATEAU.update(pstate, value=metric)

    def run(tree, chunks):
      params, opt_state, pstate = tree["params"], tree["opt_state"], tree["plateau"]
      for _ in range(chunks):
        params, opt_state, pstate = chunk(params, opt_state, pstate)
      return dict(tree, params=params, opt_state=opt_state, plateau=pstate)

    def start():
      params = jnp.zeros(4)
      return {"params": params, "opt_state": OPT.init(params),
              "plateau": PLATEAU.init(), "schedule": SCHEDULE,
              "rule": PLATEAU}
''')


def _namespace():
  ns: dict = {}
  exec(compile(RUN, "RUN", "exec"), ns)  # noqa: S102
  return ns


@pytest.fixture(autouse=True)
def _standard_promotion():
  # optax's adam mixes Python floats with int32 counts (strict rejects)
  with jax.numpy_dtype_promotion("standard"):
    yield


def _assert_bitwise(a, b):
  assert jax.tree.structure(a) == jax.tree.structure(b)
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
    x, y = np.asarray(x), np.asarray(y)
    assert x.dtype == y.dtype and x.shape == y.shape
    assert x.tobytes() == y.tobytes()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
  """A run of 4 chunks saved, and the uninterrupted 8-chunk run."""
  with jax.numpy_dtype_promotion("standard"):
    ns = _namespace()
    mid = ns["run"](ns["start"](), 4)
    full = ns["run"](mid, 4)
    path = tmp_path_factory.mktemp("orbax") / "ckpt"
    ckptr = ocp.StandardCheckpointer()
    ckptr.save(path, mid)
    ckptr.wait_until_finished()
  return ns, path, mid, full


def test_restore_with_target_is_bitwise_and_resumes_bitwise(saved):
  ns, path, mid, full = saved
  restored = ocp.StandardCheckpointer().restore(path, ns["start"]())
  _assert_bitwise(restored, mid)
  assert isinstance(restored["schedule"], jaxsched.Schedule)
  assert isinstance(restored["plateau"], jaxsched.PlateauState)
  # the plateaus did reduce, so resuming exercises their state
  assert float(ns["PLATEAU"](restored["plateau"])) < 1.0
  inject = restored["opt_state"][0].hyperparams_states["learning_rate"]
  assert float(inject.rule(inject.plateau)) < 1.0
  assert int(restored["opt_state"][1].plateau.num_bad_epochs) == 1  # mid-patience
  _assert_bitwise(ns["run"](restored, 4), full)


def test_restore_without_target_and_restore_like(saved):
  ns, path, mid, _ = saved
  raw = ocp.StandardCheckpointer().restore(path)
  assert isinstance(raw["schedule"], dict)  # the trap: no types come back
  back = jaxsched.restore_like(ns["start"](), raw)
  _assert_bitwise(back, mid)
  with pytest.raises(ValueError, match=re.escape(
      "restore_like: `restored` has no value at ['plateau'].best")):
    jaxsched.restore_like(ns["start"](), {k: v for k, v in raw.items()
                                          if k != "plateau"})
  wrong = jaxsched.reduce_on_plateau(patience=0).init()
  with pytest.raises(ValueError, match=re.escape(
      "restore_like: the value at ['params'] has shape (4,), the target's leaf "
      "has shape (3,).")):
    jaxsched.restore_like({"params": jnp.zeros(3), "plateau": wrong}, raw)


def test_fresh_process_restores_and_resumes_bitwise(saved, tmp_path):
  _, path, _, full = saved
  out = tmp_path / "resumed.npz"
  script = RUN + textwrap.dedent(f'''
      import numpy as np, orbax.checkpoint as ocp
      with jax.numpy_dtype_promotion("standard"):
        tree = ocp.StandardCheckpointer().restore({str(path)!r}, start())
        tree = run(tree, 4)
      np.savez({str(out)!r}, *[np.asarray(x) for x in jax.tree.leaves(tree)])
      print(json.dumps(jax.tree_util.tree_structure(tree).__repr__()))
  ''').replace("import numpy as np,", "import json, numpy as np,")
  proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT,
                        capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert json.loads(proc.stdout.strip().splitlines()[-1]) == repr(
      jax.tree.structure(full))
  with np.load(out) as data:
    leaves = [data[f"arr_{i}"] for i in range(len(data.files))]
  want = [np.asarray(x) for x in jax.tree.leaves(full)]
  assert len(leaves) == len(want)
  for got, ref in zip(leaves, want):
    assert got.dtype == ref.dtype and got.tobytes() == ref.tobytes()
