"""Embedding lookups and their scatter-add gradient; learned and sinusoidal positions."""

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.core import Tensor
from tinytorch.text import Embedding, PositionalEmbedding, SinusoidalPositionalEncoding

REPEATED = np.array([[1, 3, 1], [1, 0, 4]])  # id 1 three times, id 2 never


def test_lookup_is_indexing_the_table():
    emb = Embedding(5, 3)
    out = emb(REPEATED)
    assert out.shape == (2, 3, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.data, emb.weight.data[REPEATED])
    np.testing.assert_array_equal(emb(Tensor(REPEATED)).data, out.data)  # a Tensor of ids works too


def test_gradient_adds_up_over_repeated_ids(gradcheck):
    emb = Embedding(5, 3).double()
    upstream = np.random.default_rng(0).standard_normal((2, 3, 3))
    emb(REPEATED).backward(upstream)
    expected = np.zeros((5, 3))
    for (b, t), i in np.ndenumerate(REPEATED):
        expected[i] += upstream[b, t]
    np.testing.assert_allclose(emb.weight.grad.data, expected)
    assert not emb.weight.grad.data[2].any()  # an unused row gets no gradient
    emb.weight.grad = None
    gradcheck(lambda: emb(REPEATED), [emb.weight])


def test_matches_torch():
    torch = pytest.importorskip("torch")
    emb = Embedding(5, 3).double()
    ref = torch.nn.Embedding(5, 3, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(emb.weight.data))
    upstream = np.random.default_rng(1).standard_normal((2, 3, 3))
    emb(REPEATED).backward(upstream)
    ref(torch.from_numpy(REPEATED)).backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(emb.weight.grad.data, ref.weight.grad.numpy())


def test_bad_ids_are_named():
    emb = Embedding(5, 3)
    with pytest.raises(IndexError, match=r"ids \[-1, 7\] are outside the table's range 0..4"):
        emb(np.array([0, 7, -1, 7]))
    with pytest.raises(TypeError, match="integer ids"):
        emb(np.array([0.0, 1.0]))


def test_learned_positions_are_added_from_an_offset(gradcheck):
    nn.manual_seed(0)
    pos = PositionalEmbedding(6, 4).double()
    x = Tensor(np.zeros((2, 3, 4)), requires_grad=True)
    np.testing.assert_array_equal(pos(x, offset=2).data, np.broadcast_to(pos.weight.data[2:5], (2, 3, 4)))
    gradcheck(lambda: pos(x, offset=1), [x, pos.weight])
    assert not pos.weight.grad.data[[0, 4, 5]].any()
    with pytest.raises(ValueError, match=r"positions 4..6 do not fit max_seq_len=6"):
        pos(x, offset=4)


def test_sinusoidal_values():
    enc = SinusoidalPositionalEncoding(50, 6)
    out = enc(Tensor(np.zeros((1, 50, 6))))
    p, i = 7, 1  # the second pair of features at position 7
    angle = p / 10000 ** (2 * i / 6)
    np.testing.assert_allclose(out.data[0, p, 2 * i:2 * i + 2], [np.sin(angle), np.cos(angle)])
    np.testing.assert_allclose(out.data[0, 0], [0, 1, 0, 1, 0, 1])
    assert list(enc.parameters()) == [] and enc.state_dict() == {}  # fixed: nothing to train or save
    assert enc(Tensor(np.zeros((2, 3, 6), np.float32)), offset=7).dtype == np.float32
    np.testing.assert_allclose(enc(Tensor(np.zeros((1, 1, 6))), offset=7).data[0, 0], out.data[0, 7])
    assert SinusoidalPositionalEncoding(4, 5)(Tensor(np.zeros((1, 4, 5)))).shape == (1, 4, 5)  # odd width
