"""Learning-rate range test ("LR finder"), compiled as one ``jax.lax.scan``.

Train for a few hundred steps while the learning rate grows from tiny to huge,
record the loss, and pick the rate where the loss falls fastest. The whole run is a
single jitted scan; divergence masks the rest of the run instead of breaking out of
a Python loop, so the test also runs under ``jax.vmap`` (several initialisations or
seeds in one compile).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, Literal, get_args

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _check, _pytree, _shapes
from jaxsched._base import PyTree

_FN = "lr_range_test"
SuggestMethod = Literal["steepest", "valley", "minimum", "steep", "slide"]
_METHODS = get_args(SuggestMethod)
_SLIDE_DIFF, _SLIDE_THRESH = 15, 0.005  # fastai slide's lr_diff and thresh
_SKIP_END = 5  # fastai's lr_find drops the last 5 points before suggesting.


@_pytree.dataclass
class RangeTestResult:
  """What :func:`lr_range_test` measured: a frozen dataclass and a JAX pytree.

  Every field is an array, so results returned under ``jax.vmap`` are batched
  results: each field gains the leading batch axes. ``suggestion`` works on those
  and returns one rate per run; ``unstack()`` splits them into single results.

  Attributes:
    lrs: ``(num_steps,)`` the learning rate of every step, the whole planned
      schedule (divergence does not truncate it).
    losses: ``(num_steps,)`` the loss ``train_step`` returned at each step. Steps
      after divergence are masked: they repeat the last measured value (``0.0``
      if no value was measured), so the array is always finite.
    smoothed: ``(num_steps,)`` the bias-corrected moving average of ``losses``,
      masked in the same way.
    valid: ``(num_steps,)`` bool, True where ``losses``/``smoothed`` were measured:
      every step before divergence, and the diverging step itself when its loss
      is finite. Always a prefix of the run.
    diverged_index: int32 index of the step at which divergence was detected,
      ``-1`` if the run never diverged (an array, so the result stays vmappable;
      read :attr:`diverged_at` for the Python view).
  """

  lrs: jax.Array
  losses: jax.Array
  smoothed: jax.Array
  valid: jax.Array
  diverged_index: jax.Array

  @property
  def batch_shape(self) -> tuple[int, ...]:
    """The leading batch axes added by ``jax.vmap`` (``()`` for a single run)."""
    return tuple(np.shape(self.lrs)[:-1])

  @property
  def diverged_at(self) -> int | None | np.ndarray:
    """Step at which the run diverged, ``None`` if it never did.

    For a batched result: a NumPy int array of the batch shape, ``-1`` for runs
    that never diverged. Needs concrete values (read ``diverged_index`` inside
    ``jit``).
    """
    d = np.asarray(self.diverged_index)
    if d.ndim:
      return d
    return None if int(d) < 0 else int(d)

  def unstack(self) -> list[RangeTestResult]:
    """Splits a result batched over one leading axis into single results."""
    if len(self.batch_shape) != 1:
      raise ValueError(
          f"RangeTestResult.unstack: the result must have exactly one batch axis, "
          f"got batch_shape={self.batch_shape}. Call it on the result of one "
          f"jax.vmap (reshape the fields first for nested vmaps).")
    n = self.batch_shape[0]
    return [jax.tree.map(lambda x, i=i: x[i], self) for i in range(n)]

  def suggestion(self, method: SuggestMethod = "steepest") -> jax.Array:
    """Suggests a learning rate from the smoothed loss curve.

    Methods (as fastai's ``lr_find`` suggestions, on ``smoothed`` without the
    first ``num_steps // 10`` steps and the last 5 measured steps):

    - ``"steepest"``: the rate at the most negative slope of the smoothed loss
      against ``log(lr)``. The slope is a secant over ``k = max(1, num_steps //
      20)`` steps, ``(s[i+k] - s[i]) / (log lr[i+k] - log lr[i])``, and the rate
      is the midpoint ``lrs[i + k // 2]`` (fastai uses ``k = 1``, whose
      minimum is often a noise dip of the flat start; if the window is shorter
      than ``k + 1`` points, ``k = 1`` is used).
    - ``"valley"``: fastai's valley: find the longest strictly decreasing run of
      the smoothed loss (longest decreasing subsequence ending at ``e``, of
      length ``k``; start ``b = e - k``) and return ``lrs[b + floor((e-b)/3) +
      floor((e-b)/6)]``, about half-way down the valley.
    - ``"minimum"``: the rate at the smallest smoothed loss, divided by 10.
    - ``"steep"``: fastai's steep: the most negative one-step slope
      ``(s[i+1] - s[i]) / (log lr[i+1] - log lr[i])``, returning ``lrs[i]``
      (the left end of that step).
    - ``"slide"``: fastai's slide rule: ``g = numpy.gradient(s)`` over the
      window (central differences, one-sided at its ends); walking left from
      the last point ``r`` with ``l = r - 15``, stop at the first pair with
      ``|g[r] - g[l]| <= 0.005`` (or when ``l`` leaves the window) and return
      ``lrs[l]`` of the last pair that did not stop (the first ``l`` if none
      did). For windows of 16 points or fewer the index is clipped into the
      window (fastai raises an IndexError below 16).

    If divergence came so early that fewer than 2 points remain after trimming,
    every measured point is used; with fewer than 2 measured points the
    suggestion is NaN (start the test at a lower ``min_lr``).

    Args:
      method: ``"steepest"``, ``"valley"``, ``"minimum"``, ``"steep"`` or
        ``"slide"``.

    Returns:
      A float JAX array of shape ``batch_shape``: a scalar for a single run, one
      rate per run for a result batched by ``jax.vmap``. Jittable.
    """
    method = _check.choice("RangeTestResult.suggestion", "method", method,
                           _METHODS)
    suggest = _suggest_fn(method, len(self.batch_shape))
    return suggest(self.lrs, self.smoothed, self.valid)

  def plot(self, path: str | os.PathLike[str] | None = None, ax: Any = None, *,
           method: SuggestMethod = "steepest") -> Any:
    """Plots loss and smoothed loss against the learning rate (log axis).

    The suggestion of ``method`` is marked by a labelled vertical line, the
    divergence point by a dotted one. Needs matplotlib (``pip install
    jaxsched[plot]``).

    Args:
      path: if given, the figure is saved there (format from the suffix, e.g.
        ``"lr_find.png"``).
      ax: a matplotlib ``Axes`` to draw on; a new figure is made if ``None``.
      method: which suggestion to mark (see :meth:`suggestion`).

    Returns:
      The matplotlib ``Figure``.
    """
    from jaxsched import _plot  # pylint: disable=import-outside-toplevel
    return _plot.range_test_figure(self, path, ax, method=method)


@functools.cache
def _suggest_fn(method: str, batch_dims: int) -> Callable[..., jax.Array]:
  """The jitted suggestion, vmapped over ``batch_dims`` leading axes."""
  suggest = functools.partial(_suggest, method=method)
  for _ in range(batch_dims):
    suggest = jax.vmap(suggest)
  return jax.jit(suggest)


def _secant_steps(num_steps: int) -> int:
  """Steps over which "steepest" measures the slope: 5% of the run."""
  return max(1, num_steps // 20)


def _suggest(lrs: jax.Array, smoothed: jax.Array, valid: jax.Array, *,
             method: str) -> jax.Array:
  """One run's suggestion; vectorised over the fixed-length arrays."""
  n = lrs.shape[0]
  idx = jnp.arange(n, dtype=jnp.int32)
  num_valid = jnp.sum(valid, dtype=jnp.int32)
  lo = jnp.asarray(n // 10, jnp.int32)
  hi = num_valid - _SKIP_END
  short = hi - lo < 2
  lo = jnp.where(short, 0, lo)
  hi = jnp.where(short, num_valid, hi)
  window = (idx >= lo) & (idx < hi)
  s = smoothed
  if method == "steepest":
    wide, wide_ok = _secant(lrs, s, window, _secant_steps(n))
    narrow, _ = _secant(lrs, s, window, 1)
    lr = lrs[jnp.where(wide_ok, wide, narrow)]
  elif method == "steep":
    lr = lrs[_secant(lrs, s, window, 1)[0]]
  elif method == "slide":
    lr = _slide(lrs, s, idx, lo, hi)
  elif method == "minimum":
    best = jnp.argmin(jnp.where(window, s, jnp.inf)).astype(jnp.int32)
    lr = lrs[best] / 10
  else:  # valley
    # lds[i]: longest strictly decreasing subsequence of s[window] ending at i.
    def body(i, lds):
      longer = window & (idx < i) & (s > s[i])
      val = 1 + jnp.max(jnp.where(longer, lds, 0))
      return lds.at[i].set(jnp.where(window[i], val, 0))
    lds = jax.lax.fori_loop(0, n, body, jnp.zeros((n,), jnp.int32))
    end = jnp.argmax(lds).astype(jnp.int32)
    start = end - lds[end]  # as fastai: one before the run, possibly lo - 1
    span = end - start
    pick = start + span // 3 + span // 6
    lr = lrs[jnp.clip(pick, 0, n - 1)]
  return jnp.where(num_valid >= 2, lr, jnp.nan).astype(lrs.dtype)


def _secant(lrs: jax.Array, s: jax.Array, window: jax.Array,
            k: int) -> tuple[jax.Array, jax.Array]:
  """Index of the most negative slope over ``k`` steps (its midpoint), and
  whether any slope was usable; NaN-free (+inf where not usable)."""
  log_lr = jnp.log(lrs)
  slope = (s[k:] - s[:-k]) / (log_lr[k:] - log_lr[:-k])
  ok = window[k:] & window[:-k] & jnp.isfinite(slope)
  slope = jnp.where(ok, slope, jnp.inf)
  return jnp.argmin(slope).astype(jnp.int32) + k // 2, jnp.any(ok)


def _slide(lrs: jax.Array, s: jax.Array, idx: jax.Array, lo: jax.Array,
           hi: jax.Array) -> jax.Array:
  """fastai's slide rule on the window ``[lo, hi)`` (see ``suggestion``)."""
  n = lrs.shape[0]
  at = lambda i: jnp.clip(i, 0, n - 1)
  prev, nxt = s[at(idx - 1)], s[at(idx + 1)]
  grad = jnp.where(idx == lo, nxt - s,
                   jnp.where(idx == hi - 1, s - prev, (nxt - prev) / 2))
  r = hi - 1 - idx  # iteration j = idx walks r and q left together
  q = r - _SLIDE_DIFF
  go = (q >= lo) & (jnp.abs(grad[at(r)] - grad[at(q)]) > _SLIDE_THRESH)
  stop = jnp.where(jnp.all(go), n, jnp.argmin(go).astype(jnp.int32))
  pick = hi - 1 - _SLIDE_DIFF - jnp.maximum(stop - 1, 0)
  return lrs[jnp.clip(pick, lo, jnp.maximum(hi - 1, lo))]


def lr_range_test(train_step: Callable[[Any, Any, jax.Array], tuple[Any, Any]],
                  state: PyTree, batches: PyTree, *, min_lr: ArrayLike = 1e-7,
                  max_lr: ArrayLike = 10.0, num_steps: int = 100,
                  mode: Literal["exp", "linear"] = "exp",
                  smoothing: ArrayLike = 0.98,
                  diverge_factor: ArrayLike = 4.0) -> RangeTestResult:
  r"""Runs a learning-rate range test as one compiled ``jax.lax.scan``.

  Step ``i`` (``0 <= i < N``, ``N = num_steps``) calls ``train_step(state,
  batch_i, lr_i)`` with

  .. math::

    \mathrm{lr}_i = \mathrm{min\_lr} \left(\frac{\mathrm{max\_lr}}
    {\mathrm{min\_lr}}\right)^{i/(N-1)} \quad \text{(mode "exp")}, \qquad
    \mathrm{lr}_i = \mathrm{min\_lr} + \tfrac{i}{N-1}(\mathrm{max\_lr} -
    \mathrm{min\_lr}) \quad \text{(mode "linear")},

  so ``lr_0 = min_lr`` and ``lr_{N-1} = max_lr`` exactly. The loss is smoothed
  by a bias-corrected exponential moving average with ``s = smoothing``:

  .. math::

    a_i = s\,a_{i-1} + (1-s)\,\ell_i, \quad a_{-1} = 0, \qquad
    \hat\ell_i = a_i / (1 - s^{i+1}).

  The run diverges at the first step whose loss or smoothed loss is not finite,
  or whose smoothed loss exceeds ``diverge_factor`` times the best smoothed loss
  so far (``best + (diverge_factor - 1) * |best|``, the same rule for positive
  losses, and still sensible for negative ones). From then on the run is masked,
  not stopped: ``state`` is no longer updated (``train_step`` is skipped by a
  ``lax.cond``; under ``vmap`` it is computed and discarded), and the recorded
  losses hold their last measured value (see :class:`RangeTestResult`), so no
  NaN reaches the result. The update made at the diverging step itself is
  applied; nothing after it.

  The caller's ``state`` is never modified: nothing is donated. ``train_step``
  is traced twice per call (once by ``jax.eval_shape`` to check what it returns,
  once for the scan), never once per step, and each call compiles once.
  Calls under ``jax.vmap`` (over initial states, seeds, batches, or the numeric
  arguments) test several runs in one compile and return a batched result.

  Args:
    train_step: ``train_step(state, batch, lr) -> (new_state, loss)``: one
      optimisation step at learning rate ``lr`` (a float32 scalar array; float64
      with x64), returning a scalar loss (usually the loss before the update).
      ``new_state`` must have the structure, shapes and dtypes of ``state``.
      Tip: build the optax optimizer inside it, ``optax.adam(lr)``, since its
      state does not depend on the rate.
    state: any pytree: parameters, optimizer state, an RNG key.
    batches: a pytree whose every leaf has a leading axis of ``num_steps`` (step
      ``i`` gets ``batch[i]`` of each leaf), or a function ``step -> batch`` of
      the int32 step index (for data generated on device). ``None`` passes
      ``None``.
    min_lr: the first learning rate; ``> 0`` in ``"exp"`` mode, ``>= 0`` in
      ``"linear"`` mode.
    max_lr: the last learning rate, ``> min_lr``.
    num_steps: the number of steps, a Python int ``>= 10`` (the scan length).
    mode: ``"exp"`` (geometric spacing, the usual choice) or ``"linear"``.
    smoothing: ``s`` in ``[0, 1)``; 0 disables smoothing.
    diverge_factor: ``> 1``; the run diverges when the smoothed loss exceeds this
      many times its best value.

  Traced ``min_lr``/``max_lr``/``smoothing``/``diverge_factor`` (under
  ``vmap``/``jit``) are not checked: out-of-range values give NaN or
  meaningless rates rather than an error.

  Returns:
    A :class:`RangeTestResult` with ``lrs``, ``losses``, ``smoothed``,
    ``diverged_at`` and the ``suggestion(method)`` and ``plot(path)`` methods.

  Raises:
    ValueError: for the invalid concrete arguments above, for ``batches`` leaves
      without a leading axis of ``num_steps`` (naming the leaf and its shape),
      and for a ``train_step`` that does not return ``(state, scalar loss)``.

  Example:
    Noisy gradient descent on ``f(x) = 5 (x - b)^2`` (curvature 10, a random
    target ``b`` per step) diverges once the rate passes ``2 / 10``; the range
    test finds that and suggests a rate below it:

    >>> def train_step(x, b, lr):
    ...   loss, grad = jax.value_and_grad(lambda x: 5.0 * jnp.sum((x - b)**2))(x)
    ...   return x - lr * grad, loss
    >>> targets = jnp.asarray(np.random.default_rng(0).normal(size=(100, 2)),
    ...                       jnp.float32)
    >>> result = jaxsched.lr_range_test(train_step, jnp.full(2, 10.0), targets,
    ...                        min_lr=1e-4, max_lr=10.0, num_steps=100)
    >>> lr_div = float(result.lrs[result.diverged_at])
    >>> 0.2 < lr_div < 0.6
    True
    >>> 0.0 < float(result.suggestion()) < 0.2
    True

  References:
    Leslie N. Smith, "Cyclical Learning Rates for Training Neural Networks",
    WACV 2017 (arXiv:1506.01186), section 3.3.
    fastai ``Learner.lr_find`` and its ``steep``/``valley``/``minimum``
    suggestions (``fastai/callback/schedule.py``).
  """
  mode = _check.choice(_FN, "mode", mode, ("exp", "linear"))
  if _check.is_traced(num_steps) or isinstance(num_steps, jax.Array) and (
      num_steps.ndim):
    raise ValueError(
        f"{_FN}: `num_steps` must be a Python int, got num_steps={num_steps!r}. "
        f"It sets the length of the scan, so it cannot be traced.")
  num_steps = _check.steps(_FN, "num_steps", num_steps, lo=10,
                           fix="Pass a whole number of steps, at least 10 "
                           "(100 to 300 is usual).")
  if mode == "exp":
    min_lr = _check.number(_FN, "min_lr", min_lr, lo=0, lo_open=True,
                           fix="The exp mode spaces rates geometrically, so pass "
                           "a positive start such as 1e-7 (or use mode='linear').")
  else:
    min_lr = _check.number(_FN, "min_lr", min_lr, lo=0,
                           fix="Pass a non-negative start such as 0.0 or 1e-4.")
  max_lr = _check.number(_FN, "max_lr", max_lr,
                         fix="Pass the largest rate to try, such as 10.0.")
  if not (_check.is_traced(min_lr) or _check.is_traced(max_lr)) and (
      np.any(np.asarray(max_lr) <= np.asarray(min_lr))):
    raise _check.fail(
        _FN, "max_lr", f"> min_lr={min_lr!r}", max_lr,
        "Pass a range that grows: min_lr < max_lr, e.g. min_lr=1e-7, "
        "max_lr=10.0.")
  smoothing = _check.in_range(_FN, "smoothing", smoothing, 0.0, 1.0,
                              "Pass 0.98 (fastai's default) or 0.0 for no "
                              "smoothing.", lo_open=False, hi_open=True)
  diverge_factor = _check.number(_FN, "diverge_factor", diverge_factor, lo=1,
                                 lo_open=True,
                                 fix="Pass a factor above 1, such as 4.0 "
                                 "(stop when the smoothed loss quadruples).")
  batch_fn, batch_xs = _batch_source(batches, num_steps)
  dtype = _shapes.float_dtype()
  _check_train_step(train_step, state, batch_fn, batch_xs, dtype)
  run = jax.jit(functools.partial(_run, train_step, batch_fn, num_steps, mode))
  result, _ = run(state, batch_xs, min_lr, max_lr, smoothing, diverge_factor)
  return result


def _batch_source(batches: Any, num_steps: int):
  """Returns ``(batch_fn, xs)``: a function of the step index or scanned leaves."""
  if callable(batches) and not isinstance(batches, jax.Array):
    return batches, None
  for path, leaf in jax.tree_util.tree_flatten_with_path(batches)[0]:
    shape = tuple(np.shape(leaf))
    if not shape or shape[0] != num_steps:
      name = "batches" + jax.tree_util.keystr(path)
      raise ValueError(
          f"{_FN}: `batches` must have a leading axis of num_steps={num_steps} "
          f"on every leaf, got {name}.shape={shape}. Pass one batch per step "
          f"(stack them along axis 0), or a function step -> batch.")
  return None, batches


def _check_train_step(train_step, state, batch_fn, batch_xs, dtype) -> None:
  """Checks with ``jax.eval_shape`` that train_step returns (state, scalar)."""
  def one_step(state, xs):
    step = jnp.zeros((), jnp.int32)
    if batch_fn is not None:
      batch = batch_fn(step)
    else:
      batch = jax.tree.map(lambda x: x[0], xs)
    return train_step(state, batch, jnp.ones((), dtype))
  out = jax.eval_shape(one_step, state, batch_xs)
  if not (isinstance(out, (tuple, list)) and len(out) == 2):
    raise ValueError(
        f"{_FN}: `train_step` must return a pair (state, loss), got "
        f"{_describe(out)}. Return `new_state, loss` from train_step.")
  new_state, loss = out
  if not (hasattr(loss, "shape") and loss.shape == ()
          and jnp.issubdtype(loss.dtype, jnp.floating)):
    raise ValueError(
        f"{_FN}: `train_step` must return a scalar float loss, got a loss of "
        f"{_describe(loss)}. Reduce the loss to one number (e.g. jnp.mean) "
        f"before returning it.")
  want = jax.eval_shape(lambda s: s, state)
  got: Any = jax.tree.structure(new_state)  # PyTreeDef: untyped
  if got != jax.tree.structure(want):
    raise ValueError(
        f"{_FN}: `train_step` must return a state with the structure of `state`, "
        f"got {jax.tree.structure(new_state)} for {jax.tree.structure(want)}. "
        f"Return the updated state in the same container.")
  paths = jax.tree_util.tree_flatten_with_path(want)[0]
  for (path, a), b in zip(paths, jax.tree.leaves(new_state)):
    if a.shape != b.shape or a.dtype != b.dtype:
      raise ValueError(
          f"{_FN}: `train_step` must keep the shape and dtype of every state "
          f"leaf, got state{jax.tree_util.keystr(path)} going from "
          f"{a.dtype}{list(a.shape)} to {b.dtype}{list(b.shape)}. Cast the "
          f"updated leaf back, e.g. `.astype(old.dtype)`.")


def _describe(x: Any) -> str:
  if hasattr(x, "shape") and hasattr(x, "dtype"):
    return f"shape {tuple(x.shape)} and dtype {x.dtype}"
  leaves = jax.tree.leaves(x)
  return (f"a {type(x).__name__} with {len(leaves)} array leaves "
          f"({jax.tree.structure(x)})")


def _schedule(min_lr, max_lr, num_steps: int, mode: str) -> jax.Array:
  """The learning rates: ``exp_anneal`` or ``lerp`` over the run, exact ends."""
  anneal = _shapes.exp_anneal if mode == "exp" else _shapes.lerp
  idx = jnp.arange(num_steps, dtype=jnp.int32)
  return anneal(min_lr, max_lr, _shapes.phase(idx, num_steps - 1))


def _run(train_step, batch_fn, num_steps: int, mode: str, state, batch_xs,
         min_lr, max_lr, smoothing, diverge_factor):
  """The scan; returns ``(result, final_state)`` (the state for tests)."""
  dtype = _shapes.float_dtype()
  lrs = _schedule(min_lr, max_lr, num_steps, mode)
  s = jnp.asarray(smoothing, dtype)
  factor = jnp.asarray(diverge_factor, dtype)
  zero = jnp.zeros((), dtype)

  def body(carry, x):
    state, avg, best, done, div, last_loss, last_smooth = carry
    i, lr, batch_x = x
    batch = batch_fn(i) if batch_fn is not None else batch_x

    def step(state):
      new_state, loss = train_step(state, batch, lr)
      return new_state, jnp.asarray(loss).astype(dtype)

    new_state, loss = jax.lax.cond(done, lambda st: (st, zero), step, state)
    active = jnp.logical_not(done)
    new_avg = s * avg + (1 - s) * loss
    power = (i + 1).astype(dtype)
    smooth = new_avg / (1 - s**power)
    finite = jnp.isfinite(loss) & jnp.isfinite(smooth)
    # At i = 0, best = inf: smooth - best is -inf, never above the bound.
    bound = (factor - 1) * jnp.where(jnp.isfinite(best), jnp.abs(best), zero)
    blew_up = jnp.logical_not(finite) | (smooth - best > bound)
    record = active & finite
    newly = active & blew_up
    carry = (new_state,
             jnp.where(record, new_avg, avg),
             jnp.where(record & ~blew_up, jnp.minimum(best, smooth), best),
             done | newly,
             jnp.where(newly, i, div),
             jnp.where(record, loss, last_loss),
             jnp.where(record, smooth, last_smooth))
    return carry, (carry[5], carry[6], record)

  init = (state, zero, jnp.asarray(jnp.inf, dtype), jnp.asarray(False),
          jnp.asarray(-1, jnp.int32), zero, zero)
  xs = (jnp.arange(num_steps, dtype=jnp.int32), lrs, batch_xs)
  carry, (losses, smoothed, valid) = jax.lax.scan(body, init, xs)
  result = RangeTestResult(lrs=lrs, losses=losses, smoothed=smoothed,
                           valid=valid, diverged_index=carry[4])
  return result, carry[0]
