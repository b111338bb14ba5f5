"""The benchmark suite runs end to end in its quick mode and writes its reports.

No timing is asserted here (timings belong to bench/RESULTS.md): only that every
case ran, that the JSON and Markdown were written, and that the numbers are finite.
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
  assert {"piecewise_constant", "multistep", "cosine_restarts",
          "join(warmup_cosine_decay)"} <= cases
  if res["compat_available"]:
    assert {"compat.piecewise_constant_schedule", "compat.sgdr_schedule"} <= cases
  assert {r["n"] for r in res["rows"]} == {10, 100}
  for r in res["rows"]:
    assert r["ours_total_s"] > 0 and r["peer_total_s"] > 0


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
  _, md = quick
  for title in ("Compile time", "Hyperparameter sweep", "overhead", "10-million",
                "PyTorch", "plateau"):
    assert title in md
  assert "| case |" in md and "Machine" in md


def test_sweep_api_compiles_once_and_agrees_with_optax(quick):
  res = quick[0]["cases"]["sweep_api"]
  assert res["compilations_per_sweep"] == {"ours": 1, "optax": res["num_configs"]}
  assert res["final_loss_max_abs_diff"] < 1e-5
  assert res["devices"] >= 1
