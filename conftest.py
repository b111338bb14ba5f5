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


def _share_compilations() -> None:
  """One persistent compilation cache for the whole run.

  The suite compiles thousands of small programs (eager JAX compiles each
  primitive per shape); the pytest-xdist workers, and the subprocesses that the
  CLI and multi-process tests start, compile many of the same ones. A shared
  on-disk cache lets each be compiled once per run, and once per machine across
  runs. ``JAXSCHED_TEST_CACHE`` names the folder (default: the user's cache
  folder); ``JAXSCHED_TEST_CACHE=0`` turns it off. Cached programs are keyed by
  the HLO, the flags and the jax version, so a hit is the same executable.
  """
  import os  # pylint: disable=import-outside-toplevel
  import pathlib  # pylint: disable=import-outside-toplevel
  where = os.environ.get("JAXSCHED_TEST_CACHE")
  if where == "0":
    return
  if not where:
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    where = str(pathlib.Path(base) / "jaxsched" / f"test-jax-{jax.__version__}")
  os.environ["JAXSCHED_TEST_CACHE"] = where  # subprocesses of the tests share it
  os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", where)
  os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
  os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
  for name, value in [("jax_compilation_cache_dir", where),
                      ("jax_persistent_cache_min_compile_time_secs", 0),
                      ("jax_persistent_cache_min_entry_size_bytes", 0)]:
    try:
      jax.config.update(name, value)
    except AttributeError:  # an option older jax versions lack: no cache
      return


_share_compilations()

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


def _profile_plugin():
  """``JAXSCHED_TEST_PROFILE=FILE``: one JSON line per test with its wall time
  and what JAX spent on it (backend compiles and their seconds, tracing,
  lowering, persistent-cache hits), to find where the suite's time goes."""
  import json  # pylint: disable=import-outside-toplevel
  import os  # pylint: disable=import-outside-toplevel
  import time  # pylint: disable=import-outside-toplevel
  path = os.environ.get("JAXSCHED_TEST_PROFILE")
  if not path:
    return None
  from jax import monitoring  # pylint: disable=import-outside-toplevel
  keys = {"/jax/core/compile/backend_compile_duration": "compile",
          "/jax/core/compile/jaxpr_trace_duration": "trace",
          "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower",
          "/jax/compilation_cache/cache_retrieval_time_sec": "cache_read"}
  acc: dict = {}

  def listener(event, duration, **kwargs):
    key = keys.get(event)
    if key:
      acc[key + "_s"] = acc.get(key + "_s", 0.0) + duration
      acc[key + "_n"] = acc.get(key + "_n", 0) + 1
      if key == "compile":  # which programs: jit(<primitive>) is eager, op by op
        funs = acc.setdefault("funs", {})
        name = str(kwargs.get("fun_name", "?"))
        funs[name] = round(funs.get(name, 0.0) + duration, 4)

  monitoring.register_event_duration_secs_listener(listener)

  class Plugin:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
      acc.clear()
      tic = time.perf_counter()
      yield
      row = {"id": item.nodeid, "wall": time.perf_counter() - tic, "end": time.time(),
             "worker": os.environ.get("PYTEST_XDIST_WORKER", ""), **acc}
      with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")

  return Plugin()


def pytest_sessionstart(session):
  plugin = _profile_plugin()
  if plugin is not None:
    session.config.pluginmanager.register(plugin, "jaxsched-profile")


# Scheduling for ``pytest -n 2`` (README's test command): the tests of one file
# run in one pytest-xdist worker, so that what a file computes once for several
# tests (``padded.in_block`` blocks, ``functools.cache``, the programs JAX
# compiled for its schedules) is computed by one process, not by both; the files
# that evaluate every case of ``tests/cases.py`` eagerly at the same steps share
# one worker (the programs compiled for each case's schedule). The heaviest
# groups start first, so that neither worker finishes long after the other.
# (``--dist loadgroup`` would do the grouping, but pytest-xdist 3.8 marks groups
# in ``item._nodeid``, which pytest 9 no longer reads: ``pytest_xdist_make_scheduler``
# below is the documented hook.)
_SHARED = {"test_properties.py": "cases", "test_optax_integration.py": "cases",
           "test_eager.py": "cases"}
# longest first (seconds on 2 busy cores, measured with JAXSCHED_TEST_PROFILE;
# test_typing's mypy run is ~8 s with a cold cache, as in CI); the rest, each
# under 4 s, in collection order
_FIRST = ["cases", "tests/test_differential.py", "tests/test_range_test.py",
          "tests/test_compat_timm.py", "tests/test_cli.py", "tests/test_run.py",
          "tests/test_compat_torch.py", "tests/test_compat_optax.py",
          "tests/test_compat_transformers.py", "tests/test_frameworks_docs.py",
          "tests/test_plateau.py", "tests/test_readme.py", "tests/test_typing.py",
          "tests/test_cli_hostile.py", "tests/test_sweep.py", "tests/test_bench.py",
          "tests/test_compat_fastai.py", "tests/test_compat_deepspeed.py",
          "tests/test_golden_core.py", "tests/test_hostile.py", "tests/test_values.py",
          "tests/test_compat_keras.py", "tests/test_validation.py",
          "tests/test_ported.py"]


def _group(nodeid: str) -> str:
  """The scheduling group of a test (its file's path relative to the root, or
  the shared group)."""
  path = nodeid.split("::", 1)[0]
  return _SHARED.get(path.rsplit("/", 1)[-1], path)


def pytest_collection_modifyitems(config, items):
  del config
  rank = {g: i for i, g in enumerate(_FIRST)}
  items.sort(key=lambda item: rank.get(_group(item.nodeid), len(rank)))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown without it
def pytest_xdist_make_scheduler(config, log):
  from xdist.scheduler import LoadScopeScheduling  # pylint: disable=import-outside-toplevel

  class FileGroups(LoadScopeScheduling):
    """pytest-xdist's scope scheduling, a scope being ``_group`` of the file,
    scopes handed out in collection order (heaviest first, above)."""

    def __init__(self, config, log=None):
      super().__init__(config, log)
      config.option.loadscopereorder = False

    def _split_scope(self, nodeid):
      return _group(nodeid)

  return FileGroups(config, log)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
  """A pytest-xdist worker ends here, without the interpreter's teardown.

  By now the worker has sent its results to the controller ("workerfinished",
  in ``pytest_sessionfinish``) and every other plugin has unconfigured; what
  the normal exit would add is freeing the ~1,500 executables JAX compiled in
  the worker, ~1.5 ms each: 3 s of the suite's wall time, spent while the
  controller waits. JAX's persistent cache writes are done at compile time, so
  nothing is lost. ``JAXSCHED_TEST_FAST_EXIT=0`` keeps the normal exit (for a
  coverage run, whose data is written at exit)."""
  import os  # pylint: disable=import-outside-toplevel
  import sys  # pylint: disable=import-outside-toplevel
  if not hasattr(config, "workerinput") or os.environ.get(
      "JAXSCHED_TEST_FAST_EXIT") == "0":
    return
  sys.stdout.flush()
  sys.stderr.flush()
  os._exit(0)
