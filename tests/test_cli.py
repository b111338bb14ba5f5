"""Tests of the command line (jaxsched._cli and its command modules), the demo
(jaxsched._demo), the compilation cache and jaxsched._plot.

The CLI is called in-process through ``main([...])``. Three tests are about the
process and run one: ``python -m jaxsched demo --small`` with four forced host
devices (XLA flags must be set before JAX starts), and ``--help``/``families``
answering without importing JAX. The demo and the range test train with optax's
Adam, user-style code: they run under standard dtype promotion.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import re
import subprocess
import sys

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import optax
import pytest

matplotlib.use("Agg")

import jaxsched  # noqa: E402  pylint: disable=wrong-import-position
from jaxsched import (
  _base,  # noqa: E402  pylint: disable=wrong-import-position
  _cli,  # noqa: E402  pylint: disable=wrong-import-position
  _cli_cache,  # noqa: E402  pylint: disable=wrong-import-position
  _cli_index,  # noqa: E402  pylint: disable=wrong-import-position
  _cli_schedules,  # noqa: E402  pylint: disable=wrong-import-position
  _demo,  # noqa: E402  pylint: disable=wrong-import-position
  _mpl,  # noqa: E402  pylint: disable=wrong-import-position
  _plot,  # noqa: E402  pylint: disable=wrong-import-position
)
from jaxsched._text_plot import text_plot  # noqa: E402  pylint: disable=wrong-import-position

ROOT = pathlib.Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WCD = json.dumps({"name": "warmup_cosine_decay", "peak_value": 1e-3,
                  "warmup_steps": 100, "total_steps": 1000})


def run(capsys, *argv):
  """main(argv) -> (status, stdout, stderr)."""
  code = _cli.main(list(argv))
  out, err = capsys.readouterr()
  return code, out, err


def table(out):
  """The rows ``step value note`` of ``show``'s table: {step: (value, note)}."""
  rows = {}
  for line in out.split("\n\n")[0].splitlines()[2:]:  # header, column names
    step, value, *note = line.split(maxsplit=2)
    rows[int(step)] = (float(value), note[0] if note else "")
  return rows


def assert_png(path, min_size=(400, 300)):
  path = pathlib.Path(path)
  assert path.read_bytes()[:8] == PNG_MAGIC
  image = matplotlib.image.imread(path)
  assert image.shape[1] >= min_size[0] and image.shape[0] >= min_size[1]


# -- families ---------------------------------------------------------------


def test_families_lists_every_family_with_parameters_and_summary(capsys):
  code, out, err = run(capsys, "families")
  assert code == 0 and err == ""
  lines = out.splitlines()
  names = jaxsched.families()
  assert f"{len(names)} families" in lines[0]
  for name in names:
    (line,) = [ln for ln in lines if ln.startswith(f"  {name}(")]
    assert " -- " in line and len(line.split(" -- ")[1]) > 5
  (wcd,) = [ln for ln in lines if ln.startswith("  warmup_cosine_decay(")]
  assert "(peak_value, warmup_steps, total_steps, *, init_value=0.0" in wcd
  assert "Linear warmup" in wcd


def _live_signature(fn):
  """``inspect``'s view of a factory, without annotations."""
  import inspect  # pylint: disable=import-outside-toplevel
  params = [p.replace(annotation=inspect.Parameter.empty)
            for p in inspect.signature(fn).parameters.values()]
  return str(inspect.Signature(params))


def test_the_static_family_index_matches_the_imported_package():
  """``families`` reads the source (no JAX import); it must say what the
  registry and ``inspect`` say: names, signatures, docstring summaries."""
  import inspect  # pylint: disable=import-outside-toplevel
  index = _cli_index.families()
  assert [name for name, _, _ in index] == jaxsched.families()
  for name, sig, summary in index:
    fn = _base.family_factory(name)
    assert sig == _live_signature(fn), name
    first = (inspect.getdoc(fn) or "").strip().splitlines()[0]
    assert summary == first.replace("``", "`"), name
  assert _cli_index.version() == jaxsched.__version__


def test_family_names_are_the_public_function_and_config_names():
  for name in jaxsched.families():
    assert getattr(jaxsched, name) is _base.family_factory(name), name
  s = jaxsched.add([jaxsched.constant(0.5), jaxsched.constant(0.25)])
  assert s.to_config()["name"] == "add"
  old = {"name": "sum", "schedules": [{"name": "constant", "value": 0.5},
                                      {"name": "constant", "value": 0.25}]}
  assert jaxsched.from_config(old) == s  # the old name is still read
  assert "sum" not in jaxsched.families()


def test_one_default_per_option_across_cli_and_library():
  import inspect  # pylint: disable=import-outside-toplevel
  args = _cli.build_parser().parse_args(["range-test"])
  lib = inspect.signature(jaxsched.lr_range_test).parameters
  for option in ("smoothing", "num_steps", "min_lr", "max_lr"):
    assert getattr(args, option) == lib[option].default, option
  assert lib["smoothing"].default == 0.98
  steps = inspect.signature(_demo.run_demo).parameters["steps"].default
  assert f"(default: {steps}, or {_demo.SMALL['steps']} with --small)" in (
      " ".join(_cli.build_parser()._subparsers._group_actions[0]  # pylint: disable=protected-access
               .choices["demo"].format_help().split()))


# -- show -------------------------------------------------------------------


def test_show_inline_json_table_marks_phase_changes_and_draws_a_plot(capsys):
  code, out, err = run(capsys, "show", WCD)
  assert code == 0 and err == ""
  assert out.splitlines()[0].startswith("warmup_cosine_decay(peak_value=0.001")
  assert "(1000 steps)" in out.splitlines()[0]  # total_steps is the default
  rows = table(out)
  s = jaxsched.warmup_cosine_decay(1e-3, 100, 1000)
  assert {0, 99, 100, 999} <= set(rows)
  assert rows[0][1] == "first" and rows[999][1] == "last"
  assert rows[100][1] == "phase change"
  assert 8 <= len(rows) <= 30
  for step, (value, _) in rows.items():
    np.testing.assert_allclose(value, float(s(step)), rtol=1e-5, atol=1e-12)
  plot_rows = [ln for ln in out.splitlines() if "│" in ln or "|" in ln]
  assert len(plot_rows) == 12
  assert all(len(ln.split("│", 1)[-1]) <= 60 for ln in plot_rows)


def test_show_config_from_a_file_with_steps(capsys, tmp_path):
  path = tmp_path / "ms.json"
  path.write_text(json.dumps({"name": "multistep", "init_value": 0.1,
                              "milestones": [30, 60]}))
  code, out, err = run(capsys, "show", str(path), "--steps", "80")
  assert code == 0 and err == ""
  assert "(80 steps)" in out
  rows = table(out)
  assert rows[29][0] == pytest.approx(0.1) and rows[30] == (pytest.approx(0.01),
                                                             "phase change")
  assert rows[59][0] == pytest.approx(0.01) and rows[60][0] == pytest.approx(1e-3)
  assert max(rows) == 79


def test_show_composite_notes_nested_phases_at_their_offsets(capsys):
  cfg = jaxsched.join([jaxsched.linear(0.0, 1.0, 50),
                       jaxsched.cosine_decay(1.0, 200)], [50]).to_config()
  code, out, _ = run(capsys, "show", json.dumps(cfg))
  assert code == 0
  rows = table(out)
  assert rows[50][1] == "phase change" and rows[250][1] == "phase change"
  assert rows[250][0] == pytest.approx(0.0, abs=1e-7)


def test_show_log_scale_and_repeating_schedule_default_horizon(capsys):
  cfg = {"name": "cosine_restarts", "init_value": 0.1, "period": 100,
         "period_mult": 2}
  code, out, _ = run(capsys, "show", json.dumps(cfg), "--log")
  assert code == 0
  assert "(1875 steps)" in out  # a quarter past the fourth restart (1500)
  rows = table(out)
  assert [s for s, (_, n) in rows.items() if n == "phase change"] == [
      100, 300, 700, 1500]
  assert "(log scale)" in out


def test_text_plot_draws_jumps_as_strokes_and_falls_back_to_ascii():
  steps = np.arange(100)
  values = np.where(steps < 50, 1.0, 0.0)
  text = text_plot(steps, values, width=20, height=5, unicode=False)
  lines = text.splitlines()
  assert len(lines) == 5 + 3
  assert all(ch in " *|+-0123456789.step()logcae" for ch in "".join(lines))
  grid = [ln.split("|", 1)[1] for ln in lines[:5]]
  assert grid[0][:10] == "*" * 10 and grid[-1][10:] == "*" * 10
  assert [row[10] for row in grid] == [" ", "|", "|", "|", "*"]  # the jump


def test_show_rows_and_default_length_come_from_phase_changes():
  """No phase rules in the CLI: the rows marked "phase change" are exactly
  ``schedule.phase_changes`` (rounded up), for every kind of schedule."""
  schedules = [
      jaxsched.warmup_stable_decay(1.0, 10, 20, 100),
      jaxsched.cyclic(0.0, 1.0, 5, step_size_down=15),
      jaxsched.warmup(jaxsched.step_decay(1.0, 10), 5),
      jaxsched.flat_cosine(1.0, 101, pct_start=0.75),
      jaxsched.one_cycle(100, 1.0, three_phase=True),
  ]
  for s in schedules:
    n = _cli_schedules.default_horizon(s)
    want = sorted({int(np.ceil(c)) for c in s.phase_changes(n - 1) if 0 < c < n})
    rows = dict(_cli_schedules.table_steps(s, n, max_changes=100))
    assert sorted(k for k, v in rows.items() if "phase change" in v) == want, s
    assert {k - 1 for k in want} <= set(rows)
  # fewer than four changes: a quarter past the last one
  assert _cli_schedules.default_horizon(jaxsched.multistep(1.0, [40, 80])) == 100
  assert _cli_schedules.default_horizon(jaxsched.constant(1.0)) == 100


# -- plot -------------------------------------------------------------------


def test_plot_writes_a_labelled_png(capsys, tmp_path):
  out_png = tmp_path / "lr.png"
  cfg_file = tmp_path / "sd.json"
  cfg_file.write_text('{"name": "step_decay", "init_value": 1e-3, "step_size": 300}')
  one_cycle = '{"name": "one_cycle", "total_steps": 1000, "peak_value": 1e-3}'
  code, out, err = run(capsys, "plot", WCD, one_cycle, str(cfg_file), "--log",
                       "--out", str(out_png))
  assert code == 0 and err == ""
  # The longest default length: step_decay's, a quarter past its 4th decay.
  assert "wrote" in out and "3 schedules" in out and "1500 steps" in out
  code, out, _ = run(capsys, "plot", WCD, "--steps", "50", "-o", str(out_png))
  assert code == 0 and "1 schedule, 50 steps" in out
  assert_png(out_png)


def test_plot_function_accepts_one_a_list_or_a_dict(tmp_path):
  import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
  a, b = jaxsched.cosine_decay(1.0, 100), jaxsched.one_cycle(100, 1.0)
  fig = _plot.plot(a, 100)
  ax = fig.axes[0]
  assert [t.get_text() for t in ax.get_legend().get_texts()] == [
      "cosine_decay(init_value=1, decay_steps=100)"]
  np.testing.assert_allclose(ax.lines[0].get_ydata(), np.asarray(a(jnp.arange(100))))
  assert ax.get_xlabel() == "step" and ax.get_ylabel() == "learning rate"
  assert ax.get_title()
  plt.close(fig)

  fig = _plot.plot([a, b], np.arange(0, 100, 10), labels=["a", "b"], log=True)
  ax = fig.axes[0]
  assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
  assert ax.get_yscale() == "log" and len(ax.lines[1].get_xdata()) == 10
  plt.close(fig)

  fig0, ax0 = plt.subplots()
  def not_traceable(k):  # Python control flow on the step: plotted op by op
    return jnp.asarray([0.5 if int(i) < 3 else 0.25 for i in k], jnp.float32)

  assert _plot.plot({"mine": not_traceable}, 5, ax=ax0) is fig0
  np.testing.assert_allclose(ax0.lines[0].get_ydata(), [.5, .5, .5, .25, .25])
  assert ax0.get_legend().get_texts()[0].get_text() == "mine"
  fig0.savefig(tmp_path / "x.png")
  assert_png(tmp_path / "x.png", (300, 200))
  plt.close(fig0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(schedules=[], steps=10), "empty"),
    (dict(schedules=[jaxsched.constant(1.0)], steps=10, labels=["a", "b"]),
     "labels"),
    (dict(schedules=jaxsched.constant(1.0), steps=0), "steps"),
    (dict(schedules=[1.0], steps=10), "callable"),
])
def test_plot_function_rejects_bad_arguments(kwargs, match):
  with pytest.raises(ValueError, match=match):
    _plot.plot(**kwargs)


def test_config_label_shows_required_and_non_default_arguments():
  s = jaxsched.warmup(jaxsched.cosine_decay(1.0, 10), 5)
  assert _plot.schedule_label(s) == (
      "warmup(schedule=cosine_decay(init_value=1, decay_steps=10), "
      "warmup_steps=5)")
  assert _plot.config_label(jaxsched.multistep(
      1.0, [1, 2, 3, 4, 5, 6]).to_config()) == (
          "multistep(init_value=1, milestones=[1, 2, 3, ..., 6])")


# -- range-test -------------------------------------------------------------


@pytest.mark.standard_promotion
def test_range_test_prints_suggestions_and_writes_the_plot(capsys, tmp_path):
  png = tmp_path / "rt.png"
  code, out, err = run(capsys, "range-test", "--num-steps", "40", "-o", str(png),
                       "--no-cache")
  assert code == 0
  for method in ("steepest", "valley", "minimum"):
    m = re.search(rf"suggestion \({method}\): lr = (\S+)", out)
    assert m and 1e-7 <= float(m.group(1)) <= 10.0
  assert "40 steps" in out and "smoothing 0.98" in out
  assert re.search(r"^\[ *\d+\.\d\d s\] compile: +\d+ XLA compilation", err,
                   flags=re.M), err
  assert "no compilation cache" in err
  assert_png(png)


def test_range_test_result_plot_delegates_to_the_plot_module(tmp_path):
  import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

  def train_step(x, b, lr):
    loss, grad = jax.value_and_grad(lambda x: 5.0 * jnp.sum((x - b) ** 2))(x)
    return x - lr * grad, loss

  targets = jnp.asarray(np.random.default_rng(0).normal(size=(30, 2)), jnp.float32)
  result = jaxsched.lr_range_test(train_step, jnp.full(2, 10.0), targets,
                                  min_lr=1e-4, max_lr=10.0, num_steps=30)
  fig = result.plot(tmp_path / "rt.png")
  labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
  assert labels[:2] == ["loss", "smoothed loss"]
  assert any(t.startswith("steepest suggestion: lr=") for t in labels)
  assert fig.axes[0].get_xscale() == "log"
  assert_png(tmp_path / "rt.png", (300, 200))
  plt.close(fig)
  batched = jax.tree.map(lambda x: jnp.stack([x, x]), result)
  with pytest.raises(ValueError, match="unstack"):
    _plot.range_test_figure(batched)


# -- demo -------------------------------------------------------------------


def _parse_results(out):
  """The demo's table: {label: (final loss, best loss)}."""
  rows = {}
  for line in out.splitlines():
    m = re.match(r"^  (\S.*?)\s+(\d\.\d+)\s+(\d\.\d+)\s+(\S+e[-+]\d+)", line)
    if m:
      rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
  return rows


def _demo_in_process(argv, cache_home):
  """``main(argv)`` with the cache under ``cache_home``, under standard dtype
  promotion (the demo is user-style code); (status, stdout, stderr, results)."""
  results = []
  original = _demo.run_demo

  def keep(*args, **kwargs):
    results.append(original(*args, **kwargs))
    return results[-1]

  out, err = io.StringIO(), io.StringIO()
  with _own_cache(cache_home) as mp, jax.numpy_dtype_promotion("standard"):
    mp.setattr(_demo, "run_demo", keep)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
      code = _cli.main(argv)
  return code, out.getvalue(), err.getvalue(), results


@contextlib.contextmanager
def _own_cache(cache_home):
  """The CLI's cache under ``cache_home``, as for a user who set no JAX cache
  folder (the suite's conftest sets one for the whole run)."""
  saved = jax.config.jax_compilation_cache_dir
  jax.config.update("jax_compilation_cache_dir", None)
  try:
    with pytest.MonkeyPatch.context() as mp:
      mp.setenv("XDG_CACHE_HOME", str(cache_home))
      mp.delenv(_cli_cache.ENV_OFF, raising=False)
      yield mp
  finally:
    jax.config.update("jax_compilation_cache_dir", saved)


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
  """One in-process ``jaxsched demo --small`` (one compile for several tests),
  its compiled code kept in a fresh cache folder."""
  folder = tmp_path_factory.mktemp("demo")
  png = folder / "demo.png"
  code, out, err, results = _demo_in_process(
      ["demo", "--small", "--out", str(png)], folder / "cache")
  return code, out, err, results[0], png, folder


def test_demo_small_prints_progress_table_and_writes_png(small_demo):
  code, out, err, result, png, _ = small_demo
  assert code == 0
  for phase in ("start", "data", "devices", "sweep", "compiling", "compile",
                "run", "plot", "total"):  # progress on stderr, with the time
    assert re.search(rf"^\[ *\d+\.\d\d s\] {phase}: +\S", err, flags=re.M), phase
  assert re.search(r"^\[.*\] compile: +\d+ XLA compilations?\b.*\[\d+\.\d+ s\]$",
                   err, flags=re.M), err
  assert "compilation cache " in err
  rows = _parse_results(out)
  labels = [c["label"] for c in result["configs"]]
  assert len(labels) >= 16 and list(rows) == labels
  kinds = {c["kind"] for c in result["configs"]}
  assert {"warmup-cosine", "one-cycle", "WSD", "step decay", "cyclic",
          "cosine restarts", "plateau"} <= kinds
  for final, best in rows.values():
    assert 0 < best <= final
  assert out.count("<- lowest final loss") == 1
  assert f"wrote {png}" in out
  assert_png(png, (1200, 600))


def _traces_during(fn):
  """``(fn(), number of jaxpr traces JAX reported while it ran)``."""
  from jax import monitoring  # pylint: disable=import-outside-toplevel
  seen = []

  def listener(event, duration, **kwargs):
    if event == "/jax/core/compile/jaxpr_trace_duration":
      seen.append(event)

  monitoring.register_event_duration_secs_listener(listener)
  try:
    return fn(), len(seen)
  finally:
    _cli_cache.remove_listener("duration", listener)


def test_a_second_demo_compiles_nothing(small_demo):
  """The cache folder the first run filled serves the second: XLA compiles
  nothing (counted from JAX's events), the sweep is the saved executable (JAX
  traces nothing) and the numbers are the same."""
  _, out_1, _, _, _, folder = small_demo
  cache = folder / "cache" / "jaxsched" / "jax"
  assert len(list(cache.glob("jaxsched-demo-*.executable"))) == 1
  (code, out_2, err, _), traces = _traces_during(lambda: _demo_in_process(
      ["demo", "--small", "--out", ""], folder / "cache"))
  assert code == 0
  (line,) = [ln for ln in err.splitlines() if "] compile: " in ln]
  m = re.search(r"compiled nothing: (\d+) executables? loaded from the cache "
                r"\(1 whole, not traced again\)", line)
  assert m and int(m.group(1)) >= 1, line
  assert traces == 0
  assert _parse_results(out_2) == _parse_results(out_1)


def _toy():
  """A jitted function and its argument, for the executable cache's tests."""
  f = jax.jit(lambda x: jnp.maximum(x[:, None], x[None, :]).sum(0) * 2.0 + 1.0)
  return f, (jnp.arange(50.0),)


def test_saved_executables_come_from_a_fresh_compile(tmp_path):
  """An executable JAX read from its persistent cache serializes to a payload
  that loads but fails when run (jax 0.10.2: "Function ... not found"); the
  saved one is compiled afresh, so a later load runs. Each step jits a new
  function, as ``_sweep.run`` does per call (JAX keeps compiles in memory per
  function)."""
  f, args = _toy()
  want = np.asarray(f(*args))
  with _own_cache(tmp_path), _cli_cache.persistent_cache(True) as path:
    _toy()[0].lower(*args).compile()  # now in JAX's persistent cache
    with _cli_cache.counting() as count:
      _toy()[0].lower(*args).compile()
    assert count.loaded == 1  # a compile of it now is a cache load
    first = _cli_cache.SavedExecutables(path, "toy", {"n": 50})
    np.testing.assert_array_equal(first(_toy()[0], args)(*args), want)
    assert (first.saved, first.loaded) == (1, 0)
    second = _cli_cache.SavedExecutables(path, "toy", {"n": 50})
    with _cli_cache.counting() as count:
      out = second(_toy()[0], args)(*args)
    np.testing.assert_array_equal(out, want)
    assert (second.saved, second.loaded) == (0, 1)  # loaded, and it ran
    assert count.requests == 0


def test_a_broken_saved_executable_is_compiled_again(tmp_path):
  f, args = _toy()
  want = np.asarray(f(*args))
  with _own_cache(tmp_path), _cli_cache.persistent_cache(True) as path:
    saver = _cli_cache.SavedExecutables(path, "toy", {})
    saver(f, args)
    (file,) = pathlib.Path(path).glob("jaxsched-toy-*.executable")
    file.write_bytes(file.read_bytes()[:100])  # cut short
    again = _cli_cache.SavedExecutables(path, "toy", {})
    np.testing.assert_array_equal(again(f, args)(*args), want)
    assert (again.saved, again.loaded) == (1, 0)
    assert _cli_cache.SavedExecutables(path, "toy", {})(f, args) is not None
  # a payload that loads but fails on its first run: redone with a compile
  calls = []

  def broken(*a):
    raise RuntimeError("Function fusion not found")

  checked = _cli_cache._CheckedOnce(broken, lambda: calls.append(1) or f)  # pylint: disable=protected-access
  np.testing.assert_array_equal(checked(*args), want)
  np.testing.assert_array_equal(checked(*args), want)
  assert calls == [1]

  def wrong(*a):  # the caller's own error: no recompile, it propagates
    raise TypeError("bad arguments")

  checked = _cli_cache._CheckedOnce(wrong, lambda: calls.append(2) or f)  # pylint: disable=protected-access
  with pytest.raises(TypeError, match="bad arguments"):
    checked(*args)
  assert calls == [1]


@pytest.mark.standard_promotion  # the demo uses optax as a user does
def test_an_unwritable_cache_folder_is_reported_and_the_demo_runs(tmp_path, capsys):
  """A cache folder that cannot be created: one progress line says why and how
  to fix it, the command runs without the cache and writes its figure."""
  blocker = tmp_path / "not-a-folder"
  blocker.write_text("a file where the cache folder would be")
  with _own_cache(blocker):
    why = []
    with _cli_cache.persistent_cache(True, why.append) as path:
      assert path is None
    assert len(why) == 1 and str(blocker) in why[0] and "XDG_CACHE_HOME" in why[0], why
    with _cli_cache.persistent_cache(False, why.append) as path:  # off: nothing to say
      assert path is None
    assert len(why) == 1
    png = tmp_path / "d.png"
    code, _, err = run(capsys, "demo", "--small", "--steps", "20", "--out", str(png))
  assert code == 0, err
  assert re.search(r"\] cache: +no compilation cache: cannot create .*not-a-folder", err), err
  assert "(no compilation cache)" in err
  assert png.stat().st_size > 0


def test_saving_an_executable_keeps_the_most_recently_used(tmp_path, monkeypatch):
  """Each new key (a jaxsched, JAX or size change) writes a new file: saving
  keeps the ``KEEP`` most recently used of that command, loading one marks it
  used, other commands' files are left alone."""
  f, args = _toy()
  want = np.asarray(f(*args))
  monkeypatch.setattr(_cli_cache, "KEEP", 2)
  old = []
  for i, name in enumerate(["toy", "toy", "toy", "other"]):
    p = tmp_path / f"jaxsched-{name}-{i}.executable"
    p.write_bytes(b"stale")
    os.utime(p, (1000 + i, 1000 + i))
    old.append(p)
  os.utime(old[0], (5000, 5000))  # the oldest file, used most recently
  saved = _cli_cache.SavedExecutables(str(tmp_path), "toy", {"n": 50})
  np.testing.assert_array_equal(saved(_toy()[0], args)(*args), want)
  assert saved.saved == 1
  left = sorted(p.name for p in tmp_path.glob("*.executable"))
  new = [n for n in left if n.startswith("jaxsched-toy-") and n not in
         {p.name for p in old}]
  assert len(new) == 1
  assert left == sorted(new + ["jaxsched-toy-0.executable", "jaxsched-other-3.executable"])
  # loading marks the file used: a later save keeps it over an older one
  path = tmp_path / new[0]
  os.utime(path, (2000, 2000))
  again = _cli_cache.SavedExecutables(str(tmp_path), "toy", {"n": 50})
  np.testing.assert_array_equal(again(_toy()[0], args)(*args), want)
  assert again.loaded == 1 and path.stat().st_mtime > 5000


def test_the_executable_key_covers_what_the_program_depends_on(monkeypatch):
  key = _cli_cache.executable_key
  x = np.zeros(3, np.float32)
  base = key("demo", {"steps": 200}, (x,))
  assert base == key("demo", {"steps": 200}, (np.ones(3, np.float32),))
  assert base != key("demo", {"steps": 300}, (x,))
  assert base != key("range-test", {"steps": 200}, (x,))
  assert base != key("demo", {"steps": 200}, (x.astype(np.int32),))
  assert base != key("demo", {"steps": 200}, ({"x": x},))
  with jax.numpy_dtype_promotion("standard"):  # conftest: strict
    assert base != key("demo", {"steps": 200}, (x,))
  monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_enable_fast_math=true")
  assert base != key("demo", {"steps": 200}, (x,))
  monkeypatch.delenv("XLA_FLAGS")
  from importlib import metadata  # pylint: disable=import-outside-toplevel
  real = metadata.version
  monkeypatch.setattr(metadata, "version", lambda dist: (
      "0.0.0.dev0" if dist == "optax" else real(dist)))
  assert base != key("demo", {"steps": 200}, (x,))  # another optax


def test_the_executable_key_reads_optax_s_version_without_importing_it():
  """The demo's second run never traces optax's code: importing optax for the
  key alone would be 0.07 s of it."""
  code = ("import sys, numpy as np; from jaxsched import _cli_cache; "
          "_cli_cache.executable_key('demo', {}, (np.zeros(3),)); "
          "print('optax' in sys.modules, _cli_cache._installed_version('optax'))")
  env = {**os.environ, "PYTHONPATH": str(ROOT)}
  proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                        text=True, timeout=120, check=True)
  assert proc.stdout.split() == ["False", optax.__version__], proc.stderr


def test_the_demo_key_is_key_0_without_a_program():
  with _cli_cache.counting() as count:
    k = _demo._key_0()  # pylint: disable=protected-access
  assert count.requests == 0
  assert jax.random.key_impl(k) == jax.random.key_impl(jax.random.key(0))
  np.testing.assert_array_equal(jax.random.key_data(k),
                                jax.random.key_data(jax.random.key(0)))


def test_pyplot_imports_in_the_background():
  thread = _plot.import_pyplot_in_background()
  thread.join(60)
  assert not thread.is_alive() and "matplotlib.pyplot" in sys.modules


def test_the_compile_counter_sees_compiles_and_cache_loads(tmp_path):
  with _own_cache(tmp_path) as mp:
    x = jnp.arange(7.0)
    for expect_compiled in (1, 0):
      with _cli_cache.persistent_cache(True) as path, \
          _cli_cache.counting() as count:
        f = jax.jit(lambda x: jnp.sin(x) * 3.0 + 1.0)  # a new function each time
        f(x).block_until_ready()
      assert path == _cli_cache.cache_dir()
      assert count.compiled == expect_compiled and count.loaded == 1 - expect_compiled
    assert count.summary().startswith("compiled nothing: 1 executable loaded")
    mp.setenv(_cli_cache.ENV_OFF, "1")
    with _cli_cache.persistent_cache(True) as path:
      assert path is None
  with _cli_cache.persistent_cache(False) as path:  # off, even a JAX-set cache
    assert path is None and not jax.config.jax_enable_compilation_cache
    f = jax.jit(lambda x: jnp.sin(x) * 3.0 + 1.0)
    with _cli_cache.counting() as count:
      f(x).block_until_ready()
    assert count.compiled == 1 and count.loaded == 0
  assert _cli_cache.cache_dir({"HOME": "/h"}).endswith("/.cache/jaxsched/jax")
  assert not _cli_cache.disabled_by_env({_cli_cache.ENV_OFF: "0"})


def test_demo_checks_options_and_output_before_any_work(capsys, monkeypatch,
                                                        tmp_path):
  def boom(*args, **kwargs):
    raise AssertionError("the demo started")

  monkeypatch.setattr(_demo, "run_demo", boom)
  for argv, words in [
      (["demo", "--out", str(tmp_path / "x.txt")], "suffix '.txt'"),
      (["demo", "-o", str(tmp_path / "no" / "x.png")], "no such folder"),
      (["demo", "--out", str(tmp_path)], "is a folder"),
      (["demo", "--steps", "5"], "multiple of 10"),
      (["demo", "--steps", "25"], "multiple of 10"),
      (["range-test", "--out", str(tmp_path / "x.txt")], "suffix '.txt'"),
      (["plot", WCD, "-o", str(tmp_path / "x")], "no suffix"),
  ]:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1, (argv, err)
    assert words in err, (argv, err)
  with pytest.raises(ValueError, match="run_demo: `steps` must be a multiple"):
    _demo.check_steps("run_demo", 15)
  assert _demo.check_steps("run_demo", 20) == 20


def test_demo_trains_each_config_with_its_own_schedule(small_demo):
  _, _, _, result, _, _ = small_demo
  steps = result["steps"]
  lrs, val = result["lrs"], result["val_loss"]
  assert lrs.shape == (len(result["configs"]), steps)
  for i, c in enumerate(result["configs"]):
    want = np.asarray(jax.jit(c["schedule"])(jnp.arange(steps)))
    if c["plateau"] is None:  # the learning rate used is the schedule's
      np.testing.assert_allclose(lrs[i], want, rtol=1e-5, atol=1e-12)
    else:  # base schedule times a non-increasing scale, updated every 10 steps
      scale = lrs[i] / want
      assert np.all(np.diff(scale) <= 1e-7) and scale[0] == pytest.approx(1.0)
      assert np.all(scale.reshape(-1, 10) == scale.reshape(-1, 10)[:, :1])
    assert np.all(np.isfinite(val[i])) and val[i, -1] < 0.5 * val[i, 0]
  # Different schedules really produce different runs.
  assert len({round(float(v), 6) for v in val[:, -1]}) > len(val) // 2


def test_demo_sweep_over_four_devices_matches_one_device(small_demo, tmp_path):
  _, out_1, _, _, _, _ = small_demo
  env = dict(os.environ)
  env[_cli_cache.ENV_OFF] = "1"  # a fresh process and compile, nothing written
  env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                      " --xla_force_host_platform_device_count=4").strip()
  env["JAX_PLATFORMS"] = "cpu"
  env["PYTHONPATH"] = os.pathsep.join(
      [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
  png = tmp_path / "demo4.png"
  proc = subprocess.run(
      [sys.executable, "-m", "jaxsched", "demo", "--small", "--out", str(png)],
      env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
      check=False)
  assert proc.returncode == 0, proc.stderr
  assert "Traceback" not in proc.stderr
  assert re.search(r"\] devices:\s+4 x cpu", proc.stderr)
  assert "padded to 20" in proc.stderr  # 18 configs -> a multiple of 4
  rows_4, rows_1 = _parse_results(proc.stdout), _parse_results(out_1)
  assert list(rows_4) == list(rows_1)
  for label, (final, best) in rows_4.items():
    assert final == pytest.approx(rows_1[label][0], rel=1e-3, abs=1e-5), label
    assert best == pytest.approx(rows_1[label][1], rel=1e-3, abs=1e-5), label
  assert_png(png, (1200, 600))


def test_common_image_suffixes_are_checked_without_importing_matplotlib(tmp_path):
  """png/pdf/svg/jpg are accepted without importing matplotlib (the demo loads
  it in the background while XLA trains) or JAX (the CLI checks its output
  path first: jaxsched._mpl is standard library only); other suffixes read
  matplotlib's own list; a missing matplotlib is a one-line usage error."""
  assert set(_mpl.COMMON_FORMATS) <= set(_mpl.image_formats())
  assert _plot.check_image_path is _mpl.check_image_path and _plot.save is _mpl.save
  code = ("import sys; from jaxsched import _cli_common; "
          f"print(_cli_common.check_output('demo', '-o', {str(tmp_path / 'x.png')!r})); "
          "print(sorted({'jax', 'numpy', 'matplotlib'} & set(sys.modules))); "
          "_cli_common.check_output('demo', '-o', 'no/such/folder/x.png')")
  env = {**os.environ, "PYTHONPATH": str(ROOT)}
  proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                        text=True, timeout=120, check=False)
  assert proc.stdout.splitlines() == [str(tmp_path / "x.png"), "[]"], proc.stderr
  assert "UsageError: jaxsched demo: cannot write -o='no/such/folder/x.png': no such " \
         "folder 'no/such/folder'" in proc.stderr, proc.stderr
  assert _plot.check_image_path("o", "--out", str(tmp_path / "x.tiff")).endswith(
      ".tiff")
  with pytest.raises(ValueError, match=r"use one of .*\.png"):
    _plot.check_image_path("o", "--out", str(tmp_path / "x.txt"))


def test_a_missing_matplotlib_is_a_usage_error(capsys, monkeypatch, tmp_path):
  import importlib.util  # pylint: disable=import-outside-toplevel
  find = importlib.util.find_spec
  monkeypatch.setattr(importlib.util, "find_spec",
                      lambda name, *a: None if name == "matplotlib" else find(name, *a))
  for argv in (["demo", "--out", str(tmp_path / "d.png")],
               ["plot", WCD, "-o", str(tmp_path / "p.svg")]):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1, (argv, err)
    assert "needs matplotlib" in err and "pip install jaxsched[plot]" in err


# -- errors -----------------------------------------------------------------


@pytest.mark.parametrize("argv, words", [
    (["show", '{"name": "cosine_decay", "init_value": 0.1,'], "not valid JSON"),
    (["show", '{"name": "cosine_decay" "init_value": 0.1}'], "not valid JSON"),
    (["show", '{"name": "no_such_family"}'], "unknown family"),
    (["show", '{"name": "cosine_decay", "init_value": 0.1, "decay_steps": -5}'],
     "decay_steps"),
    (["show", '{"name": "cosine_decay", "init_value": 0.1, "steps": 5}'],
     "parameters of cosine_decay are"),
    (["show", "no/such/config.json"], "no such file"),
    (["show", "[1, 2]"], "JSON object"),
    (["plot", '{"name": "constant", "value": 1.0}', "-o",
      "/no/such/dir/x.png"], "cannot write"),
    (["frobnicate"], "invalid choice"),
    ([], "a command is required"),
    (["plot", '{"name": "constant", "value": 1.0}'], "-o/--out"),
    (["show", WCD, "--steps", "0"], "--steps must be a whole number >= 2"),
    (["show", WCD, "--steps", "1"], "--steps must be a whole number >= 2"),
    (["show", WCD, "--steps", "ten"], "--steps"),
    (["range-test", "--num-steps", "5"], "--num-steps must be"),
    (["demo", "--steps", "5"], "--steps must be a multiple of 10"),
    (["demo", "--bogus"], "unrecognized arguments"),
])
def test_errors_are_one_line_on_stderr_with_status_2(capsys, argv, words):
  code, out, err = run(capsys, *argv)
  assert code == 2
  assert out == ""
  assert err.endswith("\n") and err.count("\n") == 1, err
  assert err.startswith("jaxsched: error: ")
  assert words in err
  assert "Traceback" not in err


def test_help_and_version_exit_0(capsys):
  code, out, _ = run(capsys, "--help")
  assert code == 0
  for command in ("families", "show", "plot", "range-test", "demo"):
    assert command in out
  text = " ".join(out.split())
  assert "--no-cache" in text and "JAXSCHED_NO_CACHE=1" in text
  assert "~/.cache/jaxsched/jax" in text
  for command in ("demo", "range-test"):
    code, out, _ = run(capsys, command, "--help")
    text = " ".join(out.split())
    assert code == 0 and "-o FILE.png, --out FILE.png" in text
    assert "--no-cache" in text and "~/.cache/jaxsched/jax" in text
  code, out, _ = run(capsys, "demo", "--help")
  assert "a multiple of 10 (the validation interval), at least 20" in " ".join(
      out.split())
  code, out, _ = run(capsys, "--version")
  assert code == 0 and jaxsched.__version__ in out


def test_help_and_families_answer_without_importing_jax():
  """About the process: ``import jaxsched`` is lazy, and ``--help``, ``--version``
  and ``families`` never import JAX (or NumPy, or matplotlib)."""
  code = ("import sys\n"
          "import jaxsched\n"
          "from jaxsched._cli import main\n"
          "codes = [main([a]) for a in ('--help', '--version', 'families')]\n"
          "heavy = sorted(m for m in ('jax', 'numpy', 'matplotlib', 'optax') "
          "if m in sys.modules)\n"
          "print('RESULT', codes, heavy)\n"
          "jaxsched.cosine_decay  # the first use loads every public name\n"
          "print('LOADED', 'jax' in sys.modules, len(jaxsched.families()))\n")
  proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                        text=True, timeout=300, cwd=ROOT, check=False)
  assert proc.returncode == 0, proc.stderr
  assert "RESULT [0, 0, 0] []" in proc.stdout, proc.stdout[-500:]
  assert f"LOADED True {len(jaxsched.families())}" in proc.stdout


def test_entry_point_exits_with_mains_status(monkeypatch, capsys):
  monkeypatch.setattr(sys, "argv", ["jaxsched", "show", "{oops"])
  with pytest.raises(SystemExit) as info:
    _cli.entry_point()
  assert info.value.code == 2
  assert capsys.readouterr().err.startswith("jaxsched: error: ")
