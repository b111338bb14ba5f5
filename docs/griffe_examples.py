"""griffe extension for the docs build: ``Example:`` sections render as examples.

jaxsched's docstrings (Google style, like optax's) head their doctests
``Example:``; griffe reads only ``Examples:`` as a doctest section and treats
``Example:`` as an admonition, where ``>>>`` lines would render as quotes. This
extension renames the heading before griffe parses the docstring.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_HEADING = re.compile(r"^(\s*)Example:\s*$", re.M)


class ExampleSections(griffe.Extension):
  """Renames ``Example:`` to ``Examples:`` in every docstring griffe loads."""

  def on_instance(self, *, obj: Any, **kwargs: Any) -> None:  # noqa: ARG002
    if obj.docstring is not None:
      obj.docstring.value = _HEADING.sub(r"\1Examples:", obj.docstring.value)
