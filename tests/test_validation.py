"""Concrete invalid values raise clear errors; traced ones are clamped as documented."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched as js


@pytest.mark.parametrize("build,message", [
    (lambda: js.warmup_cosine_decay(1.0, 10.5, 100),
     r"warmup_cosine_decay: `warmup_steps` must be a whole number of steps, got "
     r"warmup_steps=10.5\. Pass a whole number of steps\."),
    (lambda: js.step_decay(1.0, 2.5),
     r"step_decay: `step_size` must be a whole number of steps, got step_size=2.5"),
    (lambda: js.piecewise_constant([10, 20], [1.0, 0.5]),
     r"piecewise_constant: `values` must have len\(`boundaries`\) \+ 1 = 3 "
     r"entries, got len\(values\)=2 with len\(boundaries\)=2\. Pass one more "
     r"value than boundaries\."),
    (lambda: js.piecewise_linear([0, 10], [1.0, 0.5, 0.1]),
     r"piecewise_linear: `values` must have len\(`boundaries`\) = 2 entries"),
    (lambda: js.piecewise_constant([20, 10], [1.0, 0.5, 0.1]),
     r"piecewise_constant: `boundaries` must be sorted in non-decreasing order, got "
     r"boundaries=\[20, 10\]\."),
    (lambda: js.multistep(1.0, [30, 10]),
     r"multistep: `milestones` must be sorted in non-decreasing order"),
    (lambda: js.join([js.constant(1.0), js.constant(2.0)], [5, 10]),
     r"join: `schedules` must have len\(`boundaries`\) \+ 1 = 3 entries, got "
     r"len\(schedules\)=2"),
    (lambda: js.one_cycle(100, 1.0, pct_start=1.2),
     r"one_cycle: `pct_start` must be in \(0, 1\), got pct_start=1.2\. Pass the "
     r"fraction of the run spent rising, e.g\. 0\.3\."),
    (lambda: js.one_cycle(100, 1.0, pct_start=0.0),
     r"one_cycle: `pct_start` must be in \(0, 1\), got pct_start=0.0"),
    (lambda: js.flat_cosine(1.0, 100, pct_start=1.0),
     r"flat_cosine: `pct_start` must be in \(0, 1\)"),
    (lambda: js.cyclic(0.1, 1.0, 10, mode="triangle"),
     r"cyclic: `mode` must be one of 'triangular', 'triangular2', 'exp_range', got "
     r"mode='triangle'\."),
    (lambda: js.one_cycle(100, 1.0, anneal="cosine"),
     r"one_cycle: `anneal` must be one of 'cos', 'linear', got anneal='cosine'"),
    (lambda: js.warmup_stable_decay(1.0, 10, 10, 100, decay_shape="exp"),
     r"warmup_stable_decay: `decay_shape` must be one of 'linear', 'cosine', 'sqrt'"),
    (lambda: js.warmup(js.constant(1.0), 10, shape="sigmoid"),
     r"warmup: `shape` must be one of 'linear', 'cosine', 'exponential', 'sqrt'"),
    (lambda: js.warmup(js.constant(1.0), 10, init_value=0.0, shape="exponential"),
     r"warmup: `init_value` must be > 0, got init_value=0.0\. An exponential "
     r"warmup needs a positive start"),
    (lambda: js.cosine_restarts(1.0, 0),
     r"cosine_restarts: `period` must be > 0, got period=0\. Pass the length of the "
     r"first cycle in steps\."),
    (lambda: js.cosine_restarts(1.0, 10, period_mult=0.5),
     r"cosine_restarts: `period_mult` must be >= 1, got period_mult=0.5"),
    (lambda: js.warmup_cosine_decay(1.0, 100, 50),
     r"warmup_cosine_decay: `total_steps` must be >= `warmup_steps` = 100, got "
     r"total_steps=50\. total_steps counts the warmup too\."),
    (lambda: js.warmup_stable_decay(1.0, 50, 60, 100),
     r"warmup_stable_decay: `total_steps` must be >= `warmup_steps` \+ "
     r"`decay_steps` = 110, got total_steps=100\. Shorten the warmup"),
    (lambda: js.cosine_decay(1.0, 0),
     r"cosine_decay: `decay_steps` must be > 0, got decay_steps=0"),
    (lambda: js.exponential_decay(1.0, -0.5),
     r"exponential_decay: `decay_rate` must be >= 0, got decay_rate=-0.5"),
    (lambda: js.linear(1.0, float("nan"), 10),
     r"linear: `end_value` must be finite, got end_value=nan\. Pass a finite "
     r"number \(not NaN or infinity\)\."),
    (lambda: js.constant("0.1"),
     r"constant: `value` must be a number \(int or float\), got value='0.1'\. "
     r"Pass an int or a float\."),
    (lambda: js.polynomial(1.0, 0.0, 10, cycle=1),
     r"polynomial: `cycle` must be True or False, got cycle=1"),
    (lambda: js.stack([js.constant(1.0), js.linear(1.0, 0.0, 10)]),
     r"stack: `schedules\[1\]` has another family or structure than schedules\[0\]"),
    (lambda: js.join(js.constant(1.0), []),
     r"join: `schedules` must be a list of schedules"),
    (lambda: js.from_config({"name": "cosine"}),
     r"from_config: unknown family name='cosine'\. Use one of: .*constant.*"
     r"cosine_decay"),
    (lambda: js.from_config("{not json"),
     r"from_config: `config` is not valid JSON"),
    (lambda: js.from_config({"value": 1.0}),
     r"from_config: `config` must be a dict with a \"name\" key"),
])
def test_concrete_invalid_values_raise_clear_errors(build, message):
  with pytest.raises(ValueError, match=message):
    build()


def test_numpy_inputs_are_validated_too():
  with pytest.raises(ValueError, match="`decay_steps` must be > 0"):
    js.cosine_decay(1.0, np.int64(0))
  with pytest.raises(ValueError, match="sorted"):
    js.piecewise_constant(np.array([3, 1]), np.ones(3))


def test_to_config_of_a_traced_schedule_is_a_clear_error():
  def f(x):
    js.cosine_decay(x, 10).to_config()
    return x
  with pytest.raises(ValueError, match="traced value and cannot be serialised"):
    jax.jit(f)(1.0)


def test_plain_function_has_no_config():
  s = js.join([lambda k: jnp.float32(1.0), js.constant(0.5)], [10])
  assert float(s(3)) == 1.0 and float(s(10)) == 0.5
  with pytest.raises(ValueError, match="not serialisable to JSON"):
    s.to_config()


@jax.jit
def _at(s, k):
  """A reference schedule's values: one compile per schedule structure."""
  return s(k)


def test_traced_out_of_range_values_are_clamped_as_documented():
  k = jnp.arange(0, 30, dtype=jnp.int32)
  # pct_start outside [0, 1] is clipped: 2.0 acts as 1.0
  a = jax.jit(lambda p: js.flat_cosine(1.0, 20, pct_start=p)(k))(2.0)
  np.testing.assert_allclose(a, np.where(np.arange(30) < 20, 1.0, 0.0), atol=1e-6)
  # a phase length below 1 acts as 1
  b = jax.jit(lambda t: js.linear(1.0, 0.0, t)(k))(0)
  np.testing.assert_allclose(b, _at(js.linear(1.0, 0.0, 1), k))
  # period_mult below 1 acts as 1
  c = jax.jit(lambda m: js.cosine_restarts(1.0, 10, period_mult=m)(k))(0.5)
  np.testing.assert_allclose(c, _at(js.cosine_restarts(1.0, 10), k), rtol=1e-6)
  # a non-positive period acts as 1
  d = jax.jit(lambda p: js.cosine_restarts(1.0, p)(k))(-3.0)
  np.testing.assert_allclose(d, _at(js.cosine_restarts(1.0, 1.0), k), rtol=1e-6)
  assert np.all(np.isfinite(np.asarray(
      jax.jit(lambda s: js.step_decay(1.0, s)(k))(-2))))


def test_huge_step_count_hyperparameters_do_not_overflow():
  s = js.warmup_cosine_decay(1.0, 10**11, 10**12)
  assert np.asarray(s.total_steps).dtype == np.float64  # beyond int32: a float
  k = jnp.asarray([0, 2**31 - 1], dtype=jnp.int32)
  v = np.asarray(s(k))
  assert np.all(np.isfinite(v)) and v[1] > 0
  np.testing.assert_allclose(v[1], (2**31 - 1) / 1e11, rtol=1e-5)
  m = js.multistep(1.0, [10, 10**12])
  np.testing.assert_allclose(m(k), [1.0, 0.1], rtol=1e-6)


def test_integer_steps_compare_exactly_at_int32_boundaries():
  top = 2**31 - 1
  s = js.piecewise_constant([top - 1, top], [1.0, 2.0, 3.0])
  k = jnp.asarray([top - 2, top - 1, top], dtype=jnp.int32)
  np.testing.assert_array_equal(s(k), [1.0, 2.0, 3.0])
  j = js.join([js.constant(1.0), js.linear(0.0, 1.0, 4)], [top - 2])
  np.testing.assert_allclose(j(k), [0.0, 0.25, 0.5])
  d = js.step_decay(1.0, top, gamma=0.5)
  np.testing.assert_array_equal(d(k), [1.0, 1.0, 0.5])
  m = js.multistep(1.0, [top], gamma=0.5)
  np.testing.assert_array_equal(m(k), [1.0, 1.0, 0.5])
