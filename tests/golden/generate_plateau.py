"""Writes plateau_torch.json: the real PyTorch ReduceLROnPlateau on many metric runs.

Run with a Python that has torch (the test suite does not need it):

    python -m venv /work/plateauenv && /work/plateauenv/bin/pip install torch==2.13.0 numpy
    /work/plateauenv/bin/python tests/golden/generate_plateau.py

Each case holds the scheduler's arguments, the metrics fed to ``scheduler.step``
(float32 values, written as their shortest float32 text, "nan"/"inf" included) and
the learning rate the optimizer holds after each step. Metrics are rounded to
float32 before PyTorch sees them, so both sides start from the same numbers; a
case where a comparison lies within float32 rounding of its threshold (a
near-tie, which float32 and float64 could decide differently) is left out and
counted in the file.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import torch

STEPS = 48
HERE = os.path.dirname(os.path.abspath(__file__))


def f32(xs):
  return [float(np.float32(x)) for x in xs]


def text(x: float) -> str:
  if math.isnan(x):
    return "nan"
  if math.isinf(x):
    return "inf" if x > 0 else "-inf"
  return np.format_float_positional(np.float32(x), unique=True, trim="-") \
      if 1e-4 <= abs(x) < 1e6 or x == 0 else np.format_float_scientific(
          np.float32(x), unique=True, trim="-")


def sequences(rng: np.random.Generator) -> dict[str, list[float]]:
  t = np.arange(STEPS, dtype=np.float64)
  seqs = {}
  for k in range(3):
    seqs[f"noisy_decreasing_{k}"] = 1.0 / (1.0 + 0.1 * t) + 0.03 * rng.standard_normal(STEPS)
  seqs["long_plateau"] = np.concatenate(
      [[1.0, 0.8, 0.6, 0.5], np.full(26, 0.5), [0.3], np.full(STEPS - 31, 0.3)])
  seqs["constant_zero"] = np.zeros(STEPS)
  seqs["negative_noisy"] = -2.0 - 0.01 * t + 0.02 * rng.standard_normal(STEPS)
  # Each value slightly worse (by 3e-5 relative) than the last: PyTorch's rel
  # rule counts that as improvement for a negative best.
  seqs["negative_creep"] = -1.0 * (1.0 - 3e-5 * t)
  seqs["zero_crossing"] = 0.5 - 0.03 * t + 0.05 * rng.standard_normal(STEPS)
  nan_inf = 1.0 / (1.0 + 0.05 * t) + 0.02 * rng.standard_normal(STEPS)
  nan_inf[[3, 4, 10, 20, 21, 22, 23]] = np.nan
  nan_inf[[7, 30]] = np.inf
  seqs["nan_and_inf"] = nan_inf
  neg_inf = 1.0 / (1.0 + 0.05 * t)
  neg_inf[12] = -np.inf
  seqs["neg_inf"] = neg_inf
  pos_inf = 1.0 - 1.0 / (1.0 + 0.05 * t)
  pos_inf[9] = np.inf
  seqs["pos_inf"] = pos_inf
  seqs["accuracy_noisy"] = 1.0 - 1.0 / (1.0 + 0.2 * t) + 0.02 * rng.standard_normal(STEPS)
  seqs["reward_negative"] = -3.0 + 0.05 * t - 0.0012 * t**2 + 0.03 * rng.standard_normal(STEPS)
  seqs["zigzag"] = np.where(t % 2 == 0, 1.0, 1.1) - 0.002 * t
  seqs["all_nan"] = np.full(STEPS, np.nan)
  return {k: f32(v) for k, v in seqs.items()}


def settings(rng: np.random.Generator):
  base = [
      dict(),
      dict(patience=0), dict(patience=2), dict(patience=5),
      dict(mode="max"), dict(mode="max", patience=2),
      dict(threshold_mode="abs", threshold=0.01, patience=2),
      dict(mode="max", threshold_mode="abs", threshold=0.01, patience=2),
      dict(patience=2, cooldown=3, factor=0.5),
      dict(patience=0, factor=0.5, min_lr=0.02),
      dict(patience=0, lr=1e-6, eps=1e-8),  # eps stops the decay at 1e-8
      dict(patience=1, threshold=0.0),
      dict(patience=1, threshold=0.05, factor=0.3, cooldown=1),
  ]
  for _ in range(14):
    base.append(dict(
        mode=str(rng.choice(["min", "max"])),
        threshold_mode=str(rng.choice(["rel", "abs"])),
        patience=int(rng.choice([0, 1, 2, 5])),
        factor=float(rng.choice([0.1, 0.5, 0.3, 0.9])),
        cooldown=int(rng.choice([0, 1, 3])),
        threshold=float(rng.choice([0.0, 1e-4, 1e-3, 0.02])),
        min_lr=float(rng.choice([0.0, 1e-3])),
        eps=float(rng.choice([1e-8, 1e-4])),
        lr=float(rng.choice([0.1, 1.0, 0.003]))))
  return base


class _Probe(torch.optim.lr_scheduler.ReduceLROnPlateau):
  """PyTorch's scheduler, recording comparisons that lie near a float32 tie."""

  near_ties = 0

  def _is_better(self, a, best):
    if self.threshold != 0 and math.isfinite(a) and math.isfinite(best):
      if self.threshold_mode == "rel":
        ref = best * (1.0 - self.threshold if self.mode == "min" else
                      1.0 + self.threshold)
      else:
        ref = best - self.threshold if self.mode == "min" else best + self.threshold
      if abs(a - ref) <= 1e-5 * max(abs(ref), 1e-6):
        self.near_ties += 1
    return super()._is_better(a, best)

  def _reduce_lr(self, epoch):
    for i, group in enumerate(self.optimizer.param_groups):
      old = float(group["lr"])
      new = max(old * self.factor, self.min_lrs[i])
      if abs((old - new) - self.eps) <= 1e-3 * self.eps:
        self.near_ties += 1
    super()._reduce_lr(epoch)


def run(setting: dict, metrics: list[float]) -> tuple[list[float], int]:
  kwargs = dict(setting)
  lr = kwargs.pop("lr", 0.1)
  opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
  sched = _Probe(opt, **kwargs)
  lrs = []
  for m in metrics:
    sched.step(m)
    lrs.append(float(opt.param_groups[0]["lr"]))
  return lrs, sched.near_ties


def main() -> None:
  rng = np.random.default_rng(20240604)
  seqs = sequences(rng)
  cases, skipped = [], 0
  for s_index, setting in enumerate(settings(rng)):
    for name, metrics in seqs.items():
      if (s_index + len(name)) % 3 and name not in ("negative_creep", "nan_and_inf",
                                                   "neg_inf", "pos_inf"):
        continue  # a deterministic subset keeps the file small
      lrs, ties = run(setting, metrics)
      if ties:
        skipped += 1
        continue
      full = dict(lr=0.1, mode="min", factor=0.1, patience=10, threshold=1e-4,
                  threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8)
      full.update(setting)
      cases.append(dict(sequence=name, kwargs=full,
                        metrics=[text(m) for m in metrics], lrs=lrs))
  out = dict(torch_version=torch.__version__, numpy_seed=20240604,
             generator="tests/golden/generate_plateau.py",
             skipped_near_ties=skipped, cases=cases)
  path = os.path.join(HERE, "plateau_torch.json")
  with open(path, "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
  print(f"wrote {len(cases)} cases ({skipped} near-ties left out) to {path}")


if __name__ == "__main__":
  main()
