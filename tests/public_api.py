"""The public names of jaxsched, for the tests that walk all of them."""

from __future__ import annotations

import inspect
from typing import Any

import jaxsched


def public_objects() -> list[tuple[str, Any]]:
  """``(name, object)`` for every name in ``jaxsched.__all__`` that is not a
  module, and ``("compat.<layer>.<name>", object)`` for every name in each
  compat layer's ``__all__``."""
  out: list[tuple[str, Any]] = []
  for name in jaxsched.__all__:
    obj = getattr(jaxsched, name)
    if inspect.ismodule(obj):
      for sub in obj.__all__:
        mod = getattr(obj, sub)
        out += [(f"compat.{sub}.{n}", getattr(mod, n)) for n in mod.__all__]
    else:
      out.append((name, obj))
  return out
