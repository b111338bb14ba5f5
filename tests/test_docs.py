"""The documentation site covers the public API (without building it).

CI builds the site with ``mkdocs build --strict``; these checks are cheap and
say which line to add: every public name has a ``::: jaxsched.NAME`` entry,
every page is in the nav, and every section a page includes exists.
"""

from __future__ import annotations

import importlib.util
import inspect
import pathlib
import re

import pytest
from public_api import public_objects

import jaxsched

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if not p.name.startswith("readme_"))


def _hooks():
  spec = importlib.util.spec_from_file_location("_docs_hooks", DOCS / "hooks.py")
  mod = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(mod)
  return mod


def _documented() -> set[str]:
  text = "\n".join(p.read_text() for p in PAGES)
  return set(re.findall(r"^::: (jaxsched(?:\.\w+)+)", text, re.M))


@pytest.mark.parametrize("name", jaxsched.__all__)
def test_every_public_name_has_a_reference_entry(name):
  documented = _documented()
  if inspect.ismodule(getattr(jaxsched, name)):
    assert any(d.startswith(f"jaxsched.{name}.") for d in documented), name
  else:
    assert f"jaxsched.{name}" in documented, (
        f"add `::: jaxsched.{name}` to the docs page of its group")


def test_every_page_is_in_the_nav():
  nav = (ROOT / "mkdocs.yml").read_text()
  missing = [str(p.relative_to(DOCS)) for p in PAGES
             if str(p.relative_to(DOCS)) not in nav]
  assert not missing, f"add to nav: in mkdocs.yml: {missing}"


def test_includes_resolve():
  hooks = _hooks()
  found = 0
  for page in PAGES:
    for m in hooks._INCLUDE.finditer(page.read_text()):  # pylint: disable=protected-access
      found += 1
      path = ROOT / m.group("file")
      assert path.is_file(), (page, m.group("file"))
      if m.group("section"):
        section = hooks._section(path.read_text(), m.group("section").strip(),  # pylint: disable=protected-access
                                 m.group("file"))
        assert len(section.splitlines()) > 2
  assert found >= 3


def test_relink_rewrites_root_relative_links():
  hooks = _hooks()
  text = "![g](docs/gallery.png) [r](bench/RESULTS.md#summary) [x](https://a.b/c)"
  assert hooks._relink(text, "families/decay.md") == (  # pylint: disable=protected-access
      "![g](../gallery.png) [r](../benchmarks.md#summary) [x](https://a.b/c)")


def _public_functions():
  """``(name, function)``: the public functions of jaxsched and its compat layers."""
  return [(n, f) for n, f in public_objects() if inspect.isfunction(f)]


def _returns(doc: str) -> str:
  m = re.search(r"\nReturns:\n(.*?)(?:\n\n|\Z)", doc, re.S)
  return " ".join(m.group(1).split()) if m else ""


def test_returns_say_what_calling_the_result_gives():
  """A factory's ``Returns:`` names what it returns and what calling it gives
  (``s(step)``, ``p(state)``...), not only "A schedule."."""
  import typing  # pylint: disable=import-outside-toplevel
  bare = {"a schedule.", "a jaxsched schedule.", "a schedule of the step."}
  bad, checked = [], 0
  for name, fn in _public_functions():
    ret = _returns(inspect.getdoc(fn) or "")
    returned = typing.get_type_hints(fn).get("return")
    makes_schedule = inspect.isclass(returned) and issubclass(returned, jaxsched.Schedule)
    if makes_schedule:
      checked += 1
    if not ret and makes_schedule:
      bad.append(f"{name}: no Returns section")
    elif ret.lower() in bare:
      bad.append(f"{name}: Returns says only {ret!r}")
    elif makes_schedule and not re.search(r"``\w+\(\w+\)``", ret):
      bad.append(f"{name}: Returns does not say how to call it ({ret[:60]!r}...)")
  assert checked > 100, checked
  assert not bad, "\n".join(bad)


def test_the_returns_check_bites():
  def f() -> jaxsched.Schedule:
    """Does.

    Returns:
      A schedule.
    """
  assert _returns(inspect.getdoc(f)) == "A schedule."
  assert re.search(r"``\w+\(\w+\)``", "so ``s(step)`` is")
  assert not re.search(r"``\w+\(\w+\)``", "A ``CosineDecay`` schedule.")
