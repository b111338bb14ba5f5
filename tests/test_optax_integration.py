"""Every family works as optax's learning rate: jit, scan, inject_hyperparams."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from cases import CASES
from padded import in_block

import jaxsched as js

# the schedules' rates are taken eagerly at one shape for every case (steps
# 0..24; the tests use the first 20 and 12)
RATE_STEPS = 25


@pytest.fixture(autouse=True)
def _standard_promotion():
  # optax itself mixes Python floats with int32 counts (e.g. adam's bias
  # correction), which strict promotion rejects; our schedules run strict
  # everywhere else in the suite.
  with jax.numpy_dtype_promotion("standard"):
    yield


def _loss(w):
  return jnp.sum((w - 1.0) ** 2)


def _numpy_adam(rates, w0, b1=0.9, b2=0.999, eps=1e-8):
  """Adam in float64 NumPy with the learning rate ``rates[t]`` at update t."""
  w = np.asarray(w0, np.float64)
  m = np.zeros_like(w)
  v = np.zeros_like(w)
  for t, lr in enumerate(rates, start=1):
    g = 2.0 * (w - 1.0)
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
  return w


def _rates(schedule, n):
  # under the suite's strict promotion, as every other test calls the schedules:
  # the promotion mode is part of a compiled program's key, so these calls reuse
  # the programs compiled for each case's steps instead of compiling their own
  with jax.numpy_dtype_promotion("strict"):
    return np.asarray(schedule(np.arange(RATE_STEPS, dtype=np.int32)))[:n]


def _adam_runs(schedules):
  """20 Adam updates from ``W0`` with each schedule as the learning rate, all in
  one jitted ``lax.scan`` (the schedules closed over, as constants)."""
  opts = [optax.adam(learning_rate=s) for s in schedules]

  @jax.jit
  def run(w):
    def step(carry, _):
      out = []
      for opt, (w, state) in zip(opts, carry):
        g = jax.grad(_loss)(w)
        upd, state = opt.update(g, state, w)
        out.append((optax.apply_updates(w, upd), state))
      return out, None
    carry, _ = jax.lax.scan(step, [(w, opt.init(w)) for opt in opts], None, length=20)
    return [w for w, _ in carry]

  return [np.asarray(w) for w in run(W0)]


W0 = np.asarray([0.0, 0.5, 3.0], np.float32)


def _adam_cases(cases):
  return _adam_runs([c.build() for c in cases])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_as_learning_rate_of_adam_in_jit_and_scan(case):
  schedule = case.build()
  got = in_block(_adam_cases, CASES, case)
  # update t (0-based) inside the compiled scan uses schedule(t), the count
  # optax keeps; the reference takes the rates from the schedule eagerly
  rates = np.asarray(_rates(schedule, 20), np.float64)
  want = _numpy_adam(rates, W0)
  np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)


def _tx(schedule):
  opt = optax.inject_hyperparams(optax.sgd)(learning_rate=schedule, momentum=0.9)
  return optax.chain(optax.clip_by_global_norm(1.0), opt)


def _inject_runs(schedules):
  """For each schedule: ``current_lr`` of the fresh state and after each of 12
  updates, the updates of all the schedules in one jitted step (closed over)."""
  txs = [_tx(s) for s in schedules]
  w = jnp.zeros(2)
  # the fresh states made in one jitted program (eagerly, each init evaluates its
  # schedule at count 0, one compile per case)
  states = jax.jit(lambda w: [tx.init(w) for tx in txs])(w)
  seen = [[float(js.current_lr(st))] for st in states]

  @jax.jit
  def step(ws, states):
    out = []
    for tx, w, state in zip(txs, ws, states):
      upd, state = tx.update(jax.grad(_loss)(w), state, w)
      out.append((optax.apply_updates(w, upd), state))
    return [w for w, _ in out], [st for _, st in out]

  ws = [w] * len(txs)
  for _ in range(12):
    ws, states = step(ws, states)
    for row, st in zip(seen, states):
      row.append(float(js.current_lr(st)))
  return seen


def _inject_cases(cases):
  return _inject_runs([c.build() for c in cases])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_inject_hyperparams_records_the_schedule(case):
  schedule = case.build()
  seen = in_block(_inject_cases, CASES, case)
  rates = _rates(schedule, 12)
  # the fresh state holds schedule(0)
  np.testing.assert_allclose(seen[0], rates[0], rtol=1e-6)
  # after n updates the state holds the rate used by update n, schedule(n - 1)
  np.testing.assert_allclose(seen[1:], rates, rtol=1e-6, atol=1e-9)


def test_schedule_passed_to_jitted_step_is_traced_once():
  traces = []

  @jax.jit
  def train_step(schedule, w, state):
    traces.append(1)
    tx = optax.inject_hyperparams(optax.sgd)(learning_rate=schedule)
    upd, state = tx.update(jax.grad(_loss)(w), state, w)
    return optax.apply_updates(w, upd), state

  w = jnp.zeros(2)
  for peak, warm, total in [(0.1, 10, 100), (0.3, 20, 500), (1.0, 0, 1000)]:
    s = js.warmup_cosine_decay(peak, warm, total)
    state = optax.inject_hyperparams(optax.sgd)(learning_rate=s).init(w)
    train_step(s, w, state)
  assert len(traces) == 1


def test_vmapped_sweep_of_training_runs_compiles_once():
  traces = []
  peaks = jnp.array([0.01, 0.05, 0.1, 0.2])
  warmups = jnp.array([0, 5, 10, 20])

  @jax.jit
  def sweep(peaks, warmups):
    traces.append(1)

    def run(peak, warm):
      s = js.warmup_cosine_decay(peak, warm, 50)
      opt = optax.sgd(s)

      def step(carry, _):
        w, st = carry
        upd, st = opt.update(jax.grad(_loss)(w), st, w)
        return (optax.apply_updates(w, upd), st), _loss(w)
      _, losses = jax.lax.scan(step, (jnp.zeros(3), opt.init(jnp.zeros(3))), None,
                               length=50)
      return losses[-1]
    return jax.vmap(run)(peaks, warmups)

  got = sweep(peaks, warmups)
  sweep(peaks * 2, warmups + 1)
  assert len(traces) == 1

  # each lane equals a concrete run: the lane's schedule built from Python
  # numbers and closed over (constants), the four runs in one jitted program
  # (50 eager optax steps per lane took ~9 s of dispatch)
  def concrete(s):
    opt = optax.sgd(s)

    def step(carry, _):
      w, st = carry
      upd, st = opt.update(jax.grad(_loss)(w), st, w)
      return (optax.apply_updates(w, upd), st), _loss(w)
    _, losses = jax.lax.scan(step, (jnp.zeros(3), opt.init(jnp.zeros(3))), None,
                             length=50)
    return losses[-1]

  schedules = [js.warmup_cosine_decay(float(peaks[i]), int(warmups[i]), 50)
               for i in range(4)]
  want = jax.jit(lambda: [concrete(s) for s in schedules])()
  for i in range(4):
    np.testing.assert_allclose(got[i], want[i], rtol=1e-5)


def test_current_lr_finds_nested_states_and_fails_clearly():
  s = js.constant(0.5)
  tx = optax.chain(optax.scale_by_adam(),
                   optax.multi_transform(
                       {"a": optax.inject_hyperparams(optax.sgd)(learning_rate=s),
                        "b": optax.set_to_zero()},
                       {"x": "a", "y": "b"}))
  state = tx.init({"x": jnp.zeros(2), "y": jnp.zeros(2)})
  assert float(js.current_lr(state)) == 0.5
  with pytest.raises(ValueError, match="no optax.inject_hyperparams state"):
    js.current_lr(optax.adam(0.1).init(jnp.zeros(2)))
