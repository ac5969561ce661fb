"""The lowrank pass: the maths (Eckart–Young), the bookkeeping, the options, the plugin."""

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.core import Tensor, plugins
from tinytorch_lowrank import LowRank, LowRankLinear, factorize, rank_for_energy, singular_values


def linear_with_spectrum(s, out_features, in_features, seed=0):
    """A Linear layer whose weight has exactly the singular values ``s``."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((out_features, len(s))))
    v, _ = np.linalg.qr(rng.standard_normal((in_features, len(s))))
    layer = nn.Linear(in_features, out_features)
    layer.weight.data = (u * np.asarray(s, float)) @ v.T
    layer.bias.data = rng.standard_normal(out_features)
    return layer.double()


def product(low):
    return low.up.weight.data @ low.down.weight.data


@pytest.mark.parametrize("rank", [1, 3, 7])
def test_error_is_the_discarded_singular_values(rank):
    # Eckart–Young: ||W - W_r||_F^2 = sum of the discarded s_i^2, and no rank-r matrix does better.
    layer = nn.Linear(30, 20).double()
    layer.weight.data = np.random.default_rng(1).standard_normal((20, 30))
    s = singular_values(layer)
    low = LowRankLinear.from_linear(layer, rank)
    error = np.sum((layer.weight.data - product(low)) ** 2)
    np.testing.assert_allclose(error, np.sum(s[rank:] ** 2), rtol=1e-10)
    np.testing.assert_allclose(np.linalg.svd(product(low), compute_uv=False)[:rank], s[:rank], rtol=1e-10)


def test_outputs_match_the_truncated_weight_with_bias_and_fused_activation():
    layer = linear_with_spectrum([5.0, 3.0, 0.5, 0.1], out_features=6, in_features=8)
    layer.activation = "relu"
    low = LowRankLinear.from_linear(layer, 2)
    x = np.random.default_rng(2).standard_normal((5, 8))
    w2 = product(low)
    np.testing.assert_allclose(low(Tensor(x)).data, np.maximum(x @ w2.T + layer.bias.data, 0), rtol=1e-10)
    assert low.up.activation == "relu" and low.down.activation is None


def test_full_rank_reproduces_the_layer():
    layer = nn.Linear(5, 4).double()
    low = LowRankLinear.from_linear(layer, 4)
    x = Tensor(np.random.default_rng(3).standard_normal((3, 5)))
    np.testing.assert_allclose(low(x).data, layer(x).data, rtol=1e-10)


def test_a_rank_beyond_the_matrix_is_refused():
    with pytest.raises(ValueError, match="rank must be between 1 and 4 for a 4x5 weight, found 5"):
        LowRankLinear.from_linear(nn.Linear(5, 4), 5)


def test_float32_layers_stay_float32_and_train():
    low = LowRankLinear.from_linear(nn.Linear(16, 12), 3)
    assert low.down.weight.dtype == np.float32 and low.up.weight.dtype == np.float32
    low(Tensor(np.ones((2, 16), np.float32))).sum().backward()
    assert low.down.weight.grad is not None and low.up.weight.grad is not None


@pytest.mark.parametrize("energy, rank", [(0.5, 1), (16 / 30, 1), (0.8, 2), (25 / 30, 2), (0.84, 3), (0.99, 4), (1.0, 4)])
def test_energy_picks_the_smallest_rank_that_keeps_it(energy, rank):
    # s^2 = 16, 9, 4, 1: the top r keep 16/30, 25/30, 29/30, 30/30 of the energy.
    assert rank_for_energy(np.array([4.0, 3.0, 2.0, 1.0]), energy) == rank


def test_energy_option_factorizes_each_layer_to_its_own_rank():
    model = nn.Sequential(linear_with_spectrum([4, 3, 2, 1], 40, 50), nn.ReLU(),
                          linear_with_spectrum([10, 0.1], 30, 40, seed=1))
    model, ranks = factorize(model, energy=0.8)
    assert ranks == {"0": 2, "2": 1}


def test_parameter_count_and_skipped_layers():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 4))
    model, ranks = factorize(model, rank=8)
    # 64x128 -> 8*(64+128) weights saves; 128x4 -> 8*(128+4) would not, so it stays.
    assert ranks == {"1": 8}
    assert isinstance(model[1], LowRankLinear) and type(model[3]) is nn.Linear
    assert model.num_parameters() == 8 * (64 + 128) + 128 + (128 * 4 + 4)
    assert [type(m).__name__ for m in model] == ["Flatten", "LowRankLinear", "ReLU", "Linear"]


def test_nested_modules_and_a_bare_linear():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(32, 32), nn.Tanh())
            self.head = nn.Linear(32, 32)

        def forward(self, x):
            return self.head(self.body(x))

    net, ranks = factorize(Net(), rank=4)
    assert ranks == {"body.0": 4, "head": 4}
    assert net(Tensor(np.ones((2, 32), np.float32))).shape == (2, 32)
    bare, ranks = factorize(nn.Linear(32, 32), rank=2)
    assert isinstance(bare, LowRankLinear) and ranks == {"": 2}


MLP = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


@pytest.mark.parametrize("options, message", [
    ({"rank": 4, "energy": 0.9}, "give exactly one of 'rank' and 'energy', found both"),
    ({}, "give exactly one of 'rank' and 'energy', found neither"),
    ({"finetune_epochs": 1}, "found neither"),
    ({"rank": 0}, "rank must be an integer >= 1, found 0"),
    ({"rank": 2.5}, "rank must be an integer >= 1, found 2.5"),
    ({"rank": True}, "rank must be an integer >= 1, found True"),
    ({"energy": 0}, r"energy must be a number in \(0, 1\], found 0"),
    ({"energy": 1.5}, r"energy must be a number in \(0, 1\], found 1.5"),
    ({"energy": "0.9"}, r"energy must be a number in \(0, 1\], found '0.9'"),
    ({"rank": 4, "finetune_epochs": -1}, "finetune_epochs must be an integer >= 0, found -1"),
    ({"rank": 4, "rnak": 4}, r"unknown option 'rnak'; expected one of: rank, energy, finetune_epochs; did you mean 'rank'\?"),
    ({"rank": 30}, "rank 30 would save parameters in no Linear layer of this model; choose a rank of at most 21"),
])
def test_validate_says_what_is_wrong(options, message):
    with pytest.raises(ValueError, match=message):
        LowRank().validate(options, MLP, {})


def test_validate_needs_a_linear_layer():
    with pytest.raises(ValueError, match="lowrank: ReLU has no Linear layer to factorize"):
        LowRank().validate({"rank": 2}, nn.ReLU(), {})


def test_registered_as_lowrank():
    assert plugins.lookup("passes", "lowrank") is LowRank


def test_runs_as_tt_run_would_and_reports_what_it_did():
    testing = pytest.importorskip("tinytorch.bench.testing", reason="check_pass lives in tinytorch-bench")
    result = testing.check_pass(LowRank, {"rank": 8})  # an mlp 64 -> 32 -> 10 trained on digits
    assert result.report["ranks"] == {"1": 8}  # 32 x 10 would not shrink at rank 8
    assert result.parameters_after == result.report["parameters_after"] == 8 * (64 + 32) + 32 + 32 * 10 + 10
    assert result.accuracy_after > 0.5


def test_finetuning_wins_back_accuracy():
    testing = pytest.importorskip("tinytorch.bench.testing", reason="check_pass lives in tinytorch-bench")
    rough = testing.check_pass(LowRank, {"rank": 2})
    tuned = testing.check_pass(LowRank, {"rank": 2, "finetune_epochs": 2})
    assert tuned.report["finetune_epochs"] == 2
    assert tuned.accuracy_after > rough.accuracy_after
