"""jaxsched: learning-rate schedules for JAX, trace-safe in every hyperparameter.

Every schedule is a frozen dataclass pytree mapping a step to a learning rate;
every numeric hyperparameter may be traced, so sweeps compile once.

``import jaxsched`` is cheap: the public names below are imported on first use
(PEP 562), all at once, so the ``jaxsched`` command answers ``--help`` and
``families`` without importing JAX (which takes seconds).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # also run, on first use, by __getattr__ below
  from jaxsched import compat as compat
  from jaxsched._base import Schedule as Schedule
  from jaxsched._base import families as families
  from jaxsched._base import from_config as from_config
  from jaxsched._combinators import add as add
  from jaxsched._combinators import epochwise as epochwise
  from jaxsched._combinators import join as join
  from jaxsched._combinators import product as product
  from jaxsched._combinators import repeat as repeat
  from jaxsched._combinators import scale as scale
  from jaxsched._combinators import stack as stack
  from jaxsched._combinators import warmup as warmup
  from jaxsched._cosine import cosine_decay as cosine_decay
  from jaxsched._cosine import cosine_restarts as cosine_restarts
  from jaxsched._cosine import flat_cosine as flat_cosine
  from jaxsched._cosine import warmup_cosine_decay as warmup_cosine_decay
  from jaxsched._cosine import warmup_stable_decay as warmup_stable_decay
  from jaxsched._cyclic import cyclic as cyclic
  from jaxsched._cyclic import one_cycle as one_cycle
  from jaxsched._cyclic import one_cycle_momentum as one_cycle_momentum
  from jaxsched._decay import constant as constant
  from jaxsched._decay import exponential_decay as exponential_decay
  from jaxsched._decay import inverse_scaling as inverse_scaling
  from jaxsched._decay import inverse_sqrt as inverse_sqrt
  from jaxsched._decay import inverse_time_decay as inverse_time_decay
  from jaxsched._decay import linear as linear
  from jaxsched._decay import polynomial as polynomial
  from jaxsched._extra import anneal_restarts as anneal_restarts
  from jaxsched._extra import by_fraction as by_fraction
  from jaxsched._extra import linear_warmup as linear_warmup
  from jaxsched._extra import noisy as noisy
  from jaxsched._extra import power_ramp as power_ramp
  from jaxsched._frameworks import restore_like as restore_like
  from jaxsched._groups import ScaleByGroupState as ScaleByGroupState
  from jaxsched._groups import layerwise_decay as layerwise_decay
  from jaxsched._groups import scale_by_group as scale_by_group
  from jaxsched._inject import InjectSchedulesState as InjectSchedulesState
  from jaxsched._inject import inject_schedules as inject_schedules
  from jaxsched._inject import with_schedule as with_schedule
  from jaxsched._optax import current_lr as current_lr
  from jaxsched._piecewise import multistep as multistep
  from jaxsched._piecewise import piecewise_constant as piecewise_constant
  from jaxsched._piecewise import piecewise_linear as piecewise_linear
  from jaxsched._piecewise import step_decay as step_decay
  from jaxsched._plateau import PlateauState as PlateauState
  from jaxsched._plateau import ReduceOnPlateau as ReduceOnPlateau
  from jaxsched._plateau import reduce_on_plateau as reduce_on_plateau
  from jaxsched._plateau_optax import PlateauSchedule as PlateauSchedule
  from jaxsched._plateau_optax import PlateauScheduleState as PlateauScheduleState
  from jaxsched._plateau_optax import ScaleByPlateauState as ScaleByPlateauState
  from jaxsched._plateau_optax import plateau_schedule as plateau_schedule
  from jaxsched._plateau_optax import plateau_step as plateau_step
  from jaxsched._plateau_optax import scale_by_plateau as scale_by_plateau
  from jaxsched._plot import plot as plot
  from jaxsched._ported import cosine_wave as cosine_wave
  from jaxsched._ported import cumulative_product as cumulative_product
  from jaxsched._ported import linear_growth as linear_growth
  from jaxsched._ported import log_warmup as log_warmup
  from jaxsched._ported import stepped_cyclic as stepped_cyclic
  from jaxsched._ported import with_momentum as with_momentum
  from jaxsched._range_test import RangeTestResult as RangeTestResult
  from jaxsched._range_test import lr_range_test as lr_range_test
  from jaxsched._run import Run as Run
  from jaxsched._run import to_steps as to_steps
  from jaxsched._run_rates import batch_scale as batch_scale
  from jaxsched._run_rates import warmup_decay_ratio as warmup_decay_ratio
  from jaxsched._run_time import accumulate as accumulate
  from jaxsched._run_time import cooldown_from as cooldown_from
  from jaxsched._run_time import extend as extend
  from jaxsched._run_time import stretch as stretch
  from jaxsched._sweep import sweep as sweep

__version__ = "0.1.0"

__all__ = [
    "PlateauSchedule",
    "PlateauScheduleState",
    "PlateauState",
    "RangeTestResult",
    "ReduceOnPlateau",
    "Schedule",
    "add",
    "compat",
    "constant",
    "cosine_decay",
    "cosine_restarts",
    "current_lr",
    "cyclic",
    "epochwise",
    "exponential_decay",
    "families",
    "flat_cosine",
    "from_config",
    "inverse_scaling",
    "inverse_sqrt",
    "inverse_time_decay",
    "join",
    "linear",
    "lr_range_test",
    "multistep",
    "one_cycle",
    "one_cycle_momentum",
    "piecewise_constant",
    "piecewise_linear",
    "plateau_schedule",
    "plot",
    "polynomial",
    "product",
    "reduce_on_plateau",
    "repeat",
    "scale",
    "scale_by_plateau",
    "stack",
    "step_decay",
    "warmup",
    "warmup_cosine_decay",
    "warmup_stable_decay",
    "cosine_wave",
    "cumulative_product",
    "linear_growth",
    "log_warmup",
    "stepped_cyclic",
    "with_momentum",
    "anneal_restarts",
    "by_fraction",
    "linear_warmup",
    "noisy",
    "power_ramp",
    "ScaleByPlateauState",
    "plateau_step",
    "restore_like",
    # schedules that know the training run (issue 13)
    "Run",
    "accumulate",
    "batch_scale",
    "cooldown_from",
    "extend",
    "stretch",
    "to_steps",
    "warmup_decay_ratio",
]

__all__ += [
    "InjectSchedulesState",
    "inject_schedules",
    "with_schedule",
]

__all__ += [
    "ScaleByGroupState",
    "layerwise_decay",
    "scale_by_group",
]

__all__ += ["sweep"]


def __getattr__(name: str) -> Any:
  """The first use of a public name runs the imports of the ``TYPE_CHECKING``
  block above (every public name, so the family registry is complete)."""
  if name not in __all__ or _loading:  # while loading: `from jaxsched import compat`
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
  _import_public_names()
  return globals()[name]


def __dir__() -> list[str]:
  return sorted(set(globals()) | set(__all__))


_loading = False


def _import_public_names() -> None:
  global _loading  # pylint: disable=global-statement
  import ast  # pylint: disable=import-outside-toplevel
  source = __loader__.get_source(__name__)  # type: ignore[name-defined]
  if source is None:
    raise ImportError("jaxsched: the source of jaxsched/__init__.py is missing; "
                      "reinstall jaxsched.")
  block = next(node for node in ast.parse(source).body
               if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
               and node.test.id == "TYPE_CHECKING")
  code = compile(ast.Module(body=block.body, type_ignores=[]), __file__, "exec")
  _loading = True
  try:
    exec(code, globals())  # pylint: disable=exec-used
  finally:
    _loading = False
