"""``torch.optim.lr_scheduler``: ``tinytorch.optim.lr_scheduler``'s schedules, which use PyTorch's formulas.

Read next: ``tinytorch.optim.lr_scheduler``.
"""

from tinytorch.optim.lr_scheduler import (  # noqa: F401  (re-exported)
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    StepLR,
)
