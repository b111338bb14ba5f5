"""Hostile input to the command line: one line on stderr, exit 2, never a traceback.

Every case of ``hostile_fuzz.cli_cases`` (deep nesting, non-string names, binary
and Latin-1 files, a 100 MB file, a directory, a named pipe, /dev/zero, too few or
too many ``--steps``, bad ``-o`` paths, ...) runs through ``main`` in ONE
subprocess; the harness enforces the time limits (a SIGALRM per case inside, a
``subprocess`` timeout around it), never a timed assertion. The true entry point
(``python -m jaxsched``) is run for a few cases, and ``show`` of a 1e12-step
schedule is checked to use the memory of a 1000-step one.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import hostile_fuzz as H
import numpy as np
import pytest

TESTS = pathlib.Path(__file__).resolve().parent
ROOT = TESTS.parent
CASE_LIMIT_S = 120  # per case, inside the driver (SIGALRM)
RUN_LIMIT_S = 900  # the whole driver
LABELS = [label for label, _, _ in H.cli_cases("/nonexistent", write=False)]

_DRIVER = """
import json, sys, tempfile
import jax
jax.config.update("jax_numpy_dtype_promotion", "strict")
import hostile_fuzz as H
with tempfile.TemporaryDirectory() as tmp:
  records = H.run_cli_cases(tmp, limit_s=int(sys.argv[1]))
json.dump(records, sys.stdout)
"""


def _env():
  env = dict(os.environ)
  env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(ROOT),
                                       env.get("PYTHONPATH", "")])
  env.pop("JAXSCHED_TRACEBACK", None)
  return env


@pytest.fixture(scope="module")
def records():
  p = subprocess.run([sys.executable, "-c", _DRIVER, str(CASE_LIMIT_S)],
                     capture_output=True, text=True, timeout=RUN_LIMIT_S,
                     env=_env(), cwd=TESTS)
  assert p.returncode == 0, p.stderr[-3000:]
  return {r["label"]: r for r in json.loads(p.stdout)}


@pytest.mark.parametrize("label", LABELS)
def test_hostile_command_line(records, label):
  rec = records[label]
  assert rec["verdict"] == "ok", rec
  if rec["expect"] == "error":
    assert rec["rc"] == 2 and rec["stdout_lines"] == 0, rec
    (line,) = rec["stderr"].splitlines()
    assert line.startswith("jaxsched: error: ") and "Traceback" not in line
    assert len(line) < 2100


def test_the_verdict_catches_what_the_issue_saw():
  """The judge of the records fails on each of the original failures."""
  base = dict(expect="error", stdout_lines=0)
  assert H.cli_verdict(dict(base, rc="traceback", stderr="")) == "traceback"
  assert H.cli_verdict(dict(base, rc="timeout", stderr="")) == "timeout"
  assert H.cli_verdict(dict(base, rc=0, stderr="")) == "exit0_silent"
  assert H.cli_verdict(dict(base, rc=2, stderr="a\nb\n")) == "not_one_line"
  assert H.cli_verdict(dict(base, rc=1, stderr="x\n")) == "exit1"
  assert H.cli_verdict(dict(base, rc=2, stderr="jaxsched: error: x\n")) == "ok"
  assert H.cli_verdict(dict(expect="works", rc=2, stdout_lines=0,
                            stderr="jaxsched: error: MemoryError\n")) != "ok"


def _peak_rss_kib(argv):
  """Runs ``main(argv)`` in a fresh process; its exit status, output and peak
  resident memory (KiB)."""
  code = ("import resource, sys\n"
          "from jaxsched import _cli\n"
          f"rc = _cli.main({argv!r})\n"
          "sys.stdout.flush()\n"
          "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
          "file=sys.stderr)\n"
          "sys.exit(rc)\n")
  p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                     timeout=300, env=_env(), cwd=ROOT)
  peak = int(p.stderr.split("PEAK")[-1].split()[0])
  return p.returncode, p.stdout, peak


def test_show_of_a_1e12_step_schedule_uses_bounded_memory():
  t12 = json.dumps({"name": "warmup_cosine_decay", "peak_value": 1.0,
                    "warmup_steps": 10**9, "total_steps": 10**12})
  rc_small, _, small = _peak_rss_kib(["show", t12, "--steps", "1000"])
  rc, out, big = _peak_rss_kib(["show", t12])
  assert rc_small == 0 and rc == 0, out
  assert "(1000000000000 steps)" in out
  steps = [int(ln.split()[0]) for ln in out.split("\n\n")[0].splitlines()[2:]]
  assert steps[0] == 0 and steps[-1] == 10**12 - 1 and 10**9 in steps
  # an arange of 1e12 steps would need 8 TB; the samples need kilobytes
  assert big < small + 100 * 1024, (small, big)


def test_the_entry_point_prints_one_line_for_hostile_files(tmp_path):
  deep = tmp_path / "deep.json"
  deep.write_text(json.dumps(H._nest(600)))  # pylint: disable=protected-access
  binary = tmp_path / "x.bin"
  binary.write_bytes(bytes(range(256)) * 4)
  for argv in (["show", str(deep)], ["show", str(binary)],
               ["show", '{"name": ["x"]}'], ["plot", '{"name": "constant", '
                                             '"value": 1}', "-o", str(tmp_path)]):
    p = subprocess.run([sys.executable, "-m", "jaxsched", *argv],
                       capture_output=True, text=True, timeout=120, env=_env(),
                       cwd=ROOT)
    assert p.returncode == 2 and p.stdout == "", (argv, p.stdout, p.stderr)
    (line,) = p.stderr.splitlines()
    assert line.startswith("jaxsched: error: ") and "Traceback" not in p.stderr


def test_sampled_steps_hold_every_phase_change_and_its_neighbours():
  import jaxsched as js  # pylint: disable=import-outside-toplevel
  from jaxsched import _cli_schedules as cs  # pylint: disable=import-outside-toplevel
  s = js.join([js.multistep(1.0, [10**9]), js.cosine_decay(1.0, 10**10)],
              [5 * 10**11])
  n = 10**12
  steps = cs.sample_steps(s, n)
  changes = s.phase_changes(n - 1)
  assert changes.size >= 3
  for c in changes:
    assert {int(c) - 1, int(c), int(c) + 1} <= set(steps.tolist())
  assert steps[0] == 0 and steps[-1] == n - 1
  assert len(steps) <= cs.SAMPLES + 4 * changes.size
  np.testing.assert_array_equal(cs.sample_steps(s, 100), np.arange(100))
