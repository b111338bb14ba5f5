"""Schedules that know the training run: units, accumulation, stretch, extend,
cooldown_from, ratio forms and batch-size scaling.

Expected values come from closed forms written here in float64 NumPy, from the
formulas in the docstrings and the reference libraries' documented rules
(composer's duration strings, optax.MultiSteps, transformers' warmup_ratio and
WSD lambdas, timm's lr_base_scale), never from the implementation.
"""

from __future__ import annotations

import functools
import json
import math
import pathlib
import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from padded import pad, round_up

import jaxsched as js

RTOL, ATOL = 2e-6, 1e-7


# -- closed-form references (float64) -----------------------------------------


def ref_wcd(peak, w, total, t, end=0.0):
  """Linear warmup 0 -> peak over w steps, cosine to end at total, held."""
  t = np.asarray(t, np.float64)
  up = peak * t / max(w, 1)
  frac = np.clip((t - w) / max(total - w, 1), 0.0, 1.0)
  down = end + (peak - end) * 0.5 * (1.0 + np.cos(np.pi * frac))
  return np.where(t < w, up, down)


def ref_step_decay(t, size, gamma=0.5):
  return gamma ** np.floor(np.asarray(t, np.float64) / size)


def ref_ramp_then_one(t, w):
  t = np.asarray(t, np.float64)
  return np.where(t < w, t / max(w, 1), 1.0)


@functools.partial(jax.jit, static_argnames="unsigned")
def _jit_variants(s, k, unsigned):
  out = {"jit": s(k), "float32": s(k.astype(jnp.float32)),
         "vmap": jax.vmap(s)(k)}
  if unsigned:
    out["uint32"] = s(k.astype(jnp.uint32))
  return out


@jax.jit
def _jit_call(s, k):
  return s(k)


def _variants(s, k, unsigned):
  """One compilation per schedule structure (and sign of the steps), reused
  across numbers: the uint32 steps run in the same program."""
  return _jit_variants(s, k, unsigned)


PAD = 128  # eager and jitted calls run at one padded length: one compile per op


def padded(steps, size=PAD):
  """``steps`` repeated at its last step up to a multiple of ``size``."""
  return pad(steps, round_up(len(np.asarray(steps)), size))


def ev(schedule, steps, dtype=None, size=PAD):
  """``schedule(steps)`` evaluated eagerly at the padded length, sliced back."""
  k = padded(steps, size)
  k = jnp.asarray(k) if dtype is None else jnp.asarray(k, dtype)
  return np.asarray(schedule(k))[:len(np.asarray(steps))]  # slice in NumPy


def check(schedule, steps, want):
  check_all([(schedule, steps, want)])


def check_all(cases):
  """For each (schedule, steps, want): eager (int32), jit with the schedule as
  an argument (int32, uint32, float32 steps and vmap over steps) and jit with
  it closed over agree with ``want``. The steps are padded to one length, and
  the closed-over schedules of one call share one jit."""
  ks, rows = [], []
  for schedule, steps, want in cases:
    steps = np.asarray(steps)
    k32 = jnp.asarray(padded(steps), jnp.int32)
    unsigned = bool(np.all(steps >= 0))
    ks.append(k32)
    rows.append((schedule, len(steps), np.asarray(want, np.float64),
                 {"eager": schedule(k32), **_variants(schedule, k32, unsigned)}))
  closed = jax.jit(lambda ks: [s(k) for (s, *_), k in zip(rows, ks)])(ks)
  for (_, n, want, outs), got_closed in zip(rows, closed):
    outs["jit_closed"] = got_closed
    for how, got in outs.items():
      assert got.dtype == jnp.float32, how
      np.testing.assert_allclose(np.asarray(got, np.float64)[:n], want,
                                 rtol=RTOL, atol=ATOL, err_msg=how)


def around(*points, lo=0):
  """Every point and its neighbours +-1 (not below ``lo``)."""
  return sorted({p + d for p in points for d in (-1, 0, 1) if p + d >= lo})


# -- units ---------------------------------------------------------------------

RUN = js.Run(steps_per_epoch=390, batch_size=128, tokens_per_sample=1024,
             total_steps=7800)


@pytest.mark.parametrize("text,want", [
    ("250ba", 250), ("0ba", 0), ("10ep", 10 * 390), ("0.5ep", 195),
    ("1.5ep", 585), (".25ep", 97),                  # floor(97.5)
    ("1280sp", 10), ("1300sp", 10), ("127sp", 0),   # floor(samples / batch)
    ("2.6e7tok", 26_000_000 // (128 * 1024)), ("131072tok", 1),
    ("0.05dur", 390), ("1dur", 7800), ("0.57dur", 4446), ("1.5dur", 11700),
    (" 3ep ", 1170),
])
def test_duration_strings_resolve_as_documented(text, want):
  got = js.to_steps(text, RUN)
  assert got == want and isinstance(got, int)
  assert RUN.steps(text) == want


def test_fractions_resolve_exactly_where_binary_floats_do_not():
  run = js.Run(total_steps=100)
  assert int(0.57 * 100) == 56  # the trap: 0.57 is 0.569999... in binary
  assert js.to_steps("0.57dur", run) == 57
  assert js.to_steps("0.29dur", run) == 29 and int(0.29 * 100) == 28


def test_numbers_pass_through_as_steps():
  assert js.to_steps(120) == 120 and js.to_steps(7.5) == 7.5
  x = jnp.asarray(3)
  assert js.to_steps(x) == 3


def test_traced_run_values_stay_traced_and_agree_with_concrete():
  texts = ["0.57dur", "0.1dur", "0.33dur", "1.5dur", "0.8dur"]
  totals = np.arange(1, 700)

  def resolve(total):
    run = js.Run(total_steps=total, steps_per_epoch=total, batch_size=total,
                 tokens_per_sample=3)
    vals = [js.to_steps(t, run) for t in texts + ["1.5ep", "1000sp", "9999tok"]]
    assert all(isinstance(v, jax.core.Tracer) for v in vals)
    return jnp.stack(vals)

  got = np.asarray(jax.jit(jax.vmap(resolve))(jnp.asarray(totals, jnp.int32)))
  want = np.array([[js.to_steps(t, js.Run(total_steps=int(n), steps_per_epoch=int(n),
                                          batch_size=int(n), tokens_per_sample=3))
                    for t in texts + ["1.5ep", "1000sp", "9999tok"]]
                   for n in totals])
  np.testing.assert_array_equal(got, want)


def test_run_is_a_pytree_and_validates():
  run = js.Run(steps_per_epoch=10, total_steps=100)
  leaves, treedef = jax.tree_util.tree_flatten(run)
  assert leaves == [10, 100]
  back = jax.tree_util.tree_unflatten(treedef, leaves)
  assert back == run
  out = jax.jit(lambda r: js.to_steps("0.5dur", r))(run)
  assert float(out) == 50.0
  with pytest.raises(ValueError, match=re.escape(
      "Run: `steps_per_epoch` must be > 0, got steps_per_epoch=0. Pass the "
      "number of optimizer steps per epoch (>= 1), or None.")):
    js.Run(steps_per_epoch=0)
  with pytest.raises(ValueError, match="Run: `total_steps` must be a whole"):
    js.Run(total_steps=10.5)


@pytest.mark.parametrize("text,run,message", [
    ("10xx", RUN, "to_steps: `duration` has an unknown unit 'xx', got "
     "duration='10xx'. Use one of \"ba\", \"ep\", \"sp\", \"tok\", \"dur\""),
    ("-10ep", RUN, "to_steps: `duration` must be >= 0, got duration='-10ep'. "
     "Pass a non-negative duration such as \"10ep\""),
    ("ep", RUN, "to_steps: `duration` must be a number followed by a unit"),
    ("10", RUN, "got duration='10'. Pass a duration such as \"10ep\", "
     "\"1000ba\", \"2e9tok\", \"0.1dur\" or \"512sp\", or a plain number of steps"),
    ("1.5ba", RUN, "to_steps: `duration` must be a whole number of batches, got "
     "duration='1.5ba'."),
    ("10ep", None, "to_steps: `duration`='10ep' counts epochs, which needs "
     "run.steps_per_epoch (the number of optimizer steps per epoch), got "
     "run=None. Pass run=jaxsched.Run(steps_per_epoch=...)"),
    ("2e9tok", js.Run(batch_size=8), "`duration`='2e9tok' counts tokens, which "
     "needs run.tokens_per_sample (the number of tokens per sample (the sequence "
     "length)), got run.tokens_per_sample=None."),
    ("0.1dur", js.Run(steps_per_epoch=3), "needs run.total_steps"),
])
def test_bad_durations_name_argument_value_and_fix(text, run, message):
  with pytest.raises(ValueError, match=re.escape(message)):
    js.to_steps(text, run)


def test_negative_number_of_steps_is_rejected():
  with pytest.raises(ValueError, match=re.escape(
      "to_steps: `duration` must be >= 0, got duration=-3.")):
    js.to_steps(-3)


def test_callers_name_their_own_argument():
  s = js.constant(1.0)
  with pytest.raises(ValueError, match=re.escape(
      "cooldown_from: `start` has an unknown unit 'xx', got start='10xx'.")):
    js.cooldown_from(s, "10xx", 5)
  with pytest.raises(ValueError, match=re.escape(
      "stretch: `new_total_steps`='2ep' counts epochs, which needs "
      "run.steps_per_epoch")):
    js.stretch(s, 10, "2ep")
  with pytest.raises(ValueError, match=re.escape(
      "warmup_decay_ratio: `total_steps` must be a whole number of batches")):
    js.warmup_decay_ratio(1.0, "2.5ba")


def test_durations_inside_schedules_resolve_at_construction():
  run = js.Run(steps_per_epoch=100, total_steps=1000)
  s = js.cooldown_from(js.constant(1.0), "8ep", "0.2dur", run=run)
  assert s.to_config()["start"] == 800 and s.to_config()["length"] == 200
  assert js.from_config(s.to_config()) == s


# -- gradient accumulation --------------------------------------------------------

K, UPDATES = 3, 9
BASE = js.warmup_cosine_decay(1.0, 2, 8, end_value=0.1)  # written in updates


def test_accumulate_closed_form_at_every_micro_step():
  m = np.arange(0, K * UPDATES + 2)
  check(js.accumulate(BASE, K), m, ref_wcd(1.0, 2, 8, m // K, end=0.1))


def _grads(n):
  return jax.random.normal(jax.random.key(0), (n, 2))


def _run_opt(tx, grads):
  """Params after every micro-step and the optimizer state history."""
  def step(carry, g):
    w, state = carry
    upd, state = tx.update(g, state, w)
    w = optax.apply_updates(w, upd)
    return (w, state), (w, state)

  w0 = jnp.zeros(2)
  _, (ws, states) = jax.jit(lambda: jax.lax.scan(step, (w0, tx.init(w0)),
                                                 grads))()
  return np.asarray(ws, np.float64), states


def test_accumulate_matches_optax_multisteps_at_update_granularity():
  grads = _grads(K * UPDATES)
  micro = np.arange(K * UPDATES)
  with jax.numpy_dtype_promotion("standard"):
    # A: the optimizer inside MultiSteps uses the plain schedule of updates.
    inner = optax.inject_hyperparams(optax.sgd)(learning_rate=BASE)
    ws_a, st_a = _run_opt(optax.MultiSteps(inner, K).gradient_transformation(),
                          grads)
    # B: a rate applied outside MultiSteps is called every micro-step.
    def outside(schedule):
      return optax.chain(optax.MultiSteps(optax.sgd(1.0), K).gradient_transformation(),
                         optax.scale_by_schedule(schedule))
    ws_b, _ = _run_opt(outside(js.accumulate(BASE, K)), grads)
    ws_wrong, _ = _run_opt(outside(BASE), grads)
  # C: a manual accumulation loop reading the schedule at micro-step m.
  acc = js.accumulate(BASE, K)
  w, total, ws_c = np.zeros(2), np.zeros(2), []
  g = np.asarray(grads, np.float64)
  for m in micro:
    total += g[m]
    if m % K == K - 1:
      w = w - float(acc(m)) * total / K
      total = np.zeros(2)
    ws_c.append(w.copy())
  # independent reference: update u applies BASE(u) to the mean of its group
  lr = ref_wcd(1.0, 2, 8, np.arange(UPDATES), end=0.1)
  means = g.reshape(UPDATES, K, 2).mean(axis=1)
  want = -np.cumsum(lr[:, None] * means, axis=0)
  for ws in (ws_a, ws_b, np.asarray(ws_c)):
    np.testing.assert_allclose(ws[K - 1::K], want, rtol=1e-5, atol=1e-6)
  assert not np.allclose(ws_wrong[K - 1::K], want, rtol=1e-3)  # the bug it fixes
  # the micro-step index and MultiSteps' counters, and the rate each update used
  mini, grad_step = np.asarray(st_a.mini_step), np.asarray(st_a.gradient_step)
  # after micro-step m the counters hold m + 1 = K * gradient_step + mini_step
  np.testing.assert_array_equal(grad_step, (micro + 1) // K)
  np.testing.assert_array_equal(mini, (micro + 1) % K)
  held = np.asarray(js.current_lr(st_a), np.float64)
  emit = micro % K == K - 1
  np.testing.assert_allclose(held[emit], np.asarray(ev(acc, micro[emit])),
                             rtol=RTOL, atol=ATOL)


def test_accumulate_boundaries_and_validation():
  s = js.accumulate(js.step_decay(1.0, 1, gamma=0.5), 4)
  m = around(4, 8, 12)
  check(s, m, ref_step_decay(np.asarray(m) // 4, 1))
  with pytest.raises(ValueError, match=re.escape(
      "accumulate: `accumulation_steps` must be > 0, got accumulation_steps=0. "
      "Pass the number of micro-batches per optimizer update (>= 1).")):
    js.accumulate(BASE, 0)


# -- stretch -----------------------------------------------------------------------

CHILDREN = {
    "wcd": js.warmup_cosine_decay(1.0, 10, 100),
    "step": js.step_decay(1.0, 7, gamma=0.5),
    "pwc": js.piecewise_constant([10, 33, 80], [1.0, 0.5, 0.2, 0.1]),
    "sgdr": js.cosine_restarts(1.0, 20, period_mult=2.0),
}


@pytest.mark.parametrize("name", sorted(CHILDREN))
def test_stretched_schedule_equals_the_original_at_mapped_steps(name):
  child = CHILDREN[name]
  j = np.arange(0, 121)
  # whole axis, ratio 2: stretch(t = 2j) == s(j) exactly; warmup kept:
  # 10 + (t - 10) * 90 / 180, so t = 10 + 2j maps to 10 + j
  s2 = js.stretch(child, 100, 200)
  sw = js.stretch(child, 100, 190, warmup_steps=10)

  @jax.jit
  def both(child, s2, sw):
    return (s2(jnp.asarray(2 * j)), child(jnp.asarray(j, jnp.float32)),
            sw(jnp.arange(11)), child(jnp.arange(11)),
            sw(jnp.asarray(10 + 2 * j[1:])),
            child(jnp.asarray(10 + j[1:], jnp.float32)))

  out = [np.asarray(x) for x in both(child, s2, sw)]
  for got, want in zip(out[::2], out[1::2]):
    np.testing.assert_array_equal(got, want)
  np.testing.assert_array_equal(np.asarray(ev(s2, 2 * j[:5])),
                                np.asarray(ev(child, j[:5], jnp.float32)))


def test_stretch_closed_form_boundaries_jit_vmap_dtypes():
  s = js.stretch(js.step_decay(1.0, 10, gamma=0.5), 100, 150)
  t1 = around(15, 30, 45, 150)  # old boundaries 10, 20, 30 map to 15, 30, 45
  sw = js.stretch(js.warmup_cosine_decay(1.0, 10, 100), 100, 250,
                  warmup_steps=10)
  t = around(0, 10, 130, 250) + [7, 77]
  u = np.where(np.asarray(t) > 10, 10 + (np.asarray(t) - 10) * 90 / 240, t)
  check_all([(s, t1, ref_step_decay(np.asarray(t1) * 100 / 150, 10)),
             (sw, t, ref_wcd(1.0, 10, 100, u))])


def test_stretch_milestone_at_a_fractional_step_takes_effect_at_the_next_step():
  # milestone 25 * 1.5 = 37.5: first decayed step 38 (composer truncates to 37)
  s = js.stretch(js.multistep(1.0, [25], gamma=0.1), 100, 150)
  np.testing.assert_allclose(np.asarray(ev(s, [37, 38])), [1.0, 0.1],
                             rtol=1e-6)


def test_stretch_validation():
  with pytest.raises(ValueError, match=re.escape(
      "stretch: `total_steps` must be >= `warmup_steps` = 20, got total_steps=10. "
      "The kept warmup must fit in the original schedule.")):
    js.stretch(BASE, 10, 40, warmup_steps=20)
  with pytest.raises(ValueError, match="stretch: `new_total_steps` must be > 0"):
    js.stretch(BASE, 10, 0)


# -- extend: stop, resume with a longer budget --------------------------------------


def test_resume_with_extend_same_rates_up_to_stop_and_continuous_after():
  total, stop, new_total = 100, 60, 180
  base = js.warmup_cosine_decay(1e-2, 10, total, end_value=1e-4)
  ext = js.extend(base, stop, total, new_total)
  with jax.numpy_dtype_promotion("standard"):
    def train(schedule, state, w, n):
      tx = optax.inject_hyperparams(optax.adam)(learning_rate=schedule)

      def step(carry, _):
        w, state = carry
        upd, state = tx.update(2.0 * (w - 1.0), state, w)
        return (optax.apply_updates(w, upd), state), js.current_lr(state)

      def run(w, state):
        if state is None:  # a fresh run: its init in the same jitted program
          state = tx.init(w)
        return jax.lax.scan(step, (w, state), None, length=n)

      (w, state), lrs = jax.jit(run)(w, state)
      return w, state, np.asarray(lrs, np.float64)

    w0 = jnp.zeros(3)
    w, state, lrs_before = train(base, None, w0, stop)   # checkpoint at `stop`
    _, _, lrs_after = train(ext, state, w, new_total - stop)
    _, _, lrs_full = train(ext, None, w0, new_total)     # one uninterrupted run
  steps = np.arange(new_total)
  np.testing.assert_allclose(lrs_before, np.asarray(ev(base, np.arange(stop))),
                             rtol=2e-7)
  rates = np.concatenate([lrs_before, lrs_after])
  np.testing.assert_array_equal(rates, lrs_full)
  # closed form: the remainder [60, 100] spread over [60, 180]
  u = np.where(steps > stop, stop + (steps - stop) * (total - stop) /
               (new_total - stop), steps)
  np.testing.assert_allclose(rates, ref_wcd(1e-2, 10, total, u, end=1e-4),
                             rtol=RTOL, atol=1e-10)
  # continuous: no step after the resume changes more than the original did
  orig_jump = np.max(np.abs(np.diff(np.asarray(ev(base, np.arange(total + 1)),
                                               np.float64))))
  assert np.max(np.abs(np.diff(rates[stop - 1:]))) <= orig_jump * (1 + 1e-5)
  assert float(ext(stop)) == float(base(stop))
  np.testing.assert_allclose(float(ext(new_total)), float(base(total)), rtol=1e-6)


def test_extend_boundaries_and_a_finished_run_holds_its_rate():
  base = js.linear(1.0, 0.0, 10)
  s = js.extend(base, 6, 10, 14)
  t = around(0, 6, 14)
  u = np.where(np.asarray(t) > 6, 6 + (np.asarray(t) - 6) * 4 / 8, t)
  done = js.extend(js.cosine_decay(1.0, 10, end_value=0.2), 12, 10, 30)
  check_all([(s, t, np.clip(1.0 - u / 10, 0.0, 1.0)),
             (done, around(0, 10, 12, 30), np.where(
                 np.asarray(around(0, 10, 12, 30)) < 10,
                 0.2 + 0.8 * 0.5 * (1 + np.cos(
                     np.pi * np.asarray(around(0, 10, 12, 30)) / 10)), 0.2))])
  with pytest.raises(ValueError, match=re.escape(
      "extend: `new_total_steps` must be >= `total_steps` = 10, got "
      "new_total_steps=8. To shorten a schedule use jaxsched.stretch.")):
    js.extend(base, 5, 10, 8)


def test_extend_traced_resume_step_and_totals_compile_once():
  traces = []
  base = js.warmup_cosine_decay(1.0, 5, 50)

  @jax.jit
  def rates(r, n):
    traces.append(1)
    return jax.vmap(lambda r, n: js.extend(base, r, 50, n)(jnp.arange(120)))(r, n)

  r = jnp.asarray([10, 30, 50])
  n = jnp.asarray([100, 60, 120])
  got = np.asarray(rates(r, n), np.float64)
  rates(r + 1, n + 1)
  assert len(traces) == 1
  t = np.arange(120)
  for i, (ri, ni) in enumerate(zip([10, 30, 50], [100, 60, 120])):
    u = np.where(t > ri, ri + (t - ri) * max(50 - ri, 0) / (ni - ri), t)
    np.testing.assert_allclose(got[i], ref_wcd(1.0, 5, 50, u), rtol=RTOL,
                               atol=ATOL)


# -- cooldown from any step -----------------------------------------------------------

G = {"linear": lambda u: 1.0 - u,
     "cosine": lambda u: 0.5 * (1.0 + np.cos(np.pi * u)),
     "sqrt": lambda u: 1.0 - np.sqrt(u)}


@pytest.mark.parametrize("shape", sorted(G))
def test_cooldown_from_closed_form_at_boundaries(shape):
  stable = js.warmup(js.constant(2.0), 10)
  start, length, end = 37, 20, 0.1
  s = js.cooldown_from(stable, start, length, shape=shape, end_value=end)
  t = np.asarray(around(0, 10, start, start + length) + [45, 200])
  before = 2.0 * ref_ramp_then_one(t, 10)
  u = np.clip((t - start) / length, 0.0, 1.0)
  want = np.where(t < start, before, end + (2.0 - end) * G[shape](u))
  check(s, t, want)


def test_cooldown_from_a_changing_schedule_freezes_the_branch_rate():
  base = js.inverse_sqrt(1.0, 10)           # still decaying at the branch
  s = js.cooldown_from(base, 90, 10)
  a = 1.0 / math.sqrt(90 / 10)             # inverse_sqrt at 90, warmup 10
  t = np.arange(85, 105)
  want = np.where(t < 90, np.sqrt(10.0 / np.maximum(t, 1)),
                  a * (1 - np.clip((t - 90) / 10, 0, 1)))
  check(s, t, want)
  # the same cooldown branched off WSD's stable phase is WSD
  wsd = js.warmup_stable_decay(1.0, 10, 30, 100, decay_shape="sqrt")
  br = js.cooldown_from(js.warmup(js.constant(1.0), 10), 70, 30, shape="sqrt")
  k = np.arange(120)
  np.testing.assert_allclose(ev(br, k), ev(wsd, k), rtol=1e-6, atol=1e-7)


def test_cooldown_from_traced_start_sweep_compiles_once():
  traces = []
  base = js.warmup(js.constant(1.0), 10)

  @jax.jit
  def sweep(starts):
    traces.append(1)
    return jax.vmap(lambda st: js.cooldown_from(base, st, 25)(jnp.arange(150)))(
        starts)

  got = np.asarray(sweep(jnp.asarray([20, 60, 100])), np.float64)
  sweep(jnp.asarray([30, 40, 50]))
  assert len(traces) == 1
  t = np.arange(150)
  for i, st in enumerate([20, 60, 100]):
    want = np.where(t < st, ref_ramp_then_one(t, 10),
                    1 - np.clip((t - st) / 25, 0, 1))
    np.testing.assert_allclose(got[i], want, rtol=RTOL, atol=ATOL)


def test_cooldown_from_validation():
  with pytest.raises(ValueError, match=re.escape(
      "cooldown_from: `length` must be > 0, got length=0. Pass the cooldown "
      "length in steps (>= 1).")):
    js.cooldown_from(BASE, 10, 0)
  with pytest.raises(ValueError, match="cooldown_from: `shape` must be one of"):
    js.cooldown_from(BASE, 10, 5, shape="exp")


# -- ratio forms (transformers / DeepSpeed vocabulary) ---------------------------------


def hf_cosine_with_min_lr(step, warmup, total, min_rate):
  """transformers' cosine lambda with min_lr_rate (0.5 cycles), up to total."""
  if step < warmup:
    return step / max(1, warmup)
  # clipped: jaxsched holds the end value after total (transformers' rises again)
  progress = min((step - warmup) / max(1, total - warmup), 1.0)
  f = 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress))
  return f * (1 - min_rate) + min_rate


def hf_wsd(step, warmup, stable, decay, min_ratio, decay_type):
  """transformers' get_wsd_schedule lambda (linear warmup)."""
  if step < warmup:
    f = step / max(1, warmup)
    return max(0.0, f * (1 - min_ratio) + min_ratio)
  if step < warmup + stable:
    return 1.0
  if step < warmup + stable + decay:
    p = (step - warmup - stable) / max(1, decay)
    f = {"linear": 1 - p, "cosine": 0.5 * (1 + math.cos(math.pi * p)),
         "sqrt": 1 - math.sqrt(p)}[decay_type]
    return max(0.0, f * (1 - min_ratio) + min_ratio)
  return min_ratio


@pytest.mark.parametrize("total,ratio,min_rate", [(1000, 0.1, 0.0),
                                                   (1010, 0.05, 0.1),
                                                   (37, 0.2, 0.3)])
def test_warmup_ratio_cosine_matches_transformers_formula(total, ratio, min_rate):
  warm = math.ceil(total * ratio)  # TrainingArguments.get_warmup_steps
  s = js.warmup_decay_ratio(3e-4, total, warmup_ratio=ratio,
                            min_lr_ratio=min_rate)
  t = around(0, warm, total)
  check(s, t, [3e-4 * hf_cosine_with_min_lr(k, warm, total, min_rate)
               for k in t])


@pytest.mark.parametrize("shape", ["linear", "cosine", "sqrt"])
def test_decay_ratio_wsd_matches_transformers_formula(shape):
  total, wr, dr, m = 200, 0.1, 0.25, 0.05
  warm, decay = math.ceil(total * wr), math.ceil(total * dr)
  s = js.warmup_decay_ratio(1.0, total, warmup_ratio=wr, decay_ratio=dr,
                            min_lr_ratio=m, init_lr_ratio=m, decay_shape=shape)
  t = around(0, warm, total - decay, total)
  check(s, t, [hf_wsd(k, warm, total - warm - decay, decay, m, shape) for k in t])
  assert s._phase_changes(total) == [0.0, 20.0, 150.0, 200.0]


def test_ratio_lengths_are_decimal_and_traced_ratios_compile_once():
  assert math.ceil(100 * 0.07) == 8  # Python's float ceil: the artefact avoided
  w, _ = js.warmup_decay_ratio(1.0, 100, warmup_ratio=0.07).lengths()
  assert float(w) == 7.0
  w, _ = js.warmup_decay_ratio(1.0, 1010, warmup_ratio=0.05).lengths()
  assert float(w) == 51.0  # 50.5 rounds up, as transformers' ceil
  traces = []

  @jax.jit
  def sweep(ratios):
    traces.append(1)
    return jax.vmap(lambda r: js.warmup_decay_ratio(1.0, 100, warmup_ratio=r)(
        jnp.arange(101)))(ratios)

  got = np.asarray(sweep(jnp.asarray([0.0, 0.05, 0.3])), np.float64)
  sweep(jnp.asarray([0.1, 0.2, 0.5]))
  assert len(traces) == 1
  for i, r in enumerate([0.0, 0.05, 0.3]):
    warm = round(100 * r)
    np.testing.assert_allclose(
        got[i], [hf_cosine_with_min_lr(k, warm, 100, 0.0) for k in range(101)],
        rtol=RTOL, atol=ATOL)


def _hf_as_ratios(name, lr, kw):
  """transformers' schedule ``name`` written with warmup_decay_ratio, or None."""
  w, n = kw.get("num_warmup_steps", 0), kw.get("num_training_steps")
  if n is None or kw.get("num_cycles", 0.5) != 0.5 or "min_lr" in kw:
    return None
  if name in ("linear", "cosine", "cosine_with_min_lr"):
    return js.warmup_decay_ratio(lr, n, warmup_ratio=w / n,
                                 min_lr_ratio=kw.get("min_lr_rate", 0.0),
                                 decay_shape="linear" if name == "linear" else
                                 "cosine")
  if name == "warmup_stable_decay" and kw.get("warmup_type", "linear") == "linear":
    m = kw.get("min_lr_ratio", 0.0)
    shape = {"linear": "linear", "cosine": "cosine", "1-sqrt": "sqrt"}
    return js.warmup_decay_ratio(lr, n, warmup_ratio=w / n,
                                 decay_ratio=kw["num_decay_steps"] / n,
                                 min_lr_ratio=m, init_lr_ratio=m,
                                 decay_shape=shape[kw.get("decay_type", "cosine")])
  return None


def test_ratio_forms_against_real_transformers_golden_curves():
  """tests/golden/transformers.json: lrs produced by transformers 5.23 itself."""
  path = pathlib.Path(__file__).parent / "golden" / "transformers.json"
  used = {}
  for case in json.loads(path.read_text())["cases"]:
    s = _hf_as_ratios(case["name"], case["lr"], case["kwargs"])
    if s is None:
      continue
    n = case["kwargs"]["num_training_steps"]
    steps = np.asarray(case["steps"])
    keep = steps <= n  # transformers' cosine rises again after n; ours holds
    steps, want = steps[keep], np.asarray(case["values"], np.float64)[keep]
    k = jnp.asarray(padded(steps, 2048), jnp.int32)  # one length for all
    for how, got in (("eager", s(k)), ("jit", _jit_call(s, k))):
      np.testing.assert_allclose(np.asarray(got, np.float64)[:len(steps)], want,
                                 rtol=2e-5,
                                 atol=1e-6 * case["lr"],
                                 err_msg=f"{case['id']} {how}")
    used[case["name"]] = used.get(case["name"], 0) + 1
  assert used == {"linear": 5, "cosine": 5, "cosine_with_min_lr": 2,
                  "warmup_stable_decay": 8}, used


def test_ratio_validation():
  with pytest.raises(ValueError, match=re.escape(
      "warmup_decay_ratio: `warmup_ratio` must be in [0, 1], got "
      "warmup_ratio=1.5. Pass a fraction of total_steps in [0, 1], e.g. 0.1.")):
    js.warmup_decay_ratio(1.0, 100, warmup_ratio=1.5)
  with pytest.raises(ValueError, match=re.escape(
      "warmup_decay_ratio: `decay_ratio` must be <= 1 - warmup_ratio = 0.5, got "
      "decay_ratio=0.6.")):
    js.warmup_decay_ratio(1.0, 100, warmup_ratio=0.5, decay_ratio=0.6)


# -- batch-size scaling --------------------------------------------------------------


def test_batch_scale_linear_and_sqrt_as_timm_and_one_compile_per_sweep():
  base = js.warmup_cosine_decay(1e-3, 10, 100)
  t = np.asarray(around(0, 10, 100))
  check_all([(js.batch_scale(base, b, rule=rule), t,
              ref_wcd(1e-3, 10, 100, t) * (b / 256) ** p)  # timm lr_base_size
             for rule, p in (("linear", 1.0), ("sqrt", 0.5))
             for b in (64, 256, 1000, 4096)])
  traces = []

  @jax.jit
  def sweep(batches):
    traces.append(1)
    return jax.vmap(lambda b: js.batch_scale(base, b, base_batch_size=128,
                                             rule="sqrt")(jnp.asarray(t)))(batches)

  got = np.asarray(sweep(jnp.asarray([128, 512, 2048])), np.float64)
  sweep(jnp.asarray([64, 96, 8192]))
  assert len(traces) == 1
  np.testing.assert_allclose(
      got, ref_wcd(1e-3, 10, 100, t)[None] * np.sqrt([[1.0], [4.0], [16.0]]),
      rtol=RTOL, atol=1e-10)
  assert float(js.batch_scale(0.1, 512)(0)) == pytest.approx(0.2)
  with pytest.raises(ValueError, match=re.escape(
      "batch_scale: `batch_size` must be > 0, got batch_size=0.")):
    js.batch_scale(base, 0)
  with pytest.raises(ValueError, match="batch_scale: `rule` must be one of"):
    js.batch_scale(base, 8, rule="cubic")


# -- registry, configs, phase changes ---------------------------------------------------


def test_every_new_name_is_a_family_and_round_trips():
  built = [js.accumulate(BASE, 4), js.stretch(BASE, 8, 16, warmup_steps=2),
           js.extend(BASE, 4, 8, 12), js.cooldown_from(BASE, 3, 4, shape="cosine"),
           js.warmup_decay_ratio(1.0, 50, warmup_ratio=0.1, decay_ratio=0.2),
           js.batch_scale(BASE, 512, rule="sqrt")]
  for s in built:
    assert s.name in js.families()
    back = js.from_config(s.to_config())
    assert back == s
    np.testing.assert_array_equal(ev(back, np.arange(30)), ev(s, np.arange(30)))


def test_phase_changes_of_the_new_schedules():
  cool = js.cooldown_from(js.constant(1.0), 30, 20)
  assert cool._phase_changes(100) == [30.0, 50.0]
  assert js.stretch(cool, 100, 200)._phase_changes(300) == [0.0, 60.0, 100.0,
                                                            200.0]
  assert js.extend(cool, 40, 100, 160)._phase_changes(200) == [30.0, 40.0, 60.0,
                                                               160.0]
  assert js.accumulate(cool, 4)._phase_changes(400) == [120.0, 200.0]
  assert js.batch_scale(cool, 8)._phase_changes(100) == [30.0, 50.0]
  assert js.warmup_decay_ratio(1.0, 100, warmup_ratio=0.1)._phase_changes(
      100) == [0.0, 10.0, 100.0]


def test_int64_steps_beyond_int32_under_x64():
  with jax.enable_x64(True):
    g = 10**9
    def k(s, *xs):  # eager int64 steps, all at one padded length
      return ev(s, np.asarray(xs, np.int64), jnp.int64, 8)

    acc = js.accumulate(js.linear(1.0, 0.0, g), 4)
    np.testing.assert_allclose(k(acc, 4 * g - 5, 4 * g - 4, 4 * g - 1, 4 * g),
                               [2 / g, 1 / g, 1 / g, 0.0], rtol=1e-9, atol=1e-15)
    st = js.stretch(js.step_decay(1.0, g, gamma=0.5), 3 * g, 6 * g)
    np.testing.assert_array_equal(k(st, 2 * g - 1, 2 * g, 2 * g + 1, 4 * g),
                                  [1.0, 0.5, 0.5, 0.25])
    cool = js.cooldown_from(js.constant(2.0), 3 * g, g)
    np.testing.assert_allclose(
        k(cool, 3 * g - 1, 3 * g, 3 * g + 1, 4 * g - 1, 4 * g, 4 * g + 1),
        [2.0, 2.0, 2.0 * (1 - 1 / g), 2.0 / g, 0.0, 0.0], rtol=1e-9, atol=1e-15)
    ext = js.extend(js.linear(1.0, 0.0, 4 * g), 2 * g, 4 * g, 6 * g)
    np.testing.assert_allclose(k(ext, 2 * g, 4 * g, 6 * g), [0.5, 0.25, 0.0],
                               rtol=1e-12, atol=1e-15)
    assert js.to_steps("0.57dur", js.Run(total_steps=10**10)) == 5_700_000_000
    assert k(acc, 0).dtype == jnp.float64
