"""Weight initialisation, and the one random generator of ``tinytorch.nn``.

A layer's starting weights decide whether a deep network trains at all: too large and
activations explode layer after layer, too small and they vanish. The schemes here pick
the spread from the layer's *fan* (how many inputs feed each output, how many outputs each
input feeds) so that the variance of activations (Kaiming, for ReLU nets) or of
activations and gradients (Xavier, for tanh/sigmoid nets) stays about constant.

Every random draw in ``tinytorch.nn`` (initialisation and dropout masks) comes from the
generator here, so ``manual_seed(0)`` makes a model and its training reproducible.

Functions ending in ``_`` fill a tensor in place and return it, as in PyTorch.

Read next: ``linear.py``, whose default initialisation is ``default_`` below.
"""

import math

import numpy as np

from tinytorch.core import no_grad
from tinytorch.core.names import did_you_mean

_generator = np.random.default_rng()


def manual_seed(seed):
    """Seed the generator behind every initialisation and dropout mask."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator():
    """The ``numpy.random.Generator`` that ``tinytorch.nn`` draws from."""
    return _generator


def calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a Linear weight (out, in) or a Conv weight (out, in, kh, kw)."""
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 axes, found shape {tensor.shape}")
    receptive_field = int(np.prod(tensor.shape[2:]))  # kh * kw for a conv, 1 for a linear layer
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


_GAINS = {
    "linear": lambda _: 1.0, "conv2d": lambda _: 1.0, "sigmoid": lambda _: 1.0,
    "tanh": lambda _: 5.0 / 3, "relu": lambda _: math.sqrt(2.0), "selu": lambda _: 3.0 / 4,
    "leaky_relu": lambda slope: math.sqrt(2.0 / (1 + (0.01 if slope is None else slope) ** 2)),
}


def calculate_gain(nonlinearity, param=None):
    """How much a nonlinearity shrinks the variance, undone by scaling the weights."""
    if nonlinearity not in _GAINS:
        raise ValueError(
            f"unknown nonlinearity {nonlinearity!r}; expected one of {sorted(_GAINS)}"
            f"{did_you_mean(nonlinearity, _GAINS)}"
        )
    return _GAINS[nonlinearity](param)


def _fill(tensor, values):
    with no_grad():  # writing into a parameter is not an op to differentiate
        tensor.copy_(np.asarray(values, dtype=tensor.dtype))
    return tensor


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', found {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0):
    return _fill(tensor, _generator.uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0):
    return _fill(tensor, _generator.normal(mean, std, tensor.shape))


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def constant_(tensor, val):
    return _fill(tensor, val)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """N(mean, std^2) restricted to [a, b]: draws outside the range are drawn again."""
    if not a < b:
        raise ValueError(f"trunc_normal_ needs a < b, found a={a}, b={b}")
    values = _generator.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    while outside.any():  # each pass redraws only the rejected entries
        values[outside] = _generator.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill(tensor, values)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """U(-bound, bound) with bound = gain * sqrt(3 / fan): He et al. (2015)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return uniform_(tensor, -math.sqrt(3.0) * std, math.sqrt(3.0) * std)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """N(0, std^2) with std = gain / sqrt(fan): He et al. (2015)."""
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)))


def xavier_uniform_(tensor, gain=1.0):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)): Glorot and Bengio (2010)."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)): Glorot and Bengio (2010)."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def default_(weight, bias=None):
    """PyTorch's default for Linear and Conv2d: every entry U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    PyTorch writes it as ``kaiming_uniform_(weight, a=sqrt(5))``, whose gain
    sqrt(2 / (1 + 5)) times sqrt(3 / fan_in) is exactly 1/sqrt(fan_in).
    """
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1.0 / math.sqrt(calculate_fan_in_and_fan_out(weight)[0])
        uniform_(bias, -bound, bound)
    return weight
