"""Test configuration for tests/ and the package's doctests.

Strict dtype promotion is on for our own tests and doctests, so that no implicit
cast hides a bug; tests of user-style code (README examples, the demo, which use
optax as a user would) are marked ``@pytest.mark.standard_promotion`` and run
under JAX's default promotion. Doctests see ``jaxsched``, ``jax``, ``jnp`` and
``np`` without importing them.
"""

import jax
import numpy as np
import pytest

jax.config.update("jax_numpy_dtype_promotion", "strict")

# scripts that regenerate golden data need PyTorch/Keras/transformers, which are
# never test dependencies; the suite reads the committed data instead
collect_ignore_glob = ["tests/golden/*.py"]


def pytest_configure(config):
  config.addinivalue_line(
      "markers", "standard_promotion: run under JAX's standard dtype promotion "
      "(user-style code: README examples, the demo)")


@pytest.fixture(autouse=True)
def _promotion(request):
  if request.node.get_closest_marker("standard_promotion") is None:
    yield
    return
  with jax.numpy_dtype_promotion("standard"):
    yield


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
  import jaxsched
  doctest_namespace["jaxsched"] = jaxsched
  doctest_namespace["jax"] = jax
  doctest_namespace["jnp"] = jax.numpy
  doctest_namespace["np"] = np
  yield
