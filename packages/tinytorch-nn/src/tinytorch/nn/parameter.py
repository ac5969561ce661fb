"""Parameter: a Tensor that a Module should train.

It is an ordinary ``Tensor`` in every op; the subclass exists so that assigning one to a
``Module`` attribute registers it (see ``module.py``), the way ``nn.Parameter`` does in
PyTorch.

Read next: ``module.py``.
"""

import numpy as np

from tinytorch.core import Tensor


class Parameter(Tensor):
    """A trainable tensor: requires grad, float32 unless given a float array of another width."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data)
        if self.dtype.kind != "f":  # integers cannot carry a gradient
            self.data = self.data.astype(np.float32)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
