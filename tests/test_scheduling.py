"""``conftest.py`` schedules the test files for ``pytest -n 2``: every file it
names exists (a renamed file would drop out of the order silently), and the
files that share compiled programs map to one group."""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _conftest():
  return sys.modules["conftest"]  # the root conftest, loaded by pytest


def test_every_named_file_exists():
  c = _conftest()
  assert c.__file__ == str(ROOT / "conftest.py")
  for name in c._SHARED:  # pylint: disable=protected-access
    assert (ROOT / "tests" / name).is_file(), name
  groups = set(c._SHARED.values())  # pylint: disable=protected-access
  for group in c._FIRST:  # pylint: disable=protected-access
    assert group in groups or (ROOT / group).is_file(), group
  assert len(set(c._FIRST)) == len(c._FIRST)  # pylint: disable=protected-access


def test_groups_of_files():
  group = _conftest()._group  # pylint: disable=protected-access
  assert group("tests/test_properties.py") == group("tests/test_eager.py") == "cases"
  assert group("tests/test_cli.py") == "tests/test_cli.py"
  assert group("jaxsched/_base.py") == "jaxsched/_base.py"  # doctests: per module
