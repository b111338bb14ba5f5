"""Per-layer and per-group rates: layerwise_decay and scale_by_group.

Reference: the factor formulas of the docstrings, computed in float64 NumPy
(``decay ** (num_layers - depth)``; a group's rate), applied to the plain
optimizer's update.
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
  with jax.numpy_dtype_promotion("standard"):  # optax mixes floats and ints
    yield


# a 3-block "transformer": embeddings depth 0, block i depth i + 1, head depth 4
# (NumPy float32: arrays made with jnp at import would compile programs in
# every pytest-xdist worker that collects the file)
F32 = np.float32
PARAMS = {"embed": np.linspace(-1.0, 1.0, 6, dtype=F32).reshape(2, 3),
          "blocks": [{"kernel": np.full((3, 3), 0.1 * (i + 1), F32),
                      "bias": np.zeros(3, F32)} for i in range(3)],
          "head": {"kernel": np.ones((3, 1), F32)}}
NUM_LAYERS = 4
DEPTHS = {"embed": 0, "blocks/0": 1, "blocks/1": 2, "blocks/2": 3, "head": 4}
GRADS = [jax.tree.map(lambda p, k=k: np.sin(F32(3.0) * p + F32(k)) + F32(0.2), PARAMS)
         for k in range(3)]


def depth(path, leaf):
  del leaf
  return next(d for prefix, d in DEPTHS.items() if path.startswith(prefix))


def _updates(tx, grads=GRADS):
  state, out = tx.init(PARAMS), []
  for g in grads:
    upd, state = tx.update(g, state, PARAMS)
    out.append(upd)
  return out


def _factors(decay):
  """{path: decay ** (num_layers - depth)} in float64."""
  leaves = jax.tree_util.tree_leaves_with_path(PARAMS)
  return [float(np.float64(decay) ** (NUM_LAYERS - depth(js._groups.path_str(p),
                                                         None)))
          for p, _ in leaves]


def test_each_leaf_is_the_plain_update_times_the_documented_factor():
  decay = 0.65
  plain = _updates(optax.adam(1e-2))
  scaled = _updates(optax.chain(optax.adam(1e-2),
                                js.layerwise_decay(decay, depth, NUM_LAYERS)))
  factors = _factors(decay)
  assert factors[0] == pytest.approx(0.65 ** 3)  # blocks/0/bias, depth 1
  assert min(factors) == pytest.approx(0.65 ** 4) and max(factors) == 1.0
  for p, s in zip(plain, scaled):
    for u, v, f in zip(jax.tree.leaves(p), jax.tree.leaves(s), factors):
      np.testing.assert_allclose(np.asarray(v, np.float64),
                                 np.asarray(u, np.float64) * f, rtol=1e-6,
                                 atol=1e-12)


def test_depths_as_a_pytree_equal_the_function():
  tree = jax.tree_util.tree_map_with_path(
      lambda p, x: depth(js._groups.path_str(p), x), PARAMS)
  a = _updates(js.layerwise_decay(0.8, depth, NUM_LAYERS), GRADS[:1])
  b = _updates(js.layerwise_decay(0.8, tree, NUM_LAYERS), GRADS[:1])
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
    np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_vmap_over_the_decay_compiles_once():
  traces = []

  @jax.jit
  def sweep(decays):
    traces.append(1)
    def one(d):
      tx = optax.chain(optax.sgd(0.1), js.layerwise_decay(d, depth, NUM_LAYERS))
      upd, _ = tx.update(GRADS[0], tx.init(PARAMS), PARAMS)
      return upd
    return jax.vmap(one)(decays)

  decays = np.array([0.5, 0.65, 0.8, 0.9, 1.0], np.float32)
  out = sweep(jnp.asarray(decays))
  sweep(jnp.asarray(decays[::-1].copy()))
  assert len(traces) == 1
  for i, d in enumerate(decays):
    for g, u, f in zip(jax.tree.leaves(GRADS[0]),
                       jax.tree.leaves(jax.tree.map(lambda x, i=i: x[i], out)),
                       _factors(d)):
      np.testing.assert_allclose(np.asarray(u, np.float64),
                                 -0.1 * np.asarray(g, np.float64) * f,
                                 rtol=1e-6, atol=1e-12)


def test_decay_carried_in_the_state_one_trace_for_every_decay():
  inject = js.inject_schedules(js.layerwise_decay,
                               static_args=("depth", "num_layers"))
  tx = optax.chain(optax.sgd(0.1),
                   inject(decay=0.75, depth=depth, num_layers=NUM_LAYERS))
  traces = []

  @jax.jit
  def step(state):
    traces.append(1)
    return tx.update(GRADS[0], state, PARAMS)[0]

  state = tx.init(PARAMS)
  for d in (0.75, 0.5, 0.9):
    upd = step(js.with_schedule(state, decay=d))
    for g, u, f in zip(jax.tree.leaves(GRADS[0]), jax.tree.leaves(upd),
                       _factors(d)):
      np.testing.assert_allclose(np.asarray(u, np.float64),
                                 -0.1 * np.asarray(g, np.float64) * f,
                                 rtol=1e-6, atol=1e-12)
  assert len(traces) == 1


def test_scale_by_group_schedules_per_group():
  warm = js.linear(0.0, 1.0, 4)
  tx = js.scale_by_group(
      lambda path, leaf: "slow" if path.startswith("embed") else "rest",
      {"slow": warm, "rest": 0.5})
  ups = _updates(tx)
  for k, (g, u) in enumerate(zip(GRADS, ups)):
    np.testing.assert_allclose(u["embed"], np.asarray(g["embed"]) * k / 4,
                               rtol=1e-6)
    np.testing.assert_allclose(u["head"]["kernel"],
                               np.asarray(g["head"]["kernel"]) * 0.5, rtol=1e-6)


def test_errors():
  with pytest.raises(ValueError, match=r"layerwise_decay: `depth\('head/"
                     r"kernel'\)` must be <= 3, got depth\('head/kernel'\)=4"):
    js.layerwise_decay(0.7, depth, 3).init(PARAMS)
  with pytest.raises(ValueError, match=r"layerwise_decay: `decay` must be > 0, "
                     r"got decay=0.0"):
    js.layerwise_decay(0.0, depth, 4)
  with pytest.raises(ValueError, match=r"scale_by_group: `labels\('blocks/0/"
                     r"bias'\)` must be a key of `rates` \(\['a'\]\), got "
                     r"labels\('blocks/0/bias'\)='b'. Add a rate for 'b'"):
    js.scale_by_group(lambda p, x: "a" if p.startswith("embed") else "b",
                      {"a": 1.0}).init(PARAMS)
  with pytest.raises(ValueError, match=r"scale_by_group: `labels` must be a "
                     r"function \(path, leaf\) -> value or a pytree with the "
                     r"structure of the parameters"):
    js.scale_by_group({"embed": "a"}, {"a": 1.0}).init(PARAMS)
