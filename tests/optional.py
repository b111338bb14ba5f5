"""Optional test dependencies (the frameworks we integrate with), imported when
a test first uses them rather than when pytest collects the file.

Both pytest-xdist workers import every test file to collect it, and one of them
runs it: keras, flax, orbax and equinox imported at collection cost ~1.9 s in
each worker. ``deferred(name)`` still skips the whole file at collection when
the package is not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import pytest


class Deferred:
  """Module ``name``, imported at the first attribute read (then ``check(module)``,
  which may ``pytest.skip``); a failed import skips the test, as
  ``pytest.importorskip`` skips a file (an installed package without the
  submodule, an old flax without ``flax.nnx``)."""

  def __init__(self, name: str, check: Callable[[Any], None] | None = None):
    self._name = name
    self._check = check
    self._module: Any = None

  def __getattr__(self, attr: str) -> Any:
    if attr.startswith("__"):  # copy, pickle and inspect probe dunders
      raise AttributeError(attr)
    if self._module is None:
      try:
        module = importlib.import_module(self._name)
      except ImportError as e:  # as pytest.importorskip: a skip, not an error
        pytest.skip(f"could not import {self._name!r}: {e}")
      if self._check is not None:
        self._check(module)
      self._module = module
    return getattr(self._module, attr)


def deferred(name: str, check: Callable[[Any], None] | None = None) -> Deferred:
  """``name`` imported on first use; the calling test file is skipped now if
  its top-level package is not installed (what ``pytest.importorskip`` does,
  without the import)."""
  top = name.split(".", 1)[0]
  if importlib.util.find_spec(top) is None:
    pytest.skip(f"could not import {top!r}: not installed", allow_module_level=True)
  return Deferred(name, check)
