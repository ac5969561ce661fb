"""Activation functions as modules, so they can sit in a ``Sequential``.

Each one is a one-line ``forward`` over ``functional.py``; the module form exists only to
hold settings (a slope, an axis) and to print itself in a model's ``repr``.

PyTorch's ``inplace=True`` (which scripts pass to save memory) is accepted and the result
computed out of place: the same values, and the input stays valid for the backward pass.

Read next: ``functional.py`` for the maths, ``containers.py`` for ``Sequential``.
"""

from . import functional as F
from .module import Module


class ReLU(Module):
    def __init__(self, inplace=False):  # inplace: see the module docstring
        super().__init__()

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01, inplace=False):
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
    """GELU: exact (erf) by default, as PyTorch; ``GELU(approximate="tanh")`` for GPT-2's form."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', found {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return F.silu(x)


class ELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softplus(Module):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Identity(Module):
    """Returns its input: a placeholder where a layer is optional."""

    def __init__(self, *args, **kwargs):  # PyTorch's ignores its arguments too
        super().__init__()

    def forward(self, x):
        return x


class Softmax(Module):
    """Softmax over ``dim`` (TinyTorch's ``axis=`` is accepted too)."""

    kernel = staticmethod(F.softmax)

    def __init__(self, dim=-1, axis=None):
        super().__init__()
        self.dim = F._axis(dim, axis)

    def forward(self, x):
        return self.kernel(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log of the softmax over ``dim``, computed stably in one composite."""

    kernel = staticmethod(F.log_softmax)
