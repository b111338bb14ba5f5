"""inject_schedules / with_schedule: schedules carried in the optimizer state.

References: optax itself. ``optax.inject_hyperparams`` (which closes over the
schedule) gives the updates each step must equal (plain ``optax.adam`` differs
by float32 rounding of ``1 - b2**t``, as inject_hyperparams does); the point of
``inject_schedules`` is that the same numbers come from one compiled ``update``
for every schedule of a structure (trace counters).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched as js


@pytest.fixture(autouse=True)
def _standard_promotion():
  # optax mixes Python floats with int32 counts, which strict promotion rejects
  with jax.numpy_dtype_promotion("standard"):
    yield


# NumPy float32 (jnp at import would compile in every worker that collects)
F32 = np.float32
PARAMS = {"w": np.linspace(-1.0, 1.0, 4, dtype=F32), "b": np.zeros(2, F32)}
GRADS = [jax.tree.map(lambda p, k=k: np.cos(p + F32(k)) + F32(0.1 * k), PARAMS)
         for k in range(4)]
SCHEDULES = [js.warmup_cosine_decay(peak, warm, 10)
             for peak, warm in ((1e-2, 2), (3e-2, 3), (1e-1, 1), (3e-3, 4),
                                (5e-2, 2))]


def _run(opt, state, grads=GRADS, step=None):
  step = step or opt.update
  out = []
  for g in grads:
    upd, state = step(g, state, PARAMS)
    out.append(upd)
  return out, state


def _close(a, b, rtol=1e-6, atol=1e-9):
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol)


@jax.jit
def _optax_adam_update(s, g, state, params):
  """optax.inject_hyperparams(optax.adam) with ``s``: the schedule is a jit
  argument, so the five schedules of one structure share one compile."""
  return optax.inject_hyperparams(optax.adam)(learning_rate=s).update(
      g, state, params)


def test_update_is_traced_once_for_five_schedules_and_matches_optax():
  opt = js.inject_schedules(optax.adam)(learning_rate=SCHEDULES[0])
  traces = []

  @jax.jit
  def step(g, state, params):
    traces.append(1)
    return opt.update(g, state, params)

  state0 = opt.init(PARAMS)
  for s in SCHEDULES:
    got, _ = _run(opt, js.with_schedule(state0, learning_rate=s), step=step)
    # optax's own way (b1, b2 as float32 arrays too), jitted too: XLA fuses
    # adam's arithmetic differently from eager
    ref = optax.inject_hyperparams(optax.adam)(learning_rate=s)
    want, _ = _run(ref, ref.init(PARAMS),
                   step=lambda g, st, p, s=s: _optax_adam_update(s, g, st, p))
    _close(got, want)
  assert len(traces) == 1


def test_rebuilt_optimizers_share_one_update_function():
  opts = [js.inject_schedules(optax.adam)(learning_rate=s, b1=0.8)
          for s in SCHEDULES]
  assert all(o.update is opts[0].update for o in opts)
  traces = []

  def count(g, state, params):
    traces.append(1)
    return opts[0].update(g, state, params)

  step = jax.jit(count)
  for o in opts:
    step(GRADS[0], o.init(PARAMS), PARAMS)
  assert len(traces) == 1


@pytest.mark.parametrize("factory, kwargs", [
    (optax.adamw, {"learning_rate": js.cosine_decay(1e-2, 6),
                   "weight_decay": js.linear(0.0, 0.1, 4),
                   "b1": js.linear(0.5, 0.9, 3), "b2": 0.99}),
    (optax.sgd, {"learning_rate": js.constant(0.1),
                 "momentum": js.one_cycle_momentum(6)}),
    (optax.ema, {"decay": js.linear(0.5, 0.99, 4)}),
    (optax.add_decayed_weights, {"weight_decay": js.step_decay(0.1, 2,
                                                               gamma=0.5)}),
], ids=["adamw", "sgd-momentum", "ema", "weight-decay"])
def test_any_hyperparameter_matches_optax_inject_hyperparams(factory, kwargs):
  got, state = _run(*(lambda o: (o, o.init(PARAMS)))(
      js.inject_schedules(factory)(**kwargs)))
  ref = optax.inject_hyperparams(factory)(**kwargs)
  want, ref_state = _run(ref, ref.init(PARAMS))
  _close(got, want)
  for name in kwargs:
    np.testing.assert_allclose(state.hyperparams[name],
                               ref_state.hyperparams[name], rtol=1e-6)


def test_current_lr_inside_chain_reads_the_rate_of_the_last_update():
  s = js.linear(1.0, 0.0, 10)
  tx = optax.chain(optax.clip_by_global_norm(1.0),
                   js.inject_schedules(optax.adamw)(learning_rate=s,
                                                    weight_decay=1e-3))
  state = tx.init(PARAMS)
  assert float(js.current_lr(state)) == pytest.approx(1.0)
  for k in range(3):
    _, state = tx.update(GRADS[k], state, PARAMS)
    assert float(js.current_lr(state)) == pytest.approx(float(s(k)), rel=1e-6)
  assert float(js.current_lr(state, "weight_decay")) == pytest.approx(1e-3)
  state = js.with_schedule(state, learning_rate=js.constant(0.25))
  assert float(js.current_lr(state)) == pytest.approx(0.25)


def test_vmap_over_stacked_states_is_one_trace_and_equals_each_run():
  opt = js.inject_schedules(optax.adam)(learning_rate=SCHEDULES[0])
  state0 = opt.init(PARAMS)
  states = [js.with_schedule(state0, learning_rate=s) for s in SCHEDULES]
  stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *states)
  traces = []

  @jax.jit
  def train(state):
    traces.append(1)
    def body(state, g):
      upd, state = opt.update(g, state, PARAMS)
      return state, upd
    grads = jax.tree.map(lambda *xs: jnp.stack(xs), *GRADS)
    return jax.lax.scan(body, state, grads)

  final, upds = jax.vmap(train)(stacked)
  assert len(traces) == 1
  for i, st in enumerate(states):
    want, want_state = _run(opt, st)
    _close([jax.tree.map(lambda x, k=k, i=i: x[i, k], upds) for k in range(4)], want,
           rtol=2e-6)
    assert float(js.current_lr(final)[i]) == pytest.approx(
        float(js.current_lr(want_state)), rel=1e-6)


def test_vmap_over_stacked_schedules_with_with_schedule_inside():
  opt = js.inject_schedules(optax.sgd)(learning_rate=SCHEDULES[0])
  state0 = opt.init(PARAMS)

  def first_update(s):
    upd, _ = opt.update(GRADS[1], js.with_schedule(state0, learning_rate=s),
                        PARAMS)
    return upd
  got = jax.jit(jax.vmap(first_update))(js.stack(SCHEDULES))
  for i, s in enumerate(SCHEDULES):
    want = jax.tree.map(lambda g, s=s: -s(0) * g, GRADS[1])
    _close(jax.tree.map(lambda x, i=i: x[i], got), want)


def test_checkpoint_round_trip_continues_identically():
  opt = js.inject_schedules(optax.adam)(learning_rate=SCHEDULES[1])
  _, state = _run(opt, opt.init(PARAMS), GRADS[:2])
  leaves, treedef = jax.tree.flatten(state)
  saved = [np.asarray(x).copy() for x in leaves]            # to disk and back
  template = jax.tree.structure(opt.init(PARAMS))           # a fresh target
  assert template == treedef
  restored = jax.tree.unflatten(template, [jnp.asarray(x) for x in saved])
  a, _ = _run(opt, state, GRADS[2:])
  b, _ = _run(opt, restored, GRADS[2:])
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
    np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_with_schedule_numbers_and_structure():
  opt = js.inject_schedules(optax.adam)(learning_rate=SCHEDULES[0], b1=0.9)
  state = opt.init(PARAMS)
  new = js.with_schedule(state, b1=0.5)
  assert float(new.hyperparams["b1"]) == 0.5 and float(state.hyperparams["b1"]) \
      == pytest.approx(0.9)
  # a number in place of a schedule: the hyperparameter becomes constant
  const = js.with_schedule(state, learning_rate=0.125)
  assert "learning_rate" not in const.schedules
  upd, const = opt.update(GRADS[0], const, PARAMS)
  assert float(js.current_lr(const)) == 0.125
  ref = optax.inject_hyperparams(optax.adam)(learning_rate=0.125)
  want, _ = ref.update(GRADS[0], ref.init(PARAMS), PARAMS)
  _close(upd, want)
  # same family, other numbers: same structure
  assert (jax.tree.structure(js.with_schedule(state, learning_rate=SCHEDULES[3]))
          == jax.tree.structure(state))


def test_errors_name_the_function_argument_and_fix():
  opt = js.inject_schedules(optax.adam)(learning_rate=SCHEDULES[0])
  state = opt.init(PARAMS)
  with pytest.raises(ValueError, match=r"with_schedule: no jaxsched.inject_"
                     r"schedules state in opt_state holds `momentum`.*"
                     r"\['b1', 'b2', 'eps', 'eps_root', 'learning_rate'\]"):
    js.with_schedule(state, momentum=0.9)
  with pytest.raises(ValueError, match=r"with_schedule: `learning_rate` is a "
                     r"callable that is not a jaxsched schedule.*static_args"):
    js.with_schedule(state, learning_rate=lambda k: 0.1)
  with pytest.raises(ValueError, match=r"with_schedule: `learning_rate` must be "
                     r"a jaxsched schedule or a number, got learning_rate='x'"):
    js.with_schedule(state, learning_rate="x")
  with pytest.raises(ValueError, match=r"inject_schedules: `learning_rate` is a "
                     r"callable.*jaxsched.compat.optax"):
    js.inject_schedules(optax.adam)(learning_rate=optax.constant_schedule(0.1))
  with pytest.raises(ValueError, match=r"inject_schedules: `static_args` must "
                     r"name arguments of adam.*\['nope'\]"):
    js.inject_schedules(optax.adam, static_args="nope")
