"""Behaviour: the pieces together learn. A two-layer MLP fits a problem no linear model can."""

import numpy as np

import tinytorch.nn as nn
from tinytorch.core import Tensor, no_grad


def test_mlp_learns_quadrant_classification_with_plain_gradient_descent():
    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, (200, 2)).astype(np.float32)
    labels = (points[:, 0] * points[:, 1] > 0).astype(np.int64)  # XOR of the signs
    x = Tensor(points)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    loss_fn = nn.CrossEntropyLoss()

    first = loss_fn(model(x), labels).item()
    for _ in range(300):
        model.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        with no_grad():
            for p in model.parameters():
                p.sub_(p.grad * 0.5)

    accuracy = (model(x).argmax(axis=1).data == labels).mean()
    assert first > 0.6 and loss.item() < 0.15, (first, loss.item())
    assert accuracy > 0.95
