"""Learning-rate schedules: set each group's ``lr`` from how many steps have been taken.

A scheduler remembers each group's starting lr and, after every ``step()``, writes
``lr = f(base_lr, t)`` into the optimizer, where ``t`` counts the calls to ``step()`` so
far (PyTorch calls it ``last_epoch``). Every schedule here is a closed formula of ``t``,
so resuming from a saved ``t`` gives exactly the same rates, with no drift from
repeated multiplication.

``interval`` says how often the ``Trainer`` calls ``step()``: once per ``"epoch"``
(``StepLR``, as in PyTorch) or once per optimizer ``"step"`` (``CosineWithWarmup`` and
``OneCycleLR``, whose ``total_steps`` count batches). PyTorch's names follow:
``ExponentialLR``, ``MultiStepLR``, ``LambdaLR``, ``LinearLR``, ``CosineAnnealingLR``,
``OneCycleLR`` (which also cycles the momentum), each matching PyTorch's rates.

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
        # region 06 optimizers: linear warmup to base_lr, then a half cosine from base_lr down to min_lr
        if t < self.warmup_steps:
            return base_lr * (t + 1) / self.warmup_steps
        progress = min(1.0, (t - self.warmup_steps) / max(1, self.total_steps - self.warmup_steps))
        return self.min_lr + (base_lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))
        # endregion


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: ``base_lr * gamma ** t``."""

    def __init__(self, optimizer, gamma):
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** t


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each epoch in ``milestones``."""

    def __init__(self, optimizer, milestones, gamma=0.1):
        self.milestones, self.gamma = sorted(milestones), gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** sum(m <= t for m in self.milestones)


class LambdaLR(LRScheduler):
    """``base_lr * lr_lambda(t)``; ``lr_lambda`` is a function, or one per parameter group."""

    def __init__(self, optimizer, lr_lambda):
        count = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * count
        if len(self.lr_lambdas) != count:
            raise ValueError(f"LambdaLR: {len(self.lr_lambdas)} lr_lambdas for {count} parameter groups")
        super().__init__(optimizer)

    def _apply(self):
        for group, base_lr, fn in zip(self.optimizer.param_groups, self.base_lrs, self.lr_lambdas, strict=True):
            group["lr"] = base_lr * fn(self.last_epoch)


class LinearLR(LRScheduler):
    """Scale the lr linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` steps, then hold."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: factors must lie in (0, 1] and [0, 1], found {start_factor}, {end_factor}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        progress = min(t, self.total_iters) / self.total_iters if self.total_iters else 1.0
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


def _cosine(start, end, progress):
    """From ``start`` (progress 0) to ``end`` (progress 1) along half a cosine."""
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * progress))


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from the base lr down to ``eta_min`` over ``T_max`` steps (then back up, as PyTorch)."""

    def __init__(self, optimizer, T_max, eta_min=0.0):  # noqa: N803  (PyTorch's name)
        if T_max < 1:
            raise ValueError(f"T_max must be a positive number of steps, found {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        return _cosine(base_lr, self.eta_min, t / self.T_max)


class OneCycleLR(LRScheduler):
    """Smith's one-cycle policy, as PyTorch: the lr rises from ``max_lr / div_factor`` to
    ``max_lr`` over the first ``pct_start`` of ``total_steps``, then falls to
    ``max_lr / div_factor / final_div_factor``; momentum (or Adam's beta1) moves the
    opposite way between ``max_momentum`` and ``base_momentum``. Step it after every batch.
    """

    interval = "step"

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR needs total_steps, or both epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', found {anneal_strategy!r}")
        self.total_steps, self.anneal = total_steps, anneal_strategy
        self.div_factor, self.final_div_factor = div_factor, final_div_factor
        self.momenta = (max_momentum, base_momentum) if cycle_momentum else None
        up, down = float(pct_start * total_steps) - 1, float(total_steps - 1)
        # Each phase: (last step, lr from, lr to, momentum from, momentum to) as fractions of
        # the peak: "peak", "start" (peak / div_factor), "end" (start / final_div_factor).
        self.phases = ([(up, "start", "peak", 0, 1), (2 * up, "peak", "start", 1, 0), (down, "start", "end", 0, 0)]
                       if three_phase else [(up, "start", "peak", 0, 1), (down, "peak", "end", 1, 0)])
        peaks = list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(optimizer.param_groups)
        for group, peak in zip(optimizer.param_groups, peaks, strict=True):
            group["lr"] = peak  # so the base class records the peaks as base_lrs
        super().__init__(optimizer)

    def _position(self, t):
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR stepped {t} times, past total_steps={self.total_steps}")
        start = 0.0
        for i, (end, *ends) in enumerate(self.phases):
            if t <= end or i == len(self.phases) - 1:
                return (t - start) / (end - start), ends
            start = end

    def _blend(self, a, b, progress):
        return _cosine(a, b, progress) if self.anneal == "cos" else a + (b - a) * progress

    def lr_at(self, base_lr, t):
        progress, (lr_from, lr_to, _, _) = self._position(t)
        start = base_lr / self.div_factor
        level = {"peak": base_lr, "start": start, "end": start / self.final_div_factor}
        return self._blend(level[lr_from], level[lr_to], progress)

    def _apply(self):
        super()._apply()
        if self.momenta is None:
            return
        progress, (_, _, m_from, m_to) = self._position(self.last_epoch)
        momentum = self._blend(self.momenta[m_from], self.momenta[m_to], progress)
        for group in self.optimizer.param_groups:
            if "betas" in group:
                group["betas"] = (momentum, *group["betas"][1:])
            elif "momentum" in group:
                group["momentum"] = momentum
            else:
                raise ValueError("OneCycleLR with cycle_momentum needs an optimizer with 'momentum' or 'betas'")
