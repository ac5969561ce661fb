"""The naive backend against TinyTorch's conformance suite, plus what only it promises."""

import numpy as np
import pytest

from tinytorch.core import get_backend, use_backend
from tinytorch.core.testing import check_case, check_signatures, conformance_cases
from tinytorch_naive import NaiveBackend


@pytest.mark.parametrize("case", conformance_cases(), ids=str)
def test_conformance(case):
    check_case("naive", case)


def test_kernel_signatures_match_the_contract():
    check_signatures("naive")


def test_found_through_the_entry_point():
    with use_backend("naive") as backend:
        assert isinstance(backend, NaiveBackend)
        assert get_backend() is backend


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (3, 4)), ((2, 1, 3, 4), (5, 4, 2)),
                                              ((3,), (3,)), ((4,), (2, 4, 3))])
def test_matmul_follows_numpy_rules(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    out = NaiveBackend.matmul(a, b)
    assert out.shape == np.matmul(a, b).shape
    np.testing.assert_allclose(out, np.matmul(a, b), rtol=1e-12)


def test_matmul_rejects_mismatched_inner_sizes():
    with pytest.raises(ValueError, match=r"inner sizes differ"):
        NaiveBackend.matmul(np.ones((2, 3)), np.ones((4, 2)))


def test_max_pool_gives_a_tie_to_the_first_max():
    x = np.array([[[[1.0, 1.0], [0.0, 1.0]]]])
    be = NaiveBackend()
    out, ctx = be.max_pool2d(x, 2)
    (gx,) = be.max_pool2d_backward(np.ones_like(out), ctx)
    np.testing.assert_array_equal(gx, [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_backward_kernels_leave_the_incoming_gradient_alone():
    rng = np.random.default_rng(0)
    be = NaiveBackend()
    q, k, v = (rng.standard_normal((2, 3, 4)) for _ in range(3))
    out, ctx = be.scaled_dot_product_attention(q, k, v, is_causal=True)
    g = rng.standard_normal(out.shape)
    g.flags.writeable = False  # any in-place write would raise
    be.scaled_dot_product_attention_backward(g, ctx)
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    out, ctx = be.conv2d(x, w, np.zeros(3), 2, 1, "relu")
    g = rng.standard_normal(out.shape)
    g.flags.writeable = False
    be.conv2d_backward(g, ctx)
