"""In-place ops in the graph: regressions for gradients that used to be dropped silently.

The expected numbers are PyTorch's (``tests/parity/test_tensor_ops.py`` checks the same
programs against PyTorch itself).
"""

import numpy as np
import pytest

from tinytorch.core import Tensor, no_grad


def test_in_place_add_on_a_graph_tensor_keeps_both_gradients():
    # issue 13: this gave x.grad == 3
    x = Tensor([2.0], requires_grad=True)
    c = x * 3
    c += x * x
    c.sum().backward()
    assert x.grad.item() == 7.0  # d/dx (3x + x^2) at 2


def test_ops_made_before_an_in_place_change_keep_the_old_value():
    x = Tensor([2.0], requires_grad=True)
    c = x * 3
    d = c + 1  # uses c = 3x
    c += x * x  # c = 3x + x^2
    (d + c).sum().backward()
    assert x.grad.item() == 3.0 + 7.0


def test_in_place_multiply_differentiates_with_the_old_values():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y *= x
    y.sum().backward()
    assert x.grad.data.tolist() == [2.0, 4.0]


def test_setitem_records_in_the_graph():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x * 2
    y[0] = x[1] * x[1]
    y.sum().backward()
    # row 0 of x was overwritten (no gradient through 2x); row 1 gets 2 + 2 * x[1]
    assert x.grad.data.tolist() == [[0.0, 0.0, 0.0], [8.0, 10.0, 12.0]]


def test_writing_a_graph_value_into_a_plain_buffer_joins_the_graph():
    x = Tensor([1.5], requires_grad=True)
    buf = Tensor(np.zeros(3))
    buf[1:2] = x * 2
    buf.masked_fill_(Tensor(np.array([True, False, False])), 5.0)
    assert buf.requires_grad and buf.data.tolist() == [5.0, 3.0, 0.0]
    (buf * buf).sum().backward()
    assert x.grad.item() == 2 * 3.0 * 2


def test_copy_and_fill_pass_gradient_to_the_source_only():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 5).copy_(x * x)
    y.sum().backward()
    assert x.grad.data.tolist() == [2.0, 4.0]
    z = x * 5
    z.fill_(1.0)
    x.grad = None
    (z + x).sum().backward()
    assert x.grad.data.tolist() == [1.0, 1.0]


def test_changing_an_output_whose_backward_reads_it_is_detected():
    x = Tensor([0.5], requires_grad=True)
    y = x.exp()  # exp's backward multiplies by its output
    y += 1
    with pytest.raises(RuntimeError, match="backward of exp was modified in place"):
        y.sum().backward()


@pytest.mark.parametrize("change", [lambda h: h.add_(1), lambda h: h.mul_(3)], ids=["add_", "mul_"])
def test_in_place_change_of_a_saved_input_is_detected(change):
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    change(h)
    with pytest.raises(RuntimeError, match=r"modified in place \(version 0, now 1\)"):
        y.backward()


def test_in_place_on_a_view_in_the_graph_is_refused_with_a_way_out():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"view .*x\[i\] = x\[i\] \+ y"):
        y[0] += 1
    with pytest.raises(RuntimeError, match="in-place op on a view"):
        y.T.mul_(2)
    y[0] = y[0] + 1  # the suggested spelling works
    y.sum().backward()
    assert x.grad.data.tolist() == [[2.0] * 3] * 2


def test_views_share_the_version_counter_of_their_base():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2
    z = y.T * 3.0  # mul saves its input, the view
    with no_grad():
        y[0, 0] = 7.0  # changes the memory the view reads
    with pytest.raises(RuntimeError, match="modified in place"):
        z.sum().backward()


def test_a_view_whose_base_changed_in_place_refuses_a_stale_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    v = y.reshape(2, 1)
    w = v.sum()  # made before the change: its gradient is still right
    y.mul_(3)  # v now holds 6x, but its graph says 2x
    with pytest.raises(RuntimeError, match=r"view of shape \(2, 1\) is used after its base .* take the view again"):
        v.sum()
    w.backward()
    assert x.grad.data.tolist() == [2.0, 2.0]


def test_detach_shares_memory_and_version():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    d = h.detach()
    d.add_(1)  # allowed: d is out of the graph, but the change is seen
    assert h.data.tolist() == [3.0, 5.0]
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_optimizer_style_updates_under_no_grad_are_plain_writes():
    w = Tensor([1.0, 2.0], requires_grad=True)
    alias = w
    with no_grad():
        w -= 0.5
        w[0] = 4.0
    assert alias is w and w.is_leaf and w.data.tolist() == [4.0, 1.5] and w._version == 2


def test_in_place_refuses_a_result_its_dtype_cannot_hold():
    counts = Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match="float64, which cannot be stored in this int64 tensor"):
        counts += 0.5
    counts += 1
    assert counts.data.tolist() == [2, 3]
