"""tinytorch.nn: layers, losses and models, built on tinytorch.core's Tensor.

Start with ``module.py`` (Module and its state dict) and ``parameter.py``; then the layers:
``linear.py``, ``activation.py``, ``containers.py``, ``conv.py``, ``pooling.py``,
``norm.py``, ``dropout.py``, ``flatten.py``; then ``loss.py``, ``functional.py``,
``init.py`` (and the random generator) and ``serialization.py`` (``save``/``load``).
"""

from . import functional, init
from .activation import GELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .attention import MultiHeadAttention
from .containers import ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .init import manual_seed
from .linear import Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import Module
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from .parameter import Parameter
from .pooling import AvgPool2d, MaxPool2d
from .serialization import load, save
from .transformer import TransformerBlock

__all__ = [
    "AvgPool2d", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv2d", "CrossEntropyLoss",
    "Dropout", "Flatten", "GELU", "LayerNorm", "LeakyReLU", "Linear", "MSELoss", "MaxPool2d",
    "Module", "ModuleList", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh",
    "MultiHeadAttention", "TransformerBlock", "functional", "init", "load", "manual_seed", "save",
]
