"""Draws docs/range_test.png by running the example of docs/readme_range_test.md.

Run from the repository root: ``python docs/make_range_test_png.py``.
"""

import os
import pathlib
import re
import tempfile

import matplotlib

matplotlib.use("Agg")

import jaxsched  # pylint: disable=wrong-import-position
from jaxsched._range_test import lr_range_test  # pylint: disable=wrong-import-position

DOCS = pathlib.Path(__file__).resolve().parent


def main() -> None:
  if not hasattr(jaxsched, "lr_range_test"):  # before the re-export lands
    jaxsched.lr_range_test = lr_range_test
  text = (DOCS / "readme_range_test.md").read_text()
  code = "\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.S))
  namespace = {}
  here = os.getcwd()
  with tempfile.TemporaryDirectory() as tmp:  # the example writes lr_find.png
    os.chdir(tmp)
    try:
      exec(compile(code, "readme_range_test.md", "exec"), namespace)  # pylint: disable=exec-used
    finally:
      os.chdir(here)
  out = DOCS / "range_test.png"
  namespace["result"].plot(out)
  print(f"wrote {out}")


if __name__ == "__main__":
  main()
