"""Property tests: random broadcastable shapes, values and gradients against NumPy."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch.core import Tensor

OPS = {
    "add": (lambda a, b: a + b, lambda a, b, g: (g, g)),
    "sub": (lambda a, b: a - b, lambda a, b, g: (g, -g)),
    "mul": (lambda a, b: a * b, lambda a, b, g: (g * b, g * a)),
    "div": (lambda a, b: a / b, lambda a, b, g: (g / b, -g * a / b ** 2)),
}


def reduce_to(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1:
            g = g.sum(axis=i, keepdims=True)
    return g


@settings(max_examples=60, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_broadcast_forward_and_gradient(shapes, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a, b = rng.uniform(0.5, 2, sa), rng.uniform(0.5, 2, sb)
    forward, grads = OPS[op]
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = forward(ta, tb)
    np.testing.assert_allclose(out.data, forward(a, b))
    g = rng.standard_normal(shapes.result_shape)
    out.backward(g)
    ga, gb = grads(np.broadcast_to(a, g.shape), np.broadcast_to(b, g.shape), g)
    np.testing.assert_allclose(ta.grad.data, reduce_to(ga, sa), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tb.grad.data, reduce_to(gb, sb), rtol=1e-9, atol=1e-12)
    assert ta.grad.shape == sa and tb.grad.shape == sb


@settings(max_examples=40, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), data=st.data())
def test_sum_over_random_axes_gradient_is_ones(shape, data):
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1))
    keep = data.draw(st.booleans())
    x = Tensor(np.random.rand(*shape), requires_grad=True)
    out = x.sum(axis=tuple(axes), keepdims=keep)
    assert out.shape == np.sum(x.data, axis=tuple(axes), keepdims=keep).shape
    out.sum().backward()
    assert np.all(x.grad.data == 1)
