"""The passes on a tiny GPT: quantize (Linear, lm head, embeddings), structured pruning of
heads and MLP neurons, unstructured pruning, distillation into a smaller GPT, kv-cache;
each refuses options that cannot work before any training."""

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.core import Tensor, no_grad
from tinytorch.core.data import DataLoader, TensorDataset
from tinytorch.optim.passes import PassContext, QuantizedLinear, apply_passes, validate_passes
from tinytorch.optim.passes.quantize import QMAX, QuantizedRows

text = pytest.importorskip("tinytorch.text")

VOCAB, CONTEXT = 11, 8
INFO = {"vocab_size": VOCAB, "block_size": CONTEXT, "num_classes": VOCAB}


def tiny_gpt(seed=0, **options):
    nn.manual_seed(seed)
    settings = {"d_model": 16, "n_layers": 2, "n_heads": 4, "max_seq_len": CONTEXT, **options}
    return text.GPT(VOCAB, **settings)


def ids(batch=4, seed=1):
    return np.random.default_rng(seed).integers(0, VOCAB, (batch, CONTEXT))


def logits(model, x, cache=None):
    model.eval()
    with no_grad():
        return model(x, cache=cache).data


def loader(batch=4, batches=2):
    x = ids(batch * batches, seed=2)
    y = np.roll(x, -1, axis=1)
    return DataLoader(TensorDataset(Tensor(x), Tensor(y)), batch_size=batch)


def context(finetune=None):
    return PassContext(loader(), loader(), INFO, finetune or (lambda *args, **kwargs: []), {})


def test_quantize_makes_every_linear_int8_and_keeps_the_logits_close():
    model, x = tiny_gpt(), ids()
    before = logits(model, x)
    bytes_before = sum(a.nbytes for a in model.state_dict().values())
    out = apply_passes(model, [{"name": "quantize", "embeddings": True}], context())
    assert all(not isinstance(m, nn.Linear) for m in out.modules())
    state = out.state_dict()
    assert state["tok_emb.weight_int8"].dtype == np.int8 and state["pos_emb.weight_int8"].dtype == np.int8
    assert sum(a.nbytes for a in state.values()) < 0.30 * bytes_before
    after = logits(out, x)
    assert np.abs(after - before).max() < 0.05 * np.abs(before).max()
    # the cached path runs the same quantized layers
    cache = out.new_cache(len(x))
    assert np.allclose(logits(out, x, cache), after, atol=1e-5)


def test_quantize_can_leave_the_lm_head_and_embeddings_in_float32():
    model = apply_passes(tiny_gpt(), [{"name": "quantize", "lm_head": False}], context())
    assert type(model.lm_head) is nn.Linear and isinstance(model.blocks[0].fc, QuantizedLinear)
    assert model.state_dict()["tok_emb.weight"].dtype == np.float32


def test_quantized_rows_dequantize_only_what_is_looked_up():
    model = apply_passes(tiny_gpt(), [{"name": "quantize", "embeddings": True}], context())
    table = model.tok_emb.weight
    assert isinstance(table, QuantizedRows) and table.shape == (VOCAB, 16)
    q, scale = model.tok_emb.weight_int8.data, model.tok_emb.weight_scale.data.astype(np.float32)
    assert np.array_equal(table[np.array([3, 5])].data, q[[3, 5]] * scale[[3, 5], None])
    assert np.abs(q).max() <= QMAX


def test_the_float32_product_of_int8_values_is_the_exact_integer_sum():
    layer = nn.Linear(16, 8)
    quantized = QuantizedLinear(layer)
    x = np.random.default_rng(0).standard_normal((3, 16)).astype(np.float32)
    out = quantized(Tensor(x)).data
    qx = np.clip(np.round(x / (np.abs(x).max(-1, keepdims=True) / QMAX)), -QMAX, QMAX).astype(np.int64)
    exact = qx @ quantized.weight.data.astype(np.int64).T  # int64: certainly exact
    sx = np.abs(x).max(-1, keepdims=True) / QMAX
    bias = quantized.bias.data.astype(np.float32) * quantized.bias_scale.data.astype(np.float32)
    expected = exact * sx * quantized.weight_scale.data.astype(np.float32) + bias
    assert np.allclose(out, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("options, message", [
    ({"embeddings": "yes"}, "embeddings must be true or false"),
    ({"lm_head": 1}, "lm_head must be true or false"),
])
def test_quantize_refuses_bad_gpt_options_before_training(options, message):
    with pytest.raises(ValueError, match=message):
        validate_passes([{"name": "quantize", **options}], tiny_gpt(), INFO)


def test_quantize_refuses_int8_embeddings_when_the_lm_head_is_tied_to_them():
    with pytest.raises(ValueError, match="tie_weights"):
        validate_passes([{"name": "quantize", "embeddings": True}], tiny_gpt(tie_weights=True), INFO)


def test_structured_pruning_removes_heads_and_mlp_neurons_and_the_cache_still_agrees():
    model, x = tiny_gpt(), ids(2)
    validate_passes([{"name": "prune", "structured": True, "sparsity": 0.5, "heads": 0.5}], model, INFO)
    ctx = context()
    out = apply_passes(model, [{"name": "prune", "structured": True, "sparsity": 0.5, "heads": 0.5}], ctx)
    block = out.blocks[0]
    assert block.attn.n_heads == 2 and block.attn.qkv.weight.shape == (3 * 2 * 4, 16)
    assert block.attn.proj.weight.shape == (16, 8)
    assert block.fc.weight.shape == (32, 16) and block.proj.weight.shape == (16, 32)
    report = ctx.reports[0]
    assert (report["heads_before"], report["heads_after"]) == (8, 4)
    assert (report["neurons_before"], report["neurons_after"]) == (128, 64)
    plain = logits(out, x)
    cached = logits(out, x, out.new_cache(len(x)))
    assert np.allclose(plain, cached, atol=1e-5)
    assert out.new_cache(1)[0].k.shape[1] == 2  # fewer heads: a smaller KV cache


def test_removing_no_weight_leaves_the_gpt_unchanged():
    """Zero a head's and a neuron's incoming weights; pruning exactly those changes nothing."""
    model, x = tiny_gpt(), ids(2)
    for block in model.blocks:  # every block loses its weakest head and neuron, so zero one of each
        for part in range(3):  # head 1's rows of q, k and v
            block.attn.qkv.weight.data[part * 16 + 4 : part * 16 + 8] = 0
            block.attn.qkv.bias.data[part * 16 + 4 : part * 16 + 8] = 0
        block.fc.weight.data[7] = 0
        block.fc.bias.data[7] = 0
    before = logits(model, x)
    apply_passes(model, [{"name": "prune", "structured": True, "sparsity": 1 / 64, "heads": 0.25}], context())
    assert model.blocks[0].attn.n_heads == 3 and model.blocks[0].fc.out_features == 63
    # a head with zero values adds zeros to the output; a zero neuron gives GELU(0) = 0
    assert np.allclose(logits(model, x), before, atol=1e-5)


def test_unstructured_pruning_zeroes_weights_in_a_gpt():
    model = apply_passes(tiny_gpt(), [{"name": "prune", "sparsity": 0.6}], context())
    weights = [m.weight.data for m in model.modules() if isinstance(m, nn.Linear)]
    zeros = sum(int((w == 0).sum()) for w in weights) / sum(w.size for w in weights)
    assert zeros == pytest.approx(0.6, abs=0.01)


@pytest.mark.parametrize("options, message", [
    ({"heads": 0.5}, "needs structured: true"),
    ({"structured": True, "heads": 1.0}, "heads must be a fraction in"),
])
def test_prune_refuses_heads_it_cannot_remove(options, message):
    with pytest.raises(ValueError, match=message):
        validate_passes([{"name": "prune", **options}], tiny_gpt(), INFO)


def test_heads_on_an_mlp_are_refused():
    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    with pytest.raises(ValueError, match="transformer blocks"):
        validate_passes([{"name": "prune", "structured": True, "heads": 0.5}], mlp, INFO)


def test_distill_trains_a_smaller_gpt_on_the_teachers_logits():
    teacher = tiny_gpt()
    seen = {}

    def finetune(model, epochs, loss_fn=None, train_loader=None):
        x, targets = next(iter(train_loader))
        seen["teacher_logits"] = targets.teacher_logits
        out = model(x)
        loss = loss_fn(out, targets)
        loss.backward()
        seen["loss"] = float(loss.data)
        seen["grad"] = model.lm_head.weight.grad
        return []

    spec = {"name": "distill", "student": {"name": "gpt", "d_model": 8, "n_layers": 1, "n_heads": 2}, "epochs": 1}
    validate_passes([spec], teacher, INFO)
    student = apply_passes(teacher, [spec], context(finetune))
    assert isinstance(student, text.GPT) and student.num_parameters() < teacher.num_parameters()
    assert seen["teacher_logits"].shape == (4, CONTEXT, VOCAB)
    assert np.isfinite(seen["loss"]) and seen["grad"] is not None


def test_distill_refuses_a_classifier_student_for_a_gpt_teacher():
    spec = {"name": "distill", "student": {"name": "mlp", "hidden": [4]}}
    with pytest.raises(ValueError, match="same kind of model"):
        validate_passes([spec], tiny_gpt(), {**INFO, "input_shape": (CONTEXT,)})


def test_kv_cache_marks_the_gpt_for_cached_decoding():
    model = tiny_gpt()
    validate_passes([{"name": "kv-cache", "check_tokens": 4}], model, INFO)
    ctx = context()
    out = apply_passes(model, [{"name": "kv-cache", "check_tokens": 4}], ctx)
    assert out.decode_with_cache is True
    assert ctx.reports[0]["tokens_checked"] == 4
