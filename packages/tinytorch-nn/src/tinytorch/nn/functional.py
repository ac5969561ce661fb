"""Stateless maths on tensors, under PyTorch's names and keywords: ``import tinytorch.nn.functional as F``.

The heavy composites (``linear``, ``conv2d``, pooling, softmax, cross-entropy, layer norm,
GELU, attention) are ``tinytorch.core.functional``'s, so a backend that overrides one
speeds up every layer. The functions here give them PyTorch's signatures
(``layer_norm(x, normalized_shape, weight, bias, eps)``, ``cross_entropy(...,
ignore_index=, reduction=, label_smoothing=)``, ``scaled_dot_product_attention(q, k, v,
attn_mask=, dropout_p=, is_causal=)``) and take the composite's fast path whenever the
arguments allow; the rest is built from Tensor ops, whose gradients autograd knows.
``inplace=True`` is accepted where PyTorch has it, and computed out of place (same values).

Read next: ``activation.py`` and ``loss.py`` (the layers are thin wrappers of these).
"""

import math

import numpy as np

from tinytorch.core import Tensor, where
from tinytorch.core import functional as _core
from tinytorch.core.functional import conv2d, linear

from . import init as _init

__all__ = [
    "avg_pool2d", "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv2d", "cross_entropy", "dropout",
    "elu", "embedding", "gelu", "l1_loss", "layer_norm", "leaky_relu",
    "linear", "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "one_hot",
    "pad", "relu", "scaled_dot_product_attention", "sigmoid", "silu", "softmax",
    "softplus", "tanh",
]


def _axis(axis, dim):
    """PyTorch says ``dim``, NumPy and TinyTorch say ``axis``; accept either."""
    return axis if dim is None else dim


def _array(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x)


# ---------------------------------------------------------------------- activations
def softmax(x, dim=-1, axis=None):
    return _core.softmax(x, _axis(dim, axis))


def log_softmax(x, dim=-1, axis=None):
    return _core.log_softmax(x, _axis(dim, axis))


def relu(x, inplace=False):
    return x.relu()


def sigmoid(x):
    return x.sigmoid()


def tanh(x):
    return x.tanh()


def leaky_relu(x, negative_slope=0.01, inplace=False):
    """x where x > 0, else ``negative_slope * x``: negative inputs keep a small gradient."""
    # region 02 activations: keep x where it is positive, else scale it by negative_slope (a Tensor op: autograd does the rest)
    return where(x.data > 0, x, x * negative_slope)
    # endregion


def elu(x, alpha=1.0, inplace=False):
    """x where x > 0, else ``alpha * (exp(x) - 1)``: smooth, and negative outputs pull the mean to 0."""
    return where(x.data > 0, x, (x.clip(max=0).exp() - 1) * alpha)


def silu(x, inplace=False):
    """``x * sigmoid(x)`` (also called swish)."""
    return x * x.sigmoid()


def softplus(x, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold`` (as PyTorch, to avoid overflow)."""
    bx = x * beta
    soft = ((-bx.abs()).exp() + 1).log() + bx.relu()  # the overflow-free form of log(1 + e^bx)
    return where(bx.data > threshold, x, soft * (1.0 / beta))


def gelu(x, approximate="none"):
    """GELU, ``x * P(N(0,1) < x)``: exact (erf) by default as in PyTorch; ``"tanh"`` is the
    approximation GPT-2 used, which is the core composite a backend may fuse."""
    if approximate == "tanh":
        return _core.gelu(x)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', found {approximate!r}")
    a = x.data
    cdf = _erf(a * (1 / math.sqrt(2)))
    cdf += 1
    cdf *= 0.5

    def backward(g):
        # d/dx [x * cdf(x)] = cdf(x) + x * pdf(x), with pdf the standard normal density.
        local = np.square(a)
        local *= -0.5
        np.exp(local, out=local)
        local *= a * (1 / math.sqrt(2 * math.pi))
        local += cdf
        return (local * g,)

    return Tensor._make((a * cdf).astype(a.dtype, copy=False), (x,), backward, "gelu_erf")


_math_erf = np.frompyfunc(math.erf, 1, 1)
# Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, below float32's resolution of erf's values.
_AS_P, _AS_A = 0.3275911, (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


def _erf(a):
    """erf on an array: exact (libm, one call per element) in float64, a fast approximation
    accurate to float32 rounding otherwise (NumPy has no erf ufunc). The approximation
    works in place on two buffers: a dozen passes over fresh arrays cost three times more."""
    if a.dtype == np.float64:
        return _math_erf(a).astype(np.float64)
    z = np.abs(a)
    t = np.multiply(z, _AS_P)
    t += 1
    np.reciprocal(t, out=t)
    poly = np.multiply(t, _AS_A[0])
    for c in _AS_A[1:]:  # Horner: (((a1 t + a2) t + a3) t + a4) t + a5, then times t
        poly += c
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    poly *= np.exp(z, out=z)
    np.subtract(1, poly, out=poly)  # erf(|x|) = 1 - t * poly(t) * exp(-x^2)
    return np.copysign(poly, a, out=poly)


# ---------------------------------------------------------------------- regularisation and lookup
def dropout(x, p=0.5, training=True, inplace=False):
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
    # region 02 activations: keep each entry with probability 1 - p, and divide the survivors by 1 - p
    keep = _init.generator().random(x.shape) >= p
    return x * (keep / (1 - p)).astype(x.dtype)
    # endregion


def embedding(input, weight):
    """Rows of ``weight`` picked by the integer ids in ``input``: shape ``input.shape + (dim,)``."""
    ids = _array(input)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embedding expects integer ids, found dtype {ids.dtype}")
    n = weight.shape[0]
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        bad = np.unique(ids[(ids < 0) | (ids >= n)])
        raise IndexError(
            f"embedding: ids {bad[:5].tolist()} are outside the table's range 0..{n - 1}; "
            "check the tokenizer's vocab_size matches the model's"
        )
    return weight[ids]


def one_hot(tensor, num_classes=-1):
    """Integer class ids -> int64 one-hot vectors on a new last axis."""
    ids = _array(tensor)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"one_hot expects integer class ids, found dtype {ids.dtype}")
    n = int(ids.max()) + 1 if num_classes == -1 else num_classes
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise ValueError(f"one_hot: class ids must lie in [0, {n}), found [{ids.min()}, {ids.max()}]")
    return Tensor((ids[..., None] == np.arange(n)).astype(np.int64))


def pad(input, pad, mode="constant", value=0.0):
    """Pad the last ``len(pad) // 2`` axes: ``pad = (left, right, top, bottom, ...)``, last axis first."""
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is implemented, found {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: expected pairs for at most {input.ndim} axes, found {tuple(pad)}")
    widths = [(0, 0)] * (input.ndim - len(pad) // 2) + [tuple(pad[i:i + 2]) for i in range(len(pad) - 2, -1, -2)]
    if any(w < 0 for pair in widths for w in pair):
        raise NotImplementedError(f"pad: negative padding (cropping) is not supported, found {tuple(pad)}")
    data = np.pad(input.data, widths, constant_values=value)
    keep = tuple(slice(a, n + a) for (a, _), n in zip(widths, input.shape))
    return Tensor._make(data, (input,), lambda g: (g[keep],), "pad")


# ---------------------------------------------------------------------- pooling
def max_pool2d(input, kernel_size, stride=None, padding=0):
    """Max over square windows; ``padding`` pads with -inf, so padding never wins."""
    if padding:
        input = pad(input, (padding,) * 4, value=-np.inf)
    return _core.max_pool2d(input, kernel_size, stride)


def avg_pool2d(input, kernel_size, stride=None, padding=0):
    """Mean over square windows; ``padding`` pads with zeros, which count (PyTorch's default)."""
    if padding:
        input = pad(input, (padding,) * 4)
    return _core.avg_pool2d(input, kernel_size, stride)


# ---------------------------------------------------------------------- normalisation and attention
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` axes, then scale and shift."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if input.shape[input.ndim - k:] != shape:
        raise ValueError(f"layer_norm (LayerNorm{shape}): expected an input ending in {shape}, found shape {input.shape}")
    if k == 1:  # the common case: the composite normalises the last axis directly
        return _core.layer_norm(input, weight, bias, eps)
    lead = input.shape[:input.ndim - k]
    flat = [None if t is None else t.reshape(-1) for t in (weight, bias)]
    return _core.layer_norm(input.reshape(lead + (-1,)), *flat, eps).reshape(input.shape)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """``softmax(q k^T * scale + mask) v`` over (..., T, d) tensors, as PyTorch's.

    ``attn_mask`` is boolean (True where attending is allowed) or a float mask added to
    the scores. With a boolean or no mask, the default scale and no dropout this is one
    core composite; otherwise it is written out in Tensor ops. As in PyTorch,
    ``dropout_p`` applies whenever it is non-zero (pass 0.0 in eval mode).
    """
    d, tq, tk = query.shape[-1], query.shape[-2], key.shape[-2]
    is_bool = attn_mask is None or _array(attn_mask).dtype == bool
    if is_causal and tq != tk:
        # PyTorch aligns the causal mask top-left (query i sees keys 0..i); the core composite
        # aligns it bottom-right, for a KV cache. Spell PyTorch's out as a boolean mask.
        causal = np.tril(np.ones((tq, tk), dtype=bool))
        if is_bool:
            attn_mask, is_causal = causal if attn_mask is None else causal & _array(attn_mask), False
    if is_bool and not dropout_p and scale is None:
        return _core.scaled_dot_product_attention(query, key, value, attn_mask, is_causal)
    scores = query @ key.transpose(-2, -1) * (1 / math.sqrt(d) if scale is None else scale)
    allowed = np.tril(np.ones((tq, tk), dtype=bool)) if is_causal else None
    if attn_mask is not None and is_bool:
        allowed = _array(attn_mask) if allowed is None else allowed & _array(attn_mask)
    elif attn_mask is not None:
        scores = scores + attn_mask
    if allowed is not None:
        scores = where(allowed, scores, np.asarray(-np.inf, scores.dtype))
    return dropout(softmax(scores, -1), dropout_p) @ value


# ---------------------------------------------------------------------- losses
def _reduce(loss, reduction, name):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', found {reduction!r}")


def _same_shape(name, input, target):
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ; reshape "
            f"one to match (broadcasting them would silently compare every pair)"
        )


def mse_loss(input, target, reduction="mean"):
    """Squared differences, averaged (or summed) over every element."""
    _same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    """Absolute differences, averaged (or summed) over every element."""
    _same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction, "l1_loss")


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """-[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))], from logits ``x``.

    Written as max(x, 0) - x*y + log(1 + exp(-|x|)): equal to the formula above, but
    ``exp`` only ever sees a non-positive number, so it cannot overflow.
    """
    _same_shape("binary_cross_entropy_with_logits", input, target)
    loss = input.relu() - input * target + ((-input.abs()).exp() + 1).log()
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def binary_cross_entropy(input, target, reduction="mean"):
    """The same loss from probabilities; logs are clamped at -100, as PyTorch does."""
    _same_shape("binary_cross_entropy", input, target)
    loss = -(target * input.log().clip(min=-100) + (1 - target) * (1 - input).log().clip(min=-100))
    return _reduce(loss, reduction, "binary_cross_entropy")


def _classes_last(input, target, name):
    """(N, C, d1, ...) as PyTorch lays it out -> (N, d1, ..., C); (..., C) with targets
    (...) is TinyTorch's layout and stays. A shape that fits both is refused, not guessed."""
    if input.ndim <= 2:
        return input
    torch_layout = target.shape == (input.shape[0],) + input.shape[2:]
    last_layout = target.shape == input.shape[:-1]
    if torch_layout and last_layout:
        raise ValueError(
            f"{name}: input {input.shape} with target {target.shape} could have its classes on "
            "axis 1 (PyTorch's layout) or last; flatten to (N, C) and (N,) to say which"
        )
    if torch_layout:
        return input.permute(0, *range(2, input.ndim), 1)
    return input


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class ids ``target`` under log-probabilities ``input``.

    Each sample's loss is ``-weight[y] * input[y]``; targets equal to ``ignore_index``
    count for nothing, and ``"mean"`` divides by the total weight of the counted samples.
    """
    y = _array(target)
    logp = _classes_last(input, y, "nll_loss")
    c = logp.shape[-1]
    if y.shape != logp.shape[:-1]:
        raise ValueError(f"nll_loss: target shape {y.shape} does not fit input shape {input.shape}")
    counted = y != ignore_index
    if np.any((y[counted] < 0) | (y[counted] >= c)):
        raise ValueError(f"nll_loss: targets must lie in [0, {c}) or equal ignore_index={ignore_index}")
    safe = np.where(counted, y, 0)
    w = (np.ones(c, logp.dtype) if weight is None else _array(weight).astype(logp.dtype))[safe] * counted
    picked = logp.reshape(-1, c)[np.arange(y.size), safe.reshape(-1)].reshape(y.shape)
    loss = -picked * w
    return loss.sum() * (1.0 / w.sum()) if reduction == "mean" else _reduce(loss, reduction, "nll_loss")


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of raw logits ``input`` (N, C) or (N, C, d1, ...) against class ids.

    ``label_smoothing`` mixes the one-hot target with the uniform distribution. The plain
    case (no weight, nothing ignored, no smoothing, mean or sum) is the core's fused
    composite; the rest is ``nll_loss`` over ``log_softmax``.
    """
    y = _array(target)
    if y.dtype.kind == "f":  # class probabilities, same shape as the input
        _same_shape("cross_entropy (probability targets)", input, Tensor(y))
        return _reduce(-(log_softmax(input, 1) * Tensor(y)).sum(1), reduction, "cross_entropy")
    logits = _classes_last(input, y, "cross_entropy")
    plain = weight is None and not label_smoothing and not np.any(y == ignore_index)
    if plain and reduction in ("mean", "sum"):
        loss = _core.cross_entropy(logits, y)
        return loss if reduction == "mean" else loss * float(y.size)
    logp = log_softmax(logits, -1)
    loss = nll_loss(logp, y, weight, ignore_index, reduction)
    if not label_smoothing:
        return loss
    counted = y != ignore_index
    w = Tensor(np.ones(logp.shape[-1], logp.dtype) if weight is None else _array(weight).astype(logp.dtype))
    smooth = -(logp * w).sum(-1) * Tensor(counted.astype(logp.dtype)) * (1.0 / logp.shape[-1])
    if reduction == "mean":
        smooth = smooth.sum() * (1.0 / float((w.data[np.where(counted, y, 0)] * counted).sum()))
    else:
        smooth = _reduce(smooth, reduction, "cross_entropy")
    return loss * (1 - label_smoothing) + smooth * label_smoothing
