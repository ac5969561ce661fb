"""Stateless maths on tensors, under PyTorch's names: ``import tinytorch.nn.functional as F``.

The heavy composites (``linear``, ``conv2d``, pooling, softmax, cross-entropy, layer norm,
GELU, attention) are ``tinytorch.core.functional``'s, re-exported unchanged so a backend
that overrides one speeds up every layer. What is added here is built from Tensor ops,
whose gradients autograd already knows: activations, dropout and two losses.

The layers in this package are thin ``Module`` wrappers around these functions.

Read next: ``activation.py`` and ``loss.py``.
"""

from tinytorch.core import functional as _core
from tinytorch.core import where
from tinytorch.core.functional import (  # noqa: F401  (re-exported)
    avg_pool2d,
    conv2d,
    cross_entropy,
    gelu,
    layer_norm,
    linear,
    max_pool2d,
    scaled_dot_product_attention,
)

from . import init as _init


def _axis(axis, dim):
    """PyTorch says ``dim``, NumPy and TinyTorch say ``axis``; accept either."""
    return axis if dim is None else dim


def softmax(x, axis=-1, dim=None):
    return _core.softmax(x, _axis(axis, dim))


def log_softmax(x, axis=-1, dim=None):
    return _core.log_softmax(x, _axis(axis, dim))


def relu(x):
    return x.relu()


def sigmoid(x):
    return x.sigmoid()


def tanh(x):
    return x.tanh()


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else ``negative_slope * x``: negative inputs keep a small gradient."""
    return where(x.data > 0, x, x * negative_slope)


def dropout(x, p=0.5, training=True):
    """Zero each entry with probability ``p`` and scale the survivors by 1/(1-p).

    The scaling ("inverted dropout") keeps every activation's expected value unchanged,
    so evaluation needs no correction: outside training this returns ``x`` itself.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], found {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = _init.generator().random(x.shape) >= p
    return x * (keep / (1 - p)).astype(x.dtype)


def _same_shape(name, input, target):
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ; reshape "
            f"one to match (broadcasting them would silently compare every pair)"
        )


def mse_loss(input, target):
    """Mean of the squared differences."""
    _same_shape("mse_loss", input, target)
    diff = input - target
    return (diff * diff).mean()


def binary_cross_entropy_with_logits(input, target):
    """Mean of -[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))], from logits ``x``.

    Written as max(x, 0) - x*y + log(1 + exp(-|x|)): equal to the formula above, but
    ``exp`` only ever sees a non-positive number, so it cannot overflow.
    """
    _same_shape("binary_cross_entropy_with_logits", input, target)
    return (input.relu() - input * target + ((-input.abs()).exp() + 1).log()).mean()
