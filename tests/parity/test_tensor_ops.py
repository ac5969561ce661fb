"""Core Tensor ops against PyTorch: forward and gradient, on random shapes (hypothesis).

In the spirit of PyTorch's OpInfo tests: each op is a pair, TinyTorch's spelling and
PyTorch's, run by ``parity.check`` (``conftest.py``) on the same random arrays, float64
and float32, with broadcasting and with ``dim`` drawn negative and positive. The
in-place programs at the end are issue 13's regressions, checked against PyTorch itself.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import tinytorch.core.functional as F  # noqa: E402
from tinytorch.core import Tensor, cat, stack, where  # noqa: E402

# derandomize: CI sees the same examples every run; a failure prints the one that failed
PARITY = settings(max_examples=30, deadline=None, derandomize=True)
DTYPES = st.sampled_from([np.float64, np.float32])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)


def _array(shape, dtype, seed, positive=False):
    values = np.random.default_rng(seed).standard_normal(shape)
    return (np.abs(values) + 0.2 if positive else values).astype(dtype)


def _dim(data, ndim, extra=0):
    """A dim in [-ndim - extra, ndim + extra): negative and positive spellings both."""
    return data.draw(st.integers(-ndim - extra, ndim - 1 + extra), label="dim")


def _inputs(data, positive=False, shape=None):
    shape = data.draw(SHAPES, label="shape") if shape is None else shape
    return [_array(shape, data.draw(DTYPES, label="dtype"), data.draw(st.integers(0, 2**16)), positive)]


# -- elementwise ---------------------------------------------------------------------------------

UNARY = {  # name: (ours, theirs, needs positive inputs)
    "neg": (lambda x: -x, lambda x: -x, False),
    "exp": (lambda x: x.exp(), lambda x: x.exp(), False),
    "log": (lambda x: x.log(), lambda x: x.log(), True),
    "sqrt": (lambda x: x.sqrt(), lambda x: x.sqrt(), True),
    "abs": (lambda x: abs(x), lambda x: abs(x), False),
    "tanh": (lambda x: x.tanh(), lambda x: x.tanh(), False),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: x.sigmoid(), False),
    "relu": (lambda x: x.relu(), lambda x: x.relu(), False),
    "clamp": (lambda x: x.clamp(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7), False),
    "pow": (lambda x: x ** 1.5, lambda x: x ** 1.5, True),
    "rpow": (lambda x: 2.0 ** x, lambda x: 2.0 ** x, False),
    "rsub-rdiv": (lambda x: 1 - 3 / x, lambda x: 1 - 3 / x, True),
    "square": (lambda x: x.mul(x).add(1).sub(x).div(2), lambda x: x.mul(x).add(1).sub(x).div(2), False),
    "double-float": (lambda x: x.double().float() * x, lambda x: x.double().float() * x, False),
    "compare": (lambda x: (x > 0.1, x.le(0.5), x.ne(x), ~(x < 0)), lambda x: (x > 0.1, x.le(0.5), x.ne(x), ~(x < 0)), False),
    "casts": (lambda x: (x.long(), x.int(), x.bool(), x.to(np.float64) * x, x.type(np.float32) * 2),
              lambda x: (x.long(), x.int(), x.bool(), x.to(torch.float64) * x, x.type(torch.float32) * 2), False),
}


@pytest.mark.parametrize("name", UNARY)
@PARITY
@given(data=st.data())
def test_unary(parity, name, data):
    ours, theirs, positive = UNARY[name]
    parity.check(ours, theirs, _inputs(data, positive))


BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, False),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, False),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, False),
    "div": (lambda a, b: a / b, lambda a, b: a / b, True),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b, True),
    "where": (lambda a, b: where(a > b, a, b * 2), lambda a, b: torch.where(a > b, a, b * 2), False),
    "masked_fill": (lambda a, b: (a + b).masked_fill(b > 0, -1.0), lambda a, b: (a + b).masked_fill(b > 0, -1.0), False),
    "compare": (lambda a, b: (a.eq(b), a.lt(b), a.ge(b), (a > 0) & (b > 0)),
                lambda a, b: (a.eq(b), a.lt(b), a.ge(b), (a > 0) & (b > 0)), False),
}


@pytest.mark.parametrize("name", BINARY)
@PARITY
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
def test_binary_with_broadcasting(parity, name, data, shapes):
    ours, theirs, positive = BINARY[name]
    dtype, seed = data.draw(DTYPES), data.draw(st.integers(0, 2**16))
    arrays = [_array(s, dtype, seed + i, positive) for i, s in enumerate(shapes.input_shapes)]
    parity.check(ours, theirs, arrays)


@PARITY
@given(data=st.data(), batch=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
       n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), vector=st.sampled_from([None, "left", "right"]))
def test_matmul(parity, data, batch, n, k, m, vector):
    left = (k,) if vector == "left" else batch.input_shapes[0] + (n, k)
    right = (k,) if vector == "right" else batch.input_shapes[1] + (k, m)
    dtype = data.draw(DTYPES)
    parity.check(lambda a, b: a @ b, lambda a, b: a @ b, [_array(left, dtype, 1), _array(right, dtype, 2)])


# -- reductions ------------------------------------------------------------------------------------

def _reduce_dims(data, ndim):
    """None, one dim, or a tuple of distinct dims, each spelt negative or positive."""
    kind = data.draw(st.sampled_from(["none", "one", "tuple"]))
    if kind == "none":
        return None
    if kind == "one":
        return _dim(data, ndim)
    picked = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(d - ndim if data.draw(st.booleans()) else d for d in picked)


def _kw(dim, keepdim):
    """torch's ``x.sum()`` takes no ``keepdim`` without a ``dim``."""
    return {} if dim is None else {"dim": dim, "keepdim": keepdim}


REDUCTIONS = {  # ours(x, **kw), theirs(x, **kw); each accepts dim=None|int|tuple
    "sum": (lambda x, **kw: x.sum(**kw), lambda x, **kw: x.sum(**kw)),
    "mean": (lambda x, **kw: x.mean(**kw), lambda x, **kw: x.mean(**kw)),
    "var": (lambda x, **kw: x.var(**kw), lambda x, **kw: x.var(**kw)),
    "var0": (lambda x, **kw: x.var(**kw, correction=0), lambda x, **kw: x.var(**kw, correction=0)),
    "std": (lambda x, **kw: x.std(**kw), lambda x, **kw: x.std(**kw)),
    "amax": (lambda x, **kw: x.amax(**kw), lambda x, **kw: x.amax(**kw)),
    "amin": (lambda x, **kw: x.amin(**kw), lambda x, **kw: x.amin(**kw)),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@PARITY
@given(data=st.data(), keepdim=st.booleans())
def test_reductions(parity, name, data, keepdim):
    ours, theirs = REDUCTIONS[name]
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=2, max_side=4))  # var needs n > 1
    dim = _reduce_dims(data, len(shape))
    parity.check(lambda x: ours(x, **_kw(dim, keepdim)), lambda x: theirs(x, **_kw(dim, keepdim)),
                 _inputs(data, shape=shape))


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin"])
@PARITY
@given(data=st.data(), keepdim=st.booleans())
def test_max_min_along_a_dim(parity, name, data, keepdim):
    x = _inputs(data)
    dim = _dim(data, x[0].ndim)
    call = lambda t: getattr(t, name)(dim, keepdim=keepdim)  # noqa: E731
    parity.check(call, call, x)
    if name in ("max", "min"):
        assert len(getattr(torch.tensor(x[0]), name)(dim)) == 2  # (values, indices), as ours


@PARITY
@given(data=st.data(), log=st.booleans())
def test_softmax(parity, data, log):
    x = _inputs(data)
    dim = _dim(data, x[0].ndim)
    ours = (F.log_softmax if log else F.softmax)
    theirs = torch.log_softmax if log else torch.softmax
    parity.check(lambda t: ours(t, dim=dim), lambda t: theirs(t, dim=dim), x)
    parity.check(lambda t: t.softmax(dim), lambda t: t.softmax(dim), x)


# -- shape ops ------------------------------------------------------------------------------------

@PARITY
@given(data=st.data())
def test_transpose_permute_t(parity, data):
    x = _inputs(data)
    ndim = x[0].ndim
    d0, d1 = _dim(data, ndim), _dim(data, ndim)
    order = data.draw(st.permutations(range(ndim)))
    parity.check(lambda t: t.transpose(d0, d1), lambda t: t.transpose(d0, d1), x)
    parity.check(lambda t: t.permute(*order), lambda t: t.permute(*order), x)
    if ndim == 2:
        parity.check(lambda t: (t.T, t.t()), lambda t: (t.T, t.t()), x)
    if ndim >= 2:
        parity.check(lambda t: t.mT * 2, lambda t: t.mT * 2, x)


@PARITY
@given(data=st.data())
def test_reshape_view_flatten_squeeze_unsqueeze(parity, data):
    x = _inputs(data)
    shape, ndim = x[0].shape, x[0].ndim
    start = _dim(data, ndim)
    end = data.draw(st.integers(start % ndim, ndim - 1))
    parity.check(lambda t: t.reshape(-1, shape[-1]), lambda t: t.reshape(-1, shape[-1]), x)
    parity.check(lambda t: t.view(shape[::-1]).view_as(t), lambda t: t.view(shape[::-1]).view_as(t), x)
    parity.check(lambda t: t.flatten(start, end), lambda t: t.flatten(start, end), x)
    d = _dim(data, ndim, extra=1)
    d = max(min(d, ndim), -ndim - 1)
    parity.check(lambda t: t.unsqueeze(d).squeeze(d), lambda t: t.unsqueeze(d).squeeze(d), x)
    s = _dim(data, ndim)
    parity.check(lambda t: t.squeeze(s) * 1, lambda t: t.squeeze(s) * 1, x)  # a dim not of size 1 stays
    parity.check(lambda t: t.squeeze(), lambda t: t.squeeze(), x)


@PARITY
@given(data=st.data())
def test_expand_repeat_contiguous(parity, data):
    x = _inputs(data, shape=data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    shape = x[0].shape
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    sizes = tuple(lead) + tuple(data.draw(st.integers(1, 3)) if n == 1 else data.draw(st.sampled_from([n, -1]))
                                for n in shape)
    repeats = data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1))
    parity.check(lambda t: t.expand(*sizes), lambda t: t.expand(*sizes), x)
    parity.check(lambda t: t.repeat(*repeats), lambda t: t.repeat(*repeats), x)
    parity.check(lambda t: t.mT.contiguous() if t.ndim > 1 else t.contiguous(),
                 lambda t: t.mT.contiguous() if t.ndim > 1 else t.contiguous(), x)


@PARITY
@given(data=st.data())
def test_split_chunk_unbind(parity, data):
    x = _inputs(data)
    dim = _dim(data, x[0].ndim)
    n = x[0].shape[dim]
    size, chunks = data.draw(st.integers(1, n + 1)), data.draw(st.integers(1, n + 1))
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    sections = [b - a for a, b in zip([0] + cuts, cuts + [n])]
    parity.check(lambda t: t.split(size, dim), lambda t: t.split(size, dim), x)
    parity.check(lambda t: t.split(sections, dim=dim), lambda t: t.split(sections, dim=dim), x)
    parity.check(lambda t: t.chunk(chunks, dim), lambda t: t.chunk(chunks, dim), x)
    parity.check(lambda t: t.unbind(dim), lambda t: t.unbind(dim), x)


@PARITY
@given(data=st.data(), count=st.integers(1, 3))
def test_cat_stack(parity, data, count):
    base = data.draw(SHAPES)
    dim = _dim(data, len(base))
    dtype = data.draw(DTYPES)
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))
    pieces = [_array(base[:dim % len(base)] + (s,) + base[dim % len(base) + 1:], dtype, i) for i, s in enumerate(sizes)]
    parity.check(lambda *ts: cat([t * 1 for t in ts], dim=dim), lambda *ts: torch.cat([t * 1 for t in ts], dim=dim), pieces)
    same = [_array(base, dtype, i) for i in range(count)]
    sdim = _dim(data, len(base) + 1)
    parity.check(lambda *ts: stack(ts, sdim), lambda *ts: torch.stack(ts, sdim), same)


# -- indexing and masks ---------------------------------------------------------------------------

@PARITY
@given(data=st.data())
def test_gather_topk(parity, data):
    x = _inputs(data)
    shape, ndim = x[0].shape, x[0].ndim
    dim = _dim(data, ndim)
    index_shape = tuple(data.draw(st.integers(1, n)) if i != dim % ndim else data.draw(st.integers(1, 4))
                        for i, n in enumerate(shape))
    index = np.random.default_rng(data.draw(st.integers(0, 99))).integers(0, shape[dim], index_shape)
    parity.check(lambda t, i: t.gather(dim, i), lambda t, i: t.gather(dim, i), x + [index])
    k = data.draw(st.integers(0, shape[dim]))
    largest = data.draw(st.booleans())
    parity.check(lambda t: t.topk(k, dim, largest=largest), lambda t: t.topk(k, dim, largest=largest), x)


@PARITY
@given(data=st.data(), diagonal=st.integers(-3, 3))
def test_tril_triu(parity, data, diagonal):
    x = _inputs(data, shape=data.draw(hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4)))
    parity.check(lambda t: (t.tril(diagonal), t.triu(diagonal)), lambda t: (t.tril(diagonal), t.triu(diagonal)), x)


@PARITY
@given(data=st.data())
def test_getitem(parity, data):
    x = _inputs(data, shape=data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=4)))
    n = x[0].shape[0]
    picks = np.random.default_rng(data.draw(st.integers(0, 99))).integers(-n, n, 5)  # repeats add up
    parity.check(lambda t: (t[1:, ::2], t[-1], t[..., 0]), lambda t: (t[1:, ::2], t[-1], t[..., 0]), x)
    parity.check(lambda t, i: t[i], lambda t, i: t[i], x + [picks])
    parity.check(lambda t: t[t > 0], lambda t: t[t > 0], x)


# -- issue 13's silently wrong results, one by one ----------------------------------------------

def test_transpose_of_a_matrix_swaps_as_in_pytorch(parity):
    parity.check(lambda t: t.transpose(0, 1), lambda t: t.transpose(0, 1), [np.arange(6.0).reshape(2, 3)])


@pytest.mark.parametrize("call", [lambda t: t.sum(5), lambda t: t.mean(5), lambda t: t.amax(5), lambda t: t.amin(5),
                                  lambda t: t.max(5), lambda t: t.min(-3), lambda t: t.softmax(2), lambda t: t.var(2)],
                         ids=["sum", "mean", "amax", "amin", "max", "min", "softmax", "var"])
def test_a_dim_out_of_range_raises_in_both(call):
    with pytest.raises(IndexError):
        call(torch.ones(2, 3))
    with pytest.raises(IndexError):
        call(Tensor(np.ones((2, 3))))


# -- in place (issue 13) --------------------------------------------------------------------------

def _issue_program(x):
    c = x * 3
    c += x * x
    return c


def _older_use(x):
    c = x * 3
    d = c + 1
    c += x * x
    return d + c


def _in_place_chain(x, y):
    h = x * 1
    h.mul_(y)
    h.sub_(x)
    h /= y.abs() + 1
    return h


def _setitem(x, y):
    h = x * 2
    h[0] = y[0] * y[0]
    h[..., -1:] = 0.5
    return h.masked_fill_(h > 1, 1.0)


def _buffer(x, y):
    buf = (x * 0).detach()  # a plain tensor that joins the graph through x[...] = ...
    buf[1:] = y[1:] * x[1:]
    buf += x
    return buf


@pytest.mark.parametrize("program", [_issue_program, _older_use, _in_place_chain, _setitem, _buffer],
                         ids=lambda f: f.__name__.strip("_"))
@PARITY
@given(data=st.data())
def test_in_place_programs(parity, program, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
    count = program.__code__.co_argcount
    dtype = data.draw(DTYPES)
    parity.check(program, program, [_array(shape, dtype, i) for i in range(count)])


def test_the_issue_example_exactly(parity):
    parity.check(_issue_program, _issue_program, [np.array([2.0])])
    x = torch.tensor([2.0], requires_grad=True)
    _issue_program(x).sum().backward()
    assert x.grad.item() == 7.0
