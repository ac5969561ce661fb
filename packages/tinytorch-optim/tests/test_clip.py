"""clip_grad_norm_: the total norm it reports and how it scales the gradients."""

import numpy as np
import pytest

from tinytorch.core import Tensor
from tinytorch.optim import clip_grad_norm_


def _with_grads(*grads):
    params = []
    for g in grads:
        p = Tensor(np.zeros(len(g)), requires_grad=True)
        p.grad = Tensor(np.array(g, dtype=np.float64))
        params.append(p)
    return params


def test_large_gradients_are_scaled_to_max_norm():
    params = _with_grads([3.0, 0.0], [0.0, 4.0])  # total norm 5
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total == pytest.approx(5.0) and isinstance(total, float)
    np.testing.assert_allclose(params[0].grad.data, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(params[1].grad.data, [0.0, 0.8], rtol=1e-6)
    assert np.sqrt(sum((p.grad.data ** 2).sum() for p in params)) == pytest.approx(1.0, rel=1e-6)


def test_small_gradients_are_left_alone_and_missing_ones_skipped():
    params = _with_grads([0.3, 0.4]) + [Tensor([1.0], requires_grad=True)]
    assert clip_grad_norm_(params, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(params[0].grad.data, [0.3, 0.4])


def test_a_single_tensor_is_accepted():
    (p,) = _with_grads([6.0, 8.0])
    assert clip_grad_norm_(p, 5.0) == pytest.approx(10.0)
    np.testing.assert_allclose(p.grad.data, [3.0, 4.0], rtol=1e-6)


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    grads = [np.random.default_rng(i).normal(size=(3, 4)) for i in range(3)]
    ours = _with_grads(*[g.ravel() for g in grads])
    theirs = [torch.zeros(12, dtype=torch.float64, requires_grad=True) for _ in grads]
    for t, g in zip(theirs, grads, strict=True):
        t.grad = torch.tensor(g.ravel())
    assert clip_grad_norm_(ours, 0.7) == pytest.approx(torch.nn.utils.clip_grad_norm_(theirs, 0.7).item(), rel=1e-12)
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-12)


def test_negative_max_norm_is_rejected():
    with pytest.raises(ValueError, match="max_norm must be >= 0, found -1"):
        clip_grad_norm_(_with_grads([1.0]), -1)
