"""Shape ops: the same numbers, arranged differently.

``reshape``/``view``, ``transpose`` (swap two dims) and ``permute`` (any order),
``squeeze``/``unsqueeze``, ``flatten``, ``expand``, ``repeat``, ``split``/``chunk`` and the
functions ``cat`` and ``stack``. None of them does arithmetic, so each backward only
arranges the gradient back: reshape it back, permute it back, add up the copies ``repeat``
made. ``Tensor`` inherits these methods from ``ShapeOps``.

Several of them return *views* (NumPy views of the input's memory), as in PyTorch; see
"Views" in ``tensor.py`` for what that means for in-place ops.

Read next: ``indexing.py`` (indexing, ``gather``, masks), ``reduce.py`` (sums and maxima).
"""

import math

import numpy as np

from . import backend as _backend
from . import dims
from . import tensor as _tensor


def _sizes(args):
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` mean the same, as in PyTorch."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(args)


class ShapeOps:
    """The shape methods of ``Tensor``."""

    __slots__ = ()

    def reshape(self, *shape):
        shape = _sizes(shape)
        try:
            data = _backend.active.reshape(self.data, shape)
        except ValueError as error:
            raise ValueError(f"reshape: cannot reshape {self.shape} to {tuple(shape)}") from error
        old = self.shape
        return self._view(data, lambda g: (g.reshape(old),), "reshape")

    # PyTorch's view needs contiguous memory; NumPy copies instead when it must.
    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def permute(self, *dims_):
        """Reorder all the dimensions: ``x.permute(0, 2, 1)``."""
        order = _sizes(dims_)
        if sorted(order) != list(range(self.ndim)):  # not already spelt as a permutation of 0..ndim-1
            order = dims.normalize_all(order, self.ndim, "permute")
            if len(order) != self.ndim:
                raise ValueError(f"permute: {len(order)} dims given for a tensor of shape {self.shape}")
        return self._permuted(tuple(order))

    def _permuted(self, order, inverse=None):
        if inverse is None:
            inverse = tuple(sorted(range(len(order)), key=order.__getitem__))  # np.argsort costs ~10x more on a tuple
        return self._view(self.data.transpose(order), lambda g: (g.transpose(inverse),), "permute", shares=True)

    def transpose(self, dim0, dim1):
        """Swap two dimensions, as ``torch.transpose``; ``permute`` takes a whole order."""
        order = list(range(self.ndim))
        if order:
            a, b = dims.normalize(dim0, self.ndim, "transpose"), dims.normalize(dim1, self.ndim, "transpose")
            order[a], order[b] = b, a
        order = tuple(order)
        return self._permuted(order, inverse=order)  # a swap undoes itself

    swapaxes = transpose

    T = property(lambda self: self.permute(tuple(reversed(range(self.ndim)))))
    mT = property(lambda self: self.transpose(-2, -1))

    def t(self):
        """The transpose of a matrix (a tensor of at most 2 dims), as ``torch.Tensor.t``."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dims, found shape {self.shape}; use transpose(d0, d1)")
        return self.T

    def squeeze(self, dim=None, *, axis=None):
        """Drop dims of size 1 (all, or those named); a named dim of another size stays, as in PyTorch."""
        drop = dims.normalize_all(dims.pick("squeeze", dim, axis), self.ndim, "squeeze")
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if n != 1 or i not in drop))

    def unsqueeze(self, dim=None, *, axis=None):
        d = dims.normalize(dims.pick("unsqueeze", dim, axis), self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def flatten(self, start_dim=0, end_dim=-1):
        """Join dims ``start_dim..end_dim`` (inclusive) into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start = dims.normalize(start_dim, self.ndim, "flatten")
        end = dims.normalize(end_dim, self.ndim, "flatten")
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} (shape {self.shape})")
        joined = math.prod(self.shape[start:end + 1])  # not -1: that is ambiguous when a dim is 0
        return self.reshape(self.shape[:start] + (joined,) + self.shape[end + 1:])

    def broadcast_to(self, *shape):
        shape = _sizes(shape)
        try:
            data = np.broadcast_to(self.data, shape)
        except ValueError as error:
            raise _tensor._shape_error("broadcast_to", self.shape, shape) from error
        # the autograd engine sums the gradient back to self's shape
        return self._view(data, lambda g: (g,), "expand")

    def expand(self, *sizes):
        """Broadcast to ``sizes``; ``-1`` keeps a dim as it is. Read-only, as NumPy's broadcast views are."""
        sizes = _sizes(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: {len(sizes)} sizes given for a tensor of shape {self.shape}")
        return self.broadcast_to(tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                                       for i, n in enumerate(sizes)))

    def expand_as(self, other):
        return self.broadcast_to(other.shape)

    def repeat(self, *sizes):
        """Tile: ``sizes[i]`` copies along dim i (PyTorch's ``repeat`` is NumPy's ``tile``)."""
        sizes = _sizes(sizes)
        if len(sizes) < self.ndim:
            raise ValueError(f"repeat: {len(sizes)} sizes given for a tensor of shape {self.shape}; give at least {self.ndim}")
        old, shape = self.shape, (1,) * (len(sizes) - self.ndim) + self.shape

        def backward(g):
            # split every dim into (copy, original) and add up the copies
            pairs = g.reshape([n for pair in zip(sizes, shape) for n in pair])
            return (pairs.sum(axis=tuple(range(0, 2 * len(sizes), 2))).reshape(old),)

        return self._make(np.tile(self.data.reshape(shape), sizes), (self,), backward, "repeat")

    def contiguous(self):
        """Itself if its memory is in row-major order, else a copy in that order (as PyTorch)."""
        return self if self.data.flags.c_contiguous else self.clone()

    def is_contiguous(self):
        return bool(self.data.flags.c_contiguous)

    def split(self, split_size_or_sections, dim=None, *, axis=None):
        """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the listed sizes.

        PyTorch's meaning: ``split(2)`` makes pieces of size 2. (NumPy's ``array_split(x, 2)``
        makes 2 pieces; that is ``chunk(2)``.)
        """
        d = dims.normalize(dims.pick("split", dim, axis, 0), self.ndim, "split")
        n, sizes = self.shape[d], split_size_or_sections
        if isinstance(sizes, (tuple, list)):
            if sum(sizes) != n or min(sizes, default=0) < 0:
                raise ValueError(f"split: sizes {list(sizes)} sum to {sum(sizes)}, but dim {d} has size {n}")
        elif sizes <= 0 and n:
            raise ValueError(f"split: split_size must be a positive integer, found {sizes}")
        else:
            sizes = [min(sizes, n - start) for start in range(0, n, sizes)] if n else [0]
        starts = np.cumsum([0] + list(sizes)).tolist()
        lead = (slice(None),) * d
        return tuple(self[lead + (slice(a, b),)] for a, b in zip(starts[:-1], starts[1:]))

    def chunk(self, chunks, dim=None, *, axis=None):
        """``chunks`` pieces of equal size along ``dim`` (the last may be smaller, and there may be fewer)."""
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive integer, found {chunks}")
        d = dims.normalize(dims.pick("chunk", dim, axis, 0), self.ndim, "chunk")
        return self.split(-(-self.shape[d] // chunks), d)  # ceil division, as PyTorch

    def unbind(self, dim=0):
        """The slices along ``dim``, that dim removed: ``q, k, v = qkv.unbind(0)``."""
        return tuple(piece.squeeze(dim) for piece in self.split(1, dim))


def _tensors(op, tensors):
    tensors = [t if isinstance(t, _tensor.Tensor) else _tensor.Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    return tensors


def cat(tensors, dim=None, *, axis=None):
    """Join tensors along an existing dim (``torch.cat``; ``concatenate`` in NumPy)."""
    tensors = _tensors("cat", tensors)
    ndim = tensors[0].ndim
    d = dims.normalize(dims.pick("cat", dim, axis, 0), ndim, "cat")
    shapes = [t.shape for t in tensors]
    if any(len(s) != ndim or s[:d] + s[d + 1:] != shapes[0][:d] + shapes[0][d + 1:] for s in shapes):
        raise _tensor._shape_error("cat", *shapes)
    bounds = np.cumsum([s[d] for s in shapes])[:-1]
    data = np.concatenate([t.data for t in tensors], axis=d)
    return _tensor.Tensor._make(data, tuple(tensors), lambda g: tuple(np.split(g, bounds, axis=d)), "cat")


concatenate = cat


def stack(tensors, dim=None, *, axis=None):
    """Join tensors of one shape along a new dim."""
    tensors = _tensors("stack", tensors)
    if len({t.shape for t in tensors}) > 1:
        raise _tensor._shape_error("stack", *[t.shape for t in tensors])
    d = dims.normalize(dims.pick("stack", dim, axis, 0), tensors[0].ndim + 1, "stack")
    return cat([t.unsqueeze(d) for t in tensors], d)


def split(tensor, split_size_or_sections, dim=None, *, axis=None):
    """``tensor.split(...)``: pieces of the given size, or of the listed sizes."""
    return tensor.split(split_size_or_sections, dim, axis=axis)


def chunk(tensor, chunks, dim=None, *, axis=None):
    """``tensor.chunk(...)``: ``chunks`` pieces of (nearly) equal size."""
    return tensor.chunk(chunks, dim, axis=axis)
