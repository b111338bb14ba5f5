"""jaxsched benchmarks against optax and PyTorch (see bench/README.md)."""
