"""Generate golden curves from the real timm and fastai: ``timm.json``, ``fastai.json``.

Every number comes from running the library itself:

* timm: each scheduler is built on a ``torch.optim.SGD`` optimizer and stepped
  with ``scheduler.step(t)`` (``t_in_epochs=True``) or
  ``scheduler.step_update(t)`` (``False``); the value is
  ``optimizer.param_groups[0]["lr"]`` after that call. ``create_scheduler_v2``
  cases also store the ``num_epochs`` it returns. Noisy cases also store the
  same schedule without noise (``clean_values``), since jaxsched's noise is not
  torch's generator.
* fastai: ``fit_one_cycle``, ``fit_flat_cos`` and ``fit_sgdr`` run on a real
  ``Learner`` (a 1-parameter linear model on synthetic data, CPU) and the
  learning rate and momentum of every training batch are read from
  ``learn.recorder.hps``; ``Sched*`` and ``combine_scheds`` are called at a grid
  of positions; the ``lr_find`` suggestion functions (``valley``, ``slide``,
  ``minimum``, ``steep``) are called on synthetic loss curves, sliced as
  ``Learner.lr_find`` slices them (``[num_it // 10 : -5]``).

How to run (from the repository root)::

    python -m venv /work/goldenv
    /work/goldenv/bin/pip install torch==2.13.0          # CPU wheel, first
    /work/goldenv/bin/pip install timm --no-deps
    /work/goldenv/bin/pip install fastai --no-deps fastcore "fastprogress<1.0.4" \\
        fastdownload fasttransform "plum-dispatch<2.10" requests pyyaml pandas \\
        scipy matplotlib scikit-learn packaging
    /work/goldenv/bin/python tests/golden/generate_timm_fastai.py [timm] [fastai]

fastai is installed without its dependencies because ``torchvision`` does not
exist for this torch build; ``fastai.callback.schedule`` and ``fastai.learner``
import without it.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _write(name, payload):
    path = os.path.join(HERE, name)
    with open(path, "w") as fh:
        json.dump(payload, fh, indent=None, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path}: {len(payload['cases'])} cases")


def _id(name, kwargs):
    return f"{name}:{json.dumps(kwargs, sort_keys=True)}"


# --------------------------------------------------------------------------- #
# timm
# --------------------------------------------------------------------------- #
TIMM_CLASSES = [
    ("CosineLRScheduler", 0.1, dict(t_initial=50), 55),
    ("CosineLRScheduler", 0.1, dict(t_initial=40, lr_min=1e-4, warmup_t=5,
                                    warmup_lr_init=1e-5), 45),
    ("CosineLRScheduler", 0.1, dict(t_initial=40, lr_min=1e-4, warmup_t=5,
                                    warmup_lr_init=1e-5, warmup_prefix=True), 50),
    ("CosineLRScheduler", 0.05, dict(t_initial=20, cycle_limit=3, cycle_decay=0.5), 65),
    ("CosineLRScheduler", 0.05, dict(t_initial=10, cycle_mul=2.0, cycle_limit=4,
                                     cycle_decay=0.7, lr_min=1e-3), 155),
    ("CosineLRScheduler", 0.05, dict(t_initial=8, cycle_mul=1.5, cycle_limit=5), 110),
    ("CosineLRScheduler", 0.1, dict(t_initial=30, lr_min=0.01, k_decay=2.0), 33),
    ("CosineLRScheduler", 0.1, dict(t_initial=30, k_decay=0.5, cycle_limit=2), 63),
    ("CosineLRScheduler", 0.1, dict(t_initial=300, warmup_t=20, warmup_lr_init=1e-4,
                                    t_in_epochs=False), 305),
    ("CosineLRScheduler", 0.1, dict(t_initial=50, noise_range_t=[10, 30],
                                    noise_pct=0.2, noise_seed=3), 53),
    ("CosineLRScheduler", 0.1, dict(t_initial=50, noise_range_t=20, noise_pct=0.5,
                                    noise_std=0.5, warmup_t=4), 53),
    ("TanhLRScheduler", 0.1, dict(t_initial=40), 43),
    ("TanhLRScheduler", 0.1, dict(t_initial=40, lb=-5.0, ub=5.0, lr_min=1e-3,
                                  warmup_t=5, warmup_lr_init=1e-4), 45),
    ("TanhLRScheduler", 0.1, dict(t_initial=40, warmup_t=5, warmup_lr_init=1e-4,
                                  warmup_prefix=True), 48),
    ("TanhLRScheduler", 0.1, dict(t_initial=10, cycle_mul=2.0, cycle_limit=3,
                                  cycle_decay=0.5), 75),
    ("TanhLRScheduler", 0.1, dict(t_initial=15, cycle_limit=2, cycle_decay=0.5), 35),
    ("StepLRScheduler", 0.1, dict(decay_t=10, decay_rate=0.5), 45),
    ("StepLRScheduler", 0.1, dict(decay_t=2.4, decay_rate=0.8), 30),
    ("StepLRScheduler", 0.1, dict(decay_t=5, decay_rate=0.5, warmup_t=3,
                                  warmup_lr_init=1e-3), 25),
    ("StepLRScheduler", 0.1, dict(decay_t=5, decay_rate=0.5, warmup_t=3,
                                  warmup_lr_init=1e-3, warmup_prefix=False), 25),
    ("MultiStepLRScheduler", 0.1, dict(decay_t=[10, 25, 40], decay_rate=0.5), 45),
    ("MultiStepLRScheduler", 0.1, dict(decay_t=[10, 25], decay_rate=0.5, warmup_t=5,
                                       warmup_lr_init=1e-3), 35),
    ("MultiStepLRScheduler", 0.1, dict(decay_t=[0, 1, 5], decay_rate=0.1), 10),
    ("MultiStepLRScheduler", 0.1, dict(decay_t=[10, 25], decay_rate=0.3, warmup_t=5,
                                       warmup_lr_init=1e-3, warmup_prefix=False), 30),
    ("PolyLRScheduler", 0.1, dict(t_initial=50), 53),
    ("PolyLRScheduler", 0.1, dict(t_initial=40, power=2.0, lr_min=0.01, k_decay=2.0), 43),
    ("PolyLRScheduler", 0.1, dict(t_initial=10, power=1.0, cycle_mul=2.0,
                                  cycle_limit=3, cycle_decay=0.5), 75),
    ("PolyLRScheduler", 0.1, dict(t_initial=30, power=0.5, warmup_t=5,
                                  warmup_lr_init=1e-4, warmup_prefix=True), 38),
]

TIMM_FACTORY = [
    dict(sched="cosine", num_epochs=30, warmup_epochs=3, warmup_lr=1e-5,
         min_lr=1e-5, cooldown_epochs=5),
    dict(sched="cosine", num_epochs=10, warmup_epochs=1, warmup_prefix=True,
         step_on_epochs=False, updates_per_epoch=7),
    dict(sched="cosine", num_epochs=5, cycle_mul=2.0, cycle_limit=3,
         cycle_decay=0.5, min_lr=1e-4),
    dict(sched="cosine", num_epochs=40, noise=[0.2, 0.6], noise_pct=0.3,
         noise_seed=7),
    dict(sched="cosine", num_epochs=40, noise=0.5, noise_std=0.2, k_decay=1.5),
    dict(sched="tanh", num_epochs=20, cycle_limit=2, cycle_decay=0.5),
    dict(sched="step", num_epochs=20, decay_epochs=3, decay_rate=0.5,
         warmup_epochs=2, warmup_prefix=True),
    dict(sched="step", num_epochs=10, decay_epochs=2.4, decay_rate=0.5,
         step_on_epochs=False, updates_per_epoch=5),
    dict(sched="multistep", num_epochs=20, decay_milestones=[5, 12],
         decay_rate=0.3, warmup_epochs=2),
    dict(sched="multistep", num_epochs=8, decay_milestones=[2, 5],
         decay_rate=0.5, step_on_epochs=False, updates_per_epoch=4),
    dict(sched="poly", num_epochs=25, decay_rate=2.0, min_lr=1e-3, k_decay=1.5),
    dict(sched="poly", num_epochs=6, decay_rate=0.5, warmup_epochs=1,
         step_on_epochs=False, updates_per_epoch=6, cycle_limit=2,
         cycle_decay=0.5),
    dict(sched="constant", num_epochs=10, warmup_epochs=3, warmup_lr=1e-4),
]

PLATEAU = [
    dict(decay_rate=0.5, patience_t=2, mode="max"),
    dict(decay_rate=0.1, patience_t=1, mode="min", lr_min=1e-4, cooldown_t=1,
         threshold=1e-3),
]
METRICS = [0.5, 0.6, 0.6, 0.6, 0.61, 0.61, 0.59, 0.7, 0.7, 0.7, 0.7, 0.7, 0.65,
           0.71, 0.71, 0.71, 0.71]


def _opt(lr):
    import torch
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def _trace(sched, opt, horizon, on_epochs):
    out = []
    for t in range(horizon + 1):
        if on_epochs:
            sched.step(t)
        else:
            sched.step_update(t)
        out.append(float(opt.param_groups[0]["lr"]))
    return out


def _import_timm_scheduler():
    """``timm.scheduler`` without ``timm/__init__.py``, which imports
    ``timm.layers`` and so torchvision (absent beside this torch build). The
    scheduler package needs only torch."""
    import importlib.metadata
    import importlib.util
    import types
    spec = importlib.util.find_spec("timm")
    pkg = types.ModuleType("timm")
    pkg.__path__ = list(spec.submodule_search_locations)
    pkg.__version__ = importlib.metadata.version("timm")
    sys.modules.setdefault("timm", pkg)
    import timm.scheduler as ts
    return sys.modules["timm"], ts


def gen_timm():
    import torch
    timm, ts = _import_timm_scheduler()

    cases = []
    for cls, lr, kw, horizon in TIMM_CLASSES:
        opt = _opt(lr)
        s = getattr(ts, cls)(opt, **kw)
        on_epochs = kw.get("t_in_epochs", True)
        case = dict(id=_id(cls, dict(kw, lr=lr)), kind="class", cls=cls, lr=lr,
                    kwargs=kw, steps=list(range(horizon + 1)),
                    values=_trace(s, opt, horizon, on_epochs))
        if "noise_range_t" in kw:
            opt2 = _opt(lr)
            clean = {k: v for k, v in kw.items() if not k.startswith("noise")}
            case["clean_values"] = _trace(getattr(ts, cls)(opt2, **clean), opt2,
                                          horizon, on_epochs)
        cases.append(case)
    for kw in TIMM_FACTORY:
        lr = 0.1
        opt = _opt(lr)
        s, n = ts.create_scheduler_v2(opt, **kw)
        on_epochs = kw.get("step_on_epochs", True)
        horizon = (n + 3) * (1 if on_epochs else kw["updates_per_epoch"])
        case = dict(id=_id("create_scheduler_v2", dict(kw, lr=lr)), kind="factory",
                    lr=lr, kwargs=kw, num_epochs=n, steps=list(range(horizon + 1)),
                    values=_trace(s, opt, horizon, on_epochs))
        if "noise" in kw:
            opt2 = _opt(lr)
            clean = {k: v for k, v in kw.items() if not k.startswith("noise")}
            s2, _ = ts.create_scheduler_v2(opt2, **clean)
            case["clean_values"] = _trace(s2, opt2, horizon, on_epochs)
        cases.append(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kw in PLATEAU:
            lr = 0.1
            opt = _opt(lr)
            s = ts.PlateauLRScheduler(opt, **kw)
            vals = []
            for e, m in enumerate(METRICS, start=1):
                s.step(e, m)
                vals.append(float(opt.param_groups[0]["lr"]))
            cases.append(dict(id=_id("PlateauLRScheduler", dict(kw, lr=lr)),
                              kind="plateau", cls="PlateauLRScheduler", lr=lr,
                              kwargs=kw, metrics=METRICS, values=vals))
    _write("timm.json", dict(
        library="timm", version=timm.__version__, torch=torch.__version__,
        python=platform.python_version(),
        note="values[i] = optimizer lr after scheduler.step(steps[i]) "
             "(t_in_epochs / step_on_epochs) or step_update(steps[i]); plateau: "
             "lr after step(epoch, metrics[epoch - 1]) for epoch = 1, 2, ...",
        cases=cases))


# --------------------------------------------------------------------------- #
# fastai
# --------------------------------------------------------------------------- #
FASTAI_RECIPES = [
    ("fit_one_cycle", dict(n_epoch=4, lr_max=1e-2), 7),
    ("fit_one_cycle", dict(n_epoch=3, lr_max=0.1, div=10.0, div_final=100.0,
                           pct_start=0.3, moms=(0.9, 0.8, 0.9)), 10),
    ("fit_one_cycle", dict(n_epoch=1, lr_max=3e-3, pct_start=0.5), 9),
    ("fit_flat_cos", dict(n_epoch=5, lr=3e-3), 8),
    ("fit_flat_cos", dict(n_epoch=2, lr=1e-2, div_final=1e3, pct_start=0.5), 5),
    ("fit_sgdr", dict(n_cycles=3, cycle_len=1, lr_max=1e-2), 4),
    ("fit_sgdr", dict(n_cycles=2, cycle_len=2, lr_max=0.1, cycle_mult=3), 3),
    ("fit_sgdr", dict(n_cycles=4, cycle_len=1, lr_max=0.1, cycle_mult=2), 5),
]

SHAPES = [
    ("SchedLin", (0.1, 1.0)), ("SchedLin", (2.0, -1.0)), ("SchedCos", (1.0, 0.01)),
    ("SchedCos", (0.1, 0.9)), ("SchedNo", (0.3, 5.0)), ("SchedExp", (1e-7, 10.0)),
    ("SchedExp", (1.0, 1e-3)), ("SchedPoly", (0.1, 1.0, 2.0)),
    ("SchedPoly", (1.0, 0.0, 0.5)),
]

COMBINED = [
    ([0.3, 0.7], [("SchedCos", (0.1, 1.0)), ("SchedLin", (1.0, 0.0))]),
    ([0.25, 0.25, 0.5], [("SchedNo", (0.2, 0.0)), ("SchedExp", (0.2, 2.0)),
                         ("SchedPoly", (2.0, 0.1, 2.0))]),
    ([0.1, 0.9], [("SchedLin", (0.0, 1.0)), ("SchedCos", (1.0, 0.0))]),
]


def _learner(n_iter):
    import torch
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from fastai.losses import MSELossFlat
    from torch.utils.data import TensorDataset

    bs = 4
    g = torch.Generator().manual_seed(0)
    x = torch.randn(bs * n_iter, 1, generator=g)
    ds = TensorDataset(x, 2 * x)
    dls = DataLoaders.from_dsets(ds, ds, bs=bs, device="cpu")
    learn = Learner(dls, torch.nn.Linear(1, 1), loss_func=MSELossFlat())
    assert len(dls.train) == n_iter
    return learn


def _curves():
    """Synthetic lr_find runs: (lrs, losses) pairs of 100 points."""
    from fastai.callback.schedule import SchedExp
    n = 100
    f = SchedExp(1e-7, 10.0)
    lrs = np.array([f(i / n) for i in range(n)])
    x = np.log10(lrs)
    rng = np.random.default_rng(0)
    out = []
    for centre, width, noise in [(-2.5, 0.8, 0.0), (-3.0, 1.2, 0.01),
                                 (-1.5, 0.5, 0.02), (-4.0, 1.5, 0.005)]:
        base = 2.0 - 1.5 / (1 + np.exp(-(x - centre) / width * 3))
        blow = np.exp(np.clip(x - (centre + 2.0), 0, None) * 2.0) - 1
        loss = base + blow + noise * rng.standard_normal(n)
        # fastai's recorder stores a debiased moving average (beta 0.98)
        sm, avg = [], 0.0
        for i, v in enumerate(loss, start=1):
            avg = 0.98 * avg + 0.02 * v
            sm.append(avg / (1 - 0.98**i))
        out.append((lrs.tolist(), sm))
    return out


def gen_fastai():
    import fastai
    import fastai.callback.schedule as fs
    import torch

    cases = []
    for name, kw, n_iter in FASTAI_RECIPES:
        learn = _learner(n_iter)
        with learn.no_bar(), learn.no_logging():
            getattr(learn, name)(**kw)
        hps = learn.recorder.hps
        n_epoch = kw.get("n_epoch")
        if name == "fit_sgdr":
            m = kw.get("cycle_mult", 2)
            n_epoch = kw["cycle_len"] * (m**kw["n_cycles"] - 1) // (m - 1)
        case = dict(id=_id(name, dict(kw, steps_per_epoch=n_iter)), kind="recipe",
                    fn=name, kwargs=kw, steps_per_epoch=n_iter, n_epoch=n_epoch,
                    steps=list(range(len(hps["lr"]))),
                    values=[float(v) for v in hps["lr"]])
        if name == "fit_one_cycle":
            case["mom_values"] = [float(v) for v in hps["mom"]]
        cases.append(case)
    pos = sorted(set(np.linspace(0.0, 1.0, 65).tolist()) | {0.1, 0.3, 0.25, 0.5})
    for name, args in SHAPES:
        f = getattr(fs, name)(*args)
        cases.append(dict(id=_id(name, list(args)), kind="sched", fn=name,
                          args=list(args), pos=pos,
                          values=[float(f(p)) for p in pos]))
    for pcts, scheds in COMBINED:
        f = fs.combine_scheds(pcts, [getattr(fs, n)(*a) for n, a in scheds])
        cases.append(dict(id=_id("combine_scheds", [pcts, scheds]), kind="combine",
                          pcts=pcts, scheds=[[n, list(a)] for n, a in scheds],
                          pos=pos[:-1], values=[float(f(p)) for p in pos[:-1]]))
    for i, (lrs, losses) in enumerate(_curves()):
        n = len(lrs)
        lo, hi = n // 10, n - 5
        tl, tv = torch.tensor(lrs[lo:hi]), torch.tensor(losses[lo:hi])
        sug = {}
        for meth in ("valley", "slide", "minimum", "steep"):
            sug[meth] = float(getattr(fs, meth)(tl, tv, n)[0])
        cases.append(dict(id=f"lr_find:curve{i}", kind="suggest", lrs=lrs,
                          losses=losses, num_it=n, suggestions=sug))
    _write("fastai.json", dict(
        library="fastai", version=fastai.__version__, torch=torch.__version__,
        python=platform.python_version(),
        note="recipe: values[k] = lr of training batch k (learn.recorder.hps), "
             "mom_values the momentum; sched/combine: values at pos; suggest: "
             "fastai's suggestion functions on lrs/losses[num_it//10:-5]",
        cases=cases))


GENERATORS = {"timm": gen_timm, "fastai": gen_fastai}


def main(argv):
    warnings.simplefilter("ignore")
    for n in argv or list(GENERATORS):
        GENERATORS[n]()


if __name__ == "__main__":
    main(sys.argv[1:])
