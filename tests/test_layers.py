"""The house drawn from imports: jaxsched's modules import each other without cycles.

The graph is read from the source with ``ast`` (nothing is imported). An edge
``a -> b`` is an ``import``/``from ... import`` of jaxsched module ``b`` in module
``a``; ``from jaxsched import x`` is an edge to ``jaxsched.x`` when ``x`` is a
module, else to the package ``jaxsched`` itself.

* Module-level imports must form a DAG: that is the layering (``_shapes`` and
  ``_pytree`` at the bottom, then ``_check``, ``_base``, the families, the
  combinators, the compat layers, the package ``__init__``).
* An import inside a function runs after every module is loaded, so it cannot
  break import order; it is allowed to close a cycle only where listed in
  ``DEFERRED`` with the reason it is deliberate.
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "jaxsched"

# (importer, imported) -> why the import is deferred on purpose
DEFERRED: dict[tuple[str, str], str] = {}


def _modules() -> dict[str, pathlib.Path]:
  out = {}
  for path in ROOT.rglob("*.py"):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    out[name] = path
  return out


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
  """``(module-level edges, deferred edges)`` between jaxsched modules."""
  mods = _modules()
  top: dict[str, set[str]] = {m: set() for m in mods}
  deferred: dict[str, set[str]] = {m: set() for m in mods}
  for name, path in mods.items():
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST, in_function: bool, name=name, package=package):
      for child in ast.iter_child_nodes(node):
        inner = in_function or isinstance(
            child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        targets = []
        if isinstance(child, ast.Import):
          targets = [a.name for a in child.names]
        elif isinstance(child, ast.ImportFrom):
          base = child.module or ""
          if child.level:
            up = package.split(".")[:len(package.split(".")) - child.level + 1]
            base = ".".join(up + ([child.module] if child.module else []))
          targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base
                     for a in child.names]
        for t in targets:
          if t in mods and t != name:
            (deferred if in_function else top)[name].add(t)
        visit(child, inner)

    visit(ast.parse(path.read_text()), False)
  return top, deferred


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
  """One cycle of ``graph`` as a path ``[a, b, ..., a]``, or None."""
  state: dict[str, int] = {}
  stack: list[str] = []

  def walk(n: str) -> list[str] | None:
    state[n] = 1
    stack.append(n)
    for m in sorted(graph.get(n, ())):
      if state.get(m) == 1:
        return stack[stack.index(m):] + [m]
      if m not in state:
        found = walk(m)
        if found:
          return found
    stack.pop()
    state[n] = 2
    return None

  for n in sorted(graph):
    if n not in state:
      found = walk(n)
      if found:
        return found
  return None


def _reachable(graph: dict[str, set[str]], a: str, b: str) -> bool:
  seen, todo = set(), [a]
  while todo:
    n = todo.pop()
    if n == b:
      return True
    if n not in seen:
      seen.add(n)
      todo.extend(graph.get(n, ()))
  return False


def test_module_level_imports_have_no_cycle():
  top, _ = import_graph()
  assert len(top) > 30  # the graph was read (every module of the package)
  assert _cycle(top) is None, " -> ".join(_cycle(top) or [])


def test_core_layers():
  top, deferred = import_graph()
  both = {m: top[m] | deferred[m] for m in top}
  # the bottom layer imports nothing of jaxsched, at any depth
  assert both["jaxsched._shapes"] == set()
  assert both["jaxsched._pytree"] == set()
  # the base never reaches the combinators (the operators look them up)
  assert not _reachable(both, "jaxsched._base", "jaxsched._combinators")
  # core modules never reach a compat layer
  for m in top:
    if m.startswith("jaxsched._"):
      assert not any(_reachable(top, m, c) for c in top
                     if c.startswith("jaxsched.compat")), m


def test_deferred_imports_close_a_cycle_only_where_documented():
  top, deferred = import_graph()
  closing = {(a, b) for a in deferred for b in deferred[a]
             if _reachable(top, b, a)}
  undocumented = closing - set(DEFERRED)
  assert not undocumented, (
      f"in-function imports that close an import cycle: {sorted(undocumented)}; "
      "import at module level from a lower layer, or document it in DEFERRED")
