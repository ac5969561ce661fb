"""The built-in ``vectorized`` backend: every kernel is one NumPy call.

NumPy dispatches to BLAS for ``matmul`` and to tight C loops elsewhere, so no Python
loop ever walks over data. The composites (linear, conv2d by im2col, attention, ...)
are the defaults from ``Backend``, which are already built from these vectorized
primitives. Compare with the ``naive`` plugin, which spells the loops out.

It registers through tinytorch-core's own ``tinytorch`` entry point, exactly as a third
party backend would.

Read next: ``functional.py``, where composites get their autograd.
"""

import numpy as np

from .backend import Backend
from .hookspecs import hookimpl


def _index_add(shape, index, values):
    out = np.zeros(shape, dtype=values.dtype)
    if _has_array(index):
        np.add.at(out, index, values)  # repeated indices must add up, not overwrite
    else:
        out[index] = values  # basic slicing never repeats an element
    return out


def _has_array(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


def _sigmoid(x):
    # exp of a large positive argument would overflow; tanh form is stable everywhere.
    return 0.5 * (np.tanh(0.5 * x) + 1).astype(x.dtype, copy=False)


def _relu(x):
    return np.maximum(x, 0, dtype=x.dtype)


class VectorizedBackend(Backend):
    name = "vectorized"

    neg, exp, log, sqrt = (staticmethod(f) for f in (np.negative, np.exp, np.log, np.sqrt))
    abs, tanh, sign = (staticmethod(f) for f in (np.abs, np.tanh, np.sign))
    sigmoid, relu = staticmethod(_sigmoid), staticmethod(_relu)
    add, sub, mul, div = (staticmethod(f) for f in (np.add, np.subtract, np.multiply, np.divide))
    pow, maximum, minimum = (staticmethod(f) for f in (np.power, np.maximum, np.minimum))
    eq, ne, lt, le = (staticmethod(f) for f in (np.equal, np.not_equal, np.less, np.less_equal))
    gt, ge, where = (staticmethod(f) for f in (np.greater, np.greater_equal, np.where))
    matmul, argmax = staticmethod(np.matmul), staticmethod(np.argmax)
    index_add = staticmethod(_index_add)

    # The ufuncs' reduce directly: np.sum and friends add a Python wrapper per call.
    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return np.add.reduce(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def max(x, axis=None, keepdims=False):
        return np.maximum.reduce(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def min(x, axis=None, keepdims=False):
        return np.minimum.reduce(x, axis=axis, keepdims=keepdims)


@hookimpl
def tinytorch_register_backends(register):
    register("vectorized", VectorizedBackend)
