"""``torch.nn``: ``tinytorch.nn``'s modules under PyTorch's names, plus ``init`` and ``utils``.

Every layer, loss and container is ``tinytorch.nn``'s own class (``nn.Linear is
tinytorch.nn.Linear``), so a model built through the facade is an ordinary TinyTorch
model. ``functional`` and ``init`` are the same functions; ``utils`` adapts
``clip_grad_norm_`` to return a tensor, as PyTorch's does.

Read next: ``functional.py``, ``utils.py``.
"""

from tinytorch.nn import (  # noqa: F401  (re-exported)
    ELU,
    GELU,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    BCELoss,
    BCEWithLogitsLoss,
    Conv2d,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    L1Loss,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    NLLLoss,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)

from . import functional, init, utils  # noqa: F401
