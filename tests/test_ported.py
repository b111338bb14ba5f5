"""The families of jaxsched/_ported.py against float64 NumPy formulas.

Each reference below is written from the docstring's formula, independently of
the implementation, and evaluated at every phase change +-1 and on a dense
range; the schedule is checked eagerly, under jit and under vmap (a stack of
the parameter sets, one compile).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched as js


def ref_log_warmup(t, vi, vp, w):
  return vi + (vp - vi) * np.minimum(1.0, np.log1p(t) / np.log(max(w, 2)))


def ref_linear_growth(t, v, r, size, staircase):
  p = np.floor(t / size) if staircase else t / size
  return v * (1.0 + r * p)


def ref_cosine_wave(t, a, b, h):
  return b + (a - b) * (1.0 + np.cos(np.pi * t / h)) / 2.0


def ref_stepped_cyclic(t, lo, hi, up, down, n_up, n_down):
  total = up + down
  x = np.mod(t, total)
  rise = np.floor(x * n_up / up) / n_up if n_up > 0 else x / up
  fall = np.floor((total - x) * n_down / down) / n_down if n_down > 0 else \
      (total - x) / down
  return lo + (hi - lo) * np.where(x <= up, rise, fall)


def _around(points, horizon):
  ks = set(range(0, 40))
  for p in points:
    for c in {int(np.floor(p)), int(np.ceil(p))}:
      ks.update(range(max(c - 1, 0), c + 2))
  ks.update(np.linspace(0, horizon, 50).astype(int).tolist())
  return np.asarray(sorted(k for k in ks if k <= horizon))


FAMILIES = {
    "log_warmup": (
        lambda vi, vp, w: js.log_warmup(vi, vp, w), ref_log_warmup,
        [(0.0, 1.0, 100), (0.1, 0.5, 2), (2.0, 3.0, 31)],
        lambda vi, vp, w: [w - 1, w]),
    "linear_growth": (
        lambda v, r, n: js.linear_growth(v, r, n),
        lambda t, v, r, n: ref_linear_growth(t, v, r, n, False),
        [(1e-3, 1.0, 10), (0.1, 0.5, 1), (2.0, 5.0, 33.5)],
        lambda v, r, n: [n, 2 * n, 3 * n]),
    "linear_growth_staircase": (
        lambda v, r, n: js.linear_growth(v, r, n, staircase=True),
        lambda t, v, r, n: ref_linear_growth(t, v, r, n, True),
        [(1e-3, 1.0, 10), (0.1, 0.5, 1), (2.0, 5.0, 33)],
        lambda v, r, n: [n * i for i in range(1, 8)]),
    "cosine_wave": (
        lambda a, b, h: js.cosine_wave(a, b, h), ref_cosine_wave,
        [(1.0, 0.1, 50), (0.5, 0.0, 7), (2.0, 3.0, 20.5)],
        lambda a, b, h: [h * i for i in range(1, 10)]),
    "stepped_cyclic": (
        lambda lo, hi, u, d, nu, nd: js.stepped_cyclic(
            lo, hi, u, step_size_down=d, stairs_up=nu, stairs_down=nd),
        ref_stepped_cyclic,
        [(0.1, 1.0, 20, 30, 4, 0), (0.0, 2.0, 5, 1, 0, 5), (0.5, 0.25, 10, 7, 3, 2)],
        lambda lo, hi, u, d, nu, nd: [u, u + d, 2 * u + d, 2 * (u + d)]),
}
HORIZON = 300
PAD = 320  # every eager call runs at this one length: one compile per op


def ev(schedule, steps, method=None):
  """``schedule(steps)`` (int32) eagerly at the padded length, sliced back."""
  steps = np.asarray(steps)
  k = np.concatenate([steps, np.full(PAD - len(steps), steps[-1], steps.dtype)])
  f = schedule if method is None else getattr(schedule, method)
  return np.asarray(f(jnp.asarray(k, jnp.int32)))[:len(steps)]


_jit_all = jax.jit(lambda ss, k: [s(k) for s in ss])


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_family_matches_float64_formula_eager_jit_vmap(name):
  make, ref, params, marks = FAMILIES[name]
  ks = [_around(marks(*p), HORIZON) for p in params]
  k_all = np.asarray(sorted(set(np.concatenate(ks).tolist())))
  scheds = [make(*p) for p in params]
  assert len(k_all) <= PAD
  # jit and the eager vmap also run at the one padded length (the last step
  # repeated): the vmapped operations compile once for every family
  k_pad = jnp.asarray(np.concatenate(
      [k_all, np.full(PAD - len(k_all), k_all[-1], k_all.dtype)]))
  n = len(k_all)
  jitted = [np.asarray(x)[:n] for x in _jit_all(scheds, k_pad)]
  batched = np.asarray(jax.vmap(lambda *a: make(*a)(k_pad))(
      *[jnp.asarray(c) for c in zip(*params)]))[:, :n]
  for i, (p, s) in enumerate(zip(params, scheds)):
    want = ref(k_all.astype(np.float64), *p)
    peak = np.max(np.abs(want))
    eager = np.asarray(ev(s, k_all), np.float64)
    for label, got in [("eager", eager), ("jit", np.asarray(jitted[i], np.float64)),
                       ("vmap", np.asarray(batched[i], np.float64))]:
      np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-7 * peak,
                                 err_msg=f"{name} {p} {label}")


def test_stepped_cyclic_stair_edges_are_exact():
  s = js.stepped_cyclic(0.0, 1.0, 12, step_size_down=9, stairs_up=4, stairs_down=3)
  got = np.asarray(ev(s, np.arange(0, 43)), np.float64)
  want = ref_stepped_cyclic(np.arange(0, 43.0), 0.0, 1.0, 12, 9, 4, 3)
  np.testing.assert_array_equal(got, want.astype(np.float32))  # stairs: k/4 exact


def test_cumulative_product_equals_running_product():
  factor = js.exponential_decay(0.99, 0.999)
  s = js.cumulative_product(factor, 200)
  # the product of the factors the schedule sees (float32 values), in float64:
  # the float32 rounding of the factors themselves compounds (documented)
  f32 = np.asarray(ev(factor, np.arange(1, 201)), np.float64)
  want = np.concatenate([[1.0], np.cumprod(f32)])
  k = np.asarray([0, 1, 2, 3, 50, 99, 100, 101, 199, 200, 201, 10_000])
  got = np.asarray(ev(s, k), np.float64)
  np.testing.assert_allclose(got, want[np.minimum(k, 200)], rtol=2e-6)
  np.testing.assert_allclose(np.asarray(s(jnp.asarray(-3))), 1.0)
  with pytest.raises(ValueError, match=r"^cumulative_product: `max_steps` must be a "
                     r"whole number >= 1 .*got max_steps=2\.5\."):
    js.cumulative_product(js.constant(0.5), 2.5)


def test_with_momentum_carries_both_and_round_trips():
  lr, mom = js.cosine_decay(1.0, 10), js.linear(0.85, 0.95, 10)
  s = js.with_momentum(lr, mom)
  k = jnp.arange(12)
  np.testing.assert_array_equal(ev(s, k), ev(lr, k))
  np.testing.assert_array_equal(ev(s, k, "momentum"), ev(mom, k))
  assert js.from_config(s.to_config()) == s
  got = jax.jit(lambda s, k: (s(k), s.momentum(k)))(s, k)
  np.testing.assert_allclose(np.asarray(got[1]), ev(mom, k), rtol=2e-7)


@pytest.mark.parametrize("make, message", [
    (lambda: js.log_warmup(0.0, 1.0, 1),
     r"^log_warmup: `warmup_steps` must be >= 2, got warmup_steps=1\. Pass the "
     r"warmup length"),
    (lambda: js.linear_growth(1e-3, 1.0, 0),
     r"^linear_growth: `step_size` must be > 0, got step_size=0\."),
    (lambda: js.cosine_wave(1.0, 0.0, -2),
     r"^cosine_wave: `half_period` must be > 0, got half_period=-2\."),
    (lambda: js.stepped_cyclic(0.0, 1.0, 4, stairs_up=-1),
     r"^stepped_cyclic: `stairs_up` must be >= 0, got stairs_up=-1\."),
    (lambda: js.with_momentum(js.constant(0.1), 0.9),
     r"^with_momentum: `momentum` must be a schedule"),
])
def test_validation_messages(make, message):
  with pytest.raises(ValueError, match=message):
    make()
