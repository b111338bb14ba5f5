"""Compatibility layers: the learning-rate curves of optax, PyTorch and Keras.

``jaxsched.compat.optax``, ``jaxsched.compat.torch`` and ``jaxsched.compat.keras``
take each library's own argument names and return jaxsched schedules with the
same values, every numeric argument traceable. ``jaxsched.compat.transformers``
(``get_scheduler``) and ``jaxsched.compat.deepspeed`` (``from_config`` of a
DeepSpeed ``"scheduler"`` block) do the same for Hugging Face transformers and
DeepSpeed.
"""

from jaxsched.compat import deepspeed as deepspeed
from jaxsched.compat import fastai as fastai
from jaxsched.compat import keras as keras
from jaxsched.compat import optax as optax
from jaxsched.compat import timm as timm
from jaxsched.compat import torch as torch
from jaxsched.compat import transformers as transformers

__all__ = ["deepspeed", "fastai", "keras", "optax", "timm", "torch", "transformers"]
