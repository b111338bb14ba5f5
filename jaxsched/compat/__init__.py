"""Compatibility layers: the learning-rate curves of optax, PyTorch and Keras.

``jaxsched.compat.optax``, ``jaxsched.compat.torch`` and ``jaxsched.compat.keras``
take each library's own argument names and return jaxsched schedules with the
same values, every numeric argument traceable.
"""

from jaxsched.compat import keras as keras
from jaxsched.compat import optax as optax
from jaxsched.compat import torch as torch
from jaxsched.compat import timm as timm
from jaxsched.compat import fastai as fastai

__all__ = ["keras", "optax", "torch", "timm", "fastai"]
