"""tinytorch.nn: layers, losses and models, built on tinytorch.core's Tensor.

Start with ``module.py`` (Module and its state dict) and ``parameter.py``; then the layers:
``linear.py``, ``activation.py``, ``containers.py``, ``conv.py``, ``pooling.py``,
``norm.py``, ``dropout.py``, ``flatten.py``, ``embedding.py``; then ``loss.py``, ``functional.py``,
``init.py`` (and the random generator) and ``serialization.py`` (``save``/``load``).
"""

from . import functional, hookspecs, init  # noqa: F401  (hookspecs adds the models hook to the plugin manager)
from .activation import ELU, GELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .attention import MultiHeadAttention
from .containers import ModuleDict, ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .init import manual_seed
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from .parameter import Parameter
from .pooling import AvgPool2d, MaxPool2d
from .serialization import load, save
from .transformer import TransformerBlock

__all__ = [
    "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv2d", "CrossEntropyLoss",
    "Dropout", "ELU", "Embedding", "Flatten", "GELU", "Identity", "L1Loss", "LayerNorm", "LeakyReLU", "Linear",
    "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "ModuleDict", "ModuleList", "MultiHeadAttention", "NLLLoss",
    "Parameter", "ReLU", "Sequential", "SiLU", "Sigmoid", "Softmax", "Softplus", "Tanh", "TransformerBlock",
    "functional", "init", "load", "manual_seed", "save",
]
