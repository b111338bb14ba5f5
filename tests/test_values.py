"""Golden values from closed-form formulas, written here independently.

Each reference is plain Python ``math`` on one step at a time, in float64, from
the formula in the literature or the reference library's documentation; the
schedule must agree to float32 precision.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from padded import at

import jaxsched as js

STEPS = list(range(0, 260)) + [499, 500, 501, 999, 1000, 10_000, 123_457]
# every schedule here is evaluated eagerly at WIDTH steps (the steps of a check
# padded with its last step), so each operation compiles once for the file
WIDTH = 1200


def _at(schedule, steps):
  return at(schedule, steps, WIDTH)


def _check(schedule, ref, steps=STEPS, rtol=2e-6, atol=2e-7):
  got = np.asarray(_at(schedule, steps), np.float64)
  want = np.array([ref(t) for t in steps], np.float64)
  np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def _cos(a, b, x):  # half cosine from a (x=0) to b (x=1)
  return b + (a - b) * 0.5 * (1 + math.cos(math.pi * x))


def test_constant():
  _check(js.constant(0.3), lambda t: 0.3)


def test_linear():
  _check(js.linear(0.9, 0.1, 40, transition_begin=25),
         lambda t: 0.9 if t < 25 else 0.1 if t >= 65 else 0.9 - 0.8 * (t - 25) / 40)


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0, 3.0])
def test_polynomial(power):
  def ref(t):
    x = min(max(t - 10, 0), 90) / 90
    return 0.01 + (1.0 - 0.01) * (1 - x) ** power
  _check(js.polynomial(1.0, 0.01, 90, power=power, transition_begin=10), ref)


def test_polynomial_cycle_keras_formula():
  def ref(t):
    d = 30 * (1 if t == 0 else math.ceil(t / 30))
    return (1.0 - 0.1) * (1 - t / d) ** 2 + 0.1
  _check(js.polynomial(1.0, 0.1, 30, power=2.0, cycle=True), ref)


@pytest.mark.parametrize("exponent", [1.0, 2.0])
def test_cosine_decay(exponent):
  def ref(t):
    x = min(t, 150) / 150
    return 0.05 + (2.0 - 0.05) * (0.5 * (1 + math.cos(math.pi * x))) ** exponent
  _check(js.cosine_decay(2.0, 150, end_value=0.05, exponent=exponent), ref)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
  def ref(t):
    p = max(t - 20, 0) / 7
    if staircase:
      p = math.floor(p)
    return max(1.5 * 0.8 ** p, 0.05)
  _check(js.exponential_decay(1.5, 0.8, 7, transition_begin=20, staircase=staircase,
                              end_value=0.05), ref, rtol=1e-5)


def test_exponential_growth_capped():
  _check(js.exponential_decay(0.1, 1.1, 3, end_value=1.0),
         lambda t: min(0.1 * 1.1 ** (t / 3), 1.0), rtol=1e-5, steps=STEPS[:-1])


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
  def ref(t):
    p = t / 13
    return 0.5 / (1 + 0.7 * (math.floor(p) if staircase else p))
  _check(js.inverse_time_decay(0.5, 0.7, 13, staircase=staircase), ref)


def test_inverse_scaling():
  _check(js.inverse_scaling(0.2, power=0.75, timescale=5.0),
         lambda t: 0.2 * (1 + t / 5.0) ** -0.75)


@pytest.mark.parametrize("warmup,timescale", [(10, None), (10, 100), (0, None)])
def test_inverse_sqrt(warmup, timescale):
  ts = timescale if timescale is not None else (warmup or 10_000)

  def ref(t):
    if t < warmup:
      return 0.3 * t / max(1, warmup)
    return 0.3 / math.sqrt((t + ts - warmup) / ts)
  _check(js.inverse_sqrt(0.3, warmup, timescale=timescale), ref)


def test_step_decay():
  _check(js.step_decay(1.0, 30, gamma=0.3), lambda t: 0.3 ** (t // 30), rtol=1e-5)


def test_multistep_with_duplicates():
  ms = [10, 50, 50, 120]
  _check(js.multistep(2.0, ms, gamma=0.5),
         lambda t: 2.0 * 0.5 ** sum(1 for m in ms if t >= m))


def test_piecewise_constant():
  b, v = [5, 17, 200], [1.0, 0.7, 0.2, 0.05]
  _check(js.piecewise_constant(b, v), lambda t: v[sum(1 for x in b if t >= x)])
  _check(js.piecewise_constant(b, v, inclusive=False),
         lambda t: v[sum(1 for x in b if t > x)])


def test_piecewise_linear():
  b, v = [10, 40, 40, 100], [0.0, 1.0, 0.5, 0.1]

  def ref(t):
    if t < b[0]:
      return v[0]
    if t >= b[-1]:
      return v[-1]
    for i in range(len(b) - 1):
      if b[i] <= t < b[i + 1]:
        return v[i] + (v[i + 1] - v[i]) * (t - b[i]) / (b[i + 1] - b[i])
    return v[-1]
  _check(js.piecewise_linear(b, v), ref)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_smith_formula(mode):
  base, top, up, down, gamma = 0.1, 1.0, 20, 30, 0.995

  def ref(t):
    # Smith (2017): cycle = floor(1 + t / (2 step)), x = |t/step - 2 cycle + 1|,
    # generalised to unequal halves.
    total = up + down
    cycle = math.floor(1 + t / total)
    x = 1 + t / total - cycle
    ratio = up / total
    scale = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    amp = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1),
           "exp_range": gamma ** t}[mode]
    return base + (top - base) * scale * amp
  _check(js.cyclic(base, top, up, step_size_down=down, mode=mode, gamma=gamma), ref,
         rtol=1e-5, atol=1e-6)


def _one_cycle_ref(total, peak, pct, div, final_div, anneal, three):
  init = peak / div
  low = init / final_div
  if three:
    phases = [(pct * total - 1, init, peak), (2 * pct * total - 2, peak, init),
              (total - 1, init, low)]
  else:
    phases = [(pct * total - 1, init, peak), (total - 1, peak, low)]

  def ref(t):
    start = 0.0
    for i, (end, a, b) in enumerate(phases):
      if t <= end or i == len(phases) - 1:
        x = min((t - start) / (end - start), 1.0)
        return _cos(a, b, x) if anneal == "cos" else a + (b - a) * x
      start = end
  return ref


@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("three", [False, True])
@pytest.mark.parametrize("total,pct", [(250, 0.3), (97, 0.25), (200, 0.45)])
def test_one_cycle(anneal, three, total, pct):
  ref = _one_cycle_ref(total, 0.8, pct, 25.0, 1e4, anneal, three)
  steps = list(range(0, total + 5))
  _check(js.one_cycle(total, 0.8, pct_start=pct, anneal=anneal, three_phase=three),
         ref, steps=steps, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("three", [False, True])
def test_one_cycle_momentum(three):
  total, pct, lo, hi = 120, 0.3, 0.85, 0.95
  if three:
    phases = [(pct * total - 1, hi, lo), (2 * pct * total - 2, lo, hi),
              (total - 1, hi, hi)]
  else:
    phases = [(pct * total - 1, hi, lo), (total - 1, lo, hi)]

  def ref(t):
    start = 0.0
    for i, (end, a, b) in enumerate(phases):
      if t <= end or i == len(phases) - 1:
        return _cos(a, b, min((t - start) / (end - start), 1.0))
      start = end
  _check(js.one_cycle_momentum(total, three_phase=three), ref,
         steps=list(range(total + 3)))


@pytest.mark.parametrize("period,mult,decay", [(10, 1.0, 1.0), (10, 2.0, 0.5),
                                               (7, 3.0, 1.0), (7.5, 1.5, 0.9)])
def test_cosine_restarts_sgdr(period, mult, decay):
  def ref(t):
    # walk the cycles one by one: exact, no logarithm
    i, start, length = 0, 0.0, float(period)
    while t >= start + length:
      start += length
      length *= mult
      i += 1
    return _cos(1.2 * decay ** i, 0.01, (t - start) / length)
  steps = list(range(0, 400)) + [10_000, 123_457]
  _check(js.cosine_restarts(1.2, period, period_mult=mult, peak_decay=decay,
                            end_value=0.01), ref, steps=steps, rtol=2e-5, atol=2e-6)


def test_cosine_restarts_exact_cycle_index_at_boundaries():
  # cycle starts of period 3, mult 3: 0, 3, 12, 39, 120, 363, 1092, 3279, ...
  starts = [0]
  for i in range(15):
    starts.append(starts[-1] + 3 * 3**i)
  s = js.cosine_restarts(1.0, 3, period_mult=3.0)
  k = [b for b in starts if b < 2**24]
  np.testing.assert_allclose(_at(s, k), 1.0, rtol=1e-6)
  # one step before each restart: the last position of the previous cycle
  km1 = [b - 1 for b in starts[1:] if b < 2**24]
  lengths = [3 * 3**i for i in range(len(km1))]
  want = [0.5 * (1 + math.cos(math.pi * (n - 1) / n)) for n in lengths]
  np.testing.assert_allclose(_at(s, km1), want, rtol=1e-4, atol=1e-6)


def test_cosine_restarts_huge_integer_steps_exact_with_unit_mult():
  s = js.cosine_restarts(1.0, 1000)
  k = [2**31 - 1000 + 352, 2**31 - 1]
  # 2**31 = 2147483648 = 1000 * 2147483 + 648: cycle starts at 2147483000
  pos = [(2**31 - 1000 + 352) - 2147483000, (2**31 - 1) - 2147483000]
  want = [0.5 * (1 + math.cos(math.pi * p / 1000)) for p in pos]
  np.testing.assert_allclose(_at(s, k), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("warmup,total", [(10, 200), (0, 150), (50, 50)])
def test_warmup_cosine_decay(warmup, total):
  def ref(t):
    if t < warmup:
      return 0.01 + (0.9 - 0.01) * t / warmup
    x = min(max((t - warmup) / max(total - warmup, 1), 0.0), 1.0)
    return 0.001 + (0.9 - 0.001) * 0.5 * (1 + math.cos(math.pi * x))
  _check(js.warmup_cosine_decay(0.9, warmup, total, init_value=0.01,
                                end_value=0.001), ref)


@pytest.mark.parametrize("shape", ["linear", "cosine", "sqrt"])
def test_warmup_stable_decay(shape):
  w, d, total = 20, 60, 240

  def ref(t):
    if t < w:
      return 0.0 + 0.5 * t / w
    u = min(max((t - (total - d)) / d, 0.0), 1.0)
    g = {"linear": 1 - u, "cosine": 0.5 * (1 + math.cos(math.pi * u)),
         "sqrt": 1 - math.sqrt(u)}[shape]
    return 0.01 + (0.5 - 0.01) * g
  _check(js.warmup_stable_decay(0.5, w, d, total, end_value=0.01, decay_shape=shape),
         ref)


def test_flat_cosine():
  def ref(t):
    s = 0.6 * 200
    x = min(max((t - s) / (200 - s), 0.0), 1.0)
    return _cos(0.4, 0.0, x)
  _check(js.flat_cosine(0.4, 200, pct_start=0.6), ref)


@pytest.mark.parametrize("shape", ["linear", "cosine", "exponential", "sqrt"])
def test_warmup_combinator(shape):
  def ref(t):
    if t >= 30:
      return 0.5 * 0.99 ** (t - 30)
    x = t / 30
    if shape == "linear":
      return 1e-3 + (0.5 - 1e-3) * x
    if shape == "cosine":
      return 1e-3 + (0.5 - 1e-3) * 0.5 * (1 - math.cos(math.pi * x))
    if shape == "sqrt":
      return 1e-3 + (0.5 - 1e-3) * (1 - math.sqrt(1 - x))
    return 1e-3 * (0.5 / 1e-3) ** x
  _check(js.warmup(js.exponential_decay(0.5, 0.99), 30, init_value=1e-3,
                   shape=shape), ref, rtol=1e-5)


def test_join_sees_relative_steps():
  def ref(t):
    if t < 30:
      return 0.1 * t / 30
    if t < 130:
      return _cos(0.1, 0.0, (t - 30) / 100)
    return 0.1 * 0.5 ** ((t - 130) // 40)
  s = js.join([js.linear(0.0, 0.1, 30), js.cosine_decay(0.1, 100),
               js.step_decay(0.1, 40, gamma=0.5)], [30, 130])
  _check(s, ref)


def test_join_of_many_same_family_segments():
  bounds = list(range(10, 1000, 10))
  segs = [js.cosine_decay(1.0 / (i + 1), 10) for i in range(len(bounds) + 1)]
  s = js.join(segs, bounds)

  def ref(t):
    i = min(t // 10, len(bounds))
    return _cos(1.0 / (i + 1), 0.0, min(t - 10 * i, 10) / 10)
  _check(s, ref, steps=list(range(0, 1200)))


def test_product_scale_sum_repeat_epochwise():
  _check(js.cosine_decay(1.0, 100) * js.linear(1.0, 0.0, 200),
         lambda t: _cos(1.0, 0.0, min(t, 100) / 100) * max(1 - t / 200, 0.0))
  _check(2.0 * js.constant(0.25), lambda t: 0.5)
  _check(js.cosine_decay(1.0, 100) + 0.1, lambda t: _cos(1.0, 0.0, min(t, 100) / 100)
         + 0.1)
  _check(js.repeat(js.linear(1.0, 0.0, 10), 15),
         lambda t: max(1 - (t % 15) / 10, 0.0))
  _check(js.epochwise(js.exponential_decay(1.0, 0.9), 7),
         lambda t: 0.9 ** (t // 7), rtol=1e-5)
