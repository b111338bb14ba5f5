"""Reduce on plateau at evaluation time inside optax, misuse errors, current_lr.

The reference for every plateau decision is the functional plateau itself,
``p.update(state, value=...)`` run on the same metrics (tests/test_plateau.py
checks it against PyTorch's golden runs).
"""

from __future__ import annotations

import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched


@pytest.fixture(autouse=True)
def _standard_promotion():
  # optax's adam mixes Python floats with int32 counts (strict promotion rejects)
  with jax.numpy_dtype_promotion("standard"):
    yield


def _same(a, b):
  """Bitwise equality of two pytrees of the same structure."""
  assert jax.tree.structure(a) == jax.tree.structure(b)
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
    np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


P = jaxsched.reduce_on_plateau(factor=0.5, patience=1, threshold=0.0)
BASE = jaxsched.linear(1.0, 0.5, 20)
# evaluations: improve, worse, worse (reduce), worse, worse (reduce), better
EVALS = [1.0, 1.5, 1.6, 1.7, 1.8, 0.5]
EVERY = 3


def _reference_scales():
  """The plateau's value after each evaluation, by the functional plateau."""
  state, out = P.init(), []
  for v in EVALS:
    state = P.update(state, value=v)
    out.append(float(P(state)))
  return out


def _optimizers():
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    stateful = optax.inject_stateful_hyperparams(optax.sgd)(
        learning_rate=jaxsched.plateau_schedule(BASE, P))
  return {
      "inject_hyperparams": optax.inject_hyperparams(optax.sgd)(
          learning_rate=jaxsched.plateau_schedule(BASE, P)),
      "inject_stateful_hyperparams": stateful,
      "chain(clip, inject)": optax.chain(
          optax.clip_by_global_norm(10.0),
          optax.inject_hyperparams(optax.sgd)(
              learning_rate=jaxsched.plateau_schedule(BASE, P))),
      "chain(sgd(base), scale_by_plateau)": optax.chain(
          optax.sgd(BASE), jaxsched.scale_by_plateau(P)),
  }


@pytest.mark.parametrize("kind", list(_optimizers()))
def test_evaluation_time_plateau_under_jit_matches_the_functional_plateau(kind):
  opt = _optimizers()[kind]
  params = {"w": jnp.zeros(2)}
  traces = []

  @jax.jit
  def train(opt_state):
    traces.append("train")
    updates, opt_state = opt.update({"w": jnp.ones(2)}, opt_state, params)
    return -updates["w"][0], opt_state

  @jax.jit
  def evaluate(opt_state, val_loss):
    traces.append("eval")
    return jaxsched.plateau_step(opt_state, val_loss)

  opt_state = opt.init(params)
  used = []
  for k in range(len(EVALS) * EVERY):
    rate, opt_state = train(opt_state)
    used.append(float(rate))
    if k % EVERY == EVERY - 1:
      opt_state = evaluate(opt_state, jnp.float32(EVALS[k // EVERY]))
  assert sorted(traces) == ["eval", "train"]  # each compiled once
  # step k uses base(k) times the scale after the evaluations before step k
  scales = [1.0] + _reference_scales()
  expected = [float(BASE(k)) * scales[k // EVERY] for k in range(len(used))]
  np.testing.assert_allclose(used, expected, rtol=1e-6)
  assert len(set(scales)) == 3  # the run did reduce, twice


def test_updates_without_value_leave_the_plateau_bitwise_untouched():
  for opt in _optimizers().values():
    params = jnp.zeros(())
    state0 = opt.init(params)
    state0 = jaxsched.plateau_step(state0, 2.0)  # something to keep
    _, a = opt.update(jnp.ones(()), state0, params)
    _, b = opt.update(jnp.ones(()), state0, params, value=None)
    _same(a, b)
    plateaus = [x.plateau for x in jax.tree.leaves(
        a, is_leaf=lambda x: isinstance(
            x, (jaxsched.PlateauScheduleState, jaxsched.ScaleByPlateauState)))
                if hasattr(x, "rule")]
    before = [x.plateau for x in jax.tree.leaves(
        state0, is_leaf=lambda x: isinstance(
            x, (jaxsched.PlateauScheduleState, jaxsched.ScaleByPlateauState)))
              if hasattr(x, "rule")]
    assert len(plateaus) == 1
    _same(plateaus, before)


def test_plateau_step_then_update_equals_update_with_value():
  # the same decisions whether the metric comes with the update or separately
  opt = optax.inject_hyperparams(optax.sgd)(
      learning_rate=jaxsched.plateau_schedule(BASE, P))
  params = jnp.zeros(())
  a = b = opt.init(params)
  for v in EVALS:
    _, a = opt.update(jnp.ones(()), a, params, value=v)
    _, b = opt.update(jnp.ones(()), b, params)
    b = jaxsched.plateau_step(b, v)
  _same(a.hyperparams_states, b.hyperparams_states)


def test_plateau_step_feeds_every_plateau_and_counts_nothing_else():
  opt = optax.chain(
      optax.inject_hyperparams(optax.adam)(
          learning_rate=jaxsched.plateau_schedule(BASE, P)),
      jaxsched.scale_by_plateau(jaxsched.reduce_on_plateau(patience=0)))
  params = {"w": jnp.zeros(3)}
  state = opt.init(params)
  new = jaxsched.plateau_step(state, 3.0)
  inject, scale = new
  assert float(inject.hyperparams_states["learning_rate"].plateau.best) == 3.0
  assert float(scale.plateau.best) == 3.0
  _same(new[0].inner_state, state[0].inner_state)  # adam's moments untouched
  assert int(new[0].hyperparams_states["learning_rate"].count) == 0


def test_plateau_step_vmaps_over_metrics():
  opt = jaxsched.scale_by_plateau(jaxsched.reduce_on_plateau(patience=0))
  state = jaxsched.plateau_step(opt.init(None), 1.0)
  out = jax.jit(jax.vmap(jaxsched.plateau_step, in_axes=(None, 0)))(
      state, jnp.array([0.5, 2.0, jnp.nan]))
  np.testing.assert_array_equal(out.plateau.value,  # NaN: a bad evaluation
                                np.float32([1.0, 0.1, 0.1]))


def test_plateau_step_errors_say_what_they_looked_for():
  with pytest.raises(ValueError, match=re.escape(
      "plateau_step: no plateau was found in `opt_state` of type tuple. It looks "
      "for the state of jaxsched.scale_by_plateau(p)")):
    jaxsched.plateau_step(optax.adam(1e-3).init(jnp.zeros(2)), 1.0)
  p = jaxsched.reduce_on_plateau()
  with pytest.raises(ValueError, match="bare PlateauState, which does not know "
                     r"its rule: call p.update\(state, value=...\)"):
    jaxsched.plateau_step({"plateau": p.init()}, 1.0)
  opt = jaxsched.scale_by_plateau(p)
  with pytest.raises(ValueError, match=re.escape(
      "plateau_step: `value` must be a scalar metric, got value=None.")):
    jaxsched.plateau_step(opt.init(None), None)
  with pytest.raises(ValueError, match="must be a scalar metric"):
    jaxsched.plateau_step(opt.init(None), jnp.ones(3))


def test_plateau_schedule_as_a_plain_schedule_says_what_to_do():
  ps = jaxsched.plateau_schedule(BASE, P)
  fix = re.escape("optax.inject_hyperparams(optax.adamw)(learning_rate="
                  "plateau_schedule(...)) instead of optax.adamw(")
  opt = optax.adamw(ps)
  params = jnp.zeros(2)
  with pytest.raises(TypeError, match=fix):
    opt.update(jnp.ones(2), opt.init(params), params)
  with pytest.raises(TypeError, match=fix):
    jax.jit(opt.update)(jnp.ones(2), opt.init(params), params)
  with pytest.raises(TypeError, match=r"jaxsched.plot\(ps.schedule, steps\)"):
    ps(jnp.arange(3))


def test_plot_of_a_plateau_schedule_says_what_to_do():
  pytest.importorskip("matplotlib")
  import matplotlib  # pylint: disable=import-outside-toplevel
  matplotlib.use("Agg")
  ps = jaxsched.plateau_schedule(BASE, P)
  with pytest.raises(TypeError, match=r"use its .schedule \(jaxsched.plot"):
    jaxsched.plot(ps, 10)
  jaxsched.plot(ps.schedule, 10)  # the suggested fix works


def test_current_lr_is_a_plain_array_and_its_error_lists_what_it_saw():
  opt = optax.inject_hyperparams(optax.sgd)(learning_rate=BASE, momentum=0.9)
  lr = jaxsched.current_lr(opt.init(jnp.zeros(2)))
  assert isinstance(lr, jax.Array) and f"{lr:.3f}" == "1.000"
  with pytest.raises(ValueError, match=re.escape(
      "The inject states found hold only ['learning_rate', 'momentum'].")):
    jaxsched.current_lr(opt.init(jnp.zeros(2)), name="b1")
  with pytest.raises(ValueError, match="It looks for an InjectHyperparamsState"):
    jaxsched.current_lr(optax.sgd(0.1).init(jnp.zeros(2)))


class _HalvingPlateau:
  """A custom plateau, not a pytree: halves its value on each metric above 1."""

  def init(self):
    return jnp.float32(1.0)

  def update(self, state, value, **extra):
    del extra
    return jnp.where(value > 1.0, state * 0.5, state)

  def __call__(self, state, **extra):
    del extra
    return state


def test_a_custom_plateau_that_is_not_a_pytree_still_works_with_value():
  custom = _HalvingPlateau()
  for opt in [optax.inject_hyperparams(optax.sgd)(
      learning_rate=jaxsched.plateau_schedule(jaxsched.constant(1.0), custom)),
              optax.chain(optax.sgd(1.0), jaxsched.scale_by_plateau(custom))]:
    params = jnp.zeros(())
    state = opt.init(params)
    rates = []
    for v in [2.0, 0.5, 2.0, 2.0]:
      updates, state = opt.update(jnp.ones(()), state, params, value=v)
      rates.append(-float(updates))
    assert rates[-1] < rates[0]
    with pytest.raises(ValueError, match="holds a custom plateau that is not a "
                       "pytree, so its rule is not in the state"):
      jaxsched.plateau_step(state, 1.0)


def test_a_target_less_restore_gets_a_message_naming_restore_like():
  ps = jaxsched.plateau_schedule(BASE, P)
  raw = {"count": np.int32(0), "plateau": {}, "rule": {}}  # as orbax returns
  with pytest.raises(TypeError, match=re.escape(
      "PlateauSchedule: got a dict instead of a PlateauScheduleState (a "
      "checkpoint restored without a target?)")):
    ps(raw)
