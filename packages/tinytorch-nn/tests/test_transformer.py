"""TransformerBlock: the pre-norm wiring, gradients against finite differences,
causality, the KV cache, and dropout's train/eval switch."""

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.core import Tensor, no_grad
from tinytorch.nn import functional as F


def _block(d_model=8, n_heads=2, seed=0, **kwargs):
    nn.manual_seed(seed)
    return nn.TransformerBlock(d_model, n_heads, **kwargs).double()


def _x(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def test_is_pre_norm_attention_then_gelu_mlp():
    block = _block(8, 2, d_ff=16)
    assert block.fc.out_features == 16 and block.fc.activation == "gelu"
    x = Tensor(_x((2, 5, 8)))
    h = x + block.attn(block.ln1(x))
    hidden = F.gelu(F.linear(block.ln2(h), block.fc.weight, block.fc.bias), approximate="tanh")
    mlp = F.linear(hidden, block.proj.weight, block.proj.bias)
    np.testing.assert_allclose(block(x).data, (h + mlp).data, rtol=1e-12, atol=1e-12)
    assert _block(8, 2).fc.out_features == 32  # d_ff defaults to 4 * d_model


def test_gradients_match_finite_differences(gradcheck):
    block = _block(4, 2, d_ff=6)
    x = Tensor(_x((1, 3, 4)), requires_grad=True)
    gradcheck(lambda: block(x), [x, *block.parameters()])


def test_is_causal_and_cache_matches_full_sequence():
    block = _block()
    x = _x((2, 6, 8))
    full = block(Tensor(x)).data
    changed = x.copy()
    changed[:, 5] -= 3.0
    np.testing.assert_array_equal(block(Tensor(changed)).data[:, :5], full[:, :5])

    cache = block.attn.new_cache(2, max_seq_len=8, dtype=np.float64)
    with no_grad():
        steps = [block(Tensor(x[:, t:t + 1]), cache=cache).data for t in range(6)]
    np.testing.assert_allclose(np.concatenate(steps, axis=1), full, rtol=1e-12, atol=1e-12)


def test_dropout_only_in_training():
    block = _block(dropout=0.5)
    x = Tensor(_x((2, 4, 8)))
    assert not np.allclose(block(x).data, block(x).data)
    block.eval()
    np.testing.assert_array_equal(block(x).data, block(x).data)


def test_wrong_width_is_explained():
    with pytest.raises(ValueError, match="LayerNorm"):
        _block(8, 2)(Tensor(_x((1, 3, 6))))
