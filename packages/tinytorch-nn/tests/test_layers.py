"""Layers: shapes, initialisation, known values and gradients against finite differences."""

import math

import numpy as np
import pytest

import tinytorch.nn as nn
import tinytorch.nn.functional as F
from tinytorch.core import Tensor


def t64(rng, *shape):
    return Tensor(rng.standard_normal(shape), requires_grad=True)


def test_linear_matches_formula_and_gradients(rng, gradcheck):
    layer = nn.Linear(4, 3).double()
    x = t64(rng, 5, 4)
    expected = x.data @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12)
    assert layer.weight.shape == (3, 4)
    gradcheck(lambda: layer(x), [x, layer.weight, layer.bias])


def test_linear_batched_input_fused_relu_and_no_bias(rng, gradcheck):
    layer = nn.Linear(4, 3, bias=False).double()
    layer.activation = "relu"
    x = t64(rng, 2, 5, 4)
    out = layer(x)
    assert out.shape == (2, 5, 3) and layer.bias is None
    np.testing.assert_allclose(out.data, np.maximum(x.data @ layer.weight.data.T, 0), rtol=1e-12)
    gradcheck(lambda: layer(x), [x, layer.weight])


def test_linear_default_init_is_pytorchs():
    nn.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32 and np.abs(p.data).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3)
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_linear_wrong_input_width_is_reported():
    with pytest.raises(ValueError, match=r"linear: incompatible shapes \(2, 5\) and \(3, 4\)"):
        nn.Linear(4, 3)(Tensor(np.zeros((2, 5), dtype=np.float32)))


def _conv_reference(x, w, b, stride, padding):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    f, _, kh, kw = w.shape
    oh, ow = (x.shape[2] - kh) // stride + 1, (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", patch, w) + b
    return out


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (1, 2)])
def test_conv2d_matches_loops_and_gradients(rng, gradcheck, stride, padding):
    conv = nn.Conv2d(2, 3, 3, stride=stride, padding=padding).double()
    x = t64(rng, 2, 2, 5, 5)
    out = conv(x)
    size = (5 + 2 * padding - 3) // stride + 1
    assert out.shape == (2, 3, size, size)
    expected = _conv_reference(x.data, conv.weight.data, conv.bias.data, stride, padding)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10)
    gradcheck(lambda: conv(x), [x, conv.weight, conv.bias])


def test_conv2d_rectangular_kernel_init_and_repr():
    conv = nn.Conv2d(3, 4, (2, 3), bias=False)
    assert conv.weight.shape == (4, 3, 2, 3) and conv.bias is None
    assert np.abs(conv.weight.data).max() <= 1 / math.sqrt(3 * 2 * 3)
    assert repr(conv) == "Conv2d(3, 4, kernel_size=(2, 3), stride=1, bias=False)"
    assert conv(Tensor(np.zeros((1, 3, 4, 4), dtype=np.float32))).shape == (1, 4, 3, 2)


def test_max_pool_picks_the_maximum_and_routes_its_gradient():
    x = Tensor(np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4), requires_grad=True)
    out = nn.MaxPool2d(2)(x)
    np.testing.assert_array_equal(out.data, [[[[5, 7], [13, 15]]]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]])


@pytest.mark.parametrize("pool", [nn.MaxPool2d(2), nn.AvgPool2d(2), nn.MaxPool2d(3, stride=1), nn.AvgPool2d(3, 2)])
def test_pool_gradients(rng, gradcheck, pool):
    x = t64(rng, 2, 2, 5, 5)
    gradcheck(lambda: pool(x), [x])


def test_avg_pool_values_and_repr():
    x = Tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(nn.AvgPool2d(2)(x).data, [[[[2.5, 4.5], [10.5, 12.5]]]])
    assert repr(nn.MaxPool2d(3, stride=1)) == "MaxPool2d(kernel_size=3, stride=1)"


def test_activations_known_values(rng, gradcheck):
    x = Tensor(np.array([-2.0, -0.5, 0.5, 3.0]))
    np.testing.assert_allclose(nn.ReLU()(x).data, [0, 0, 0.5, 3])
    np.testing.assert_allclose(nn.LeakyReLU(0.1)(x).data, [-0.2, -0.05, 0.5, 3])
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x.data)))
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x.data))
    gelu = 0.5 * x.data * (1 + np.tanh(math.sqrt(2 / math.pi) * (x.data + 0.044715 * x.data ** 3)))
    np.testing.assert_allclose(nn.GELU(approximate="tanh")(x).data, gelu)
    np.testing.assert_allclose(nn.GELU()(x).data, [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.data])
    z = t64(rng, 3, 4)
    for module in (nn.LeakyReLU(), nn.Sigmoid(), nn.Tanh(), nn.GELU(), nn.Softmax(axis=0)):
        gradcheck(lambda: module(z), [z])


def test_softmax_accepts_pytorchs_dim(rng):
    x = Tensor(rng.standard_normal((3, 4)))
    e = np.exp(x.data - x.data.max(axis=0))
    np.testing.assert_allclose(nn.Softmax(dim=0)(x).data, e / e.sum(axis=0))
    np.testing.assert_allclose(F.softmax(x, dim=0).data, nn.Softmax(axis=0)(x).data)
    np.testing.assert_allclose(F.log_softmax(x, dim=1).data, np.log(F.softmax(x, axis=1).data))
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"


def test_flatten(rng, gradcheck):
    x = t64(rng, 2, 3, 2, 2)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 2, 2)
    gradcheck(lambda: nn.Flatten()(x), [x])


# ---------------------------------------------------------------------- dropout
def test_dropout_statistics_and_scaling():
    nn.manual_seed(0)
    x = Tensor(np.ones((200, 500), dtype=np.float32), requires_grad=True)
    out = nn.Dropout(0.3)(x)
    dropped = out.data == 0
    assert out.dtype == np.float32
    assert dropped.mean() == pytest.approx(0.3, abs=0.01)
    np.testing.assert_allclose(out.data[~dropped], 1 / 0.7, rtol=1e-6)
    assert out.data.mean() == pytest.approx(1.0, abs=0.02)  # inverted dropout keeps the mean
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, out.data)  # gradient passes through survivors, scaled


def test_dropout_is_identity_in_eval_and_reproducible_with_seed():
    x = Tensor(np.ones((4, 50), dtype=np.float32))
    layer = nn.Dropout(0.5)
    assert layer.eval()(x) is x
    layer.train()
    nn.manual_seed(7)
    first = layer(x).data
    nn.manual_seed(7)
    np.testing.assert_array_equal(layer(x).data, first)
    assert not np.array_equal(layer(x).data, first)


def test_dropout_edges():
    x = Tensor(np.ones(10, dtype=np.float32))
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).data, np.zeros(10))
    with pytest.raises(ValueError, match=r"Dropout probability must be in \[0, 1\], found 1.5"):
        nn.Dropout(1.5)
