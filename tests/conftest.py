"""Test configuration: strict dtype promotion, so that no implicit cast hides a bug."""

import jax

jax.config.update("jax_numpy_dtype_promotion", "strict")
