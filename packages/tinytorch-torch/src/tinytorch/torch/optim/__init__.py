"""``torch.optim``: ``tinytorch.optim``'s optimizers (PyTorch's update rules and options) and schedules.

Read next: ``tinytorch.optim.optimizer``, the loop every optimizer shares.
"""

from tinytorch.optim import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop  # noqa: F401

from . import lr_scheduler  # noqa: F401
