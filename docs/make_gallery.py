"""Draws docs/gallery.png: every jaxsched family, one small panel each.

Run from anywhere: ``python docs/make_gallery.py``. The script fails if a family
listed by ``jaxsched.families()`` has no example here, so the gallery stays
complete when families are added.
"""

import math
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib.pyplot as plt  # noqa: E402  pylint: disable=wrong-import-position

import jaxsched  # noqa: E402  pylint: disable=wrong-import-position
from jaxsched._plot import config_label, plot  # noqa: E402  pylint: disable=wrong-import-position

STEPS = 200
COLUMNS = 6


def examples() -> dict:
  """family name -> an example schedule over ``STEPS`` steps."""
  j = jaxsched
  return {
      "constant": j.constant(0.5),
      "linear": j.linear(1.0, 0.1, 150),
      "polynomial": j.polynomial(1.0, 0.0, 180, power=2.0),
      "cosine_decay": j.cosine_decay(1.0, 150, end_value=0.1),
      "exponential_decay": j.exponential_decay(1.0, 0.5, 40),
      "inverse_time_decay": j.inverse_time_decay(1.0, 0.5, 20),
      "inverse_scaling": j.inverse_scaling(1.0, power=0.5, timescale=10.0),
      "inverse_sqrt": j.inverse_sqrt(1.0, 20),
      "step_decay": j.step_decay(1.0, 50, gamma=0.5),
      "multistep": j.multistep(1.0, [60, 120, 160], gamma=0.5),
      "piecewise_constant": j.piecewise_constant([50, 100, 150],
                                                 [1.0, 0.6, 0.3, 0.1]),
      "piecewise_linear": j.piecewise_linear([0, 30, 120, 200],
                                             [0.0, 1.0, 0.4, 0.0]),
      "cyclic": j.cyclic(0.1, 1.0, 25, mode="triangular2"),
      "one_cycle": j.one_cycle(STEPS, 1.0),
      "one_cycle_momentum": j.one_cycle_momentum(STEPS),
      "cosine_restarts": j.cosine_restarts(1.0, 40, period_mult=1.5,
                                           peak_decay=0.8),
      "warmup_cosine_decay": j.warmup_cosine_decay(1.0, 20, STEPS),
      "warmup_stable_decay": j.warmup_stable_decay(1.0, 20, 50, STEPS),
      "flat_cosine": j.flat_cosine(1.0, STEPS),
      "warmup": j.warmup(j.exponential_decay(1.0, 0.98), 30),
      "join": j.join([j.linear(0.0, 1.0, 50), j.cosine_decay(1.0, 150)], [50]),
      "product": j.product([j.cosine_decay(1.0, STEPS),
                            j.cyclic(0.5, 1.0, 10)]),
      "sum": j.add([j.cosine_decay(0.9, 150), j.constant(0.1)]),
      "scale": j.scale(j.cosine_decay(1.0, STEPS), 0.5),
      "repeat": j.repeat(j.linear(1.0, 0.0, 50), 50),
      "epochwise": j.epochwise(j.step_decay(1.0, 3, gamma=0.5), 20),
      "accumulate": j.accumulate(j.warmup_cosine_decay(1.0, 5, 50), 4),
      "stretch": j.stretch(j.warmup_cosine_decay(1.0, 20, 100), 100, STEPS,
                           warmup_steps=20),
      "extend": j.extend(j.warmup_cosine_decay(1.0, 20, 120), 80, 120, STEPS),
      "cooldown_from": j.cooldown_from(j.warmup(j.constant(1.0), 20), 120, 60,
                                       shape="sqrt"),
      "warmup_decay_ratio": j.warmup_decay_ratio(1.0, STEPS, warmup_ratio=0.1,
                                                 decay_ratio=0.3,
                                                 min_lr_ratio=0.1),
      "batch_scale": j.batch_scale(j.cosine_decay(0.5, STEPS), 1024,
                                   rule="sqrt"),
  }


def _wrap(text: str, width: int = 36) -> str:
  """Breaks a label after commas so that it fits over a small panel."""
  lines, line = [], ""
  for part in text.split(", "):
    piece = part if not line else ", " + part
    if line and len(line) + len(piece) > width:
      lines.append(line + ",")
      line = part
    else:
      line += piece
  lines.append(line)
  return "\n".join(lines[:4]) + (" ..." if len(lines) > 4 else "")


def main() -> None:
  gallery = examples()
  missing = sorted(set(jaxsched.families()) - set(gallery))
  if missing:
    raise SystemExit(f"make_gallery.py: no example for {missing}; add one.")
  names = jaxsched.families()
  rows = math.ceil(len(names) / COLUMNS)
  fig, axes = plt.subplots(rows, COLUMNS, figsize=(3.6 * COLUMNS, 3.0 * rows),
                           layout="constrained")
  for ax, name in zip(axes.flat, names):
    schedule = gallery[name]
    label = config_label(schedule.to_config())
    args = label[len(name) + 1:-1]
    ax.set_title(f"{name}", fontsize=12, fontweight="bold", loc="left")
    plot(schedule, STEPS, ax=ax, labels=[name])
    ax.get_legend().remove()
    ax.set_xlabel("step", fontsize=9)
    ax.set_ylabel("")
    ax.tick_params(labelsize=8)
    ax.text(0.98, 0.96, _wrap(args), transform=ax.transAxes, ha="right",
            va="top", fontsize=8, color="0.3", family="monospace",
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1.5))
    lo, hi = ax.get_ylim()
    ax.set_ylim(min(lo, 0.0), hi + 0.55 * (hi - min(lo, 0.0)))  # room for text
  for ax in axes.flat[len(names):]:
    ax.axis("off")
  fig.suptitle(f"jaxsched: every schedule family and combinator "
               f"({len(names)}), {STEPS} steps each; value against step",
               fontsize=15)
  out = ROOT / "docs" / "gallery.png"
  fig.savefig(out, dpi=100)
  print(f"wrote {out}")


if __name__ == "__main__":
  main()
