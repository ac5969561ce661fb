"""Conv2d: one small Linear layer slid over every position of an image.

Each of the ``out_channels`` filters has shape (in_channels, kh, kw) and produces one
output channel by taking a dot product with every kernel-sized window of the (padded)
input, stepping ``stride`` pixels at a time. The core's ``conv2d`` composite does this
by turning every window into a row (im2col) and making one matrix product; a backend may
replace it.

Output size per spatial axis: ``(size + 2 * padding - kernel) // stride + 1``.

Read next: ``pooling.py``.
"""

import numpy as np

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Conv2d(Module):
    """2-D convolution over (N, C, H, W). ``kernel_size`` is an int or (kh, kw); stride and padding are ints."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        super().__init__()
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, (kh, kw)
        self.stride, self.padding = stride, padding
        self.weight = Parameter(np.empty((out_channels, in_channels, kh, kw), dtype=np.float32))
        self.bias = Parameter(np.empty(out_channels, dtype=np.float32)) if bias else None
        self.activation = None  # None, "relu" or "gelu": an activation fused into the kernel
        self.reset_parameters()

    def reset_parameters(self):
        init.default_(self.weight, self.bias)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.activation)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        text += f", padding={self.padding}" if self.padding else ""
        text += "" if self.bias is not None else ", bias=False"
        return text + (f", activation={self.activation!r}" if self.activation else "")
