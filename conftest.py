"""Test configuration for tests/ and the package's doctests.

Strict dtype promotion is on everywhere, so that no implicit cast hides a bug, and
doctests see ``jaxsched``, ``jax``, ``jnp`` and ``np`` without importing them.
"""

import jax
import numpy as np
import pytest

jax.config.update("jax_numpy_dtype_promotion", "strict")

# scripts that regenerate golden data need PyTorch/Keras/transformers, which are
# never test dependencies; the suite reads the committed data instead
collect_ignore_glob = ["tests/golden/*.py"]


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
  import jaxsched
  doctest_namespace["jaxsched"] = jaxsched
  doctest_namespace["jax"] = jax
  doctest_namespace["jnp"] = jax.numpy
  doctest_namespace["np"] = np
  yield
