"""tinytorch.optim: optimizers, learning-rate schedules, gradient clipping and the Trainer.

Read in this order: ``optimizer.py`` (the shared loop, parameter groups, state dicts),
``sgd.py``, ``adaptive.py`` (Adagrad, RMSprop, Adadelta), ``adam.py``, ``lr_scheduler.py``, ``clip.py``, then ``trainer.py``.
"""

from . import hookspecs  # noqa: F401  (adds the passes and epoch hooks to the plugin manager)
from .adam import Adam, AdamW
from .adaptive import Adadelta, Adagrad, RMSprop
from .clip import clip_grad_norm_
from .lr_scheduler import (
    CosineAnnealingLR,
    CosineWithWarmup,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    StepLR,
)
from .optimizer import Optimizer
from .sgd import SGD
from .trainer import Trainer, TrainingDiverged

__all__ = [
    "Adadelta", "Adagrad", "Adam", "AdamW", "CosineAnnealingLR", "CosineWithWarmup", "ExponentialLR",
    "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "OneCycleLR", "Optimizer", "RMSprop", "SGD",
    "StepLR", "Trainer", "TrainingDiverged", "clip_grad_norm_",
]
