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
from collections.abc import Callable, Iterator
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
    self.restored = 0  # whole executables loaded (SavedExecutables), not counted above

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
    """``"compiled nothing: 9 executables loaded from the cache"`` and the like;
    whole executables (``restored``, which JAX's events do not see) are named
    as such."""
    n = self.loaded + self.restored
    loaded = f"{n} executable{'s' if n != 1 else ''} loaded from the cache"
    if self.restored:
      loaded += f" ({self.restored} whole, not traced again)"
    if self.compiled == 0:
      return "compiled nothing" + (f": {loaded}" if n else "")
    done = f"{self.compiled} XLA compilation{'s' if self.compiled != 1 else ''}"
    return done + (f", {loaded}" if n else "")


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
    remove_listener("duration", count._on_duration)  # pylint: disable=protected-access
    remove_listener("event", count._on_event)  # pylint: disable=protected-access


_REMOVERS = {  # public functions in newer JAX, private before
    "duration": ("unregister_event_duration_listener",
                 "_unregister_event_duration_listener_by_callback"),
    "event": ("unregister_event_listener", "_unregister_event_listener_by_callback"),
}


def remove_listener(kind: str, fn: Any) -> None:
  """Removes a JAX monitoring listener registered with
  ``register_event_duration_secs_listener`` (``kind="duration"``) or
  ``register_event_listener`` (``"event"``); on very old JAX, which cannot, the
  (harmless) listener stays."""
  from jax import monitoring  # pylint: disable=import-outside-toplevel
  public, private = _REMOVERS[kind]
  remove = getattr(monitoring, public, None) or getattr(monitoring, private, None)
  if remove is not None:
    with contextlib.suppress(Exception):
      remove(fn)


# Settings that make every compile cacheable (JAX caches only compiles that took
# more than a second, by default); options missing from older JAX are skipped.
_SETTINGS = (("jax_persistent_cache_min_compile_time_secs", 0.0),
             ("jax_persistent_cache_min_entry_size_bytes", -1))


def unusable(path: str) -> str | None:
  """Why ``path`` cannot hold the cache (created if missing), or None if it can.

  Example:
    >>> import tempfile, os
    >>> from jaxsched._cli_cache import unusable
    >>> with tempfile.NamedTemporaryFile() as f:  # a file where a folder should be
    ...   print(unusable(os.path.join(f.name, "jax")) is not None)
    True
  """
  try:
    os.makedirs(path, exist_ok=True)
  except OSError as e:
    return f"cannot create {path} ({e.strerror or e})"
  if not os.access(path, os.W_OK | os.X_OK):
    return f"cannot write to {path}"
  return None


@contextlib.contextmanager
def persistent_cache(enabled: bool,
                     refused: Callable[[str], None] | None = None) -> Iterator[str | None]:
  """JAX's persistent compilation cache on (or off) inside the block.

  Args:
    enabled: False (``--no-cache``), or ``JAXSCHED_NO_CACHE`` set: no persistent
      cache at all in the block, even one the user configured for JAX.
    refused: called with a one-line reason where the cache is wanted but its
      folder cannot be created or written (the block then runs without it).

  Yields:
    The cache folder in use, or None when the cache is off. A folder the user
    configured for JAX (``JAX_COMPILATION_CACHE_DIR``) is kept. The previous
    settings are restored afterwards (the command may run inside a program).
  """
  import jax  # pylint: disable=import-outside-toplevel
  on = enabled and not disabled_by_env()
  config: Any = jax.config  # options are run-time attributes: untyped
  path = (config.jax_compilation_cache_dir or cache_dir()) if on else None
  why = None if path is None else unusable(path)
  if why is not None:  # an unwritable cache folder: run without the cache
    if refused is not None:
      refused(f"no compilation cache: {why}; set XDG_CACHE_HOME to a writable "
              f"folder (or pass --no-cache)")
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


# ---------------------------------------------------------------------------
# whole executables: a second run skips tracing and lowering too
# ---------------------------------------------------------------------------

_EXECUTABLE_FORMAT = 1  # bump when the file layout below changes


def _source_digest() -> str:
  """A digest of jaxsched's own source files (an edited checkout is new code)."""
  import hashlib  # pylint: disable=import-outside-toplevel
  root = os.path.dirname(os.path.abspath(__file__))
  h = hashlib.sha256()
  for folder, dirs, files in sorted(os.walk(root)):
    dirs.sort()
    for name in sorted(files):
      if name.endswith(".py"):
        path = os.path.join(folder, name)
        h.update(os.path.relpath(path, root).encode())
        with open(path, "rb") as f:
          h.update(f.read())
  return h.hexdigest()


def _cpu_fingerprint() -> str:
  """The host CPU's model and feature flags: XLA:CPU compiles for the host."""
  import platform  # pylint: disable=import-outside-toplevel
  lines = []
  try:
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
      for line in f:
        if line.split(":")[0].strip() in ("model name", "flags", "Features",
                                          "CPU part"):
          lines.append(line.strip())
          if len(lines) >= 3:
            break
  except OSError:
    pass
  return "|".join([platform.machine(), platform.processor(), *lines])


def _installed_version(dist: str) -> str:
  """``dist``'s installed version, read from its metadata: the demo's second
  run never traces optax's code, so importing optax for its ``__version__``
  would be 0.07 s of it spent on the key alone. (A checkout of optax put on
  ``PYTHONPATH`` without its metadata reads as the installed optax: delete the
  cache folder, or pass ``--no-cache``, after changing optax that way.)"""
  from importlib import metadata  # pylint: disable=import-outside-toplevel
  try:
    return metadata.version(dist)
  except metadata.PackageNotFoundError:
    return ""


def executable_key(name: str, parts: Any, args: tuple) -> str:
  """The key of a saved executable.

  ``name`` and ``parts`` must describe the traced function completely: every
  value it closes over that is not in jaxsched's source (the demo's sizes;
  the key cannot see a closure);
  the key adds the argument structure, shapes, dtypes and shardings, jaxsched's
  source, the versions of Python, jax, jaxlib and optax, every JAX option,
  ``XLA_FLAGS``, the devices and processes, and the host CPU.

  Example:
    >>> import numpy as np
    >>> from jaxsched._cli_cache import executable_key
    >>> k = executable_key("demo", {"steps": 600}, (np.zeros(3, np.float32),))
    >>> len(k), k == executable_key("demo", {"steps": 600}, (np.zeros(4, np.float32),))
    (64, False)
  """
  import hashlib  # pylint: disable=import-outside-toplevel
  import sys  # pylint: disable=import-outside-toplevel

  import jax  # pylint: disable=import-outside-toplevel
  import jaxlib  # pylint: disable=import-outside-toplevel
  import numpy as np  # pylint: disable=import-outside-toplevel
  leaves, treedef = jax.tree.flatten(args)
  avals = [(np.shape(x), str(getattr(x, "dtype", type(x))),
            str(getattr(x, "sharding", ""))) for x in leaves]
  devices = jax.devices()
  backend_version = getattr(devices[0].client, "platform_version", "")
  described = repr((
      _EXECUTABLE_FORMAT, name, sorted(parts.items()), str(treedef), avals,
      _source_digest(), sys.version, jax.__version__,
      getattr(jaxlib, "__version__", ""), _installed_version("optax"),
      sorted(jax.config.values.items()), os.environ.get("XLA_FLAGS", ""),
      [(d.platform, d.device_kind, d.id) for d in devices], backend_version,
      jax.process_count(), jax.process_index(), _cpu_fingerprint()))
  return hashlib.sha256(described.encode()).hexdigest()


class SavedExecutables:
  """A ``compile_fn`` for ``jaxsched._sweep.run`` that keeps whole compiled
  executables in ``folder``, so that a second run of the same command skips
  tracing, lowering and compiling (JAX's persistent cache skips only the
  compiling).

  Called as ``compile_fn(jitted, args)``: it loads the executable saved under
  :func:`executable_key` if there is one, else compiles ``jitted.lower(*args)``
  and saves the result (written to a temporary file and renamed, so a reader
  never sees half a file).

  - That compile bypasses JAX's persistent cache: with jax 0.10.2 an executable
    read from that cache serializes to a payload that loads but fails when run
    ("Function ... not found"), so only executables XLA compiled in this
    process are saved. ``jitted`` must be a new ``jax.jit`` (``_sweep.run``
    makes one per call): JAX keeps a function's compiles in memory and would
    hand back one it loaded earlier.
  - A file that does not load (cut short, another format, another JAX) is
    compiled again and replaced; so is one whose first run fails (that run is
    checked before its results are used, then redone with a fresh compile).
  - Files are JAX's ``serialize_executable`` payloads, which are pickles: keep
    the cache folder one that only you can write.
  - The ``KEEP`` most recently used files per command are kept (``prune``).
  - ``loaded`` counts executables loaded and used, ``saved`` those written.
  - Multi-process runs always compile.
  """

  def __init__(self, folder: str, name: str, parts: dict[str, Any]) -> None:
    self.folder, self.name, self.parts = folder, name, dict(parts)
    self.loaded = 0
    self.saved = 0

  def _path(self, args: tuple) -> str:
    key = executable_key(self.name, self.parts, args)
    return os.path.join(self.folder, f"jaxsched-{self.name}-{key[:40]}.executable")

  def _compile_and_save(self, jitted: Any, args: tuple, path: str) -> Any:
    with persistent_cache(False):  # a fresh compile, which serializes whole
      compiled = jitted.lower(*args).compile()
    if _save_executable(path, compiled):
      self.saved += 1
      prune(self.folder, self.name)
    return compiled

  def __call__(self, jitted: Any, args: tuple) -> Any:
    import jax  # pylint: disable=import-outside-toplevel
    if jax.process_count() != 1:
      return jitted.lower(*args).compile()
    path = self._path(args)
    compiled = _load_executable(path)
    if compiled is None:
      return self._compile_and_save(jitted, args, path)
    self.loaded += 1
    with contextlib.suppress(OSError):
      os.utime(path)  # used now: ``prune`` keeps the most recently used

    def redo() -> Any:
      self.loaded -= 1
      with contextlib.suppress(OSError):
        os.remove(path)
      return self._compile_and_save(jitted, args, path)

    return _CheckedOnce(compiled, redo)


KEEP = 8  # saved executables kept per command (its sizes and versions vary)


def prune(folder: str, name: str, keep: int | None = None) -> list[str]:
  """Removes all but the ``keep`` (default ``KEEP``) most recently used saved
  executables of command ``name`` from ``folder`` (each jaxsched, JAX or size
  change makes a new one); returns the paths removed.

  Example:
    >>> import os, tempfile
    >>> from jaxsched._cli_cache import prune
    >>> d = tempfile.mkdtemp()
    >>> for i in range(3):
    ...   p = os.path.join(d, f"jaxsched-demo-{i}.executable")
    ...   open(p, "w").close(); os.utime(p, (i, i))
    >>> [os.path.basename(p) for p in prune(d, "demo", keep=2)]
    ['jaxsched-demo-0.executable']
  """
  keep = KEEP if keep is None else keep
  try:
    found = [(e.stat().st_mtime, e.path) for e in os.scandir(folder)
             if e.name.startswith(f"jaxsched-{name}-") and e.name.endswith(".executable")]
  except OSError:
    return []
  removed = []
  for _, path in sorted(found, reverse=True)[keep:]:
    with contextlib.suppress(OSError):
      os.remove(path)
      removed.append(path)
  return removed


class _CheckedOnce:
  """A loaded executable whose first call is waited for: if it fails with a
  runtime error (XLA's), ``redo()`` gives a freshly compiled one, which runs the
  call again (a sweep chunk is a pure function of its arguments); any other
  error is the caller's and propagates. Later calls go straight through."""

  def __init__(self, compiled: Any, redo: Callable[[], Any]) -> None:
    self._compiled, self._redo, self._checked = compiled, redo, False

  def __call__(self, *args: Any) -> Any:
    if self._checked:
      return self._compiled(*args)
    import jax  # pylint: disable=import-outside-toplevel
    try:
      out = jax.block_until_ready(self._compiled(*args))
    except RuntimeError:  # XLA's runtime errors (a payload that loads but fails)
      self._compiled = self._redo()
      out = self._compiled(*args)
    self._checked = True
    return out


def _load_executable(path: str) -> Any:
  """The executable saved at ``path``, or None (no file, or one that does not
  check out: its digest is recorded next to the payload)."""
  import hashlib  # pylint: disable=import-outside-toplevel
  import pickle  # pylint: disable=import-outside-toplevel
  try:
    with open(path, "rb") as f:
      digest, blob = pickle.load(f)
    if hashlib.sha256(blob).hexdigest() != digest:
      return None
    from jax.experimental import serialize_executable  # pylint: disable=import-outside-toplevel
    payload, in_tree, out_tree = pickle.loads(blob)
    return serialize_executable.deserialize_and_load(payload, in_tree, out_tree)
  except Exception:  # pylint: disable=broad-except
    return None  # missing, cut short, or from another version: compile


def _save_executable(path: str, compiled: Any) -> bool:
  """Writes ``compiled`` to ``path`` atomically; False where it cannot (a
  backend that does not serialize, an unwritable folder: the run goes on)."""
  import hashlib  # pylint: disable=import-outside-toplevel
  import pickle  # pylint: disable=import-outside-toplevel
  import tempfile  # pylint: disable=import-outside-toplevel
  try:
    from jax.experimental import serialize_executable  # pylint: disable=import-outside-toplevel
    blob = pickle.dumps(serialize_executable.serialize(compiled))
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    try:
      with os.fdopen(fd, "wb") as f:
        pickle.dump((hashlib.sha256(blob).hexdigest(), blob), f)
      os.replace(tmp, path)
    finally:
      if os.path.exists(tmp):
        os.remove(tmp)
  except Exception:  # pylint: disable=broad-except
    return False
  return True
