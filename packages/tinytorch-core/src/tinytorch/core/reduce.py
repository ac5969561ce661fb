"""Reductions and selections: ``sum``, ``mean``, ``var``, ``max``, ``argmax``, ``topk``, ...

A reduction's backward spreads the output's gradient back over the values that were
reduced: ``sum`` copies it to each (``broadcast_to``), ``mean`` also divides by the count,
``amax`` gives it to the largest value (ties share it). Each takes ``dim``/``keepdim``
(PyTorch) or ``axis``/``keepdims`` (NumPy); see ``dims.py``.

Two names mean different things in the two libraries, and TinyTorch follows the spelling
of the call:

- ``max``/``min``: ``x.max()`` and ``x.max(axis=1)`` are NumPy's (the largest values;
  tied maxima share the gradient). ``x.max(1)`` or ``x.max(dim=1)`` is PyTorch's: a
  named tuple ``(values, indices)``, whose gradient goes to the chosen index only.
  ``amax``/``amin`` are NumPy's meaning under any spelling.
- ``var``/``std``: PyTorch divides by ``n - 1`` (``correction=1``), NumPy by ``n``
  (``ddof=0``). A call spelt with NumPy's keywords (``axis=``, ``keepdims=``, ``ddof=``)
  gets NumPy's default; any other call gets PyTorch's.

Read next: ``indexing.py`` (``gather``, which ``max(dim=)`` and ``topk`` use).
"""

import math
from collections import namedtuple

import numpy as np

from . import backend as _backend
from . import dims
from . import tensor as _tensor

# What ``max(dim=)``, ``min(dim=)`` and ``topk`` return, like ``torch.return_types.max``.
ValuesIndices = namedtuple("ValuesIndices", "values indices")


class ReduceOps:
    """The reduction methods of ``Tensor``."""

    __slots__ = ()

    def _reduced(self, op, dim, axis, keepdim, keepdims):
        """The dims to reduce (a tuple) and whether to keep them."""
        return (dims.normalize_all(dims.pick(op, dim, axis), self.ndim, op),
                dims.pick_keep(op, keepdim, keepdims))

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        be, shape = _backend.active, self.shape
        axes, keep = self._reduced("sum", dim, axis, keepdim, keepdims)

        def backward(g):
            return (np.broadcast_to(g if keep else np.expand_dims(g, axes), shape),)

        return self._make(be.sum(self.data, axis=axes, keepdims=keep), (self,), backward, "sum")

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        axes, keep = self._reduced("mean", dim, axis, keepdim, keepdims)
        count = math.prod(self.shape[a] for a in axes)
        return self.sum(axes, keep) * (1.0 / count if count else np.nan)

    def var(self, dim=None, keepdim=False, *, correction=None, unbiased=None,
            axis=None, keepdims=None, ddof=None):
        """Variance: divides by ``n - correction`` (see the module docstring for the default)."""
        axes, keep = self._reduced("var", dim, axis, keepdim, keepdims)
        given = [c for c in (correction, ddof, None if unbiased is None else int(unbiased)) if c is not None]
        if len(given) > 1:
            raise TypeError("var: pass one of correction=, unbiased= and ddof=")
        numpy_spelling = axis is not None or keepdims is not None
        correction = given[0] if given else (0 if numpy_spelling else 1)
        count = math.prod(self.shape[a] for a in axes)
        centered = self - self.mean(axes, keepdim=True)
        scale = 1.0 / (count - correction) if count > correction else np.nan
        return (centered * centered).sum(axes, keep) * scale

    def std(self, dim=None, keepdim=False, *, correction=None, unbiased=None,
            axis=None, keepdims=None, ddof=None):
        return self.var(dim, keepdim, correction=correction, unbiased=unbiased,
                        axis=axis, keepdims=keepdims, ddof=ddof).sqrt()

    def _extreme(self, name, dim, axis, keepdim, keepdims):
        be, x = _backend.active, self.data
        axes, keep = self._reduced(name, dim, axis, keepdim, keepdims)
        out = getattr(be, name)(x, axis=axes, keepdims=True)

        def backward(g):
            # Ties share the gradient equally, so it still sums to g.
            hits = be.eq(x, out)
            share = be.div(hits, be.sum(hits, axis=axes, keepdims=True))
            return (be.mul(share, g if keep else np.expand_dims(g, axes)),)

        data = out if keep else np.squeeze(out, axis=axes)
        return self._make(data, (self,), backward, name, (self,), saves_output=True)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest values over ``dim`` (all dims by default); tied maxima share the gradient."""
        return self._extreme("max", dim, axis, keepdim, keepdims)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return self._extreme("min", dim, axis, keepdim, keepdims)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``max()``/``max(axis=)``: NumPy's, the values. ``max(dim)``: PyTorch's ``(values, indices)``."""
        if dim is None:
            return self.amax(axis=axis, keepdim=keepdim, keepdims=keepdims)
        return self._along("max", dim, axis, keepdim, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``min()``/``min(axis=)``: NumPy's, the values. ``min(dim)``: PyTorch's ``(values, indices)``."""
        if dim is None:
            return self.amin(axis=axis, keepdim=keepdim, keepdims=keepdims)
        return self._along("min", dim, axis, keepdim, keepdims)

    def _along(self, name, dim, axis, keepdim, keepdims):
        if isinstance(dim, _tensor.Tensor):
            raise TypeError(f"{name}(other): for the elementwise {name}imum use tinytorch.where(a > b, a, b)")
        if axis is not None or keepdims is not None:
            raise TypeError(f"{name}: pass dim= and keepdim= (PyTorch's) or axis= and keepdims= (NumPy's), not both")
        d = dims.normalize(dim, self.ndim, name)
        index = getattr(self, "arg" + name)(d, keepdim=True)
        values = self.gather(d, index)  # the gradient goes to the chosen index only, as PyTorch
        return ValuesIndices(values, index) if keepdim else ValuesIndices(values.squeeze(d), index.squeeze(d))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the largest value along ``dim`` (the first on ties), or into the flattened tensor."""
        d = self._arg_dim("argmax", dim, axis)
        return self._arg(_backend.active.argmax(self.data, axis=d), d, keepdim, keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        d = self._arg_dim("argmin", dim, axis)
        # only argmax is a backend kernel, and argmax(-x) is wrong for unsigned integers
        return self._arg(np.argmin(self.data, axis=d), d, keepdim, keepdims)

    def _arg_dim(self, op, dim, axis):
        d = dims.pick(op, dim, axis)
        return None if d is None else dims.normalize(d, self.ndim, op)

    def _arg(self, index, d, keepdim, keepdims):
        if dims.pick_keep("argmax", keepdim, keepdims):
            index = np.expand_dims(index, d) if d is not None else np.reshape(index, (1,) * self.ndim)
        return _tensor.Tensor(np.asarray(index, dtype=np.int64))

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The ``k`` largest (or smallest) values along ``dim`` and their indices, largest first.

        ``sorted=False`` allows any order; the sorted order is one of them.
        """
        if self.ndim == 0:
            raise ValueError("topk: expected a tensor with at least one dim, found a 0-d tensor")
        d = dims.normalize(dim, self.ndim, "topk")
        if not 0 <= k <= self.shape[d]:
            raise ValueError(f"topk: k={k} is out of range for dim {dim} of size {self.shape[d]}")
        # sort -x, stably (tied values stay in index order); unsigned and bool values widen first
        key = self.data.astype(np.int64) if self.dtype.kind in "ub" else self.data
        order = np.argsort(-key if largest else key, axis=d, kind="stable")
        index = _tensor.Tensor(np.take(order, np.arange(k), axis=d).astype(np.int64))
        return ValuesIndices(self.gather(d, index), index)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        axes, keep = self._reduced("any", dim, axis, keepdim, keepdims)
        return _tensor.Tensor(np.any(self.data, axis=axes, keepdims=keep))

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        axes, keep = self._reduced("all", dim, axis, keepdim, keepdims)
        return _tensor.Tensor(np.all(self.data, axis=axes, keepdims=keep))
