"""Reading a CONFIG (``jaxsched show``/``plot``): inline JSON or a file, with limits.

Input is read with limits (``MAX_CONFIG_BYTES``, ``MAX_NESTING``); every mistake
is a :class:`UsageError` (one line, exit status 2).
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

from jaxsched import _cli_index
from jaxsched._cli_common import UsageError
from jaxsched._cli_common import clip as _clip

MAX_CONFIG_BYTES = 8 * 2**20  # a config larger than this is refused
MAX_NESTING = 256  # JSON nesting levels (objects and lists) in a config


def _read_file(path: str) -> str:
  """A CONFIG file's text: a regular file of at most MAX_CONFIG_BYTES, UTF-8."""
  try:
    st = os.stat(path)
  except OSError as e:
    raise UsageError(f"cannot read {path!r}: {e.strerror or e}") from None
  if stat.S_ISDIR(st.st_mode):
    raise UsageError(f"{path!r} is a directory, not a CONFIG file. Pass the path "
                     "of a JSON file, or the JSON object itself")
  if not stat.S_ISREG(st.st_mode):
    raise UsageError(f"{path!r} is not a regular file (a pipe or a device). "
                     "Pass the path of a JSON file, or the JSON object itself")
  if st.st_size > MAX_CONFIG_BYTES:
    raise UsageError(f"file {path!r} holds {st.st_size / 2**20:.1f} MiB, more than "
                     f"the {MAX_CONFIG_BYTES // 2**20} MiB a CONFIG may have. "
                     "Pass a smaller config (long lists of boundaries belong in "
                     "code)")
  try:
    with open(path, "rb") as f:
      data = f.read(MAX_CONFIG_BYTES + 1)
  except OSError as e:
    raise UsageError(f"cannot read {path!r}: {e.strerror or e}") from None
  if len(data) > MAX_CONFIG_BYTES:
    raise UsageError(f"file {path!r} is larger than the "
                     f"{MAX_CONFIG_BYTES // 2**20} MiB a CONFIG may have")
  try:
    return data.decode("utf-8")
  except UnicodeDecodeError as e:
    raise UsageError(
        f"file {path!r} is not UTF-8 text (byte 0x{data[e.start]:02x} at "
        f"position {e.start}). A CONFIG is a JSON file; save it as UTF-8") from None


def _nesting(x: Any) -> int:
  """The nesting depth of parsed JSON (iterative: no recursion limit)."""
  deepest, todo = 0, [(x, 1)]
  while todo:
    v, d = todo.pop()
    if isinstance(v, dict):
      v = list(v.values())
    if isinstance(v, list):
      deepest = max(deepest, d)
      if d > MAX_NESTING:
        return d
      todo.extend((w, d + 1) for w in v if isinstance(w, (dict, list)))
  return deepest


def load_config(text: str) -> dict[str, Any]:
  """Reads CONFIG: a JSON object given inline, or the path of a file holding one.

  Args:
    text: the command-line argument. Text starting with ``{`` is JSON; anything
      else is a path.

  Returns:
    The parsed dict.

  Raises:
    UsageError: a missing, unreadable, non-regular, non-UTF-8 or too large file
      (over ``MAX_CONFIG_BYTES``), invalid JSON, JSON nested deeper than
      ``MAX_NESTING``, or JSON that is not an object.
  """
  source = "CONFIG"
  if len(text) > MAX_CONFIG_BYTES:
    raise UsageError(f"CONFIG is longer than the {MAX_CONFIG_BYTES // 2**20} MiB "
                     "a config may have")
  if not text.lstrip().startswith("{") and not os.path.exists(text):
    try:
      json.loads(text)
      looks_like_json = True
    except (ValueError, RecursionError):
      looks_like_json = False
    if not looks_like_json:
      raise UsageError(
          f"no such file: {_clip(repr(text))}. CONFIG is a JSON object such as "
          '\'{"name": "cosine_decay", "init_value": 0.1, "decay_steps": 1000}\' '
          "or the path of a file holding one")
  elif not text.lstrip().startswith("{"):
    path = text
    text = _read_file(path)
    source = f"file {path!r}"
  try:
    config = json.loads(text)
  except json.JSONDecodeError as e:
    raise UsageError(
        f"{source} is not valid JSON: {e.msg} at line {e.lineno} column "
        f"{e.colno}. Pass a JSON object such as "
        '\'{"name": "constant", "value": 0.1}\'') from None
  except RecursionError:
    raise UsageError(f"{source} nests JSON more than {MAX_NESTING} levels deep. "
                     "Flatten it: a join takes a list of schedules") from None
  except ValueError as e:  # e.g. an integer of more than 4300 digits
    raise UsageError(f"{source} is not usable JSON: {_clip(str(e), 120)}. Write "
                     "numbers in floating point, e.g. 1e12") from None
  depth = _nesting(config)
  if depth > MAX_NESTING:
    raise UsageError(f"{source} nests JSON more than {MAX_NESTING} levels deep. "
                     "Flatten it: a join takes a list of schedules")
  if not isinstance(config, dict) or "name" not in config:
    raise UsageError(
        f"{source} must be a JSON object with a \"name\" key (the family), got "
        f"{_clip(json.dumps(config))}. Run 'jaxsched families' for the names")
  return config


def build_schedule(text: str) -> Any:
  """CONFIG text -> schedule (``jaxsched.from_config``; composites included).

  A ``ValueError`` for wrong argument names gains the family's signature.
  """
  import jaxsched  # pylint: disable=import-outside-toplevel
  config = load_config(text)
  try:
    return jaxsched.from_config(config)
  except ValueError as e:
    name = config.get("name")
    params = {n: sig for n, sig, _ in _cli_index.families()}
    if "bad arguments" in str(e) and name in params:
      raise ValueError(f"{e} The parameters of {name} are "
                       f"{params[name]}.") from None
    raise
