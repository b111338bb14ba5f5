"""The registry of test cases: every family and combinator with sweep values.

Each case: a builder taking keyword hyperparameters (with defaults), and for each
numeric hyperparameter three valid values to sweep. Steps cover the boundaries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jaxsched as js


@dataclasses.dataclass
class Case:
  name: str
  build: Callable[..., Any]
  sweeps: dict[str, list[Any]]
  steps: list[int]


def _f(factory, *args_names, **defaults):
  """A builder calling ``factory`` with ``defaults`` overridden by keywords."""

  def build(**kw):
    merged = {**defaults, **kw}
    pos = [merged.pop(n) for n in args_names]
    return factory(*pos, **merged)

  return build


STEPS = [0, 1, 2, 5, 9, 10, 11, 19, 20, 21, 29, 30, 31, 49, 50, 51, 99, 100, 101,
         150, 199, 200, 201, 500, 1000]

CASES = [
    Case("constant", _f(js.constant, "value", value=0.1),
         {"value": [0.1, 0.5, 2.0]}, STEPS),
    Case("linear", _f(js.linear, "init_value", "end_value", "transition_steps",
                      init_value=1.0, end_value=0.1, transition_steps=100,
                      transition_begin=10),
         {"init_value": [1.0, 0.5, 2.0], "end_value": [0.1, 0.0, 3.0],
          "transition_steps": [100, 20, 7], "transition_begin": [10, 0, 50]},
         STEPS),
    Case("polynomial", _f(js.polynomial, "init_value", "end_value",
                          "transition_steps", init_value=1.0, end_value=0.1,
                          transition_steps=100, power=2.0, transition_begin=10),
         {"init_value": [1.0, 0.5, 2.0], "end_value": [0.1, 0.0, 0.3],
          "transition_steps": [100, 20, 7], "power": [2.0, 0.5, 1.0],
          "transition_begin": [10, 0, 50]}, STEPS),
    Case("polynomial_cycle", _f(js.polynomial, "init_value", "end_value",
                                "transition_steps", init_value=1.0, end_value=0.1,
                                transition_steps=30, power=2.0, cycle=True),
         {"init_value": [1.0, 0.5, 2.0], "transition_steps": [30, 20, 7],
          "power": [2.0, 0.5, 1.0]}, STEPS),
    Case("cosine_decay", _f(js.cosine_decay, "init_value", "decay_steps",
                            init_value=1.0, decay_steps=100, end_value=0.01,
                            exponent=1.0),
         {"init_value": [1.0, 0.5, 2.0], "decay_steps": [100, 20, 7],
          "end_value": [0.01, 0.0, 0.5], "exponent": [1.0, 2.0, 0.5]}, STEPS),
    Case("exponential_decay", _f(js.exponential_decay, "init_value", "decay_rate",
                                 "transition_steps", init_value=1.0, decay_rate=0.5,
                                 transition_steps=10, transition_begin=5,
                                 end_value=0.01),
         {"init_value": [1.0, 0.5, 2.0], "decay_rate": [0.5, 0.9, 0.99],
          "transition_steps": [10, 3, 25.5], "transition_begin": [5, 0, 20],
          "end_value": [0.01, 0.0, 0.2]}, STEPS),
    Case("exponential_decay_staircase", _f(
        js.exponential_decay, "init_value", "decay_rate", "transition_steps",
        init_value=1.0, decay_rate=0.5, transition_steps=10, staircase=True),
         {"decay_rate": [0.5, 0.9, 1.5], "transition_steps": [10, 3, 25]}, STEPS),
    Case("inverse_time_decay", _f(js.inverse_time_decay, "init_value", "decay_rate",
                                  "decay_steps", init_value=1.0, decay_rate=0.5,
                                  decay_steps=10),
         {"init_value": [1.0, 0.5, 2.0], "decay_rate": [0.5, 0.0, 3.0],
          "decay_steps": [10, 1, 33]}, STEPS),
    Case("inverse_time_decay_staircase", _f(
        js.inverse_time_decay, "init_value", "decay_rate", "decay_steps",
        init_value=1.0, decay_rate=0.5, decay_steps=10, staircase=True),
         {"decay_rate": [0.5, 0.0, 3.0], "decay_steps": [10, 1, 33]}, STEPS),
    Case("inverse_scaling", _f(js.inverse_scaling, "init_value", init_value=1.0,
                               power=0.5, timescale=10.0),
         {"init_value": [1.0, 0.5, 2.0], "power": [0.5, 1.0, 0.0],
          "timescale": [10.0, 1.0, 100.0]}, STEPS),
    Case("inverse_sqrt", _f(js.inverse_sqrt, "peak_value", "warmup_steps",
                            peak_value=1.0, warmup_steps=10),
         {"peak_value": [1.0, 0.5, 2.0], "warmup_steps": [10, 0, 50]}, STEPS),
    Case("inverse_sqrt_timescale", _f(js.inverse_sqrt, "peak_value", "warmup_steps",
                                      peak_value=1.0, warmup_steps=10,
                                      timescale=100),
         {"warmup_steps": [10, 0, 50], "timescale": [100, 1, 30]}, STEPS),
    Case("step_decay", _f(js.step_decay, "init_value", "step_size", init_value=1.0,
                          step_size=10, gamma=0.5),
         {"init_value": [1.0, 0.5, 2.0], "step_size": [10, 1, 33],
          "gamma": [0.5, 0.1, 1.0]}, STEPS),
    Case("multistep", _f(js.multistep, "init_value", "milestones", init_value=1.0,
                         milestones=[10, 30, 100], gamma=0.5),
         {"init_value": [1.0, 0.5, 2.0], "milestones": [[10, 30, 100], [0, 0, 5],
                                                         [20, 200, 201]],
          "gamma": [0.5, 0.1, 2.0]}, STEPS),
    Case("piecewise_constant", _f(js.piecewise_constant, "boundaries", "values",
                                  boundaries=[10, 30, 100],
                                  values=[1.0, 0.5, 0.25, 0.1]),
         {"boundaries": [[10, 30, 100], [0, 50, 51], [20, 20, 200]],
          "values": [[1.0, 0.5, 0.25, 0.1], [0.1, 1.0, 0.1, 1.0],
                     [3.0, 2.0, 1.0, 0.0]]}, STEPS),
    Case("piecewise_constant_exclusive", _f(
        js.piecewise_constant, "boundaries", "values", boundaries=[10, 30, 100],
        values=[1.0, 0.5, 0.25, 0.1], inclusive=False),
         {"boundaries": [[10, 30, 100], [0, 50, 51], [20, 20, 200]]}, STEPS),
    Case("piecewise_linear", _f(js.piecewise_linear, "boundaries", "values",
                                boundaries=[10, 30, 100], values=[0.0, 1.0, 0.1]),
         {"boundaries": [[10, 30, 100], [0, 50, 51], [20, 20, 200]],
          "values": [[0.0, 1.0, 0.1], [1.0, 0.5, 0.0], [0.3, 0.2, 0.1]]}, STEPS),
    Case("cyclic", _f(js.cyclic, "base_value", "max_value", "step_size_up",
                      base_value=0.1, max_value=1.0, step_size_up=10,
                      step_size_down=20),
         {"base_value": [0.1, 0.0, 0.5], "max_value": [1.0, 2.0, 0.6],
          "step_size_up": [10, 3, 25], "step_size_down": [20, 3, 7.5]}, STEPS),
    Case("cyclic_triangular2", _f(js.cyclic, "base_value", "max_value",
                                  "step_size_up", base_value=0.1, max_value=1.0,
                                  step_size_up=10, mode="triangular2"),
         {"step_size_up": [10, 3, 25]}, STEPS),
    Case("cyclic_exp_range", _f(js.cyclic, "base_value", "max_value",
                                "step_size_up", base_value=0.1, max_value=1.0,
                                step_size_up=10, mode="exp_range", gamma=0.99),
         {"step_size_up": [10, 3, 25], "gamma": [0.99, 0.9, 1.0]}, STEPS),
    Case("one_cycle", _f(js.one_cycle, "total_steps", "peak_value", total_steps=200,
                         peak_value=1.0),
         {"total_steps": [200, 100, 97], "peak_value": [1.0, 0.1, 3.0],
          "pct_start": [0.3, 0.25, 0.45], "div_factor": [25.0, 10.0, 2.0],
          "final_div_factor": [1e4, 10.0, 1.0]}, STEPS),
    Case("one_cycle_linear_three", _f(js.one_cycle, "total_steps", "peak_value",
                                      total_steps=200, peak_value=1.0,
                                      anneal="linear", three_phase=True),
         {"total_steps": [200, 100, 97], "pct_start": [0.3, 0.25, 0.45]}, STEPS),
    Case("one_cycle_momentum", _f(js.one_cycle_momentum, "total_steps",
                                  total_steps=200),
         {"total_steps": [200, 100, 97], "base_value": [0.85, 0.8, 0.9],
          "max_value": [0.95, 0.99, 0.9], "pct_start": [0.3, 0.25, 0.45]}, STEPS),
    Case("one_cycle_momentum_three", _f(js.one_cycle_momentum, "total_steps",
                                        total_steps=200, three_phase=True),
         {"pct_start": [0.3, 0.25, 0.45]}, STEPS),
    Case("cosine_restarts", _f(js.cosine_restarts, "init_value", "period",
                               init_value=1.0, period=10, period_mult=2.0,
                               peak_decay=0.5, end_value=0.01),
         {"init_value": [1.0, 0.5, 2.0], "period": [10, 3, 7.5],
          "period_mult": [2.0, 1.0, 1.5], "peak_decay": [0.5, 1.0, 0.0],
          "end_value": [0.01, 0.0, 0.1]}, STEPS),
    Case("warmup_cosine_decay", _f(js.warmup_cosine_decay, "peak_value",
                                   "warmup_steps", "total_steps", peak_value=1.0,
                                   warmup_steps=10, total_steps=100,
                                   init_value=0.01, end_value=0.001),
         {"peak_value": [1.0, 0.5, 2.0], "warmup_steps": [10, 0, 50],
          "total_steps": [100, 60, 200], "init_value": [0.01, 0.0, 0.5],
          "end_value": [0.001, 0.0, 0.2], "exponent": [1.0, 2.0, 0.5]}, STEPS),
    Case("warmup_stable_decay", _f(js.warmup_stable_decay, "peak_value",
                                   "warmup_steps", "decay_steps", "total_steps",
                                   peak_value=1.0, warmup_steps=10, decay_steps=20,
                                   total_steps=100, init_value=0.01,
                                   end_value=0.001),
         {"peak_value": [1.0, 0.5, 2.0], "warmup_steps": [10, 0, 50],
          "decay_steps": [20, 0, 40], "total_steps": [100, 90, 200],
          "init_value": [0.01, 0.0, 0.5], "end_value": [0.001, 0.0, 0.2]}, STEPS),
    Case("warmup_stable_decay_cosine", _f(
        js.warmup_stable_decay, "peak_value", "warmup_steps", "decay_steps",
        "total_steps", peak_value=1.0, warmup_steps=10, decay_steps=20,
        total_steps=100, decay_shape="cosine"),
         {"decay_steps": [20, 1, 40]}, STEPS),
    Case("warmup_stable_decay_sqrt", _f(
        js.warmup_stable_decay, "peak_value", "warmup_steps", "decay_steps",
        "total_steps", peak_value=1.0, warmup_steps=10, decay_steps=20,
        total_steps=100, decay_shape="sqrt"),
         {"decay_steps": [20, 1, 40], "total_steps": [100, 90, 200]}, STEPS),
    Case("flat_cosine", _f(js.flat_cosine, "value", "total_steps", value=1.0,
                           total_steps=100, pct_start=0.75, end_value=0.01),
         {"value": [1.0, 0.5, 2.0], "total_steps": [100, 50, 200],
          "pct_start": [0.75, 0.5, 0.1], "end_value": [0.01, 0.0, 0.3]}, STEPS),
    # combinators
    Case("warmup", lambda warmup_steps=10, init_value=0.0, peak=1.0: js.warmup(
        js.cosine_decay(peak, 90), warmup_steps, init_value=init_value),
         {"warmup_steps": [10, 0, 50], "init_value": [0.0, 0.1, 2.0],
          "peak": [1.0, 0.5, 2.0]}, STEPS),
    Case("warmup_cosine_shape", lambda warmup_steps=10: js.warmup(
        js.constant(1.0), warmup_steps, shape="cosine"),
         {"warmup_steps": [10, 0, 50]}, STEPS),
    Case("warmup_sqrt_shape", lambda warmup_steps=10: js.warmup(
        js.constant(1.0), warmup_steps, shape="sqrt"),
         {"warmup_steps": [10, 0, 50]}, STEPS),
    Case("warmup_exponential_shape", lambda warmup_steps=10, init_value=1e-3: js.warmup(
        js.constant(1.0), warmup_steps, init_value=init_value, shape="exponential"),
         {"warmup_steps": [10, 0, 50], "init_value": [1e-3, 0.5, 2.0]}, STEPS),
    Case("join", lambda b1=10, b2=30, peak=1.0: js.join(
        [js.linear(0.0, peak, 10), js.cosine_decay(peak, 20),
         js.cosine_decay(0.5, 40), js.constant(0.01)], [b1, b2, 100]),
         {"b1": [10, 0, 29], "b2": [30, 30, 50], "peak": [1.0, 0.5, 2.0]}, STEPS),
    Case("product", lambda peak=1.0, factor=0.5: js.cosine_decay(peak, 100) * factor,
         {"peak": [1.0, 0.5, 2.0], "factor": [0.5, 1.0, 3.0]}, STEPS),
    Case("product_schedules", lambda steps=100: js.product(
        [js.cosine_decay(1.0, steps), js.linear(1.0, 0.5, 50)]),
         {"steps": [100, 10, 37]}, STEPS),
    Case("sum", lambda floor=0.1, steps=100: js.cosine_decay(1.0, steps) + floor,
         {"floor": [0.1, 0.0, 1.0], "steps": [100, 10, 37]}, STEPS),
    Case("repeat", lambda period=30, steps=20: js.repeat(js.linear(1.0, 0.0, steps),
                                                          period),
         {"period": [30, 7, 200], "steps": [20, 5, 100]}, STEPS),
    Case("epochwise", lambda spe=10, gamma=0.5: js.epochwise(
        js.step_decay(1.0, 2, gamma=gamma), spe),
         {"spe": [10, 1, 33], "gamma": [0.5, 0.1, 0.9]}, STEPS),
    # ported recipes (jaxsched/_ported.py)
    Case("log_warmup", _f(js.log_warmup, "init_value", "peak_value", "warmup_steps",
                          init_value=0.0, peak_value=1.0, warmup_steps=100),
         {"init_value": [0.0, 0.1, 2.0], "peak_value": [1.0, 0.5, 2.0],
          "warmup_steps": [100, 2, 31]}, STEPS),
    Case("linear_growth", _f(js.linear_growth, "init_value", "rate", "step_size",
                             init_value=1e-3, rate=1.0, step_size=10),
         {"init_value": [1e-3, 0.1, 2.0], "rate": [1.0, 0.5, 0.0],
          "step_size": [10, 1, 33.5]}, STEPS),
    Case("linear_growth_staircase", _f(js.linear_growth, "init_value", "rate",
                                       "step_size", init_value=1e-3, rate=1.0,
                                       step_size=10, staircase=True),
         {"rate": [1.0, 0.5, 2.0], "step_size": [10, 1, 33]}, STEPS),
    Case("cosine_wave", _f(js.cosine_wave, "init_value", "end_value", "half_period",
                           init_value=1.0, end_value=0.1, half_period=50),
         {"init_value": [1.0, 0.5, 2.0], "end_value": [0.1, 0.0, 3.0],
          "half_period": [50, 7, 20.5]}, STEPS),
    Case("stepped_cyclic", _f(js.stepped_cyclic, "base_value", "max_value",
                              "step_size_up", base_value=0.1, max_value=1.0,
                              step_size_up=20, step_size_down=30, stairs_up=4,
                              stairs_down=0),
         {"base_value": [0.1, 0.0, 0.5], "max_value": [1.0, 2.0, 0.5],
          "step_size_up": [20, 5, 10.5], "step_size_down": [30, 1, 7],
          "stairs_up": [4, 0, 3], "stairs_down": [0, 5, 2]}, STEPS),
    Case("cumulative_product", lambda peak=1.0, rate=0.99: js.cumulative_product(
        js.exponential_decay(rate, 0.999), 1000) * peak,
         {"peak": [1.0, 0.5, 2.0], "rate": [0.99, 0.9, 1.0]}, STEPS),
    Case("with_momentum", lambda peak=1.0, lo=0.85: js.with_momentum(
        js.cosine_decay(peak, 100), js.cosine_decay(lo, 100, end_value=0.95)),
         {"peak": [1.0, 0.5, 2.0], "lo": [0.85, 0.8, 0.9]}, STEPS),
    # schedules that know the training run (issue 13)
    Case("accumulate", lambda k=4, peak=1.0: js.accumulate(
        js.warmup_cosine_decay(peak, 5, 50), k),
         {"k": [4, 1, 7], "peak": [1.0, 0.5, 2.0]}, STEPS),
    Case("stretch", lambda total=100, new=150, peak=1.0: js.stretch(
        js.warmup_cosine_decay(peak, 10, total), total, new),
         {"total": [100, 60, 200], "new": [150, 100, 37],
          "peak": [1.0, 0.5, 2.0]}, STEPS),
    Case("stretch_keep_warmup", lambda w=10, new=150: js.stretch(
        js.warmup_cosine_decay(1.0, 10, 100), 100, new, warmup_steps=w),
         {"w": [10, 0, 50], "new": [150, 60, 300]}, STEPS),
    Case("stretch_steps", lambda new=200, size=10: js.stretch(
        js.step_decay(1.0, size, gamma=0.5), 100, new),
         {"new": [200, 50, 101], "size": [10, 3, 33]}, STEPS),
    Case("extend", lambda r=50, new=200, peak=1.0: js.extend(
        js.warmup_cosine_decay(peak, 10, 100), r, 100, new),
         {"r": [50, 0, 150], "new": [200, 100, 1000], "peak": [1.0, 0.5, 2.0]},
         STEPS),
    Case("cooldown_from", lambda start=50, length=30, end=0.0: js.cooldown_from(
        js.warmup(js.constant(1.0), 10), start, length, end_value=end),
         {"start": [50, 0, 199], "length": [30, 1, 100], "end": [0.0, 0.1, 2.0]},
         STEPS),
    Case("cooldown_from_cosine", lambda start=50, length=30: js.cooldown_from(
        js.inverse_sqrt(1.0, 10), start, length, shape="cosine"),
         {"start": [50, 0, 199], "length": [30, 1, 100]}, STEPS),
    Case("cooldown_from_sqrt_units", lambda total=200: js.cooldown_from(
        js.warmup(js.constant(1.0), 10), "0.8dur", "0.2dur", shape="sqrt",
        run=js.Run(total_steps=total)),
         {"total": [200, 100, 37]}, STEPS),
    Case("warmup_decay_ratio", _f(js.warmup_decay_ratio, "peak_value",
                                  "total_steps", peak_value=1.0, total_steps=100,
                                  warmup_ratio=0.1, min_lr_ratio=0.01),
         {"peak_value": [1.0, 0.5, 2.0], "total_steps": [100, 60, 200],
          "warmup_ratio": [0.1, 0.0, 0.35], "min_lr_ratio": [0.01, 0.0, 1.0],
          "init_lr_ratio": [0.0, 0.1, 0.5]}, STEPS),
    Case("warmup_decay_ratio_wsd", _f(js.warmup_decay_ratio, "peak_value",
                                      "total_steps", peak_value=1.0,
                                      total_steps=100, warmup_ratio=0.1,
                                      decay_ratio=0.2, decay_shape="sqrt"),
         {"decay_ratio": [0.2, 0.0, 0.5], "total_steps": [100, 60, 200]}, STEPS),
    Case("batch_scale", lambda batch=512, base=256: js.batch_scale(
        js.cosine_decay(1.0, 100), batch, base_batch_size=base),
         {"batch": [512, 256, 96], "base": [256, 1000, 32]}, STEPS),
    Case("batch_scale_sqrt", lambda batch=512: js.batch_scale(
        js.cosine_decay(1.0, 100), batch, rule="sqrt"),
         {"batch": [512, 256, 96]}, STEPS),
]

# issue 14: timm/fastai shapes (jaxsched/_extra.py)
CASES += [
    Case("anneal_restarts", _f(js.anneal_restarts, "peak_value", "period",
                               peak_value=1.0, period=20, end_value=0.01,
                               period_mult=2.0, peak_decay=0.5, cycle_limit=3,
                               k_decay=1.0),
         {"peak_value": [1.0, 0.5, 2.0], "period": [20, 7, 12.5],
          "end_value": [0.01, 0.0, 0.1], "period_mult": [2.0, 1.0, 1.5],
          "peak_decay": [0.5, 1.0, 0.0], "cycle_limit": [3, 1, 10],
          "k_decay": [1.0, 2.0, 0.5]}, STEPS),
    Case("anneal_restarts_tanh", _f(js.anneal_restarts, "peak_value", "period",
                                    peak_value=1.0, period=30, shape="tanh",
                                    end_value=0.01, cycle_limit=2),
         {"period": [30, 10, 200], "tanh_lower": [-7.0, -5.0, -3.0],
          "tanh_upper": [3.0, 5.0, 1.0], "cycle_limit": [2, 0, 5]}, STEPS),
    Case("anneal_restarts_poly", _f(js.anneal_restarts, "peak_value", "period",
                                    peak_value=1.0, period=50, shape="poly",
                                    power=2.0, k_decay=2.0, period_mult=2.0),
         {"period": [50, 10, 33], "power": [2.0, 0.5, 1.0],
          "k_decay": [2.0, 1.0, 0.5]}, STEPS),
    Case("power_ramp", _f(js.power_ramp, "init_value", "end_value",
                          "transition_steps", init_value=0.0, end_value=1.0,
                          transition_steps=100, power=2.0),
         {"init_value": [0.0, 1.0, 0.5], "end_value": [1.0, 0.0, 2.0],
          "transition_steps": [100, 20, 7], "power": [2.0, 0.5, 1.0]}, STEPS),
    Case("linear_warmup", lambda warmup_steps=10, init_value=0.0, peak_value=1.0:
         js.linear_warmup(js.cosine_decay(0.5, 90), warmup_steps,
                          init_value=init_value, peak_value=peak_value),
         {"warmup_steps": [10, 0, 50], "init_value": [0.0, 0.1, 2.0],
          "peak_value": [1.0, 0.5, 2.0]}, STEPS),
    Case("linear_warmup_overlay", lambda warmup_steps=10, init_value=0.0:
         js.linear_warmup(js.cosine_decay(1.0, 100), warmup_steps,
                          init_value=init_value, prefix=False),
         {"warmup_steps": [10, 0, 50], "init_value": [0.0, 0.1, 2.0]}, STEPS),
    Case("noisy", lambda seed=42, pct=0.67, std=1.0, begin=10, end=200: js.noisy(
        js.cosine_decay(1.0, 300), seed=seed, pct=pct, std=std, begin=begin,
        end=end),
         {"seed": [42, 0, 7], "pct": [0.67, 0.1, 0.3], "std": [1.0, 0.5, 2.0],
          "begin": [10, 0, 50], "end": [200, 100, 1000]}, STEPS),
    Case("by_fraction", lambda total_steps=100, peak=1.0: js.by_fraction(
        js.cosine_decay(peak, 1), total_steps),
         {"total_steps": [100, 20, 333.5], "peak": [1.0, 0.5, 2.0]}, STEPS),
]

BY_NAME = {c.name: c for c in CASES}
