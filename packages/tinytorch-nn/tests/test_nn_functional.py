"""nn.functional: the core's composites re-exported, and layers reaching the backend through them."""

import numpy as np
import pytest

import tinytorch.nn as nn
import tinytorch.nn.functional as F
from tinytorch.core import Tensor, get_backend
from tinytorch.core import functional as core_functional

COMPOSITES = ["linear", "conv2d", "max_pool2d", "avg_pool2d", "cross_entropy", "layer_norm", "gelu",
              "scaled_dot_product_attention"]


@pytest.mark.parametrize("name", ["linear", "conv2d"])
def test_composites_with_pytorchs_signature_are_the_cores_own_functions(name):
    assert getattr(F, name) is getattr(core_functional, name)


@pytest.mark.parametrize("call,kernel", [
    (lambda x: F.cross_entropy(x, np.array([0, 1, 2])), "cross_entropy"),
    (lambda x: F.layer_norm(x, (4,)), "layer_norm"),
    (lambda x: F.gelu(x, approximate="tanh"), "gelu"),
    (lambda x: F.scaled_dot_product_attention(x, x, x, is_causal=True), "scaled_dot_product_attention"),
    (lambda x: F.max_pool2d(x.reshape(1, 3, 2, 2), 2), "max_pool2d"),
])
def test_pytorch_shaped_functions_take_the_composite_fast_path(monkeypatch, call, kernel):
    backend, calls = get_backend(), []
    original = getattr(backend, kernel)
    monkeypatch.setattr(backend, kernel, lambda *args, **kwargs: calls.append(kernel) or original(*args, **kwargs))
    call(Tensor(np.ones((3, 4), dtype=np.float32)))
    assert calls == [kernel]


def test_every_documented_function_exists():
    for name in COMPOSITES + ["softmax", "log_softmax", "relu", "sigmoid", "tanh", "leaky_relu", "dropout",
                              "mse_loss", "binary_cross_entropy_with_logits"]:
        assert callable(getattr(F, name)), name


@pytest.mark.parametrize("layer,kernel,shape", [
    (nn.Linear(4, 2), "linear", (3, 4)),
    (nn.Conv2d(1, 2, 3), "conv2d", (1, 1, 5, 5)),
    (nn.MaxPool2d(2), "max_pool2d", (1, 1, 4, 4)),
    (nn.AvgPool2d(2), "avg_pool2d", (1, 1, 4, 4)),
    (nn.LayerNorm(4), "layer_norm", (3, 4)),
    (nn.GELU(approximate="tanh"), "gelu", (3, 4)),
    (nn.Softmax(), "softmax", (3, 4)),
])
def test_layers_call_the_backends_composite_kernel(monkeypatch, layer, kernel, shape):
    backend, calls = get_backend(), []
    original = getattr(backend, kernel)
    monkeypatch.setattr(backend, kernel, lambda *args, **kwargs: calls.append(kernel) or original(*args, **kwargs))
    layer(Tensor(np.ones(shape, dtype=np.float32)))
    assert calls == [kernel]


def test_leaky_relu_gradient_and_dropout_outside_training():
    x = Tensor(np.array([-2.0, 3.0]), requires_grad=True)
    F.leaky_relu(x, 0.2).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.2, 1.0])
    assert F.dropout(x, 0.9, training=False) is x
    with pytest.raises(ValueError, match=r"found -0.1"):
        F.dropout(x, -0.1)
