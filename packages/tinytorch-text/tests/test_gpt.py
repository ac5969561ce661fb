"""GPT: shapes, causality, the context limit, gradients, weight tying and learning."""

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.core import Tensor, no_grad
from tinytorch.nn import functional as F

IDS = np.array([[1, 5, 5, 2, 9, 0, 3], [4, 4, 4, 10, 7, 1, 1]])


def test_logits_shape_and_dtype(tiny_gpt):
    model = tiny_gpt(np.float32)
    out = model(IDS)
    assert out.shape == (2, 7, 11) and out.dtype == np.float32
    np.testing.assert_array_equal(model(Tensor(IDS)).data, out.data)
    assert len(model.blocks) == 2


def test_a_position_only_sees_the_past(tiny_gpt):
    model = tiny_gpt()
    changed = IDS.copy()
    changed[:, 4] = 6
    a, b = model(IDS).data, model(changed).data
    np.testing.assert_array_equal(a[:, :4], b[:, :4])
    assert not np.allclose(a[:, 4:], b[:, 4:])


def test_cached_positions_continue_where_the_cache_stopped(tiny_gpt):
    # Prefill 4 tokens, then feed the other 3 with the cache: they are positions 4..6.
    model = tiny_gpt()
    model.eval()
    with no_grad():
        full = model(IDS).data
        cache = model.new_cache(len(IDS))
        model(IDS[:, :4], cache=cache)
        rest = model(IDS[:, 4:], cache=cache).data
    np.testing.assert_allclose(rest, full[:, 4:], rtol=1e-4, atol=1e-5)


def test_too_long_input_names_both_lengths(tiny_gpt):
    model = tiny_gpt(max_seq_len=6)
    with pytest.raises(ValueError, match=r"sequence of 7 tokens is longer than the model's max_seq_len=6"):
        model(IDS)
    with pytest.raises(ValueError, match=r"shape \(batch, time\)"):
        model(IDS[0])


def test_gradients_of_the_embeddings(tiny_gpt, gradcheck):
    # Repeated ids (4, 4, 4 and 5, 5) must add their gradients, through the whole model.
    model = tiny_gpt(vocab_size=11, d_model=4, n_layers=1, n_heads=2)
    gradcheck(lambda: model(IDS), [model.tok_emb.weight, model.pos_emb.weight])


def test_tied_weights_share_the_embedding(tiny_gpt, gradcheck):
    sizes = dict(d_model=4, n_layers=1, n_heads=2)
    tied, untied = tiny_gpt(tie_weights=True, **sizes), tiny_gpt(**sizes)
    assert tied.lm_head is None
    assert untied.num_parameters() - tied.num_parameters() == 11 * 4
    # The embedding's gradient now flows from the input lookup and from the output layer.
    gradcheck(lambda: tied(IDS), [tied.tok_emb.weight])


def test_state_dict_round_trip(tiny_gpt, tmp_path):
    model = tiny_gpt()
    nn.save(model, tmp_path / "gpt.npz")
    other = tiny_gpt(seed=1)
    assert not np.allclose(other(IDS).data, model(IDS).data)
    nn.load(tmp_path / "gpt.npz", other)
    np.testing.assert_array_equal(other(IDS).data, model(IDS).data)


def test_learns_a_repeating_sequence(tiny_gpt):
    model = tiny_gpt(np.float32)
    text = np.tile(np.arange(11), 3)
    x, y = text[None, :12], text[None, 1:13]
    losses = []
    for _ in range(60):  # plain gradient descent
        loss = F.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
        with no_grad():
            for p in model.parameters():
                p.sub_(p.grad * 0.5)
        losses.append(loss.item())
    assert losses[0] > 2.0 and losses[-1] < 0.5 * losses[0]
    assert (model.generate(x[:, :3], 8, temperature=0) == text[None, :11]).all()
