"""Dropout: during training, randomly silence activations so no unit can be relied on alone.

Each forward in training mode zeroes every entry with probability ``p`` and scales the
rest by 1/(1-p); in eval mode it is the identity. The masks come from the generator in
``init.py``, so ``nn.manual_seed`` makes them reproducible.

Read next: ``functional.dropout``, then ``norm.py`` (the other layer that behaves
differently in ``train()`` and ``eval()``).
"""

from . import functional as F
from .module import Module


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False):  # inplace: computed out of place, as activation.py says
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout probability must be in [0, 1], found {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
