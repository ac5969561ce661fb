"""Normalisation layers: rescale activations to mean 0, variance 1, then learn a scale and shift.

* ``LayerNorm`` normalises each sample over its last axes (its features). It needs no
  batch and behaves the same in training and evaluation: the choice for transformers.
* ``BatchNorm1d``/``BatchNorm2d`` normalise each channel over the batch (and over the
  spatial positions). In training they use the batch's own statistics and keep a running
  average of them in buffers; in evaluation they use those running averages, so a single
  sample gives a deterministic answer. BatchNorm is written with ordinary Tensor ops, so
  autograd supplies its (famously fiddly) backward pass.

Read next: ``loss.py``.
"""

import numpy as np

from . import functional as F
from .module import Module
from .parameter import Parameter


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` axes, with a learned weight and bias."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.weight = Parameter(np.ones(shape, dtype=np.float32)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, dtype=np.float32)) if elementwise_affine and bias else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}"


class _BatchNorm(Module):
    input_axes, input_doc = (), ""  # the input ranks this layer accepts: set by each subclass

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=np.float32))
        self.bias = Parameter(np.zeros(num_features, dtype=np.float32))
        self.register_buffer("running_mean", np.zeros(num_features, dtype=np.float32))
        self.register_buffer("running_var", np.ones(num_features, dtype=np.float32))

    def forward(self, x):
        if x.ndim not in self.input_axes or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): expected a {self.input_doc} input "
                f"with C={self.num_features}, found shape {x.shape}"
            )
        axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channel axis
        shape = (1, -1) + (1,) * (x.ndim - 2)  # a per-channel vector, ready to broadcast
        if self.training:
            count = x.numel() // self.num_features
            if count < 2:
                raise ValueError(
                    f"{type(self).__name__} in training mode needs more than one value per channel "
                    f"to compute a variance, found input shape {x.shape}; use a larger batch or eval()"
                )
            # region 13 transformers: normalize with the batch's mean and variance; update running stats (unbiased variance)
            mean = x.mean(axes, keepdims=True)
            var = x.var(axes, keepdims=True)
            # The running variance is the unbiased estimate (n - 1), as in PyTorch.
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(mean.data.reshape(-1) * m)
            self.running_var.mul_(1 - m).add_(var.data.reshape(-1) * (m * count / (count - 1)))
            # endregion
        else:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        xhat = (x - mean) / (var + self.eps).sqrt()
        return xhat * self.weight.reshape(shape) + self.bias.reshape(shape)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs."""

    input_axes, input_doc = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, one mean and variance per channel."""

    input_axes, input_doc = (4,), "(N, C, H, W)"
