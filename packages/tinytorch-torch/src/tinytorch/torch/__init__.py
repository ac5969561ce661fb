"""tinytorch.torch: TinyTorch under PyTorch's names, so a PyTorch script runs by changing its imports.

    import tinytorch.torch as torch
    import tinytorch.torch.nn as nn
    from tinytorch.torch.nn import functional as F
    import tinytorch.torch.optim as optim
    from tinytorch.torch.utils.data import Dataset, DataLoader

This package re-exports and adapts; it implements no maths of its own. Tensors and
autograd are ``tinytorch.core``'s, layers and losses ``tinytorch.nn``'s, optimizers
``tinytorch.optim``'s, where the curriculum teaches them. What lives here is the shape of
PyTorch's namespace: creation functions with PyTorch's dtype rules (``tensor([1, 2])`` is
int64, ``tensor([1.0])`` float32), ``torch.exp(x)``-style forwarders to Tensor methods,
dtype names, one random generator behind ``manual_seed``, ``save``/``load`` as ``.npz``,
and the device API of a machine with only a CPU.

Read next: ``nn/__init__.py``, then ``serialization.py`` and ``utils/data.py``.
"""

import builtins

import numpy as np

import tinytorch.nn as _nn
from tinytorch.core import (  # noqa: F401  (re-exported)
    Tensor,
    cat,
    chunk,
    device,
    enable_grad,
    is_grad_enabled,
    no_grad,
    split,
    stack,
    where,
)
from tinytorch.core.device import as_dtype as _as_dtype

from . import accelerator, backends, cuda, nn, optim, utils  # noqa: F401
from .compile import compile  # noqa: F401
from .serialization import load, save  # noqa: F401

__all__ = [
    "Tensor", "accelerator", "arange", "argmax", "as_tensor", "backends", "bool", "cat", "chunk", "compile", "cuda",
    "device", "double", "empty", "empty_like", "enable_grad", "eye", "flatten", "float", "float16",
    "float32", "float64", "from_numpy", "full", "full_like", "half", "int", "int8", "int16", "int32",
    "int64", "is_grad_enabled", "is_tensor", "linspace", "load", "long", "manual_seed", "multinomial",
    "nn", "no_grad", "numel", "ones", "ones_like", "optim", "rand", "rand_like", "randint", "randn",
    "randn_like", "randperm", "save", "softmax", "split", "stack", "tensor", "topk", "tril", "triu",
    "uint8", "utils", "where", "zeros", "zeros_like",
]

# ---------------------------------------------------------------------- dtypes: NumPy's, under torch's names
float32 = float = np.float32
float64 = double = np.float64
float16 = half = np.float16
int64 = long = np.int64
int32 = int = np.int32
int16, int8, uint8 = np.int16, np.int8, np.uint8
bool = np.bool_  # noqa: A001  (torch.bool shadows the builtin there too)
_DEFAULT_FLOAT = np.float32


def _dtype(dtype, default=_DEFAULT_FLOAT):
    return np.dtype(default) if dtype is None else _as_dtype(dtype)


_the_device = device  # the functions below take a ``device=`` argument, as PyTorch's do


def _check(device):
    if device is not None:
        _the_device(device)  # raises for anything but the CPU


def _size(size):
    """``zeros(2, 3)`` and ``zeros((2, 3))`` both mean shape (2, 3)."""
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


def _new(array, requires_grad):
    return Tensor(array, requires_grad=requires_grad)


# ---------------------------------------------------------------------- from data
def tensor(data, dtype=None, device=None, requires_grad=False):
    """A copy of ``data``. Python ints become int64, floats float32, bools bool (PyTorch's
    rules); NumPy arrays and Tensors keep their dtype."""
    _check(device)
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
    else:
        array = np.array(data)
        if array.dtype == np.float64:
            array = array.astype(_DEFAULT_FLOAT)
    return _new(array if dtype is None else array.astype(_as_dtype(dtype)), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor``, but a NumPy array (or Tensor) of the right dtype is shared, not copied."""
    if isinstance(data, Tensor) and (dtype is None or _as_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or _as_dtype(dtype) == data.dtype):
        _check(device)
        return Tensor(data)
    return tensor(data, dtype, device)


def from_numpy(array):
    """A Tensor sharing ``array``'s memory and dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, found {type(array).__name__}")
    return Tensor(array)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(x):
    return x.numel()


# ---------------------------------------------------------------------- filled
def zeros(*size, dtype=None, device=None, requires_grad=False):
    _check(device)
    return _new(np.zeros(_size(size), _dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    _check(device)
    return _new(np.ones(_size(size), _dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    _check(device)
    return _new(np.empty(_size(size), _dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    _check(device)
    default = np.int64 if isinstance(fill_value, (builtins.int, np.integer)) else _DEFAULT_FLOAT
    default = np.bool_ if isinstance(fill_value, (builtins.bool, np.bool_)) else default
    return _new(np.full(_size((size,)), fill_value, _dtype(dtype, default)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    _check(device)
    return _new(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """int64 when ``start``, ``end`` and ``step`` are all integers, else float32 (PyTorch's rule)."""
    _check(device)
    start, end = (0, start) if end is None else (start, end)
    integral = builtins.all(isinstance(v, (builtins.int, np.integer)) for v in (start, end, step))
    return _new(np.arange(start, end, step).astype(_dtype(dtype, np.int64 if integral else _DEFAULT_FLOAT)),
                requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    _check(device)
    return _new(np.linspace(start, end, steps).astype(_dtype(dtype)), requires_grad)


def _like(maker):
    def like(input, dtype=None, device=None, requires_grad=False):
        return maker(*input.shape, dtype=input.dtype if dtype is None else dtype, device=device,
                     requires_grad=requires_grad)

    like.__name__ = maker.__name__ + "_like"
    like.__doc__ = f"``{maker.__name__}`` with ``input``'s shape and dtype."
    return like


# ---------------------------------------------------------------------- random: one generator
def manual_seed(seed):
    """Seed the one generator behind initialisation, dropout and every ``rand*`` here."""
    _nn.manual_seed(seed)


def _rng():
    return _nn.init.generator()


def randn(*size, dtype=None, device=None, requires_grad=False):
    _check(device)
    return _new(_rng().standard_normal(_size(size)).astype(_dtype(dtype)), requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False):
    _check(device)
    return _new(_rng().random(_size(size)).astype(_dtype(dtype)), requires_grad)


def randint(low, high=None, size=None, dtype=None, device=None, requires_grad=False):
    """``randint(high, size)`` or ``randint(low, high, size)``: int64 in [low, high)."""
    _check(device)
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    return _new(_rng().integers(low, high, _size((size,))).astype(_dtype(dtype, np.int64)), requires_grad)


def randperm(n, dtype=None, device=None):
    _check(device)
    return Tensor(_rng().permutation(n).astype(_dtype(dtype, np.int64)))


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)
randn_like, rand_like = _like(randn), _like(rand)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    return full(input.shape, fill_value, dtype=input.dtype if dtype is None else dtype, device=device,
                requires_grad=requires_grad)


def multinomial(input, num_samples, replacement=False):
    """Draw ``num_samples`` class ids per row of (unnormalised) probabilities ``input``."""
    probs = np.asarray(input.data, dtype=np.float64)
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError(f"multinomial: cannot draw {num_samples} samples from {rows.shape[-1]} "
                           "classes without replacement; pass replacement=True")
    drawn = [_rng().choice(len(row), num_samples, replace=replacement, p=row / row.sum()) for row in rows]
    return Tensor(np.array(drawn, dtype=np.int64).reshape(probs.shape[:-1] + (num_samples,)))


# ---------------------------------------------------------------------- torch.f(x, ...) = x.f(...)
def _forward_to_method(name):
    def function(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    function.__name__ = name
    function.__doc__ = f"``torch.{name}(x, ...)`` is ``x.{name}(...)``."
    return function


_METHODS = ("flatten", "tril", "triu", "topk", "argmax", "argmin", "softmax", "log_softmax", "sum", "mean",
            "max", "min", "amax", "amin", "var", "std", "exp", "log", "sqrt", "abs", "tanh", "sigmoid",
            "relu", "clip", "reshape", "transpose", "permute", "squeeze", "unsqueeze", "gather",
            "masked_fill", "any", "all", "eq", "ne", "lt", "le", "gt", "ge")
globals().update({name: _forward_to_method(name) for name in _METHODS})
clamp = _forward_to_method("clip")
matmul = _forward_to_method("__matmul__")
inference_mode = no_grad
__all__ += [name for name in _METHODS if name not in __all__] + ["clamp", "inference_mode"]
