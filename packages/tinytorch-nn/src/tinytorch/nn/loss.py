"""Losses: one number saying how wrong the predictions are; ``backward()`` starts here.

Each is a ``Module`` around a function in ``functional.py``, holding PyTorch's options
(``reduction="mean" | "sum" | "none"``, and for the classification losses ``weight``,
``ignore_index``, ``label_smoothing``):

* ``MSELoss``, ``L1Loss``: squared or absolute error, for regression.
* ``CrossEntropyLoss``: for classification from raw logits (N, C) or (N, C, d1, ...)
  and integer class targets. Its plain case is the core's ``cross_entropy`` composite,
  which fuses log-softmax and the negative log-likelihood so large logits cannot overflow.
  ``NLLLoss`` is the second half alone, for models that end in ``LogSoftmax``.
* ``BCEWithLogitsLoss`` (from logits, overflow-free) and ``BCELoss`` (from probabilities),
  for yes/no targets.

Read next: ``serialization.py``, or tinytorch.optim, which turns these gradients into steps.
"""

from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.reduction)


class BCELoss(_Loss):
    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of class ids under log-probabilities (e.g. a ``LogSoftmax`` output)."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(NLLLoss):
    """Cross-entropy from raw logits; classes on axis 1, as in PyTorch (see ``functional.cross_entropy``)."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, ignore_index, reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)
