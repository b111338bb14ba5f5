"""README's and the docs pages' code runs, and every public name is documented.

Pages whose examples a test of their own runs and checks (the framework guide,
the plateau and range-test pages) are not run a second time here.
"""

from __future__ import annotations

import inspect
import pathlib
import re

import pytest
from docs_examples import python_blocks as _python_blocks
from docs_examples import run_blocks

import jaxsched

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
OWN_TEST = {"frameworks.md": "test_frameworks_docs.py",
            "families/plateau.md": "test_plateau.py",
            "families/range-test.md": "test_range_test.py"}
PROSE = sorted(p for p in (ROOT / "docs").rglob("*.md")
               if p.relative_to(ROOT / "docs").parts[0] != "reference")
RUN = [p for p in PROSE if str(p.relative_to(ROOT / "docs")) not in OWN_TEST
       and "```python" in p.read_text()]


def _run_blocks(text: str, where: str) -> dict:
  return run_blocks(_python_blocks(text), where)


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
  monkeypatch.chdir(tmp_path)
  assert len(_python_blocks(README)) >= 3
  ns = _run_blocks(README, "README.md")
  assert ns["curves"](ns["peaks"], ns["warmups"]).shape == (4, 1000)
  assert "cosine_restarts: `period` must be > 0" in capsys.readouterr().out


@pytest.mark.parametrize("page", RUN, ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_docs_page_python_blocks_run(page, tmp_path, monkeypatch):
  monkeypatch.chdir(tmp_path)
  code = "\n".join(_python_blocks(page.read_text()))
  # an example shows its result: it prints it or asserts it
  assert "print(" in code or "assert " in code, page
  _run_blocks(page.read_text(), str(page.relative_to(ROOT)))


def test_pages_with_their_own_test_have_examples():
  for rel, test in OWN_TEST.items():
    assert "```python" in (ROOT / "docs" / rel).read_text(), rel
    assert (ROOT / "tests" / test).is_file(), test


def test_readme_has_both_setup_commands():
  assert "pip install -e '.[plot]' && jaxsched demo" in README
  line = next(s for s in README.splitlines() if "pip install -e '.[test]' && " in s)
  test_command = line.split(" && ")[-1]  # what a newcomer runs last
  assert test_command.startswith("python -m pytest")
  ci = (ROOT / ".ci" / "run").read_text()
  assert f"\n{test_command}\n" in ci  # CI runs exactly README's test command


@pytest.mark.parametrize("name", jaxsched.__all__)
def test_every_public_name_is_in_readme_or_a_guide_and_documented(name):
  prose = README + "\n".join(p.read_text() for p in PROSE)
  assert re.search(rf"\b{re.escape(name)}\b", prose), (
      f"{name} is in neither README.md nor a docs page outside docs/reference")
  obj = getattr(jaxsched, name)
  doc = inspect.getdoc(obj)
  assert doc and len(doc.splitlines()) >= 1, f"{name} has no docstring"
  if inspect.isfunction(obj):
    assert ">>>" in doc, f"{name} has no doctest"
