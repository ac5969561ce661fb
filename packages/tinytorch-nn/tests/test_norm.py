"""LayerNorm and BatchNorm: values, gradients, running statistics, train vs eval."""

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.core import Tensor


def randomize(module, rng):
    """Give weight and bias values other than the 1 and 0 they start at."""
    for p in module.parameters():
        p.data = rng.standard_normal(p.shape).astype(p.dtype)
    return module


def test_layer_norm_values_and_gradients(rng, gradcheck):
    norm = randomize(nn.LayerNorm(5).double(), rng)
    x = Tensor(rng.standard_normal((3, 5)), requires_grad=True)
    xhat = (x.data - x.data.mean(-1, keepdims=True)) / np.sqrt(x.data.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(norm(x).data, xhat * norm.weight.data + norm.bias.data, rtol=1e-10)
    gradcheck(lambda: norm(x), [x, norm.weight, norm.bias])


def test_layer_norm_over_several_trailing_axes(rng, gradcheck):
    norm = randomize(nn.LayerNorm((2, 3)).double(), rng)
    x = Tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    flat = x.data.reshape(4, 6)
    xhat = ((flat - flat.mean(-1, keepdims=True)) / np.sqrt(flat.var(-1, keepdims=True) + 1e-5)).reshape(4, 2, 3)
    np.testing.assert_allclose(norm(x).data, xhat * norm.weight.data + norm.bias.data, rtol=1e-10)
    gradcheck(lambda: norm(x), [x, norm.weight, norm.bias])
    with pytest.raises(ValueError, match=r"expected an input ending in \(2, 3\), found shape \(4, 3, 2\)"):
        norm(Tensor(np.zeros((4, 3, 2))))


@pytest.mark.parametrize("cls,shape", [
    (nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 2)), (nn.BatchNorm2d, (3, 3, 2, 2))])
def test_batch_norm_training_gradients(rng, gradcheck, cls, shape):
    norm = randomize(cls(3).double(), rng)
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    axes = tuple(i for i in range(len(shape)) if i != 1)
    mean, var = x.data.mean(axes, keepdims=True), x.data.var(axes, keepdims=True)
    per_channel = (1, 3) + (1,) * (len(shape) - 2)
    w, b = norm.weight.data.reshape(per_channel), norm.bias.data.reshape(per_channel)
    expected = (x.data - mean) / np.sqrt(var + 1e-5) * w + b
    np.testing.assert_allclose(norm(x).data, expected, rtol=1e-10)
    gradcheck(lambda: norm(x), [x, norm.weight, norm.bias])


def test_batch_norm_running_statistics_by_hand(rng):
    norm = nn.BatchNorm2d(2, momentum=0.1)
    batches = [rng.standard_normal((4, 2, 3, 3)).astype(np.float32) * 3 + 1 for _ in range(2)]
    mean, var = np.zeros(2), np.ones(2)
    for batch in batches:
        norm(Tensor(batch))
        n = 4 * 3 * 3
        mean = 0.9 * mean + 0.1 * batch.mean(axis=(0, 2, 3))
        var = 0.9 * var + 0.1 * batch.var(axis=(0, 2, 3)) * n / (n - 1)  # unbiased, like PyTorch
    np.testing.assert_allclose(norm.running_mean.data, mean, rtol=1e-5)
    np.testing.assert_allclose(norm.running_var.data, var, rtol=1e-5)
    assert norm.running_mean.dtype == np.float32
    assert list(norm.state_dict()) == ["weight", "bias", "running_mean", "running_var"]


def test_batch_norm_eval_uses_running_statistics_and_keeps_them(rng, gradcheck):
    norm = randomize(nn.BatchNorm1d(3), rng)
    norm.running_mean.data = np.array([1.0, -1.0, 0.5], dtype=np.float32)
    norm.running_var.data = np.array([4.0, 0.25, 1.0], dtype=np.float32)
    norm.eval()
    x = Tensor(rng.standard_normal((1, 3)).astype(np.float32))  # a batch of one is fine in eval
    xhat = (x.data - norm.running_mean.data) / np.sqrt(norm.running_var.data + 1e-5)
    expected = xhat * norm.weight.data + norm.bias.data
    np.testing.assert_allclose(norm(x).data, expected, rtol=1e-6)
    np.testing.assert_array_equal(norm.running_mean.data, [1.0, -1.0, 0.5])  # eval never updates them
    # Each sample's output depends only on itself in eval mode.
    batch = Tensor(rng.standard_normal((5, 3)).astype(np.float32))
    np.testing.assert_allclose(norm(batch).data[:1], norm(batch[:1]).data, rtol=1e-6)
    norm.double()
    xs = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    gradcheck(lambda: norm(xs), [xs, norm.weight, norm.bias])


def test_batch_norm_input_errors():
    expected = r"BatchNorm2d\(3\): expected a \(N, C, H, W\) input with C=3, found shape \(2, 3\)"
    with pytest.raises(ValueError, match=expected):
        nn.BatchNorm2d(3)(Tensor(np.zeros((2, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="more than one value per channel"):
        nn.BatchNorm1d(3)(Tensor(np.zeros((1, 3), dtype=np.float32)))
