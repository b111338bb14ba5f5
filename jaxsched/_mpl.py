"""matplotlib for jaxsched, imported only when a figure is drawn: the Agg
backend, the image-path checks made before any work, and saving.

Standard library only at import (no JAX, no NumPy, no matplotlib), so that the
command line checks an ``-o/--out`` path before it imports anything heavy: a
missing folder is reported in 0.06 s instead of 0.55 s (after JAX's import),
a suffix matplotlib cannot write in 0.35 s (matplotlib lists its formats).
:mod:`jaxsched._plot` re-exports these and draws the figures.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def pyplot(owner: str = "jaxsched.plot") -> Any:
  """``matplotlib.pyplot`` (headless: matplotlib falls back to Agg without a
  display); an ImportError naming ``owner`` and the fix if matplotlib is missing."""
  try:
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
  except ImportError as e:
    raise not_installed(owner) from e
  return plt


def import_pyplot_in_background() -> Any:
  """Starts importing matplotlib with the Agg backend (:func:`use_agg`) and
  ``matplotlib.pyplot`` in a daemon thread, and returns the thread.

  For a command that is about to wait for XLA (which releases the
  interpreter): the imports, about 0.6 s, then overlap the wait instead of
  following it. A failed import is left for the later foreground import to
  report.
  """
  import contextlib  # pylint: disable=import-outside-toplevel
  import threading  # pylint: disable=import-outside-toplevel

  def load() -> None:
    with contextlib.suppress(Exception):
      use_agg()
      import matplotlib.pyplot  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import

  thread = threading.Thread(target=load, name="jaxsched-import-pyplot", daemon=True)
  thread.start()
  return thread


def use_agg(owner: str = "jaxsched.plot") -> None:
  """Renders with Agg (files only, never a window) unless pyplot is already in
  use; an ImportError naming ``owner`` and the fix if matplotlib is missing."""
  try:
    import matplotlib  # pylint: disable=import-outside-toplevel
  except ImportError as e:
    raise not_installed(owner) from e
  if "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")


# Suffixes every matplotlib release since 3.3 writes (Agg, PDF, SVG; JPEG
# through Pillow, which it requires): accepted without importing matplotlib.
COMMON_FORMATS = ("jpeg", "jpg", "pdf", "png", "svg")


def not_installed(owner: str) -> ImportError:
  return ImportError(f"{owner} needs matplotlib, which is not installed. Install "
                     "it with `pip install jaxsched[plot]`.")


def require_matplotlib(owner: str) -> None:
  """An ImportError naming ``owner`` and the fix unless matplotlib is
  installed (found, not imported)."""
  import importlib.util  # pylint: disable=import-outside-toplevel
  if importlib.util.find_spec("matplotlib") is None:
    raise not_installed(owner)


def image_formats() -> list[str]:
  """The suffixes matplotlib can write (``png``, ``pdf``, ``svg``, ...)."""
  from matplotlib.backend_bases import FigureCanvasBase  # pylint: disable=import-outside-toplevel
  return sorted(FigureCanvasBase.get_supported_filetypes())


def check_image_path(owner: str, name: str, path: str) -> str:
  """Checks, before any work, that ``path`` can take an image.

  The suffix must be a format matplotlib writes, the folder must exist and be
  writable, and ``path`` must not be a folder (or a file that cannot be
  overwritten). matplotlib must be installed; it is imported only for a suffix
  outside ``jpeg, jpg, pdf, png, svg`` (to read its list of formats), so that a
  command can load it later, in the background.

  Args:
    owner: who asks, for the message (``"jaxsched demo"``).
    name: the option or argument (``"--out"``).
    path: the image path.

  Returns:
    ``path``.

  Raises:
    ValueError: naming ``owner``, ``name``, the path and the fix.
    ImportError: matplotlib is not installed (naming ``owner`` and the fix).

  Example:
    >>> from jaxsched._mpl import check_image_path
    >>> check_image_path("jaxsched demo", "--out", "demo.txt")
    Traceback (most recent call last):
    ...
    ValueError: jaxsched demo: `--out` must end in an image suffix, got --out='demo.txt' ...
  """
  shown = f"{name}={path!r}"
  if not path:
    raise ValueError(f"{owner}: `{name}` must name a file, got {shown}. Pass a "
                     "path such as 'lr.png'.")
  if os.path.isdir(path):
    raise ValueError(f"{owner}: `{name}` is a folder, got {shown}. Pass a file "
                     f"name, e.g. {os.path.join(path, 'schedules.png')!r}.")
  suffix = os.path.splitext(path)[1].lstrip(".").lower()
  require_matplotlib(owner)
  formats = COMMON_FORMATS if suffix in COMMON_FORMATS else image_formats()
  if suffix not in formats:
    what = f"suffix '.{suffix}'" if suffix else "no suffix"
    raise ValueError(
        f"{owner}: `{name}` must end in an image suffix, got {shown} ({what}). "
        f"The format comes from the suffix: use one of "
        f"{', '.join('.' + f for f in formats)}, e.g. "
        f"{os.path.splitext(path)[0] + '.png'!r}.")
  folder = os.path.dirname(path) or "."
  if not os.path.isdir(folder):
    raise ValueError(f"{owner}: cannot write {shown}: no such folder {folder!r}. "
                     "Create it first or pass a path in an existing folder.")
  if not os.access(folder, os.W_OK | os.X_OK) or (
      os.path.exists(path) and not os.access(path, os.W_OK)):
    raise ValueError(f"{owner}: cannot write {shown}: permission denied. Pass a "
                     "path in a folder you can write to.")
  return path


def save(fig: Any, path: str, owner: str = "jaxsched.plot") -> None:
  """Writes ``fig`` to ``path`` (format from the suffix, 120 dpi) and closes it.

  PNG files are compressed at zlib level 3 (Pillow's default is 6): the demo's
  figure is written 0.07 s faster and 4% larger.

  Raises:
    ValueError: the file cannot be written (the OS error's reason).
  """
  plt = pyplot(owner)
  png = os.path.splitext(path)[1].lower() == ".png"
  try:
    fig.savefig(path, dpi=120, **({"pil_kwargs": {"compress_level": 3}} if png
                                  else {}))
  except OSError as e:
    raise ValueError(f"{owner}: cannot write {path!r}: {e.strerror or e}. Pass a "
                     "path in a folder you can write to.") from None
  finally:
    plt.close(fig)

