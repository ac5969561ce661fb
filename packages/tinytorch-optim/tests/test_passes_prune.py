"""The prune pass: sparsity reached, masks kept while fine-tuning, layers that really shrink."""

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.core import Tensor
from tinytorch.optim import SGD
from tinytorch.optim.passes import PassContext, Prune
from tinytorch.optim.passes.prune import KeepMasks, sparsity


def mlp():
    nn.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 3))


def cnn():
    nn.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(6 * 2 * 2, 5), nn.ReLU(), nn.Linear(5, 3),
    )


def sgd_finetune(steps_log):
    """A stand-in for the runner's Trainer: a few SGD steps on random data."""

    def finetune(model, epochs, loss_fn=None, train_loader=None):
        rng = np.random.default_rng(0)
        opt = SGD(model.parameters(), lr=0.5)
        for _ in range(epochs * 3):
            x = Tensor(rng.standard_normal((8, 6)).astype(np.float32))
            loss = (model(x) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        steps_log.append(epochs)

    return finetune


@pytest.mark.parametrize("amount", [0.0, 0.3, 0.8])
def test_unstructured_pruning_reaches_the_sparsity_and_drops_the_smallest(amount):
    model = mlp()
    weights = [layer.weight.data.copy() for layer in (model[0], model[2], model[4])]
    context = PassContext()
    Prune().apply(model, {"sparsity": amount}, context)
    assert context.report["sparsity"] == pytest.approx(amount, abs=0.02)
    for before, layer in zip(weights, (model[0], model[2], model[4])):
        kept = layer.weight.data != 0
        assert kept.sum() == before.size - round(amount * before.size)
        if 0 < kept.sum() < before.size:  # every removed weight is smaller than every kept one
            assert np.abs(before[~kept]).max() <= np.abs(before[kept]).min()


def test_masks_stay_on_while_fine_tuning():
    model, log = mlp(), []
    context = PassContext(finetune=sgd_finetune(log))
    Prune().apply(model, {"sparsity": 0.5, "finetune_epochs": 2}, context)
    assert log == [2]  # the fine-tuning ran
    assert sparsity(model) == pytest.approx(0.5, abs=0.02)


def test_keep_masks_zeroes_pruned_weights_before_each_forward():
    model = mlp()
    mask = np.ones_like(model[0].weight.data, dtype=bool)
    mask[:, :3] = False
    wrapped = KeepMasks(model, [(model[0].weight, mask)])
    model[0].weight.data += 1.0  # as if an optimizer step had moved them
    wrapped(Tensor(np.ones((1, 6), dtype=np.float32)))
    assert np.all(model[0].weight.data[:, :3] == 0) and np.all(model[0].weight.data[:, 3:] != 0)


def test_structured_pruning_shrinks_linear_layers():
    model = mlp()
    context = PassContext()
    Prune().apply(model, {"sparsity": 0.5, "structured": True}, context)
    assert model[0].weight.shape == (4, 6) and model[0].bias.shape == (4,)
    assert model[2].weight.shape == (2, 4) and (model[2].in_features, model[2].out_features) == (4, 2)
    assert model[4].weight.shape == (3, 2)  # the output layer keeps every class
    assert model(Tensor(np.ones((2, 6), dtype=np.float32))).shape == (2, 3)
    assert (context.report["units_before"], context.report["units_after"]) == (12, 6)
    assert context.report["parameters_after"] == 4 * 6 + 4 + 2 * 4 + 2 + 3 * 2 + 3


def test_structured_pruning_shrinks_conv_channels_and_the_linear_after_flatten():
    model = cnn()
    Prune().apply(model, {"sparsity": 0.5, "structured": True}, PassContext())
    assert model[0].weight.shape == (2, 1, 3, 3)
    assert model[3].weight.shape == (3, 2, 3, 3) and model[3].in_channels == 2
    # round(0.5 * 5) = 2 of the 5 hidden neurons go; the channel blocks of Flatten shrink with the conv
    assert model[7].weight.shape == (3, 3 * 2 * 2) and model[7].in_features == 12
    assert model[9].weight.shape == (3, 3)
    assert model(Tensor(np.ones((2, 1, 8, 8), dtype=np.float32))).shape == (2, 3)


def test_removing_all_zero_neurons_leaves_the_outputs_unchanged():
    model = mlp()
    dead = [1, 4, 5, 6]  # half of the first layer's 8 neurons: no weights, no bias
    model[0].weight.data[dead] = 0
    model[0].bias.data[dead] = 0
    model[2].weight.data[[0, 3]] = 0  # and half of the second layer's 4
    model[2].bias.data[[0, 3]] = 0
    x = Tensor(np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32))
    before = model(x).data
    Prune().apply(model, {"sparsity": 0.5, "structured": True}, PassContext())
    assert model[0].out_features == 4 and model[2].out_features == 2
    np.testing.assert_allclose(model(x).data, before, rtol=1e-6, atol=1e-6)


def test_removing_all_zero_channels_leaves_the_outputs_unchanged():
    model = cnn()
    model[0].weight.data[[0, 2]] = 0
    model[0].bias.data[[0, 2]] = 0
    model[3].weight.data[[1, 2, 5]] = 0
    model[3].bias.data[[1, 2, 5]] = 0
    model[7].weight.data[[0, 4]] = 0
    model[7].bias.data[[0, 4]] = 0
    x = Tensor(np.random.default_rng(1).standard_normal((2, 1, 8, 8)).astype(np.float32))
    before = model(x).data
    Prune().apply(model, {"sparsity": 0.5, "structured": True}, PassContext())
    np.testing.assert_allclose(model(x).data, before, rtol=1e-5, atol=1e-6)


def test_structured_pruning_fine_tunes_the_smaller_model():
    model, log = mlp(), []
    Prune().apply(model, {"sparsity": 0.5, "structured": True, "finetune_epochs": 1},
                  PassContext(finetune=sgd_finetune(log)))
    assert log == [1] and model[0].out_features == 4


@pytest.mark.parametrize("options, message", [
    ({"sparsity": 1.0}, r"sparsity must be a fraction in \[0, 1\)"),
    ({"sparsity": -0.1}, r"sparsity must be a fraction in \[0, 1\)"),
    ({"sparsity": "half"}, r"sparsity must be a fraction"),
    ({"finetune_epochs": -1}, "finetune_epochs must be an integer >= 0"),
    ({"structured": "yes"}, "structured must be true or false"),
    ({"sparsty": 0.5}, "unknown option 'sparsty'.*did you mean 'sparsity'"),
])
def test_bad_options_are_refused_before_training(options, message):
    with pytest.raises(ValueError, match=message):
        Prune().validate(options, mlp(), {})


def test_structured_pruning_refuses_a_model_that_is_not_a_chain():
    model = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.Linear(8, 2))
    with pytest.raises(ValueError, match="LayerNorm '1' has its own parameters.*structured: false"):
        Prune().validate({"structured": True}, model, {})
    Prune().validate({"structured": False}, model, {})  # unstructured is fine


def test_pruning_after_quantize_says_to_swap_them():
    from tinytorch.optim.passes import quantize

    with pytest.raises(ValueError, match="put prune before quantize"):
        Prune().apply(quantize(mlp()), {"sparsity": 0.5}, PassContext())
