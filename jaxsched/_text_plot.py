"""A small terminal plot of a curve (``jaxsched show``): NumPy only, no matplotlib."""

from __future__ import annotations

import sys

import numpy as np


def text_plot(steps: np.ndarray, values: np.ndarray, *, width: int = 60,
              height: int = 12, log: bool = False, unicode: bool = True) -> str:
  """A small terminal plot of ``values`` against ``steps``.

  Each column covers a range of steps; its smallest and largest values are dots,
  joined by a vertical stroke to each other and to the previous column's last
  value, so jumps and steep stretches appear as strokes.

  Args:
    steps: increasing steps, 1-D.
    values: the values at ``steps``.
    width: plot columns.
    height: plot rows.
    log: a log10 value axis (values <= 0 are left out).
    unicode: draw with ``•``/``│``/``└``; ASCII (``*``/``|``/``+``) if False.

  Returns:
    The plot as text with a value axis on the left and a step axis below.

  Example:
    >>> from jaxsched._text_plot import text_plot
    >>> print(text_plot(np.arange(4), np.array([1.0, 1.0, 0.0, 0.0]), width=4,
    ...                 height=3, unicode=False))
      1 |**
    0.5 |  |
      0 |  **
        +----
          0  3
          step
  """
  dot, bar, corner, hline = ("•", "│", "└", "─") if unicode else ("*", "|", "+", "-")
  v = np.asarray(values, np.float64)
  s = np.asarray(steps, np.float64)
  ok = np.isfinite(v) & ((v > 0) if log else True)
  y = np.where(ok, np.log10(np.where(ok, v, 1.0)) if log else v, np.nan)
  if not np.any(ok):
    return "(no finite values to plot)"
  lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
  if hi - lo < 1e-12 * max(1.0, abs(hi)):
    lo, hi = lo - 0.5 * max(abs(lo), 1e-12), hi + 0.5 * max(abs(hi), 1e-12)
  grid = [[" "] * width for _ in range(height)]
  edges = np.linspace(s[0], s[-1], width + 1)
  col = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, width - 1)

  def row(val: float) -> int:
    return int(round((hi - val) / (hi - lo) * (height - 1)))

  prev = None  # the row of the previous column's last value: joined by a stroke
  for c in range(width):
    ys = y[(col == c) & ok]
    if ys.size == 0:
      continue
    top, bottom = row(float(np.max(ys))), row(float(np.min(ys)))
    lo_r, hi_r = top, bottom
    if prev is not None:  # join from the row next to the previous value
      lo_r, hi_r = min(top, prev + 1), max(bottom, prev - 1)
    for r in range(lo_r, hi_r + 1):
      grid[r][c] = dot if r in (top, bottom) else bar
    prev = row(float(ys[-1]))

  def label(val: float) -> str:
    return f"{10 ** val:.3g}" if log else f"{val:.3g}"

  labels = {0: label(hi), height // 2: label(hi - (hi - lo) * (height // 2)
                                             / (height - 1)), height - 1: label(lo)}
  lw = max(len(t) for t in labels.values())
  lines = [f"{labels.get(r, ''):>{lw}} {bar}{''.join(grid[r])}" for r in range(height)]
  lines.append(" " * lw + " " + corner + hline * width)
  first, last = f"{s[0]:g}", f"{s[-1]:g}"
  lines.append(" " * (lw + 2) + first + " " * max(1, width - len(first) - len(last))
               + last)
  lines.append(" " * (lw + 2) + "step".center(width) +
               ("   (log scale)" if log else ""))
  return "\n".join(lines)


def can_encode(text: str, stream: object = None) -> bool:
  """Whether ``stream`` (default ``sys.stdout``) can print ``text``: the plot
  falls back to ASCII on terminals that cannot show ``•│└─``."""
  enc = getattr(sys.stdout if stream is None else stream, "encoding", None) or "ascii"
  try:
    text.encode(enc)
    return True
  except (UnicodeEncodeError, LookupError):
    return False
