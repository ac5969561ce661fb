"""Losses: one number saying how wrong the predictions are; ``backward()`` starts here.

All three average over every element (PyTorch's ``reduction="mean"``):

* ``MSELoss``: squared error, for regression.
* ``CrossEntropyLoss``: for classification from raw logits (N, C) or (..., C) and integer
  class targets. It is the core's ``cross_entropy`` composite, which fuses log-softmax
  and the negative log-likelihood so that large logits cannot overflow.
* ``BCEWithLogitsLoss``: for yes/no targets from raw logits, in the overflow-free form
  written out in ``functional.binary_cross_entropy_with_logits``.

Read next: ``serialization.py``, or tinytorch.optim, which turns these gradients into steps.
"""

from . import functional as F
from .module import Module


class MSELoss(Module):
    def forward(self, input, target):
        return F.mse_loss(input, target)


class CrossEntropyLoss(Module):
    """Classes on the last axis of the logits; targets are class indices."""

    def forward(self, logits, targets):
        return F.cross_entropy(logits, targets)


class BCEWithLogitsLoss(Module):
    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target)
