"""Shared fixtures: a gradient check that perturbs a module's own parameters and inputs.

(``tinytorch.core.testing`` checks kernels against NumPy references; here the function
under test is a whole layer, so the reference is the layer's own forward pass.)
"""

import numpy as np
import pytest
from tinytorch.core import Tensor, no_grad


def check_gradients(fn, tensors, seed=0, eps=1e-6, rtol=1e-5, atol=1e-8):
    """Autograd's gradient of sum(fn() * w), for random w, against central differences.

    ``tensors`` are the float64 inputs and parameters ``fn`` reads; each is nudged in place.
    """
    out = fn()
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    for t in tensors:
        t.grad = None
    (out * Tensor(weights)).sum().backward()
    for i, t in enumerate(tensors):
        assert t.dtype == np.float64, "gradient checks need float64 (call model.double())"
        numeric = np.zeros_like(t.data)
        for idx in np.ndindex(t.shape):
            old = t.data[idx]
            with no_grad():
                t.data[idx] = old + eps
                up = np.sum(fn().data * weights)
                t.data[idx] = old - eps
                down = np.sum(fn().data * weights)
            t.data[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        assert t.grad is not None, f"tensor {i} of shape {t.shape} received no gradient"
        np.testing.assert_allclose(t.grad.data, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of tensor {i} (shape {t.shape}) differs from finite differences")


@pytest.fixture
def gradcheck():
    return check_gradients


@pytest.fixture
def rng():
    return np.random.default_rng(0)
