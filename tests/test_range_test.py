"""Tests for the LR range test (jaxsched/_range_test.py)."""

import functools
import re
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from docs_examples import page_blocks, run_blocks

from jaxsched._range_test import RangeTestResult, _run, lr_range_test

# ----------------------------------------------------------------- helpers


def _quadratic_step(curvatures):
  """Gradient descent on 0.5 * sum(c * (x - b)^2); b is the batch (or 0)."""
  c = jnp.asarray(curvatures, jnp.float32)

  def train_step(x, b, lr):
    target = jnp.zeros_like(x) if b is None else b
    loss, grad = jax.value_and_grad(
        lambda x: 0.5 * jnp.sum(c * (x - target)**2))(x)
    return x - lr * grad, loss

  return train_step


def _scripted_step(losses):
  """A train_step whose loss at step i is losses[i] (the batch is the step)."""
  table = jnp.asarray(losses, jnp.float32)

  def train_step(state, i, lr):
    del lr
    return state + 1, table[i]

  return train_step


def _mlp_data(num_steps, batch=32, seed=0):
  rng = np.random.default_rng(seed)
  w = rng.normal(size=(4, 1))
  x = rng.normal(size=(num_steps, batch, 4)).astype(np.float32)
  y = (np.sin(x @ w) + 0.1 * rng.normal(size=(num_steps, batch, 1))).astype(
      np.float32)
  return x, y


@functools.partial(jax.jit, static_argnames="hidden")
def _mlp_init(key, hidden=16):
  """Jitted: the random normals compile once, not per shape and per test."""
  k1, k2 = jax.random.split(key)
  return {"w1": jax.random.normal(k1, (4, hidden)) / 2.0,
          "b1": jnp.zeros(hidden),
          "w2": jax.random.normal(k2, (hidden, 1)) / 4.0,
          "b2": jnp.zeros(1)}


def _mlp_step(counter=None):
  def loss_fn(p, batch):
    x, y = batch
    h = jnp.tanh(x @ p["w1"] + p["b1"])
    return jnp.mean((h @ p["w2"] + p["b2"] - y)**2)

  def train_step(p, batch, lr):
    if counter is not None:
      counter.append(1)
    loss, g = jax.value_and_grad(loss_fn)(p, batch)
    return jax.tree.map(lambda a, b: a - lr * b, p, g), loss

  return train_step


# ----------------------------------------------------------- the schedule


@pytest.mark.parametrize("mode", ["exp", "linear"])
def test_lrs_go_from_min_lr_to_exactly_max_lr(mode):
  r = lr_range_test(_scripted_step(np.ones(50)), jnp.zeros(()),
                    jnp.arange(50), min_lr=1e-6, max_lr=3.0, num_steps=50,
                    mode=mode)
  lrs = np.asarray(r.lrs)
  assert lrs.shape == (50,) and lrs.dtype == np.float32
  assert lrs[0] == np.float32(1e-6) and lrs[-1] == np.float32(3.0)
  if mode == "exp":
    np.testing.assert_allclose(lrs[1:] / lrs[:-1], (3e6)**(1 / 49), rtol=1e-4)
  else:
    np.testing.assert_allclose(np.diff(lrs), (3.0 - 1e-6) / 49, rtol=1e-4)


def test_smoothed_is_the_bias_corrected_moving_average():
  rng = np.random.default_rng(1)
  raw = rng.uniform(1.0, 2.0, size=40)
  s = 0.9
  r = lr_range_test(_scripted_step(raw), jnp.zeros(()), jnp.arange(40),
                    num_steps=40, smoothing=s)
  avg, want = 0.0, []
  for i, loss in enumerate(raw):
    avg = s * avg + (1 - s) * loss
    want.append(avg / (1 - s**(i + 1)))
  assert r.diverged_at is None
  assert bool(np.all(r.valid))
  np.testing.assert_allclose(r.losses, raw, rtol=1e-6)
  np.testing.assert_allclose(r.smoothed, want, rtol=1e-5)


def test_divergence_on_a_scripted_spike_masks_the_rest():
  raw = np.ones(30)
  raw[12:] = 5.0  # 5 > 4 * best = 4 with no smoothing: diverges at step 12.
  r = lr_range_test(_scripted_step(raw), jnp.zeros(()), jnp.arange(30),
                    num_steps=30, smoothing=0.0, diverge_factor=4.0)
  assert r.diverged_at == 12
  assert int(r.diverged_index) == 12
  valid = np.asarray(r.valid)
  assert valid[:13].all() and not valid[13:].any()  # the spike is recorded.
  losses, lrs = np.asarray(r.losses), np.asarray(r.lrs)  # read on the host
  np.testing.assert_array_equal(losses[12:], 5.0)  # masked: held.
  assert np.all(np.isfinite(lrs)) and lrs[-1] == np.float32(10.0)


def test_negative_losses_diverge_on_the_distance_from_best():
  raw = -np.ones(30)
  raw[20:] = 2.5  # best=-1: bound is -1 + 3 * 1 = 2, exceeded at step 20.
  r = lr_range_test(_scripted_step(raw), jnp.zeros(()), jnp.arange(30),
                    num_steps=30, smoothing=0.0)
  assert r.diverged_at == 20
  raw[20:] = 1.5  # below the bound: no divergence.
  r = lr_range_test(_scripted_step(raw), jnp.zeros(()), jnp.arange(30),
                    num_steps=30, smoothing=0.0)
  assert r.diverged_at is None


# ---------------------------------------------- problems with known answers


@pytest.mark.parametrize("L", [1.0, 10.0, 100.0])
def test_full_batch_quadratic_diverges_past_2_over_L(L):
  # Gradient descent on 0.5 x^T diag(c) x is stable iff lr < 2 / max(c) = 2/L.
  c = L * np.logspace(-2, 0, 8)
  r = lr_range_test(_quadratic_step(c), jnp.ones(8), None, min_lr=1e-5,
                    max_lr=1e3, num_steps=200)
  lr_div = float(r.lrs[r.diverged_at])
  # The top mode is almost annihilated by the steps near lr = 1/L, so the loss
  # keeps falling for a while past 2/L: measured 7x. Within a decade.
  assert 2 / L < lr_div < 10 * (2 / L)
  lr = float(r.suggestion("steepest"))
  assert 1e-3 * (2 / L) < lr < 0.5 * (2 / L)
  for method in ("valley", "minimum"):
    assert 0 < float(r.suggestion(method)) < 2 / L


@pytest.mark.parametrize("L", [1.0, 10.0, 100.0])
def test_noisy_quadratic_divergence_is_detected_promptly(L):
  # Minibatch noise keeps every mode excited, so the blow-up starts at 2/L.
  c = L * np.logspace(-2, 0, 8)
  targets = np.random.default_rng(0).normal(size=(200, 8)).astype(np.float32)
  r = lr_range_test(_quadratic_step(c), jnp.full(8, 10.0), targets,
                    min_lr=1e-5, max_lr=1e3, num_steps=200)
  lr_div = float(r.lrs[r.diverged_at])
  assert 2 / L < lr_div < 3 * (2 / L)  # measured 1.8x to 2.3x.
  assert 0 < float(r.suggestion("steepest")) < 0.5 * (2 / L)


def test_mlp_suggestion_is_finite_and_loss_falls_before_it():
  x, y = _mlp_data(150)
  r = lr_range_test(_mlp_step(), _mlp_init(jax.random.key(0)), (x, y),
                    min_lr=1e-4, max_lr=100.0, num_steps=150)
  lr = float(r.suggestion())
  assert np.isfinite(lr) and 1e-3 < lr < 10.0
  i = int(np.argmax(np.asarray(r.lrs) == np.float32(lr)))
  sm = np.asarray(r.smoothed)
  assert sm[i] < sm[0]
  assert sm[i + 1] < sm[i]  # the steepest point is on a falling stretch.
  assert r.diverged_at is None or lr < float(r.lrs[r.diverged_at])


# -------------------------------------------- compilation and data sources


def test_train_step_is_traced_at_most_twice_not_per_step():
  calls = []
  x, y = _mlp_data(100)
  lr_range_test(_mlp_step(calls), _mlp_init(jax.random.key(0)), (x, y),
                num_steps=100)
  assert 1 <= len(calls) <= 2


def test_batches_as_pytree_and_as_function_agree():
  x, y = _mlp_data(60)
  params = _mlp_init(jax.random.key(1))
  data = {"x": jnp.asarray(x), "y": jnp.asarray(y)}

  def step(p, batch, lr):
    return _mlp_step()(p, (batch["x"], batch["y"]), lr)

  a = lr_range_test(step, params, data, num_steps=60)
  b = lr_range_test(step, params, lambda i: jax.tree.map(lambda v: v[i], data),
                    num_steps=60)
  for fa, fb in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
    np.testing.assert_array_equal(fa, fb)


def test_batches_function_generates_data_on_device():
  def batch_fn(i):
    key = jax.random.fold_in(jax.random.key(0), i)
    return jax.random.normal(key, (8,))

  r = lr_range_test(_quadratic_step(np.ones(8)), jnp.full(8, 10.0), batch_fn,
                    min_lr=1e-3, max_lr=100.0, num_steps=100)
  assert 2.0 < float(r.lrs[r.diverged_at]) < 6.0


def test_vmap_over_seeds_compiles_once_and_matches_single_runs():
  calls = []
  x, y = _mlp_data(80)
  # four initialisations stacked on the host: _mlp_init compiles once for a
  # single key (as in the tests above), and the single runs below slice NumPy
  # arrays, so no eager slice of a device array compiles per leaf shape
  inits = [jax.tree.map(np.asarray, _mlp_init(jax.random.key(seed)))
           for seed in range(4)]
  params = jax.tree.map(lambda *leaves: np.stack(leaves), *inits)
  step = _mlp_step(calls)
  run = functools.partial(lr_range_test, step, batches=(x, y), min_lr=1e-4,
                          max_lr=100.0, num_steps=80)
  batched = jax.vmap(lambda p: run(p))(params)
  assert len(calls) <= 2  # one trace for all four seeds.
  assert batched.batch_shape == (4,)
  assert batched.lrs.shape == (4, 80)
  per_seed = np.asarray(batched.suggestion())
  assert per_seed.shape == (4,) and np.all(np.isfinite(per_seed))
  singles = batched.unstack()
  for k in (0, 3):  # each single run compiles again: two are enough.
    alone = run(jax.tree.map(lambda v, k=k: v[k], params))
    np.testing.assert_allclose(singles[k].smoothed, alone.smoothed, rtol=1e-5,
                               atol=1e-6)
    assert per_seed[k] == float(alone.suggestion())
    assert float(singles[k].suggestion()) == float(alone.suggestion())
  assert isinstance(batched.diverged_at, np.ndarray)


def test_vmap_over_numeric_arguments_matches_single_runs():
  step = _quadratic_step([10.0])
  targets = jnp.asarray(np.random.default_rng(0).normal(size=(100, 1)),
                        jnp.float32)
  run = functools.partial(lr_range_test, step, jnp.full(1, 10.0), targets,
                          max_lr=10.0)
  batched = jax.vmap(lambda m, f: run(min_lr=m, diverge_factor=f))(
      jnp.array([1e-4, 1e-3]), jnp.array([4.0, 2.0]))
  lrs, diverged = np.asarray(batched.lrs), np.asarray(batched.diverged_index)
  for k, (m, f) in enumerate([(1e-4, 4.0), (1e-3, 2.0)]):
    alone = run(min_lr=m, diverge_factor=f)
    assert lrs[k, 0] == np.float32(m)
    assert int(diverged[k]) == alone.diverged_at


def test_runs_inside_jit_and_suggestion_is_jittable():
  step = _quadratic_step([10.0])

  @jax.jit
  def suggest(x0, targets):
    return lr_range_test(step, x0, targets, min_lr=1e-4, max_lr=10.0,
                         num_steps=100).suggestion("valley")

  targets = jnp.asarray(np.random.default_rng(0).normal(size=(100, 1)),
                        jnp.float32)
  lr = float(suggest(jnp.full(1, 10.0), targets))
  assert 0 < lr < 0.2


# ------------------------------------------------- state and masking


def test_callers_state_is_unchanged_and_not_donated():
  state = {"w": jnp.arange(4.0), "np": np.ones(3, np.float32)}
  before = jax.tree.map(np.array, state)

  def step(s, b, lr):
    return jax.tree.map(lambda v: v * (1 + lr) + b, s), jnp.sum(s["w"])

  lr_range_test(step, state, jnp.ones(20), num_steps=20)
  assert not state["w"].is_deleted()
  for got, want in zip(jax.tree.leaves(state), jax.tree.leaves(before)):
    np.testing.assert_array_equal(got, want)


def test_after_divergence_results_are_finite_and_state_stops_updating():
  # The loss becomes NaN from step 15 on: divergence, nothing recorded there.
  raw = np.ones(40)
  raw[15:] = np.nan
  step = _scripted_step(raw)
  run = jax.jit(functools.partial(_run, step, None, 40, "exp"))
  result, final = run(jnp.zeros((), jnp.int32), jnp.arange(40), 1e-7, 10.0,
                      0.98, 4.0)
  assert int(result.diverged_index) == 15
  valid = np.asarray(result.valid)
  assert not bool(valid[15]) and bool(valid[14])
  for leaf in jax.tree.leaves(result):
    assert np.all(np.isfinite(np.asarray(leaf, np.float64)))
  assert int(final) == 16  # updated at steps 0..15, then frozen.
  public = lr_range_test(step, jnp.zeros((), jnp.int32), jnp.arange(40),
                         num_steps=40)
  assert public.diverged_at == 15
  assert np.all(np.isfinite(public.losses)) and np.all(
      np.isfinite(public.smoothed))


def test_state_stops_updating_under_vmap_too():
  raw = np.ones((2, 40))
  raw[0, 25:] = 100.0  # run 0 diverges at 25; run 1 never.
  table = jnp.asarray(raw, jnp.float32)

  def step(state, i, lr):
    del lr
    count, row = state
    return (count + 1, row), table[row, i]

  run = jax.jit(functools.partial(_run, step, None, 40, "exp"))
  result, (count, _) = jax.vmap(
      lambda s: run(s, jnp.arange(40), 1e-7, 10.0, 0.0, 4.0))(
          (jnp.zeros(2, jnp.int32), jnp.arange(2)))
  np.testing.assert_array_equal(result.diverged_index, [25, -1])
  np.testing.assert_array_equal(count, [26, 40])


# ------------------------------------------------------------ suggestions


def _result(lrs, smoothed, valid=None):
  lrs = jnp.asarray(lrs, jnp.float32)
  smoothed = jnp.asarray(smoothed, jnp.float32)
  if valid is None:
    valid = jnp.ones(lrs.shape, bool)
  return RangeTestResult(lrs=lrs, losses=smoothed, smoothed=smoothed,
                         valid=jnp.asarray(valid),
                         diverged_index=jnp.asarray(-1, jnp.int32))


def _fastai_valley(lrs, losses):
  """fastai's valley (fastai/callback/schedule.py), as a reference."""
  n = len(losses)
  max_start, max_end = 0, 0
  lds = [1] * n
  for i in range(1, n):
    for j in range(0, i):
      if losses[i] < losses[j] and lds[i] < lds[j] + 1:
        lds[i] = lds[j] + 1
      if lds[max_end] < lds[i]:
        max_end = i
        max_start = max_end - lds[max_end]
  sections = (max_end - max_start) / 3
  return lrs[max_start + int(sections) + int(sections / 2)]


def test_steepest_and_minimum_on_a_known_curve():
  lrs = np.logspace(-6, 1, 100)
  t = np.log10(lrs)
  # A sigmoid drop centred at lr = 1e-3, then a rise after lr = 1e-1.
  smoothed = 2 - 1 / (1 + np.exp(-3 * (t + 3))) + np.maximum(t + 1, 0)**2
  r = _result(lrs, smoothed)
  steep = float(r.suggestion("steepest"))
  assert 0.8e-3 < steep < 1.2e-3
  i_min = int(np.argmin(smoothed[10:95])) + 10
  np.testing.assert_allclose(float(r.suggestion("minimum")),
                             lrs[i_min] / 10, rtol=1e-5)


def test_valley_matches_fastai_on_random_curves():
  rng = np.random.default_rng(3)
  lrs = np.logspace(-6, 1, 100).astype(np.float32)
  for _ in range(5):
    smoothed = np.cumsum(rng.normal(-0.1, 1.0, size=100)).astype(np.float32)
    r = _result(lrs, smoothed)
    # Our window: skip the first n // 10 = 10 points and the last 5.
    want = _fastai_valley(lrs[10:95], list(smoothed[10:95]))
    assert float(r.suggestion("valley")) == pytest.approx(float(want))


def test_suggestion_ignores_masked_steps_and_is_nan_without_data():
  lrs = np.logspace(-6, 1, 50)
  smoothed = np.linspace(2.0, 1.0, 50)
  valid = np.arange(50) < 30
  smoothed[30:] = -100.0  # masked garbage must not be picked.
  r = _result(lrs, smoothed, valid)
  for method in ("steepest", "valley", "minimum", "steep", "slide"):
    lr = float(r.suggestion(method))
    assert lr <= lrs[29], method
  empty = _result(lrs, smoothed, np.arange(50) < 1)
  assert np.isnan(float(empty.suggestion()))


def test_suggestion_rejects_unknown_method():
  r = _result(np.logspace(-3, 0, 20), np.linspace(1, 0, 20))
  with pytest.raises(ValueError, match=re.escape(
      "RangeTestResult.suggestion: `method` must be one of 'steepest', "
      "'valley', 'minimum', 'steep', 'slide', got method='fastest'. Pass one of")):
    r.suggestion("fastest")


def test_result_is_a_frozen_pytree():
  r = _result(np.logspace(-3, 0, 20), np.linspace(1, 0, 20))
  assert len(jax.tree.leaves(r)) == 5
  doubled = jax.tree.map(lambda v: v, r)
  assert isinstance(doubled, RangeTestResult)
  with pytest.raises(AttributeError):
    r.lrs = None  # frozen dataclass
  with pytest.raises(ValueError, match="exactly one batch axis"):
    r.unstack()


# ------------------------------------------------------------- validation


_OK = dict(min_lr=1e-7, max_lr=10.0, num_steps=20, mode="exp", smoothing=0.98,
           diverge_factor=4.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(min_lr=1.0, max_lr=0.1),
     "lr_range_test: `max_lr` must be > min_lr=1.0, got max_lr=0.1. Pass a "
     "range that grows"),
    (dict(min_lr=0.0),
     "lr_range_test: `min_lr` must be > 0, got min_lr=0.0. The exp mode spaces "
     "rates geometrically"),
    (dict(min_lr=-1.0, mode="linear"),
     "lr_range_test: `min_lr` must be >= 0, got min_lr=-1.0. Pass a "
     "non-negative start"),
    (dict(num_steps=5),
     "lr_range_test: `num_steps` must be >= 10, got num_steps=5. Pass a whole "
     "number of steps, at least 10"),
    (dict(num_steps=12.5),
     "lr_range_test: `num_steps` must be a whole number of steps, got "
     "num_steps=12.5."),
    (dict(mode="log"),
     "lr_range_test: `mode` must be one of 'exp', 'linear', got mode='log'. "
     "Pass one of 'exp', 'linear'."),
    (dict(smoothing=1.0),
     "lr_range_test: `smoothing` must be in [0, 1), got smoothing=1.0. Pass "
     "0.98"),
    (dict(smoothing=-0.1),
     "lr_range_test: `smoothing` must be in [0, 1), got smoothing=-0.1."),
    (dict(diverge_factor=1.0),
     "lr_range_test: `diverge_factor` must be > 1, got diverge_factor=1.0. "
     "Pass a factor above 1"),
])
def test_bad_arguments_raise_with_a_fix(kwargs, message):
  kw = {**_OK, **kwargs}
  n = kw["num_steps"] if isinstance(kw["num_steps"], int) else 20
  with pytest.raises(ValueError, match=re.escape(message)):
    lr_range_test(_quadratic_step([1.0]), jnp.ones(1), jnp.zeros((n, 1)), **kw)


def test_batches_with_the_wrong_leading_axis_name_the_leaf():
  batches = {"x": jnp.zeros((20, 3)), "y": jnp.zeros((19, 1))}
  with pytest.raises(ValueError, match=re.escape(
      "lr_range_test: `batches` must have a leading axis of num_steps=20 on "
      "every leaf, got batches['y'].shape=(19, 1). Pass one batch per step")):
    lr_range_test(lambda s, b, lr: (s, jnp.sum(b["x"])), jnp.ones(1), batches,
                  num_steps=20)


def test_train_step_returning_a_vector_loss_is_rejected_before_running():
  calls = []

  def step(x, b, lr):
    calls.append(1)
    return x - lr * x, x * x  # per-example losses, not reduced.

  with pytest.raises(ValueError, match=re.escape(
      "lr_range_test: `train_step` must return a scalar float loss, got a loss "
      "of shape (3,) and dtype float32. Reduce the loss to one number")):
    lr_range_test(step, jnp.ones(3), None, num_steps=20)
  assert len(calls) == 1  # only the abstract evaluation ran.


def test_train_step_returning_no_pair_or_another_state_is_rejected():
  with pytest.raises(ValueError, match=re.escape(
      "lr_range_test: `train_step` must return a pair (state, loss), got shape "
      "() and dtype float32. Return `new_state, loss`")):
    lr_range_test(lambda x, b, lr: jnp.sum(x), jnp.ones(3), None, num_steps=20)
  with pytest.raises(ValueError, match=re.escape(
      "lr_range_test: `train_step` must keep the shape and dtype of every state "
      "leaf, got state['w'] going from float32[3] to int32[3].")):
    lr_range_test(lambda s, b, lr: ({"w": s["w"].astype(jnp.int32)},
                                    jnp.sum(s["w"])),
                  {"w": jnp.ones(3)}, None, num_steps=20)


# ---------------------------------------------------------------- plotting


def test_plot_writes_a_png(tmp_path):
  matplotlib = pytest.importorskip("matplotlib")
  matplotlib.use("Agg")
  c = 10.0 * np.logspace(-2, 0, 8)
  targets = np.random.default_rng(0).normal(size=(100, 8)).astype(np.float32)
  r = lr_range_test(_quadratic_step(c), jnp.full(8, 10.0), targets,
                    min_lr=1e-5, max_lr=10.0, num_steps=100)
  path = tmp_path / "lr_find.png"
  fig = r.plot(path)
  assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  ax = fig.axes[0]
  assert ax.get_xscale() == "log"
  assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
  labels = [t.get_text() for t in ax.get_legend().get_texts()]
  assert labels[:2] == ["loss", "smoothed loss"]
  assert any(label.startswith("steepest suggestion: lr=") for label in labels)
  import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
  plt.close(fig)
  fig2, ax2 = plt.subplots()
  assert r.plot(ax=ax2, method="valley") is fig2
  assert any(t.get_text().startswith("valley suggestion")
             for t in ax2.get_legend().get_texts())
  plt.close(fig2)


def test_plot_without_matplotlib_names_the_extra(monkeypatch):
  monkeypatch.setitem(sys.modules, "matplotlib", None)
  monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
  r = _result(np.logspace(-3, 0, 20), np.linspace(1, 0, 20))
  with pytest.raises(ImportError, match=re.escape("pip install jaxsched[plot]")):
    r.plot()


# ------------------------------------------------------------ the docs example


def _docs_code():
  blocks = page_blocks("families/range-test.md")
  assert blocks, "docs/families/range-test.md has no python example"
  return "\n".join(blocks)


def test_docs_example_runs(tmp_path, monkeypatch):
  pytest.importorskip("matplotlib").use("Agg")
  monkeypatch.chdir(tmp_path)
  namespace = run_blocks([_docs_code()], "docs/families/range-test.md")
  assert (tmp_path / "lr_find.png").exists()
  lr = float(namespace["result"].suggestion())
  assert np.isfinite(lr) and 1e-6 < lr < 1.0
  per_seed = np.asarray(namespace["per_seed"])
  assert per_seed.shape == (4,) and np.all(np.isfinite(per_seed))
