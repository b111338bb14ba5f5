"""User-style code that ``tests/test_typing.py`` type-checks with mypy.

Never run: the calls live in functions that nothing calls (pytest imports this
file to collect doctests, and it must stay cheap). Correct calls must
type-check, and each wrong call carries ``# type: ignore[<code>]``: mypy runs
with ``--warn-unused-ignores``, so a wrong call that is not rejected with
exactly that error code fails the check as surely as a correct call that is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

import jaxsched
from jaxsched._combinators import Product
from jaxsched._cosine import CosineDecay, WarmupCosineDecay, WsdShape
from jaxsched._piecewise import PiecewiseConstant

if TYPE_CHECKING:  # mypy's typing_extensions; this file is never run
  from typing_extensions import assert_type


def schedules_take_numbers_and_arrays() -> None:
  s = jaxsched.cosine_decay(jnp.float32(1.0), np.int32(4))
  assert_type(s, CosineDecay)
  assert_type(s(jnp.arange(3)), jax.Array)
  assert_type(s(3), jax.Array)
  assert_type(s(np.int64(3)), jax.Array)
  assert_type(jaxsched.cosine_decay(1, 4.0, end_value=np.float64(0.1)), CosineDecay)
  w = jaxsched.warmup_cosine_decay(1e-3, jnp.asarray(100), 1000, end_value=1e-5)
  assert_type(w, WarmupCosineDecay)
  p = jaxsched.piecewise_constant([100, np.int32(200)], [1.0, 0.1, jnp.float32(0.01)])
  assert_type(p, PiecewiseConstant)
  assert_type(jaxsched.piecewise_constant(jnp.asarray([10]), np.asarray([1.0, 0.5])),
              PiecewiseConstant)
  wsd = jaxsched.warmup_stable_decay(1.0, 2, 2, 8, decay_shape="sqrt")
  assert_type(wsd.decay_shape, WsdShape)  # a static field keeps its type
  assert_type(wsd.peak_value, ArrayLike)  # a leaf: a number or an array
  both = jaxsched.join([s, jaxsched.constant(0.1)], [100])
  assert_type(both(jnp.arange(3)), jax.Array)
  assert_type(jaxsched.warmup(lambda t: 0.1 * t, 10)(5), jax.Array)
  assert_type(jaxsched.product([s, 0.5]), Product)
  assert_type(jaxsched.stack([s, jaxsched.cosine_decay(2.0, 4)]), CosineDecay)


def traced_hyperparameters() -> None:
  def lr_at(peak: jax.Array) -> jax.Array:
    return jaxsched.warmup_cosine_decay(peak, 10, 100)(50)

  assert_type(jax.vmap(lr_at)(jnp.linspace(0.1, 1.0, 4)), jax.Array)


def compat_layers() -> None:
  from jaxsched.compat import optax, torch, transformers
  assert_type(optax.cosine_decay_schedule(jnp.float32(0.1), np.int32(100))(7), jax.Array)
  assert_type(torch.StepLR(0.1, step_size=jnp.int32(30))(7), jax.Array)
  assert_type(transformers.get_cosine_schedule_with_warmup(1e-3, 10, 100)(7), jax.Array)


def plateau() -> None:
  p = jaxsched.reduce_on_plateau(patience=np.int32(3), factor=0.5)
  state = p.init()
  state = p.update(state, jnp.float32(1.0))
  assert_type(p(state), jax.Array)
  assert_type(state.best, jax.Array)
  sched = jaxsched.plateau_schedule(jaxsched.cosine_decay(1.0, 100), p)
  assert_type(sched(sched.init()), jax.Array)

  class Halving:  # a plateau of one's own: duck-typed, any argument names
    def init(self) -> float:
      return 1.0

    def update(self, scale: float, metric: float) -> float:
      return scale / 2 if metric > 1 else scale

    def __call__(self, scale: float) -> float:
      return scale

  jaxsched.scale_by_plateau(Halving())
  jaxsched.scale_by_plateau(jaxsched.constant(1.0))  # type: ignore[arg-type]


def wrong_calls_are_rejected() -> None:
  s = jaxsched.cosine_decay(1.0, 4)
  jaxsched.cosine_decay("1.0", 4)  # type: ignore[arg-type]
  jaxsched.cosine_decay(1.0, [4])  # type: ignore[arg-type]
  s("3")  # type: ignore[arg-type]
  jaxsched.piecewise_constant([100], ["1.0", "0.1"])  # type: ignore[list-item]
  jaxsched.warmup(0.1, 10)  # type: ignore[arg-type]
  jaxsched.cosine_decay(1.0, 4, 0.1)  # type: ignore[call-arg]
  jaxsched.reduce_on_plateau(patience="3")  # type: ignore[arg-type]
  jaxsched.warmup_stable_decay(1.0, 2, 2, 8, decay_shape="cos")  # type: ignore[arg-type]
  jaxsched.reduce_on_plateau(mode="minimum")  # type: ignore[arg-type]
