"""Tensor: a NumPy array that remembers how it was computed.

Each op below computes its result with the active backend's kernels and, right beside
it, a small ``backward`` closure that maps the output's gradient to one gradient per
input: the chain rule, one op at a time (as in micrograd, but on arrays). The engine in
``autograd.py`` calls these closures in reverse order. Derived ops (subtraction,
division, ``mean``, ``var``, ``split``, ...) are written in terms of other ops and get
their gradients for free.

Read next: ``autograd.py`` (the engine), then ``backend.py`` (the kernels).
"""

import numpy as np

from . import autograd
from . import backend as _backend

_FLOAT = np.float32


def _to_array(data, dtype=None):
    # region 01 tensor: NumPy data keeps its dtype unless dtype= is given; Python numbers and lists become float32
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, np.generic)):  # NumPy data keeps its dtype
        data = np.asarray(data)
        return data if dtype is None else data.astype(dtype, copy=False)
    # Python numbers and lists default to float32, the dtype of every model here.
    return np.asarray(data, dtype=dtype or _FLOAT)
    # endregion


def _shape_error(op, *shapes):
    return ValueError(f"{op}: incompatible shapes " + " and ".join(str(tuple(s)) for s in shapes))


class Tensor:
    """An n-dimensional array with reverse-mode autograd."""

    __slots__ = ("data", "requires_grad", "grad", "_parents", "_backward", "_saved",
                 "_op", "_version", "_retain", "_freed", "__weakref__")
    __array_priority__ = 1000  # so ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _to_array(data, dtype)
        self.grad = None
        self._parents, self._backward, self._saved, self._op = (), None, (), "leaf"
        self._version, self._retain, self._freed = 0, False, False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_()

    @classmethod
    def _make(cls, data, parents, backward, op, saved=()):
        """Wrap an op's result, recording the graph only when some parent needs grad."""
        out = cls.__new__(cls)
        out.data, out.grad = data, None
        out._version, out._retain, out._freed, out._op = 0, False, False, op
        if autograd._grad_enabled:
            for p in parents:  # a plain loop: any(<genexpr>) costs a generator per op
                if p.requires_grad:
                    out.requires_grad, out._parents, out._backward = True, parents, backward
                    out._saved = [(t, t._version) for t in saved] if saved else ()
                    return out
        out.requires_grad, out._parents, out._backward, out._saved = False, (), None, ()
        return out

    def _lift(self, other):
        """Python numbers join an op in this tensor's dtype (1.0 must not upcast float32)."""
        if isinstance(other, Tensor):
            return other
        dtype = self.dtype if self.dtype.kind == "f" else None
        return Tensor(np.asarray(other, dtype=dtype))

    # ----------------------------------------------------------------- properties
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    is_leaf = property(lambda self: self._backward is None and not self._freed)

    def __len__(self):
        return len(self.data)

    def item(self):
        return self.data.item()

    def numpy(self):
        return self.data

    def tolist(self):
        return self.data.tolist()

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        extra = "" if self.dtype == _FLOAT else f", dtype={self.dtype}"
        grad = f", grad_fn=<{self._op}>" if self._backward else (", requires_grad=True" if self.requires_grad else "")
        return f"Tensor({body}{extra}{grad})"

    # ----------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=False):
        autograd.backward(self, gradient, retain_graph)

    def requires_grad_(self, flag=True):
        if flag and self.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, not {self.dtype}")
        self.requires_grad = flag
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        self._retain = True
        return self

    def detach(self):
        """The same data, cut from the graph."""
        return Tensor(self.data)

    def astype(self, dtype):
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            return Tensor(self.data.astype(dtype))
        return Tensor._make(self.data.astype(dtype), (self,), lambda g: (g,), "astype")

    float = lambda self: self.astype(np.float32)
    double = lambda self: self.astype(np.float64)

    def clone(self):
        return Tensor._make(self.data.copy(), (self,), lambda g: (g,), "clone")

    # ----------------------------------------------------------------- in place
    def _bump(self):
        if self.requires_grad and self.is_leaf and autograd._grad_enabled:
            raise RuntimeError(
                "in-place op on a leaf tensor that requires grad; wrap it in no_grad() "
                "(as optimizers do) or use an out-of-place op"
            )
        self._version += 1
        return self

    def _inplace(self, kernel, other):
        other = self._lift(other)
        result = kernel(self.data, other.data)
        if result.shape != self.shape:
            raise _shape_error(f"{kernel.__name__}_ (in place)", self.shape, other.shape)
        self._bump().data[...] = result
        return self

    add_ = lambda self, o: self._inplace(_backend.active.add, o)
    sub_ = lambda self, o: self._inplace(_backend.active.sub, o)
    mul_ = lambda self, o: self._inplace(_backend.active.mul, o)
    div_ = lambda self, o: self._inplace(_backend.active.div, o)
    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def copy_(self, other):
        self._bump().data[...] = self._lift(other).data
        return self

    def fill_(self, value):
        self._bump().data.fill(value)
        return self

    def zero_(self):
        return self.fill_(0)

    def __setitem__(self, index, value):
        self._bump().data[_index(index)] = self._lift(value).data

    # ----------------------------------------------------------------- arithmetic
    def _binary(self, other, name):
        other = self._lift(other)
        try:
            return getattr(_backend.active, name)(self.data, other.data), other
        except ValueError as error:
            raise _shape_error(name, self.shape, other.shape) from error

    def __add__(self, other):
        data, other = self._binary(other, "add")
        return Tensor._make(data, (self, other), lambda g: (g, g), "add")

    def __mul__(self, other):
        data, other = self._binary(other, "mul")
        be, a, b = _backend.active, self.data, other.data

        def backward(g):
            # region 01 tensor: d(a*b)/da = b, d(a*b)/db = a; None for an input that needs no gradient
            return (be.mul(g, b) if self.requires_grad else None,
                    be.mul(g, a) if other.requires_grad else None)
            # endregion

        return Tensor._make(data, (self, other), backward, "mul", (self, other))

    def __truediv__(self, other):
        data, other = self._binary(other, "div")
        be, b = _backend.active, other.data

        def backward(g):
            gb = be.neg(be.div(be.mul(g, data), b)) if other.requires_grad else None
            return be.div(g, b), gb

        return Tensor._make(data, (self, other), backward, "div", (self, other))

    def __pow__(self, exponent):
        data, exponent = self._binary(exponent, "pow")
        be, x, p = _backend.active, self.data, exponent.data

        def backward(g):
            gx = be.mul(g, be.mul(p, be.pow(x, p - 1)))
            gp = be.mul(g, be.mul(data, be.log(x))) if exponent.requires_grad else None
            return gx, gp

        return Tensor._make(data, (self, exponent), backward, "pow", (self, exponent))

    def __neg__(self):
        be = _backend.active
        return Tensor._make(be.neg(self.data), (self,), lambda g: (be.neg(g),), "neg")

    def __sub__(self, other):
        return self + (-self._lift(other))

    __radd__ = __add__
    __rmul__ = __mul__
    __rsub__ = lambda self, other: self._lift(other) - self
    __rtruediv__ = lambda self, other: self._lift(other) / self
    __rpow__ = lambda self, other: self._lift(other) ** self

    def __matmul__(self, other):
        other = self._lift(other)
        if self.ndim == 1 or other.ndim == 1:  # NumPy's rules: promote, multiply, drop
            # region 01 tensor: a 1-D operand becomes a row (left) or a column (right); multiply; drop that axis again
            a = self.reshape(1, -1) if self.ndim == 1 else self
            b = other.reshape(-1, 1) if other.ndim == 1 else other
            out = a @ b
            keep = out.shape[:-2] + (out.shape[-2],) * (self.ndim > 1) + (out.shape[-1],) * (other.ndim > 1)
            return out.reshape(*keep)
            # endregion
        if self.shape[-1] != other.shape[-2]:
            raise _shape_error("matmul", self.shape, other.shape)
        try:
            data = _backend.active.matmul(self.data, other.data)
        except ValueError as error:
            raise _shape_error("matmul", self.shape, other.shape) from error
        be, a, b = _backend.active, self.data, other.data

        def backward(g):
            # region 01 tensor: C = A @ B: dA = G @ B^T, dB = A^T @ G (swap the last two axes)
            ga = be.matmul(g, b.swapaxes(-1, -2)) if self.requires_grad else None
            gb = be.matmul(a.swapaxes(-1, -2), g) if other.requires_grad else None
            return ga, gb
            # endregion

        return Tensor._make(data, (self, other), backward, "matmul", (self, other))

    __rmatmul__ = lambda self, other: self._lift(other) @ self

    # ----------------------------------------------------------------- comparisons
    def _compare(self, other, name):
        return Tensor(self._binary(other, name)[0])

    __eq__ = lambda self, o: self._compare(o, "eq")
    __ne__ = lambda self, o: self._compare(o, "ne")
    __lt__ = lambda self, o: self._compare(o, "lt")
    __le__ = lambda self, o: self._compare(o, "le")
    __gt__ = lambda self, o: self._compare(o, "gt")
    __ge__ = lambda self, o: self._compare(o, "ge")
    __hash__ = object.__hash__

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
        return bool(self.data)

    def any(self):
        return bool(self.data.any())

    def all(self):
        return bool(self.data.all())

    # ----------------------------------------------------------------- elementwise
    def exp(self):
        be = _backend.active
        out = be.exp(self.data)
        return Tensor._make(out, (self,), lambda g: (be.mul(g, out),), "exp")

    def log(self):
        be, x = _backend.active, self.data
        return Tensor._make(be.log(x), (self,), lambda g: (be.div(g, x),), "log", (self,))

    def sqrt(self):
        be = _backend.active
        out = be.sqrt(self.data)
        return Tensor._make(out, (self,), lambda g: (be.div(g, be.mul(out, 2)),), "sqrt")

    def abs(self):
        be, x = _backend.active, self.data
        return Tensor._make(be.abs(x), (self,), lambda g: (be.mul(g, be.sign(x)),), "abs", (self,))

    def tanh(self):
        be = _backend.active
        out = be.tanh(self.data)
        return Tensor._make(out, (self,), lambda g: (be.mul(g, be.sub(1, be.mul(out, out))),), "tanh")

    def sigmoid(self):
        be = _backend.active
        out = be.sigmoid(self.data)
        return Tensor._make(out, (self,), lambda g: (be.mul(g, be.mul(out, be.sub(1, out))),), "sigmoid")

    def relu(self):
        be = _backend.active
        out = be.relu(self.data)
        return Tensor._make(out, (self,), lambda g: (be.mul(g, be.gt(out, 0)),), "relu")

    def clip(self, min=None, max=None):
        be, x = _backend.active, self.data
        out = x
        if min is not None:
            out = be.maximum(out, np.asarray(min, x.dtype))
        if max is not None:
            out = be.minimum(out, np.asarray(max, x.dtype))
        return Tensor._make(out, (self,), lambda g: (be.mul(g, be.eq(out, x)),), "clip", (self,))

    def softmax(self, axis=-1):
        return _functional().softmax(self, axis)

    def log_softmax(self, axis=-1):
        return _functional().log_softmax(self, axis)

    # ----------------------------------------------------------------- reductions
    def sum(self, axis=None, keepdims=False):
        be, shape = _backend.active, self.shape
        axes = _axes(axis, self.ndim)

        def backward(g):
            return (np.broadcast_to(g if keepdims else np.expand_dims(g, axes), shape),)

        return Tensor._make(be.sum(self.data, axis=axes, keepdims=keepdims), (self,), backward, "sum")

    def mean(self, axis=None, keepdims=False):
        count = int(np.prod([self.shape[a] for a in _axes(axis, self.ndim)]))
        return self.sum(axis, keepdims) * (1.0 / count if count else np.nan)

    def var(self, axis=None, keepdims=False, ddof=0):
        """Variance, NumPy's convention (``ddof=0``; pass ``ddof=1`` for PyTorch's)."""
        count = int(np.prod([self.shape[a] for a in _axes(axis, self.ndim)]))
        centered = self - self.mean(axis, keepdims=True)
        return (centered * centered).sum(axis, keepdims) * (1.0 / max(count - ddof, 0) if count > ddof else np.nan)

    def _extreme(self, axis, keepdims, name):
        be, x, axes = _backend.active, self.data, _axes(axis, self.ndim)
        out = getattr(be, name)(x, axis=axes, keepdims=True)

        def backward(g):
            # Ties share the gradient equally, so it still sums to g.
            hits = be.eq(x, out)
            share = be.div(hits, be.sum(hits, axis=axes, keepdims=True))
            return (be.mul(share, g if keepdims else np.expand_dims(g, axes)),)

        data = out if keepdims else np.squeeze(out, axis=axes)
        return Tensor._make(data, (self,), backward, name, (self,))

    def max(self, axis=None, keepdims=False):
        return self._extreme(axis, keepdims, "max")

    def min(self, axis=None, keepdims=False):
        return self._extreme(axis, keepdims, "min")

    def argmax(self, axis=None):
        return Tensor(_backend.active.argmax(self.data, axis=axis))

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        try:
            data = _backend.active.reshape(self.data, shape)
        except ValueError as error:
            raise ValueError(f"reshape: cannot reshape {self.shape} to {tuple(shape)}") from error
        old = self.shape
        return Tensor._make(data, (self,), lambda g: (g.reshape(old),), "reshape")

    view = reshape

    def transpose(self, *axes):
        """Reverse the axes, permute them (``transpose(0, 2, 1)``), or swap two (``transpose(1, 2)``)."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        if len(axes) == 2 and self.ndim != 2:
            order = list(range(self.ndim))
            order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
            axes = order
        axes = tuple(axes) or tuple(reversed(range(self.ndim)))
        inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))  # np.argsort costs ~10x more on a tuple
        return Tensor._make(self.data.transpose(axes), (self,), lambda g: (g.transpose(inverse),), "transpose")

    def permute(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        if len(axes) != self.ndim:
            raise ValueError(f"permute: {len(axes)} axes given for a tensor of shape {self.shape}")
        return self.transpose(tuple(axes))

    T = property(lambda self: self.transpose())

    def squeeze(self, axis=None):
        return self.reshape(np.squeeze(self.data, axis).shape)

    def unsqueeze(self, axis):
        return self.reshape(np.expand_dims(self.data, axis).shape)

    def flatten(self, start_axis=0, end_axis=-1):
        start, end = start_axis % max(self.ndim, 1), end_axis % max(self.ndim, 1)
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def broadcast_to(self, shape):
        try:
            data = np.broadcast_to(self.data, shape)
        except ValueError as error:
            raise _shape_error("broadcast_to", self.shape, shape) from error
        return Tensor._make(data, (self,), lambda g: (g,), "broadcast_to")

    def __getitem__(self, index):
        be, shape, index = _backend.active, self.shape, _index(index)
        try:
            data = be.take(self.data, index)
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor shape {self.shape})") from None
        return Tensor._make(data, (self,), lambda g: (be.index_add(shape, index, g),), "getitem")


def _functional():
    from . import functional

    return functional


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim if ndim else a for a in axes)


def _index(index):
    """Tensors used as indices become their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def tensor(data, requires_grad=False, dtype=None):
    """``Tensor(data)`` with a copy, as ``torch.tensor`` does."""
    return Tensor(np.array(_to_array(data, dtype)), requires_grad=requires_grad)


def _check_same_rank(op, tensors, axis):
    shapes = [t.shape for t in tensors]
    ndim = len(shapes[0])
    for s in shapes[1:]:
        if len(s) != ndim or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis % max(ndim, 1)):
            raise _shape_error(op, *shapes)


def cat(tensors, axis=0):
    """Join tensors along an existing axis."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    _check_same_rank("cat", tensors, axis)
    bounds = np.cumsum([t.shape[axis] for t in tensors])[:-1]
    data = np.concatenate([t.data for t in tensors], axis=axis)
    return Tensor._make(data, tuple(tensors), lambda g: tuple(np.split(g, bounds, axis=axis)), "cat")


def stack(tensors, axis=0):
    """Join tensors along a new axis."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise _shape_error("stack", *[t.shape for t in tensors])
    return cat([t.unsqueeze(axis) for t in tensors], axis=axis)


def split(x, sections, axis=0):
    """Split into pieces of the given sizes (a list) or into ``sections`` equal parts."""
    n = x.shape[axis]
    if isinstance(sections, int):
        if n % sections:
            raise ValueError(f"split: axis {axis} of size {n} does not divide into {sections} equal parts")
        sizes = [n // sections] * sections
    else:
        sizes = list(sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} sum to {sum(sizes)}, but axis {axis} has size {n}")
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    lead = (slice(None),) * (axis % x.ndim)
    return [x[lead + (slice(a, b),)] for a, b in zip(starts[:-1], starts[1:])]


def where(condition, a, b):
    """Pick from ``a`` where ``condition`` holds, else from ``b`` (gradients follow the pick)."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    a = a if isinstance(a, Tensor) else (b._lift(a) if isinstance(b, Tensor) else Tensor(a))
    b = a._lift(b)
    be = _backend.active
    try:
        data = be.where(cond, a.data, b.data)
    except ValueError as error:
        raise _shape_error("where", cond.shape, a.shape, b.shape) from error
    zero = np.zeros((), dtype=data.dtype)
    return Tensor._make(data, (a, b), lambda g: (be.where(cond, g, zero), be.where(cond, zero, g)), "where")
