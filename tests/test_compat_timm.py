"""jaxsched.compat.timm against timm's own numbers (tests/golden/timm.json).

Every golden case is rebuilt with the compat constructor and evaluated in one
jitted call (schedules passed as arguments, so traced); tolerance is float32's:
``|got - ref| <= 1e-5 |ref| + 2e-7 peak``. The goldens store every step of each
horizon, so every warmup end, cycle start, cycle limit, milestone and decay
step is checked with its neighbours at -1 and +1. Noise is not torch's
generator (documented): inside the noise range the value must be
``clean * (1 + n)`` with ``|n| < noise_pct``, outside it timm's exact number.
"""

import functools
import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from compat_check import apply_each, check_vmap, compare, evaluate_all, report
from padded import at, pad_length

import jaxsched
from jaxsched.compat import timm as jt

GOLDEN = json.loads((Path(__file__).parent / "golden" / "timm.json").read_text())
CURVES = [c for c in GOLDEN["cases"] if c["kind"] != "plateau"]
MAX_ERR = {}
# Every eager evaluation of this file runs at this one step count (steps padded
# with their last step): eager JAX compiles each operation once per shape, so
# the eager checks of all tests share their compiles.
EAGER_WIDTH = 2000
# the padded step count of the golden test's jitted evaluation (evaluate_all):
# the concrete rows of the vmap checks pad to it too and reuse the compile of
# every schedule of a golden case's class and structure
GOLDEN_LENGTH = pad_length(max(len(c["steps"]) for c in CURVES))


def build(case):
  if case["kind"] == "class":
    return getattr(jt, case["cls"])(case["lr"], **case["kwargs"])
  s, _ = jt.create_scheduler_v2(case["lr"], **case["kwargs"])
  return s


def _noise_pct(case):
  kw = case["kwargs"]
  return kw.get("noise_pct", 0.67)


@functools.cache
def _golden_jitted():
  """Every golden case under the shared jit (one compile per class and
  structure); the eager-vs-jit test compares against the same arrays."""
  return evaluate_all([build(c) for c in CURVES], [c["steps"] for c in CURVES])


def test_golden_timm_all_cases():
  assert len(CURVES) >= 40
  got_all = _golden_jitted()
  failures = []
  for case, got in zip(CURVES, got_all):
    assert case["steps"] == list(range(len(case["steps"])))  # every step: +-1
    ref = np.asarray(case["values"])
    clean = np.asarray(case.get("clean_values", case["values"]))
    noisy = ref != clean  # timm's noisy steps
    err = np.abs(np.where(noisy, clean, got) - clean)
    key = case["cls"] if case["kind"] == "class" else "create_scheduler_v2"
    compare(case["id"], case["steps"], np.where(noisy, clean, got), clean, err,
            failures, MAX_ERR, key)
    if noisy.any():
      pct = _noise_pct(case)
      ratio = got[noisy] / clean[noisy] - 1.0
      assert np.all(np.abs(ratio) < pct + 1e-6), case["id"]
      assert np.all(ratio != 0.0), case["id"]  # noise applied where timm applies it
      assert np.all(np.abs(ref[noisy] / clean[noisy] - 1.0) < pct)
      assert not np.allclose(got[noisy], ref[noisy])  # not torch's generator
  report("timm " + GOLDEN["version"], MAX_ERR, 22)
  assert not failures, "\n".join(failures[:20])


def test_golden_create_scheduler_v2_num_epochs():
  for case in CURVES:
    if case["kind"] == "factory":
      _, n = jt.create_scheduler_v2(case["lr"], **case["kwargs"])
      assert n == case["num_epochs"], case["id"]


@jax.jit
def _plateau_update(p, state, metric):
  return p.update(state, value=metric)


def test_golden_plateau():
  cases = [c for c in GOLDEN["cases"] if c["kind"] == "plateau"]
  assert len(cases) == 2
  for case in cases:
    p = jt.PlateauLRScheduler(case["lr"], **case["kwargs"])
    st, got = p.init(), []
    for m in case["metrics"]:
      st = _plateau_update(p, st, m)
      got.append(float(p(st)))
    np.testing.assert_allclose(got, case["values"], rtol=1e-6, err_msg=case["id"])


def test_eager_equals_jit_and_integer_dtypes():
  # one case of each class and a few factory ones (a second jit of all 41
  # cases would double the compile time of this file)
  firsts = {}
  for c in CURVES:
    firsts.setdefault(c.get("cls"), c)
  picked = [c for k, c in firsts.items() if k] + [
      c for c in CURVES if c["kind"] == "factory"][:3] + [
          c for c in CURVES if "noise_range_t" in c["kwargs"]][:1]
  scheds = [build(c) for c in picked]
  steps = [np.asarray(c["steps"]) for c in picked]
  # the int32 jitted values are the golden test's (same schedules, same steps)
  index = {id(c): i for i, c in enumerate(CURVES)}
  jitted = [_golden_jitted()[index[id(c)]] for c in picked]
  uint = apply_each(scheds, [k.astype(np.uint32) for k in steps])
  # eagerly at the file's one padded width (with the last step): eager JAX
  # compiles each operation once per shape, so one shape serves every case
  for case, s, k, j, u in zip(picked, scheds, steps, jitted, uint):
    eager = np.asarray(at(s, k, EAGER_WIDTH), np.float64)
    np.testing.assert_allclose(eager, j, rtol=1e-6, atol=1e-9, err_msg=case["id"])
    np.testing.assert_array_equal(np.asarray(u, np.float64), j, err_msg=case["id"])


STEPS = jnp.arange(0, 130, dtype=jnp.int32)


def test_vmap_over_every_numeric_argument_cycles():
  def cos(lr, t, lo, mul, dec, lim, w, wi, k, pct, std, seed, n0, n1):
    return jt.CosineLRScheduler(lr, t, lr_min=lo, cycle_mul=mul, cycle_decay=dec,
                                cycle_limit=lim, warmup_t=w, warmup_lr_init=wi,
                                k_decay=k, noise_range_t=(n0, n1), noise_pct=pct,
                                noise_std=std, noise_seed=seed)

  cols = [[0.1, 0.05, 1.0], [20, 7, 30], [1e-3, 0.0, 0.01], [2.0, 1.0, 1.5],
          [0.5, 1.0, 0.9], [3, 1, 10], [5, 0, 12], [1e-4, 0.0, 0.01],
          [1.0, 2.0, 0.5], [0.2, 0.67, 0.1], [1.0, 0.5, 2.0], [3, 42, 0],
          [30, 0, 60], [50, 120, 61]]
  check_vmap("CosineLRScheduler", cos, cols, STEPS, GOLDEN_LENGTH)

  def tanh(lr, t, lb, ub, lo, mul, dec, lim, w, wi):
    return jt.TanhLRScheduler(lr, t, lb=lb, ub=ub, lr_min=lo, cycle_mul=mul,
                              cycle_decay=dec, cycle_limit=lim, warmup_t=w,
                              warmup_lr_init=wi)

  check_vmap("TanhLRScheduler", tanh,
             [[0.1, 1.0, 0.5], [20, 9, 40], [-7.0, -5.0, -2.0], [3.0, 5.0, 1.0],
              [0.0, 1e-3, 0.01], [1.0, 2.0, 1.5], [1.0, 0.5, 0.8], [1, 3, 5],
              [0, 5, 10], [0.0, 1e-4, 0.01]], STEPS, GOLDEN_LENGTH)

  def poly(lr, t, p, lo, mul, dec, lim, w, wi, k):
    return jt.PolyLRScheduler(lr, t, power=p, lr_min=lo, cycle_mul=mul,
                              cycle_decay=dec, cycle_limit=lim, warmup_t=w,
                              warmup_lr_init=wi, warmup_prefix=True, k_decay=k)

  check_vmap("PolyLRScheduler", poly,
             [[0.1, 1.0, 0.5], [20, 9, 40], [0.5, 2.0, 1.0], [0.0, 1e-3, 0.01],
              [1.0, 2.0, 1.5], [1.0, 0.5, 0.8], [1, 3, 5], [0, 5, 10],
              [0.0, 1e-4, 0.01], [1.0, 2.0, 0.5]], STEPS, GOLDEN_LENGTH)


def test_vmap_over_every_numeric_argument_steps_and_factory():
  def step(lr, t, r, w, wi):
    return jt.StepLRScheduler(lr, t, decay_rate=r, warmup_t=w, warmup_lr_init=wi)

  # fractional intervals exact in float32 (2.5): a traced 2.4 is rounded to
  # float32 and may step one t off timm at its multiples (documented)
  check_vmap("StepLRScheduler", step, [[0.1, 1.0, 0.5], [10, 2.5, 33],
                                       [0.5, 0.8, 0.1], [0, 3, 10],
                                       [0.0, 1e-3, 0.01]], STEPS, GOLDEN_LENGTH)

  def multi(lr, m0, m1, r, w, wi):
    return jt.MultiStepLRScheduler(lr, [m0, m1], decay_rate=r, warmup_t=w,
                                   warmup_lr_init=wi, warmup_prefix=False)

  check_vmap("MultiStepLRScheduler", multi, [[0.1, 1.0, 0.5], [0, 10, 20],
                                             [5, 30, 20], [0.5, 0.1, 0.9],
                                             [0, 3, 10], [0.0, 1e-3, 0.01]], STEPS, GOLDEN_LENGTH)

  def factory(lr, ne, w, wl, lo, k, cd, noise, upe):
    s, _ = jt.create_scheduler_v2(lr, "cosine", num_epochs=ne, warmup_epochs=w,
                                  warmup_lr=wl, min_lr=lo, k_decay=k,
                                  cycle_decay=cd, cycle_limit=2, noise=noise,
                                  step_on_epochs=False, updates_per_epoch=upe)
    return s

  check_vmap("create_scheduler_v2", factory,
             [[0.1, 1.0, 0.5], [10, 4, 7], [1, 0, 2], [1e-5, 0.0, 1e-3],
              [0.0, 1e-4, 1e-2], [1.0, 1.5, 0.5], [0.1, 0.5, 1.0],
              [0.5, 0.3, 0.9], [5, 3, 9]], STEPS, GOLDEN_LENGTH)


def test_noise_is_a_pure_function_of_step_and_seed():
  def make(seed):
    return jt.CosineLRScheduler(0.1, 1000, noise_range_t=0, noise_pct=0.5,
                                noise_std=0.5, noise_seed=seed)

  k = jnp.arange(EAGER_WIDTH, dtype=jnp.int32)
  s = make(7)
  eager = np.asarray(s(k))
  # the same draws (the noise is O(0.1) relative; XLA may round the
  # inverse-erf transform differently by an ulp between eager and jit)
  same = lambda a: np.testing.assert_allclose(np.asarray(a), eager, rtol=1e-6)
  same(jax.jit(s)(k))
  same(jax.jit(lambda s, k: s(k))(s, k))
  same(np.asarray(s(k.reshape(40, 50))).reshape(-1))
  same(jax.jit(jax.vmap(s))(k))  # vmap under jit: eager vmap compiles per op
  same(np.asarray(s(k[::-1]))[::-1])
  seeds = jnp.asarray([7, 8, 9])
  swept = jax.jit(jax.vmap(lambda sd: make(sd)(k)))(seeds)
  same(swept[0])
  assert not np.allclose(np.asarray(swept[1]), eager)
  # the law: timm's rejection rule, a normal of std 0.5 truncated to (-0.5, 0.5)
  clean = np.asarray(jt.CosineLRScheduler(0.1, 1000)(k))
  n = (eager / clean - 1.0)[clean > 1e-3]
  assert np.all(np.abs(n) < 0.5)
  a = 0.5 / 0.5  # truncation point in standard deviations
  phi = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
  var = 0.25 * (1 - 2 * a * phi / math.erf(a / math.sqrt(2)))
  assert abs(np.mean(n)) < 0.02
  assert abs(np.std(n) / math.sqrt(var) - 1.0) < 0.08


def test_updates_per_epoch_and_config_round_trip():
  s = jt.CosineLRScheduler(0.1, 10, warmup_t=2, noise_range_t=4, noise_pct=0.1,
                           updates_per_epoch=5)
  per_epoch = jt.CosineLRScheduler(0.1, 10, warmup_t=2, noise_range_t=4,
                                   noise_pct=0.1)
  k = np.arange(60)  # eagerly, at the file's one width
  got = at(s, k, EAGER_WIDTH)
  np.testing.assert_array_equal(got, at(per_epoch, k // 5, EAGER_WIDTH))
  back = jaxsched.from_config(json.dumps(s.to_config()))
  assert back == s
  np.testing.assert_array_equal(at(back, k, EAGER_WIDTH), got)


@pytest.mark.parametrize("call,match", [
    (lambda: jt.CosineLRScheduler(0.1, 0), r"CosineLRScheduler: `period`|t_initial"),
    (lambda: jt.TanhLRScheduler(0.1, 10, lb=3.0, ub=-7.0), r"tanh_upper"),
    (lambda: jt.CosineLRScheduler(-1.0, 10), r"compat.timm.CosineLRScheduler: `lr`"),
    (lambda: jt.CosineLRScheduler(0.1, 10, noise_range_t=(1, 2, 3)),
     r"compat.timm.CosineLRScheduler: `noise_range_t`"),
    (lambda: jt.CosineLRScheduler(0.1, 10, t_in_epochs=False, updates_per_epoch=4),
     r"updates_per_epoch"),
    (lambda: jt.PlateauLRScheduler(0.1, warmup_t=3), r"PlateauLRScheduler: `warmup_t`"),
    (lambda: jt.create_scheduler_v2(0.1, "wsd"), r"create_scheduler_v2: `sched`"),
    (lambda: jt.create_scheduler_v2(0.1, "cosine", step_on_epochs=False),
     r"create_scheduler_v2: `updates_per_epoch`"),
])
def test_errors_name_function_argument_and_fix(call, match):
  with pytest.raises(ValueError, match=match):
    call()
