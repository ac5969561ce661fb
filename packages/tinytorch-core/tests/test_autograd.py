import numpy as np
import pytest

from tinytorch.core import Tensor, no_grad


def test_backward_on_scalar_matches_hand_derivative():
    x = Tensor([2.0, 3.0], requires_grad=True)
    y = (x * x * x).sum()  # dy/dx = 3x^2
    y.backward()
    np.testing.assert_allclose(x.grad.data, [12.0, 27.0])


def test_backward_needs_gradient_for_non_scalar():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"needs a scalar, but this tensor has shape \(2,\)"):
        y.backward()


def test_explicit_gradient_and_its_shape_check():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.data, [3.0, 30.0])
    with pytest.raises(ValueError, match="gradient shape"):
        (x * 3).backward(np.ones(3))


def test_gradients_accumulate_until_reset():
    x = Tensor([1.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * 5).sum().backward()
    assert x.grad.item() == 7.0


def test_broadcast_gradient_returns_to_each_input_shape():
    a = Tensor(np.ones((3, 1)), requires_grad=True)
    b = Tensor(np.ones((4, 3, 5)), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and np.all(a.grad.data == 20)
    assert b.grad.shape == (4, 3, 5)


def test_no_grad_detach_and_requires_grad_():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        assert not (x * 2).requires_grad
    assert not x.detach().requires_grad
    y = Tensor([1.0]).requires_grad_()
    (y * 4).sum().backward()
    assert y.grad.item() == 4.0
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.arange(3)).requires_grad_()


def test_no_grad_as_decorator():
    @no_grad()
    def infer(t):
        return t * 2

    assert not infer(Tensor([1.0], requires_grad=True)).requires_grad


def test_deep_chain_has_no_recursion_limit():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0001 ** 10_000], rtol=1e-3)


def test_graph_is_freed_unless_retained():
    x = Tensor([3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 12.0
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_shared_subexpression_gets_both_paths():
    x = Tensor([2.0], requires_grad=True)
    h = x * x
    (h + h * h).sum().backward()  # d/dx (x^2 + x^4) = 2x + 4x^3
    assert x.grad.item() == 4 + 32


def test_in_place_on_leaf_requiring_grad_is_refused_outside_no_grad():
    w = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.sub_(0.1)
    with no_grad():
        w.sub_(0.5)
    assert w.item() == 0.5


def test_indexing_gradient_adds_repeated_indices():
    x = Tensor(np.zeros(4), requires_grad=True)
    x[np.array([0, 1, 1, 3, 3, 3])].sum().backward()
    assert x.grad.data.tolist() == [1, 2, 0, 3]


def test_retain_grad_keeps_intermediate_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.data, [6.0, 12.0])


def test_max_splits_gradient_between_ties():
    x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.data.tolist() == [0.0, 0.5, 0.5]


def test_augmented_assignment_updates_in_place():
    w = Tensor([1.0, 2.0], requires_grad=True)
    alias = w
    with no_grad():
        w -= 0.5
        w *= 2
    assert alias is w and w.data.tolist() == [1.0, 3.0] and w._version == 2
