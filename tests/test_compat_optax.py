"""jaxsched.compat.optax against optax: the golden table and the installed optax.

optax computes in float32; its jitted ("values") and eager ("values_eager")
results differ where XLA rewrites ``count / transition_steps`` as a product
with the reciprocal (tests/golden/NOTES.md, item 21). Each point is compared
with the nearer of the two; tolerance ``|got - ref| <= 1e-5 |ref| + 2e-7 peak``.
"""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from compat_check import check_vmap, compare, eager, evaluate_all, report

import jaxsched
from jaxsched.compat import optax as jo

GOLDEN = json.loads((Path(__file__).parent / "golden" / "optax.json").read_text())

FUNCTIONS = {
    "constant_schedule", "linear_schedule", "polynomial_schedule",
    "piecewise_constant_schedule", "piecewise_interpolate_schedule",
    "exponential_decay", "cosine_decay_schedule", "warmup_constant_schedule",
    "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule",
    "linear_onecycle_schedule", "cosine_onecycle_schedule", "sgdr_schedule",
    "join_schedules"}


def build(fn, kwargs):
  kw = dict(kwargs)
  if fn == "join_schedules":
    kw["schedules"] = [build(c["function"], c["kwargs"]) for c in kw["schedules"]]
  return getattr(jo, fn)(**kw)  # boundaries_and_scales stays a list of pairs


def build_optax(fn, kwargs):
  kw = dict(kwargs)
  bs = kw.get("boundaries_and_scales")
  if bs is not None and not isinstance(bs, dict):
    kw["boundaries_and_scales"] = {int(b): s for b, s in bs}
  if fn == "join_schedules":
    kw["schedules"] = [build_optax(c["function"], c["kwargs"])
                       for c in kw["schedules"]]
  return getattr(optax.schedules, fn)(**kw)


def _standard():
  """optax itself is not written for strict dtype promotion (conftest)."""
  return jax.numpy_dtype_promotion("standard")


MAX_ERR = {}


def test_golden_optax_all_cases():
  cases = GOLDEN["cases"]
  assert len(cases) >= 60
  scheds = [build(c["function"], c["kwargs"]) for c in cases]
  got_all = evaluate_all(scheds, [c["steps"] for c in cases])
  failures = []
  for case, got in zip(cases, got_all):
    refs = [np.asarray(case["values"])]
    if case.get("values_eager") is not None:
      refs.append(np.asarray(case["values_eager"], float))
    err = np.fmin.reduce([np.abs(got - r) for r in refs])
    compare(case["id"], case["steps"], got, refs[0], err, failures, MAX_ERR,
            case["function"])
  report("optax per function", MAX_ERR, 34)
  assert not failures, "\n".join(failures)
  assert set(MAX_ERR) == FUNCTIONS


# Extra configurations checked against the installed optax directly.
EXTRA = [
    ("constant_schedule", dict(value=2.5)),
    ("linear_schedule", dict(init_value=0.3, end_value=0.01, transition_steps=37,
                             transition_begin=11)),
    ("linear_schedule", dict(init_value=0.3, end_value=0.01, transition_steps=-4)),
    ("linear_schedule", dict(init_value=0.3, end_value=0.01, transition_steps=10,
                             transition_begin=-5)),
    ("polynomial_schedule", dict(init_value=0.5, end_value=0.05, power=3,
                                 transition_steps=23, transition_begin=4)),
    ("piecewise_constant_schedule", dict(init_value=0.2, boundaries_and_scales={
        3: 2.0, 1: 0.5, 17: 0.1, 40: 3.0})),
    ("piecewise_interpolate_schedule", dict(
        interpolate_type="cosine", init_value=0.2,
        boundaries_and_scales={3: 2.0, 9: 0.5, 17: 0.1, 40: 3.0})),
    ("piecewise_interpolate_schedule", dict(
        interpolate_type="linear", init_value=0.2,
        boundaries_and_scales={5: 2.0, 6: 0.5, 50: 0.1})),
    ("exponential_decay", dict(init_value=0.5, transition_steps=3, decay_rate=0.7,
                               transition_begin=6, staircase=True,
                               end_value=0.05)),
    ("exponential_decay", dict(init_value=0.5, transition_steps=0,
                               decay_rate=0.7, end_value=0.05)),
    ("exponential_decay", dict(init_value=0.5, transition_steps=4,
                               decay_rate=0.0)),
    ("exponential_decay", dict(init_value=0.5, transition_steps=4, decay_rate=1.0,
                               end_value=0.3)),
    ("cosine_decay_schedule", dict(init_value=0.4, decay_steps=29, alpha=0.25,
                                   exponent=1.5)),
    ("warmup_constant_schedule", dict(init_value=0.1, peak_value=0.7,
                                      warmup_steps=0)),
    ("warmup_cosine_decay_schedule", dict(init_value=0.01, peak_value=0.0,
                                          warmup_steps=5, decay_steps=40,
                                          end_value=0.2)),
    ("warmup_cosine_decay_schedule", dict(init_value=0.3, peak_value=1.0,
                                          warmup_steps=13, decay_steps=61,
                                          end_value=0.05, exponent=3.0)),
    ("warmup_exponential_decay_schedule", dict(
        init_value=0.0, peak_value=0.5, warmup_steps=0, transition_steps=7,
        decay_rate=0.5, staircase=True)),
    ("warmup_exponential_decay_schedule", dict(
        init_value=0.0, peak_value=0.5, warmup_steps=8, transition_steps=3,
        decay_rate=0.9, transition_begin=4, end_value=0.8)),
    ("linear_onecycle_schedule", dict(transition_steps=73, peak_value=0.3,
                                      pct_start=0.29, pct_final=0.29)),
    ("linear_onecycle_schedule", dict(transition_steps=40, peak_value=0.3,
                                      pct_start=0.2, pct_final=1.0)),
    ("cosine_onecycle_schedule", dict(transition_steps=59, peak_value=0.3,
                                      pct_start=0.41, div_factor=4.0,
                                      final_div_factor=7.0)),
]


def test_matches_installed_optax_on_extra_configs():
  steps = np.arange(-3, 90, dtype=np.int32)
  ours = evaluate_all([getattr(jo, fn)(**kw) for fn, kw in EXTRA],
                      [steps[3:]] * len(EXTRA))  # optax differs for negative steps
  with _standard():
    refs = jax.jit(lambda ks: [
        jax.vmap(build_optax(fn, kw))(k) for (fn, kw), k in zip(EXTRA, ks)])(
            [steps[3:]] * len(EXTRA))
  failures = []
  for (fn, kw), got, ref in zip(EXTRA, ours, refs):
    ref = np.broadcast_to(np.asarray(ref, np.float64), got.shape)
    compare(f"{fn}{kw}", steps[3:], got, ref, np.abs(got - ref), failures, {},
            fn)
  assert not failures, "\n".join(failures)


def test_sgdr_and_join_match_installed_optax():
  kws = [dict(init_value=0.0, peak_value=0.1 * 0.9**i, warmup_steps=1 + i % 3,
              decay_steps=10 + i, end_value=1e-3) for i in range(12)]
  s = jo.sgdr_schedule(kws)
  ref = optax.schedules.sgdr_schedule(kws)
  k = jnp.arange(0, 200, dtype=jnp.int32)
  failures = []
  with _standard():
    ref_k = np.asarray(jax.jit(ref)(k), float)
  got = np.asarray(eager(s, k), float)
  compare("sgdr", k, got, ref_k, np.abs(got - ref_k), failures, {}, "sgdr")
  # join_schedules accepts optax's own schedules as children
  j = jo.join_schedules([optax.schedules.linear_schedule(0.0, 1.0, 5),
                         jo.cosine_decay_schedule(1.0, 20)], [5])
  jr = optax.schedules.join_schedules(
      [optax.schedules.linear_schedule(0.0, 1.0, 5),
       optax.schedules.cosine_decay_schedule(1.0, 20)], [5])
  with _standard():
    jr_k = np.asarray(jax.jit(jr)(k), float)
    j_k = np.asarray(eager(j, k), float)
  compare("join", k, j_k, jr_k, np.abs(j_k - jr_k), failures, {}, "join")
  assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------
# Traced arguments, including those optax cannot trace.
# --------------------------------------------------------------------------
STEPS = jnp.arange(0, 70, dtype=jnp.int32)

VMAP_CASES = {
    "linear_schedule": (lambda a, b, t, s: jo.linear_schedule(a, b, t, s),
                        [[0.1, 1.0, 0.5], [0.0, 0.2, 1.0], [10, 0, 33],
                         [0, 5, 12]]),
    "polynomial_schedule": (lambda a, b, p, t: jo.polynomial_schedule(a, b, p, t),
                            [[0.1, 1.0, 0.5], [0.0, 0.2, 1.0], [1.0, 2.0, 0.5],
                             [10, -3, 33]]),
    "piecewise_constant_schedule": (
        lambda v, b, s: jo.piecewise_constant_schedule(
            v, (jnp.asarray(b), jnp.asarray(s))),
        [[0.1, 1.0, 0.5], [[5, 20], [0, 30], [10, 10]],
         [[0.5, 0.1], [2.0, 0.5], [0.3, 0.3]]]),
    "piecewise_interpolate_schedule": (
        lambda v, b, s: jo.piecewise_interpolate_schedule(
            "cosine", v, (jnp.asarray(b), jnp.asarray(s))),
        [[0.1, 1.0, 0.5], [[5, 20], [0, 30], [10, 10]],
         [[0.5, 0.1], [2.0, 0.5], [0.3, 0.3]]]),
    "exponential_decay": (lambda v, t, r, b: jo.exponential_decay(
        v, t, r, b, end_value=0.05),
                          [[0.1, 1.0, 0.5], [10, 0, 3], [0.9, 0.5, 0.0],
                           [0, 5, 2]]),
    "cosine_decay_schedule": (lambda v, t, a, e: jo.cosine_decay_schedule(
        v, t, a, e), [[0.1, 1.0, 0.5], [10, 70, 33], [0.0, 0.1, 0.5],
                      [1.0, 2.0, 0.5]]),
    "warmup_constant_schedule": (lambda a, b, w: jo.warmup_constant_schedule(
        a, b, w), [[0.0, 0.1, 0.5], [1.0, 0.2, 0.7], [10, 0, 5]]),
    "warmup_cosine_decay_schedule": (
        lambda a, p, w, t, e: jo.warmup_cosine_decay_schedule(a, p, w, t, e),
        [[0.0, 0.1, 0.5], [1.0, 0.0, 0.7], [10, 0, 5], [50, 30, 66],
         [0.0, 0.2, 0.01]]),
    "warmup_exponential_decay_schedule": (
        lambda a, p, w, t, r: jo.warmup_exponential_decay_schedule(
            a, p, w, t, r, staircase=True),
        [[0.0, 0.1, 0.5], [1.0, 0.2, 0.7], [10, 0, 5], [5, 3, 7],
         [0.5, 0.9, 0.0]]),
    "linear_onecycle_schedule": (
        lambda t, p, s, f, d, g: jo.linear_onecycle_schedule(t, p, s, f, d, g),
        [[40, 64, 50], [1.0, 0.1, 0.5], [0.25, 0.375, 0.5], [0.75, 0.875, 0.9],
         [25.0, 10.0, 4.0], [1e4, 100.0, 10.0]]),
    "cosine_onecycle_schedule": (
        lambda t, p, s, d, g: jo.cosine_onecycle_schedule(t, p, s, d, g),
        [[40, 64, 50], [1.0, 0.1, 0.5], [0.25, 0.375, 0.5], [25.0, 10.0, 4.0],
         [1e4, 100.0, 10.0]]),
    "sgdr_schedule": (lambda p, w, d: jo.sgdr_schedule(
        [dict(init_value=0.0, peak_value=p, warmup_steps=w, decay_steps=d)] * 3),
                      [[1.0, 0.1, 0.5], [2, 0, 5], [10, 20, 7]]),
    "join_schedules": (lambda v, b: jo.join_schedules(
        [jo.constant_schedule(v), jo.linear_schedule(v, 0.0, 10)], [b]),
                       [[1.0, 0.1, 0.5], [5, 0, 30]]),
}


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap_over_arguments_optax_cannot_trace(name):
  make, cols = VMAP_CASES[name]
  check_vmap(name, make, cols, STEPS)


def test_optax_itself_cannot_trace_these():
  with pytest.raises(jax.errors.TracerBoolConversionError):
    jax.vmap(lambda t: optax.schedules.exponential_decay(1.0, t, 0.9)(3))(
        jnp.asarray([1, 2]))
  got = jax.vmap(lambda t: jo.exponential_decay(1.0, t, 0.9)(3))(
      jnp.asarray([1, 2]))
  np.testing.assert_allclose(got, [0.9**3, 0.9**1.5], rtol=1e-6)


def test_vmapped_onecycle_equals_optax_one_by_one():
  ts, ps = [40, 64, 50], [0.25, 0.375, 0.5]
  k = jnp.arange(0, 70, dtype=jnp.int32)
  # under jit: one compile each (an eager vmap compiles operation by operation)
  got = jax.jit(jax.vmap(lambda t, p: jo.cosine_onecycle_schedule(t, 1.0, p)(k)))(
      jnp.asarray(ts), jnp.asarray(ps))
  for i, (t, p) in enumerate(zip(ts, ps)):
    with _standard():
      ref = jax.jit(jax.vmap(optax.schedules.cosine_onecycle_schedule(t, 1.0, p)))(k)
    np.testing.assert_allclose(got[i], ref, rtol=1e-5, atol=2e-7)


# --------------------------------------------------------------------------
# Structure: compile cost independent of the number of boundaries/cycles.
# --------------------------------------------------------------------------
def _eqns(s):
  return len(jax.make_jaxpr(s)(jnp.int32(5)).eqns)


def test_sgdr_is_one_stacked_join():
  kw = dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=10)
  three = jo.sgdr_schedule([kw] * 3)
  few = jo.sgdr_schedule([dict(kw, peak_value=0.99**i) for i in range(20)])
  many = jo.sgdr_schedule([dict(kw, peak_value=0.99**i) for i in range(300)])
  assert isinstance(many, jaxsched.Schedule)
  assert len(three.groups) == len(few.groups) == len(many.groups) == 1
  # the boundary search unrolls up to four passes (fewer than 16 boundaries) and
  # loops one pass body beyond: 20 and 300 segments trace the same program
  assert _eqns(few) == _eqns(many) <= _eqns(three)


def test_piecewise_constant_is_one_vectorised_lookup():
  few = jo.piecewise_constant_schedule(1.0, {i * 10: 0.99 for i in range(1, 4)})
  many = jo.piecewise_constant_schedule(1.0, {i * 10: 0.99 for i in range(1, 3000)})
  assert type(many).__name__ == "PiecewiseConstant"
  # searchsorted's method may switch with the count; never a per-boundary loop
  assert _eqns(many) <= _eqns(few) + 5
  assert float(many(29995)) == pytest.approx(0.99**2999, rel=1e-5)


# --------------------------------------------------------------------------
# boundaries_and_scales forms, special cases, messages.
# --------------------------------------------------------------------------
def test_boundaries_and_scales_forms_agree():
  k = jnp.arange(30)
  want = eager(jo.piecewise_constant_schedule(0.5, {20: 0.1, 10: 0.5}), k)
  forms = [[(20, 0.1), (10, 0.5)], [[10, 0.5], [20, 0.1]],
           (np.asarray([20, 10]), np.asarray([0.1, 0.5])),
           (jnp.asarray([10, 20]), jnp.asarray([0.5, 0.1])),
           np.asarray([[10, 0.5], [20, 0.1]])]
  for form in forms:
    np.testing.assert_array_equal(eager(jo.piecewise_constant_schedule(0.5, form), k),
                                  want)
  traced = jax.jit(lambda b, s: jo.piecewise_constant_schedule(0.5, (b, s))(k))(
      jnp.asarray([10, 20]), jnp.asarray([0.5, 0.1]))
  np.testing.assert_array_equal(traced, want)
  assert eager(jo.piecewise_constant_schedule(0.5), k).tolist() == [0.5] * 30


def test_concrete_special_cases_match_optax():
  k = jnp.arange(12)
  for fn, kw in [("linear_schedule", dict(init_value=0.3, end_value=0.0,
                                          transition_steps=0)),
                 ("exponential_decay", dict(init_value=0.3, transition_steps=-1,
                                            decay_rate=0.5, end_value=0.1)),
                 ("exponential_decay", dict(init_value=0.3, transition_steps=2,
                                            decay_rate=0.0))]:
    np.testing.assert_allclose(eager(getattr(jo, fn)(**kw), k), 0.3, rtol=1e-7)
    with _standard():
      np.testing.assert_allclose(jax.vmap(build_optax(fn, kw))(k), 0.3, rtol=1e-7)


def test_piecewise_linear_cosine_interpolation():
  s = jaxsched.piecewise_linear([0, 10, 10, 30], [1.0, 0.0, 2.0, 1.0],
                                interpolation="cosine")
  k = np.arange(0, 40)
  want = np.where(k < 10, 0.5 * (1 + np.cos(np.pi * k / 10)),
                  np.where(k < 30, 1.0 + 0.5 * (1 + np.cos(np.pi * (k - 10) / 20)),
                           1.0))
  np.testing.assert_allclose(eager(s, jnp.asarray(k)), want, rtol=1e-6, atol=1e-7)
  assert s.to_config()["interpolation"] == "cosine"
  assert jaxsched.from_config(s.to_config()) == s


@pytest.mark.parametrize("make, message", [
    (lambda: jo.cosine_decay_schedule(1.0, 0),
     r"^compat\.optax\.cosine_decay_schedule: `decay_steps` must be > 0, got "
     r"decay_steps=0\. The cosine decay needs a positive number of steps\.$"),
    (lambda: jo.warmup_cosine_decay_schedule(0.0, 1.0, 10, 10),
     r"^compat\.optax\.warmup_cosine_decay_schedule: `decay_steps` must be > "
     r"warmup_steps=10, got decay_steps=10\. decay_steps is the total length"),
    (lambda: jo.piecewise_constant_schedule(1.0, {10: -0.5}),
     r"^compat\.optax\.piecewise_constant_schedule: `boundaries_and_scales` must "
     r"be >= 0 everywhere, got boundaries_and_scales=\[-0\.5\]\. optax expects "
     r"non-negative scale factors\.$"),
    (lambda: jo.piecewise_constant_schedule(1.0, [(10, 0.5, 3)]),
     r"^compat\.optax\.piecewise_constant_schedule: `boundaries_and_scales` must "
     r"be a dict or \(boundary, scale\) pairs"),
    (lambda: jo.piecewise_interpolate_schedule("cubic", 1.0),
     r"^compat\.optax\.piecewise_interpolate_schedule: `interpolate_type` must "
     r"be 'linear' or 'cosine', got interpolate_type='cubic'\."),
    (lambda: jo.linear_onecycle_schedule(0, 1.0),
     r"^compat\.optax\.linear_onecycle_schedule: `transition_steps` must be > 0, "
     r"got transition_steps=0\."),
    (lambda: jo.exponential_decay(1.0, 10, -0.5),
     r"^compat\.optax\.exponential_decay: `decay_rate` must be >= 0, got "
     r"decay_rate=-0\.5\."),
    (lambda: jo.sgdr_schedule([]),
     r"^compat\.optax\.sgdr_schedule: `cosine_kwargs` must hold at least one "
     r"dict, got \[\]\."),
    (lambda: jo.linear_schedule(1.0, 0.0, 2.5),
     r"^compat\.optax\.linear_schedule: `transition_steps` must be a whole "
     r"number of steps, got transition_steps=2\.5\."),
    (lambda: jaxsched.piecewise_linear([0, 1], [1.0, 0.0], interpolation="cos"),
     r"^piecewise_linear: `interpolation` must be one of 'linear', 'cosine', "
     r"got interpolation='cos'\."),
])
def test_validation_messages(make, message):
  with pytest.raises(ValueError, match=message):
    make()


def test_signatures_match_optax():
  import inspect
  for name in FUNCTIONS:
    ours = inspect.signature(getattr(jo, name))
    theirs = inspect.signature(getattr(optax.schedules, name))
    assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == [
        (p.name, p.default, p.kind) for p in theirs.parameters.values()], name
  assert set(jo.__all__) == FUNCTIONS


def test_compat_schedules_round_trip_through_configs():
  from jaxsched.compat import keras as jk
  from jaxsched.compat import torch as jt
  k = jnp.arange(60)
  for s in [jt.CosineAnnealingLR(0.1, 10, 0.01),
            jt.CyclicLR(0.1, 1.0, 4, mode="exp_range", gamma=0.99),
            jt.ExponentialLR(0.1, 0.999),
            jk.CosineDecayRestarts(1.0, 10, alpha=0.1),
            jk.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=3),
            jo.sgdr_schedule([dict(init_value=0.0, peak_value=1.0,
                                   warmup_steps=2, decay_steps=10)] * 4),
            jo.piecewise_interpolate_schedule("cosine", 1.0, {5: 0.5}),
            jo.warmup_exponential_decay_schedule(0.0, 1.0, 5, 3, 0.9)]:
    back = jaxsched.from_config(json.dumps(s.to_config()))
    np.testing.assert_array_equal(eager(back, k), eager(s, k))
