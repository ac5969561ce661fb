"""Activation functions as modules, so they can sit in a ``Sequential``.

Each one is a one-line ``forward`` over ``functional.py``; the module form exists only to
hold settings (a slope, an axis) and to print itself in a model's ``repr``.

Read next: ``functional.py`` for the maths, ``containers.py`` for ``Sequential``.
"""

from . import functional as F
from .module import Module


class ReLU(Module):
    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class GELU(Module):
    """GELU in its tanh approximation (PyTorch's ``GELU(approximate="tanh")``)."""

    def forward(self, x):
        return F.gelu(x)


class Softmax(Module):
    """Softmax over ``axis`` (PyTorch's ``dim=`` is accepted too)."""

    def __init__(self, axis=-1, dim=None):
        super().__init__()
        self.axis = F._axis(axis, dim)

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"
