"""jaxsched.compat.transformers against transformers' own numbers.

``tests/golden/transformers_scheduler.json`` holds, for every step-driven name
of ``transformers.get_scheduler`` (and ``reduce_lr_on_plateau``), the learning
rate after k ``scheduler.step()`` calls, produced by
``tests/golden/generate_transformers_deepspeed.py`` from transformers 5. Each
case is rebuilt with ``get_scheduler`` and evaluated in one jitted call;
tolerance is float32's: ``|got - ref| <= 1e-5 |ref| + 2e-7 peak``.
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
  evaluate_all,
  jitted,
  report,
)
from padded import pad_length

from jaxsched.compat import transformers as jtr

GOLDEN = json.loads(
    (Path(__file__).parent / "golden" / "transformers_scheduler.json").read_text())
CASES = [c for c in GOLDEN["cases"] if c["name"] != "reduce_lr_on_plateau"]
PLATEAU = [c for c in GOLDEN["cases"] if c["name"] == "reduce_lr_on_plateau"]
# the padded step count of the golden test's jitted evaluation (evaluate_all):
# other jitted checks pad to it too and reuse the compile of every schedule of
# a golden case's class and structure
GOLDEN_LENGTH = pad_length(max(len(c["steps"]) for c in CASES))


def build(case):
  return jtr.get_scheduler(case["name"], case["lr"], case["num_warmup_steps"],
                           case["num_training_steps"],
                           case["scheduler_specific_kwargs"])


def test_golden_every_scheduler_name():
  got_all = evaluate_all([build(c) for c in CASES], [c["steps"] for c in CASES])
  failures, worst = [], {}
  for case, got in zip(CASES, got_all):
    ref = np.asarray(case["values"])
    compare(case["id"], case["steps"], got, ref, np.abs(got - ref), failures, worst,
            case["name"])
  report("transformers per name", worst, 26)
  assert not failures, "\n".join(failures)
  assert set(worst) | {"reduce_lr_on_plateau"} == set(jtr.SCHEDULER_NAMES)


@jax.jit
def _plateau_update(p, state, metric):
  return p.update(state, value=metric)


def test_golden_reduce_lr_on_plateau():
  assert len(PLATEAU) >= 3
  for case in PLATEAU:
    p = build(case)
    state = p.init()
    lrs = [float(p(state))]
    for m in case["metrics"]:
      state = _plateau_update(p, state, m)
      lrs.append(float(p(state)))
    got = np.asarray(lrs)[case["steps"]]
    np.testing.assert_allclose(got, case["values"], rtol=1e-6, err_msg=case["id"])


def test_golden_past_the_end_and_at_boundaries():
  # transformers' cosine rises again after num_training_steps, its hard restarts
  # drop to 0 at N: the golden data runs past N, so pin that it is covered.
  by_name = {}
  for c in CASES:
    n = c["num_training_steps"]
    if n is not None and max(c["steps"]) > n:
      by_name.setdefault(c["name"], []).append(c)
  assert {"cosine", "cosine_with_restarts", "linear", "polynomial",
          "cosine_with_min_lr", "cosine_warmup_with_min_lr",
          "warmup_stable_decay"} <= set(by_name)
  for c in CASES:  # every warmup end and training end, +-1, is in the data
    for b in (c["num_warmup_steps"], c["num_training_steps"]):
      if b is not None and b <= max(c["steps"]) - 1:
        assert {max(b - 1, 0), b, b + 1} <= set(c["steps"]), c["id"]


def test_direct_functions_equal_get_scheduler():
  k = jnp.arange(0, 130)
  pairs = [
      (jtr.get_linear_schedule_with_warmup(0.1, 10, 100),
       jtr.get_scheduler("linear", 0.1, 10, 100)),
      (jtr.get_cosine_schedule_with_warmup(0.1, 10, 100, num_cycles=1.5),
       jtr.get_scheduler("cosine", 0.1, 10, 100, {"num_cycles": 1.5})),
      (jtr.get_wsd_schedule(0.1, 10, 20, num_training_steps=100, decay_type="1-sqrt"),
       jtr.get_scheduler("warmup_stable_decay", 0.1, 10, 100,
                         {"num_decay_steps": 20, "decay_type": "1-sqrt"})),
      (jtr.get_constant_schedule_with_warmup(0.1, 10),
       jtr.get_scheduler("constant_with_warmup", 0.1, 10, 100, {"ignored": 1})),
  ]
  for a, b in pairs:
    np.testing.assert_array_equal(jitted(a, k, length=GOLDEN_LENGTH),
                                  jitted(b, k, length=GOLDEN_LENGTH))


# --------------------------------------------------------------------------
# Every numeric argument traceable; eager == jit; integer dtypes.
# --------------------------------------------------------------------------
STEPS = jnp.arange(0, 130, dtype=jnp.int32)

VMAP_CASES = {
    "constant": (lambda lr: jtr.get_constant_schedule(lr), [[0.1, 1.0, 0.5]]),
    "linear": (lambda lr, w, n: jtr.get_linear_schedule_with_warmup(lr, w, n),
               [[0.1, 1.0, 0.5], [10, 0, 30], [100, 50, 20]]),
    "cosine": (lambda lr, w, n, c: jtr.get_cosine_schedule_with_warmup(lr, w, n, c),
               [[0.1, 1.0, 0.5], [10, 0, 30], [100, 50, 77], [0.5, 1.0, 1.5]]),
    "cosine_with_restarts": (
        lambda lr, w, n, c: jtr.get_cosine_with_hard_restarts_schedule_with_warmup(
            lr, w, n, c), [[0.1, 1.0, 0.5], [10, 0, 7], [100, 90, 61], [1, 3, 2]]),
    "polynomial": (lambda lr, w, n, e, p: jtr.get_polynomial_decay_schedule_with_warmup(
        lr, w, n, e, p), [[0.1, 1.0, 0.5], [10, 0, 20], [100, 50, 120],
                          [1e-7, 0.01, 0.1], [1.0, 2.0, 0.5]]),
    "constant_with_warmup": (lambda lr, w: jtr.get_constant_schedule_with_warmup(lr, w),
                             [[0.1, 1.0, 0.5], [10, 0, 30]]),
    "inverse_sqrt": (lambda lr, w, t: jtr.get_inverse_sqrt_schedule(lr, w, t),
                     [[0.1, 1.0, 0.5], [10, 0, 30], [10, 50, 5]]),
    "cosine_with_min_lr": (
        lambda lr, w, n, c, r: jtr.get_cosine_with_min_lr_schedule_with_warmup(
            lr, w, n, c, min_lr_rate=r),
        [[0.1, 1.0, 0.5], [10, 0, 30], [100, 50, 77], [0.5, 1.0, 0.3],
         [0.1, 0.0, 0.5]]),
    "cosine_warmup_with_min_lr": (
        lambda lr, w, n, c, r, rw: jtr.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            lr, w, n, c, min_lr_rate=r, warmup_lr_rate=rw),
        [[0.1, 1.0, 0.5], [10, 1, 30], [100, 50, 77], [0.5, 1.0, 0.3],
         [0.1, 0.0, 0.5], [0.1, 0.0, 0.5]]),
    "cosine_warmup_with_min_lr/no_rate": (
        lambda lr, w, n, r: jtr.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            lr, w, n, min_lr=r),
        [[0.1, 1.0, 0.5], [10, 0, 30], [100, 50, 77], [0.01, 0.0, 0.05]]),
    "warmup_stable_decay": (
        lambda lr, w, d, n, r, c: jtr.get_wsd_schedule(
            lr, w, d, num_training_steps=n, min_lr_ratio=r, num_cycles=c),
        [[0.1, 1.0, 0.5], [10, 0, 30], [20, 50, 1], [100, 60, 31], [0.1, 0.0, 0.5],
         [0.5, 1.0, 0.25]]),
    "warmup_stable_decay/stable": (
        lambda w, d, s: jtr.get_wsd_schedule(0.1, w, d, num_stable_steps=s,
                                             decay_type="1-sqrt", warmup_type="cosine"),
        [[10, 0, 30], [20, 50, 1], [40, 0, 7]]),
}


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap_over_every_numeric_argument(name):
  make, cols = VMAP_CASES[name]
  check_vmap(name, make, cols, STEPS, GOLDEN_LENGTH)


def test_eager_equals_jit_and_integer_dtypes():
  one_per_name = list({c["name"]: c for c in CASES}.values())
  # jitted through the golden test's compiles (same cases, same padded length)
  check_eager_equals_jit([c["id"] for c in one_per_name], [build(c) for c in one_per_name],
                         STEPS, GOLDEN_LENGTH)


def test_schedule_as_jit_argument_does_not_recompile():
  traces = []

  @jax.jit
  def f(s, k):
    traces.append(1)
    return s(k)

  a = f(jtr.get_scheduler("cosine", 0.1, 10, 100), 50)
  b = f(jtr.get_scheduler("cosine", 0.3, 20, 300), 50)
  assert len(traces) == 1 and float(a) != float(b)


def test_names_match_transformers_scheduler_type():
  assert set(jtr.SCHEDULER_NAMES) == {
      "linear", "cosine", "cosine_with_restarts", "polynomial", "constant",
      "constant_with_warmup", "inverse_sqrt", "reduce_lr_on_plateau",
      "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay"}
  for name in jtr.__all__:
    obj = getattr(jtr, name)
    if callable(obj):
      assert "Example:" in obj.__doc__, name


@pytest.mark.parametrize("make, message", [
    (lambda: jtr.get_scheduler("greedy", 0.1),
     r"^compat\.transformers\.get_scheduler: `name` must be a schedule of the step, "
     r"got name='greedy'"),
    (lambda: jtr.get_scheduler("cosine_annealing", 0.1, 10, 100),
     r"^compat\.transformers\.get_scheduler: `name` must be one of 'linear', "
     r"'cosine'"),
    (lambda: jtr.get_scheduler("linear", 0.1, None, 100),
     r"^compat\.transformers\.get_scheduler: linear requires `num_warmup_steps`"),
    (lambda: jtr.get_scheduler("cosine", 0.1, 10),
     r"^compat\.transformers\.get_scheduler: cosine requires `num_training_steps`"),
    (lambda: jtr.get_scheduler("cosine", 0.1, 10, 100, {"num_cycle": 2}),
     r"^compat\.transformers\.get_scheduler: unknown scheduler_specific_kwargs "
     r"\['num_cycle'\] for 'cosine'"),
    (lambda: jtr.get_polynomial_decay_schedule_with_warmup(0.1, 10, 100, lr_end=0.2),
     r"^compat\.transformers\.get_polynomial_decay_schedule_with_warmup: `lr_end` "
     r"must be smaller than lr=0\.1, got lr_end=0\.2\."),
    (lambda: jtr.get_cosine_with_min_lr_schedule_with_warmup(0.1, 10, 100),
     r"^compat\.transformers\.get_cosine_with_min_lr_schedule_with_warmup: one of "
     r"`min_lr` or `min_lr_rate` must be set"),
    (lambda: jtr.get_cosine_with_min_lr_schedule_with_warmup(0.1, 10, 100, min_lr=1e-3,
                                                             min_lr_rate=0.1),
     r"only one of `min_lr` and `min_lr_rate` may be set"),
    (lambda: jtr.get_wsd_schedule(0.1, 10, 20),
     r"^compat\.transformers\.get_wsd_schedule: `num_training_steps` or "
     r"`num_stable_steps` must be given"),
    (lambda: jtr.get_wsd_schedule(0.1, 10, 20, 25),
     r"`num_training_steps` must be >= num_warmup_steps \+ num_decay_steps = 30, "
     r"got num_training_steps=25\."),
    (lambda: jtr.get_wsd_schedule(0.1, 10, 20, 100, decay_type="exp"),
     r"^compat\.transformers\.get_wsd_schedule: `decay_type` must be one of"),
    (lambda: jtr.get_cosine_schedule_with_warmup(0.1, 10, 100, num_cycles=0),
     r"`num_cycles` must be > 0, got num_cycles=0\."),
    (lambda: jtr.get_linear_schedule_with_warmup(0.1, 10, 100, last_epoch=3),
     r"`last_epoch` must be -1, got last_epoch=3\."),
    (lambda: jtr.get_scheduler("reduce_lr_on_plateau", 0.1,
                               scheduler_specific_kwargs={"patiense": 3}),
     r"^compat\.transformers\.get_reduce_on_plateau_schedule: unknown argument\(s\) "
     r"\['patiense'\]"),
])
def test_validation_messages(make, message):
  with pytest.raises(ValueError, match=message):
    make()


def test_int64_steps_under_x64_match_to_float64_precision():
  one_per_name = list({c["name"]: c for c in CASES}.values())
  with jax.enable_x64(True):
    scheds = [build(c) for c in one_per_name]
    steps = [np.asarray(c["steps"], np.int64) for c in one_per_name]
    got = apply_each(scheds, steps)
    for c, g in zip(one_per_name, got):
      assert g.dtype == jnp.float64
      np.testing.assert_allclose(np.asarray(g), c["values"], rtol=1e-10,
                                 atol=1e-12 * max(map(abs, c["values"])),
                                 err_msg=c["id"])
