"""tinytorch.optim: optimizers, learning-rate schedules, gradient clipping and the Trainer.

Read in this order: ``optimizer.py`` (the shared loop, parameter groups, state dicts),
``sgd.py``, ``adam.py``, ``lr_scheduler.py``, ``clip.py``, then ``trainer.py``.
"""

from .adam import Adam, AdamW
from .clip import clip_grad_norm_
from .lr_scheduler import CosineWithWarmup, LRScheduler, StepLR
from .optimizer import Optimizer
from .sgd import SGD
from .trainer import Trainer, TrainingDiverged

__all__ = [
    "Adam", "AdamW", "CosineWithWarmup", "LRScheduler", "Optimizer", "SGD", "StepLR",
    "Trainer", "TrainingDiverged", "clip_grad_norm_",
]
