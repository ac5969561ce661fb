"""The passes as plugins: registration, validation before training, order, reports, kv-cache."""

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.core import Tensor, UnknownNameError, plugins
from tinytorch.optim.passes import CachedDecoding, PassContext, QuantizedLinear, apply_passes, validate_passes


def mlp():
    nn.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 3))


def test_the_four_passes_register_through_the_entry_point():
    found = plugins.registry("passes")
    assert {"quantize", "prune", "distill", "kv-cache"} <= set(found)
    assert {found[name].dist for name in ("quantize", "prune", "distill", "kv-cache")} == {"tinytorch-optim"}


def test_an_unknown_pass_lists_the_installed_ones_and_the_nearest():
    with pytest.raises(UnknownNameError, match="'quantise'; installed passes: .*quantize.*did you mean 'quantize'"):
        validate_passes([{"name": "quantise"}], mlp(), {})


@pytest.mark.parametrize("entry, message", [
    ({"name": "prune", "sparsity": 1.0}, r"passes.1: prune: sparsity must be a fraction in \[0, 1\)"),
    ({"name": "kv-cache"}, r"passes.1: kv-cache: cached generation needs a GPT-style model.*Sequential"),
    ({"name": "quantize", "bitz": 8}, r"passes.1: quantize: unknown option 'bitz'.*did you mean 'bits'"),
])
def test_validation_names_the_pass_and_what_is_wrong(entry, message):
    with pytest.raises(ValueError, match=message):
        validate_passes([{"name": "quantize"}, entry], mlp(), {})


def test_passes_run_in_order_and_report_what_they_did():
    model = mlp()
    context = PassContext()
    out = apply_passes(model, [{"name": "prune", "sparsity": 0.5, "structured": True}, {"name": "quantize"}], context)
    assert [r["name"] for r in context.reports] == ["prune", "quantize"]
    assert context.reports[0]["units_after"] == 6
    assert context.reports[1]["bytes_after"] < context.reports[1]["bytes_before"]
    assert isinstance(out[0], QuantizedLinear) and out[0].out_features == 4
    assert out(Tensor(np.ones((2, 6), dtype=np.float32))).shape == (2, 3)


def test_kv_cache_refuses_a_model_without_generation():
    with pytest.raises(ValueError, match="kv-cache: cached generation needs a GPT-style model"):
        CachedDecoding().validate({}, mlp(), {})


def test_kv_cache_switches_on_and_checks_cached_generation():
    text = pytest.importorskip("tinytorch.text")
    nn.manual_seed(0)
    model = text.GPT(vocab_size=11, d_model=16, n_layers=2, n_heads=2, max_seq_len=24)
    CachedDecoding().validate({"check_tokens": 6}, model, {})
    prompt = np.array([[1, 2, 3, 4]])
    loader = [(Tensor(prompt), Tensor(prompt))]
    context = PassContext(test_loader=loader)
    out = CachedDecoding().apply(model, {"check_tokens": 6}, context)
    assert out is model
    assert out.generate.keywords == {"use_cache": True}
    assert context.report["tokens_checked"] == 6
    assert context.report["tokens_per_second_cached"] > 0
    np.testing.assert_array_equal(out.generate(prompt, 5, temperature=0),
                                  model.generate(prompt, 5, temperature=0, use_cache=False))
