"""jaxsched: learning-rate schedules for JAX, trace-safe in every hyperparameter.

Every schedule is a frozen dataclass pytree mapping a step to a learning rate;
every numeric hyperparameter may be traced, so sweeps compile once.
"""

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
from jaxsched._optax import current_lr as current_lr
from jaxsched._piecewise import multistep as multistep
from jaxsched._plateau import PlateauState as PlateauState
from jaxsched._plateau import ReduceOnPlateau as ReduceOnPlateau
from jaxsched._plateau import reduce_on_plateau as reduce_on_plateau
from jaxsched._plateau_optax import PlateauSchedule as PlateauSchedule
from jaxsched._plateau_optax import PlateauScheduleState as PlateauScheduleState
from jaxsched._plateau_optax import plateau_schedule as plateau_schedule
from jaxsched._plateau_optax import scale_by_plateau as scale_by_plateau
from jaxsched._range_test import RangeTestResult as RangeTestResult
from jaxsched._range_test import lr_range_test as lr_range_test
from jaxsched._piecewise import piecewise_constant as piecewise_constant
from jaxsched._piecewise import piecewise_linear as piecewise_linear
from jaxsched._piecewise import step_decay as step_decay
from jaxsched._plot import plot as plot
from jaxsched import compat as compat
from jaxsched._frameworks import restore_like as restore_like
from jaxsched._plateau_optax import ScaleByPlateauState as ScaleByPlateauState
from jaxsched._plateau_optax import plateau_step as plateau_step

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
    "ScaleByPlateauState",
    "plateau_step",
    "restore_like",
]
from jaxsched._inject import InjectSchedulesState as InjectSchedulesState
from jaxsched._inject import inject_schedules as inject_schedules
from jaxsched._inject import with_schedule as with_schedule

__all__ += [
    "InjectSchedulesState",
    "inject_schedules",
    "with_schedule",
]
from jaxsched._groups import ScaleByGroupState as ScaleByGroupState
from jaxsched._groups import layerwise_decay as layerwise_decay
from jaxsched._groups import scale_by_group as scale_by_group

__all__ += [
    "ScaleByGroupState",
    "layerwise_decay",
    "scale_by_group",
]
from jaxsched._sweep import sweep as sweep

__all__ += ["sweep"]
