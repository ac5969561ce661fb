"""What the fused backend promises beyond conformance.

* Every overridden kernel equals ``vectorized`` to float32 rounding, forward and
  backward, on the shapes of the project's models (the benchmark shapes).
* In-place work stays on the kernel's own arrays: inputs and the incoming gradient are
  passed read-only (any write would raise), and the gradient may be a broadcast view.
* Reused scratch buffers never escape: outputs and saved state survive later calls.
"""

import numpy as np
import pytest

from tinytorch.core import Tensor, get_backend, no_grad, use_backend
from tinytorch.core import functional as F
from tinytorch_fused import FusedBackend
from tinytorch_fused.scratch import Scratch

rng = np.random.default_rng(0)


def r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


causal = np.tril(np.ones((128, 128), dtype=bool))
CASES = {  # id: (kernel, inputs, extra arguments)
    "linear-relu-mlp": ("linear", (r(64, 784), r(256, 784), r(256)), ("relu",)),
    "linear-gelu-gpt": ("linear", (r(16, 128, 128), r(512, 128), r(512)), ("gelu",)),
    "linear-nobias": ("linear", (r(64, 784), r(10, 784), None), (None,)),
    "conv2d-relu-cnn": ("conv2d", (r(64, 1, 28, 28), r(8, 1, 3, 3), r(8)), (1, 1, "relu")),
    "conv2d-strided-gelu": ("conv2d", (r(8, 3, 15, 15), r(4, 3, 3, 3), None), (2, 1, "gelu")),
    "max_pool2d-cnn": ("max_pool2d", (r(64, 8, 28, 28),), (2,)),
    "max_pool2d-ties-after-relu": ("max_pool2d", (np.maximum(r(8, 4, 12, 12), 0),), (2,)),
    "max_pool2d-overlapping": ("max_pool2d", (r(4, 3, 11, 11),), (3, 2)),
    "avg_pool2d-cnn": ("avg_pool2d", (r(64, 8, 28, 28),), (2,)),
    "attention-gpt-causal": ("scaled_dot_product_attention", (r(16, 4, 128, 32),) * 3, (None, True)),
    "attention-padding-mask": ("scaled_dot_product_attention", (r(4, 2, 16, 8), r(4, 2, 24, 8), r(4, 2, 24, 8)),
                               (np.arange(24) < np.array([24, 20, 9, 1])[:, None, None, None], False)),
    "attention-scores-beyond-exp-range": ("scaled_dot_product_attention", (r(2, 2, 16, 8) * 8,) * 3, (None, True)),
    "layer_norm-gpt": ("layer_norm", (r(16, 128, 128), r(128), r(128)), ()),
    "layer_norm-noaffine-offset": ("layer_norm", (r(16, 128, 128) + 100,), ()),
    "gelu-gpt": ("gelu", (r(16, 128, 512),), ()),
    "softmax-scores": ("softmax", (r(16, 4, 128, 128),), ()),
    "softmax-axis0": ("softmax", (r(10, 64),), (0,)),
    "log_softmax-logits": ("log_softmax", (r(2048, 65),), ()),
    "cross_entropy-logits": ("cross_entropy", (r(2048, 65),), (rng.integers(0, 65, 2048),)),
}


def read_only(a):
    if a is None:
        return None
    a = a.copy()
    a.flags.writeable = False
    return a


def assert_close(got, want, what):
    assert got.shape == want.shape, what
    assert got.dtype == want.dtype == np.float32, what
    scale = float(np.abs(want).max()) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * max(scale, 1.0), err_msg=what)


def run(backend, kernel, inputs, extra, g=None):
    be = get_backend(backend)
    out, ctx = getattr(be, kernel)(*inputs, *extra)
    if g is None:
        g = read_only(np.random.default_rng(1).standard_normal(np.shape(out)).astype(np.float32))
    needs = tuple(a is not None for a in inputs)
    return out, getattr(be, kernel + "_backward")(g, ctx, needs)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_equals_vectorized_forward_and_backward(case):
    kernel, inputs, extra = CASES[case]
    inputs = tuple(read_only(a) for a in inputs)  # a write into an input would raise here
    want_out, want_grads = run("vectorized", kernel, inputs, extra)
    got_out, got_grads = run("fused", kernel, inputs, extra)
    assert_close(np.asarray(got_out), np.asarray(want_out), f"{case}: forward")
    for i, (got, want) in enumerate(zip(got_grads, want_grads, strict=True)):
        assert (got is None) == (want is None), f"{case}: gradient {i}"
        if want is not None:
            assert_close(got, want, f"{case}: gradient of input {i}")


@pytest.mark.parametrize("case", ["linear-relu-mlp", "conv2d-relu-cnn", "layer_norm-gpt", "gelu-gpt",
                                  "attention-gpt-causal", "max_pool2d-cnn", "softmax-scores"])
def test_backward_takes_a_broadcast_gradient(case):
    # x.sum().backward() hands each kernel np.broadcast_to(1, shape): zero strides, read-only.
    kernel, inputs, extra = CASES[case]
    out_shape = np.shape(getattr(get_backend("fused"), kernel)(*inputs, *extra)[0])
    g = np.broadcast_to(np.float32(0.5), out_shape)
    _, want = run("vectorized", kernel, inputs, extra, g)
    _, got = run("fused", kernel, inputs, extra, g)
    for i, (a, b) in enumerate(zip(got, want, strict=True)):
        if b is not None:
            assert_close(a, b, f"{case}: gradient of input {i}")


def test_gelu_matches_the_core_formula_far_into_both_tails():
    # fused rearranges the formula (it keeps h = 0.5 (1 + tanh)); the tails, where tanh
    # saturates and 1 - h cancels, are where a rearrangement would lose digits.
    x, g = r(64, 257) * 6, r(64, 257)
    (want, want_ctx), (got, got_ctx) = get_backend("vectorized").gelu(x), get_backend("fused").gelu(x)
    assert_close(got, want, "gelu forward")
    assert_close(get_backend("fused").gelu_backward(g, got_ctx)[0],
                 get_backend("vectorized").gelu_backward(g, want_ctx)[0], "gelu backward")


@pytest.mark.parametrize("index", [
    rng.integers(0, 65, (16, 128)),  # an embedding's ids: many repeats
    np.array([3, -1, 3, 0, -65]),  # negative ids count from the end, as in indexing
    (slice(None), 2),  # not one integer array: vectorized's path
])
def test_index_add_matches_vectorized(index):
    shape = (65, 8)
    values = r(*np.zeros(shape)[index].shape)
    np.testing.assert_allclose(get_backend("fused").index_add(shape, index, values),
                               get_backend("vectorized").index_add(shape, index, values), rtol=1e-5, atol=1e-5)


def test_sigmoid_matches_vectorized_and_keeps_float32():
    x = r(64, 256) * 10
    got, want = get_backend("fused").sigmoid(x), get_backend("vectorized").sigmoid(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kernel, make", [
    ("scaled_dot_product_attention", lambda: ((r(2, 3, 8, 4),) * 3, (None, True))),
    ("conv2d", lambda: ((r(2, 3, 8, 8), r(4, 3, 3, 3), r(4)), (1, 1, None))),
])
def test_outputs_survive_later_calls_without_a_graph(kernel, make):
    # Without a graph fused computes in scratch buffers; what it returns must still be its own.
    fused = get_backend("fused")
    inputs, extra = make()
    with no_grad():
        first = getattr(fused, kernel)(*inputs, *extra)[0]
        kept = first.copy()
        getattr(fused, kernel)(*(a * 2 for a in inputs), *extra)
    np.testing.assert_array_equal(first, kept)


def test_saved_state_survives_a_second_forward():
    q, k, v = r(2, 4, 16, 8), r(2, 4, 16, 8), r(2, 4, 16, 8)
    with use_backend("fused"):
        tensors = [Tensor(a, requires_grad=True) for a in (q, k, v)]
        first = F.scaled_dot_product_attention(*tensors, is_causal=True)
        F.scaled_dot_product_attention(*(Tensor(a * 3) for a in (q, k, v)), is_causal=True)
        first.sum().backward()
    with use_backend("vectorized"):
        again = [Tensor(a, requires_grad=True) for a in (q, k, v)]
        F.scaled_dot_product_attention(*again, is_causal=True).sum().backward()
    for t, want in zip(tensors, again, strict=True):
        assert_close(t.grad.data, want.grad.data, "attention gradient after a second forward")


def test_a_small_network_trains_the_same_as_vectorized():
    x, w1, b1, w2 = r(32, 20), r(16, 20) * 0.3, r(16) * 0.1, r(5, 16) * 0.3
    targets = rng.integers(0, 5, 32)
    grads = {}
    for name in ("vectorized", "fused"):
        params = [Tensor(a, requires_grad=True) for a in (w1, b1, w2)]
        with use_backend(name):
            h = F.layer_norm(F.linear(Tensor(x), params[0], params[1], "relu"))
            F.cross_entropy(F.linear(F.gelu(h), params[2]), targets).backward()
        grads[name] = [p.grad.data for p in params]
    for got, want in zip(grads["fused"], grads["vectorized"], strict=True):
        assert_close(got, want, "network gradient")


def test_registered_through_the_entry_point():
    with use_backend("fused") as backend:
        assert isinstance(backend, FusedBackend)


def test_scratch_reuses_by_slot_shape_and_dtype_and_forgets_the_least_recent():
    scratch = Scratch(capacity=2)
    a = scratch.get("a", (3, 4), np.float32)
    b = scratch.get("b", (3, 4), np.float32)
    assert b is not a and scratch.get("a", (3, 4), np.float64) is not a
    a = scratch.get("a", (3, 4), np.float32)
    assert scratch.get("a", (3, 4), np.float32) is a  # "a" is now the most recent
    scratch.get("c", (3, 4), np.float32)  # full: forgets the least recent, which is "a" float64
    assert scratch.get("a", (3, 4), np.float32) is a


@pytest.mark.parametrize("kernel, inputs, extra", [
    ("scaled_dot_product_attention", (r(2, 4, 3),) * 3, ()),
    ("conv2d", (r(1, 2, 5, 5), r(3, 2, 3, 3)), ()),
    ("max_pool2d", (r(1, 2, 4, 4),), ()),
])
def test_backward_after_a_forward_told_no_gradient_says_what_to_do(kernel, inputs, extra):
    fused = get_backend("fused")
    out, ctx = getattr(fused, kernel)(*inputs, *extra, needs=(False,) * len(inputs))
    with pytest.raises(RuntimeError, match=r"told no input needs a gradient.*run the forward with gradients enabled"):
        getattr(fused, kernel + "_backward")(np.ones_like(out), ctx)
