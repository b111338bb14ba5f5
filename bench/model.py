"""The small model every training benchmark uses: a 2-hidden-layer MLP (64 units).

Synthetic regression data with a fixed seed; full-batch Adam steps in a
``jax.lax.scan``, so one training run is one compiled program.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

HIDDEN = 64
IN = 8
BATCH = 256


def data(seed: int = 0, small: bool = False) -> tuple[jax.Array, jax.Array]:
  """Inputs and targets; ``small`` (the quick smoke run) draws with NumPy, which
  spares the one-off compiles of ``jax.random`` (about 2 s of a smoke run)."""
  if small:
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.standard_normal((BATCH, IN)), jnp.float32)
    w = jnp.asarray(rng.standard_normal((IN, 1)), jnp.float32)
    return x, jnp.sin(x @ w)
  kx, kw = jax.random.split(jax.random.PRNGKey(seed))
  x = jax.random.normal(kx, (BATCH, IN), jnp.float32)
  w = jax.random.normal(kw, (IN, 1), jnp.float32)
  y = jnp.sin(x @ w) + 0.1 * jnp.cos(3.0 * x[:, :1])
  return x, y


def init(seed: int = 1, small: bool = False) -> dict[str, jax.Array]:
  """The MLP's parameters; ``small``: one linear layer (the quick smoke run)."""
  if small:
    w = np.random.default_rng(seed).standard_normal((IN, 1)) / np.sqrt(IN)
    return {"w1": jnp.asarray(w, jnp.float32), "b1": jnp.zeros((1,), jnp.float32)}
  k1, k2, k3 = jax.random.split(jax.random.PRNGKey(seed), 3)
  def dense(k, a, b):
    return jax.random.normal(k, (a, b), jnp.float32) / jnp.sqrt(jnp.float32(a))
  return {"w1": dense(k1, IN, HIDDEN), "b1": jnp.zeros((HIDDEN,), jnp.float32),
          "w2": dense(k2, HIDDEN, HIDDEN), "b2": jnp.zeros((HIDDEN,), jnp.float32),
          "w3": dense(k3, HIDDEN, 1), "b3": jnp.zeros((1,), jnp.float32)}


def loss_fn(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
  if "w2" not in params:  # init(small=True)
    return jnp.mean((x @ params["w1"] + params["b1"] - y) ** 2)
  h = jnp.tanh(x @ params["w1"] + params["b1"])
  h = jnp.tanh(h @ params["w2"] + params["b2"])
  out = h @ params["w3"] + params["b3"]
  return jnp.mean((out - y) ** 2)


def train(params: Any, opt: optax.GradientTransformation, x: jax.Array,
          y: jax.Array, num_steps: int, with_value: bool = False) -> jax.Array:
  """``num_steps`` full-batch steps of ``opt``; returns the final loss.

  ``with_value=True`` passes the loss as ``value=`` to ``opt.update`` (plateaus).
  """
  def step(carry, _):
    p, s = carry
    loss, g = jax.value_and_grad(loss_fn)(p, x, y)
    if with_value:
      upd, s = opt.update(g, s, p, value=loss)
    else:
      upd, s = opt.update(g, s, p)
    return (optax.apply_updates(p, upd), s), None

  (p, _), _ = jax.lax.scan(step, (params, opt.init(params)), None,
                           length=num_steps)
  return loss_fn(p, x, y)
