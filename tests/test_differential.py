"""Differential test: every family against an independent float64 formula.

For each family, seeded random valid configurations are evaluated at every phase
change (``Schedule.phase_changes``) plus and minus one step and on a dense range,
in several ways that must agree with a float64 NumPy formula written here from
the docstrings' maths (never by calling the implementation):

* eagerly, under ``jax.disable_jit()`` (scalar steps at the phase changes, and
  the whole array of steps);
* under ``jax.jit`` with the schedule passed as an argument (array and scalar
  steps) and closed over (constants, where XLA rewrites ``x / c`` as
  ``x * (1 / c)``);
* under ``jax.vmap`` over a ``jaxsched.stack`` of all the configurations;
* with steps as int32, uint32, float32, and int64 under x64.

Agreement: ``|ours - ref| <= 1e-6 * (|ref| + 0.1 * peak)``. Exactness: where the
float64 value at a phase change is exactly one of the config's own numbers (an
end value, a peak, 0), ours must be that float32 number exactly.

To add a family: a generator of random valid keyword arguments and a reference
``ref(kw, t)`` taking a float64 array of steps.
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from padded import in_block, pad, round_up

import jaxsched as js

N_CONFIGS = 6
DENSE = 160


def _clip01(x):
  return np.clip(x, 0.0, 1.0)


def _cos(a, b, f, e=1.0):
  return b + (a - b) * ((1.0 + np.cos(np.pi * _clip01(f))) / 2.0) ** e


def _frac(t, begin, length):
  """Fraction of a phase of ``length`` steps (< 1 acts as 1) done at ``t``."""
  return _clip01((t - begin) / max(length, 1.0))


def _jump_frac(t, begin, length):
  """Fraction for a phase that may have length 0 (then a jump at ``begin``)."""
  if length <= 0:
    return (t >= begin).astype(np.float64)
  return _clip01((t - begin) / length)


# -- references (float64, from the docstrings) ---------------------------------

def ref_linear(kw, t):
  f = _frac(t, kw["transition_begin"], kw["transition_steps"])
  return kw["init_value"] + (kw["end_value"] - kw["init_value"]) * f


def ref_polynomial(kw, t):
  f = _frac(t, kw["transition_begin"], kw["transition_steps"])
  v0, v1 = kw["init_value"], kw["end_value"]
  return v1 + (v0 - v1) * (1.0 - f) ** kw["power"]


def ref_polynomial_cycle(kw, t):
  T, b = kw["transition_steps"], 0.0
  r = np.maximum(t - b, 0.0)
  mult = np.maximum(np.ceil(r / T), 1.0)
  f = _clip01(r / (T * mult))
  v0, v1 = kw["init_value"], kw["end_value"]
  return v1 + (v0 - v1) * (1.0 - f) ** kw["power"]


def ref_cosine_decay(kw, t):
  T = kw["decay_steps"]
  return _cos(kw["init_value"], kw["end_value"], np.minimum(np.maximum(t, 0), T) / T,
              kw["exponent"])


def ref_exponential_decay(kw, t):
  p = np.maximum(t - kw["transition_begin"], 0.0) / kw["transition_steps"]
  if kw["staircase"]:
    p = np.floor(p)
  v = kw["init_value"] * kw["decay_rate"] ** p
  end = kw.get("end_value")
  if end is not None:
    v = np.maximum(v, end) if kw["decay_rate"] < 1 else np.minimum(v, end)
  return v


def ref_inverse_time_decay(kw, t):
  p = np.maximum(t, 0.0) / kw["decay_steps"]
  if kw["staircase"]:
    p = np.floor(p)
  return kw["init_value"] / (1.0 + kw["decay_rate"] * p)


def ref_inverse_scaling(kw, t):
  return kw["init_value"] * (1.0 + np.maximum(t, 0) / kw["timescale"]) ** -kw["power"]


def ref_inverse_sqrt(kw, t):
  w = kw["warmup_steps"]
  tau = w if w > 0 else 10_000.0
  up = kw["peak_value"] * t / max(w, 1)
  down = kw["peak_value"] / np.sqrt((np.maximum(t - w, 0) + tau) / tau)
  return np.where(t < w, up, down)


def ref_step_decay(kw, t):
  return kw["init_value"] * kw["gamma"] ** np.floor(np.maximum(t, 0) / kw["step_size"])


def ref_multistep(kw, t):
  m = np.asarray(kw["milestones"], np.float64)
  n = (m[None, :] <= t[:, None]).sum(1)
  return kw["init_value"] * kw["gamma"] ** n


def ref_piecewise_constant(kw, t):
  b = np.asarray(kw["boundaries"], np.float64)
  n = (b[None, :] <= t[:, None]).sum(1)
  return np.asarray(kw["values"], np.float64)[n]


def ref_piecewise_linear(kw, t):
  return np.interp(t, np.asarray(kw["boundaries"], np.float64),
                   np.asarray(kw["values"], np.float64))


def ref_cyclic(kw, t):
  u, d = kw["step_size_up"], kw["step_size_down"]
  L = u + d
  t = np.maximum(t, 0)
  c = np.floor(t / L)
  x = t - c * L
  s = np.where(x <= u, x / u, (L - x) / d)
  amp = {"triangular": 1.0, "triangular2": 0.5 ** c,
         "exp_range": kw["gamma"] ** t}[kw["mode"]]
  return kw["base_value"] + (kw["max_value"] - kw["base_value"]) * s * amp


def _one_cycle_phases(t, T, p, values, anneal):
  ends = ([p * T - 1, T - 1] if len(values) == 3 else
          [p * T - 1, 2 * p * T - 2, T - 1])
  starts = [0.0] + ends[:-1]
  out = np.full_like(t, values[-1])
  for j in reversed(range(len(ends))):
    span = ends[j] - starts[j]
    f = _clip01((t - starts[j]) / span) if span > 0 else np.ones_like(t)
    a, b = values[j], values[j + 1]
    val = _cos(a, b, f) if anneal == "cos" else a + (b - a) * f
    out = np.where(t <= ends[j], val, out)
  return out


def ref_one_cycle(kw, t):
  peak = kw["peak_value"]
  init = peak / kw["div_factor"]
  low = init / kw["final_div_factor"]
  vals = [init, peak, init, low] if kw["three_phase"] else [init, peak, low]
  return _one_cycle_phases(t, kw["total_steps"], kw["pct_start"], vals, kw["anneal"])


def ref_one_cycle_momentum(kw, t):
  lo, hi = kw["base_value"], kw["max_value"]
  vals = [hi, lo, hi, hi] if kw["three_phase"] else [hi, lo, hi]
  return _one_cycle_phases(t, kw["total_steps"], kw["pct_start"], vals, kw["anneal"])


def ref_cosine_restarts(kw, t):
  P, m = kw["period"], kw["period_mult"]
  out = np.empty_like(t)
  for n, x in enumerate(np.maximum(t, 0)):
    i, start, length = 0, 0.0, P
    while start + length <= x:  # cycle starts P (m^i - 1)/(m - 1), summed exactly
      start, length, i = start + length, length * m, i + 1
    peak = kw["init_value"] * kw["peak_decay"] ** i
    out[n] = _cos(peak, kw["end_value"], (x - start) / length)
  return out


def ref_warmup_cosine_decay(kw, t):
  w, T = kw["warmup_steps"], kw["total_steps"]
  D = max(T - w, 1)
  up = kw["init_value"] + (kw["peak_value"] - kw["init_value"]) * t / max(w, 1)
  down = _cos(kw["peak_value"], kw["end_value"], np.minimum(t - w, D) / D,
              kw["exponent"])
  return np.where(t < w, up, down)


def ref_warmup_stable_decay(kw, t):
  w, D, T = kw["warmup_steps"], kw["decay_steps"], kw["total_steps"]
  up = kw["init_value"] + (kw["peak_value"] - kw["init_value"]) * t / max(w, 1)
  u = _jump_frac(t, T - D, D)
  g = {"linear": 1 - u, "cosine": (1 + np.cos(np.pi * u)) / 2,
       "sqrt": 1 - np.sqrt(u)}[kw["decay_shape"]]
  down = kw["end_value"] + (kw["peak_value"] - kw["end_value"]) * g
  return np.where(t < w, up, down)


def ref_flat_cosine(kw, t):
  T = kw["total_steps"]
  s = np.float64(np.float32(kw["pct_start"]) * np.float32(T))  # the float32 start
  return _cos(kw["value"], kw["end_value"], _jump_frac(t, s, T - s))


def ref_warmup(kw, t):
  inner = REFS[kw["inner"]](kw["inner_kw"], np.maximum(t - kw["warmup_steps"], 0))
  target = REFS[kw["inner"]](kw["inner_kw"], np.zeros(1))[0]
  w, v0 = kw["warmup_steps"], kw["init_value"]
  f = t / max(w, 1)
  up = {"linear": v0 + (target - v0) * f,
        "cosine": v0 + (target - v0) * (1 - np.cos(np.pi * f)) / 2,
        "sqrt": v0 + (target - v0) * (1 - np.sqrt(np.clip(1 - f, 0, 1)))}[kw["shape"]]
  return np.where(t < w, up, inner)


def ref_join(kw, t):
  b = [0.0] + list(kw["boundaries"])
  out = np.empty_like(t)
  for n, x in enumerate(t):
    i = sum(1 for y in kw["boundaries"] if y <= x)
    name, ikw = kw["segments"][i]
    out[n] = REFS[name](ikw, np.asarray([x - b[i]]))[0]
  return out


def ref_repeat(kw, t):
  p = kw["period"]
  return REFS[kw["inner"]](kw["inner_kw"], t - p * np.floor(t / p))


def ref_epochwise(kw, t):
  return REFS[kw["inner"]](kw["inner_kw"], np.floor(t / kw["steps_per_epoch"]))


def ref_product(kw, t):
  return (REFS[kw["a"]](kw["a_kw"], t) * REFS[kw["b"]](kw["b_kw"], t))


def ref_sum(kw, t):
  return (REFS[kw["a"]](kw["a_kw"], t) + REFS[kw["b"]](kw["b_kw"], t))


def ref_scale(kw, t):
  return REFS[kw["inner"]](kw["inner_kw"], t) * kw["factor"]


def ref_log_warmup(kw, t):
  w = max(kw["warmup_steps"], 2)
  f = np.minimum(1.0, np.log1p(np.maximum(t, 0)) / np.log(w))
  return kw["init_value"] + (kw["peak_value"] - kw["init_value"]) * f


def ref_linear_growth(kw, t):
  p = np.maximum(t, 0) / kw["step_size"]
  if kw["staircase"]:
    p = np.floor(p)
  return kw["init_value"] * (1.0 + kw["rate"] * p)


def ref_cosine_wave(kw, t):
  a, b, h = kw["init_value"], kw["end_value"], kw["half_period"]
  return b + (a - b) * (1.0 + np.cos(np.pi * np.maximum(t, 0) / h)) / 2.0


def ref_stepped_cyclic(kw, t):
  lo, hi = kw["base_value"], kw["max_value"]
  u, d = kw["step_size_up"], kw["step_size_down"]
  nu, nd = kw["stairs_up"], kw["stairs_down"]
  x = np.mod(np.maximum(t, 0), u + d)
  rise = np.floor(x * nu / u) / nu if nu > 0 else x / u
  fall = np.floor((u + d - x) * nd / d) / nd if nd > 0 else (u + d - x) / d
  return lo + (hi - lo) * np.where(x <= u, rise, fall)


REFS: dict[str, Callable[[dict, np.ndarray], np.ndarray]] = {
    "linear": ref_linear, "polynomial": ref_polynomial,
    "polynomial_cycle": ref_polynomial_cycle, "cosine_decay": ref_cosine_decay,
    "exponential_decay": ref_exponential_decay,
    "inverse_time_decay": ref_inverse_time_decay,
    "inverse_scaling": ref_inverse_scaling, "inverse_sqrt": ref_inverse_sqrt,
    "step_decay": ref_step_decay, "multistep": ref_multistep,
    "piecewise_constant": ref_piecewise_constant,
    "piecewise_linear": ref_piecewise_linear, "cyclic": ref_cyclic,
    "one_cycle": ref_one_cycle, "one_cycle_momentum": ref_one_cycle_momentum,
    "cosine_restarts": ref_cosine_restarts,
    "warmup_cosine_decay": ref_warmup_cosine_decay,
    "warmup_stable_decay": ref_warmup_stable_decay, "flat_cosine": ref_flat_cosine,
    "warmup": ref_warmup, "join": ref_join, "repeat": ref_repeat,
    "epochwise": ref_epochwise, "product": ref_product, "sum": ref_sum,
    "scale": ref_scale,
    "log_warmup": ref_log_warmup, "linear_growth": ref_linear_growth,
    "cosine_wave": ref_cosine_wave, "stepped_cyclic": ref_stepped_cyclic,
}



def ref_anneal_restarts(kw, t):  # jaxsched/_extra.py, from its docstring
  P, m, lim = kw["period"], kw["period_mult"], kw["cycle_limit"]
  out = np.empty_like(t)
  for n, x in enumerate(np.maximum(t, 0)):
    i, start, length = 0, 0.0, P
    while start + length <= x:
      start, length, i = start + length, length * m, i + 1
    u = ((x - start) / length) ** kw["k_decay"]
    g = {"cosine": (1 + np.cos(np.pi * u)) / 2,
         "tanh": (1 - np.tanh(kw["tanh_lower"] * (1 - u) + kw["tanh_upper"] * u)) / 2,
         "poly": (1 - u) ** kw["power"], "linear": 1 - u}[kw["shape"]]
    peak = kw["peak_value"] * kw["peak_decay"] ** i
    e = kw["end_value"]
    out[n] = e if (lim is not None and i >= lim) else e + (peak - e) * g
  return out


def ref_power_ramp(kw, t):
  f = _frac(t, 0.0, kw["transition_steps"])
  return kw["init_value"] + (kw["end_value"] - kw["init_value"]) * f ** kw["power"]


REFS.update({"anneal_restarts": ref_anneal_restarts, "power_ramp": ref_power_ramp})
# schedules that know the training run (issue 13)
_G = {"linear": lambda u: 1.0 - u,
      "cosine": lambda u: (1.0 + np.cos(np.pi * u)) / 2.0,
      "sqrt": lambda u: 1.0 - np.sqrt(u)}


def ref_accumulate(kw, t):
  return REFS[kw["inner"]](kw["inner_kw"], np.floor(t / kw["accumulation_steps"]))


def _stretched(t, keep, old, new):
  """keep + (t - keep) max(old - keep, 0) / (new - keep) after keep (den <= 0: 1),
  as the step the inner schedule is documented to see: a number of the float
  dtype in use (float32 has 24 bits, so a steep inner schedule at a fractional
  mapped step is as precise as a float32 step allows)."""
  den = new - keep if new - keep > 0 else 1.0
  u = np.where(t > keep, keep + (t - keep) * max(old - keep, 0.0) / den, t)
  return u.astype(jnp.zeros((), float).dtype).astype(np.float64)


def ref_stretch(kw, t):
  u = _stretched(t, kw["warmup_steps"], kw["total_steps"], kw["new_total_steps"])
  return REFS[kw["inner"]](kw["inner_kw"], u)


def ref_extend(kw, t):
  u = _stretched(t, kw["resume_step"], kw["total_steps"], kw["new_total_steps"])
  return REFS[kw["inner"]](kw["inner_kw"], u)


def ref_cooldown_from(kw, t):
  inner = REFS[kw["inner"]]
  start, end = kw["start"], kw["end_value"]
  a = inner(kw["inner_kw"], np.asarray([float(start)]))[0]
  u = _frac(t, start, kw["length"])
  return np.where(t < start, inner(kw["inner_kw"], t),
                  end + (a - end) * _G[kw["shape"]](u))


def ref_batch_scale(kw, t):
  p = {"linear": 1.0, "sqrt": 0.5}[kw["rule"]]
  return (REFS[kw["inner"]](kw["inner_kw"], t) *
          (kw["batch_size"] / kw["base_batch_size"]) ** p)


def ref_warmup_decay_ratio(kw, t):
  from fractions import Fraction  # the decimal product, rounded up
  T, peak = kw["total_steps"], kw["peak_value"]
  w = min(math.ceil(Fraction(repr(kw["warmup_ratio"])) * T), T)
  if kw["decay_ratio"] is None:
    d = T - w
  else:
    d = min(math.ceil(Fraction(repr(kw["decay_ratio"])) * T), T - w)
  mr, ir = kw["min_lr_ratio"], kw["init_lr_ratio"]
  up = peak * (ir + (1.0 - ir) * t / max(w, 1))
  down = peak * (mr + (1.0 - mr) * _G[kw["decay_shape"]](_jump_frac(t, T - d, d)))
  return np.where(t < w, up, down)


REFS.update({
    "accumulate": ref_accumulate, "stretch": ref_stretch, "extend": ref_extend,
    "cooldown_from": ref_cooldown_from, "batch_scale": ref_batch_scale,
    "warmup_decay_ratio": ref_warmup_decay_ratio,
})


# -- random valid configurations ------------------------------------------------

def _v(rng):  # a rate
  return float(rng.choice([1.0, 0.5, 2.0, 1e-3, 3e-4, 0.1, 0.05])) * float(
      rng.choice([1.0, 1.0, 0.7, 1.3]))


def _n(rng, lo, hi):  # a step count
  return int(rng.integers(lo, hi + 1))


def _end(rng, v):
  return float(rng.choice([0.0, 0.0, 0.1 * v, 0.01 * v]))


def gen(name: str, rng) -> dict[str, Any]:
  """Random valid keyword arguments (and, for composites, the inner configs)."""
  v = _v(rng)
  if name == "linear":
    return dict(init_value=v, end_value=_end(rng, v), transition_steps=_n(rng, 1, 97),
                transition_begin=_n(rng, 0, 20))
  if name == "polynomial":
    return dict(init_value=v, end_value=_end(rng, v), transition_steps=_n(rng, 1, 97),
                transition_begin=_n(rng, 0, 20),
                power=float(rng.choice([0.1, 0.5, 1.0, 2.0, 3.0])))
  if name == "polynomial_cycle":
    return dict(init_value=v, end_value=_end(rng, v), transition_steps=_n(rng, 1, 41),
                power=float(rng.choice([0.5, 1.0, 2.0])), cycle=True)
  if name == "cosine_decay":
    return dict(init_value=v, decay_steps=_n(rng, 1, 120), end_value=_end(rng, v),
                exponent=float(rng.choice([0.1, 0.5, 1.0, 2.0])))
  if name == "exponential_decay":
    return dict(init_value=v, decay_rate=float(rng.choice([0.5, 0.9, 0.96, 1.5])),
                transition_steps=(float(_n(rng, 1, 50)) if rng.random() < 0.5 else
                                  float(rng.choice([2.5, 7.25, 41.0]))),
                transition_begin=_n(rng, 0, 20), staircase=bool(rng.random() < 0.6),
                end_value=None)
  if name == "inverse_time_decay":
    return dict(init_value=v, decay_rate=float(rng.choice([0.5, 1.0, 3.0])),
                decay_steps=float(_n(rng, 1, 41)), staircase=bool(rng.random() < 0.5))
  if name == "inverse_scaling":
    return dict(init_value=v, power=float(rng.choice([0.5, 1.0, 0.25])),
                timescale=float(_n(rng, 1, 50)))
  if name == "inverse_sqrt":
    return dict(peak_value=v, warmup_steps=_n(rng, 0, 60))
  if name == "step_decay":
    return dict(init_value=v, step_size=_n(rng, 1, 41),
                gamma=float(rng.choice([0.1, 0.5, 0.9])))
  if name == "multistep":
    return dict(init_value=v, milestones=sorted(rng.integers(0, 150, 3).tolist()),
                gamma=float(rng.choice([0.1, 0.5])))
  if name == "piecewise_constant":
    b = sorted(rng.integers(0, 150, 3).tolist())
    return dict(boundaries=b, values=[_v(rng) for _ in range(4)])
  if name == "piecewise_linear":
    b = sorted(rng.integers(0, 150, 4).tolist())
    return dict(boundaries=b, values=[_v(rng) for _ in range(4)])
  if name == "cyclic":
    u = _n(rng, 1, 30)
    return dict(base_value=0.1 * v, max_value=v, step_size_up=u,
                step_size_down=_n(rng, 1, 30), mode="triangular", gamma=1.0)
  if name == "one_cycle":
    return dict(total_steps=_n(rng, 10, 150), peak_value=v,
                pct_start=float(rng.choice([0.25, 0.3, 0.5, 0.1])),
                div_factor=float(rng.choice([25.0, 10.0, 1e4])),
                final_div_factor=float(rng.choice([1e4, 100.0])),
                anneal=str(rng.choice(["cos", "linear"])),
                three_phase=bool(rng.random() < 0.3))
  if name == "one_cycle_momentum":
    return dict(total_steps=_n(rng, 10, 150), base_value=0.85, max_value=0.95,
                pct_start=float(rng.choice([0.25, 0.3, 0.5])),
                anneal=str(rng.choice(["cos", "linear"])),
                three_phase=bool(rng.random() < 0.3))
  if name == "cosine_restarts":
    return dict(init_value=v, period=_n(rng, 1, 23),
                period_mult=float(rng.choice([1.0, 2.0, 3.0, 4.0, 8.0])),
                peak_decay=float(rng.choice([1.0, 1.0, 0.5])), end_value=_end(rng, v))
  if name == "warmup_cosine_decay":
    w = _n(rng, 0, 40)
    return dict(peak_value=v, warmup_steps=w, total_steps=w + _n(rng, 1, 100),
                init_value=float(rng.choice([0.0, 0.1 * v])), end_value=_end(rng, v),
                exponent=float(rng.choice([1.0, 0.5, 2.0])))
  if name == "warmup_stable_decay":
    w, d = _n(rng, 0, 30), _n(rng, 0, 50)
    return dict(peak_value=v, warmup_steps=w, decay_steps=d,
                total_steps=w + d + _n(rng, 0, 60), init_value=0.0,
                end_value=_end(rng, v),
                decay_shape=str(rng.choice(["linear", "cosine", "sqrt"])))
  if name == "flat_cosine":
    return dict(value=v, total_steps=_n(rng, 2, 150),
                pct_start=float(rng.choice([0.5, 0.72, 0.75, 0.3])),
                end_value=_end(rng, v))
  if name == "log_warmup":
    return dict(init_value=float(rng.choice([0.0, 0.1 * v])), peak_value=v,
                warmup_steps=_n(rng, 2, 120))
  if name == "linear_growth":
    return dict(init_value=v, rate=float(rng.choice([1.0, 0.5, 5.0, 0.01])),
                step_size=_n(rng, 1, 40), staircase=bool(rng.random() < 0.5))
  if name == "cosine_wave":
    return dict(init_value=v, end_value=_end(rng, v),
                half_period=float(rng.choice([_n(rng, 1, 60), _n(rng, 2, 60) + 0.5])))
  if name == "stepped_cyclic":
    return dict(base_value=0.1 * v, max_value=v, step_size_up=_n(rng, 1, 30),
                step_size_down=_n(rng, 1, 30), stairs_up=_n(rng, 0, 5),
                stairs_down=_n(rng, 0, 5))
  if name == "anneal_restarts":
    return dict(peak_value=v, period=_n(rng, 1, 23), end_value=_end(rng, v),
                shape=str(rng.choice(["cosine", "tanh", "poly", "linear"])),
                period_mult=float(rng.choice([1.0, 2.0, 3.0])),
                peak_decay=float(rng.choice([1.0, 0.5])),
                cycle_limit=[None, 1, 2, 4][int(rng.integers(0, 4))],
                k_decay=float(rng.choice([1.0, 2.0, 0.5])),
                power=float(rng.choice([1.0, 2.0, 0.5])),
                tanh_lower=float(rng.choice([-7.0, -3.0])),
                tanh_upper=float(rng.choice([3.0, 5.0])))
  if name == "power_ramp":
    return dict(init_value=v, end_value=_end(rng, v) + float(rng.choice([0.0, v])),
                transition_steps=_n(rng, 1, 97),
                power=float(rng.choice([1.0, 2.0, 0.5])))
  if name == "warmup_decay_ratio":
    return dict(peak_value=v, total_steps=_n(rng, 1, 200),
                warmup_ratio=float(rng.choice([0.0, 0.05, 0.1, 0.3, 0.07])),
                decay_ratio=rng.choice([None, 0.0, 0.2, 0.5, 0.25]),
                min_lr_ratio=float(rng.choice([0.0, 0.1])),
                init_lr_ratio=float(rng.choice([0.0, 0.1])),
                decay_shape=str(rng.choice(["linear", "cosine", "sqrt"])))
  raise KeyError(name)


INNER = ["linear", "cosine_decay", "step_decay", "polynomial"]


def gen_composite(name: str, rng) -> dict[str, Any]:
  inner = str(rng.choice(INNER))
  if name == "warmup":
    return dict(inner=inner, inner_kw=gen(inner, rng), warmup_steps=_n(rng, 0, 40),
                init_value=float(rng.choice([0.0, 1e-4])),
                shape=str(rng.choice(["linear", "cosine", "sqrt"])))
  if name == "join":
    b1 = _n(rng, 1, 60)
    return dict(segments=[("linear", gen("linear", rng)), (inner, gen(inner, rng)),
                          ("cosine_decay", gen("cosine_decay", rng))],
                boundaries=[b1, b1 + _n(rng, 0, 60)])
  if name == "repeat":
    return dict(inner=inner, inner_kw=gen(inner, rng),
                period=float(rng.choice([_n(rng, 1, 60), 41.0, 7.0])))
  if name == "epochwise":
    return dict(inner="step_decay", inner_kw=dict(init_value=1.0, step_size=_n(rng, 1, 5),
                                                  gamma=0.5),
                steps_per_epoch=float(_n(rng, 1, 13)))
  if name in ("product", "sum"):
    b = str(rng.choice(INNER))
    return dict(a=inner, a_kw=gen(inner, rng), b=b, b_kw=gen(b, rng))
  if name == "scale":
    return dict(inner=inner, inner_kw=gen(inner, rng), factor=_v(rng))
  if name == "accumulate":
    return dict(inner=inner, inner_kw=gen(inner, rng),
                accumulation_steps=_n(rng, 1, 8))
  if name == "stretch":
    total = _n(rng, 1, 150)
    w = _n(rng, 0, min(total, 30))
    return dict(inner=inner, inner_kw=gen(inner, rng), total_steps=total,
                new_total_steps=w + _n(rng, 1, 250), warmup_steps=w)
  if name == "extend":
    total = _n(rng, 1, 150)
    return dict(inner=inner, inner_kw=gen(inner, rng), resume_step=_n(rng, 0, 200),
                total_steps=total, new_total_steps=total + _n(rng, 0, 150))
  if name == "cooldown_from":
    return dict(inner=inner, inner_kw=gen(inner, rng), start=_n(rng, 0, 150),
                length=_n(rng, 1, 80), end_value=float(rng.choice([0.0, 1e-4])),
                shape=str(rng.choice(["linear", "cosine", "sqrt"])))
  if name == "batch_scale":
    return dict(inner=inner, inner_kw=gen(inner, rng),
                batch_size=float(rng.choice([256, 1024, 64, 512])),
                base_batch_size=256.0, rule=str(rng.choice(["linear", "sqrt"])))
  raise KeyError(name)


FACTORIES = {
    "polynomial_cycle": js.polynomial,
}


def build(name: str, kw: dict[str, Any]) -> js.Schedule:
  if name == "warmup":
    return js.warmup(build(kw["inner"], kw["inner_kw"]), kw["warmup_steps"],
                     init_value=kw["init_value"], shape=kw["shape"])
  if name == "join":
    return js.join([build(n, k) for n, k in kw["segments"]], kw["boundaries"])
  if name == "repeat":
    return js.repeat(build(kw["inner"], kw["inner_kw"]), kw["period"])
  if name == "epochwise":
    return js.epochwise(build(kw["inner"], kw["inner_kw"]), kw["steps_per_epoch"])
  if name == "product":
    return js.product([build(kw["a"], kw["a_kw"]), build(kw["b"], kw["b_kw"])])
  if name == "sum":
    return js.add([build(kw["a"], kw["a_kw"]), build(kw["b"], kw["b_kw"])])
  if name == "scale":
    return js.scale(build(kw["inner"], kw["inner_kw"]), kw["factor"])
  if name in RUN_COMPOSITES:
    rest = {k: v for k, v in kw.items() if k not in ("inner", "inner_kw")}
    return getattr(js, name)(build(kw["inner"], kw["inner_kw"]), **rest)
  make = FACTORIES.get(name) or getattr(js, name)
  return make(**kw)


COMPOSITES = ["warmup", "join", "repeat", "epochwise", "product", "sum", "scale"]
RUN_COMPOSITES = ["accumulate", "stretch", "extend", "cooldown_from", "batch_scale"]
COMPOSITES += RUN_COMPOSITES
FAMILIES = [n for n in REFS if n not in COMPOSITES]


def configs(name: str, n: int = N_CONFIGS) -> list[dict[str, Any]]:
  rng = np.random.default_rng(abs(hash(name)) % 2**32 if False else
                              sum(map(ord, name)) * 7919)
  g = gen_composite if name in COMPOSITES else gen
  return [g(name, rng) for _ in range(n)]


def _numbers(kw: Any) -> list[float]:
  """Every number in a config (nested), for the exact-value check."""
  out: list[float] = [0.0]
  if isinstance(kw, dict):
    for v in kw.values():
      out += _numbers(v)
  elif isinstance(kw, (list, tuple)):
    for v in kw:
      out += _numbers(v)
  elif isinstance(kw, (int, float)) and not isinstance(kw, bool):
    out.append(float(kw))
  return out


def steps_for(s: js.Schedule, horizon: int) -> np.ndarray:
  ev = s.phase_changes(horizon)
  near = np.concatenate([np.floor(ev) + d for d in (-1, 0, 1, 2)] + [np.ceil(ev)])
  dense = np.arange(DENSE)
  st = np.unique(np.concatenate([near, dense, [horizon, horizon + 1]]))
  return st[st >= 0].astype(np.int64)


def _check(name, kw, ours, ref, steps, mode, worst):
  ours = np.asarray(ours, np.float64)
  if not ref.size:
    return
  peak = float(np.max(np.abs(ref))) if ref.size else 1.0
  err = np.abs(ours - ref)
  tol = 1e-6 * (np.abs(ref) + 0.1 * peak) + 1e-30
  rel = float(np.max(err / (np.abs(ref) + 0.1 * peak + 1e-30)))
  worst[mode] = max(worst.get(mode, 0.0), rel)
  bad = np.nonzero(err > tol)[0]
  assert bad.size == 0, (
      f"{name} {mode}: {bad.size} steps off, first at step {steps[bad[0]]}: ours "
      f"{ours[bad[0]]!r}, float64 {ref[bad[0]]!r}; config {kw}")


def _check_exact(name, kw, events, ours, ref, steps, mode):
  """At phase changes, values the config defines must come out exactly."""
  nums = np.asarray(_numbers(kw), np.float64)
  at = np.isin(steps, np.concatenate([np.floor(events), np.ceil(events)]))
  for i in np.nonzero(at)[0]:
    r = ref[i]
    if np.any(nums == r):
      assert np.float32(ours[i]) == np.float32(r), (
          f"{name} {mode}: at phase change step {steps[i]} the value must be "
          f"exactly {np.float32(r)!r}, got {ours[i]!r}; config {kw}")


WORST: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="module", autouse=True)
def _report():
  """With JAXSCHED_DIFF_REPORT=path, writes the worst relative error per family
  and evaluation mode (against the float64 formula) as JSON."""
  yield
  path = os.environ.get("JAXSCHED_DIFF_REPORT")
  if path:
    with open(path, "w") as fh:
      json.dump(WORST, fh, indent=1, sort_keys=True)

def _padded(steps: np.ndarray, width: int = 512) -> jax.Array:
  """int32 ``steps`` padded with the last one to a multiple of ``width``: eager
  JAX compiles each operation once per shape, so every family's eager run shares
  one shape (and the programs compiled for it)."""
  return jnp.asarray(pad(steps, round_up(len(steps), width)), jnp.int32)


_vmapped = jax.jit(lambda st, k: jax.vmap(lambda s: s(k))(st))


@jax.jit
def _by_structure(stacks, unions, picks):
  """Per stack of configurations of one structure (a family has several: its
  discrete options): the vmap over the stack at its union of steps, as int32,
  uint32 and float32 (``unions``: the three arrays), and each configuration
  ``j`` alone at scalar steps ``k`` (``picks``: pairs (j, k) walked by
  ``lax.map``, the schedule traced with a scalar step). One program for all of
  a family's structures (one per structure and mode: 218 programs)."""
  def scalar(st, jk):
    return jax.tree.map(lambda x: x[jk[0]], st)(jk[1])
  return [([jax.vmap(lambda s, k=k: s(k))(st) for k in ks],
           jax.lax.map(functools.partial(scalar, st), pk))
          for st, ks, pk in zip(stacks, unions, picks)]


NAMES = FAMILIES + COMPOSITES


def _closed_block(names):
  """Each family's first configuration closed over (its numbers constants), at
  its steps, a block of families in one jitted program."""
  scheds = [build(n, configs(n)[0]) for n in names]
  ks = [np.asarray(steps_for(s, 320), np.int32) for s in scheds]
  return [np.asarray(o) for o in jax.jit(lambda ks: [s(k) for s, k in zip(scheds, ks)])(ks)]


@pytest.mark.parametrize("name", NAMES)
def test_differential(name):
  kws = configs(name)
  scheds = [build(name, kw) for kw in kws]
  horizon = 320
  worst = WORST.setdefault(name, {})
  steps_of = [steps_for(s, horizon) for s in scheds]
  events = [s.phase_changes(horizon) for s in scheds]
  refs = [REFS[name](kw, st.astype(np.float64)) for kw, st in zip(kws, steps_of)]

  def check(i, ours, mode, idx=None):
    st, ref = steps_of[i], refs[i]
    if idx is not None:
      st, ref = st[idx], ref[idx]
    _check(name, kws[i], ours, ref, st, mode, worst)
    _check_exact(name, kws[i], events[i], np.asarray(ours), ref, st, mode)

  # one stack per structure: jit of a vmap over the stack, per step dtype, and
  # jit with scalar steps at the phase changes (the stack and an index passed in)
  groups: dict[Any, list[int]] = {}
  for i, s in enumerate(scheds):
    groups.setdefault(jax.tree_util.tree_structure(s), []).append(i)
  dtypes = (jnp.int32, jnp.uint32, jnp.float32)
  stacks, unions, picks, plan = [], [], [], []
  for idx in groups.values():
    union = np.unique(np.concatenate([steps_of[i] for i in idx]))
    pick = [np.nonzero(np.isin(steps_of[i], np.floor(events[i])))[0] for i in idx]
    stacks.append(js.stack([scheds[i] for i in idx]))
    unions.append([np.asarray(union, dt) for dt in dtypes])
    picks.append((np.asarray([j for j, p in enumerate(pick) for _ in p], np.int32),
                  np.asarray([steps_of[i][q] for i, p in zip(idx, pick) for q in p],
                             np.int32)))
    plan.append((idx, union, pick))
  for (idx, union, pick), (outs, scalars) in zip(plan, _by_structure(stacks, unions, picks)):
    for dt, out in zip(dtypes, outs):
      for row, i in zip(np.asarray(out), idx):
        pos = np.searchsorted(union, steps_of[i])
        check(i, row[pos], f"vmap+jit[{jnp.dtype(dt).name}]")
    scalars = np.asarray(scalars)
    start = 0
    for i, p in zip(idx, pick):
      check(i, scalars[start:start + len(p)], "jit-scalar", p)
      start += len(p)
  # eagerly, each configuration on its own, array steps and scalar steps
  for i, s in enumerate(scheds):
    with jax.disable_jit():
      check(i, s(_padded(steps_of[i]))[:len(steps_of[i])], "eager")
      if i == 0:
        pick = np.nonzero(np.isin(steps_of[i], np.floor(events[i])))[0]
        ours = [float(s(int(steps_of[i][p]))) for p in pick]
        check(i, np.asarray(ours), "eager-scalar", pick)
  # closed over: XLA constant-folds the hyperparameters (x / c -> x * (1 / c))
  check(0, in_block(_closed_block, NAMES, name), "jit-closed")


@pytest.mark.parametrize("name", ["cosine_restarts", "polynomial", "step_decay",
                                  "join", "warmup_cosine_decay", "cyclic"])
def test_differential_int64_x64(name):
  """int64 steps under x64, up to steps beyond 2**31."""
  enable_x64 = jax.enable_x64
  kws = configs(name, 3)
  with enable_x64():
    for kw in kws:
      s = build(name, kw)
      steps = steps_for(s, 320)
      ref = REFS[name](kw, steps.astype(np.float64))
      ours = jax.jit(lambda s, k: s(k))(s, jnp.asarray(steps, jnp.int64))
      assert ours.dtype == jnp.float64
      _check(name, kw, ours, ref, steps, "jit[int64,x64]", {})


# -- the issue's reproducers, each against its reference value ------------------

def _three_ways(s, k):
  """``s`` at step ``k``: eagerly (a scalar, op by op), eagerly in an array of
  steps (``arange``, padded to a multiple of 1024 so that the cases share one
  shape and its compiled operations), jitted, and jitted with ``s`` an argument."""
  with jax.disable_jit():
    eager = float(s(k))
  arr = float(np.asarray(s(jnp.arange(round_up(k + 2, 1024))))[k])
  return [eager, arr, float(jax.jit(s)(k)), float(jax.jit(lambda s: s(k))(s))]


@pytest.mark.parametrize("s,k,want", [
    (js.compat.torch.CosineAnnealingWarmRestarts(0.05, T_0=10, T_mult=4), 50, 0.05),
    (js.compat.torch.CosineAnnealingWarmRestarts(1.0, T_0=3, T_mult=8), 3, 1.0),
    (js.polynomial(1.0, 0.0, 83, power=0.5), 83, 0.0),
    (js.cosine_restarts(1.0, 7, period_mult=4.0), 7, 1.0),
    (js.cosine_restarts(1.0, 23, period_mult=1.1), 23, 1.0),
    (js.exponential_decay(1.0, 0.5, 41.0, staircase=True), 41, 0.5),
    (js.repeat(js.linear(1.0, 0.0, 41), 41.0), 41, 1.0),
    (js.polynomial(1.0, 0.0, 41, power=0.1), 41, 0.0),
    (js.warmup_stable_decay(1.0, 10, 0, 100), 100, 0.0),
])
def test_issue_reproducers_exact(s, k, want):
  assert _three_ways(s, k) == [np.float32(want)] * 4


def test_issue_reproducers_close():
  # formula: 0.5 * (1 + cos(pi * 99999 / 100000)) ** 0.1 (float64)
  want = (0.5 * (1 + math.cos(math.pi * 99_999 / 100_000))) ** 0.1
  got = _three_ways(js.cosine_decay(1.0, 100_000, exponent=0.1), 99_999)
  np.testing.assert_allclose(got, want, rtol=2e-5)
  s = js.cyclic(0.0, 1.0, 2**30 + 1, step_size_down=2**30 + 1)
  np.testing.assert_allclose(_three_ways(s, 5), 5 / (2**30 + 1), rtol=1e-6)
  s = js.one_cycle(1000, 1.0, div_factor=1e4)
  np.testing.assert_allclose(_three_ways(s, 0), 1e-4, rtol=1e-7)


def test_int_peak_has_float_signature():
  a, b = js.one_cycle(1000, 1), js.one_cycle(1000, 0.3)
  assert (jax.tree_util.tree_structure(a) == jax.tree_util.tree_structure(b))
  assert [x.dtype for x in jax.tree.leaves(a)] == [x.dtype for x in jax.tree.leaves(b)]
  st = js.stack([a, b])
  # the peak is at pct_start * total_steps - 1 = 299
  np.testing.assert_allclose(jax.vmap(lambda s: s(299))(st), [1.0, 0.3], rtol=1e-6)
  traces = []

  @jax.jit
  def f(s):
    traces.append(1)
    return s(10)

  f(js.cosine_decay(1, 100))
  f(js.cosine_decay(0.5, 100))
  assert len(traces) == 1


def test_unsigned_steps_no_warning(recwarn):
  s = js.warmup_cosine_decay(1.0, 10, 100)
  for dt in (jnp.uint8, jnp.uint16, jnp.uint32):
    assert float(s(jnp.asarray(10, dt))) == 1.0
  big = s(jnp.asarray(2**32 - 1, jnp.uint32))  # saturates at 2**31 - 1: the end
  assert float(big) == 0.0
  assert not [w for w in recwarn.list if "truncated" in str(w.message)]


def test_oversized_int64_step_refused():
  with pytest.raises(ValueError, match="must fit int32 while jax_enable_x64 is off"):
    js.linear(1.0, 0.0, 10)(np.int64(2**32 + 5))


def _restarts(t0: int, mult: int, limit: float, most: int | None = 64) -> list[int]:
  """The restarts below ``limit`` of cycles ``t0 * mult**i`` (the first ``most``)."""
  if mult == 1:
    return np.arange(t0, limit, t0, dtype=np.int64)[:most].tolist()
  out, start, length = [], 0, t0
  while start + length < limit and (most is None or len(out) < most):
    start += length
    out.append(start)
    length *= mult
  return out


_batched = jax.jit(jax.vmap(lambda s, k: s(k)))


@pytest.mark.parametrize("mult", [1, 2, 3, 4, 6, 7, 8, 10])
def test_sgdr_every_restart_exact(mult):
  """Every restart below 2**31 - 1 for T_0 in 1..100: the peak, exactly, and the
  step before it is the end of the previous cycle (traced and closed over)."""
  limit = 1e7 if mult == 1 else 2**31 - 1
  t0s = list(range(1, 101))
  rs = [_restarts(t, mult, limit) for t in t0s]
  width = 64  # every row padded with its last restart: one shape for every mult
  steps = np.asarray([r + [r[-1]] * (width - len(r)) for r in rs], np.int64)
  st = js.stack([js.compat.torch.CosineAnnealingWarmRestarts(1.0, T_0=t, T_mult=mult)
                 for t in t0s])
  at = _batched(st, jnp.asarray(steps, jnp.int32))  # one compile for both
  before = _batched(st, jnp.asarray(steps - 1, jnp.int32))
  assert np.all(np.asarray(at) == 1.0), np.argwhere(np.asarray(at) != 1.0)[:5]
  # the step before a restart ends the previous cycle (unless that cycle is one
  # step long: with T_0 = 1 the first cycle is step 0 alone, a peak)
  one_step = np.zeros(steps.shape, bool)
  one_step[0, 0] = True
  if mult == 1:
    one_step[0, :] = True
  before = np.asarray(before)
  assert np.all((before < 1.0) | one_step), np.argwhere(~((before < 1.0) | one_step))[:5]
  # closed over (constant hyperparameters: the NumPy table), one T_0
  s = js.compat.torch.CosineAnnealingWarmRestarts(1.0, T_0=7, T_mult=mult)
  r = jnp.asarray(_restarts(7, mult, limit, most=None), jnp.int32)
  assert np.all(np.asarray(jax.jit(lambda k: s(k))(r)) == 1.0)


def test_sgdr_traced_table_equals_the_int64_table():
  """The traced table of cycle starts and lengths (square-and-multiply and a
  split cumulative sum, for traced hyperparameters) equals the repeated int64
  addition and multiplication used for concrete ones, saturating at 2**31 - 1;
  periods and multipliers as int32 and as float32 (whole and exact there)."""
  from jaxsched import _shapes  # pylint: disable=import-outside-toplevel
  top = 2**31 - 1
  ps = [1, 2, 3, 7, 10, 1000, 2**16 - 1, 2**16, 2**16 + 1, 2**20, 2**24 + 1,
        2**30, 2**30 + 1, top - 1, top]
  ms = [1, 2, 3, 4, 7, 10, 1000, 46340, 46341, 2**16, 2**20, 2**30, top]
  pairs = np.asarray([(p, m) for p in ps for m in ms], np.int64)
  table = jax.jit(jax.vmap(_shapes._int_cycles_traced))
  for dt in (jnp.int32, jnp.float32):
    exact = [(p, m) for p, m in pairs if float(np.asarray(p, dt)) == p
             and float(np.asarray(m, dt)) == m]
    got_s, got_l = table(*(jnp.asarray(np.asarray(exact)[:, c], dt) for c in (0, 1)))
    for row, (p, m) in enumerate(exact):
      want_s, want_l = _shapes._int_cycles_np(int(p), int(m))
      np.testing.assert_array_equal(got_s[row], want_s, err_msg=f"starts {p}, {m}")
      np.testing.assert_array_equal(got_l[row], want_l, err_msg=f"lengths {p}, {m}")


def test_sgdr_period_above_2_24_restarts_exactly():
  """An integer period of 2**24 + 1 (which float32 rounds to 2**24) restarts at
  P and 2P (period_mult 1) or P and 3P (period_mult 2), not one step early:
  eagerly, jitted with the schedule as an argument (vmapped over a stack of
  both) and closed over."""
  p = 2**24 + 1
  k = np.asarray([p - 1, p, 2 * p - 1, 2 * p, 3 * p - 1, 3 * p])
  restart = {1.0: [1, 3], 2.0: [1, 5]}  # positions in k
  end = {1.0: [0, 2], 2.0: [0, 4]}
  scheds = [js.cosine_restarts(1.0, p, period_mult=m) for m in restart]
  batched = np.asarray(_vmapped(js.stack(scheds), jnp.asarray(k, jnp.int32)))
  for row, (mult, s) in enumerate(zip(restart, scheds)):
    ways = {"eager": np.asarray(s(_padded(k)))[:len(k)], "vmap+jit": batched[row],
            "jit-closed": np.asarray(jax.jit(lambda k, s=s: s(k))(jnp.asarray(k, jnp.int32)))}
    for mode, got in ways.items():
      assert np.all(got[restart[mult]] == 1.0), (mult, mode, got)
      assert np.all(got[end[mult]] < 1e-6), (mult, mode, got)
