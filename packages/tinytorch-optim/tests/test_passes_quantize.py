"""The quantize pass: int8 round trip, int8 storage, integer maths, bytes and accuracy on digits."""

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.core import Tensor, no_grad
from tinytorch.core.data import DataLoader, load_dataset
from tinytorch.optim import Adam, Trainer
from tinytorch.optim.passes import PassContext, Quantize, QuantizedConv2d, QuantizedLinear, quantize
from tinytorch.optim.passes.quantize import dequantize, quantize_per_channel


def state_bytes(model):
    return sum(array.nbytes for array in model.state_dict().values())


def digits_mlp(hidden=(128, 64)):
    layers, width = [], 64
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 10))


def digits_lenet(channels=(6, 16), hidden=(120, 84)):
    """Two conv-ReLU-pool blocks on the 8x8 digits (8 -> 4 -> 2 pixels), then an MLP."""
    c1, c2 = channels
    layers = [nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
              nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
    width = c2 * 2 * 2
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 10))


def accuracy(model, loader):
    right = total = 0
    model.eval()
    with no_grad():
        for x, y in loader:
            right += int((model(x).data.argmax(-1) == y.data).sum())
            total += len(y)
    return right / total


# -- the int8 round trip -----------------------------------------------------------------


def test_round_trip_error_is_at_most_half_a_step_per_channel():
    rng = np.random.default_rng(0)
    # rows of very different sizes, one all zero (a pruned neuron)
    w = (rng.standard_normal((6, 5, 3)) * np.array([1e-3, 0.02, 0.5, 3.0, 40.0, 0.0])[:, None, None])
    w = w.astype(np.float32)
    q, scale = quantize_per_channel(w)
    assert q.dtype == np.int8 and q.shape == w.shape
    assert scale.dtype == np.float16 and scale.shape == (6,)
    assert np.abs(q.astype(int)).max() <= 127
    error = np.abs(dequantize(q, scale) - w).reshape(6, -1).max(axis=1)
    step = scale.astype(np.float32)
    assert np.all(error <= step / 2 * (1 + 1e-6))
    # each non-zero row uses the whole grid: its largest weight lands near +-127
    assert np.all(np.abs(q.reshape(6, -1)[:5]).max(axis=1) >= 126)
    assert np.all(q[5] == 0)


def test_quantized_layers_store_int8_arrays_and_load_back(tmp_path):
    nn.manual_seed(0)
    model = quantize(digits_lenet())
    state = model.state_dict()
    for name in ("0.weight", "3.weight", "7.weight", "11.weight", "0.bias", "11.bias"):
        assert state[name].dtype == np.int8, name
    assert state["7.weight_scale"].dtype == np.float16
    assert isinstance(model[0], QuantizedConv2d) and isinstance(model[7], QuantizedLinear)
    nn.save(model, tmp_path / "q.npz")
    nn.manual_seed(1)
    other = quantize(digits_lenet())
    nn.load(tmp_path / "q.npz", other)
    x = Tensor(np.random.default_rng(0).random((3, 1, 8, 8), dtype=np.float32))
    np.testing.assert_array_equal(other(x).data, model(x).data)


def test_linear_output_is_the_integer_product_rescaled():
    rng = np.random.default_rng(1)
    layer = nn.Linear(7, 4)
    q_layer = QuantizedLinear(layer)
    x = rng.standard_normal((3, 7)).astype(np.float32)
    # by hand, in exact integers: quantize each row of x, multiply, rescale, add the bias
    sx = np.abs(x).max(axis=1, keepdims=True) / 127
    qx = np.round(x / sx).astype(np.int64)
    acc = qx @ q_layer.weight.data.astype(np.int64).T
    bias = q_layer.bias.data.astype(np.float64) * float(q_layer.bias_scale.data[0])
    expected = acc * sx * q_layer.weight_scale.data.astype(np.float64) + bias
    np.testing.assert_allclose(q_layer(Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)
    # and close to the float layer it replaces
    np.testing.assert_allclose(q_layer(Tensor(x)).data, layer(Tensor(x)).data, atol=0.05)


def test_conv_output_is_close_to_the_float_conv():
    rng = np.random.default_rng(2)
    conv = nn.Conv2d(3, 5, 3, stride=1, padding=1)
    x = Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    got, want = QuantizedConv2d(conv)(x).data, conv(x).data
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 0.02 * np.abs(want).max()


@pytest.mark.parametrize("hidden", [(128,), (128, 64)])
def test_bytes_of_the_digits_mlps_shrink_to_about_a_quarter(hidden):
    model = digits_mlp(hidden)
    before = state_bytes(model)
    assert state_bytes(quantize(model)) <= 0.26 * before


def test_bytes_of_the_digits_lenet_shrink_to_about_a_quarter():
    model = digits_lenet()
    before = state_bytes(model)
    assert state_bytes(quantize(model)) <= 0.26 * before


# -- accuracy on the shipped digits --------------------------------------------------------


def trained(build, flatten, epochs, lr):
    nn.manual_seed(0)
    model = build()
    splits = load_dataset("digits", flatten=flatten)
    train = DataLoader(splits.train, batch_size=32, shuffle=True, seed=0)
    test = DataLoader(splits.test, batch_size=512)
    Trainer(model, Adam(model.parameters(), lr=lr), nn.CrossEntropyLoss(), train).fit(epochs)
    return model, train, test


@pytest.mark.parametrize("static", [False, True])
def test_quantized_digits_mlp_loses_at_most_half_a_point(static):
    model, train, test = trained(digits_mlp, True, epochs=10, lr=0.003)
    before = accuracy(model, test)
    assert before > 0.93
    options = {"activations": "static", "calibration_batches": 4} if static else {}
    context = PassContext(train_loader=train)
    Quantize().validate(options, model, {})
    model = Quantize().apply(model, options, context)
    assert before - accuracy(model, test) <= 0.005
    assert context.report["bytes_after"] <= 0.26 * context.report["bytes_before"]


def test_quantized_digits_lenet_loses_at_most_half_a_point():
    model, _, test = trained(lambda: digits_lenet((8, 16), (64,)), False, epochs=10, lr=0.005)
    before = accuracy(model, test)
    assert before > 0.92
    assert before - accuracy(quantize(model), test) <= 0.005


# -- options -----------------------------------------------------------------------------


@pytest.mark.parametrize("options, message", [
    ({"bits": 4}, "bits must be 8"),
    ({"activations": "dynamc"}, "activations must be 'dynamic'"),
    ({"calibration_batches": 0}, "calibration_batches must be a positive integer"),
    ({"calibraton_batches": 4}, "did you mean 'calibration_batches'?"),
])
def test_bad_options_are_refused_with_a_clear_message(options, message):
    with pytest.raises(ValueError, match=message):
        Quantize().validate(options, digits_mlp(), {})


def test_quantizing_twice_says_quantize_comes_last():
    model = quantize(digits_mlp())
    with pytest.raises(ValueError, match="quantize must be the last pass"):
        Quantize().apply(model, {}, PassContext())
