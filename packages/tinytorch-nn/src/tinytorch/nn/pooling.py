"""Pooling: shrink an image by summarising each window with its max or its mean.

Max pooling keeps the strongest response in each window (and passes the gradient only to
it); average pooling keeps the mean (and shares the gradient equally). Both are core
composites. Windows are square; ``stride`` defaults to the window size, so windows tile
the image without overlap.

Read next: ``norm.py``.
"""

from . import functional as F
from .module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride or kernel_size

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class MaxPool2d(_Pool2d):
    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride)


class AvgPool2d(_Pool2d):
    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride)
