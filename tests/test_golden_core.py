"""Core families against golden curves of the real transformers and optax.

transformers' schedules are LambdaLR multipliers; ``tests/golden/transformers.json``
holds the learning rate after k ``scheduler.step()`` calls, produced by
``tests/golden/generate.py`` from the real library. optax is a runtime dependency,
so its schedules are called directly.
"""

from __future__ import annotations

import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from padded import at, pad

import jaxsched as js

GOLDEN = pathlib.Path(__file__).parent / "golden"


def _load(name):
  path = GOLDEN / f"{name}.json"
  if not path.exists():
    return []
  return json.loads(path.read_text())["cases"]


def _periodic_cosine(lr, half_period):
  """0.5 lr (1 + cos(pi t / P)) for all t: down over P steps, back up over P."""
  down_up = js.join([js.cosine_decay(lr, half_period),
                     js.warmup(js.constant(lr), half_period, shape="cosine")],
                    [half_period])
  return js.repeat(down_up, 2 * half_period)


def hf_schedule(name, lr, kw):
  """The jaxsched composition that reproduces transformers' schedule ``name``."""
  w = kw.get("num_warmup_steps", 0)
  n = kw.get("num_training_steps")
  if name == "linear":
    return js.warmup_stable_decay(lr, w, n - w, n)
  if name == "constant_with_warmup":
    return js.warmup(js.constant(lr), w)
  if name == "inverse_sqrt":
    return js.inverse_sqrt(lr, w, timescale=kw.get("timescale"))
  if name == "polynomial":
    return js.warmup(js.polynomial(lr, kw.get("lr_end", 1e-7), n - w,
                                   power=kw.get("power", 1.0)), w)
  if name in ("cosine", "cosine_with_min_lr"):
    cycles = kw.get("num_cycles", 0.5)
    end = 0.0
    if "min_lr" in kw:
      end = kw["min_lr"]
    elif "min_lr_rate" in kw:
      end = kw["min_lr_rate"] * lr
    if cycles == 0.5:
      return js.warmup_cosine_decay(lr, w, n, end_value=end)
    # 0.5 (1 + cos(2 pi c p)): a periodic cosine of half period (n - w) / (2c)
    amp = _periodic_cosine(lr - end, (n - w) / (2 * cycles)) + end
    return js.warmup(amp, w)
  if name == "cosine_with_restarts":
    return js.warmup(js.cosine_restarts(lr, (n - w) / kw["num_cycles"]), w)
  if name == "warmup_stable_decay":
    d = kw["num_decay_steps"]
    total = n if n is not None else w + kw["num_stable_steps"] + d
    floor = kw.get("min_lr_ratio", 0.0) * lr
    shape = {"linear": "linear", "cosine": "cosine", "1-sqrt": "sqrt"}
    after = js.warmup_stable_decay(lr, 0, d, total - w, end_value=floor,
                                   decay_shape=shape[kw.get("decay_type", "cosine")])
    return js.warmup(after, w, init_value=floor,
                     shape=shape[kw.get("warmup_type", "linear")])
  raise KeyError(name)


def _horizon(name, kw):
  """Steps where the jaxsched family and transformers agree by definition."""
  n = kw.get("num_training_steps")
  if name in ("cosine", "cosine_with_min_lr") and n is not None:
    return n          # transformers' cosine rises again after n; ours holds
  if name == "cosine_with_restarts":
    return n - 1      # transformers drops to 0 at n; ours would restart
  return None


HF = _load("transformers")
_WIDTH = max((len(c["steps"]) for c in HF), default=1)


def _at(schedule, steps):
  """``schedule`` at ``steps``, eagerly, padded to one length for every case
  (with the last step): eager JAX compiles each operation once per shape, so one
  shape compiles each once for all the cases."""
  return np.asarray(at(schedule, steps, _WIDTH), np.float64)


@pytest.mark.skipif(not HF, reason="tests/golden/transformers.json not generated")
def test_transformers_golden_curves():
  worst = {}
  for case in HF:
    name, lr, kw = case["name"], case["lr"], case["kwargs"]
    steps = np.asarray(case["steps"])
    want = np.asarray(case["values"], np.float64)
    horizon = _horizon(name, kw)
    if horizon is not None:
      keep = steps <= horizon
      steps, want = steps[keep], want[keep]
    got = _at(hf_schedule(name, lr, kw), steps)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6 * lr,
                               err_msg=case["id"])
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-3 * lr))
    worst[name] = max(worst.get(name, 0.0), float(err))
  assert set(worst) >= {"linear", "cosine", "cosine_with_restarts", "polynomial",
                        "constant_with_warmup", "inverse_sqrt",
                        "cosine_with_min_lr", "warmup_stable_decay"}
  print("max relative error per transformers schedule:", worst)


STEPS = np.asarray(list(range(0, 400)) + [999, 1000, 5000, 100_000], np.int32)
# padded (with the last step) to the width of the transformers curves above:
# both tests' eager operations then run at one shape and compile once
_PADDED = jnp.asarray(pad(STEPS, max(_WIDTH, len(STEPS))))


@pytest.mark.parametrize("ours,theirs", [
    (lambda: js.linear(0.5, 0.01, 77, transition_begin=13),
     lambda: optax.linear_schedule(0.5, 0.01, 77, transition_begin=13)),
    (lambda: js.polynomial(0.5, 0.01, 77, power=2.5, transition_begin=13),
     lambda: optax.polynomial_schedule(0.5, 0.01, 2.5, 77, transition_begin=13)),
    (lambda: js.cosine_decay(0.5, 123, end_value=0.05, exponent=1.5),
     lambda: optax.cosine_decay_schedule(0.5, 123, alpha=0.1, exponent=1.5)),
    (lambda: js.exponential_decay(0.5, 0.7, 17, transition_begin=9, staircase=True,
                                  end_value=0.01),
     lambda: optax.exponential_decay(0.5, 17, 0.7, transition_begin=9,
                                     staircase=True, end_value=0.01)),
    (lambda: js.exponential_decay(0.5, 0.97, 3.5),
     lambda: optax.exponential_decay(0.5, 3.5, 0.97)),
    (lambda: js.warmup_cosine_decay(1.0, 50, 300, init_value=0.1, end_value=0.02),
     lambda: optax.warmup_cosine_decay_schedule(0.1, 1.0, 50, 300, end_value=0.02)),
    (lambda: js.warmup(js.constant(0.3), 40, init_value=0.01),
     lambda: optax.warmup_constant_schedule(0.01, 0.3, 40)),
    (lambda: js.piecewise_constant([10, 50, 200], [1.0, 0.5, 0.05, 0.0025]),
     lambda: optax.piecewise_constant_schedule(1.0, {10: 0.5, 50: 0.1, 200: 0.05})),
    (lambda: js.join([js.cosine_decay(1.0, 100), js.linear(0.5, 0.0, 50)], [100]),
     lambda: optax.join_schedules([optax.cosine_decay_schedule(1.0, 100),
                                   optax.linear_schedule(0.5, 0.0, 50)], [100])),
    (lambda: js.join([js.warmup_cosine_decay(1.0, 10, 100, end_value=0.01),
                      js.warmup_cosine_decay(0.5, 10, 200, end_value=0.01)], [100]),
     lambda: optax.sgdr_schedule([
         dict(init_value=0.0, peak_value=1.0, warmup_steps=10, decay_steps=100,
              end_value=0.01),
         dict(init_value=0.0, peak_value=0.5, warmup_steps=10, decay_steps=200,
              end_value=0.01)])),
], ids=["linear", "polynomial", "cosine_decay", "exponential_staircase",
        "exponential_fractional", "warmup_cosine_decay", "warmup_constant",
        "piecewise_constant", "join", "sgdr"])
def test_core_families_equal_optax_where_semantics_match(ours, theirs):
  with jax.numpy_dtype_promotion("standard"):
    want = np.asarray(jax.vmap(theirs())(_PADDED), np.float64)[:len(STEPS)]
  got = np.asarray(ours()(_PADDED), np.float64)[:len(STEPS)]
  np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7)
