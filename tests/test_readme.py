"""README's code runs, and every public name is documented."""

from __future__ import annotations

import inspect
import pathlib
import re

import jax
import pytest

import jaxsched

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _python_blocks() -> list[str]:
  return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_python_blocks_run(tmp_path, monkeypatch):
  monkeypatch.chdir(tmp_path)
  blocks = _python_blocks()
  assert len(blocks) >= 3
  namespace: dict = {}
  # optax's own optimizers mix Python floats with int32 counts, which the suite's
  # strict dtype promotion rejects; README code is user code, so run it standard.
  with jax.numpy_dtype_promotion("standard"):
    for block in blocks:
      exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102


def test_readme_has_both_setup_commands():
  assert "pip install -e '.[plot]' && jaxsched demo" in README
  line = next(l for l in README.splitlines() if "pip install -e '.[test]' && " in l)
  test_command = line.split(" && ")[-1]  # what a newcomer runs last
  assert test_command.startswith("python -m pytest")
  ci = (ROOT / ".ci" / "run").read_text()
  assert f"\n{test_command}\n" in ci  # CI runs exactly README's test command


@pytest.mark.parametrize("name", jaxsched.__all__)
def test_every_public_name_is_in_readme_and_documented(name):
  assert re.search(rf"\b{re.escape(name)}\b", README), f"{name} not in README"
  obj = getattr(jaxsched, name)
  doc = inspect.getdoc(obj)
  assert doc and len(doc.splitlines()) >= 1, f"{name} has no docstring"
  if inspect.isfunction(obj):
    assert ">>>" in doc, f"{name} has no doctest"
