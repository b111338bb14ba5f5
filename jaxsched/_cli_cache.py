"""JAX's persistent compilation cache for the commands that train, and a
counter of what XLA really compiled.

``demo`` and ``range-test`` compile a training scan; the second run of the same
command loads it from disk instead. The cache lives in the user's cache folder,
``$XDG_CACHE_HOME/jaxsched/jax`` (``~/.cache/jaxsched/jax`` without
``XDG_CACHE_HOME``); ``--no-cache`` or ``JAXSCHED_NO_CACHE=1`` turn it off, and a
cache folder the user set for JAX (``JAX_COMPILATION_CACHE_DIR``) is used as it
is. Nothing here imports JAX before a command needs it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

ENV_OFF = "JAXSCHED_NO_CACHE"  # set to 1 (or true/yes/on) to turn the cache off
_REQUESTS = "/jax/core/compile/backend_compile_duration"  # one per XLA compile
_HITS = "/jax/compilation_cache/cache_hits"  # one per executable read from disk


def cache_dir(environ: Any = None) -> str:
  """The cache folder: ``$XDG_CACHE_HOME/jaxsched/jax``, else
  ``~/.cache/jaxsched/jax``.

  Example:
    >>> from jaxsched._cli_cache import cache_dir
    >>> cache_dir({"XDG_CACHE_HOME": "/tmp/c"})
    '/tmp/c/jaxsched/jax'
  """
  env = os.environ if environ is None else environ
  base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                    ".cache")
  return os.path.join(base, "jaxsched", "jax")


def disabled_by_env(environ: Any = None) -> bool:
  """Whether ``JAXSCHED_NO_CACHE`` turns the cache off.

  Any value but ``''``, ``0``, ``false``, ``no`` or ``off`` does.
  """
  env = os.environ if environ is None else environ
  return env.get(ENV_OFF, "").strip().lower() not in ("", "0", "false", "no", "off")


class CompileCount:
  """What XLA compiled while it was active: ``compiled`` (real compiles) and
  ``loaded`` (executables read from the persistent cache), counted from JAX's
  monitoring events (the counts JAX itself reports, not a guess)."""

  def __init__(self) -> None:
    self.requests = 0
    self.loaded = 0

  @property
  def compiled(self) -> int:
    return self.requests - self.loaded

  def _on_duration(self, event: str, *args: Any, **kwargs: Any) -> None:
    del args, kwargs
    if event == _REQUESTS:
      self.requests += 1

  def _on_event(self, event: str, *args: Any, **kwargs: Any) -> None:
    del args, kwargs
    if event == _HITS:
      self.loaded += 1

  def summary(self) -> str:
    """``"compiled nothing: 9 executables loaded from the cache"`` and the like."""
    loaded = (f"{self.loaded} executable{'s' if self.loaded != 1 else ''} loaded "
              "from the cache")
    if self.compiled == 0:
      return "compiled nothing" + (f": {loaded}" if self.loaded else "")
    done = f"{self.compiled} XLA compilation{'s' if self.compiled != 1 else ''}"
    return done + (f", {loaded}" if self.loaded else "")


@contextlib.contextmanager
def counting() -> Iterator[CompileCount]:
  """Counts XLA compiles and cache loads inside the ``with`` block."""
  from jax import monitoring  # pylint: disable=import-outside-toplevel
  count = CompileCount()
  monitoring.register_event_duration_secs_listener(count._on_duration)  # pylint: disable=protected-access
  monitoring.register_event_listener(count._on_event)  # pylint: disable=protected-access
  try:
    yield count
  finally:
    _unregister(monitoring, count)


def _unregister(monitoring: Any, count: CompileCount) -> None:
  """Removes the listeners (public functions in newer JAX, private before)."""
  pairs = (("unregister_event_duration_listener",
            "_unregister_event_duration_listener_by_callback",
            count._on_duration),  # pylint: disable=protected-access
           ("unregister_event_listener", "_unregister_event_listener_by_callback",
            count._on_event))  # pylint: disable=protected-access
  for public, private, fn in pairs:
    remove = getattr(monitoring, public, None) or getattr(monitoring, private, None)
    if remove is None:  # very old JAX: leave the (harmless) listener in place
      continue
    with contextlib.suppress(Exception):
      remove(fn)


# Settings that make every compile cacheable (JAX caches only compiles that took
# more than a second, by default); options missing from older JAX are skipped.
_SETTINGS = (("jax_persistent_cache_min_compile_time_secs", 0.0),
             ("jax_persistent_cache_min_entry_size_bytes", -1))


@contextlib.contextmanager
def persistent_cache(enabled: bool) -> Iterator[str | None]:
  """JAX's persistent compilation cache on (or off) inside the block.

  Args:
    enabled: False (``--no-cache``), or ``JAXSCHED_NO_CACHE`` set: no persistent
      cache at all in the block, even one the user configured for JAX.

  Yields:
    The cache folder in use, or None when the cache is off. A folder the user
    configured for JAX (``JAX_COMPILATION_CACHE_DIR``) is kept. The previous
    settings are restored afterwards (the command may run inside a program).
  """
  import jax  # pylint: disable=import-outside-toplevel
  on = enabled and not disabled_by_env()
  config: Any = jax.config  # options are run-time attributes: untyped
  path = (config.jax_compilation_cache_dir or cache_dir()) if on else None
  if path is not None:
    try:
      os.makedirs(path, exist_ok=True)
    except OSError:  # an unwritable cache folder: run without the cache
      path = None
  if path is None:
    settings: tuple[tuple[str, Any], ...] = (("jax_enable_compilation_cache", False),)
  else:
    settings = (("jax_enable_compilation_cache", True),
                ("jax_compilation_cache_dir", path)) + _SETTINGS
  saved = {}
  for name, value in settings:
    try:
      old = getattr(jax.config, name)
      jax.config.update(name, value)
      saved[name] = old
    except (AttributeError, ValueError):  # not in this JAX
      pass
  _reset()
  try:
    yield path
  finally:
    for name, value in saved.items():
      jax.config.update(name, value)
    _reset()


def _reset() -> None:
  """Makes JAX re-read the cache settings (it reads them once per process)."""
  try:
    from jax.experimental.compilation_cache import compilation_cache as cc  # pylint: disable=import-outside-toplevel
    cc.reset_cache()
  except (ImportError, AttributeError):
    pass
