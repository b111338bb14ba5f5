"""jaxsched: learning-rate schedules for JAX, trace-safe in every hyperparameter."""
