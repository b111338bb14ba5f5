"""Golden curves for compat.transformers, compat.deepspeed and the rest of compat.torch.

Runs the real libraries and writes ``transformers_scheduler.json``,
``deepspeed.json`` and ``torch_extra.json`` next to this file (schemas in
README.md). Nothing here is computed by hand: every value is what the library's
scheduler left in the optimizer.

How to run (from the repository root)::

    python -m venv /work/goldenv
    /work/goldenv/bin/pip install torch==2.13.0            # CPU wheel, first
    DS_BUILD_OPS=0 /work/goldenv/bin/pip install transformers==5.23.0 deepspeed==0.19.8
    /work/goldenv/bin/python tests/golden/generate_transformers_deepspeed.py
    /work/goldenv/bin/python tests/golden/generate_transformers_deepspeed.py deepspeed

DeepSpeed imports and runs its schedulers on CPU (it only warns that no
accelerator was found); no ops are built.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import floats, pick_steps, write  # noqa: E402  (same folder)


def _cid(prefix, kw):
    return prefix + ":" + json.dumps(kw, sort_keys=True, separators=(",", ":"))


def _optimizer(lr, adam=False):
    import torch
    p = torch.nn.Parameter(torch.zeros(1))
    if adam:
        return torch.optim.Adam([p], lr=lr)
    return torch.optim.SGD([p], lr=lr)


def _run(opt, sched, n, metrics=None):
    g = opt.param_groups[0]
    lrs, moms = [float(g["lr"])], [float(g["betas"][0]) if "betas" in g else None]
    for i in range(n):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        lrs.append(float(g["lr"]))
        moms.append(float(g["betas"][0]) if "betas" in g else None)
    return lrs, moms


# --------------------------------------------------------------------------- #
# transformers: get_scheduler(name, optimizer, ...) for every step-driven name
# --------------------------------------------------------------------------- #
PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.8, 0.85, 0.86, 0.87, 0.88,
                   0.89, 0.9, 0.91, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]


def hf_cases():
    C = []

    def add(name, w=None, n=None, kw=None, horizon=None, lr=0.1, keys=()):
        C.append(dict(name=name, lr=lr, num_warmup_steps=w, num_training_steps=n,
                      scheduler_specific_kwargs=kw, horizon=horizon, keys=list(keys)))

    add("constant", horizon=20)
    add("constant", 5, 50, horizon=20)
    for w in (0, 1, 10):
        add("constant_with_warmup", w, horizon=40)
    for w, n in [(0, 100), (10, 100), (7, 53), (100, 1000), (20, 10), (1, 2)]:
        add("linear", w, n, horizon=n + 10, keys=[w, n])
    for w, n, c in [(0, 100, None), (10, 100, None), (5, 37, 0.5), (10, 100, 1.0),
                    (10, 100, 0.25), (10, 100, 1.5), (13, 77, 0.3), (2000, 20000, None)]:
        add("cosine", w, n, None if c is None else {"num_cycles": c}, lr=3e-4,
            horizon=n + n // 3, keys=[w, n])
    for w, n, c in [(10, 100, 1), (10, 100, 2), (0, 90, 3), (7, 61, 2), (50, 1000, 3),
                    (10, 100, 1.5), (0, 100, 1)]:
        per = (n - w) / c
        add("cosine_with_restarts", w, n, {"num_cycles": c}, horizon=n + 10,
            keys=[w + per * i for i in range(int(c) + 1)] + [n])
    for w, n, end, p in [(10, 100, 1e-7, 1.0), (10, 100, 1e-4, 2.0), (0, 100, 0.01, 1.0),
                         (20, 200, 0.001, 0.5), (5, 40, 0.0, 3.0)]:
        add("polynomial", w, n, {"lr_end": end, "power": p}, horizon=n + 10, keys=[w, n])
    add("polynomial", 10, 100, None, horizon=110)
    for w, ts, hz in [(10, None, 300), (10, 50, 300), (0, None, 30000), (1, None, 50),
                      (1000, 500, 20000)]:
        add("inverse_sqrt", w, None, None if ts is None else {"timescale": ts},
            lr=1e-3, horizon=hz, keys=[w])
    for kw in [{"patience": 2, "factor": 0.5},
               {"mode": "max", "patience": 0, "threshold": 0.01, "cooldown": 1},
               {"patience": 1, "factor": 0.1, "min_lr": 0.002, "threshold_mode": "abs",
                "threshold": 0.05}]:
        add("reduce_lr_on_plateau", None, None, kw, horizon=len(PLATEAU_METRICS))
    for w, n, kw in [(10, 100, {"min_lr": 1e-5}), (0, 100, {"min_lr_rate": 0.1}),
                     (20, 200, {"min_lr_rate": 0.05, "num_cycles": 1.0}),
                     (100, 1000, {"min_lr": 1e-4})]:
        add("cosine_with_min_lr", w, n, kw, lr=1e-3, horizon=n + 30, keys=[w, n])
    for w, n, kw in [(10, 100, {"min_lr_rate": 0.1}),
                     (10, 100, {"min_lr": 1e-5, "warmup_lr_rate": 0.1}),
                     (0, 50, {"min_lr_rate": 0.0}),
                     (1, 30, {"min_lr_rate": 0.1, "warmup_lr_rate": 0.2}),
                     (1, 30, {"min_lr_rate": 0.1}),
                     (5, 60, {"min_lr_rate": 0.05, "num_cycles": 1.0})]:
        add("cosine_warmup_with_min_lr", w, n, kw, lr=1e-3, horizon=n + 30, keys=[w, n])
    for dt in ("linear", "cosine", "1-sqrt"):
        for mr in (0.0, 0.1):
            add("warmup_stable_decay", 10, 100,
                {"num_decay_steps": 20, "decay_type": dt, "min_lr_ratio": mr},
                horizon=110, keys=[10, 80, 100])
    for wt in ("cosine", "1-sqrt"):
        add("warmup_stable_decay", 10, 100,
            {"num_decay_steps": 30, "warmup_type": wt, "decay_type": "cosine",
             "min_lr_ratio": 0.01, "num_cycles": 1.0}, horizon=110, keys=[10, 70, 100])
    add("warmup_stable_decay", 5, None,
        {"num_decay_steps": 15, "num_stable_steps": 30, "decay_type": "linear"},
        horizon=60, keys=[5, 35, 50])
    add("warmup_stable_decay", 0, 100, {"num_decay_steps": 50}, horizon=110,
        keys=[0, 50, 100])
    add("warmup_stable_decay", 2000, 100000,
        {"num_decay_steps": 10000, "decay_type": "1-sqrt", "min_lr_ratio": 0.1},
        lr=3e-4, horizon=100000, keys=[2000, 90000, 100000])
    return C


def gen_transformers():
    import torch
    import transformers
    from transformers.optimization import get_scheduler

    cases, seen = [], {}
    for c in hf_cases():
        opt = _optimizer(c["lr"])
        sched = get_scheduler(c["name"], opt, num_warmup_steps=c["num_warmup_steps"],
                              num_training_steps=c["num_training_steps"],
                              scheduler_specific_kwargs=c["scheduler_specific_kwargs"])
        metrics = PLATEAU_METRICS if c["name"] == "reduce_lr_on_plateau" else None
        lrs, _ = _run(opt, sched, c["horizon"], metrics)
        steps = pick_steps(c["horizon"], c["keys"])
        args = {k: c[k] for k in ("num_warmup_steps", "num_training_steps",
                                  "scheduler_specific_kwargs")}
        base = _cid(c["name"], args) + f"@{c['lr']}"
        k = seen.get(base, 0)
        seen[base] = k + 1
        case = {"id": base if k == 0 else f"{base}#{k}", "name": c["name"],
                "lr": c["lr"], **args, "steps": steps,
                "values": floats(lrs[s] for s in steps)}
        if metrics is not None:
            case["metrics"] = metrics
        cases.append(case)
    write("transformers_scheduler", {
        "library": "transformers", "version": transformers.__version__,
        "torch_version": torch.__version__,
        "note": "values[i] = SGD(lr=lr) lr after steps[i] calls of scheduler.step() "
                "(step(metrics[j]) for reduce_lr_on_plateau) for transformers."
                "get_scheduler(name, optimizer, num_warmup_steps, num_training_steps, "
                "scheduler_specific_kwargs).",
        "cases": cases})


# --------------------------------------------------------------------------- #
# DeepSpeed: deepspeed.runtime.lr_schedules, with the JSON config's params
# --------------------------------------------------------------------------- #
def ds_cases():
    C = []

    def add(type_, params, n, lr=0.1, keys=()):
        C.append(dict(type=type_, params=params, n=n, lr=lr, keys=list(keys)))

    for p in [{}, {"warmup_type": "linear"},
              {"warmup_min_lr": 1e-5, "warmup_max_lr": 0.01, "warmup_num_steps": 10},
              {"warmup_min_lr": 1e-3, "warmup_max_lr": 0.1, "warmup_num_steps": 7,
               "warmup_type": "linear"},
              {"warmup_max_lr": 0.05, "warmup_num_steps": 1},
              {"warmup_max_lr": 0.05, "warmup_num_steps": 2, "warmup_type": "linear"},
              {"warmup_min_lr": 0.001, "warmup_num_steps": 20}]:
        w = p.get("warmup_num_steps", 1000)
        add("WarmupLR", p, max(w + 30, 40), keys=[w])
    for p in [{"total_num_steps": 100, "warmup_num_steps": 10},
              {"total_num_steps": 100, "warmup_num_steps": 10, "warmup_type": "linear",
               "warmup_min_lr": 1e-4, "warmup_max_lr": 0.01},
              {"total_num_steps": 50, "warmup_num_steps": 50},
              {"total_num_steps": 30, "warmup_num_steps": 40, "warmup_type": "linear"},
              {"total_num_steps": 3000, "warmup_num_steps": 300}]:
        t, w = p["total_num_steps"], p["warmup_num_steps"]
        add("WarmupDecayLR", p, max(t, w) + 20, keys=[w, t])
    for p in [{"total_num_steps": 100, "warmup_num_steps": 10},
              {"total_num_steps": 100, "warmup_num_steps": 10, "warmup_type": "linear",
               "warmup_min_ratio": 0.1, "cos_min_ratio": 0.01},
              {"total_num_steps": 10, "warmup_num_steps": 20},
              {"total_num_steps": 300, "warmup_num_steps": 1, "cos_min_ratio": 0.0},
              {"total_num_steps": 5000, "warmup_num_steps": 500, "warmup_type": "linear"}]:
        t, w = p["total_num_steps"], p["warmup_num_steps"]
        add("WarmupCosineLR", p, max(t, w) + 20, lr=0.01, keys=[w, t])
    for p in [{"cycle_min_lr": 0.001, "cycle_max_lr": 0.01, "cycle_first_step_size": 10},
              {"cycle_min_lr": 0.001, "cycle_max_lr": 0.01, "cycle_first_step_size": 10,
               "cycle_second_step_size": 20, "decay_lr_rate": 0.1, "decay_step_size": 5},
              {"cycle_min_lr": 0.0, "cycle_max_lr": 1.0, "cycle_first_step_size": 10,
               "cycle_second_step_size": 15, "cycle_first_stair_count": 5,
               "cycle_second_stair_count": 3},
              {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 12,
               "cycle_first_stair_count": 4, "decay_lr_rate": 0.5,
               "decay_step_size": 10, "decay_mom_rate": 0.01},
              {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 7,
               "cycle_second_step_size": 3, "decay_step_size": 4, "decay_mom_rate": 0.02,
               "cycle_min_mom": 0.85, "cycle_max_mom": 0.95},
              {"cycle_min_lr": 0.0001, "cycle_max_lr": 0.001, "cycle_first_step_size": 1000,
               "decay_lr_rate": 0.001, "decay_step_size": 1000},
              {"cycle_min_lr": 0.001, "cycle_max_lr": 0.01, "cycle_first_step_size": 5,
               "cycle_momentum": False}]:
        up = p["cycle_first_step_size"]
        total = up + p.get("cycle_second_step_size", up)
        add("OneCycle", p, int(total) + 60, keys=[up, total])
    for p in [{}, {"lr_range_test_min_lr": 1e-3, "lr_range_test_step_size": 10},
              {"lr_range_test_min_lr": 1e-4, "lr_range_test_step_size": 7,
               "lr_range_test_step_rate": 0.5, "lr_range_test_staircase": True},
              {"lr_range_test_min_lr": 1e-5, "lr_range_test_step_size": 100,
               "lr_range_test_step_rate": 5.0, "lr_range_test_staircase": False}]:
        size = p.get("lr_range_test_step_size", 2000)
        add("LRRangeTest", p, 300 if size < 1000 else 5000,
            keys=[size * i for i in range(1, 4)])
    return C


def gen_deepspeed():
    import deepspeed
    import torch
    from deepspeed.runtime import lr_schedules as L

    cases, seen = [], {}
    for c in ds_cases():
        opt = _optimizer(c["lr"], adam=True)
        sched = getattr(L, c["type"])(opt, **c["params"])
        lrs, moms = _run(opt, sched, c["n"])
        steps = pick_steps(c["n"], c["keys"])
        base = _cid(c["type"], c["params"])
        k = seen.get(base, 0)
        seen[base] = k + 1
        case = {"id": base if k == 0 else f"{base}#{k}", "type": c["type"],
                "params": c["params"], "optimizer_lr": c["lr"], "steps": steps,
                "values": floats(lrs[s] for s in steps)}
        if c["type"] == "OneCycle" and c["params"].get("cycle_momentum", True):
            case["momentum_values"] = floats(moms[s] for s in steps)
        cases.append(case)
    write("deepspeed", {
        "library": "deepspeed", "version": deepspeed.__version__,
        "torch_version": torch.__version__,
        "note": "values[i] = Adam(lr=optimizer_lr) lr after steps[i] calls of "
                "scheduler.step() for deepspeed.runtime.lr_schedules.<type>(optimizer, "
                "**params); momentum_values: betas[0] at the same steps.",
        "cases": cases})


# --------------------------------------------------------------------------- #
# PyTorch: MultiplicativeLR, ChainedScheduler, SWALR
# --------------------------------------------------------------------------- #
FACTORS = {
    "const_0.95": lambda k: 0.95,
    "every10_0.5": lambda k: 0.5 if k % 10 == 0 else 1.0,
    "lin_0.002": lambda k: 1.0 - 0.002 * k,
}


def torch_extra_cases():
    C = []

    def add(cls, lr, kwargs, n, keys=()):
        C.append(dict(cls=cls, lr=lr, kwargs=kwargs, n=n, keys=list(keys)))

    for name in FACTORS:
        add("MultiplicativeLR", 0.1, {"lr_lambda": name}, 200)
    S = lambda cls, **kw: {"class": cls, "kwargs": kw}  # noqa: E731
    for scheds in [[S("ConstantLR", factor=0.1, total_iters=2), S("ExponentialLR", gamma=0.9)],
                   [S("LinearLR", start_factor=0.1, total_iters=10),
                    S("StepLR", step_size=5, gamma=0.5)],
                   [S("MultiStepLR", milestones=[10, 20], gamma=0.5),
                    S("ExponentialLR", gamma=0.99)],
                   [S("LinearLR", start_factor=0.5, total_iters=4),
                    S("PolynomialLR", total_iters=30, power=2.0),
                    S("ConstantLR", factor=0.5, total_iters=7)]]:
        add("ChainedScheduler", 0.1, {"schedulers": scheds}, 60)
    for lr, kw in [(0.1, {"swa_lr": 0.01}), (0.1, {"swa_lr": 0.01, "anneal_strategy": "linear"}),
                   (0.1, {"swa_lr": 0.02, "anneal_epochs": 0}),
                   (0.1, {"swa_lr": 0.02, "anneal_epochs": 1}),
                   (0.05, {"swa_lr": 0.2, "anneal_epochs": 7, "anneal_strategy": "cos"}),
                   (0.05, {"swa_lr": 0.2, "anneal_epochs": 25, "anneal_strategy": "linear"})]:
        add("SWALR", lr, kw, 40, [kw.get("anneal_epochs", 10)])
    return C


def _torch_build(opt, cls, kwargs):
    from torch.optim import lr_scheduler as L
    from torch.optim.swa_utils import SWALR

    kw = dict(kwargs)
    if cls == "MultiplicativeLR":
        kw["lr_lambda"] = FACTORS[kw["lr_lambda"]]
    if cls == "ChainedScheduler":
        return L.ChainedScheduler([_torch_build(opt, c["class"], c["kwargs"])
                                   for c in kw["schedulers"]])
    if cls == "SWALR":
        return SWALR(opt, **kw)
    return getattr(L, cls)(opt, **kw)


def gen_torch_extra():
    import torch

    cases = []
    for c in torch_extra_cases():
        opt = _optimizer(c["lr"])
        sched = _torch_build(opt, c["cls"], c["kwargs"])
        lrs, _ = _run(opt, sched, c["n"])
        steps = pick_steps(c["n"], c["keys"])
        cases.append({"id": _cid(c["cls"], c["kwargs"]) + f"@{c['lr']}", "class": c["cls"],
                      "lr": c["lr"], "kwargs": c["kwargs"], "steps": steps,
                      "values": floats(lrs[s] for s in steps)})
    write("torch_extra", {
        "library": "torch", "version": torch.__version__,
        "note": "values[i] = SGD(lr=lr) lr after steps[i] calls of scheduler.step(); "
                "MultiplicativeLR's lr_lambda is a name from FACTORS in "
                "generate_transformers_deepspeed.py; ChainedScheduler children share "
                "the optimizer.",
        "factors": {"const_0.95": "0.95", "every10_0.5": "0.5 if k % 10 == 0 else 1.0",
                    "lin_0.002": "1 - 0.002 k"},
        "cases": cases})


GENERATORS = {"transformers": gen_transformers, "deepspeed": gen_deepspeed,
              "torch_extra": gen_torch_extra}


def main(argv):
    warnings.simplefilter("ignore")
    for n in argv or list(GENERATORS):
        GENERATORS[n]()


if __name__ == "__main__":
    main(sys.argv[1:])
