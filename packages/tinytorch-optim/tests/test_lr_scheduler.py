"""LR schedules: the lr sequence against closed-form values, and resuming from a state dict."""

import math

import numpy as np
import pytest

import tinytorch.optim as optim
from tinytorch.core import Tensor


def _optimizer(lr=0.1, head_lr=None):
    groups = [{"params": [Tensor([1.0], requires_grad=True)]}]
    if head_lr is not None:
        groups.append({"params": [Tensor([1.0], requires_grad=True)], "lr": head_lr})
    return optim.SGD(groups, lr=lr)


def _sequence(scheduler, steps):
    lrs = [scheduler.get_last_lr()]
    for _ in range(steps):
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
    return lrs


def test_step_lr_multiplies_by_gamma_every_step_size_steps():
    scheduler = optim.StepLR(_optimizer(0.1, head_lr=1.0), step_size=3, gamma=0.5)
    expected = [[0.1 * 0.5 ** (t // 3), 1.0 * 0.5 ** (t // 3)] for t in range(10)]
    assert _sequence(scheduler, 9) == expected
    assert scheduler.interval == "epoch"


def test_cosine_with_warmup_follows_its_formula():
    opt = _optimizer(1.0)
    scheduler = optim.CosineWithWarmup(opt, total_steps=10, warmup_steps=4, min_lr=0.1)
    got = [lrs[0] for lrs in _sequence(scheduler, 12)]
    warmup = [0.25, 0.5, 0.75, 1.0]
    cosine = [0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * k / 6)) for k in range(7)]  # t = 4 .. 10
    assert got == pytest.approx(warmup + cosine + [0.1, 0.1], rel=1e-12)
    assert opt.param_groups[0]["lr"] == got[-1]
    assert scheduler.interval == "step"


def test_cosine_without_warmup_starts_at_the_base_lr_and_ends_at_min_lr():
    scheduler = optim.CosineWithWarmup(_optimizer(0.2, head_lr=0.02), total_steps=4)
    got = _sequence(scheduler, 4)
    assert got[0] == [0.2, 0.02]
    assert got[2] == pytest.approx([0.1, 0.01])
    assert got[4] == [0.0, 0.0]


@pytest.mark.parametrize("make", [
    lambda opt: optim.StepLR(opt, step_size=2, gamma=0.3),
    lambda opt: optim.CosineWithWarmup(opt, total_steps=20, warmup_steps=5, min_lr=0.01),
])
def test_state_dict_resumes_the_same_sequence(make):
    reference = make(_optimizer(0.1, head_lr=0.5))
    expected = _sequence(reference, 12)[7:]

    scheduler = make(_optimizer(0.1, head_lr=0.5))
    _sequence(scheduler, 7)
    # As it comes back from .npz: numbers and tuples become arrays.
    saved = {k: np.asarray(v) for k, v in scheduler.state_dict().items()}
    resumed = make(_optimizer(0.1, head_lr=0.5))
    resumed.load_state_dict(saved)
    assert _sequence(resumed, 5) == expected


@pytest.mark.parametrize("make, message", [
    (lambda opt: optim.StepLR(opt, step_size=0), "step_size must be a positive integer, found 0"),
    (lambda opt: optim.StepLR(opt, step_size=2, gamma=-1), "gamma must be > 0, found -1"),
    (lambda opt: optim.CosineWithWarmup(opt, total_steps=0), "total_steps must be a positive integer"),
    (lambda opt: optim.CosineWithWarmup(opt, total_steps=5, warmup_steps=6),
     r"warmup_steps must be an integer in \[0, total_steps=5\], found 6"),
    (lambda opt: optim.CosineWithWarmup(opt, total_steps=5, min_lr=-1), "min_lr must be >= 0, found -1"),
])
def test_invalid_schedules_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make(_optimizer())
