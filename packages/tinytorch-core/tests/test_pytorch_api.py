"""PyTorch's names and meanings on Tensor, beside NumPy's; out-of-range dims raise.

Gradients are checked against central differences here; ``tests/parity`` compares the
same ops with PyTorch itself.
"""

import numpy as np
import pytest

import tinytorch.core.functional as F
from tinytorch.core import Tensor, ValuesIndices, cat, chunk, device, no_grad, split, stack, where
from tinytorch.core.testing import gradcheck


def _x(*shape, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


# -- transpose / permute ---------------------------------------------------------------

def test_transpose_swaps_two_dims_for_every_ndim():
    m = Tensor(np.arange(6.0).reshape(2, 3))
    assert m.transpose(0, 1).data.tolist() == m.data.T.tolist()  # issue 13: this returned m
    t = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert t.transpose(0, 2).shape == (4, 3, 2) and t.transpose(-1, -2).shape == (2, 4, 3)
    np.testing.assert_array_equal(t.transpose(0, 2).data, t.data.swapaxes(0, 2))
    assert Tensor(np.ones(3)).transpose(0, -1).shape == (3,)
    with pytest.raises(TypeError):
        t.transpose(0, 2, 1)  # a permutation is permute's job
    assert t.permute(2, 0, 1).shape == (4, 2, 3) and t.permute((2, 0, 1)).shape == (4, 2, 3)
    assert t.mT.shape == (2, 4, 3) and m.t().shape == (3, 2)


def test_transpose_and_permute_gradients():
    x = _x(2, 3, 4)
    gradcheck(lambda: x.transpose(0, 2) * 1.0, [x])
    gradcheck(lambda: x.permute(1, 2, 0), [x])


# -- out-of-range dims --------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda t: t.sum(axis=5), lambda t: t.mean(axis=5), lambda t: t.max(axis=5), lambda t: t.min(axis=5),
    lambda t: t.sum(dim=-3), lambda t: t.var(2), lambda t: t.argmax(2), lambda t: t.max(2),
    lambda t: t.softmax(2), lambda t: F.log_softmax(t, dim=-3), lambda t: cat([t, t], dim=2),
    lambda t: stack([t, t], dim=4), lambda t: t.flatten(0, 2), lambda t: t.squeeze(3),
    lambda t: t.unsqueeze(4), lambda t: t.split(1, 2), lambda t: t.transpose(0, 2),
    lambda t: t.size(2), lambda t: t.topk(1, 2), lambda t: t.permute(0, 2),
], ids=lambda call: "")
def test_a_dim_out_of_range_raises_instead_of_wrapping(call):
    with pytest.raises(IndexError, match="out of range"):
        call(Tensor(np.ones((2, 3))))


def test_silently_reinterpreted_arguments_now_raise():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="repeated"):
        t.sum(dim=(1, -1))
    with pytest.raises(TypeError, match="pass one of them"):
        t.sum(dim=0, axis=1)
    with pytest.raises(IndexError, match=r"gather: index values must lie in \[0, 3\)"):
        t.gather(1, Tensor(np.array([[-1], [0]])))  # NumPy would read -1 as the last
    with pytest.raises(TypeError, match="mask must be boolean"):
        t.masked_fill(Tensor(np.ones((2, 3))), 0.0)  # a float mask is not a mask
    with pytest.raises(TypeError, match="condition must be boolean"):
        where(Tensor([1.0, 0.0]), 1.0, 2.0)
    with pytest.raises(ValueError, match="start_dim 1 comes after end_dim 0"):
        t.flatten(1, 0)


# -- dim= / keepdim= ------------------------------------------------------------------------

def test_dim_and_axis_mean_the_same_wherever_either_is_accepted():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    for name in ("sum", "mean", "amax", "amin", "argmax", "argmin", "any", "all"):
        a = getattr(x, name)(axis=1, keepdims=True).data
        b = getattr(x, name)(dim=1, keepdim=True).data
        np.testing.assert_array_equal(a, b, err_msg=name)
        np.testing.assert_array_equal(getattr(x, name)(-2).data, getattr(x, name)(axis=1).data, err_msg=name)
    np.testing.assert_array_equal(F.softmax(x, dim=0).data, F.softmax(x, axis=0).data)
    np.testing.assert_array_equal(x.log_softmax(dim=1).data, F.log_softmax(x, axis=1).data)
    assert cat([x, x], dim=-1).shape == cat([x, x], axis=2).shape == (2, 3, 8)
    assert stack([x, x], dim=-1).shape == (2, 3, 4, 2)
    assert x.squeeze(dim=0).shape == (2, 3, 4) and x.unsqueeze(dim=-1).shape == (2, 3, 4, 1)
    assert x.sum((0, 2)).shape == (3,) and x.mean(dim=(0, -1), keepdim=True).shape == (1, 3, 1)


def test_max_with_dim_is_values_and_indices_as_in_pytorch():
    x = Tensor(np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 3.0]]), requires_grad=True)
    out = x.max(dim=1)
    assert isinstance(out, ValuesIndices)
    values, indices = out
    assert values.data.tolist() == [5.0, 7.0] and indices.data.tolist() == [1, 0]
    assert out.values is values and out.indices.dtype == np.int64
    assert x.max(1, keepdim=True).values.shape == (2, 1)
    assert x.min(0).indices.data.tolist() == [0, 1, 1]
    values.sum().backward()  # the gradient goes to the chosen (first) index only
    assert x.grad.data.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_max_without_dim_keeps_numpys_meaning_and_shares_ties():
    x = Tensor(np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 3.0]]), requires_grad=True)
    assert x.max().item() == 7.0 and x.max(axis=1).data.tolist() == [5.0, 7.0]
    x.max(axis=1).sum().backward()
    assert x.grad.data.tolist() == [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]


def test_var_follows_the_spelling_of_the_call():
    data = np.random.default_rng(1).standard_normal((3, 5))
    x = Tensor(data)
    np.testing.assert_allclose(x.var().item(), data.var(ddof=1))  # PyTorch: n - 1
    np.testing.assert_allclose(x.var(1).data, data.var(axis=1, ddof=1))
    np.testing.assert_allclose(x.var(axis=1).data, data.var(axis=1))  # NumPy: n
    np.testing.assert_allclose(x.var(1, correction=0).data, data.var(axis=1))
    np.testing.assert_allclose(x.var(1, unbiased=False).data, data.var(axis=1))
    np.testing.assert_allclose(x.std(0, keepdim=True).data, data.std(axis=0, ddof=1, keepdims=True))
    with pytest.raises(TypeError, match="one of correction"):
        x.var(correction=1, ddof=1)


# -- shape methods ---------------------------------------------------------------------------

def test_size_numel_dim():
    t = Tensor(np.ones((2, 3, 4)))
    assert t.size() == (2, 3, 4) and t.size(-1) == 4 and t.size(dim=0) == 2
    assert t.numel() == 24 and t.dim() == 3 and len(t) == 2


def test_view_expand_repeat_contiguous():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert t.view(3, 2).shape == (3, 2) and t.view(-1).shape == (6,)
    assert t.view_as(Tensor(np.ones((6, 1)))).shape == (6, 1)
    e = Tensor(np.array([[1.0], [2.0]])).expand(2, -1, 4)
    assert e.shape == (2, 2, 4) and e.data[1, 1].tolist() == [2.0] * 4
    assert Tensor(np.ones(3)).expand_as(t).shape == (2, 3)
    r = t.repeat(2, 1, 2)
    np.testing.assert_array_equal(r.data, np.tile(t.data, (2, 1, 2)))
    assert t.contiguous() is t
    c = t.T.contiguous()
    assert c is not t and c.is_contiguous() and c.data.tolist() == t.data.T.tolist()


def test_split_and_chunk_have_pytorchs_meaning():
    t = Tensor(np.arange(10.0))
    assert [p.shape for p in t.split(4)] == [(4,), (4,), (2,)]  # pieces of 4
    assert [p.shape for p in split(t, [3, 7])] == [(3,), (7,)]
    assert [p.shape for p in t.chunk(3)] == [(4,), (4,), (2,)]  # ceil(10 / 3) = 4
    assert [p.shape for p in chunk(Tensor(np.ones((2, 6))), 4, dim=1)] == [(2, 2)] * 3
    assert [p.shape for p in Tensor(np.ones((3, 2))).unbind(0)] == [(2,)] * 3
    with pytest.raises(ValueError, match="positive"):
        t.split(0)


def test_shape_op_gradients():
    x = _x(2, 3)
    gradcheck(lambda: x.repeat(2, 1, 3), [x])
    gradcheck(lambda: x.unsqueeze(1).expand(2, 4, 3), [x])
    gradcheck(lambda: x.view(3, 2) * 1.0, [x])
    gradcheck(lambda: cat([p * p for p in x.split([1, 2], dim=1)], dim=1), [x])
    gradcheck(lambda: stack(x.chunk(2, dim=0), dim=-1), [x])


# -- indexing and masks ------------------------------------------------------------------------

def test_gather_topk_masked_fill_tril_triu():
    x = Tensor(np.array([[1.0, 9.0, 4.0], [8.0, 2.0, 6.0]]))
    assert x.gather(1, Tensor(np.array([[2, 0], [1, 1]]))).data.tolist() == [[4.0, 1.0], [2.0, 2.0]]
    assert x.gather(0, Tensor(np.array([[1, 0, 1]]))).data.tolist() == [[8.0, 9.0, 6.0]]
    values, indices = x.topk(2)
    assert values.data.tolist() == [[9.0, 4.0], [8.0, 6.0]] and indices.data.tolist() == [[1, 2], [0, 2]]
    assert x.topk(1, dim=0, largest=False).values.data.tolist() == [[1.0, 2.0, 4.0]]
    assert x.masked_fill(x > 5, 0.0).data.tolist() == [[1.0, 0.0, 4.0], [0.0, 2.0, 0.0]]
    causal = Tensor(np.ones((3, 3))).tril()
    assert causal.data.tolist() == np.tril(np.ones((3, 3))).tolist()
    assert Tensor(np.ones((2, 3, 3))).triu(1).data[1].tolist() == np.triu(np.ones((3, 3)), 1).tolist()


def test_indexing_and_mask_gradients():
    x = _x(3, 4)
    index = Tensor(np.array([[0, 3, 3], [1, 1, 2], [2, 0, 0]]))
    gradcheck(lambda: x.gather(1, index), [x])
    gradcheck(lambda: x.topk(2, dim=0).values, [x])
    gradcheck(lambda: x.masked_fill(x.detach() > 0, -1.0), [x])
    gradcheck(lambda: x.tril(-1) + x.triu(2), [x])
    gradcheck(lambda: x.max(dim=-1).values, [x])
    gradcheck(lambda: x.std(1), [x])


# -- comparisons, conversions, device ------------------------------------------------------------

def test_comparison_methods_and_operators():
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([3.0, 2.0, 1.0])
    for name, op in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                     ("gt", np.greater), ("ge", np.greater_equal)]:
        assert getattr(a, name)(b).data.tolist() == op(a.data, b.data).tolist()
    mask = a > 1
    assert (~mask).data.tolist() == [True, False, False] and (mask & (b > 1)).data.tolist() == [False, True, False]
    assert abs(Tensor([-2.0, 3.0])).data.tolist() == [2.0, 3.0]
    assert a.eq(2.0).any() and not a.gt(5).any() and a.lt(5).all().item() is True


def test_a_one_element_integer_tensor_is_an_index():
    items = ["a", "b", "c"]
    i = Tensor(np.array([1, 2, 0])).argmax()
    assert items[i] == "b" and list(range(5))[Tensor(np.array(3))] == 3 and int(Tensor([2.7])) == 2
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        items[Tensor([1.0])]


def test_dtype_conversions():
    t = Tensor([1.5, -2.0])
    assert t.double().dtype == np.float64 and t.double().float().dtype == np.float32
    assert t.long().data.tolist() == [1, -2] and t.long().dtype == np.int64
    assert t.int().dtype == np.int32 and t.bool().data.tolist() == [True, True] and t.half().dtype == np.float16
    assert t.type() == "torch.FloatTensor" and t.long().type() == "torch.LongTensor"
    assert t.type(np.float64).dtype == np.float64 and t.type("torch.DoubleTensor").dtype == np.float64
    assert t.to(np.float64).dtype == np.float64 and t.to(t.long()).dtype == np.int64
    assert t.to("cpu") is t and t.to(device("cpu"), np.float64).dtype == np.float64
    x = _x(3)
    (x.float() * 2).sum().backward()  # a float cast passes the gradient through, in x's dtype
    assert x.grad.dtype == np.float64 and x.grad.data.tolist() == [2.0] * 3


def test_cpu_is_the_only_device():
    t = Tensor([1.0])
    assert t.device == "cpu" and t.device == device("cpu") and str(t.device) == "cpu"
    assert t.device.type == "cpu" and repr(t.device) == "device(type='cpu')" and t.device != "cuda"
    with pytest.raises(RuntimeError, match="'cuda' is not available: TinyTorch runs on the CPU only"):
        t.to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        t.to(device="mps")


def test_method_names_for_operators():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    assert a.add(b).data.tolist() == [4.0, 6.0] and a.mul(b).data.tolist() == [3.0, 8.0]
    assert a.sub(b).data.tolist() == [-2.0, -2.0] and b.div(a).data.tolist() == [3.0, 2.0]
    assert a.add(b, alpha=2).data.tolist() == [7.0, 10.0] and a.sub(b, alpha=0.5).data.tolist() == [-0.5, 0.0]
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        w.add_(Tensor([1.0, 1.0]), alpha=-0.5).sub_(Tensor([2.0, 2.0]), alpha=0.25)
    assert w.data.tolist() == [0.0, 1.0]
    assert a.pow(2).data.tolist() == [1.0, 4.0] and a.matmul(b).item() == 11.0
    assert a.clamp(min=1.5).data.tolist() == [1.5, 2.0] and where(a > 1, a, b).data.tolist() == [3.0, 2.0]


def test_cross_entropy_refuses_targets_it_would_truncate():
    logits = _x(2, 3)
    assert F.cross_entropy(logits, Tensor([0.0, 2.0])).item() == F.cross_entropy(logits, np.array([0, 2])).item()
    with pytest.raises(TypeError, match="targets must be class indices"):
        F.cross_entropy(logits, Tensor([0.0, 1.7]))
