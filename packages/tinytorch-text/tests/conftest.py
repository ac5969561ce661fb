"""Shared fixtures: small float64 GPTs, and a gradient check against finite differences."""

import numpy as np
import pytest
import tinytorch.nn as nn
from tinytorch.core import Tensor, no_grad
from tinytorch.text import GPT


@pytest.fixture
def tiny_gpt():
    """``tiny_gpt(dtype, **sizes)``: a seeded GPT over 11 tokens with a window of 12."""

    def make(dtype=np.float64, seed=0, **sizes):
        nn.manual_seed(seed)
        options = dict(vocab_size=11, d_model=16, n_layers=2, n_heads=4, max_seq_len=12)
        return GPT(**{**options, **sizes}).to(dtype)

    return make


def numerical_grad(loss, array, eps=1e-6):
    """Central differences of the scalar ``loss()`` with respect to each entry of ``array``."""
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        with no_grad():
            array[idx] = old + eps
            up = loss()
            array[idx] = old - eps
            down = loss()
        array[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


@pytest.fixture
def gradcheck():
    """``gradcheck(fn, tensors)``: autograd's gradient of sum(fn() * w) vs finite differences."""

    def check(fn, tensors, seed=0):
        out = fn()
        weights = np.random.default_rng(seed).standard_normal(out.shape)
        (out * Tensor(weights)).sum().backward()
        for i, t in enumerate(tensors):
            numeric = numerical_grad(lambda: float(np.sum(fn().data * weights)), t.data)
            np.testing.assert_allclose(t.grad.data, numeric, rtol=1e-5, atol=1e-8,
                                       err_msg=f"gradient of tensor {i} (shape {t.shape})")

    return check
