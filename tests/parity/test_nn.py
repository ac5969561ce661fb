"""tinytorch.torch.nn against PyTorch: every public layer, loss and functional, forward and gradient.

Each case runs the same inputs (and, for layers, the same weights, copied from
TinyTorch's module into PyTorch's) through both with the suite's ``parity.check``
(``conftest.py``), and compares outputs, input gradients and parameter gradients:
float64 to ~1e-12, float32 to float32 rounding. Hypothesis draws shapes and dims for
the elementwise, softmax, normalisation and loss functions.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import tinytorch.torch as tt  # noqa: E402
import tinytorch.torch.nn as nn  # noqa: E402
import tinytorch.torch.nn.functional as F  # noqa: E402

TF = torch.nn.functional
TOL = {np.float64: dict(rtol=1e-12, atol=1e-12), np.float32: dict(rtol=1e-4, atol=1e-5)}
DTYPES = [np.float64, np.float32]


def close(ours, theirs, dtype, what=""):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = ours.data if isinstance(ours, tt.Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs PyTorch's {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, err_msg=what, **TOL[dtype])


def compare(parity, ours_fn, theirs_fn, arrays, dtype, seed=0, grad=True):
    """The shared ``parity.check`` on float arrays of ``dtype``: output and every input's gradient."""
    parity.check(ours_fn, theirs_fn, [np.asarray(a, dtype) for a in arrays], grad=grad, seed=seed,
                 tolerance=TOL[dtype])


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------------- elementwise and softmax
ACTIVATIONS = [
    ("relu", F.relu, TF.relu),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    ("elu", lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7)),
    ("silu", F.silu, TF.silu),
    ("softplus", lambda x: F.softplus(x, 2.0, 3.0), lambda x: TF.softplus(x, 2.0, 3.0)),
    ("gelu", F.gelu, TF.gelu),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    ("sigmoid", F.sigmoid, torch.sigmoid),
    ("tanh", F.tanh, torch.tanh),
]
shapes = st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,ours,theirs", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_activations(parity, name, ours, theirs, dtype, shape, seed):
    compare(parity, ours, theirs, [rand(shape, seed) * 3], dtype, seed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@settings(max_examples=20, deadline=None)
@given(shape=shapes, data=st.data())
def test_softmax_family_over_any_dim(parity, fn, dtype, shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    compare(parity, lambda x: getattr(F, fn)(x, dim=dim), lambda x: getattr(TF, fn)(x, dim=dim), [rand(shape) * 4], dtype)


ACTIVATION_MODULES = [
    (nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(0.3), torch.nn.LeakyReLU(0.3)), (nn.GELU(), torch.nn.GELU()),
    (nn.GELU("tanh"), torch.nn.GELU("tanh")), (nn.SiLU(), torch.nn.SiLU()), (nn.ELU(0.5), torch.nn.ELU(0.5)),
    (nn.Softplus(), torch.nn.Softplus()), (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)), (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
    (nn.Identity(), torch.nn.Identity()), (nn.Flatten(), torch.nn.Flatten()), (nn.Dropout(0.0), torch.nn.Dropout(0.0)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ours,theirs", ACTIVATION_MODULES, ids=[type(a).__name__ for a, _ in ACTIVATION_MODULES])
def test_parameterless_modules(parity, ours, theirs, dtype):
    compare(parity, ours, theirs, [rand((3, 4, 5)) * 2], dtype)


def test_dropout_in_training_zeroes_and_rescales_like_pytorch():
    x = tt.ones(2000)
    tt.manual_seed(0)
    out = F.dropout(x, 0.25).data
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)} and abs((out == 0).mean() - 0.25) < 0.05
    assert F.dropout(x, 0.25, training=False) is x and nn.Dropout(0.4).eval()(x) is x


# ---------------------------------------------------------------------- layers with weights
def copied(ours, theirs, dtype):
    """PyTorch's module with TinyTorch's weights, both in ``dtype``."""
    ours.to(dtype)
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in ours.state_dict().items()})
    return ours, theirs.to(torch.float64 if dtype == np.float64 else torch.float32)


def compare_layer(parity, ours, theirs, arrays, dtype):
    ours, theirs = copied(ours, theirs, dtype)
    compare(parity, ours, theirs, arrays, dtype)
    named = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(named)
    for name, p in ours.named_parameters():
        close(p.grad, named[name].grad, dtype, f"gradient of {name}")


LAYERS = [
    ("Linear", lambda: (nn.Linear(5, 3), torch.nn.Linear(5, 3)), (2, 4, 5)),
    ("Linear-nobias", lambda: (nn.Linear(5, 3, bias=False), torch.nn.Linear(5, 3, bias=False)), (4, 5)),
    ("Conv2d", lambda: (nn.Conv2d(2, 3, 3), torch.nn.Conv2d(2, 3, 3)), (2, 2, 7, 6)),
    ("Conv2d-strided", lambda: (nn.Conv2d(2, 4, (3, 2), stride=2, padding=1),
                                torch.nn.Conv2d(2, 4, (3, 2), stride=2, padding=1)), (2, 2, 7, 7)),
    ("LayerNorm", lambda: (nn.LayerNorm(6), torch.nn.LayerNorm(6)), (3, 4, 6)),
    ("LayerNorm-2d", lambda: (nn.LayerNorm((4, 6)), torch.nn.LayerNorm((4, 6))), (3, 4, 6)),
    ("LayerNorm-noaffine", lambda: (nn.LayerNorm(6, elementwise_affine=False),
                                    torch.nn.LayerNorm(6, elementwise_affine=False)), (3, 6)),
    ("LayerNorm-nobias", lambda: (nn.LayerNorm(6, bias=False), torch.nn.LayerNorm(6, bias=False)), (3, 6)),
    ("BatchNorm1d", lambda: (nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)), (8, 4)),
    ("BatchNorm1d-3d", lambda: (nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)), (5, 4, 3)),
    ("BatchNorm2d", lambda: (nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)), (4, 3, 5, 5)),
    ("MaxPool2d", lambda: (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)), (2, 3, 6, 6)),
    ("MaxPool2d-overlap", lambda: (nn.MaxPool2d(3, 2), torch.nn.MaxPool2d(3, 2)), (2, 3, 7, 7)),
    ("AvgPool2d", lambda: (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)), (2, 3, 6, 6)),
    ("Sequential", lambda: (nn.Sequential(nn.Linear(4, 6), nn.GELU(), nn.Linear(6, 2)),
                            torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.GELU(), torch.nn.Linear(6, 2))), (3, 4)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,build,shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layers_forward_and_every_gradient(parity, name, build, shape, dtype):
    ours, theirs = build()
    compare_layer(parity, ours, theirs, [rand(shape)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_running_statistics_and_eval_mode(parity, dtype):
    ours, theirs = copied(nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3), dtype)
    for seed in range(3):
        compare(parity, ours, theirs, [rand((4, 3, 2, 2), seed) + seed], dtype, grad=False)
    for name in ("running_mean", "running_var"):
        close(getattr(ours, name), getattr(theirs, name), dtype, name)
    ours.eval(), theirs.eval()
    compare(parity, ours, theirs, [rand((2, 3, 2, 2), 9)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_embedding_gathers_rows_and_scatters_gradients(dtype):
    ours, theirs = copied(nn.Embedding(7, 3), torch.nn.Embedding(7, 3), dtype)
    ids = np.array([[0, 3, 3], [6, 1, 0]])
    out, ref = ours(tt.tensor(ids)), theirs(torch.tensor(ids))
    close(out, ref, dtype)
    g = rand(ref.shape).astype(dtype)
    out.backward(tt.tensor(g)), ref.backward(torch.tensor(g))
    close(ours.weight.grad, theirs.weight.grad, dtype, "weight gradient")
    close(F.embedding(tt.tensor(ids), ours.weight), TF.embedding(torch.tensor(ids), theirs.weight), dtype)


# ---------------------------------------------------------------------- functional with weights
@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_conv_and_layer_norm_functions(parity, dtype):
    compare(parity, F.linear, TF.linear, [rand((3, 5)), rand((2, 5)), rand(2)], dtype)
    compare(parity, lambda x, w, b: F.conv2d(x, w, b, 2, 1), lambda x, w, b: TF.conv2d(x, w, b, 2, 1),
            [rand((2, 3, 6, 6)), rand((4, 3, 3, 3)), rand(4)], dtype)
    compare(parity, lambda x, w, b: F.layer_norm(x, (3, 4), w, b, 1e-3), lambda x, w, b: TF.layer_norm(x, (3, 4), w, b, 1e-3),
            [rand((2, 3, 4)), rand((3, 4)), rand((3, 4))], dtype)
    compare(parity, lambda x: F.layer_norm(x, (4,)), lambda x: TF.layer_norm(x, (4,)), [rand((5, 4))], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1), (2, 1, 1)])
def test_pooling_functions(parity, kernel, stride, padding, dtype):
    x = [rand((2, 2, 7, 7))]
    for pool in ("max_pool2d", "avg_pool2d"):
        compare(parity, lambda x: getattr(F, pool)(x, kernel, stride, padding),
                lambda x: getattr(TF, pool)(x, kernel, stride, padding), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("widths,value", [((1, 2), 0.0), ((0, 1, 2, 0), -1.5), ((1, 1, 1, 1, 2, 0), 3.0)])
def test_pad(parity, widths, value, dtype):
    compare(parity, lambda x: F.pad(x, widths, value=value), lambda x: TF.pad(x, widths, value=value), [rand((2, 3, 4))], dtype)


def test_one_hot():
    ids = np.array([[0, 2], [3, 1]])
    assert F.one_hot(tt.tensor(ids)).tolist() == TF.one_hot(torch.tensor(ids)).tolist()
    assert F.one_hot(tt.tensor(ids), 6).dtype == tt.int64 and F.one_hot(tt.tensor(ids), 6).shape == (2, 2, 6)


ATTENTION = [
    ("plain", dict()),
    ("causal", dict(is_causal=True)),
    ("scale", dict(scale=0.3)),
    ("bool mask", dict(attn_mask=np.random.default_rng(3).random((5, 5)) > 0.3)),
    ("float mask", dict(attn_mask=np.random.default_rng(4).standard_normal((5, 5)))),
    ("causal + float mask", dict(attn_mask=np.random.default_rng(4).standard_normal((5, 5)), is_causal=False)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,options", ATTENTION, ids=[a[0] for a in ATTENTION])
def test_scaled_dot_product_attention(parity, name, options, dtype):
    mask = options.get("attn_mask")
    ours_opts = {**options, **({"attn_mask": tt.tensor(mask.astype(dtype) if mask.dtype != bool else mask)}
                               if mask is not None else {})}
    theirs_opts = {**options, **({"attn_mask": torch.tensor(mask.astype(dtype) if mask.dtype != bool else mask)}
                                 if mask is not None else {})}
    qkv = [rand((2, 3, 5, 4), 0), rand((2, 3, 5, 4), 1), rand((2, 3, 5, 4), 2)]
    compare(parity, lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **ours_opts),
            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, **theirs_opts), qkv, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_causal_attention_with_fewer_queries_than_keys_aligns_top_left_as_pytorch(parity, dtype):
    qkv = [rand((2, 3, 4), 0), rand((2, 6, 4), 1), rand((2, 6, 4), 2)]
    compare(parity, lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True), qkv, dtype)


def test_attention_dropout_applies_whenever_dropout_p_is_set():
    q = tt.randn(1, 4, 3)
    tt.manual_seed(0)
    dropped = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert not np.allclose(dropped.data, F.scaled_dot_product_attention(q, q, q).data)


# ---------------------------------------------------------------------- losses
def targets(shape, classes, seed=0, ignore=None):
    y = np.random.default_rng(seed).integers(0, classes, shape)
    if ignore is not None:
        y.flat[::3] = ignore
    return y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", [dict(), dict(ignore_index=2), dict(label_smoothing=0.2),
                                     dict(weight=True), dict(weight=True, ignore_index=1, label_smoothing=0.1)],
                         ids=["plain", "ignore", "smoothing", "weight", "all"])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5)], ids=["NC", "NCd"])
def test_cross_entropy_and_nll_loss(parity, shape, options, reduction, dtype):
    c = shape[1]
    y = targets((shape[0],) + shape[2:], c, ignore=options.get("ignore_index"))
    w = np.linspace(0.5, 2.0, c).astype(dtype) if options.get("weight") else None
    ours_opts = {**options, "weight": None if w is None else tt.tensor(w), "reduction": reduction}
    theirs_opts = {**options, "weight": None if w is None else torch.tensor(w), "reduction": reduction}
    compare(parity, lambda x: F.cross_entropy(x, tt.tensor(y), **ours_opts),
            lambda x: TF.cross_entropy(x, torch.tensor(y), **theirs_opts), [rand(shape) * 2], dtype)
    ours_opts.pop("label_smoothing", None), theirs_opts.pop("label_smoothing", None)
    compare(parity, lambda x: F.nll_loss(F.log_softmax(x, 1), tt.tensor(y), **ours_opts),
            lambda x: TF.nll_loss(TF.log_softmax(x, 1), torch.tensor(y), **theirs_opts), [rand(shape)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 8), c=st.integers(2, 6), seed=st.integers(0, 2**16), smoothing=st.sampled_from([0.0, 0.3]))
def test_cross_entropy_random_shapes(parity, n, c, seed, smoothing, dtype):
    y = targets(n, c, seed)
    compare(parity, lambda x: F.cross_entropy(x, tt.tensor(y), label_smoothing=smoothing),
            lambda x: TF.cross_entropy(x, torch.tensor(y), label_smoothing=smoothing), [rand((n, c), seed) * 3], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_with_probability_targets(parity, dtype):
    p = np.random.default_rng(0).dirichlet(np.ones(4), 5).astype(dtype)
    compare(parity, lambda x: F.cross_entropy(x, tt.tensor(p)), lambda x: TF.cross_entropy(x, torch.tensor(p)),
            [rand((5, 4))], dtype)


def test_cross_entropy_refuses_a_shape_that_fits_both_layouts():
    with pytest.raises(ValueError, match="flatten"):
        F.cross_entropy(tt.randn(2, 3, 3), tt.tensor(np.zeros((2, 3), np.int64)))
    # (B, T, C) with (B, T) targets, TinyTorch's own layout, still works
    assert F.cross_entropy(tt.randn(2, 5, 3), tt.tensor(np.zeros((2, 5), np.int64))).shape == ()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_and_binary_losses(parity, reduction, dtype):
    target = np.random.default_rng(5).random((4, 3))
    cases = [(F.mse_loss, TF.mse_loss, rand((4, 3))), (F.l1_loss, TF.l1_loss, rand((4, 3))),
             (F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, rand((4, 3)) * 3),
             (F.binary_cross_entropy, TF.binary_cross_entropy, np.random.default_rng(6).random((4, 3)) * 0.98 + 0.01)]
    for ours, theirs, x in cases:
        compare(parity, lambda a: ours(a, tt.tensor(target.astype(dtype)), reduction=reduction),
                lambda a: theirs(a, torch.tensor(target.astype(dtype)), reduction=reduction), [x], dtype)


LOSS_MODULES = [
    (lambda: nn.CrossEntropyLoss(label_smoothing=0.1), lambda: torch.nn.CrossEntropyLoss(label_smoothing=0.1), "class"),
    (lambda: nn.NLLLoss(reduction="sum"), lambda: torch.nn.NLLLoss(reduction="sum"), "class"),
    (nn.MSELoss, torch.nn.MSELoss, "real"), (nn.L1Loss, torch.nn.L1Loss, "real"),
    (nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, "real"),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ours,theirs,kind", LOSS_MODULES, ids=["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss",
                                                                "BCEWithLogitsLoss"])
def test_loss_modules(parity, ours, theirs, kind, dtype):
    y = targets(4, 3) if kind == "class" else np.random.default_rng(1).random((4, 3)).astype(dtype)
    compare(parity, lambda x: ours()(x, tt.tensor(y)), lambda x: theirs()(x, torch.tensor(y)), [rand((4, 3))], dtype)


# ---------------------------------------------------------------------- Module API, init, clipping
def nested(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 4))
            self.heads = lib.nn.ModuleDict({"a": lib.nn.Linear(4, 2), "b": lib.nn.LayerNorm(4)})
            self.blocks = lib.nn.ModuleList([lib.nn.Linear(2, 2)])
            self.register_buffer("mask", lib.ones(2), persistent=False)
            self.register_buffer("count", lib.zeros(1))

    return Net()


def test_module_tree_walks_like_pytorchs():
    ours, theirs = nested(tt), nested(torch)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())  # the non-persistent mask in neither
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    seen_ours, seen_theirs = [], []
    ours.apply(lambda m: seen_ours.append(type(m).__name__))
    theirs.apply(lambda m: seen_theirs.append(type(m).__name__))
    assert seen_ours == seen_theirs
    assert "a" in ours.heads and list(ours.heads.keys()) == list(theirs.heads.keys())


def test_zero_grad_set_to_none():
    model = nn.Linear(2, 2)
    model(tt.ones(1, 2)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert np.all(model.weight.grad.data == 0)
    model.zero_grad()
    assert model.weight.grad is None


@pytest.mark.parametrize("name,param", [("linear", None), ("relu", None), ("tanh", None), ("sigmoid", None),
                                        ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)])
def test_calculate_gain(name, param):
    assert nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


@pytest.mark.parametrize("init,kwargs,bound", [
    ("kaiming_uniform_", dict(a=math.sqrt(5)), lambda fi, fo: 1 / math.sqrt(fi)),
    ("kaiming_uniform_", dict(nonlinearity="relu"), lambda fi, fo: math.sqrt(6 / fi)),
    ("xavier_uniform_", dict(), lambda fi, fo: math.sqrt(6 / (fi + fo))),
    ("uniform_", dict(a=-0.3, b=0.3), lambda fi, fo: 0.3),
])
def test_uniform_initialisers_fill_pytorchs_range(init, kwargs, bound):
    w = tt.empty(200, 300)
    getattr(nn.init, init)(w, **kwargs)
    limit = bound(300, 200)
    assert np.abs(w.data).max() <= limit and np.abs(w.data).max() > 0.95 * limit


@pytest.mark.parametrize("init,kwargs,std", [
    ("kaiming_normal_", dict(nonlinearity="relu"), math.sqrt(2 / 300)),
    ("xavier_normal_", dict(), math.sqrt(2 / 500)),
    ("normal_", dict(mean=0.0, std=0.02), 0.02),
])
def test_normal_initialisers_draw_pytorchs_spread(init, kwargs, std):
    w = tt.empty(200, 300)
    getattr(nn.init, init)(w, **kwargs)
    assert w.data.std() == pytest.approx(std, rel=0.02) and abs(w.data.mean()) < 0.05 * std


def test_constant_and_truncated_normal_initialisers():
    w = nn.init.constant_(tt.empty(3, 4), 0.25)
    assert np.all(w.data == 0.25)
    tt.manual_seed(0)
    w = nn.init.trunc_normal_(tt.empty(400, 100), std=1.0, a=-1.0, b=1.5)
    theirs = torch.nn.init.trunc_normal_(torch.empty(400, 100), std=1.0, a=-1.0, b=1.5)
    assert w.data.min() >= -1.0 and w.data.max() <= 1.5
    assert w.data.mean() == pytest.approx(theirs.mean().item(), abs=0.02)
    assert w.data.std() == pytest.approx(theirs.std().item(), rel=0.03)


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_pytorch(max_norm):
    grads = [rand((3, 4), 1), rand(5, 2)]
    ours = [tt.zeros(*g.shape, dtype=tt.float64, requires_grad=True) for g in grads]
    theirs = [torch.zeros(*g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for a, b, g in zip(ours, theirs, grads):
        a.grad, b.grad = tt.tensor(g.copy()), torch.tensor(g.copy())
    close(nn.utils.clip_grad_norm_(ours, max_norm), torch.nn.utils.clip_grad_norm_(theirs, max_norm), np.float64)
    for a, b in zip(ours, theirs):
        close(a.grad, b.grad, np.float64)
