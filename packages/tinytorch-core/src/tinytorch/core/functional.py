"""Autograd for the composite kernels: linear, conv2d, pooling, softmax, attention, ...

Each function here asks the active backend for the composite's forward, which returns
the output and a ``ctx`` of whatever the backward will need, and records a graph node
whose backward hands ``ctx`` back to the same backend. A backend that overrides
``linear``/``linear_backward`` therefore speeds up every ``nn.Linear`` at once.
``tinytorch.nn.functional`` re-exports these under PyTorch's names.

Read next: ``tinytorch.nn`` (layers built on these), or ``testing.py`` (how every
backend's kernels are checked against finite differences).
"""

import numpy as np

from . import autograd as _autograd
from . import backend as _backend
from . import dims
from .tensor import Tensor, _shape_error


def _composite(name, inputs, *args):
    """Run composite ``name`` on ``inputs`` (Tensors or None) and record its backward."""
    be = _backend.active
    present = tuple([t for t in inputs if t is not None])  # list comprehensions: no generator per call
    # The forward is told which inputs will want a gradient before it runs: with none
    # (no_grad), it may keep nothing for a backward that never comes.
    recording = _autograd._grad_enabled
    needs = tuple([t is not None and t.requires_grad and recording for t in inputs])
    out, ctx = getattr(be, name)(*[None if t is None else t.data for t in inputs], *args, needs=needs)
    backward_kernel = getattr(be, name + "_backward")

    def backward(g):
        grads = backward_kernel(g, ctx, needs)
        return tuple(gr for t, gr in zip(inputs, grads) if t is not None)

    # ctx may hold the output (softmax's does): an in-place change of it must be caught too
    return Tensor._make(out, present, backward, name, present, saves_output=True)


def linear(x, weight, bias=None, activation=None):
    """``activation(x @ weight.T + bias)``; weight is (out_features, in_features)."""
    if x.shape[-1] != weight.shape[-1]:
        raise _shape_error("linear", x.shape, weight.shape)
    return _composite("linear", (x, weight, bias), activation)


def conv2d(x, weight, bias=None, stride=1, padding=0, activation=None):
    """2-D cross-correlation of (N, C, H, W) with (F, C, kh, kw) filters."""
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise _shape_error("conv2d", x.shape, weight.shape)
    if x.shape[2] + 2 * padding < weight.shape[2] or x.shape[3] + 2 * padding < weight.shape[3]:
        raise _shape_error("conv2d (input smaller than kernel)", x.shape, weight.shape)
    return _composite("conv2d", (x, weight, bias), stride, padding, activation)


def max_pool2d(x, kernel_size=2, stride=None):
    if x.ndim != 4:
        raise ValueError(f"max_pool2d: expected an (N, C, H, W) input, found shape {x.shape}")
    return _composite("max_pool2d", (x,), kernel_size, stride)


def avg_pool2d(x, kernel_size=2, stride=None):
    if x.ndim != 4:
        raise ValueError(f"avg_pool2d: expected an (N, C, H, W) input, found shape {x.shape}")
    return _composite("avg_pool2d", (x,), kernel_size, stride)


def softmax(x, dim=None, *, axis=None):
    """``exp(x) / exp(x).sum(dim)`` along ``dim`` (default the last; NumPy's ``axis=`` too)."""
    return _composite("softmax", (x,), dims.normalize(dims.pick("softmax", dim, axis, -1), x.ndim, "softmax"))


def log_softmax(x, dim=None, *, axis=None):
    return _composite("log_softmax", (x,), dims.normalize(dims.pick("log_softmax", dim, axis, -1), x.ndim, "log_softmax"))


def cross_entropy(logits, targets):
    """Mean cross-entropy of class-index ``targets`` given ``logits`` (..., C)."""
    targets = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if targets.shape != logits.shape[:-1]:
        raise _shape_error("cross_entropy (logits vs targets)", logits.shape, targets.shape)
    # Tensor([0, 1]) is float32, so whole-number floats are class ids; 1.7 would be truncated silently
    if targets.dtype.kind not in "iub" and not np.array_equal(targets, np.round(targets)):
        raise TypeError(
            f"cross_entropy: targets must be class indices, found non-integer {targets.dtype} values "
            "(an integer array or .long() tensor of classes is expected)"
        )
    if targets.size and (targets.min() < 0 or targets.max() >= logits.shape[-1]):
        raise ValueError(
            f"cross_entropy: targets must lie in [0, {logits.shape[-1]}), found "
            f"[{targets.min()}, {targets.max()}]"
        )
    flat = logits.reshape(-1, logits.shape[-1]) if logits.ndim != 2 else logits
    return _composite("cross_entropy", (flat,), targets.reshape(-1).astype(np.int64))


def layer_norm(x, weight=None, bias=None, eps=1e-5):
    """Normalize over the last axis, then scale by ``weight`` and shift by ``bias``."""
    if weight is not None and weight.shape != x.shape[-1:]:
        raise _shape_error("layer_norm", x.shape, weight.shape)
    return _composite("layer_norm", (x, weight, bias), eps)


def gelu(x):
    """GELU, tanh approximation."""
    return _composite("gelu", (x,))


def scaled_dot_product_attention(q, k, v, mask=None, is_causal=False):
    """``softmax(q @ k^T / sqrt(d) + mask) @ v`` over (..., T, d) tensors."""
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise _shape_error("scaled_dot_product_attention", q.shape, k.shape, v.shape)
    mask = mask.data if isinstance(mask, Tensor) else mask
    return _composite("scaled_dot_product_attention", (q, k, v), mask, is_causal)
