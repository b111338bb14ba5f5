"""One paragraph per case reading the figures (and the summary of targets)."""

from __future__ import annotations

from typing import Any

from bench.common import fmt


def summary(cases: dict[str, Any]) -> str:
  return ""


def reading(name: str, res: dict[str, Any], quick: bool) -> str:
  if quick:
    return ""
  return ""
