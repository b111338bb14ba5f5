"""What ``jaxsched families`` and ``--help`` need to know, read from the package's
source without importing it (importing JAX takes seconds).

:func:`families` finds every function decorated ``@factory("name")`` (the
constructors ``jaxsched.from_config`` uses) with its signature and the first line
of its docstring; :func:`defaults` reads a function's default arguments, so the
command line shows and uses the library's own defaults. ``tests/test_cli.py``
checks both against the imported package (``jaxsched.families()``, ``inspect``).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import os
from typing import Any

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


@functools.cache
def _tree(module: str) -> ast.Module:
  """The parsed source of ``jaxsched/<module>.py``."""
  path = os.path.join(_PACKAGE, *module.split(".")) + ".py"
  with open(path, encoding="utf-8") as f:
    return ast.parse(f.read(), filename=path)


def _modules() -> list[str]:
  return sorted(name[:-3] for name in os.listdir(_PACKAGE)
                if name.startswith("_") and name.endswith(".py")
                and not name.startswith("__"))


def _registered_name(fn: ast.FunctionDef) -> str | None:
  """``"cosine_decay"`` for a function decorated ``@factory("cosine_decay")``."""
  for deco in fn.decorator_list:
    if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Name)
        and deco.func.id == "factory" and deco.args
        and isinstance(deco.args[0], ast.Constant)
        and isinstance(deco.args[0].value, str)):
      return deco.args[0].value
  return None


def _default(node: ast.expr) -> str:
  """A default value as ``inspect`` shows it (``repr`` of the value)."""
  try:
    return repr(ast.literal_eval(node))
  except ValueError:
    return ast.unparse(node)


def signature(fn: ast.FunctionDef) -> str:
  """``(a, b, *, c=1.0)`` without annotations, as ``inspect`` would print it."""
  a = fn.args
  positional = a.posonlyargs + a.args
  pos_defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
  parts = [p.arg if d is None else f"{p.arg}={_default(d)}"
           for p, d in zip(positional, pos_defaults)]
  if a.vararg is not None:
    parts.append(f"*{a.vararg.arg}")
  elif a.kwonlyargs:
    parts.append("*")
  parts += [p.arg if d is None else f"{p.arg}={_default(d)}"
            for p, d in zip(a.kwonlyargs, a.kw_defaults)]
  if a.kwarg is not None:
    parts.append(f"**{a.kwarg.arg}")
  return "(" + ", ".join(parts) + ")"


def summary(fn: ast.FunctionDef) -> str:
  """The docstring's first line, with ``code`` in single backquotes."""
  doc = (ast.get_docstring(fn) or "").strip().splitlines()
  return doc[0].replace("``", "`") if doc else ""


def _factory_sources(module: str) -> list[str]:
  """The source of each top-level function decorated ``@factory(...)`` in
  ``module``: from its decorators to the next unindented line (parsing these
  snippets instead of whole modules keeps ``jaxsched families`` fast)."""
  path = os.path.join(_PACKAGE, module + ".py")
  with open(path, encoding="utf-8") as f:
    text = f.read()
  if "@factory(" not in text:
    return []
  lines = text.splitlines()
  out = []
  for i, line in enumerate(lines):
    if line.startswith("@factory("):
      j = i + 1
      while j < len(lines) and not lines[j].startswith("def "):
        j += 1
      k = j + 1
      while k < len(lines) and (not lines[k] or lines[k][0] in " \t)#"):
        k += 1
      out.append("\n".join(lines[i:k]))
  return out


@functools.cache
def families() -> tuple[tuple[str, str, str], ...]:
  """``(name, signature, summary)`` of every registered family, sorted by name.

  Example:
    >>> from jaxsched._cli_index import families
    >>> [f for f in families() if f[0] == "constant"]
    [('constant', '(value)', 'A constant learning rate.')]
  """
  out = {}
  for module in _modules():
    for source in _factory_sources(module):
      node = ast.parse(source).body[0]
      if isinstance(node, ast.FunctionDef):
        name = _registered_name(node)
        if name is not None:
          out[name] = (name, signature(node), summary(node))
  return tuple(out[n] for n in sorted(out))


def defaults(module: str, function: str) -> dict[str, Any]:
  """The default arguments of ``jaxsched.<module>.<function>`` (literals only).

  Example:
    >>> from jaxsched._cli_index import defaults
    >>> defaults("_range_test", "lr_range_test")["smoothing"]
    0.98
  """
  for node in _tree(module).body:
    if isinstance(node, ast.FunctionDef) and node.name == function:
      a = node.args
      positional = a.posonlyargs + a.args
      pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults))
      pairs += [(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
      out = {}
      for p, d in pairs:
        with contextlib.suppress(ValueError):
          out[p.arg] = ast.literal_eval(d)
      return out
  raise LookupError(f"no function {function!r} in jaxsched.{module}")


def version() -> str:
  """``jaxsched.__version__``, read from ``jaxsched/__init__.py``."""
  for node in _tree("__init__").body:
    if isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets):
      return str(ast.literal_eval(node.value))
  return "unknown"
