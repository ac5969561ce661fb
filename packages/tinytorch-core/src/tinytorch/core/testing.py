"""The conformance suite: one set of checks every backend must pass.

Each ``Case`` is a tensor-level op (which reaches the backend's kernels) and an
independent NumPy reference written in float64. ``check_case(backend, case)`` checks:

1. the forward output against the reference (and against ``vectorized``),
2. every input's gradient against central finite differences of the reference,
3. that float32 inputs give a float32 output.

Shapes include broadcasting, size-1 and zero-size dimensions. Any backend's tests use it:

    import pytest
    from tinytorch.core.testing import check_case, conformance_cases

    @pytest.mark.parametrize("case", conformance_cases(), ids=str)
    def test_conformance(case):
        check_case("naive", case)

``gradcheck(fn, tensors)`` does the same finite-difference check for whole layers, and
``FakeEntryPoint`` / ``hook_module`` let a test install plugins without installing a
distribution: ``plugins.reset(plugins.PluginHost([FakeEntryPoint("my-dist", "x", module)]))``.

Read next: a backend plugin's tests (``plugins/tinytorch-naive/tests``).
"""

import inspect
import math
import types
from dataclasses import dataclass, field

import numpy as np

from . import functional as F
from .autograd import no_grad
from .backend import COMPOSITES, Backend, MissingKernelError, get_backend, use_backend
from .hookspecs import hookimpl
from .tensor import Tensor, cat, stack, where


@dataclass(frozen=True)
class Case:
    name: str
    op: object  # (*Tensors) -> Tensor
    ref: object  # (*float64 arrays) -> array
    shapes: tuple
    domain: str = "normal"  # "positive" or "nonzero" keep inputs off kinks and poles
    grad: bool = True
    tags: tuple = field(default=())

    def __str__(self):
        return self.name


def _inputs(case, rng, dtype):
    arrays = []
    for shape in case.shapes:
        x = rng.standard_normal(shape)
        if case.domain == "positive":
            x = np.abs(x) + 0.5
        elif case.domain == "nonzero":
            x = np.sign(x) * (np.abs(x) + 0.1)
        arrays.append(np.array(x, dtype=dtype))
    return arrays


def numerical_gradient(f, array, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to ``array`` (nudged in place)."""
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        array[idx] = old + eps
        up = f()
        array[idx] = old - eps
        down = f()
        array[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def gradcheck(fn, tensors, seed=0, eps=1e-6, rtol=1e-5, atol=1e-8):
    """Check autograd's gradient of ``sum(fn() * w)``, for a random ``w``, against central
    differences, for each of ``tensors`` (float64 inputs or parameters that ``fn`` reads).

    Use it for whole layers and models; ``check_case`` covers single kernels.
    """
    out = fn()
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    for t in tensors:
        t.grad = None
    (out * Tensor(weights)).sum().backward()
    for i, t in enumerate(tensors):
        if t.dtype != np.float64:
            _fail(f"gradcheck needs float64 tensors (call model.double()), tensor {i} is {t.dtype}")
        with no_grad():
            numeric = numerical_gradient(lambda: np.sum(fn().data * weights), t.data, eps)
        if t.grad is None:
            _fail(f"tensor {i} of shape {t.shape} received no gradient")
        np.testing.assert_allclose(t.grad.data, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of tensor {i} (shape {t.shape}) differs from finite differences")


def _fail(message):
    raise AssertionError(message)


def _run(backend, case, arrays, requires_grad):
    tensors = [Tensor(a, requires_grad=requires_grad) for a in arrays]
    try:
        with use_backend(backend):
            return tensors, case.op(*tensors)
    except MissingKernelError as error:
        _fail(f"[{case}] {error}")
    except TypeError as error:
        _fail(f"[{case}] backend {backend!r} raised TypeError: {error}; check its kernel "
              f"signatures against tinytorch.core.Backend (see check_signatures)")


def check_case(backend, case, seed=0, rtol=1e-5, atol=1e-7):
    """Check one case on one backend: forward, gradient, dtype. Raises AssertionError."""
    rng = np.random.default_rng(seed)
    arrays = _inputs(case, rng, np.float64)
    expected = np.asarray(case.ref(*[a.copy() for a in arrays]))
    tensors, out = _run(backend, case, arrays, requires_grad=case.grad)
    if out.shape != expected.shape:
        _fail(f"[{case}] backend {backend!r}: output shape {out.shape}, expected {expected.shape}")
    np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=atol,
                               err_msg=f"[{case}] forward on backend {backend!r} differs from the reference")
    if backend != "vectorized":
        _, baseline = _run("vectorized", case, arrays, requires_grad=False)
        np.testing.assert_allclose(out.data, baseline.data, rtol=rtol, atol=atol,
                                   err_msg=f"[{case}] forward differs from the vectorized backend")
    if case.grad:
        weights = rng.standard_normal(expected.shape)
        with use_backend(backend):
            (out * Tensor(weights)).sum().backward()
        copies = [a.copy() for a in arrays]
        numeric = [numerical_gradient(lambda: np.sum(case.ref(*copies) * weights), a) for a in copies]
        for i, (t, g) in enumerate(zip(tensors, numeric)):
            got = np.zeros_like(g) if t.grad is None else t.grad.data
            np.testing.assert_allclose(got, g, rtol=1e-4, atol=1e-6,
                                       err_msg=f"[{case}] gradient of input {i} on backend {backend!r} "
                                               f"differs from finite differences")
    _, out32 = _run(backend, case, [a.astype(np.float32) for a in arrays], requires_grad=False)
    if out32.dtype != np.float32:
        _fail(f"[{case}] backend {backend!r} turned float32 inputs into {out32.dtype}")


def check_signatures(backend):
    """Every composite kernel a backend overrides must keep the base class's parameters."""
    impl = get_backend(backend)
    for name in COMPOSITES:
        for kernel in (name, name + "_backward"):
            want = list(inspect.signature(getattr(Backend, kernel)).parameters)[1:]
            got = list(inspect.signature(getattr(impl, kernel)).parameters)
            if got != want:
                _fail(f"backend {backend!r}: kernel {kernel}{tuple(got)} should take {tuple(want)}")


# ---------------------------------------------------------------- fake plugins
class FakeDistribution:
    def __init__(self, name, version="1.0"):
        self.name, self.version = name, version


class FakeEntryPoint:
    """What ``importlib.metadata`` gives the plugin host, minus the installing: it loads
    ``module``, or raises ``error`` as a broken plugin's import would."""

    def __init__(self, dist, name, module=None, error=None):
        self.dist, self.name, self._module, self._error = FakeDistribution(dist), name, module, error

    def load(self):
        if self._error:
            raise self._error
        return self._module


def hook_module(name, **hooks):
    """A module of hook implementations, like the one a plugin's entry point names."""
    module = types.ModuleType(name)
    for hook, function in hooks.items():
        setattr(module, hook, hookimpl(function))
    return module


# ---------------------------------------------------------------- references (float64)
def _ref_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _ref_conv2d(x, w, b=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out if b is None else out + b[None, :, None, None]


def _ref_pool(x, k, stride, reduce):
    n, c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * stride:i * stride + k, j * stride:j * stride + k], axis=(2, 3))
    return out


def _ref_gelu(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _ref_layer_norm(x, w=None, b=None, eps=1e-5):
    out = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)
    return out * (1 if w is None else w) + (0 if b is None else b)


def _ref_attention(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return _ref_softmax(scores) @ v


def _causal(tq, tk):
    return np.tril(np.ones((tq, tk), dtype=bool), k=tk - tq)


def _ref_cross_entropy(logits, targets):
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -logp[np.arange(len(targets)), targets].mean()


# ---------------------------------------------------------------- the cases
BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)),
                   ((1,), (5,)), ((0, 3), (1, 3)), ((2, 0, 3), (3,))]


def conformance_cases():
    """Every case of the suite; pass to ``pytest.mark.parametrize``."""
    return _elementwise_cases() + _reduction_and_shape_cases() + _composite_cases()


def _elementwise_cases():
    """Unary, binary (every broadcast pair) and comparison ops, and ``where``."""
    cases = []
    add = cases.append
    unary = [("neg", lambda x: -x, np.negative, "normal"), ("exp", Tensor.exp, np.exp, "normal"),
             ("log", Tensor.log, np.log, "positive"), ("sqrt", Tensor.sqrt, np.sqrt, "positive"),
             ("abs", Tensor.abs, np.abs, "nonzero"), ("tanh", Tensor.tanh, np.tanh, "normal"),
             ("sigmoid", Tensor.sigmoid, lambda x: 1 / (1 + np.exp(-x)), "normal"),
             ("relu", Tensor.relu, lambda x: np.maximum(x, 0), "nonzero")]
    for name, op, ref, domain in unary:
        for shape in [(3, 4), (1,), (0, 2), ()]:
            add(Case(f"{name}{shape}", op, ref, (shape,), domain))
    add(Case("clip", lambda x: x.clip(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), ((4, 5),), "nonzero"))

    binary = [("add", lambda a, b: a + b, np.add, "normal"), ("sub", lambda a, b: a - b, np.subtract, "normal"),
              ("mul", lambda a, b: a * b, np.multiply, "normal"), ("div", lambda a, b: a / b, np.divide, "positive"),
              ("pow", lambda a, b: a ** b, np.power, "positive")]
    for name, op, ref, domain in binary:
        for sa, sb in BROADCAST_PAIRS:
            add(Case(f"{name}{sa}{sb}", op, ref, (sa, sb), domain))
    for name, op, ref in [("lt", lambda a, b: a < b, np.less), ("eq", lambda a, b: a == b, np.equal),
                          ("ge", lambda a, b: a >= b, np.greater_equal)]:
        add(Case(f"{name}(3,1)(1,4)", lambda a, b, op=op: op(a, b).astype(a.dtype),
                 lambda a, b, ref=ref: ref(a, b).astype(np.float64), ((3, 1), (1, 4)), grad=False))
    add(Case("where", lambda a, b: where(a.data > 0, a, b), lambda a, b: np.where(a > 0, a, b), ((3, 4), (4,)), "nonzero"))
    return cases


def _reduction_and_shape_cases():
    """Reductions, matmul, indexing and the shape ops."""
    cases = []
    add = cases.append
    for name in ("sum", "mean", "max", "min", "var"):
        np_name = {"var": "var"}.get(name, name)
        for shape, axis, keep in [((3, 4, 5), None, False), ((3, 4, 5), 1, False), ((3, 4, 5), (0, 2), True),
                                  ((3, 4, 5), -1, True), ((1, 4), 0, False), ((0, 4), 1, False)]:
            if shape[0] == 0 and name in ("max", "min", "mean", "var"):
                continue  # empty max is undefined; empty mean/var are NaN with a warning
            add(Case(f"{name}{shape}axis={axis}keep={keep}",
                     lambda x, n=name, a=axis, k=keep: getattr(x, n)(axis=a, keepdims=k),
                     lambda x, n=np_name, a=axis, k=keep: getattr(np, n)(x, axis=a, keepdims=k), (shape,)))

    for sa, sb in [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((4,), (4, 3)),
                   ((2, 4), (4,)), ((0, 4), (4, 3)), ((3, 0), (0, 2))]:
        add(Case(f"matmul{sa}{sb}", lambda a, b: a @ b, np.matmul, (sa, sb)))

    repeated = np.array([0, 2, 2, 1, 0])
    add(Case("getitem-slice", lambda x: x[1:, ::2], lambda x: x[1:, ::2], ((4, 5),)))
    add(Case("getitem-repeated", lambda x: x[repeated], lambda x: x[repeated], ((3, 4),)))
    add(Case("getitem-pairs", lambda x: x[repeated, repeated], lambda x: x[repeated, repeated], ((3, 3),)))
    add(Case("getitem-mask", lambda x: x[x.data > 0], lambda x: x[x > 0], ((4, 5),), "nonzero"))
    add(Case("reshape-transpose", lambda x: x.reshape(4, 3).T.flatten(), lambda x: x.reshape(4, 3).T.flatten(), ((3, 4),)))
    add(Case("broadcast_to", lambda x: x.broadcast_to((2, 3, 4)), lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),)))
    add(Case("cat", lambda a, b: cat([a, b], axis=1), lambda a, b: np.concatenate([a, b], 1), ((2, 3), (2, 1))))
    add(Case("stack", lambda a, b: stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1), ((2, 3), (2, 3))))
    return cases


def _composite_cases():
    """The composite kernels: linear, conv2d, pooling, softmax, cross entropy, layer norm, GELU, attention."""
    cases = []
    add = cases.append
    for act, fn in [(None, lambda z: z), ("relu", lambda z: np.maximum(z, 0)), ("gelu", _ref_gelu)]:
        add(Case(f"linear-{act}", lambda x, w, b, a=act: F.linear(x, w, b, a),
                 lambda x, w, b, fn=fn: fn(x @ w.T + b), ((5, 4), (3, 4), (3,)), "nonzero"))
    add(Case("linear-batched-nobias", lambda x, w: F.linear(x, w), lambda x, w: x @ w.T, ((2, 5, 4), (3, 4))))
    add(Case("linear-empty-batch", lambda x, w, b: F.linear(x, w, b), lambda x, w, b: x @ w.T + b, ((0, 4), (3, 4), (3,))))
    for stride, padding in [(1, 0), (1, 1), (2, 1)]:
        add(Case(f"conv2d-s{stride}-p{padding}", lambda x, w, b, s=stride, p=padding: F.conv2d(x, w, b, s, p),
                 lambda x, w, b, s=stride, p=padding: _ref_conv2d(x, w, b, s, p), ((2, 3, 5, 5), (4, 3, 3, 3), (4,))))
    add(Case("conv2d-relu-nobias", lambda x, w: F.conv2d(x, w, None, 1, 0, "relu"),
             lambda x, w: np.maximum(_ref_conv2d(x, w), 0), ((1, 2, 4, 4), (3, 2, 2, 2)), "nonzero"))
    add(Case("max_pool2d", lambda x: F.max_pool2d(x, 2), lambda x: _ref_pool(x, 2, 2, np.max), ((2, 3, 4, 6),)))
    add(Case("max_pool2d-odd", lambda x: F.max_pool2d(x, 2), lambda x: _ref_pool(x, 2, 2, np.max), ((1, 2, 5, 5),)))
    add(Case("avg_pool2d", lambda x: F.avg_pool2d(x, 2), lambda x: _ref_pool(x, 2, 2, np.mean), ((2, 3, 4, 6),)))
    add(Case("avg_pool2d-k3s1", lambda x: F.avg_pool2d(x, 3, 1), lambda x: _ref_pool(x, 3, 1, np.mean), ((1, 2, 5, 5),)))
    for shape, axis in [((4, 5), -1), ((4, 5), 0), ((2, 3, 4), 1), ((3, 1), -1)]:
        add(Case(f"softmax{shape}axis={axis}", lambda x, a=axis: F.softmax(x, a), lambda x, a=axis: _ref_softmax(x, a), (shape,)))
        add(Case(f"log_softmax{shape}axis={axis}", lambda x, a=axis: F.log_softmax(x, a),
                 lambda x, a=axis: np.log(_ref_softmax(x, a)), (shape,)))
    targets = np.array([0, 4, 2, 2, 1, 3])
    add(Case("cross_entropy", lambda x: F.cross_entropy(x, targets), lambda x: _ref_cross_entropy(x, targets), ((6, 5),)))
    add(Case("layer_norm", lambda x, w, b: F.layer_norm(x, w, b), _ref_layer_norm, ((4, 6), (6,), (6,))))
    add(Case("layer_norm-3d-noaffine", lambda x: F.layer_norm(x), _ref_layer_norm, ((2, 3, 6),)))
    add(Case("gelu", F.gelu, _ref_gelu, ((3, 5),)))
    add(Case("gelu-empty", F.gelu, _ref_gelu, ((0, 5),)))
    add(Case("attention", lambda q, k, v: F.scaled_dot_product_attention(q, k, v), _ref_attention,
             ((2, 3, 4), (2, 5, 4), (2, 5, 3))))
    add(Case("attention-causal", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
             lambda q, k, v: _ref_attention(q, k, v, _causal(4, 4)), ((2, 2, 4, 3), (2, 2, 4, 3), (2, 2, 4, 3))))
    add(Case("attention-causal-cached", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
             lambda q, k, v: _ref_attention(q, k, v, _causal(2, 5)), ((1, 2, 3), (1, 5, 3), (1, 5, 3))))
    mask = np.array([[True, False, True], [True, True, False]])
    add(Case("attention-mask", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask=mask),
             lambda q, k, v: _ref_attention(q, k, v, mask), ((2, 2, 4), (2, 3, 4), (2, 3, 2))))
    return cases
