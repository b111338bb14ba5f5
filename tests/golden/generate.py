"""Generate golden learning-rate curves from the real reference libraries.

Writes ``torch.json``, ``keras.json``, ``transformers.json`` and ``optax.json``
next to this file.  The jaxsched test-suite compares its schedules against
these files, so the tests themselves need none of these libraries installed.

Every number in the files comes from running the library itself; nothing is
computed by hand here.

How to run (from the repository root)::

    python -m venv /work/goldenv
    /work/goldenv/bin/pip install torch==2.13.0          # CPU wheel, on its own first
    /work/goldenv/bin/pip install transformers "keras>=3" jax jaxlib optax numpy
    /work/goldenv/bin/python tests/golden/generate.py

Needs: torch, transformers, keras (3.x, run with ``KERAS_BACKEND=jax``, which
this script sets), jax/jaxlib, optax, numpy.  Runs on CPU in well under a
minute.  ``python tests/golden/generate.py torch optax`` regenerates only the
named files.

File schema (see README.md): ``{"library", "version", ...,"cases": [...]}``.
Long horizons are subsampled: each case stores ``steps`` (sorted ints) and the
matching ``values``; every step within a couple of steps of a boundary,
milestone, restart or phase end is always kept, as are the first and last.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# Horizons up to this many steps are stored in full; longer ones subsampled.
FULL_UPTO = 2500
# Number of evenly spaced steps kept on a subsampled horizon (on top of the
# steps around the key points).
N_UNIFORM = 800
# Steps kept on each side of a key point.
RADIUS = 2


# --------------------------------------------------------------------------- #
# Named lambdas for LambdaLR (the tests re-implement the same names in JAX).
# --------------------------------------------------------------------------- #
NAMED_LAMBDAS = {
    "exp_0.95": lambda k: 0.95**k,
    "exp_0.999": lambda k: 0.999**k,
    "inv_0.1": lambda k: 1.0 / (1.0 + 0.1 * k),
    "warmup_10": lambda k: min(1.0, (k + 1) / 10),
    "rsqrt": lambda k: 1.0 / math.sqrt(max(1, k)),
    "step_half_10": lambda k: 0.5 ** (k // 10),
}


# --------------------------------------------------------------------------- #
# Step selection
# --------------------------------------------------------------------------- #
def pick_steps(last, key_points=(), full_upto=FULL_UPTO, n_uniform=N_UNIFORM,
               radius=RADIUS):
    """Sorted step indices in [0, last] to store.

    All steps when ``last <= full_upto``; otherwise the first/last few, an even
    grid of ``n_uniform`` steps, and every step within ``radius`` of each key
    point (key points may be floats: floor and ceil are both used).
    """
    last = int(last)
    if last <= full_upto:
        return list(range(last + 1))
    s = {0, 1, 2, 3, last - 2, last - 1, last}
    s.update(int(round(x)) for x in np.linspace(0, last, n_uniform))
    for b in key_points:
        for c in {math.floor(b), math.ceil(b)}:
            for d in range(-radius, radius + 1):
                if 0 <= c + d <= last:
                    s.add(int(c + d))
    return sorted(s)


def add_keys(steps, last, key_points, radius=RADIUS):
    s = set(steps)
    for b in key_points:
        for c in {math.floor(b), math.ceil(b)}:
            for d in range(-radius, radius + 1):
                if 0 <= c + d <= last:
                    s.add(int(c + d))
    return sorted(s)


def floats(xs):
    out = [float(x) for x in xs]
    for x in out:
        if not math.isfinite(x):
            raise ValueError(f"non-finite value {x!r}")
    return out


def spread_of(ref, other):
    """Largest absolute difference between two evaluations of a schedule."""
    ref = np.asarray(ref, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    return float(np.max(np.abs(ref - other))) if ref.size else 0.0


def check_ids(cases):
    ids = [c["id"] for c in cases]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise RuntimeError(f"duplicate case ids: {sorted(dup)}")


def write(name, payload):
    check_ids(payload["cases"])
    path = os.path.join(HERE, f"{name}.json")
    with open(path, "w") as f:
        json.dump(payload, f, allow_nan=False, separators=(",", ":"))
        f.write("\n")
    size = os.path.getsize(path)
    print(f"wrote {path}: {len(payload['cases'])} cases, {size / 1e6:.2f} MB")
    if size > 3.2e6:
        raise RuntimeError(f"{path} is too large ({size} bytes)")


# --------------------------------------------------------------------------- #
# PyTorch
# --------------------------------------------------------------------------- #
def torch_cases():
    """(class, lr, kwargs, n_steps, key_points, momentum) tuples."""
    C = []

    def add(cls, lr, kwargs, n, keys=(), momentum=0.0, id_=None):
        C.append(dict(cls=cls, lr=lr, kwargs=kwargs, n=n, keys=list(keys),
                      momentum=momentum, id=id_))

    # StepLR
    add("StepLR", 0.1, {"step_size": 30, "gamma": 0.1}, 100, [30, 60, 90])
    add("StepLR", 1.0, {"step_size": 7, "gamma": 0.5}, 60)
    add("StepLR", 0.5, {"step_size": 1, "gamma": 0.9}, 50)
    add("StepLR", 0.05, {"step_size": 1000, "gamma": 0.3}, 5000,
        [1000 * i for i in range(1, 6)])
    add("StepLR", 0.1, {"step_size": 3}, 20)  # default gamma

    # MultiStepLR
    add("MultiStepLR", 0.1, {"milestones": [30, 80], "gamma": 0.1}, 120)
    add("MultiStepLR", 1.0, {"milestones": [5, 5, 10], "gamma": 0.5}, 20)
    add("MultiStepLR", 1.0, {"milestones": [3, 3, 3, 7], "gamma": 0.1}, 12)
    add("MultiStepLR", 0.2, {"milestones": [50, 10, 30], "gamma": 0.5}, 60)
    add("MultiStepLR", 1.0, {"milestones": [0, 4], "gamma": 0.5}, 10)
    add("MultiStepLR", 0.01, {"milestones": [1000, 3000, 7000], "gamma": 0.2},
        10000, [1000, 3000, 7000])
    add("MultiStepLR", 0.3, {"milestones": [2, 4], "gamma": 2.0}, 8)

    # ConstantLR
    add("ConstantLR", 0.1, {}, 10)
    add("ConstantLR", 0.1, {"factor": 0.5, "total_iters": 4}, 10)
    add("ConstantLR", 1.0, {"factor": 0.1, "total_iters": 100}, 150)
    add("ConstantLR", 0.3, {"factor": 1.0, "total_iters": 3}, 6)
    add("ConstantLR", 0.3, {"factor": 0.25, "total_iters": 1}, 5)

    # LinearLR
    add("LinearLR", 0.1, {}, 10)
    add("LinearLR", 0.5, {"start_factor": 0.01, "end_factor": 1.0, "total_iters": 100}, 150)
    add("LinearLR", 1.0, {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 50}, 80)
    add("LinearLR", 0.2, {"start_factor": 0.25, "end_factor": 0.75, "total_iters": 7}, 20)
    add("LinearLR", 0.1, {"start_factor": 0.001, "end_factor": 1.0, "total_iters": 2000},
        4000, [2000])
    add("LinearLR", 0.1, {"start_factor": 0.5, "end_factor": 1.0, "total_iters": 1}, 5)

    # ExponentialLR
    add("ExponentialLR", 0.1, {"gamma": 0.9}, 100)
    add("ExponentialLR", 1.0, {"gamma": 0.999}, 5000)
    add("ExponentialLR", 0.001, {"gamma": 1.01}, 100)
    add("ExponentialLR", 0.5, {"gamma": 0.5}, 40)

    # PolynomialLR
    add("PolynomialLR", 0.1, {}, 10)
    add("PolynomialLR", 0.1, {"total_iters": 5, "power": 1.0}, 10)
    add("PolynomialLR", 1.0, {"total_iters": 100, "power": 2.0}, 150)
    add("PolynomialLR", 1.0, {"total_iters": 50, "power": 0.5}, 80)
    add("PolynomialLR", 0.01, {"total_iters": 1000, "power": 1.0}, 1500)
    add("PolynomialLR", 0.3, {"total_iters": 7, "power": 3.0}, 12)

    # CosineAnnealingLR (3x T_max to capture the behaviour past T_max)
    add("CosineAnnealingLR", 0.1, {"T_max": 10}, 30)
    add("CosineAnnealingLR", 0.1, {"T_max": 10, "eta_min": 0.01}, 30)
    add("CosineAnnealingLR", 1.0, {"T_max": 100, "eta_min": 0.001}, 300)
    add("CosineAnnealingLR", 0.1, {"T_max": 1000, "eta_min": 0.0}, 3000, [1000, 2000])
    add("CosineAnnealingLR", 0.05, {"T_max": 7, "eta_min": 0.01}, 21)
    add("CosineAnnealingLR", 1.0, {"T_max": 50, "eta_min": 0.1}, 150)
    add("CosineAnnealingLR", 0.1, {"T_max": 1}, 6)

    # CosineAnnealingWarmRestarts
    def restarts(T0, Tm, n):
        out, b, T = [], 0, T0
        while b <= n:
            b += T
            out.append(b)
            T *= Tm
        return out

    for T0, Tm, eta, lr, n in [
        (10, 1, 0.0, 0.1, 100),
        (10, 2, 0.0, 0.1, 1300),
        (5, 3, 0.001, 0.1, 2000),
        (100, 1, 0.01, 0.1, 10000),
        (50, 2, 1e-4, 0.1, 10000),
        (7, 2, 0.05, 1.0, 500),
        (1, 2, 0.0, 1.0, 100),
        (13, 3, 0.0, 0.5, 10000),
    ]:
        kw = {"T_0": T0, "T_mult": Tm}
        if eta:
            kw["eta_min"] = eta
        add("CosineAnnealingWarmRestarts", lr, kw, n, restarts(T0, Tm, n))

    # CyclicLR
    def cyc_keys(up, down, n):
        down = up if down is None else down
        out, b = [], 0
        while b <= n:
            out += [b + up, b + up + down]
            b += up + down
        return out

    for kw, n, mom in [
        ({"base_lr": 0.001, "max_lr": 0.006, "step_size_up": 2000,
          "cycle_momentum": False}, 20000, 0.0),
        ({"base_lr": 0.001, "max_lr": 0.006, "step_size_up": 500,
          "step_size_down": 1500, "mode": "triangular2",
          "cycle_momentum": False}, 20000, 0.0),
        ({"base_lr": 0.0001, "max_lr": 0.01, "step_size_up": 100,
          "mode": "exp_range", "gamma": 0.999, "cycle_momentum": False}, 5000, 0.0),
        ({"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 2000,
          "mode": "exp_range", "gamma": 0.99994, "cycle_momentum": False}, 20000, 0.0),
        ({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4,
          "step_size_down": 6}, 60, 0.9),
        ({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5,
          "mode": "triangular2", "base_momentum": 0.85, "max_momentum": 0.95},
         100, 0.9),
        ({"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 10,
          "step_size_down": 3, "mode": "exp_range", "gamma": 0.98,
          "cycle_momentum": False}, 200, 0.0),
        ({"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 7,
          "step_size_down": 13, "mode": "triangular",
          "cycle_momentum": False}, 300, 0.0),
        ({"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 1,
          "mode": "triangular", "cycle_momentum": False}, 20, 0.0),
    ]:
        add("CyclicLR", 0.05, kw, n,
            cyc_keys(kw["step_size_up"], kw.get("step_size_down"), n), momentum=mom)

    # OneCycleLR (steps 0..total_steps; the step after that raises in torch)
    for kw, mom in [
        ({"max_lr": 0.1, "total_steps": 100}, 0.9),
        ({"max_lr": 0.1, "total_steps": 97, "pct_start": 0.25}, 0.9),
        ({"max_lr": 0.1, "total_steps": 97, "pct_start": 0.25,
          "anneal_strategy": "linear"}, 0.9),
        ({"max_lr": 0.01, "total_steps": 1000, "three_phase": True}, 0.9),
        ({"max_lr": 1.0, "total_steps": 101, "pct_start": 0.45,
          "anneal_strategy": "linear", "three_phase": True}, 0.9),
        ({"max_lr": 0.5, "total_steps": 50, "pct_start": 0.3, "div_factor": 10.0,
          "final_div_factor": 100.0}, 0.9),
        ({"max_lr": 0.5, "total_steps": 50, "pct_start": 0.3, "div_factor": 10.0,
          "final_div_factor": 100.0, "anneal_strategy": "linear",
          "cycle_momentum": False}, 0.0),
        ({"max_lr": 0.1, "total_steps": 10}, 0.9),
        ({"max_lr": 0.1, "total_steps": 10, "three_phase": True}, 0.9),
        ({"max_lr": 0.003, "total_steps": 10000, "pct_start": 0.3}, 0.9),
        ({"max_lr": 0.003, "total_steps": 7919, "pct_start": 0.45,
          "anneal_strategy": "linear", "three_phase": True,
          "div_factor": 5.0, "final_div_factor": 1e3}, 0.9),
        ({"max_lr": 0.1, "epochs": 10, "steps_per_epoch": 13}, 0.9),
        ({"max_lr": 0.2, "total_steps": 5, "pct_start": 0.1}, 0.9),
        ({"max_lr": 0.1, "total_steps": 33, "pct_start": 0.3, "three_phase": True,
          "base_momentum": 0.8, "max_momentum": 0.9}, 0.9),
        ({"max_lr": 0.1, "total_steps": 200, "pct_start": 0.3,
          "cycle_momentum": False}, 0.0),
    ]:
        total = kw.get("total_steps") or kw["epochs"] * kw["steps_per_epoch"]
        pct = kw.get("pct_start", 0.3)
        keys = [pct * total - 1, 2 * pct * total - 2, total - 1, total]
        add("OneCycleLR", 0.05, kw, total, keys, momentum=mom)

    # SequentialLR
    S = lambda cls, **kw: {"class": cls, "kwargs": kw}  # noqa: E731
    for lr, kw, n in [
        (0.1, {"schedulers": [S("LinearLR", start_factor=0.1, total_iters=5),
                              S("CosineAnnealingLR", T_max=95)],
               "milestones": [5]}, 120),
        (0.1, {"schedulers": [S("ConstantLR", factor=0.5, total_iters=10),
                              S("ExponentialLR", gamma=0.9)],
               "milestones": [10]}, 40),
        (0.1, {"schedulers": [S("LinearLR", start_factor=0.01, total_iters=10),
                              S("StepLR", step_size=20, gamma=0.5)],
               "milestones": [10]}, 100),
        (0.1, {"schedulers": [S("LinearLR", start_factor=0.2, total_iters=5),
                              S("ExponentialLR", gamma=0.95),
                              S("CosineAnnealingLR", T_max=20)],
               "milestones": [5, 15]}, 50),
        (0.1, {"schedulers": [S("LinearLR", start_factor=0.1, total_iters=10),
                              S("CosineAnnealingLR", T_max=90, eta_min=0.001)],
               "milestones": [5]}, 100),
        (0.1, {"schedulers": [S("LinearLR", start_factor=0.1, total_iters=5),
                              S("CosineAnnealingLR", T_max=10, eta_min=0.001)],
               "milestones": [10]}, 40),
        (0.2, {"schedulers": [S("LinearLR", start_factor=0.05, total_iters=10),
                              S("CosineAnnealingWarmRestarts", T_0=20, T_mult=2)],
               "milestones": [10]}, 200),
        (0.1, {"schedulers": [S("LambdaLR", lr_lambda="warmup_10"),
                              S("MultiStepLR", milestones=[20, 40], gamma=0.1)],
               "milestones": [10]}, 60),
        (0.1, {"schedulers": [S("ConstantLR", factor=0.1, total_iters=3),
                              S("PolynomialLR", total_iters=20, power=2.0),
                              S("ConstantLR", factor=0.5, total_iters=5)],
               "milestones": [3, 23]}, 40),
        (0.01, {"schedulers": [S("LinearLR", start_factor=0.001, total_iters=1000),
                               S("CosineAnnealingLR", T_max=9000, eta_min=1e-5)],
                "milestones": [1000]}, 10000),
    ]:
        add("SequentialLR", lr, kw, n, kw["milestones"])

    # LambdaLR
    for name in ["exp_0.95", "inv_0.1", "warmup_10", "rsqrt", "step_half_10"]:
        add("LambdaLR", 0.1, {"lr_lambda": name}, 100)
    add("LambdaLR", 1.0, {"lr_lambda": "exp_0.999"}, 5000)

    return C


def torch_build(opt, cls, kwargs):
    from torch.optim import lr_scheduler as L

    kw = dict(kwargs)
    if cls == "LambdaLR":
        kw["lr_lambda"] = NAMED_LAMBDAS[kw["lr_lambda"]]
    if cls == "SequentialLR":
        kw["schedulers"] = [torch_build(opt, c["class"], c["kwargs"])
                            for c in kw["schedulers"]]
    return getattr(L, cls)(opt, **kw)


def torch_run(case):
    import torch

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=case["lr"], momentum=case["momentum"])
    sched = torch_build(opt, case["cls"], case["kwargs"])
    g = opt.param_groups[0]
    lrs = [g["lr"]]
    moms = [g["momentum"]]
    error = None
    n = case["n"]
    for _ in range(n):
        opt.step()  # no grad: a no-op, but keeps the "step order" warning away
        sched.step()
        lrs.append(g["lr"])
        moms.append(g["momentum"])
    if case["cls"] == "OneCycleLR":
        try:
            opt.step()
            sched.step()
            error = "no error"
        except ValueError as e:
            error = f"ValueError: {e}"
    return lrs, moms, error


def gen_torch():
    import torch

    cases = []
    seen = {}
    for c in torch_cases():
        lrs, moms, error = torch_run(c)
        steps = pick_steps(c["n"], c["keys"])
        base = c["id"] or c["cls"] + ":" + json.dumps(c["kwargs"], sort_keys=True,
                                                        separators=(",", ":"))
        k = seen.get(base, 0)
        seen[base] = k + 1
        case = {
            "id": base if k == 0 else f"{base}#{k}",
            "class": c["cls"],
            "lr": c["lr"],
            "kwargs": c["kwargs"],
            "optimizer": {"type": "SGD", "lr": c["lr"], "momentum": c["momentum"]},
            "steps": steps,
            "values": floats(lrs[s] for s in steps),
        }
        if c["cls"] in ("OneCycleLR", "CyclicLR") and c["kwargs"].get(
                "cycle_momentum", True):
            case["momentum_values"] = floats(moms[s] for s in steps)
        if error is not None:
            case["next_step"] = {"step": c["n"] + 1, "result": error}
        cases.append(case)
    write("torch", {
        "library": "torch",
        "version": torch.__version__,
        "python": platform.python_version(),
        "lambdas": {
            "exp_0.95": "lambda k: 0.95 ** k",
            "exp_0.999": "lambda k: 0.999 ** k",
            "inv_0.1": "lambda k: 1.0 / (1.0 + 0.1 * k)",
            "warmup_10": "lambda k: min(1.0, (k + 1) / 10)",
            "rsqrt": "lambda k: 1.0 / math.sqrt(max(1, k))",
            "step_half_10": "lambda k: 0.5 ** (k // 10)",
        },
        "note": "values[i] = optimizer.param_groups[0]['lr'] after steps[i] calls "
                "of scheduler.step() (0 = right after construction); optimizer is "
                "torch.optim.SGD([Parameter(zeros(1))], lr=lr, momentum=...). "
                "momentum_values: param_groups[0]['momentum'] at the same points.",
        "cases": cases,
    })


# --------------------------------------------------------------------------- #
# Keras
# --------------------------------------------------------------------------- #
def keras_cases():
    C = []

    def add(cls, kwargs, n, keys=()):
        C.append(dict(cls=cls, kwargs=kwargs, n=n, keys=list(keys)))

    for st in (False, True):
        add("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 100,
                                 "decay_rate": 0.96, "staircase": st}, 1000)
        add("ExponentialDecay", {"initial_learning_rate": 1.0, "decay_steps": 10,
                                 "decay_rate": 0.5, "staircase": st}, 100)
        add("ExponentialDecay", {"initial_learning_rate": 0.001, "decay_steps": 100,
                                 "decay_rate": 1.5, "staircase": st}, 500)
        add("ExponentialDecay", {"initial_learning_rate": 0.01, "decay_steps": 7,
                                 "decay_rate": 0.9, "staircase": st}, 100000,
            [7 * i for i in range(1, 20)])
        add("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                                 "decay_rate": 0.5, "staircase": st}, 200)
        add("InverseTimeDecay", {"initial_learning_rate": 1.0, "decay_steps": 1000,
                                 "decay_rate": 2.0, "staircase": st}, 5000)
        add("InverseTimeDecay", {"initial_learning_rate": 0.5, "decay_steps": 1,
                                 "decay_rate": 0.01, "staircase": st}, 300)
    add("ExponentialDecay", {"initial_learning_rate": 0.01, "decay_steps": 1,
                             "decay_rate": 0.99}, 500)

    add("PiecewiseConstantDecay", {"boundaries": [100, 200],
                                   "values": [1.0, 0.5, 0.1]}, 300)
    add("PiecewiseConstantDecay", {"boundaries": [10, 20, 30, 40],
                                   "values": [1.0, 0.8, 0.6, 0.4, 0.2]}, 50)
    add("PiecewiseConstantDecay", {"boundaries": [1], "values": [0.5, 0.25]}, 5)
    add("PiecewiseConstantDecay", {"boundaries": [0, 5], "values": [9.0, 1.0, 0.1]}, 10)
    add("PiecewiseConstantDecay", {"boundaries": [1000, 5000, 20000],
                                   "values": [0.1, 0.01, 0.001, 0.0001]}, 30000,
        [1000, 5000, 20000])
    add("PiecewiseConstantDecay", {"boundaries": [3, 6],
                                   "values": [0.1, 0.3, 0.2]}, 10)

    for power in (1.0, 2.0, 0.5):
        for cycle in (False, True):
            add("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 100,
                                    "end_learning_rate": 0.001, "power": power,
                                    "cycle": cycle}, 350)
    add("PolynomialDecay", {"initial_learning_rate": 1.0, "decay_steps": 10,
                            "end_learning_rate": 0.0, "power": 1.0, "cycle": True}, 50)
    add("PolynomialDecay", {"initial_learning_rate": 1.0, "decay_steps": 10}, 30)
    add("PolynomialDecay", {"initial_learning_rate": 0.01, "decay_steps": 7,
                            "end_learning_rate": 0.02, "power": 3.0, "cycle": True}, 50)
    add("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 1000,
                            "end_learning_rate": 0.0, "power": 2.0, "cycle": True},
        10000, [1000 * i for i in range(11)])

    add("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 1000}, 1500)
    add("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 1000,
                        "alpha": 0.1}, 1500)
    add("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 900,
                        "warmup_target": 0.5, "warmup_steps": 100}, 1200)
    add("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 200,
                        "alpha": 0.05, "warmup_target": 0.1, "warmup_steps": 50}, 400)
    add("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100,
                        "warmup_steps": 20}, 200)
    add("CosineDecay", {"initial_learning_rate": 1.0, "decay_steps": 7,
                        "alpha": 0.2}, 20)
    add("CosineDecay", {"initial_learning_rate": 0.001, "decay_steps": 100000,
                        "warmup_target": 0.003, "warmup_steps": 5000}, 120000,
        [5000, 105000])

    def restarts(first, t_mul, n):
        out, b, T = [], 0.0, float(first)
        while b <= n:
            b += T
            out.append(b)
            T *= t_mul
        return out

    for first, t_mul, m_mul, alpha, n in [
        (100, 1.0, 1.0, 0.0, 1000),
        (100, 2.0, 1.0, 0.0, 3200),
        (100, 2.0, 0.8, 0.1, 3200),
        (10, 1.5, 0.8, 0.0, 2000),
        (20, 1.5, 1.0, 0.1, 2000),
        (50, 1.0, 0.8, 0.1, 600),
        (10, 2.0, 1.0, 0.0, 10300),
        (7, 3.0, 0.9, 0.05, 20000),
        (1000, 2.0, 1.0, 0.0, 200000),
        (3, 2.0, 1.0, 0.0, 100),
    ]:
        add("CosineDecayRestarts", {"initial_learning_rate": 1.0 if first != 20 else 0.1,
                                    "first_decay_steps": first, "t_mul": t_mul,
                                    "m_mul": m_mul, "alpha": alpha}, n,
            restarts(first, t_mul, n))
    return C


def keras_schedule(cls, kwargs):
    from keras.optimizers import schedules as S

    return getattr(S, cls)(**kwargs)


def gen_keras():
    import jax
    import jax.numpy as jnp
    import keras

    cases = []
    seen = {}
    for c in keras_cases():
        sched = keras_schedule(c["cls"], c["kwargs"])
        steps = pick_steps(c["n"], c["keys"])
        # Canonical values: the schedule jitted on a scalar int32 step, one call
        # per step.  With the JAX backend this is what a Keras training step
        # sees (the optimizer calls the schedule inside the jitted update).
        # Eager calls with a Python int (about 0.2 s each, so only sampled)
        # and one call on an int32 array of all steps may round differently
        # in the last place; the largest spread is recorded for the tests.
        f = jax.jit(sched)
        scal = [np.asarray(f(jnp.int32(s))) for s in steps]
        dtype = str(scal[0].dtype)
        vals = np.array([float(v) for v in scal])
        probe = sorted(set(steps[:2] + steps[-2:] + steps[:: max(1, len(steps) // 6)]))
        eager = [float(np.asarray(sched(int(s)))) for s in probe]
        spread = [spread_of([vals[steps.index(s)] for s in probe], eager)]
        try:
            arr = np.asarray(sched(np.asarray(steps, dtype=np.int32)))
            spread.append(spread_of(vals, arr))
            values_eager = floats(arr)
        except Exception:  # CosineDecay with warmup: ops.cond needs a scalar
            values_eager = None
        base = c["cls"] + ":" + json.dumps(c["kwargs"], sort_keys=True,
                                           separators=(",", ":"))
        k = seen.get(base, 0)
        seen[base] = k + 1
        cases.append({
            "id": base if k == 0 else f"{base}#{k}",
            "class": c["cls"],
            "kwargs": c["kwargs"],
            "dtype": dtype,
            "other_eval_max_abs_diff": max(x for x in spread),
            "steps": steps,
            "values": floats(vals),
            "values_eager": values_eager,
        })
    write("keras", {
        "library": "keras",
        "version": keras.__version__,
        "backend": keras.backend.backend(),
        "floatx": keras.backend.floatx(),
        "note": "values[i] = jax.jit(keras.optimizers.schedules.<class>(**kwargs))"
                "(steps[i]) with steps[i] a scalar int32 (what a jitted Keras train "
                "step sees); dtype is the result dtype. other_eval_max_abs_diff: "
                "largest absolute difference from calling the schedule eagerly "
                "with a Python int (sampled steps) or once on an int32 array of all "
                "the steps (where the schedule accepts arrays). values_eager: that "
                "eager int32-array call (null where arrays are rejected): no XLA "
                "fusion, so closer to the written formula (see NOTES.md: jit can "
                "turn x / T into x * (1 / T)).",
        "cases": cases,
    })


# --------------------------------------------------------------------------- #
# transformers
# --------------------------------------------------------------------------- #
HF_FUNCS = {
    "linear": "get_linear_schedule_with_warmup",
    "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup",
    "constant_with_warmup": "get_constant_schedule_with_warmup",
    "inverse_sqrt": "get_inverse_sqrt_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "warmup_stable_decay": "get_wsd_schedule",
}


def hf_cases():
    C = []

    def add(name, lr, kwargs, n, keys=()):
        C.append(dict(name=name, lr=lr, kwargs=kwargs, n=n, keys=list(keys)))

    for w, n in [(0, 100), (10, 100), (100, 1000), (7, 53), (2000, 20000)]:
        add("linear", 0.1, {"num_warmup_steps": w, "num_training_steps": n}, n, [w])
    for w, n, cyc in [(0, 100, None), (10, 100, None), (50, 1000, None),
                      (5, 37, 0.5), (10, 100, 1.0), (10, 100, 0.25),
                      (2000, 50000, None)]:
        kw = {"num_warmup_steps": w, "num_training_steps": n}
        if cyc is not None:
            kw["num_cycles"] = cyc
        add("cosine", 3e-4, kw, n, [w])
    for w, n, cyc in [(10, 100, 1), (10, 100, 2), (0, 90, 3), (50, 1000, 3),
                      (0, 100, 1), (7, 61, 2), (1000, 30000, 5)]:
        per = (n - w) / cyc
        add("cosine_with_restarts", 0.1,
            {"num_warmup_steps": w, "num_training_steps": n, "num_cycles": cyc}, n,
            [w] + [w + per * i for i in range(1, cyc + 1)])
    for w, n, lr_end, power in [(10, 100, 1e-7, 1.0), (10, 100, 1e-4, 2.0),
                                (0, 100, 0.01, 1.0), (20, 200, 0.001, 0.5),
                                (5, 40, 0.0, 3.0)]:
        add("polynomial", 0.1, {"num_warmup_steps": w, "num_training_steps": n,
                                "lr_end": lr_end, "power": power}, n, [w])
    add("polynomial", 0.1, {"num_warmup_steps": 10, "num_training_steps": 100}, 100)
    for w, n in [(0, 20), (10, 50), (100, 300)]:
        add("constant_with_warmup", 0.1, {"num_warmup_steps": w}, n, [w])
    for w, ts, n in [(10, None, 200), (100, None, 2000), (10, 50, 300),
                     (0, None, 30000), (1000, 500, 20000), (1, None, 50)]:
        kw = {"num_warmup_steps": w}
        if ts is not None:
            kw["timescale"] = ts
        add("inverse_sqrt", 1e-3, kw, n, [w])
    for kw in [
        {"num_warmup_steps": 10, "num_training_steps": 100, "min_lr": 1e-5},
        {"num_warmup_steps": 0, "num_training_steps": 100, "min_lr_rate": 0.1},
        {"num_warmup_steps": 20, "num_training_steps": 200, "min_lr_rate": 0.05,
         "num_cycles": 1.0},
        {"num_warmup_steps": 100, "num_training_steps": 1000, "min_lr": 1e-4},
        {"num_warmup_steps": 2000, "num_training_steps": 50000, "min_lr_rate": 0.1},
    ]:
        add("cosine_with_min_lr", 1e-3, kw, kw["num_training_steps"],
            [kw["num_warmup_steps"]])
    for dt in ("linear", "cosine", "1-sqrt"):
        for mr in (0.0, 0.1):
            add("warmup_stable_decay", 0.1,
                {"num_warmup_steps": 10, "num_decay_steps": 20,
                 "num_training_steps": 100, "decay_type": dt, "min_lr_ratio": mr},
                100, [10, 80])
    add("warmup_stable_decay", 0.1,
        {"num_warmup_steps": 5, "num_decay_steps": 15, "num_stable_steps": 30,
         "decay_type": "linear", "min_lr_ratio": 0.0}, 50, [5, 35])
    add("warmup_stable_decay", 0.1,
        {"num_warmup_steps": 10, "num_decay_steps": 30, "num_training_steps": 100,
         "warmup_type": "cosine", "decay_type": "cosine", "min_lr_ratio": 0.01}, 100,
        [10, 70])
    add("warmup_stable_decay", 0.1,
        {"num_warmup_steps": 10, "num_decay_steps": 30, "num_training_steps": 100,
         "warmup_type": "1-sqrt", "decay_type": "1-sqrt", "min_lr_ratio": 0.0}, 100,
        [10, 70])
    add("warmup_stable_decay", 3e-4,
        {"num_warmup_steps": 2000, "num_decay_steps": 10000,
         "num_training_steps": 100000, "decay_type": "1-sqrt", "min_lr_ratio": 0.1},
        100000, [2000, 90000])
    add("warmup_stable_decay", 0.1,
        {"num_warmup_steps": 0, "num_decay_steps": 50, "num_training_steps": 100,
         "decay_type": "cosine", "min_lr_ratio": 0.0}, 100, [50])
    return C


def gen_transformers():
    import torch
    import transformers

    cases = []
    seen = {}
    for c in hf_cases():
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=c["lr"])
        sched = getattr(transformers, HF_FUNCS[c["name"]])(opt, **c["kwargs"])
        g = opt.param_groups[0]
        lrs = [g["lr"]]
        for _ in range(c["n"]):
            opt.step()
            sched.step()
            lrs.append(g["lr"])
        steps = pick_steps(c["n"], c["keys"])
        base = c["name"] + ":" + json.dumps(c["kwargs"], sort_keys=True,
                                            separators=(",", ":"))
        k = seen.get(base, 0)
        seen[base] = k + 1
        cases.append({
            "id": base if k == 0 else f"{base}#{k}",
            "name": c["name"],
            "function": HF_FUNCS[c["name"]],
            "lr": c["lr"],
            "kwargs": c["kwargs"],
            "steps": steps,
            "values": floats(lrs[s] for s in steps),
        })
    write("transformers", {
        "library": "transformers",
        "version": transformers.__version__,
        "torch_version": torch.__version__,
        "note": "values[i] = optimizer lr after steps[i] calls of scheduler.step() "
                "for transformers.<function>(SGD(lr=lr), **kwargs).",
        "cases": cases,
    })


# --------------------------------------------------------------------------- #
# optax
# --------------------------------------------------------------------------- #
def optax_cases():
    C = []

    def add(fn, kwargs, n, keys=()):
        C.append(dict(fn=fn, kwargs=kwargs, n=n, keys=list(keys)))

    add("constant_schedule", {"value": 0.1}, 10)
    add("constant_schedule", {"value": 3.0}, 5)

    add("linear_schedule", {"init_value": 1.0, "end_value": 0.0,
                            "transition_steps": 100}, 150)
    add("linear_schedule", {"init_value": 0.0, "end_value": 1.0,
                            "transition_steps": 10, "transition_begin": 5}, 30)
    add("linear_schedule", {"init_value": 0.1, "end_value": 0.5,
                            "transition_steps": 7, "transition_begin": 3}, 20)
    add("linear_schedule", {"init_value": 0.1, "end_value": 0.5,
                            "transition_steps": 0}, 5)
    add("linear_schedule", {"init_value": 1e-6, "end_value": 3e-4,
                            "transition_steps": 100000}, 120000, [100000])

    add("polynomial_schedule", {"init_value": 1.0, "end_value": 0.01, "power": 2,
                                "transition_steps": 100}, 150)
    add("polynomial_schedule", {"init_value": 1.0, "end_value": 0.0, "power": 0.5,
                                "transition_steps": 100, "transition_begin": 10}, 150)
    add("polynomial_schedule", {"init_value": 0.1, "end_value": 0.001, "power": 1,
                                "transition_steps": 50}, 60)
    add("polynomial_schedule", {"init_value": 0.1, "end_value": 0.2, "power": 3.0,
                                "transition_steps": 13, "transition_begin": 2}, 20)
    add("polynomial_schedule", {"init_value": 0.1, "end_value": 0.2, "power": 1.0,
                                "transition_steps": 0}, 5)

    add("piecewise_constant_schedule", {"init_value": 1.0,
                                        "boundaries_and_scales": [[10, 0.5], [20, 0.1]]}, 30)
    add("piecewise_constant_schedule", {"init_value": 0.1,
                                        "boundaries_and_scales": [[0, 0.5], [5, 2.0],
                                                                  [15, 0.25]]}, 20)
    add("piecewise_constant_schedule", {"init_value": 0.5,
                                        "boundaries_and_scales": None}, 5)
    add("piecewise_constant_schedule", {"init_value": 0.1,
                                        "boundaries_and_scales": [[30, 0.1], [10, 0.1]]}, 40)
    add("piecewise_constant_schedule", {
        "init_value": 1.0,
        "boundaries_and_scales": [[10 * (i + 1), 0.97 if i % 3 else 1.05]
                                  for i in range(100)]}, 1100)
    add("piecewise_constant_schedule", {
        "init_value": 0.1,
        "boundaries_and_scales": [[1000 * (i + 1), 0.9] for i in range(100)]},
        101000, [1000 * (i + 1) for i in range(100)])

    for kind in ("linear", "cosine"):
        add("piecewise_interpolate_schedule", {
            "interpolate_type": kind, "init_value": 1.0,
            "boundaries_and_scales": [[10, 0.5], [30, 0.2], [60, 2.0]]}, 80)
        add("piecewise_interpolate_schedule", {
            "interpolate_type": kind, "init_value": 0.1,
            "boundaries_and_scales": [[0, 2.0], [5, 0.5], [6, 1.0]]}, 10)
        add("piecewise_interpolate_schedule", {
            "interpolate_type": kind, "init_value": 0.5,
            "boundaries_and_scales": None}, 5)
        add("piecewise_interpolate_schedule", {
            "interpolate_type": kind, "init_value": 1.0,
            "boundaries_and_scales": [[20 * (i + 1), 0.9 if i % 2 else 1.1]
                                      for i in range(100)]}, 2100)

    add("exponential_decay", {"init_value": 1.0, "transition_steps": 10,
                              "decay_rate": 0.9}, 100)
    add("exponential_decay", {"init_value": 1.0, "transition_steps": 10,
                              "decay_rate": 0.9, "staircase": True}, 100)
    add("exponential_decay", {"init_value": 1.0, "transition_steps": 10,
                              "decay_rate": 0.9, "transition_begin": 20}, 100)
    add("exponential_decay", {"init_value": 1.0, "transition_steps": 5,
                              "decay_rate": 0.9, "end_value": 0.3}, 100)
    add("exponential_decay", {"init_value": 0.1, "transition_steps": 5,
                              "decay_rate": 1.1, "end_value": 0.5}, 100)
    add("exponential_decay", {"init_value": 0.1, "transition_steps": 5,
                              "decay_rate": 1.1}, 60)
    add("exponential_decay", {"init_value": 1.0, "transition_steps": 7,
                              "decay_rate": 0.5, "transition_begin": 3,
                              "staircase": True, "end_value": 0.01}, 80)
    add("exponential_decay", {"init_value": 0.5, "transition_steps": 1,
                              "decay_rate": 0.99}, 500)
    add("exponential_decay", {"init_value": 0.01, "transition_steps": 1000,
                              "decay_rate": 0.5, "staircase": True}, 100000,
        [1000 * i for i in range(1, 101)])

    add("cosine_decay_schedule", {"init_value": 1.0, "decay_steps": 100}, 150)
    add("cosine_decay_schedule", {"init_value": 1.0, "decay_steps": 100,
                                  "alpha": 0.1}, 150)
    add("cosine_decay_schedule", {"init_value": 1.0, "decay_steps": 100,
                                  "exponent": 2.0}, 150)
    add("cosine_decay_schedule", {"init_value": 0.5, "decay_steps": 37,
                                  "alpha": 0.05, "exponent": 0.5}, 60)
    add("cosine_decay_schedule", {"init_value": 0.1, "decay_steps": 1000}, 1200)
    add("cosine_decay_schedule", {"init_value": 3e-4, "decay_steps": 200000,
                                  "alpha": 0.1}, 250000, [200000])

    add("warmup_constant_schedule", {"init_value": 0.0, "peak_value": 1.0,
                                     "warmup_steps": 10}, 30)
    add("warmup_constant_schedule", {"init_value": 0.1, "peak_value": 0.5,
                                     "warmup_steps": 100}, 150)

    for kw, n in [
        ({"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 10,
          "decay_steps": 100}, 120),
        ({"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 10,
          "decay_steps": 100, "end_value": 0.1}, 120),
        ({"init_value": 0.01, "peak_value": 0.1, "warmup_steps": 20,
          "decay_steps": 100, "end_value": 0.001, "exponent": 2.0}, 120),
        ({"init_value": 0.1, "peak_value": 0.1, "warmup_steps": 0,
          "decay_steps": 50}, 60),
        ({"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 7,
          "decay_steps": 33, "exponent": 0.5}, 40),
        ({"init_value": 1e-7, "peak_value": 3e-4, "warmup_steps": 2000,
          "decay_steps": 100000, "end_value": 3e-5}, 110000),
    ]:
        add("warmup_cosine_decay_schedule", kw, n, [kw["warmup_steps"], kw["decay_steps"]])

    for kw, n in [
        ({"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 10,
          "transition_steps": 20, "decay_rate": 0.5}, 100),
        ({"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 10,
          "transition_steps": 20, "decay_rate": 0.5, "staircase": True}, 100),
        ({"init_value": 0.1, "peak_value": 1.0, "warmup_steps": 10,
          "transition_steps": 5, "decay_rate": 0.8, "transition_begin": 5,
          "end_value": 0.2}, 100),
        ({"init_value": 0.0, "peak_value": 0.01, "warmup_steps": 5,
          "transition_steps": 3, "decay_rate": 1.2, "end_value": 0.05}, 60),
    ]:
        add("warmup_exponential_decay_schedule", kw, n, [kw["warmup_steps"]])

    for kw, n in [
        ({"transition_steps": 100, "peak_value": 1.0}, 120),
        ({"transition_steps": 97, "peak_value": 0.1, "pct_start": 0.25,
          "pct_final": 0.9, "div_factor": 10.0, "final_div_factor": 100.0}, 110),
        ({"transition_steps": 1000, "peak_value": 0.01, "pct_start": 0.45,
          "pct_final": 0.9}, 1100),
    ]:
        T = kw["transition_steps"]
        add("linear_onecycle_schedule", kw, n,
            [kw.get("pct_start", 0.3) * T, kw.get("pct_final", 0.85) * T, T])
    for kw, n in [
        ({"transition_steps": 100, "peak_value": 1.0}, 120),
        ({"transition_steps": 97, "peak_value": 0.1, "pct_start": 0.45,
          "div_factor": 10.0, "final_div_factor": 1000.0}, 110),
        ({"transition_steps": 1000, "peak_value": 0.01}, 1100),
        ({"transition_steps": 33, "peak_value": 0.5, "pct_start": 0.25}, 40),
    ]:
        T = kw["transition_steps"]
        add("cosine_onecycle_schedule", kw, n, [kw.get("pct_start", 0.3) * T, T])

    def sg(kws):
        return {"cosine_kwargs": kws}

    c3 = [{"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 5,
           "decay_steps": 50, "end_value": 0.0}] * 3
    add("sgdr_schedule", sg(c3), 170, [50, 100, 150])
    cv = [{"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 5,
           "decay_steps": 20},
          {"init_value": 0.1, "peak_value": 0.5, "warmup_steps": 10,
           "decay_steps": 40, "end_value": 0.01},
          {"init_value": 0.0, "peak_value": 0.25, "warmup_steps": 0,
           "decay_steps": 80, "end_value": 0.0, "exponent": 2.0}]
    add("sgdr_schedule", sg(cv), 160, [20, 60, 140])
    c50 = [{"init_value": 0.0, "peak_value": 0.1 * 0.95 ** i, "warmup_steps": 2,
            "decay_steps": 20 + i, "end_value": 1e-4} for i in range(50)]
    b = np.cumsum([d["decay_steps"] for d in c50]).tolist()
    add("sgdr_schedule", sg(c50), b[-1] + 20, b)
    c1 = [{"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 3,
           "decay_steps": 10}]
    add("sgdr_schedule", sg(c1), 15, [10])

    def ch(fn, **kw):
        return {"function": fn, "kwargs": kw}

    add("join_schedules", {"schedules": [
        ch("linear_schedule", init_value=0.0, end_value=1.0, transition_steps=10),
        ch("cosine_decay_schedule", init_value=1.0, decay_steps=90)],
        "boundaries": [10]}, 120)
    add("join_schedules", {"schedules": [
        ch("constant_schedule", value=0.1),
        ch("exponential_decay", init_value=0.1, transition_steps=5, decay_rate=0.9),
        ch("linear_schedule", init_value=0.01, end_value=0.0, transition_steps=20)],
        "boundaries": [10, 40]}, 70)
    add("join_schedules", {"schedules": [
        ch("constant_schedule", value=1.0),
        ch("piecewise_constant_schedule", init_value=0.5,
           boundaries_and_scales=[[5, 0.5]])],
        "boundaries": [0]}, 15)
    add("join_schedules", {"schedules": [
        ch("warmup_cosine_decay_schedule", init_value=0.0, peak_value=1.0,
           warmup_steps=5, decay_steps=30),
        ch("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.5,
           warmup_steps=5, decay_steps=30),
        ch("constant_schedule", value=0.01)],
        "boundaries": [20, 45]}, 60)
    return C


def optax_schedule(fn, kwargs):
    import optax

    kw = dict(kwargs)
    if "boundaries_and_scales" in kw and kw["boundaries_and_scales"] is not None:
        kw["boundaries_and_scales"] = {int(b): s for b, s in kw["boundaries_and_scales"]}
    if fn == "join_schedules":
        kw["schedules"] = [optax_schedule(c["function"], c["kwargs"])
                           for c in kw["schedules"]]
    return getattr(optax.schedules, fn)(**kw)


def gen_optax():
    import jax
    import jax.numpy as jnp
    import optax

    cases = []
    seen = {}
    for c in optax_cases():
        sched = optax_schedule(c["fn"], c["kwargs"])
        steps = pick_steps(c["n"], c["keys"])
        # Canonical values: the schedule jitted on a scalar int32 step (what an
        # optimizer update sees), called once per step.  Evaluating an int32
        # array in one call, or eagerly op by op, may round differently in the
        # last place; the spread is recorded for the tests' tolerance.
        f = jax.jit(sched)
        scal = [np.asarray(f(jnp.int32(s))) for s in steps]
        dtype = str(scal[0].dtype)
        vals = np.array([float(v) for v in scal])
        eager = [float(np.asarray(sched(jnp.int32(s)))) for s in steps]
        spread = [spread_of(vals, eager)]
        try:
            arr = np.broadcast_to(
                np.asarray(jax.jit(sched)(jnp.asarray(steps, dtype=jnp.int32))),
                (len(steps),))
            spread.append(spread_of(vals, arr))
        except Exception:  # piecewise_interpolate_schedule: scalar steps only
            pass
        base = c["fn"] + ":" + json.dumps(c["kwargs"], sort_keys=True,
                                          separators=(",", ":"))
        k = seen.get(base, 0)
        seen[base] = k + 1
        cases.append({
            "id": base if k == 0 else f"{base}#{k}",
            "function": c["fn"],
            "kwargs": c["kwargs"],
            "dtype": dtype,
            "other_eval_max_abs_diff": max(x for x in spread),
            "steps": steps,
            "values": floats(vals),
            "values_eager": floats(eager),
        })
    write("optax", {
        "library": "optax",
        "version": optax.__version__,
        "jax_version": jax.__version__,
        "x64": bool(jax.config.jax_enable_x64),
        "note": "values[i] = jax.jit(optax.schedules.<function>(**kwargs))(steps[i]) "
                "with steps[i] a scalar int32, x64 disabled. other_eval_max_abs_diff: "
                "largest absolute difference from evaluating an int32 array of the "
                "steps in one call (where accepted), or eagerly. values_eager: "
                "the schedule called eagerly (no jit) on each scalar int32 step: "
                "no XLA fusion, so closer to the written formula (see NOTES.md). "
                "boundaries_and_scales is stored "
                "as a list of [boundary, scale] pairs (pass dict(pairs) to optax); "
                "join_schedules children are {function, kwargs}.",
        "cases": cases,
    })


GENERATORS = {
    "torch": gen_torch,
    "keras": gen_keras,
    "transformers": gen_transformers,
    "optax": gen_optax,
}


def main(argv):
    # Set here, not at import time: pytest --doctest-modules imports this file.
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    warnings.simplefilter("ignore")
    names = argv or list(GENERATORS)
    for n in names:
        GENERATORS[n]()


if __name__ == "__main__":
    main(sys.argv[1:])
