"""Reverse-mode automatic differentiation: the engine behind ``Tensor.backward()``.

Every tensor made by an op remembers its parents and a ``backward`` closure that turns
the gradient of the output into gradients for its parents (see ``tensor.py``). To
backpropagate we visit the graph in reverse topological order, so a node's gradient is
complete (summed over every path) before we push it further back. The order is built
with an explicit stack, not recursion, so a chain 10,000 ops deep is fine.

Broadcasting is undone here, once, instead of in every op: if ``a`` of shape (3, 1) was
added to ``b`` of shape (4, 3, 5), the gradient arrives as (4, 3, 5) and is summed back
to (3, 1).

An in-place op makes a tensor a new graph node, while ops made earlier used the tensor
as it was: ``as_of`` follows such an edge to that older self (see "In place" in
``tensor.py``).

Read next: ``tensor.py`` for the ops and their backward closures.
"""

import contextlib
import itertools

import numpy as np

_grad_enabled = True
clock = itertools.count(1)  # stamps each recorded op in order (Tensor._seq)


def is_grad_enabled():
    return _grad_enabled


class no_grad(contextlib.ContextDecorator):
    """Inside this block (or decorated function) ops record no graph: inference, updates."""

    def __enter__(self):
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, False

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._previous


class enable_grad(no_grad):
    """Turn recording back on inside a ``no_grad`` block."""

    def __enter__(self):
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, True


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, reversing NumPy broadcasting."""
    # region 05 autograd: drop the leading axes broadcasting added, then sum (keepdims) where shape has a 1
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    squeezed = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if squeezed:
        grad = grad.sum(axis=squeezed, keepdims=True)
    return grad
    # endregion


def as_of(tensor, seq):
    """``tensor`` as it was when the op stamped ``seq`` used it (before later in-place ops)."""
    for until, old in tensor._history:
        if seq < until:
            return old
    return tensor


def topological_order(root):
    """Nodes that need a gradient, each after all of its parents (iterative DFS)."""
    # region 05 autograd: depth-first with an explicit stack; a node joins the order after all its parents
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for p in node._parents:
            if p._history:
                p = as_of(p, node._seq)
            if p.requires_grad and id(p) not in seen:
                stack.append((p, False))
    return order
    # endregion


def backward(root, grad=None, retain_graph=False):
    """Backpropagate from ``root``, accumulating ``.grad`` on leaves."""
    from .tensor import Tensor

    if not root.requires_grad:
        raise RuntimeError("backward() called on a tensor that does not require grad")
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a scalar, but this tensor has shape "
                f"{root.shape}; call .sum() first or pass backward(gradient)"
            )
        grad = np.ones_like(root.data)
    else:
        grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=root.dtype)
        if grad.shape != root.shape:
            raise ValueError(f"backward: gradient shape {grad.shape} does not match tensor shape {root.shape}")

    # region 05 autograd: walk the order in reverse: leaves accumulate .grad, others pass step(g) on to parents
    grads = {id(root): grad}
    for node in reversed(topological_order(root)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if node._freed:
            raise RuntimeError(
                f"backward through the graph a second time (at {node._op}): its buffers were "
                "freed; pass retain_graph=True to the first backward()"
            )
        step = node._backward
        if step is None or node._retain:
            g = g.astype(node.dtype, copy=False)
            if node.grad is None:
                node.grad = Tensor(g.copy())
            else:
                node.grad.data = node.grad.data + g
            if step is None:
                continue
        for saved, version in node._saved:
            if saved._version != version:
                raise RuntimeError(
                    f"a tensor of shape {saved.shape} needed by the backward of {node._op} "
                    f"was modified in place (version {version}, now {saved._version}); "
                    "clone it before the in-place op"
                )
        for parent, pg in zip(node._parents, step(g)):
            if parent._history:
                parent = as_of(parent, node._seq)
            if pg is None or not parent.requires_grad:
                continue
            if pg.shape != parent.data.shape:
                pg = unbroadcast(pg, parent.data.shape)
            if pg.dtype != parent.data.dtype:  # a gradient has its tensor's dtype, as in PyTorch
                pg = pg.astype(parent.data.dtype)
            key = id(parent)
            earlier = grads.get(key)
            grads[key] = pg if earlier is None else earlier + pg
        if not retain_graph:
            node._backward, node._parents, node._saved, node._freed = None, (), (), True
    # endregion
