"""The built-in models, one per chapter of the story the milestones tell.

- ``perceptron`` (Rosenblatt, 1957): one Linear layer from the inputs to the classes. It
  draws a single straight boundary (a hyperplane) per class, so it learns any linearly
  separable problem and fails on XOR (Minsky & Papert, 1969). We train it with
  cross-entropy and gradient descent, which is logistic regression; Rosenblatt's Mark I
  used a step function and his error-correction rule, but the model is the same line.
- ``mlp`` (Rumelhart, Hinton & Williams, 1986): Linear layers with a nonlinearity between
  them, trained by backpropagation. One hidden layer already solves XOR.
- ``lenet`` (LeCun et al., 1998): convolution, ReLU and 2x2 max-pooling blocks, then an
  MLP. Weights shared across positions let it see strokes wherever they are.

Each is a factory ``factory(info, **options) -> nn.Module``: ``info`` is the dataset's
(``input_shape``, ``num_classes``), the options come from the config's ``model:``
section. The runner checks option *names* against each factory's signature before any
work; a factory checks the *values* and raises ``ValueError("<option>: expected ...,
found ...")``, and the runner reports that at the key path ``model.<option>``.
They are registered in ``plugin.py``, exactly as a third-party model would be.

Read next: ``tinytorch.bench.run.runner``, which builds these from a config and trains them.
"""

import functools
import math

import tinytorch.nn as nn
from tinytorch.core.names import did_you_mean

# "gelu" stays the tanh approximation these models always used (nn.GELU's default is now
# PyTorch's exact erf form), so a config's trained numbers do not change.
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": functools.partial(nn.GELU, approximate="tanh")}


def perceptron(info):
    """A single Linear layer: ``prod(input_shape)`` inputs -> ``num_classes`` scores."""
    return nn.Sequential(nn.Flatten(), nn.Linear(_num_inputs(info), info["num_classes"]))


def mlp(info, hidden=(128,), activation="relu", dropout=0.0, batchnorm=False):
    """Linear layers of sizes ``hidden``, each followed by ``activation`` (and dropout).

    ``batchnorm: true`` puts a BatchNorm1d (Ioffe & Szegedy, 2015) between each hidden
    Linear and its activation: a later idea, which makes small MLPs train more reliably.
    """
    hidden = _positive_ints("hidden", hidden)
    act = _choice("activation", activation, ACTIVATIONS)
    dropout = _probability("dropout", dropout)
    batchnorm = _flag("batchnorm", batchnorm)
    layers, width = [nn.Flatten()], _num_inputs(info)
    for size in hidden:
        layers += [nn.Linear(width, size), *([nn.BatchNorm1d(size)] if batchnorm else []), act()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, info["num_classes"]))
    return nn.Sequential(*layers)


def lenet(info, channels=(6, 16), kernel_size=None, hidden=(120, 84), dropout=0.0, batchnorm=False):
    """Conv-ReLU-MaxPool blocks with ``channels`` filters each, then an MLP of ``hidden``.

    Convolutions pad to keep the image size ("same"), so each block only halves it:
    28x28 MNIST ends at 7x7, 8x8 digits at 2x2. ``kernel_size`` defaults to LeNet-5's 5
    for images of 16 pixels and more, and to 3 for small ones such as the 8x8 digits.
    ``batchnorm: true`` adds a BatchNorm2d between each convolution and its ReLU.
    """
    shape = tuple(info["input_shape"])
    if len(shape) != 3:
        raise ValueError(
            f"lenet expects images shaped (channels, height, width), but the dataset gives "
            f"input_shape {shape}; for digits or mnist set data.flatten: false"
        )
    in_channels, height, width = shape
    channels = _positive_ints("channels", channels)
    hidden = _positive_ints("hidden", hidden, allow_empty=True)
    dropout = _probability("dropout", dropout)
    batchnorm = _flag("batchnorm", batchnorm)
    if kernel_size is None:
        kernel_size = 5 if min(height, width) >= 16 else 3
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size: expected an odd positive integer, found {kernel_size!r}")
    if min(height, width) < 2 ** len(channels):
        raise ValueError(
            f"channels: {len(channels)} conv blocks halve the image {len(channels)} times, "
            f"but a {height}x{width} image allows at most {int(math.log2(min(height, width)))}"
        )

    layers = []
    for out_channels in channels:
        layers += [
            nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2),
            *([nn.BatchNorm2d(out_channels)] if batchnorm else []),
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]
        in_channels, height, width = out_channels, height // 2, width // 2
    layers.append(nn.Flatten())
    features = in_channels * height * width
    for size in hidden:
        layers += [nn.Linear(features, size), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        features = size
    layers.append(nn.Linear(features, info["num_classes"]))
    return nn.Sequential(*layers)


# -- checking option values ---------------------------------------------------------------


def _num_inputs(info):
    return math.prod(info["input_shape"])


def _positive_ints(name, value, allow_empty=False):
    items = list(value) if isinstance(value, (list, tuple)) else None
    if items is None or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in items):
        raise ValueError(f"{name}: expected a list of positive integers like [128, 64], found {value!r}")
    if not items and not allow_empty:
        raise ValueError(f"{name}: expected at least one size, found an empty list")
    return items


def _choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"{name}: expected one of {', '.join(choices)}, found {value!r}{did_you_mean(value, choices)}"
        )
    return choices[value]


def _flag(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"{name}: expected true or false, found {value!r}")
    return value


def _probability(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name}: expected a probability in [0, 1), found {value!r}")
    return float(value)
