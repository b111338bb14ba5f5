"""jaxsched.sweep: one compile, chunks, padding, keys, many processes.

References: a float64 NumPy loop of the same closed-form training (SGD on a
scalar quadratic), ``jax.random.fold_in`` for the per-config keys, and the
single-process run for the multi-process one (bit for bit).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched as js
from jaxsched._sweep import chunk_layout

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STEPS = 20


def _configs(n):
  return [{"lr": js.exponential_decay(0.05 + 0.01 * i, 0.9 + 0.002 * i),
           "target": np.float32(i)} for i in range(n)]


def _reference(cfg, noise):
  """SGD on 0.5 (w - target)^2 from w = noise, in float64 (the formula)."""
  w = np.float64(noise)
  init, rate = float(cfg["lr"].init_value), float(cfg["lr"].decay_rate)
  for k in range(STEPS):
    w -= init * rate ** k * (w - float(cfg["target"]))
  return w


def _counting_train(traces):
  def train(cfg, data, key):
    traces.append(1)
    noise = jax.random.uniform(key) * data["scale"]

    def step(w, k):
      return w - cfg["lr"](k) * (w - cfg["target"]), None

    w, _ = jax.lax.scan(step, noise, jnp.arange(STEPS))
    return {"w": w, "noise": noise}
  return train


def test_32_configs_compile_once_in_chunks_and_match_the_formula():
  traces = []
  cfgs = _configs(32)
  key = jax.random.key(7)
  res, info = js.sweep(_counting_train(traces), cfgs, {"scale": np.float32(2.0)},
                       key, chunk_size=8, split_key=True, return_info=True)
  assert len(traces) == 1
  assert (info["chunks"], info["chunk"], info["configs"]) == (4, 8, 32)
  assert res["w"].shape == (32,)
  keys = [jax.random.fold_in(key, i) for i in range(32)]
  noise = np.array([float(jax.random.uniform(k)) * 2.0 for k in keys])
  np.testing.assert_allclose(res["noise"], noise, rtol=1e-6)
  want = np.array([_reference(c, n) for c, n in zip(cfgs, noise)])
  np.testing.assert_allclose(res["w"], want, rtol=2e-5, atol=1e-5)


def test_shared_key_stacked_input_and_list_input_agree():
  traces = []
  cfgs = _configs(5)
  stacked = jax.tree.map(lambda *xs: np.stack(xs), *cfgs)
  a = js.sweep(_counting_train(traces), cfgs, {"scale": np.float32(1.0)},
               jax.random.key(1))
  b = js.sweep(_counting_train(traces), stacked, {"scale": np.float32(1.0)},
               jax.random.key(1), chunk_size=2)
  np.testing.assert_array_equal(a["noise"], np.full(5, a["noise"][0]))
  np.testing.assert_allclose(a["w"], b["w"], rtol=1e-6)


def test_chunk_layout():
  assert chunk_layout(18, 1) == (18, 1)
  assert chunk_layout(18, 4) == (20, 1)
  assert chunk_layout(18, 4, 5) == (8, 3)
  assert chunk_layout(3, 4, 100) == (4, 1)
  assert chunk_layout(64, 8, 16) == (16, 4)


def test_errors():
  train = _counting_train([])
  with pytest.raises(ValueError, match=r"sweep: `configs` must hold at least "
                     r"one config, got configs=\[\]"):
    js.sweep(train, [])
  with pytest.raises(ValueError, match=r"sweep: `configs\[1\]` has another "
                     r"structure than configs\[0\].*same pytree"):
    js.sweep(train, [js.constant(1.0), js.linear(1.0, 0.0, 5)])
  with pytest.raises(ValueError, match=r"sweep: `chunk_size` must be >= 1, got "
                     r"chunk_size=0"):
    js.sweep(train, _configs(2), chunk_size=0)
  with pytest.raises(ValueError, match=r"sweep: `configs` must be a list of "
                     r"configs or one pytree whose every leaf has the same "
                     r"leading \(config\) axis"):
    js.sweep(train, {"a": np.zeros(3), "b": np.zeros(2)})


def _free_port():
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def _env(devices):
  env = dict(os.environ)
  env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                      f" --xla_force_host_platform_device_count={devices}").strip()
  env["JAX_PLATFORMS"] = "cpu"
  env["PYTHONPATH"] = os.pathsep.join(
      [ROOT] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
  return env


def test_two_processes_equal_one_process_bit_for_bit(tmp_path):
  worker = os.path.join(HERE, "sweep_worker.py")
  port = _free_port()
  single = tmp_path / "single.npz"
  outs = [tmp_path / f"proc{i}.npz" for i in range(2)]
  procs = [subprocess.Popen([sys.executable, worker, str(single)], env=_env(4),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)]
  procs += [subprocess.Popen([sys.executable, worker, str(o), str(i), "2",
                              str(port)], env=_env(2), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for i, o in enumerate(outs)]
  try:
    logs = [p.communicate(timeout=240) for p in procs]
  finally:
    for p in procs:
      if p.poll() is None:
        p.kill()
  for p, (_, err) in zip(procs, logs):
    assert p.returncode == 0, err[-3000:]
  ref = np.load(single)
  assert int(ref["info_devices"]) == 4 and int(ref["info_processes"]) == 1
  for o in outs:
    got = np.load(o)
    assert int(got["info_devices"]) == 4 and int(got["info_processes"]) == 2
    assert int(got["info_chunks"]) == 3 and int(got["info_padded"]) == 12
    for k in ("loss", "curve", "lr"):
      assert got[k].shape[0] == 10
      np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
  # and the 4-device results are the in-process (1-device) ones to rounding
  sys.path.insert(0, HERE)
  try:
    import sweep_worker  # pylint: disable=import-outside-toplevel
  finally:
    sys.path.remove(HERE)
  with jax.numpy_dtype_promotion("standard"):
    here, _ = sweep_worker.run()
  np.testing.assert_allclose(here["loss"], ref["loss"], rtol=1e-4)
  assert len({round(float(v), 6) for v in ref["loss"]}) == 10
