"""MultiHeadAttention: against a NumPy hand computation and PyTorch, gradients against
finite differences, the causal mask, and the KV cache."""

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.core import Tensor, no_grad


def _mha(d_model=8, n_heads=2, seed=0, **kwargs):
    nn.manual_seed(seed)
    return nn.MultiHeadAttention(d_model, n_heads, **kwargs).double()


def _x(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def _reference(mha, x, causal=True):
    """Attention written out head by head in NumPy, from the layer's own weights."""
    b, t, c = x.shape
    h, d = mha.n_heads, mha.d_head
    qkv = x @ mha.qkv.weight.data.T + mha.qkv.bias.data
    q, k, v = qkv[..., :c], qkv[..., c:2 * c], qkv[..., 2 * c:]
    out = np.zeros_like(x)
    for head in range(h):
        cols = slice(head * d, (head + 1) * d)
        scores = q[..., cols] @ k[..., cols].transpose(0, 2, 1) / np.sqrt(d)
        if causal:
            scores = np.where(np.tril(np.ones((t, t), bool)), scores, -np.inf)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        out[..., cols] = weights @ v[..., cols]
    return out @ mha.proj.weight.data.T + mha.proj.bias.data


@pytest.mark.parametrize("causal", [True, False])
def test_matches_hand_computation(causal):
    mha = _mha(12, 3)
    x = _x((2, 5, 12))
    out = mha(Tensor(x), is_causal=causal)
    assert out.shape == (2, 5, 12) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, _reference(mha, x, causal), rtol=1e-10, atol=1e-12)


def test_matches_torch():
    torch = pytest.importorskip("torch")
    mha = _mha(8, 2)
    ref = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.from_numpy(mha.qkv.weight.data))
        ref.in_proj_bias.copy_(torch.from_numpy(mha.qkv.bias.data))
        ref.out_proj.weight.copy_(torch.from_numpy(mha.proj.weight.data))
        ref.out_proj.bias.copy_(torch.from_numpy(mha.proj.bias.data))
    x = _x((2, 6, 8))
    causal_mask = torch.triu(torch.ones(6, 6, dtype=torch.bool), diagonal=1)  # True = blocked
    expected, _ = ref(*(torch.from_numpy(x),) * 3, attn_mask=causal_mask, need_weights=False)
    np.testing.assert_allclose(mha(Tensor(x)).data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_gradients_match_finite_differences(gradcheck):
    mha = _mha(4, 2)
    x = Tensor(_x((2, 3, 4)), requires_grad=True)
    gradcheck(lambda: mha(x), [x, *mha.parameters()])
    gradcheck(lambda: mha(x, is_causal=False), [x, *mha.parameters()])


def test_future_tokens_do_not_change_earlier_outputs():
    mha = _mha()
    x = _x((1, 6, 8))
    changed = x.copy()
    changed[:, 4:] += 10.0
    a, b = mha(Tensor(x)).data, mha(Tensor(changed)).data
    np.testing.assert_array_equal(a[:, :4], b[:, :4])
    assert not np.allclose(a[:, 4:], b[:, 4:])
    # Without the causal mask, every position sees the change.
    assert not np.allclose(mha(Tensor(x), is_causal=False).data[:, 0], mha(Tensor(changed), is_causal=False).data[:, 0])


def test_cache_gives_the_same_outputs_as_the_full_sequence():
    mha = _mha()
    x = _x((2, 7, 8))
    full = mha(Tensor(x)).data
    cache = mha.new_cache(batch_size=2, max_seq_len=10, dtype=np.float64)
    assert cache.k.shape == (2, 2, 10, 4)
    with no_grad():
        parts = [mha(Tensor(x[:, :3]), cache=cache)]  # prefill three positions, then one at a time
        parts += [mha(Tensor(x[:, t:t + 1]), cache=cache) for t in range(3, 7)]
    assert cache.length == 7
    np.testing.assert_allclose(np.concatenate([p.data for p in parts], axis=1), full, rtol=1e-12, atol=1e-12)


def test_cache_is_for_no_grad_and_refuses_to_overflow():
    mha = _mha()
    cache = mha.new_cache(1, max_seq_len=4, dtype=np.float64)
    with pytest.raises(RuntimeError, match="no_grad"):
        mha(Tensor(_x((1, 2, 8))), cache=cache)
    with no_grad():
        mha(Tensor(_x((1, 3, 8))), cache=cache)
        with pytest.raises(ValueError, match=r"3 positions are filled and 2 more do not fit in max_seq_len=4"):
            mha(Tensor(_x((1, 2, 8))), cache=cache)
        with pytest.raises(ValueError, match="make a new cache"):
            mha(Tensor(_x((2, 1, 8))), cache=cache)
        cache.reset()
        assert mha(Tensor(_x((1, 4, 8))), cache=cache).shape == (1, 4, 8)


def test_bad_shapes_are_explained():
    with pytest.raises(ValueError, match="divisible by n_heads=3"):
        nn.MultiHeadAttention(8, 3)
    with pytest.raises(ValueError, match=r"expects \(batch, time, 8\) input, found shape \(5, 8\)"):
        _mha()(Tensor(_x((5, 8))))


def test_float32_stays_float32_and_bias_is_optional():
    mha = nn.MultiHeadAttention(8, 2, bias=False)
    assert mha.qkv.bias is None and mha.proj.bias is None
    assert mha(Tensor(_x((1, 3, 8)).astype(np.float32))).dtype == np.float32
