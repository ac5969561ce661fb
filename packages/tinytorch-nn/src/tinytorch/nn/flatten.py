"""Flatten: join axes ``start_axis..end_axis`` into one, e.g. (N, C, H, W) -> (N, C*H*W).

It is the bridge between convolutional layers, which see images, and linear layers,
which see vectors. The batch axis (0) is kept by default.

Read next: ``containers.py``.
"""

from .module import Module


class Flatten(Module):
    def __init__(self, start_axis=1, end_axis=-1):
        super().__init__()
        self.start_axis, self.end_axis = start_axis, end_axis

    def forward(self, x):
        return x.flatten(self.start_axis, self.end_axis)

    def extra_repr(self):
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"
