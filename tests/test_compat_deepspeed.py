"""jaxsched.compat.deepspeed against DeepSpeed's own numbers.

``tests/golden/deepspeed.json`` holds, for every scheduler of
``deepspeed.runtime.lr_schedules``, the learning rate (and for ``OneCycle`` Adam's
``betas[0]``) after k ``scheduler.step()`` calls, produced by
``tests/golden/generate_transformers_deepspeed.py`` from DeepSpeed 0.19.8 on
CPU. Each case is rebuilt from its config with ``from_config`` and evaluated in
one jitted call; tolerance is float32's: ``|got - ref| <= 1e-5 |ref| + 2e-7 peak``.
"""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from compat_check import (
  apply_each,
  check_eager_equals_jit,
  check_vmap,
  compare,
  eager,
  evaluate_all,
  report,
)

import jaxsched
from jaxsched.compat import deepspeed as jd

GOLDEN = json.loads((Path(__file__).parent / "golden" / "deepspeed.json").read_text())
CASES = GOLDEN["cases"]


def build(case):
  return jd.from_config({"type": case["type"], "params": case["params"]},
                        lr=case["optimizer_lr"])


def test_golden_every_scheduler_type():
  got_all = evaluate_all([build(c) for c in CASES], [c["steps"] for c in CASES])
  failures, worst = [], {}
  for case, got in zip(CASES, got_all):
    ref = np.asarray(case["values"])
    compare(case["id"], case["steps"], got, ref, np.abs(got - ref), failures, worst,
            case["type"])
  report("DeepSpeed per type", worst, 16)
  assert not failures, "\n".join(failures)
  assert set(worst) == {"WarmupLR", "WarmupDecayLR", "WarmupCosineLR", "OneCycle",
                        "LRRangeTest"}


def test_golden_onecycle_momentum():
  cases = [c for c in CASES if "momentum_values" in c]
  assert len(cases) >= 5
  got_all = evaluate_all([build(c).momentum for c in cases], [c["steps"] for c in cases])
  failures, worst = [], {}
  for case, got in zip(cases, got_all):
    ref = np.asarray(case["momentum_values"])
    compare(case["id"], case["steps"], got, ref, np.abs(got - ref), failures, worst,
            "OneCycle.momentum")
  report("DeepSpeed momentum", worst, 18)
  assert not failures, "\n".join(failures)
  off = [c for c in CASES if c["type"] == "OneCycle" and not c["params"].get(
      "cycle_momentum", True)]
  assert off and not hasattr(build(off[0]), "momentum")


def test_golden_covers_every_boundary():
  for c in CASES:
    p = c["params"]
    if c["type"] == "OneCycle":
      up = p["cycle_first_step_size"]
      marks = [up, up + p.get("cycle_second_step_size", up)]
    elif c["type"] == "LRRangeTest":
      marks = [p.get("lr_range_test_step_size", 2000)]
    else:
      marks = [max(2, p.get("warmup_num_steps", 1000)), p.get("total_num_steps", 0)]
    for b in marks:
      if 1 <= b <= max(c["steps"]) - 1:
        assert {b - 1, b, b + 1} <= set(c["steps"]), c["id"]


# --------------------------------------------------------------------------
# Every numeric argument traceable; eager == jit; integer dtypes.
# --------------------------------------------------------------------------
STEPS = jnp.arange(0, 90, dtype=jnp.int32)

VMAP_CASES = {
    "WarmupLR/log": (lambda lo, hi, w: jd.WarmupLR(lo, hi, w),
                     [[0.0, 1e-3, 0.01], [0.1, 1.0, 0.05], [10, 1, 30]]),
    "WarmupLR/linear": (lambda lo, hi, w: jd.WarmupLR(lo, hi, w, "linear"),
                        [[0.0, 1e-3, 0.01], [0.1, 1.0, 0.05], [10, 2, 30]]),
    "WarmupDecayLR": (lambda t, lo, hi, w: jd.WarmupDecayLR(t, lo, hi, w),
                      [[60, 30, 20], [0.0, 1e-3, 0.01], [0.1, 1.0, 0.05],
                       [10, 30, 40]]),
    "WarmupCosineLR": (lambda t, rw, w, rc, lr: jd.WarmupCosineLR(
        t, rw, w, rc, "linear", lr=lr),
                       [[60, 30, 10], [0.0, 0.1, 0.5], [10, 1, 20], [1e-4, 0.0, 0.1],
                        [0.1, 1.0, 0.01]]),
    "OneCycle": (lambda lo, hi, r, u, d, n1, n2, dss: jd.OneCycle(
        lo, hi, r, u, d, n1, n2, dss),
                 [[0.001, 0.0, 0.01], [0.01, 1.0, 0.1], [0.1, 0.0, 1.0], [10, 7, 20],
                  [20, 3, 10], [0, 5, 4], [3, 0, 4], [5, 0, 1]]),
    "OneCycle.momentum": (lambda u, m_lo, m_hi, r, dss: jd.OneCycle(
        0.001, 0.01, cycle_first_step_size=u, cycle_min_mom=m_lo, cycle_max_mom=m_hi,
        decay_mom_rate=r, decay_step_size=dss).momentum,
                          [[10, 7, 20], [0.8, 0.85, 0.5], [0.9, 0.95, 0.99],
                           [0.01, 0.0, 0.1], [5, 0, 1]]),
    "LRRangeTest": (lambda m, n, r: jd.LRRangeTest(m, n, r),
                    [[1e-3, 1e-4, 0.1], [10, 7, 1], [1.0, 0.5, 5.0]]),
    "LRRangeTest/staircase": (lambda m, n, r: jd.LRRangeTest(m, n, r, True),
                              [[1e-3, 1e-4, 0.1], [10, 7, 1], [1.0, 0.5, 5.0]]),
}


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap_over_every_numeric_argument(name):
  make, cols = VMAP_CASES[name]
  check_vmap(name, make, cols, STEPS)


def test_eager_equals_jit_and_integer_dtypes():
  one_per_kind = list({c["type"]: c for c in CASES}.values())
  check_eager_equals_jit([c["id"] for c in one_per_kind], [build(c) for c in one_per_kind], STEPS)


def test_from_config_equals_constructor_and_round_trips():
  cfg = {"type": "OneCycle", "params": {"cycle_min_lr": 0.001, "cycle_max_lr": 0.01,
                                        "cycle_first_step_size": 10,
                                        "cycle_first_stair_count": 3}}
  a = jd.from_config(cfg)
  b = jd.OneCycle(0.001, 0.01, cycle_first_step_size=10, cycle_first_stair_count=3)
  assert a == b
  assert jaxsched.from_config(json.dumps(a.to_config())) == a
  np.testing.assert_array_equal(eager(a.momentum, STEPS), eager(b.momentum, STEPS))


@pytest.mark.parametrize("make, message", [
    (lambda: jd.from_config({"type": "CosineLR", "params": {}}),
     r"^compat\.deepspeed\.from_config: `config\['type'\]` must be one of "
     r"'LRRangeTest', 'OneCycle', 'WarmupCosineLR', 'WarmupDecayLR', 'WarmupLR', "
     r"got config\['type'\]='CosineLR'\. Pass a scheduler of deepspeed"),
    (lambda: jd.from_config({"type": "WarmupLR", "params": {"warmup_steps": 10}}),
     r"^compat\.deepspeed\.from_config: unknown WarmupLR parameter\(s\) "
     r"\['warmup_steps'\]"),
    (lambda: jd.from_config([1, 2]),
     r"^compat\.deepspeed\.from_config: `config` must be a dict with a \"type\" key"),
    (lambda: jd.WarmupLR(warmup_max_lr=0.1, warmup_num_steps=0),
     r"^compat\.deepspeed\.WarmupLR: `warmup_num_steps` must be >= 1, got "
     r"warmup_num_steps=0\."),
    (lambda: jd.WarmupLR(0.0, 0.1, 10, warmup_type="cosine"),
     r"^compat\.deepspeed\.WarmupLR: `warmup_type` must be one of 'log', 'linear', "
     r"got warmup_type='cosine'\."),
    (lambda: jd.WarmupLR(),
     r"^compat\.deepspeed\.WarmupLR: `warmup_max_lr` must be given, or `lr`"),
    (lambda: jd.WarmupCosineLR(100, lr=None),
     r"^compat\.deepspeed\.WarmupCosineLR: `lr` must be a number \(int or float\), "
     r"got lr=None\. Pass the optimizer's learning rate\."),
    (lambda: jd.WarmupCosineLR(100, cos_min_ratio=-0.1, lr=0.1),
     r"`cos_min_ratio` must be >= 0, got cos_min_ratio=-0\.1\."),
    (lambda: jd.OneCycle(0.001, 0.01, cycle_second_step_size=0),
     r"^compat\.deepspeed\.OneCycle: `cycle_second_step_size` must be > 0, got "
     r"cycle_second_step_size=0\."),
    (lambda: jd.OneCycle(0.001, 0.01, cycle_first_stair_count=1.5),
     r"^compat\.deepspeed\.OneCycle: `cycle_first_stair_count` must be a whole "
     r"number of steps, got cycle_first_stair_count=1\.5\."),
    (lambda: jd.LRRangeTest(lr_range_test_step_size=0),
     r"^compat\.deepspeed\.LRRangeTest: `lr_range_test_step_size` must be >= 1"),
    (lambda: jd.WarmupDecayLR(100, last_batch_iteration=5),
     r"^compat\.deepspeed\.WarmupDecayLR: `last_batch_iteration` must be -1, got "
     r"last_batch_iteration=5\."),
])
def test_validation_messages(make, message):
  with pytest.raises(ValueError, match=message):
    make()


def test_int64_steps_under_x64_match_to_float64_precision():
  one_per_kind = list({c["type"]: c for c in CASES}.values())
  with jax.enable_x64(True):
    scheds = [build(c) for c in one_per_kind]
    steps = [np.asarray(c["steps"], np.int64) for c in one_per_kind]
    got = apply_each(scheds, steps)
    for c, g in zip(one_per_kind, got):
      assert g.dtype == jnp.float64
      np.testing.assert_allclose(np.asarray(g), c["values"], rtol=1e-10,
                                 atol=1e-12 * max(map(abs, c["values"])),
                                 err_msg=c["id"])
