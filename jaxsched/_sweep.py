"""``sweep``: many training runs as one compiled, vmapped, sharded call.

The engine of ``jaxsched demo`` as a public function: a pure training function
of (config, data, key), configs stacked on a leading axis, ``jax.vmap`` over it,
the axis sharded over every device of every process (a 1-D ``Mesh`` of
``jax.devices()``), padded to the device count, chunked when asked, compiled
once, results gathered on the host.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

from jaxsched import _check
from jaxsched._base import PyTree


def _host(x: Any) -> np.ndarray:
  arr = np.asarray(x)
  return arr.astype(jax.dtypes.canonicalize_dtype(arr.dtype), copy=False)


def _stack_configs(fn: str, configs: Any) -> tuple[Any, int]:
  """Host arrays with a leading config axis, and the number of configs."""
  if isinstance(configs, (list, tuple)):
    if not configs:
      raise ValueError(f"{fn}: `configs` must hold at least one config, got "
                       f"configs={configs!r}. Pass a list of configs.")
    first: Any = jax.tree.structure(configs[0])  # PyTreeDef: untyped
    shapes = [np.shape(x) for x in jax.tree.leaves(configs[0])]
    for i, c in enumerate(configs):
      if (jax.tree.structure(c) != first
          or [np.shape(x) for x in jax.tree.leaves(c)] != shapes):
        raise ValueError(
            f"{fn}: `configs[{i}]` has another structure than configs[0]: "
            f"{jax.tree.structure(c)} vs {first}. Every config must be the same "
            "pytree (same schedule family and static options, same leaf "
            "shapes) with other numbers; to sweep over families, put a "
            "schedule of each family in every config and select one by an "
            "integer leaf (see jaxsched demo).")
    stacked = jax.tree.map(lambda *xs: _host(np.stack([np.asarray(x) for x in xs])),
                           *configs)
    return stacked, len(configs)
  leaves = jax.tree.leaves(configs)
  sizes = {np.shape(x)[0] if np.ndim(x) else None for x in leaves}
  if not leaves or len(sizes) != 1 or None in sizes:
    raise ValueError(
        f"{fn}: `configs` must be a list of configs or one pytree whose every "
        f"leaf has the same leading (config) axis, got leading sizes "
        f"{sorted(sizes, key=str)!r}. Pass a list, or stack it with "
        "jaxsched.stack.")
  size = sizes.pop()
  assert size is not None  # checked above
  return jax.tree.map(_host, configs), size


def _pad(x: np.ndarray, size: int) -> np.ndarray:
  if x.shape[0] == size:
    return x
  return np.concatenate([x, np.repeat(x[:1], size - x.shape[0], axis=0)])


def _put(x: Any, sharding: Any) -> Any:
  """A global array from a host value that every process holds identically."""
  if jax.process_count() == 1:
    return jax.device_put(x, sharding)
  x = _host(x)
  return jax.make_array_from_callback(x.shape, sharding, lambda idx: x[idx])


def _fetch(out: Any) -> Any:
  if jax.process_count() == 1:
    return jax.tree.map(np.asarray, out)
  from jax.experimental import multihost_utils  # pylint: disable=import-outside-toplevel
  return multihost_utils.process_allgather(out, tiled=True)


def chunk_layout(num_configs: int, num_devices: int,
                 chunk_size: int | None = None) -> tuple[int, int]:
  """``(chunk, chunks)``: configs per compiled call and the number of calls.

  ``chunk`` is ``chunk_size`` (all configs when ``None``) rounded up to a
  multiple of ``num_devices`` and at most the padded number of configs;
  ``chunks * chunk >= num_configs`` (the rest is padding).
  """
  padded = -(-num_configs // num_devices) * num_devices
  chunk = padded if chunk_size is None else min(
      padded, -(-int(chunk_size) // num_devices) * num_devices)
  return chunk, -(-num_configs // chunk)


def sweep(train_fn: Callable[[Any, Any, Any], Any], configs: PyTree,
          data: PyTree = None, key: jax.Array | None = None, *, chunk_size: int | None = None,
          split_key: bool = False, devices: Sequence[Any] | None = None,
          return_info: bool = False) -> Any:
  r"""Runs ``train_fn`` for every config in one compiled, vmapped, sharded call.

  .. math::
      \mathrm{results}[i] = \mathrm{train\_fn}(\mathrm{configs}[i],\
      \mathrm{data},\ k_i), \qquad k_i = \begin{cases}
      \mathrm{fold\_in}(\mathrm{key}, i) & \text{split\_key} \\
      \mathrm{key} & \text{otherwise (common random numbers)}\end{cases}

  The configs are stacked on a leading axis and ``jax.vmap(train_fn)`` runs over
  it, the axis sharded over ``devices`` (default ``jax.devices()``: every device
  of every process, so after ``jax.distributed.initialize`` the sweep spans all
  hosts) with a 1-D ``jax.sharding.Mesh``; ``data`` and ``key`` are replicated.
  The axis is padded (with copies of config 0, whose results are dropped) to a
  multiple of the device count. With ``chunk_size``, the configs run ``chunk``
  at a time through the *same* compiled executable (the last chunk padded), for
  sweeps that do not fit in memory at once. ``train_fn`` is traced and compiled
  once whatever the number of configs or chunks. Results depend only on the
  config, its index and the per-device batch, not on the number of processes:
  on ``P`` processes of ``D`` devices they equal the single-process results on
  ``P * D`` devices bit for bit.

  In a multi-process run every process calls ``sweep`` with the same
  arguments (SPMD) and gets all results.

  Args:
    train_fn: a pure function ``train_fn(config, data, key) -> pytree of
      arrays`` (e.g. final loss, a loss curve), traceable in ``config``.
    configs: a list of configs (pytrees of one structure: schedules, dicts of
      hyperparameters, optimizer states...), or one pytree whose leaves all
      have a leading config axis (e.g. ``jaxsched.stack([...])``).
    data: any pytree of arrays, shared by every config (or ``None``).
    key: one PRNG key (``jax.random.key`` or ``PRNGKey``), or ``None`` (then
      ``train_fn`` gets ``None``).
    chunk_size: configs per compiled call (rounded up to a multiple of the
      device count); ``None``: all at once.
    split_key: give config ``i`` the key ``jax.random.fold_in(key, i)`` instead
      of ``key`` itself.
    devices: the devices to shard over (default ``jax.devices()``).
    return_info: also return a dict: ``configs``, ``devices``, ``processes``,
      ``platform``, ``chunk``, ``chunks``, ``padded``, ``compile_s`` (lower and
      compile) and ``run_s`` (all chunks, transfers included).

  Returns:
    ``train_fn``'s output pytree as NumPy arrays with a leading axis of
    ``len(configs)`` (config ``i`` is ``[i]``), on the host of every process;
    with ``return_info``, ``(results, info)``.

  Raises:
    ValueError: if ``configs`` is empty or of mixed structure, ``chunk_size``
      is not a whole number >= 1, or ``train_fn`` is not callable.

  Example:
    >>> import optax
    >>> def train(schedule, data, key):
    ...   opt = optax.sgd(schedule)
    ...   w, state = jnp.zeros(()), opt.init(jnp.zeros(()))
    ...   for _ in range(3):
    ...     upd, state = opt.update(w - data, state)
    ...     w = w + upd
    ...   return w
    >>> scheds = [jaxsched.constant(lr) for lr in (0.5, 1.0)]
    >>> jaxsched.sweep(train, scheds, data=jnp.float32(2.0)).tolist()
    [1.75, 2.0]
  """
  return run(train_fn, configs, data, key, chunk_size=chunk_size,
             split_key=split_key, devices=devices, return_info=return_info)


def compile_lowered(jitted: Any, args: tuple) -> Any:
  """``jitted.lower(*args).compile()``: how :func:`run` compiles by default."""
  return jitted.lower(*args).compile()


def run(train_fn: Callable[[Any, Any, Any], Any], configs: PyTree,
        data: PyTree = None, key: jax.Array | None = None, *,
        chunk_size: int | None = None, split_key: bool = False,
        devices: Sequence[Any] | None = None, return_info: bool = False,
        compile_fn: Callable[[Any, tuple], Any] = compile_lowered) -> Any:
  """:func:`sweep` with its compile step given: ``compile_fn(jitted, args)``
  returns the compiled program of ``jitted`` (a ``jax.jit`` of one chunk) for
  the arguments ``args`` (the first chunk, the data, the key), for example
  one loaded from disk (``jaxsched demo``'s executable cache)."""
  fn = "sweep"
  if not callable(train_fn):
    raise ValueError(f"{fn}: `train_fn` must be a function (config, data, key) "
                     f"-> results, got train_fn={train_fn!r}.")
  if chunk_size is not None:
    chunk_size = _check.steps(fn, "chunk_size", chunk_size, lo=1,
                              fix="Pass the number of configs per compiled "
                              "call, or None for all at once.")
  stacked, n = _stack_configs(fn, configs)
  devices = list(jax.devices() if devices is None else devices)
  chunk, chunks = chunk_layout(n, len(devices), chunk_size)
  padded = chunk * chunks
  mesh = jax.sharding.Mesh(np.array(devices), ("sweep",))
  shard = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("sweep"))
  repl = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())

  impl = None
  raw = None
  if key is not None:
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
      impl = jax.random.key_impl(key)
      raw = _host(jax.random.key_data(key))
    else:
      raw = _host(key)

  def run_chunk(cfgs: Any, idx: Any, data: Any, raw: Any) -> Any:
    def one(cfg: Any, i: Any) -> Any:
      k = raw
      if raw is not None and impl is not None:
        k = jax.random.wrap_key_data(raw, impl=impl)
      if k is not None and split_key:
        k = jax.random.fold_in(k, i)
      return train_fn(cfg, data, k)
    return jax.vmap(one)(cfgs, idx)

  index = np.where(np.arange(padded) < n, np.arange(padded), 0).astype(np.int32)
  stacked = jax.tree.map(lambda x: _pad(x, padded), stacked)

  def chunk_args(c: int) -> tuple:
    rows = slice(c * chunk, (c + 1) * chunk)
    return (jax.tree.map(lambda x: _put(x[rows], shard), stacked),
            _put(index[rows], shard))

  shared = (jax.tree.map(lambda x: _put(x, repl), data),
            None if raw is None else _put(raw, repl))
  jitted = jax.jit(run_chunk, out_shardings=shard)
  tic = time.perf_counter()
  first = chunk_args(0)
  compiled = compile_fn(jitted, (*first, *shared))
  compile_s = time.perf_counter() - tic

  tic = time.perf_counter()
  outs, pending = [], compiled(*first, *shared)
  for c in range(1, chunks):
    nxt = compiled(*chunk_args(c), *shared)  # dispatched before the fetch below
    outs.append(_fetch(pending))
    pending = nxt
  outs.append(_fetch(pending))
  results = jax.tree.map(lambda *xs: np.concatenate(xs)[:n], *outs)
  run_s = time.perf_counter() - tic
  if not return_info:
    return results
  info = {"configs": n, "devices": len(devices), "processes": jax.process_count(),
          "platform": devices[0].platform, "chunk": chunk, "chunks": chunks,
          "padded": padded, "compile_s": compile_s, "run_s": run_s}
  return results, info
