"""Learning-rate schedules: set each group's ``lr`` from how many steps have been taken.

A scheduler remembers each group's starting lr and, after every ``step()``, writes
``lr = f(base_lr, t)`` into the optimizer, where ``t`` counts the calls to ``step()`` so
far (PyTorch calls it ``last_epoch``). Every schedule here is a closed formula of ``t``,
so resuming from a saved ``t`` gives exactly the same rates, with no drift from
repeated multiplication.

``interval`` says how often the ``Trainer`` calls ``step()``: once per ``"epoch"``
(``StepLR``, as in PyTorch) or once per optimizer ``"step"`` (``CosineWithWarmup``,
whose ``total_steps`` counts batches).

Read next: ``clip.py``, the other guard against steps that are too large.
"""

import math

from .optimizer import to_python


class LRScheduler:
    """Base class: subclasses define ``lr_at(base_lr, t)``."""

    interval = "epoch"

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()

    def lr_at(self, base_lr, t):
        raise NotImplementedError(f"{type(self).__name__} must implement lr_at()")

    def step(self):
        self.last_epoch += 1
        self._apply()

    def _apply(self):
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.lr_at(base_lr, self.last_epoch)

    def get_last_lr(self):
        """The lr of each group, as set by the latest ``step()``."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Flat, like the optimizer's: ``{"last_epoch": 3, "base_lrs": (0.1, 0.01)}``."""
        return {"last_epoch": self.last_epoch, "base_lrs": tuple(self.base_lrs)}

    def load_state_dict(self, state_dict):
        self.last_epoch = int(to_python(state_dict["last_epoch"]))
        self.base_lrs = list(to_python(state_dict["base_lrs"]))
        if len(self.base_lrs) != len(self.optimizer.param_groups):
            raise ValueError(
                f"the saved schedule has {len(self.base_lrs)} parameter groups but the optimizer "
                f"has {len(self.optimizer.param_groups)}"
            )
        self._apply()


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs: ``base_lr * gamma ** (t // step_size)``."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, found {step_size!r}")
        if not gamma > 0:
            raise ValueError(f"gamma must be > 0, found {gamma!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** (t // self.step_size)


class CosineWithWarmup(LRScheduler):
    """Linear warmup to the base lr over ``warmup_steps``, then a cosine down to ``min_lr``.

    During warmup the lr at step ``t`` is ``base_lr * (t + 1) / warmup_steps``, so the
    first update already moves (a warmup that starts at 0 wastes a step) and step
    ``warmup_steps - 1`` uses the full rate. Then, with ``progress`` going from 0 to 1
    over the remaining steps, ``min_lr + (base_lr - min_lr) * (1 + cos(pi * progress)) / 2``;
    after ``total_steps`` the lr stays at ``min_lr``.
    """

    interval = "step"

    def __init__(self, optimizer, total_steps, warmup_steps=0, min_lr=0.0):
        if not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(f"total_steps must be a positive integer, found {total_steps!r}")
        if not isinstance(warmup_steps, int) or not 0 <= warmup_steps <= total_steps:
            raise ValueError(
                f"warmup_steps must be an integer in [0, total_steps={total_steps}], found {warmup_steps!r}"
            )
        if not min_lr >= 0:
            raise ValueError(f"min_lr must be >= 0, found {min_lr!r}")
        self.total_steps, self.warmup_steps, self.min_lr = total_steps, warmup_steps, min_lr
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        if t < self.warmup_steps:
            return base_lr * (t + 1) / self.warmup_steps
        progress = min(1.0, (t - self.warmup_steps) / max(1, self.total_steps - self.warmup_steps))
        return self.min_lr + (base_lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))
