"""The built-in models: their shapes, their registration, and their option errors."""

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.core import Tensor, plugins
from tinytorch.nn import models

DIGITS = {"input_shape": (64,), "num_classes": 10}
DIGIT_IMAGES = {"input_shape": (1, 8, 8), "num_classes": 10}
MNIST_IMAGES = {"input_shape": (1, 28, 28), "num_classes": 10}


def batch(info, n=5):
    return Tensor(np.random.default_rng(0).random((n, *info["input_shape"]), dtype=np.float32))


def test_models_register_through_the_nn_entry_point():
    registered = plugins.registry("models")
    for name in ("perceptron", "mlp", "lenet"):
        assert registered[name].dist == "tinytorch-nn"
        assert registered[name].obj is getattr(models, name)


def test_perceptron_is_one_linear_layer():
    model = models.perceptron({"input_shape": (2,), "num_classes": 2})
    assert {name: p.shape for name, p in model.named_parameters()} == {"1.weight": (2, 2), "1.bias": (2,)}
    assert models.perceptron(DIGIT_IMAGES)(batch(DIGIT_IMAGES)).shape == (5, 10)  # images are flattened


def test_mlp_layers_follow_the_options():
    model = models.mlp(DIGITS, hidden=[32, 16], activation="tanh", dropout=0.1, batchnorm=True)
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Flatten", "Linear", "BatchNorm1d", "Tanh", "Dropout",
                     "Linear", "BatchNorm1d", "Tanh", "Dropout", "Linear"]
    assert [layer.out_features for layer in model if isinstance(layer, nn.Linear)] == [32, 16, 10]
    assert model(batch(DIGITS)).shape == (5, 10)


@pytest.mark.parametrize("info, features", [(DIGIT_IMAGES, 16 * 2 * 2), (MNIST_IMAGES, 16 * 7 * 7)])
def test_lenet_adapts_to_the_image_size(info, features):
    model = models.lenet(info)
    convs = [layer for layer in model if isinstance(layer, nn.Conv2d)]
    assert [c.kernel_size for c in convs] == ([(3, 3)] * 2 if info is DIGIT_IMAGES else [(5, 5)] * 2)
    first_linear = next(layer for layer in model if isinstance(layer, nn.Linear))
    assert first_linear.in_features == features
    assert model(batch(info)).shape == (5, 10)


def test_lenet_on_mnist_has_lenet5_sizes():
    # conv 1->6 5x5, conv 6->16 5x5, then 784->120->84->10, as in LeCun et al. (1998) but "same" padded
    assert models.lenet(MNIST_IMAGES).num_parameters() == 156 + 2416 + (784 * 120 + 120) + (120 * 84 + 84) + 850


def test_lenet_matches_the_same_network_in_pytorch():
    torch = pytest.importorskip("torch")
    model = models.lenet(DIGIT_IMAGES, channels=[4, 8], hidden=[16])
    reference = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10),
    )
    reference.load_state_dict({name: torch.tensor(array) for name, array in model.state_dict().items()})
    x = batch(DIGIT_IMAGES)
    expected = reference(torch.tensor(x.data)).detach().numpy()
    np.testing.assert_allclose(model(x).data, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "factory, info, options, message",
    [
        (models.mlp, DIGITS, {"hidden": 128}, "hidden: expected a list of positive integers"),
        (models.mlp, DIGITS, {"hidden": []}, "hidden: expected at least one size"),
        (models.mlp, DIGITS, {"activation": "sigmoidd"}, "activation: expected one of relu, tanh, gelu"),
        (models.mlp, DIGITS, {"dropout": 1.0}, "dropout: expected a probability in [0, 1)"),
        (models.mlp, DIGITS, {"batchnorm": "yes"}, "batchnorm: expected true or false"),
        (models.lenet, DIGITS, {}, "lenet expects images shaped (channels, height, width)"),
        (models.lenet, DIGIT_IMAGES, {"channels": [4, 8, 16, 32]}, "channels: 4 conv blocks"),
        (models.lenet, DIGIT_IMAGES, {"kernel_size": 4}, "kernel_size: expected an odd positive integer"),
    ],
)
def test_bad_option_values_say_what_was_expected(factory, info, options, message):
    with pytest.raises(ValueError) as error:
        factory(info, **options)
    assert str(error.value).startswith(message.split(":")[0])
    assert message in str(error.value)
