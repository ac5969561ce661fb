import numpy as np
import pytest

from tinytorch.core import Tensor, cat, split, stack, tensor, where


def test_python_data_becomes_float32_and_numpy_keeps_its_dtype():
    assert Tensor(3).dtype == np.float32
    assert Tensor([[1, 2], [3, 4]]).dtype == np.float32
    assert Tensor(np.zeros(3, np.float64)).dtype == np.float64
    assert Tensor(np.arange(3)).dtype == np.arange(3).dtype
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_properties_and_repr():
    t = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    assert (t.shape, t.ndim, t.size(), t.size(-1), t.numel(), t.dim()) == ((2, 3), 2, (2, 3), 3, 6, 2)
    assert Tensor([2.5]).item() == 2.5
    assert isinstance(t.numpy(), np.ndarray)
    assert repr(t) == "Tensor([[0., 1., 2.],\n        [3., 4., 5.]], requires_grad=True)"
    assert "grad_fn=<add>" in repr(t + 1)
    assert "dtype=float64" in repr(Tensor(np.zeros(1)))


def test_scalars_keep_the_tensor_dtype():
    x = Tensor([1.0, 2.0])
    assert (x + 1).dtype == (2 * x).dtype == (x / 3.0).dtype == (x ** 2).dtype == np.float32
    assert (1 - x).data.tolist() == [0.0, -1.0]
    assert (2 / x).data.tolist() == [2.0, 1.0]
    assert (2 ** x).data.tolist() == [2.0, 4.0]


def test_arithmetic_and_unary_values():
    a = Tensor([[1.0, 4.0]])
    np.testing.assert_allclose((a.sqrt() + a.log().exp() - a.abs()).data, [[1.0, 2.0]])
    np.testing.assert_allclose(Tensor([-1.0, 2.0]).relu().data, [0, 2])
    np.testing.assert_allclose(Tensor([0.0]).sigmoid().data, [0.5])
    np.testing.assert_allclose(Tensor([-2.0, 0.3, 5.0]).clip(0, 1).data, [0, 0.3, 1], rtol=1e-6)


def test_matmul_batched_and_vector_forms():
    a, b = np.random.rand(2, 3, 4), np.random.rand(4, 5)
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b)
    v = np.random.rand(4)
    np.testing.assert_allclose((Tensor(v) @ Tensor(b)).data, v @ b)
    np.testing.assert_allclose((Tensor(a) @ Tensor(v)).data, a @ v)
    assert (Tensor(v) @ Tensor(v)).shape == ()


def test_matmul_gradients_are_the_transposed_products():
    rng = np.random.default_rng(0)
    a, b, w = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    ((ta @ tb) * Tensor(w)).sum().backward()
    np.testing.assert_allclose(ta.grad.data, w @ b.T, rtol=1e-6)
    np.testing.assert_allclose(tb.grad.data, a.T @ w, rtol=1e-6)


def test_comparisons_have_no_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == bool and mask.data.tolist() == [False, True] and not mask.requires_grad


def test_reductions_with_axis_and_keepdims():
    x = np.random.rand(2, 3, 4)
    t = Tensor(x)
    np.testing.assert_allclose(t.sum(axis=(0, 2)).data, x.sum(axis=(0, 2)), rtol=1e-6)
    assert t.mean(axis=1, keepdims=True).shape == (2, 1, 4)
    np.testing.assert_allclose(t.var(axis=-1).data, x.var(axis=-1), rtol=1e-6)
    np.testing.assert_allclose(t.var(axis=0, ddof=1).data, x.var(axis=0, ddof=1), rtol=1e-6)
    assert t.argmax(axis=2).data.tolist() == x.argmax(axis=2).tolist()
    assert t.max().item() == x.max() and t.min(axis=0).shape == (3, 4)


def test_shape_ops():
    t = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert t.reshape(4, 6).shape == (4, 6) and t.reshape((6, -1)).shape == (6, 4)
    assert t.T.shape == (4, 3, 2) and t.transpose(1, 2).shape == (2, 4, 3)
    assert t.permute(2, 0, 1).shape == (4, 2, 3) and t.reshape(6, 4).T.shape == (4, 6)
    assert t.unsqueeze(0).shape == (1, 2, 3, 4) and t.unsqueeze(0).squeeze(0).shape == (2, 3, 4)
    assert t.flatten().shape == (24,) and t.flatten(1).shape == (2, 12)
    assert Tensor([1.0, 2.0]).broadcast_to((3, 2)).shape == (3, 2)


def test_cat_stack_split_where():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.zeros((2, 1)))
    assert cat([a, b], axis=1).shape == (2, 4)
    assert stack([a, a], axis=0).shape == (2, 2, 3)
    parts = split(Tensor(np.arange(10.0)), [3, 7])
    assert [p.shape for p in parts] == [(3,), (7,)]
    assert [p.shape for p in split(Tensor(np.ones((4, 6))), 4, axis=1)] == [(4, 4), (4, 2)]  # PyTorch: pieces of 4
    assert where(Tensor([1.0, -1.0]) > 0, 1.0, Tensor([5.0, 6.0])).data.tolist() == [1.0, 6.0]


def test_tensor_copies_its_input():
    source = np.zeros(3, np.float32)
    copied, shared = tensor(source), Tensor(source)
    source[0] = 7
    assert copied.data[0] == 0 and shared.data[0] == 7


@pytest.mark.parametrize("op, name", [
    (lambda a, b: a + b, "add"), (lambda a, b: a * b, "mul"), (lambda a, b: a - b, "add"),
    (lambda a, b: a / b, "div"), (lambda a, b: a @ b, "matmul"), (lambda a, b: a < b, "lt"),
])
def test_shape_mismatch_names_op_and_both_shapes(op, name):
    with pytest.raises(ValueError, match=rf"{name}: incompatible shapes \(2, 3\) and \(4, 5\)"):
        op(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5))))


def test_other_shape_errors():
    with pytest.raises(ValueError, match=r"cat: incompatible shapes \(2, 3\) and \(3, 3\)"):
        cat([Tensor(np.ones((2, 3))), Tensor(np.ones((3, 3)))], axis=1)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape \(2, 3\) to \(4,\)"):
        Tensor(np.ones((2, 3))).reshape(4)
    with pytest.raises(ValueError, match=r"split: sizes \[1, 2\] sum to 3, but dim 0 has size 4"):
        split(Tensor(np.ones(4)), [1, 2])
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))
