"""Keras 3 on JAX: a jaxsched schedule as a Keras optimizer's learning_rate via
compat.keras.to_keras, matching Keras' own schedule in model.fit."""

from __future__ import annotations

import os
import sys

import jax
import numpy as np
import pytest
from optional import deferred

import jaxsched
from jaxsched.compat import keras as jk

if "keras" in sys.modules and os.environ.get("KERAS_BACKEND", "jax") != "jax":
  pytest.skip("keras was imported on another backend in this process",
              allow_module_level=True)
os.environ.setdefault("KERAS_BACKEND", "jax")


def _on_jax(module):
  if module.backend.backend() != "jax":
    pytest.skip(f"keras runs on {module.backend.backend()}, not jax")


keras = deferred("keras", _on_jax)


@pytest.fixture(autouse=True)
def _standard_promotion():
  # Keras' own ops mix Python floats with int arrays (strict rejects)
  with jax.numpy_dtype_promotion("standard"):
    yield


RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 6)).astype("float32")
Y = np.sin(X @ np.linspace(-1.0, 1.0, 6)).astype("float32")[:, None]

# (Keras' own schedule, the jaxsched port); 4 epochs x 4 batches = 16 steps
PAIRS = {
    "CosineDecay+warmup": (
        lambda: keras.optimizers.schedules.CosineDecay(
            0.02, 10, alpha=0.1, warmup_target=0.1, warmup_steps=4),
        lambda: jk.CosineDecay(0.02, 10, alpha=0.1, warmup_target=0.1,
                               warmup_steps=4)),
    "PiecewiseConstantDecay": (
        lambda: keras.optimizers.schedules.PiecewiseConstantDecay(
            [3, 8], [0.1, 0.03, 0.01]),
        lambda: jk.PiecewiseConstantDecay([3, 8], [0.1, 0.03, 0.01])),
}


def _fit(learning_rate):
  keras.utils.set_random_seed(0)
  model = keras.Sequential([keras.Input((6,)),
                            keras.layers.Dense(8, activation="tanh"),
                            keras.layers.Dense(1)])
  model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                loss="mse")
  history = model.fit(X, Y, batch_size=16, epochs=4, shuffle=False, verbose=0)
  return history.history["loss"], model


@pytest.mark.parametrize("name", list(PAIRS))
def test_model_fit_matches_keras_own_schedule(name):
  keras_schedule, ours = PAIRS[name]
  want, _ = _fit(keras_schedule())
  got, model = _fit(jk.to_keras(ours()))
  # the same float32 rates give the same updates: equal to float32 rounding
  np.testing.assert_allclose(got, want, rtol=1e-6)
  assert len(set(want)) == 4  # it trained
  # the optimizer reads the schedule at its iteration count (16 steps done)
  np.testing.assert_allclose(float(model.optimizer.learning_rate),
                             float(keras_schedule()(16)), rtol=1e-6)


def test_any_jaxsched_schedule_and_config_round_trip(tmp_path):
  schedule = jaxsched.warmup(jaxsched.cosine_decay(0.1, 12), 4, init_value=0.01)
  lr = jk.to_keras(schedule)
  assert isinstance(lr, keras.optimizers.schedules.LearningRateSchedule)
  _, model = _fit(lr)
  np.testing.assert_allclose(float(model.optimizer.learning_rate),
                             float(schedule(16)), rtol=1e-6)
  model.save(tmp_path / "m.keras")
  loaded = keras.saving.load_model(tmp_path / "m.keras")
  back = loaded.optimizer._learning_rate  # pylint: disable=protected-access
  assert back.schedule == schedule
  back_config = keras.optimizers.schedules.serialize(lr)
  again = keras.optimizers.schedules.deserialize(back_config)
  assert again.schedule == schedule


def test_to_keras_errors_say_what_to_do():
  with pytest.raises(ValueError, match=r"to_keras: `schedule` must be a "
                     r"callable step -> value, got schedule=0.1\. Pass"):
    jk.to_keras(0.1)
  lr = jk.to_keras(lambda step: 0.1 + 0.0 * step)
  with pytest.raises(ValueError, match="has no to_config, so the Keras "
                     "optimizer cannot be serialised"):
    lr.get_config()
