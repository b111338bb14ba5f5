"""The benchmark suite runs end to end in its quick mode and writes its reports.

No timing is asserted here (timings belong to bench/RESULTS.md): only that every
case ran, that the JSON and Markdown were written with their structure, that the
numbers are finite and the ratios positive, and that values agree with the peers.
The quick mode is a smoke configuration (tiny sizes, a linear model, one repeat),
a few seconds in all.
"""

from __future__ import annotations

import json
import math
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
  sys.path.insert(0, ROOT)

from bench import run as bench_run  # noqa: E402


def _numbers(x, path=""):
  if isinstance(x, bool):
    return
  if isinstance(x, (int, float)):
    yield path, x
  elif isinstance(x, dict):
    for k, v in x.items():
      yield from _numbers(v, f"{path}.{k}")
  elif isinstance(x, list):
    for i, v in enumerate(x):
      yield from _numbers(v, f"{path}[{i}]")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
  out = tmp_path_factory.mktemp("bench")
  assert bench_run.main(["--quick", "--out", str(out)]) == 0
  with open(out / "results.json") as fh:
    results = json.load(fh)
  with open(out / "RESULTS.md") as fh:
    md = fh.read()
  return results, md


def test_every_case_ran(quick):
  results, _ = quick
  assert results["quick"] is True
  assert set(results["cases"]) == set(bench_run.CASES)


def test_numbers_are_finite(quick):
  results, _ = quick
  nums = list(_numbers(results["cases"]))
  assert len(nums) > 50
  bad = [(p, v) for p, v in nums if not math.isfinite(v)]
  assert not bad, bad


def test_compile_scaling_rows(quick):
  res = quick[0]["cases"]["compile_scaling"]
  cases = {r["case"] for r in res["rows"]}
  assert cases == {"piecewise_constant", "cosine_restarts"}
  assert {r["n"] for r in res["rows"]} == set(res["ns"]) and len(res["ns"]) == 2
  for r in res["rows"]:
    assert r["ours_total_s"] > 0 and r["peer_total_s"] > 0
    assert r["speedup_vs_peer"] > 0 and r["ours_hlo_ops"] > 0
  assert set(res["growth"]) == cases
  assert all(g > 0 for g in [*res["growth"].values(), *res["peer_growth"].values()])


def test_ratios_are_positive(quick):
  cases = quick[0]["cases"]
  ratios = [cases["overhead"]["ratio_vs_optax"], cases["overhead"]["ratio_vs_constant"],
            cases["plateau"]["ratio_vs_no_plateau"], cases["plateau"]["ratio_vs_optax"],
            cases["sweep"]["speedup_total"], cases["sweep_api"]["speedup_total"]]
  ratios += [r["ratio_vs_optax"] for r in cases["curve"]["rows"]]
  assert all(isinstance(r, float) and math.isfinite(r) and r > 0 for r in ratios), ratios


def test_sweep_agrees_with_optax(quick):
  res = quick[0]["cases"]["sweep"]
  assert res["compilations_per_sweep"] == {"ours": 1, "optax": res["num_configs"]}
  assert res["final_loss_max_abs_diff"] < 1e-5


def test_curve_matches_optax(quick):
  res = quick[0]["cases"]["curve"]
  assert len(res["rows"]) == 4
  for r in res["rows"]:
    assert r["max_abs_diff"] < 1e-5, r


def test_torch_case_present(quick):
  res = quick[0]["cases"]["torch_step"]
  assert [r["scheduler"] for r in res["rows"]] == ["OneCycleLR",
                                                   "CosineAnnealingWarmRestarts"]
  for r in res["rows"]:
    assert r["jaxsched_vectorised_us"] > 0 and r["jaxsched_scalar_call_us"] > 0
    assert r["torch_us"] == "skipped" or r["torch_us"] > 0


def test_markdown_has_every_case(quick):
  results, md = quick
  from bench import report  # noqa: PLC0415
  for name in bench_run.CASES:
    assert f"## {report.TITLES[name]}" in md, name
  assert md.startswith("# jaxsched benchmarks") and "## Machine" in md
  assert "Quick smoke run" in md and "| case |" in md
  # every table row has as many cells as its header
  for block in md.split("\n\n"):
    lines = [ln for ln in block.splitlines() if ln.startswith("|")]
    if lines:
      assert len({ln.count("|") for ln in lines}) == 1, block
  assert str(results["load_start"]) in md


def test_sweep_api_compiles_once_and_agrees_with_optax(quick):
  res = quick[0]["cases"]["sweep_api"]
  assert res["compilations_per_sweep"] == {"ours": 1, "optax": res["num_configs"]}
  assert res["final_loss_max_abs_diff"] < 1e-5
  assert res["devices"] >= 1
