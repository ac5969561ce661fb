"""Flatten: join dims ``start_dim..end_dim`` into one, e.g. (N, C, H, W) -> (N, C*H*W).

It is the bridge between convolutional layers, which see images, and linear layers,
which see vectors. The batch dim (0) is kept by default.

Read next: ``containers.py``.
"""

from .module import Module


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
