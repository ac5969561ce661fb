"""Indexing and masks: ``x[i]``, ``x[i] = v``, ``gather``, ``masked_fill``, ``tril``/``triu``, ``where``.

Reading ``x[index]`` picks entries; its backward puts the gradient back where they came
from (``index_add``, which adds, so an entry picked twice gets both gradients).
``gather`` is indexing with one index array per dim, so it shares that backward. Masks
(``masked_fill``, ``tril``, ``where``) choose between two sources entry by entry, and the
gradient follows the choice.

Writing ``x[index] = v`` is an in-place op: ``index_put`` builds the new values out of
place, and ``Tensor._inplace`` writes them into ``x`` (see "In place" in ``tensor.py``).

Read next: ``reduce.py``.
"""

import numpy as np

from . import autograd, dims
from . import backend as _backend
from . import tensor as _tensor


def _index(index):
    """Tensors used as indices become their arrays."""
    if isinstance(index, _tensor.Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, _tensor.Tensor) else i for i in index)
    return index


class IndexOps:
    """The indexing and masking methods of ``Tensor``."""

    __slots__ = ()

    def __getitem__(self, index):
        be, shape, index = _backend.active, self.shape, _index(index)
        try:
            data = be.take(self.data, index)
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor shape {self.shape})") from None
        return self._view(data, lambda g: (be.index_add(shape, index, g),), "getitem")

    def __setitem__(self, index, value):
        index, value = _index(index), self._lift(value)
        if autograd._grad_enabled and (self.requires_grad or value.requires_grad):
            self._inplace(lambda old, v: old.index_put(index, v), value, "setitem")
        else:  # nothing to record (a buffer, or under no_grad): write only the indexed entries
            self.data[index] = value.data
            _tensor._owner(self)._version += 1

    def index_put(self, index, value):
        """A copy of this tensor with ``value`` written at ``index`` (``x[index] = value`` out of place)."""
        index, value = _index(index), self._lift(value)
        data = self.data.copy()
        try:
            data[index] = value.data
        except (IndexError, ValueError) as error:
            raise type(error)(f"setitem: {error} (tensor shape {self.shape}, value shape {value.shape})") from None

        def backward(g):
            kept = g.copy()
            kept[index] = 0  # overwritten entries pass no gradient to the old values
            return kept, g[index]

        return self._make(data, (self, value), backward, "index_put")

    def gather(self, dim, index):
        """``out[i][j] = x[i][index[i][j]]`` for ``dim=1``: pick along ``dim`` at ``index``, as ``torch.gather``."""
        d = dims.normalize(dim, self.ndim, "gather")
        index = index.data if isinstance(index, _tensor.Tensor) else np.asarray(index)
        if index.dtype.kind not in "iu" or index.ndim != self.ndim:
            raise TypeError(f"gather: index must be an integer tensor with {self.ndim} dims, "
                            f"found {index.dtype} with shape {index.shape}")
        if index.size and (index.min() < 0 or index.max() >= self.shape[d]):  # NumPy would wrap -1 around
            raise IndexError(f"gather: index values must lie in [0, {self.shape[d]}), found "
                             f"[{index.min()}, {index.max()}]")
        grid = list(np.ogrid[tuple(slice(n) for n in index.shape)])
        grid[d] = index
        return self[tuple(grid)]

    def masked_fill(self, mask, value):
        """``value`` where the boolean ``mask`` is true, else this tensor (``mask`` broadcasts)."""
        mask = mask.data if isinstance(mask, _tensor.Tensor) else np.asarray(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_fill: the mask must be boolean, found {mask.dtype}; compare first (mask == 0)")
        out = where(mask, value, self)
        if out.shape != self.shape:
            raise _tensor._shape_error("masked_fill (mask must broadcast to the tensor)", self.shape, mask.shape)
        return out

    def masked_fill_(self, mask, value):
        return self._inplace(lambda old, v: old.masked_fill(mask, v), value, "masked_fill_")

    def tril(self, diagonal=0):
        """Zero above the ``diagonal``-th diagonal of the last two dims (lower triangle kept)."""
        return self._triangle(np.tril, diagonal)

    def triu(self, diagonal=0):
        """Zero below the ``diagonal``-th diagonal of the last two dims (upper triangle kept)."""
        return self._triangle(np.triu, diagonal)

    def _triangle(self, part, diagonal):
        if self.ndim < 2:
            raise ValueError(f"tril/triu: expected a tensor with at least 2 dims, found shape {self.shape}")
        keep = part(np.ones(self.shape[-2:], dtype=bool), diagonal)
        return where(keep, self, self._lift(0))


def where(condition, a, b):
    """Pick from ``a`` where ``condition`` holds, else from ``b`` (gradients follow the pick)."""
    cond = condition.data if isinstance(condition, _tensor.Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:  # NumPy would read any nonzero number as true; PyTorch refuses
        raise TypeError(f"where: the condition must be boolean, found {cond.dtype}; compare first (x > 0)")
    if not isinstance(a, _tensor.Tensor):
        a = b._lift(a) if isinstance(b, _tensor.Tensor) else _tensor.Tensor(a)
    b = a._lift(b)
    be = _backend.active
    try:
        data = be.where(cond, a.data, b.data)
    except ValueError as error:
        raise _tensor._shape_error("where", cond.shape, a.shape, b.shape) from error
    zero = np.zeros((), dtype=data.dtype)
    return _tensor.Tensor._make(data, (a, b), lambda g: (be.where(cond, g, zero), be.where(cond, zero, g)), "where")
