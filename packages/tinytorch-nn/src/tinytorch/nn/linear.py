"""Linear: ``y = x @ W.T + b``, the layer every network starts from.

The weight is stored (out_features, in_features), as in PyTorch, so row ``i`` holds
the weights of output ``i``. The maths is the core's ``linear`` composite, which a backend
may replace with a faster kernel; ``activation`` ("relu" or "gelu") folds the next
activation into the same kernel, which is what a fusing optimisation pass sets.

Read next: ``conv.py`` (the same idea, sliding over an image), or ``init.py``.
"""

import numpy as np

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=np.float32))
        self.bias = Parameter(np.empty(out_features, dtype=np.float32)) if bias else None
        self.activation = None  # None, "relu" or "gelu": an activation fused into the kernel
        self.reset_parameters()

    def reset_parameters(self):
        init.default_(self.weight, self.bias)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias, self.activation)

    def extra_repr(self):
        fused = f", activation={self.activation!r}" if self.activation else ""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}{fused}"
