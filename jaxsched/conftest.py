"""Doctest configuration for the package's docstrings."""

import jax
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
  import jaxsched
  doctest_namespace["jaxsched"] = jaxsched
  doctest_namespace["jax"] = jax
  doctest_namespace["jnp"] = jax.numpy
  doctest_namespace["np"] = np
  np.set_printoptions(precision=6, suppress=True)
  yield
