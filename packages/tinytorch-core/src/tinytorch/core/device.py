"""Devices and dtypes as PyTorch code names them: TinyTorch computes on the CPU only.

Every tensor lives in NumPy arrays in main memory, so ``x.device`` is always
``device("cpu")`` and ``x.to("cpu")`` changes nothing. Asking for another device
(``"cuda"``, ``"mps"``) is an error that says so, rather than a silent no-op that would
let a script believe it runs on a GPU.

Read next: ``tensor.py`` (``Tensor.to``, ``Tensor.type``).
"""

import numpy as np


class device:
    """A device name, compared equal to its string: ``x.device == "cpu"``."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, number = str(type).partition(":")
        self.type, self.index = name, int(number) if number else index
        if self.type != "cpu":
            raise RuntimeError(
                f"device {str(type)!r} is not available: TinyTorch runs on the CPU only "
                "(NumPy arrays); use 'cpu', or drop the .to(device) call"
            )

    def __eq__(self, other):
        return str(self) == str(other) if isinstance(other, (str, device)) else NotImplemented

    __hash__ = lambda self: hash(str(self))
    __str__ = lambda self: self.type if self.index is None else f"{self.type}:{self.index}"
    __repr__ = lambda self: f"device(type={self.type!r})" if self.index is None else \
        f"device(type={self.type!r}, index={self.index})"


CPU = device("cpu")

# The names ``Tensor.type()`` returns and accepts, as ``torch.Tensor.type()`` does.
TYPE_NAMES = {
    np.dtype(np.float32): "torch.FloatTensor", np.dtype(np.float64): "torch.DoubleTensor",
    np.dtype(np.float16): "torch.HalfTensor", np.dtype(np.int64): "torch.LongTensor",
    np.dtype(np.int32): "torch.IntTensor", np.dtype(np.int16): "torch.ShortTensor",
    np.dtype(np.int8): "torch.CharTensor", np.dtype(np.uint8): "torch.ByteTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
}


def as_dtype(dtype):
    """A NumPy dtype from a dtype, a NumPy type, a name (``"float32"``) or a ``torch.*Tensor`` name."""
    for known, name in TYPE_NAMES.items():
        if dtype == name:
            return known
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"not a dtype: {dtype!r} (expected e.g. numpy.float32 or 'float64')") from None


def is_dtype(value):
    """Whether ``Tensor.to(value)`` means a dtype (else it must be a device)."""
    if isinstance(value, device) or (isinstance(value, str) and value.partition(":")[0] in ("cpu", "cuda", "mps", "meta")):
        return False
    try:
        as_dtype(value)
    except TypeError:
        return False
    return True


def dtype_for_to(args, dtype=None, where=None):
    """The dtype ``to(*args, dtype=, device=)`` asks for (``None``: keep it), as PyTorch reads
    the call: each positional argument is a dtype or a device. The device is checked here, so
    ``Tensor.to`` and ``Module.to`` refuse a GPU with the same message."""
    for arg in args:
        if is_dtype(arg):
            dtype = arg
        else:
            where = arg
    if where is not None:
        device(where)  # raises for anything but the CPU
    return dtype
