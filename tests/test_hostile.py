"""Hostile input: every wrong argument gets one clear ValueError (issue 11).

The fuzz classes of tests/hostile_fuzz.py (seeded, no network) run as
parametrised cases, one per family or group and input class: for every family and
argument, NaN, +-inf, negative, zero, overflow, bool, str, None, complex, lists,
nested lists, NumPy and JAX scalars and arrays, wrong lengths, unsorted and
duplicated boundaries. Each call either works as documented (a finite value of
the step's shape) or raises a ``ValueError`` whose text names the function (with
the path inside a composite), the argument, the value and a fix.
"""

from __future__ import annotations

import collections
import re

import hostile_fuzz as H  # tests/ is on sys.path (rootdir conftest)
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched as js
from jaxsched import _check

_ALL = H.cases()
_GROUPS = collections.defaultdict(list)
for _case in _ALL:
  _GROUPS[(_case[0], _case[1])].append(_case)


@pytest.mark.parametrize("group,cls", sorted(_GROUPS), ids=lambda x: str(x))
def test_fuzz_class_gets_a_clear_error_or_works(group, cls):
  bad = []
  for _, cls_, label, fn, arg, build, call in _GROUPS[(group, cls)]:
    res = H.outcome(fn, arg, build, cls_, call)
    if res != "ok":
      bad.append((label, arg, res))
  assert not bad, bad


def test_the_fuzz_covers_every_family_and_class():
  names = {c[0] for c in _ALL}
  # the families merged after issue 11 (run-aware ones, and the shapes of the
  # transformers/DeepSpeed/timm/fastai ports) have no fuzz specs yet (a known
  # gap, in the closing note); any other new family fails this test
  not_yet = {"accumulate", "batch_scale", "cooldown_from", "extend", "stretch",
             "warmup_decay_ratio", "log_warmup", "linear_growth", "cosine_wave",
             "stepped_cyclic", "cumulative_product", "with_momentum",
             "anneal_restarts", "power_ramp", "linear_warmup", "noisy",
             "by_fraction"}
  assert set(js.families()) - names <= {"product", "add", "stack", "function",
                                        *not_yet}
  classes = {c[1] for c in _ALL}
  assert {"nonfinite", "range", "overflow", "type", "nonscalar", "scalar",
          "length", "order", "path", "random"} <= classes
  assert len(_ALL) > 2000


def test_the_fuzz_judge_fails_on_bad_outcomes():
  """The judge itself: a missing fix, a wrong name, a TypeError or a silently
  accepted list are failures."""
  assert H.message_problems("f: `x` must be > 0, got x=0.", "f", "x") == ["no_fix"]
  assert H.message_problems("g: `x` must be > 0, got x=0. Pass 1.", "f", "x") == [
      "wrong_function"]
  assert "wrong_argument" in H.message_problems(
      "f: `y` must be > 0, got y=0. Pass 1.", "f", "x")
  assert H.outcome("f", "x", lambda: None + 1, "type") == "exception:TypeError"
  assert H.outcome("f", "x", lambda: js.constant(1.0), "nonscalar") == (
      "accepted:nonscalar")
  assert H.outcome("constant", "value", lambda: js.constant(0.5), "scalar") == "ok"


# -- the rules, pinned -------------------------------------------------------------


@pytest.mark.parametrize("value", [[0.5], (0.5,), np.array([0.5]),
                                   jnp.array([0.5, 0.25]), np.ones((2, 2))])
def test_non_scalar_hyperparameters_are_rejected_pointing_to_stack(value):
  with pytest.raises(ValueError, match=r"linear: `init_value` must be a single "
                     r"number, got init_value=.*jaxsched\.stack\(\[\.\.\.\]\)"):
    js.linear(value, 0.0, 10)


def test_traced_hyperparameters_pass_and_stack_is_the_way_to_batch():
  f = jax.jit(lambda v: js.linear(v, 0.0, 4)(jnp.arange(3)))
  np.testing.assert_allclose(f(2.0), [2.0, 1.5, 1.0])
  batch = js.stack([js.linear(v, 0.0, 4) for v in (1.0, 2.0)])
  out = jax.vmap(lambda s: s(jnp.arange(3)))(batch)
  np.testing.assert_allclose(out, [[1.0, 0.75, 0.5], [2.0, 1.5, 1.0]])


def test_finite_values_that_overflow_float32_are_rejected_naming_the_dtype():
  for build, arg in [(lambda: js.constant(1e39), "value"),
                     (lambda: js.linear(1e300, 0.0, 10), "init_value"),
                     (lambda: js.cosine_decay(1.0, 10**40), "decay_steps"),
                     (lambda: js.multistep(1.0, [10, 1e39]), "milestones")]:
    with pytest.raises(ValueError, match=rf"`{arg}` must fit in float32 .*float32 "
                       r"rounds to infinity\. Pass a smaller value, or enable "
                       r"float64"):
      build()
  big = js.constant(3e38)  # the largest float32 range is fine
  assert np.isfinite(float(big(0)))


def test_float64_limit_applies_with_x64():
  with jax.enable_x64(True):
    assert _check.float_dtype() == np.float64
    assert float(js.constant(1e300)(0)) == 1e300
    with pytest.raises(ValueError, match=r"`value` must fit in float64"):
      js.constant(10**400)  # a Python int beyond every float


def test_combinators_reject_non_sequences_with_value_error():
  for call, msg in [
      (lambda: js.product(None), r"product: `schedules` must be a list of "
       r"schedules or numbers, got schedules=None\. Pass e\.g\."),
      (lambda: js.add(3), r"add: `schedules` must be a list of schedules or "
       r"numbers, got schedules=3"),
      (lambda: js.join(jnp.array(1), []), r"join: `schedules` must be a list of "
       r"schedules, got schedules=1"),
      (lambda: js.join(js.constant(1.0), []), r"Wrap a single schedule in a list"),
      (lambda: js.stack(None), r"stack: `schedules` must be a list"),
      (lambda: js.stack([1.0]), r"stack: `schedules\[0\]` must be a jaxsched "
       r"schedule, got schedules\[0\]=1\.0\."),
      (lambda: js.product([float("nan")]), r"product: `schedules\[0\]` must be "
       r"finite, got schedules\[0\]=nan\. Pass a finite number, or a schedule\."),
      (lambda: js.add([js.constant(1.0), "x"]), r"add: `schedules\[1\]` must be a "
       r"schedule, a callable or a number, got schedules\[1\]='x'"),
  ]:
    with pytest.raises(ValueError, match=msg):
      call()


def test_from_config_errors_carry_the_path_inside_the_composite():
  cfg = {"name": "join", "boundaries": [5], "schedules": [
      {"name": "constant", "value": 1.0},
      {"name": "warmup", "warmup_steps": 2, "schedule": {
          "name": "cosine_decay", "init_value": 1.0, "decay_steps": 0}}]}
  with pytest.raises(ValueError, match=r"^join: schedules\[1\]: warmup: schedule: "
                     r"cosine_decay: `decay_steps` must be > 0, got decay_steps=0\. "
                     r"Pass the length"):
    js.from_config(cfg)
  with pytest.raises(ValueError, match=r"from_config: `name` must be a family name "
                     r"\(a string\), got name=\['constant'\]\. Use one of: "):
    js.from_config({"name": ["constant"]})


def test_from_config_limits_nesting_without_recursion_error():
  cfg = {"name": "constant", "value": 0.5}
  for _ in range(150):
    cfg = {"name": "scale", "schedule": cfg, "factor": 1.0}
  with pytest.raises(ValueError, match=r"nests schedules more than 100 levels deep"):
    js.from_config(cfg)
  with pytest.raises(ValueError, match="nests JSON too deeply|not valid JSON"):
    js.from_config('{"name": "constant", "value": ' + "[" * 100_000 + "]" * 100_000
                   + "}")


def test_repr_of_a_deep_composite_is_short_and_does_not_recurse_forever():
  s = js.constant(0.5)
  for _ in range(300):
    s = js.scale(s, 2.0)
  text = repr(s)
  assert text.startswith("scale(schedule=scale(") and "scale(...)" in text
  assert len(text) < 400


def test_from_config_of_a_large_join_round_trips():
  n = 20_000
  cfg = {"name": "join", "schedules": [{"name": "constant", "value": 0.5},
                                       {"name": "constant", "value": 0.25}] * (n // 2),
         "boundaries": list(range(1, n))}
  s = js.from_config(cfg)
  np.testing.assert_allclose(s(jnp.array([0, 1, 2, n - 1, n + 5])),
                             [0.5, 0.25, 0.5, 0.25, 0.25])
  assert len(s.groups) == 1  # one stacked group: compiled as one gather


def test_length_mismatch_names_both_arguments():
  with pytest.raises(ValueError, match=r"piecewise_constant: `values` must have "
                     r"len\(`boundaries`\) \+ 1 = 2 entries, got len\(values\)=3 "
                     r"with len\(boundaries\)=1\."):
    js.piecewise_constant([5], [1.0, 0.5, 0.1])


def test_plateau_rejects_complex_and_non_numeric_metrics_and_list_factor():
  p = js.reduce_on_plateau()
  st = p.init()
  for metric in (1 + 1j, jnp.complex64(1j), "0.5", None, True):
    with pytest.raises(ValueError, match=r"ReduceOnPlateau\.update: `value` must be "
                       r"a real number, got value=.*\. Pass the metric as a float"):
      p.update(st, value=metric)
  with pytest.raises(ValueError, match=r"`value` must be a scalar metric"):
    p.update(st, value=jnp.ones(3))
  nan_state = p.update(st, value=float("nan"))  # documented: no improvement
  assert int(nan_state.num_bad_epochs) == 1
  with pytest.raises(ValueError, match=r"reduce_on_plateau: `factor` must be a "
                     r"single number, got factor=\[0\.5\]"):
    js.reduce_on_plateau(factor=[0.5])
  traced = jax.jit(lambda m: p.update(st, value=m).best)(jnp.float32(2.0))
  assert float(traced) == 2.0


def test_every_message_helper_has_a_fix():
  """A check called without a fix still says what to write instead."""
  for cond_call in [
      lambda: _check.number("f", "x", float("nan")),
      lambda: _check.number("f", "x", -1, lo=0),
      lambda: _check.number("f", "x", 1.5, integer=True),
      lambda: _check.sequence("f", "x", "abc"),
      lambda: _check.sequence("f", "x", [1, float("inf")]),
      lambda: _check.same_length("f", "a", [1], "b", [1, 2, 3], 1),
  ]:
    with pytest.raises(ValueError) as info:
      cond_call()
    assert H.message_problems(str(info.value), "f", "x") in ([], [
        "wrong_argument"]), str(info.value)
    assert re.search(r"got .+?\. [A-Z]", str(info.value)), str(info.value)


def test_messages_clip_huge_values():
  with pytest.raises(ValueError) as info:
    js.constant(list(range(100_000)))
  assert len(str(info.value)) < 400
