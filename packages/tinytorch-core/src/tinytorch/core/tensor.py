"""Tensor: a NumPy array that remembers how it was computed.

Each op below computes its result with the active backend's kernels and, right beside
it, a small ``backward`` closure that maps the output's gradient to one gradient per
input: the chain rule, one op at a time (as in micrograd, but on arrays). The engine in
``autograd.py`` calls these closures in reverse order. Derived ops (subtraction,
division, ``mean``, ``var``, ``split``, ...) are written in terms of other ops and get
their gradients for free. The shape ops (``shape.py``), indexing and masks
(``indexing.py``) and reductions (``reduce.py``) are written the same way; ``Tensor``
inherits them.

**In place.** ``x += y``, ``x.mul_(y)``, ``x[i] = v``, ``x.masked_fill_(m, v)`` write into
``x``'s array, as PyTorch does. When the graph is being recorded, ``_inplace`` builds the
result out of place from a snapshot of the old ``x`` (so the backward of ``mul_`` still
sees the old values), writes it into ``x``, and makes ``x`` that result's graph node.
Ops that used ``x`` before the change keep using the snapshot: ``x._history`` lists the
older selves, and each op is stamped with the moment it was made (``_seq``).

**Version counter.** Every in-place change bumps ``x._version``. An op whose backward
needs an input's values (or its own output's: ``exp``, ``sigmoid``, ``div``, ...)
records that version, and ``backward()`` raises if the tensor changed since.

**Views.** ``reshape``/``view``, ``transpose``/``permute``, slicing, ``expand`` and
``detach`` return tensors that share memory with their input, as in PyTorch. Such a
tensor keeps its origin, the origin's version then, and whether it is a view in the
graph (``_base``; ``detach``'s result is not), and shares the origin's version counter.
PyTorch can also replay an in-place change into the graphs of the other tensors that
share the memory; TinyTorch refuses those cases with an error that says what to write
instead: an in-place op on a view while recording, and an op that uses a view (one
that requires grad) whose base has changed in place since the view was made.

Read next: ``autograd.py`` (the engine), then ``backend.py`` (the kernels).
"""

import operator

import numpy as np

from . import autograd, dims
from . import backend as _backend
from .device import CPU, TYPE_NAMES, as_dtype, dtype_for_to
from .indexing import IndexOps, where  # noqa: F401  (where, cat, ... re-exported: tinytorch.core.tensor.cat)
from .reduce import ReduceOps, ValuesIndices  # noqa: F401
from .shape import ShapeOps, cat, chunk, split, stack  # noqa: F401

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


def _owner(t):
    """The tensor whose version counter ``t`` uses: its base if it is a view."""
    return t if t._base is None else t._base[0]


def _stale_view(view):
    base, version, _ = view._base
    return RuntimeError(
        f"a view of shape {view.shape} is used after its base (shape {base.shape}) was modified in place "
        f"(version {version}, now {base._version}), so its graph is out of date; take the view again after "
        "the in-place op"
    )


class Tensor(ShapeOps, IndexOps, ReduceOps):
    """An n-dimensional array with reverse-mode autograd."""

    __slots__ = ("data", "requires_grad", "grad", "_parents", "_backward", "_saved", "_op",
                 "_version", "_retain", "_freed", "_seq", "_history", "_base", "__weakref__")
    __array_priority__ = 1000  # so ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _to_array(data, None if dtype is None else as_dtype(dtype))
        self.grad = None
        self._parents, self._backward, self._saved, self._op = (), None, (), "leaf"
        self._version, self._retain, self._freed, self._seq, self._history, self._base = 0, False, False, 0, (), None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_()

    @staticmethod
    def _make(data, parents, backward, op, saved=(), saves_output=False):
        """Wrap an op's result, recording the graph only when some parent needs grad.

        ``saved``: the inputs whose values ``backward`` reads; ``saves_output``: it reads
        the output too. Their versions are checked before ``backward`` runs.
        """
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out._history, out._base = data, None, (), None
        out._version, out._retain, out._freed, out._op = 0, False, False, op
        if autograd._grad_enabled:
            for p in parents:  # a plain loop: any(<genexpr>) costs a generator per op
                if p.requires_grad:
                    out.requires_grad, out._parents, out._backward = True, parents, backward
                    out._seq = next(autograd.clock)
                    out._saved = [(t, t._version) if t._base is None else (t._base[0], t._base[0]._version)
                                  for t in saved]
                    if saves_output:
                        out._saved.append((out, 0))
                    for q in parents:
                        if q._base is not None and q._base[2] and q._base[1] != q._base[0]._version:
                            raise _stale_view(q)
                    return out
        out.requires_grad, out._parents, out._backward, out._saved, out._seq = False, (), None, (), 0
        return out

    def _view(self, data, backward, op, shares=None):
        """``_make`` for a result that may be a NumPy view of this tensor's memory (see "Views")."""
        out = Tensor._make(data, (self,), backward, op)
        # NumPy gives a view the owner of the memory as .base; a copy has another base, or none
        base = getattr(data, "base", None)
        if shares or (base is not None and (base is self.data or base is self.data.base)):
            owner = _owner(self)
            out._base = (owner, owner._version, True)
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
    device = property(lambda self: CPU)
    is_leaf = property(lambda self: self._backward is None and not self._freed)

    def size(self, dim=None):
        """The shape, or the size of one dim, as ``torch.Tensor.size`` (``numel()`` counts the entries)."""
        return self.shape if dim is None else self.shape[dims.normalize(dim, self.ndim, "size")]

    def numel(self):
        return self.data.size

    def dim(self):
        return self.data.ndim

    def __len__(self):
        return len(self.data)

    def item(self):
        return self.data.item()

    def numpy(self):
        return self.data

    def tolist(self):
        return self.data.tolist()

    def __index__(self):
        """A one-element integer tensor indexes Python lists and ranges, as in PyTorch."""
        if self.dtype.kind not in "iub" or self.numel() != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index "
                            f"(found {self.dtype}, shape {self.shape})")
        return operator.index(self.data.reshape(()).item())

    __int__ = lambda self: int(self.item())
    __float__ = lambda self: float(self.item())

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
        """The same data (shared memory and version counter), cut from the graph."""
        out, base = Tensor(self.data), _owner(self)
        out._base = (base, base._version, False)  # shares memory, but is no view in the graph
        return out

    def clone(self):
        return Tensor._make(self.data.copy(), (self,), lambda g: (g,), "clone")

    # ----------------------------------------------------------------- dtype and device
    def astype(self, dtype):
        dtype = as_dtype(dtype)
        if dtype.kind != "f":
            return Tensor(self.data.astype(dtype))
        return Tensor._make(self.data.astype(dtype), (self,), lambda g: (g,), "astype")

    def type(self, dtype=None):
        """``x.type()`` is the PyTorch type name (``"torch.FloatTensor"``); ``x.type(dtype)`` converts."""
        if dtype is None:
            return TYPE_NAMES.get(self.dtype, f"tinytorch.{self.dtype}")
        return self.astype(dtype)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other)``; only the CPU exists."""
        dtype = dtype_for_to([a.dtype if isinstance(a, Tensor) else a for a in args], dtype, device)
        out = self if dtype is None or as_dtype(dtype) == self.dtype else self.astype(dtype)
        return out.clone() if copy and out is self else out

    cpu = lambda self: self
    float = lambda self: self.astype(np.float32)
    double = lambda self: self.astype(np.float64)
    half = lambda self: self.astype(np.float16)
    long = lambda self: self.astype(np.int64)
    int = lambda self: self.astype(np.int32)
    bool = lambda self: self.astype(np.bool_)

    # ----------------------------------------------------------------- in place
    def _inplace(self, op, other, name):
        """Write ``op(self, other)`` into this tensor (see "In place" in the module docstring)."""
        other = self._lift(other)
        record = autograd._grad_enabled and (self.requires_grad or other.requires_grad)
        if record:
            self._check_inplace(name)
        old = self._snapshot() if record else self
        result = op(old, other)
        if result.shape != self.shape:
            raise _shape_error(f"{name} (in place)", self.shape, other.shape)
        if not np.can_cast(result.dtype, self.dtype, "same_kind"):
            raise TypeError(f"{name}: the result is {result.dtype}, which cannot be stored in this {self.dtype} tensor")
        _backend.active.copyto(self.data, result.data)
        _owner(self)._version += 1
        if record:  # this tensor becomes the result's graph node; older ops keep `old`
            self.requires_grad, self._parents, self._backward = True, result._parents, result._backward
            self._saved, self._op, self._seq = result._saved, name, result._seq
            self._history += ((result._seq, old),)
        return self

    def _check_inplace(self, name):
        if self.is_leaf and self.requires_grad:
            raise RuntimeError(
                f"{name}: in-place op on a leaf tensor that requires grad; wrap it in no_grad() "
                "(as optimizers do) or use an out-of-place op"
            )
        if self._base is not None and self._base[2]:
            raise RuntimeError(
                f"{name}: in-place op on a view (made by indexing, reshape, transpose or expand) "
                "while autograd records: TinyTorch cannot replay it into the base's graph. "
                "Write the base instead (x[i] = x[i] + y rather than x[i] += y), or clone() the view first"
            )

    def _snapshot(self):
        """This tensor as it is now, as a separate graph node, before an in-place op overwrites it."""
        old = Tensor._make(self.data.copy(), (), None, self._op)
        old.requires_grad, old._parents, old._backward = self.requires_grad, self._parents, self._backward
        old._saved, old._seq, old._freed = self._saved, self._seq, self._freed
        return old

    # alpha= as in PyTorch: p.add_(g, alpha=-lr) adds -lr * g
    add_ = lambda self, o, *, alpha=1: self._inplace(Tensor.__add__, self._scaled(o, alpha), "add_")
    sub_ = lambda self, o, *, alpha=1: self._inplace(Tensor.__sub__, self._scaled(o, alpha), "sub_")
    mul_ = lambda self, o: self._inplace(Tensor.__mul__, o, "mul_")
    div_ = lambda self, o: self._inplace(Tensor.__truediv__, o, "div_")
    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def copy_(self, src):
        """Overwrite with ``src``, broadcast and cast to this dtype; the gradient flows to ``src``."""
        return self._inplace(lambda old, s: s.broadcast_to(old.shape).astype(old.dtype), src, "copy_")

    def fill_(self, value):
        return self.copy_(value)

    def zero_(self):
        return self.fill_(0)

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

        return Tensor._make(data, (self, other), backward, "div", (self, other), saves_output=True)

    def __pow__(self, exponent):
        data, exponent = self._binary(exponent, "pow")
        be, x, p = _backend.active, self.data, exponent.data

        def backward(g):
            gx = be.mul(g, be.mul(p, be.pow(x, p - 1)))
            gp = be.mul(g, be.mul(data, be.log(x))) if exponent.requires_grad else None
            return gx, gp

        return Tensor._make(data, (self, exponent), backward, "pow", (self, exponent), saves_output=True)

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

    eq = __eq__ = lambda self, o: self._compare(o, "eq")
    ne = __ne__ = lambda self, o: self._compare(o, "ne")
    lt = __lt__ = lambda self, o: self._compare(o, "lt")
    le = __le__ = lambda self, o: self._compare(o, "le")
    gt = __gt__ = lambda self, o: self._compare(o, "gt")
    ge = __ge__ = lambda self, o: self._compare(o, "ge")
    __hash__ = object.__hash__

    def __bool__(self):
        if self.numel() != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
        return bool(self.data)

    # Logic on boolean masks (bitwise on integers), as in PyTorch: ``~mask``, ``a & b``.
    __invert__ = lambda self: Tensor(np.invert(self.data))
    __and__ = lambda self, o: Tensor(np.bitwise_and(self.data, self._lift(o).data))
    __or__ = lambda self, o: Tensor(np.bitwise_or(self.data, self._lift(o).data))
    __xor__ = lambda self, o: Tensor(np.bitwise_xor(self.data, self._lift(o).data))

    # ----------------------------------------------------------------- elementwise
    def exp(self):
        be = _backend.active
        out = be.exp(self.data)
        return Tensor._make(out, (self,), lambda g: (be.mul(g, out),), "exp", saves_output=True)

    def log(self):
        be, x = _backend.active, self.data
        return Tensor._make(be.log(x), (self,), lambda g: (be.div(g, x),), "log", (self,))

    def sqrt(self):
        be = _backend.active
        out = be.sqrt(self.data)
        return Tensor._make(out, (self,), lambda g: (be.div(g, be.mul(out, 2)),), "sqrt", saves_output=True)

    def abs(self):
        be, x = _backend.active, self.data
        return Tensor._make(be.abs(x), (self,), lambda g: (be.mul(g, be.sign(x)),), "abs", (self,))

    def tanh(self):
        be = _backend.active
        out = be.tanh(self.data)
        return Tensor._make(out, (self,), lambda g: (be.mul(g, be.sub(1, be.mul(out, out))),), "tanh", saves_output=True)

    def sigmoid(self):
        be = _backend.active
        out = be.sigmoid(self.data)
        return Tensor._make(out, (self,), lambda g: (be.mul(g, be.mul(out, be.sub(1, out))),), "sigmoid", saves_output=True)

    def relu(self):
        be = _backend.active
        out = be.relu(self.data)
        return Tensor._make(out, (self,), lambda g: (be.mul(g, be.gt(out, 0)),), "relu", saves_output=True)

    def clip(self, min=None, max=None):
        be, x = _backend.active, self.data
        out = x
        if min is not None:
            out = be.maximum(out, np.asarray(min, x.dtype))
        if max is not None:
            out = be.minimum(out, np.asarray(max, x.dtype))
        return Tensor._make(out, (self,), lambda g: (be.mul(g, be.eq(out, x)),), "clip", (self,), saves_output=True)

    clamp = clip

    def softmax(self, dim=None, *, axis=None):
        return _functional().softmax(self, dim, axis=axis)

    def log_softmax(self, dim=None, *, axis=None):
        return _functional().log_softmax(self, dim, axis=axis)

    # PyTorch's method names for the operators
    add = lambda self, other, *, alpha=1: self + self._scaled(other, alpha)
    sub = lambda self, other, *, alpha=1: self - self._scaled(other, alpha)
    mul, div, pow, matmul, neg = __mul__, __truediv__, __pow__, __matmul__, __neg__

    def _scaled(self, other, alpha):
        return other if alpha == 1 else self._lift(other) * alpha
    __abs__ = abs


def _functional():
    from . import functional

    return functional


def tensor(data, requires_grad=False, dtype=None):
    """``Tensor(data)`` with a copy, as ``torch.tensor`` does."""
    return Tensor(np.array(_to_array(data, None if dtype is None else as_dtype(dtype))), requires_grad=requires_grad)
