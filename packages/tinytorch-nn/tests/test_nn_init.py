"""nn.init: fans, gains, the spread of each scheme, and seeding."""

import math

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.nn import init


def test_fans_of_linear_and_conv_weights():
    assert init.calculate_fan_in_and_fan_out(nn.Linear(7, 3).weight) == (7, 3)
    assert init.calculate_fan_in_and_fan_out(nn.Conv2d(4, 6, (3, 5)).weight) == (4 * 15, 6 * 15)
    with pytest.raises(ValueError, match=r"at least 2 axes, found shape \(3,\)"):
        init.calculate_fan_in_and_fan_out(nn.Linear(7, 3).bias)


def test_gains():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="did you mean 'relu'"):
        init.calculate_gain("rellu")


@pytest.mark.parametrize("fill,std", [
    (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"), math.sqrt(2 / 300)),
    (lambda w: init.kaiming_normal_(w, nonlinearity="relu"), math.sqrt(2 / 300)),
    (lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / 200)),
    (lambda w: init.xavier_uniform_(w), math.sqrt(2 / 500)),
    (lambda w: init.xavier_normal_(w, gain=2.0), 2 * math.sqrt(2 / 500)),
    (lambda w: init.normal_(w, 0.0, 0.5), 0.5),
    (lambda w: init.uniform_(w, -1, 1), 1 / math.sqrt(3)),
])
def test_schemes_have_their_standard_deviation(fill, std):
    nn.manual_seed(0)
    w = nn.Linear(300, 200).weight  # fan_in 300, fan_out 200
    assert fill(w) is w and w.dtype == np.float32
    assert w.data.std() == pytest.approx(std, rel=0.03)
    assert abs(w.data.mean()) < 0.05 * std


def test_uniform_bounds_zeros_ones():
    w = nn.Linear(50, 40).weight
    init.xavier_uniform_(w)
    assert np.abs(w.data).max() <= math.sqrt(6 / 90)
    np.testing.assert_array_equal(init.zeros_(w).data, 0)
    np.testing.assert_array_equal(init.ones_(w).data, 1)
    assert w.requires_grad  # filling in place leaves a parameter trainable
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_uniform_(w, mode="fan_avg")


def test_manual_seed_makes_models_reproducible():
    nn.manual_seed(123)
    a = nn.Sequential(nn.Linear(3, 4), nn.Conv2d(1, 2, 3))
    nn.manual_seed(123)
    b = nn.Sequential(nn.Linear(3, 4), nn.Conv2d(1, 2, 3))
    for name, value in a.state_dict().items():
        np.testing.assert_array_equal(value, b.state_dict()[name], err_msg=name)
    assert nn.manual_seed is init.manual_seed
    assert not np.array_equal(nn.Linear(3, 4).weight.data, a[0].weight.data)
