"""Same weights, same inputs: TinyTorch's layers agree with PyTorch's (skipped without torch)."""

import numpy as np
import pytest

import tinytorch.nn as nn
import tinytorch.nn.functional as F
from tinytorch.core import Tensor

torch = pytest.importorskip("torch")


def load_from_torch(ours, theirs):
    """Copy a PyTorch module's state into ours; PyTorch's names are the same."""
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items() if k != "num_batches_tracked"}
    ours.load_state_dict(state)
    return ours


def both(x):
    return Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def assert_close(ours, theirs, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol, atol=atol)


def test_linear(rng):
    theirs = torch.nn.Linear(5, 3)
    ours = load_from_torch(nn.Linear(5, 3), theirs)
    x, tx = both(rng.standard_normal((4, 5)).astype(np.float32))
    out, tout = ours(x), theirs(tx)
    assert_close(out, tout)
    out.sum().backward(), tout.sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(ours.weight.grad, theirs.weight.grad)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1)])
def test_conv2d(rng, stride, padding):
    theirs = torch.nn.Conv2d(3, 4, 3, stride=stride, padding=padding)
    ours = load_from_torch(nn.Conv2d(3, 4, 3, stride=stride, padding=padding), theirs)
    x, tx = both(rng.standard_normal((2, 3, 7, 7)).astype(np.float32))
    out, tout = ours(x), theirs(tx)
    assert_close(out, tout)
    out.sum().backward(), tout.sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(ours.weight.grad, theirs.weight.grad, rtol=1e-4)


@pytest.mark.parametrize("ours_cls,theirs_cls,shape", [
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (8, 3)),
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (4, 3, 5)),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (4, 3, 5, 5)),
])
def test_batch_norm_train_then_eval(rng, ours_cls, theirs_cls, shape):
    theirs = theirs_cls(3, momentum=0.2)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5), theirs.bias.uniform_(-1, 1)
    ours = load_from_torch(ours_cls(3, momentum=0.2), theirs)
    for _ in range(3):
        x, tx = both((rng.standard_normal(shape) * 2 + 1).astype(np.float32))
        out, tout = ours(x), theirs(tx)
        assert_close(out, tout, rtol=1e-4, atol=1e-5)
    out.sum().backward(), tout.sum().backward()
    assert_close(x.grad, tx.grad, rtol=1e-3, atol=1e-5)
    assert_close(ours.running_mean, theirs.running_mean)
    assert_close(ours.running_var, theirs.running_var)
    ours.eval(), theirs.eval()
    x, tx = both(rng.standard_normal(shape).astype(np.float32))
    assert_close(ours(x), theirs(tx), rtol=1e-4, atol=1e-5)


def test_layer_norm_pools_and_activations(rng):
    x, tx = both(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    theirs = torch.nn.LayerNorm((6, 6))
    with torch.no_grad():
        theirs.weight.normal_(), theirs.bias.normal_()
    assert_close(load_from_torch(nn.LayerNorm((6, 6)), theirs)(x), theirs(tx), rtol=1e-4, atol=1e-5)
    assert_close(nn.MaxPool2d(3, 2)(x), torch.nn.MaxPool2d(3, 2)(tx))
    assert_close(nn.AvgPool2d(2)(x), torch.nn.AvgPool2d(2)(tx))
    assert_close(nn.GELU()(x), torch.nn.GELU()(tx))
    assert_close(nn.GELU(approximate="tanh")(x), torch.nn.GELU(approximate="tanh")(tx))
    assert_close(nn.LeakyReLU(0.2)(x), torch.nn.LeakyReLU(0.2)(tx))
    assert_close(nn.Softmax(dim=1)(x), torch.nn.Softmax(dim=1)(tx))


def test_losses(rng):
    x, tx = both(rng.standard_normal((6, 4)).astype(np.float32))
    y = rng.standard_normal((6, 4)).astype(np.float32)
    assert_close(F.mse_loss(x, y), torch.nn.functional.mse_loss(tx, torch.tensor(y)))
    labels = rng.integers(0, 4, 6)
    assert_close(F.cross_entropy(x, labels), torch.nn.functional.cross_entropy(tx, torch.tensor(labels)))
    bits = rng.integers(0, 2, (6, 4)).astype(np.float32)
    ours = F.binary_cross_entropy_with_logits(x * 10, bits)
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(tx * 10, torch.tensor(bits))
    assert_close(ours, theirs)
    ours.backward(), theirs.backward()
    assert_close(x.grad, tx.grad)


def test_default_init_has_pytorchs_spread():
    nn.manual_seed(0)
    torch.manual_seed(0)
    for ours, theirs in [(nn.Linear(300, 200), torch.nn.Linear(300, 200)),
                         (nn.Conv2d(16, 32, 3), torch.nn.Conv2d(16, 32, 3))]:
        for name in ("weight", "bias"):
            a, b = getattr(ours, name).data, getattr(theirs, name).detach().numpy()
            assert np.abs(a).max() <= np.abs(b).max() * 1.01 + 1e-7
            assert a.std() == pytest.approx(b.std(), rel=0.1)
