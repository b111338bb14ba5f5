"""Flax NNX: nnx.Optimizer training loops with a schedule and with an
evaluation-time plateau; current_lr on the optimizer, its opt_state and
nnx.state(optimizer)."""

from __future__ import annotations

import functools
import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from optional import deferred

import jaxsched

nnx = deferred("flax.nnx")


@pytest.fixture(autouse=True)
def _standard_promotion():
  # flax and optax mix Python floats with int32 arrays (strict rejects)
  with jax.numpy_dtype_promotion("standard"):
    yield


# 4 batches of 16 (NumPy: jax.random at import would compile in every worker
# that collects the file)
X = np.random.default_rng(0).standard_normal((4, 16, 3)).astype(np.float32)
Y = X.sum(axis=-1, keepdims=True)


def _model():
  return nnx.Linear(3, 1, rngs=nnx.Rngs(0))


def _loss(model, x, y):
  return jnp.mean((model(x) - y) ** 2)


def _nnx_jit(fn):
  """``nnx.jit(fn)``, made at the first call (flax is imported then)."""
  jitted = []

  @functools.wraps(fn)
  def call(*args):
    if not jitted:
      jitted.append(nnx.jit(fn))
    return jitted[0](*args)
  return call


@_nnx_jit
def _train_step(model, optimizer, x, y):
  loss, grads = nnx.value_and_grad(_loss)(model, x, y)
  optimizer.update(model, grads)
  return loss


@_nnx_jit
def _evaluate(optimizer, val_loss):
  jaxsched.plateau_step(optimizer, val_loss)


def test_nnx_loop_uses_the_schedule_at_every_step():
  schedule = jaxsched.warmup_cosine_decay(0.1, 3, 12)
  model = _model()
  optimizer = nnx.Optimizer(
      model, optax.inject_hyperparams(optax.sgd)(learning_rate=schedule),
      wrt=nnx.Param)
  seen, losses = [], []
  for k in range(12):
    losses.append(float(_train_step(model, optimizer, X[k % 4], Y[k % 4])))
    seen.append(jaxsched.current_lr(optimizer))
  # after update k the state holds the rate update k used: schedule(k)
  np.testing.assert_allclose(np.asarray(seen), schedule(jnp.arange(12)),
                             rtol=1e-6, atol=1e-9)
  assert losses[-1] < losses[0]


def test_nnx_loop_with_evaluation_time_plateau_matches_the_functional_plateau():
  base = jaxsched.constant(0.05)
  p = jaxsched.reduce_on_plateau(factor=0.5, patience=0, threshold=0.0)
  model = _model()
  optimizer = nnx.Optimizer(
      model, optax.inject_hyperparams(optax.sgd)(
          learning_rate=jaxsched.plateau_schedule(base, p)), wrt=nnx.Param)
  evals = [1.0, 2.0, 0.5, 0.7, 0.9]  # improve, bad, improve, bad, bad
  ref, rates = p.init(), []
  for e in evals:
    for k in range(2):
      _train_step(model, optimizer, X[k], Y[k])
      rates.append(float(jaxsched.current_lr(optimizer)))
    _evaluate(optimizer, jnp.float32(e))  # in place, under nnx.jit
    ref = p.update(ref, value=e)
  expected_scales = [1.0]
  r = p.init()
  for e in evals[:-1]:
    r = p.update(r, value=e)
    expected_scales.append(float(p(r)))
  np.testing.assert_allclose(
      rates, [0.05 * s for s in expected_scales for _ in range(2)], rtol=1e-6)
  held = optimizer.opt_state.hyperparams_states["learning_rate"].plateau
  np.testing.assert_array_equal(np.asarray(held.value[...]), np.asarray(ref.value))
  assert float(p(ref)) == 0.125  # two reductions happened


def test_plateau_step_on_nnx_opt_state_and_scale_by_plateau():
  p = jaxsched.reduce_on_plateau(factor=0.5, patience=0)
  model = _model()
  optimizer = nnx.Optimizer(
      model, optax.chain(optax.sgd(0.1), jaxsched.scale_by_plateau(p)),
      wrt=nnx.Param)
  _train_step(model, optimizer, X[0], Y[0])
  same = jaxsched.plateau_step(optimizer.opt_state, 1.0)  # Variables, in place
  assert same is optimizer.opt_state
  jaxsched.plateau_step(optimizer, 2.0)
  assert float(optimizer.opt_state[1].plateau.value[...]) == 0.5

  @nnx.jit
  def step_with_value(model, optimizer, x, y):  # value= through nnx's update
    loss, grads = nnx.value_and_grad(_loss)(model, x, y)
    optimizer.update(model, grads, value=jnp.float32(3.0))
    return loss

  step_with_value(model, optimizer, X[1], Y[1])  # 3.0: worse, patience 0
  assert float(optimizer.opt_state[1].plateau.value[...]) == 0.25
  with pytest.raises(ValueError, match=re.escape(
      "plateau_step: `opt_state` is an nnx.State, whose optax states have "
      "become plain dicts. Pass the nnx.Optimizer itself")):
    jaxsched.plateau_step(nnx.state(optimizer), 1.0)


def test_current_lr_accepts_optimizer_opt_state_and_state_as_plain_arrays():
  schedule = jaxsched.linear(0.2, 0.0, 10)
  model = _model()
  optimizer = nnx.Optimizer(
      model, optax.chain(optax.clip(1.0), optax.inject_hyperparams(optax.adam)(
          learning_rate=schedule)), wrt=nnx.Param)
  for k in range(3):
    _train_step(model, optimizer, X[k], Y[k])
  forms = [optimizer, optimizer.opt_state, nnx.state(optimizer)]
  values = [jaxsched.current_lr(f) for f in forms]
  for v in values:
    assert type(v) is type(jnp.zeros(())) and v.shape == ()
    assert f"{v:.4f}" == f"{float(schedule(2)):.4f}"
  assert len({float(v) for v in values}) == 1
  with pytest.raises(ValueError, match=re.escape(
      "current_lr: no optax.inject_hyperparams state holding `learning_rate` "
      "was found in opt_state of type State. It looks for an "
      "InjectHyperparamsState (or InjectStatefulHyperparamsState, or its dict "
      "form in nnx.state(optimizer))")):
    jaxsched.current_lr(nnx.state(model))
