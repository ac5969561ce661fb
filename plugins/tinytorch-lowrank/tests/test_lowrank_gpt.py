"""The third-party lowrank pass on a tiny GPT: checked before training, factorizes the
blocks' Linear layers (keeping the MLP's fused GELU), and the KV cache still agrees."""

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.core import no_grad
from tinytorch.optim.passes import PassContext
from tinytorch_lowrank import LowRank, LowRankLinear

text = pytest.importorskip("tinytorch.text")


def tiny_gpt():
    nn.manual_seed(0)
    return text.GPT(vocab_size=11, d_model=32, n_layers=2, n_heads=4, max_seq_len=8)


def run(model, ids, cache=None):
    model.eval()
    with no_grad():
        return model(ids, cache=cache).data


def test_lowrank_factorizes_a_gpts_blocks_and_the_cache_still_agrees():
    model, ids = tiny_gpt(), np.random.default_rng(0).integers(0, 11, (2, 8))
    before = run(model, ids)
    LowRank().validate({"rank": 16}, model)
    context = PassContext()
    out = LowRank().apply(model, {"rank": 16}, context)
    fc = out.blocks[0].fc
    assert isinstance(fc, LowRankLinear) and fc.up.activation == "gelu"
    assert "blocks.0.attn.qkv" in context.report["ranks"]
    assert context.report["parameters_after"] < context.report["parameters_before"]
    after = run(out, ids)
    assert np.isfinite(after).all() and after.shape == before.shape
    assert np.allclose(run(out, ids, out.new_cache(2)), after, atol=1e-5)


def test_lowrank_refuses_a_rank_that_saves_nothing_in_a_gpt_before_training():
    with pytest.raises(ValueError, match="would save parameters in no Linear layer"):
        LowRank().validate({"rank": 30}, tiny_gpt())
