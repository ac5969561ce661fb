"""Losses: known values, stability at extreme logits, and gradients."""

import numpy as np
import pytest

import tinytorch.nn as nn
import tinytorch.nn.functional as F
from tinytorch.core import Tensor


def test_mse_loss(rng, gradcheck):
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    y = rng.standard_normal((4, 3))
    assert nn.MSELoss()(x, y).item() == pytest.approx(np.mean((x.data - y) ** 2))
    assert F.mse_loss(x, Tensor(y)).item() == pytest.approx(np.mean((x.data - y) ** 2))
    gradcheck(lambda: nn.MSELoss()(x, y), [x])


def test_losses_refuse_silent_broadcasting():
    with pytest.raises(ValueError, match=r"input shape \(4, 1\) and target shape \(4,\) differ"):
        F.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits: input shape"):
        F.binary_cross_entropy_with_logits(Tensor(np.zeros((4, 1))), np.zeros(4))


def test_cross_entropy(rng, gradcheck):
    logits = Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    targets = np.array([0, 3, 1, 1, 2])
    z = logits.data - logits.data.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert nn.CrossEntropyLoss()(logits, targets).item() == pytest.approx(-logp[np.arange(5), targets].mean())
    gradcheck(lambda: nn.CrossEntropyLoss()(logits, Tensor(targets)), [logits])
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 4\)"):
        F.cross_entropy(logits, np.array([0, 4, 1, 1, 2]))


def test_bce_with_logits_known_values_and_gradient(rng, gradcheck):
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = rng.integers(0, 2, (3, 4)).astype(np.float64)
    p = 1 / (1 + np.exp(-x.data))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert nn.BCEWithLogitsLoss()(x, y).item() == pytest.approx(expected)
    gradcheck(lambda: nn.BCEWithLogitsLoss()(x, y), [x])


def test_bce_with_logits_is_stable_at_extreme_logits():
    x = Tensor(np.array([1000.0, -1000.0, 1000.0, -1000.0], dtype=np.float32), requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        loss = F.binary_cross_entropy_with_logits(x, y)
        loss.backward()
    assert loss.item() == pytest.approx(500.0)  # two right answers cost 0, two wrong ones 1000 each
    assert np.all(np.isfinite(x.grad.data))
