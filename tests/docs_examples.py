"""The ```python blocks of README.md and the docs pages, and how examples run.

One definition of what an example is (a fenced block opened with ```python;
```py blocks are illustrative and never run) and of how it runs: as user code,
under JAX's standard dtype promotion (optax's optimizers mix Python floats with
int32 counts, which the suite's strict promotion rejects), in one namespace.
"""

from __future__ import annotations

import pathlib
import re

import jax

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def python_blocks(text: str) -> list[str]:
  """The bodies of the ```python fenced blocks of ``text``, in order."""
  return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def page_blocks(rel: str) -> list[str]:
  """The ```python blocks of ``docs/<rel>``."""
  return python_blocks((DOCS / rel).read_text())


def run_blocks(blocks: list[str], where: str, namespace: dict | None = None) -> dict:
  """Runs ``blocks`` one after another in one namespace, as user code."""
  namespace = {"__name__": "__docs__"} if namespace is None else namespace
  with jax.numpy_dtype_promotion("standard"):
    for block in blocks:
      exec(compile(block, where, "exec"), namespace)  # noqa: S102
  return namespace
