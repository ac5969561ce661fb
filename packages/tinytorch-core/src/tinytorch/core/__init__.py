"""tinytorch.core: Tensor, autograd, the backend contract and the plugin manager.

Start with ``tensor.py``; then ``autograd.py``, ``backend.py``, ``vectorized.py``,
``functional.py``, ``compile.py`` (compiled execution) and ``plugins.py``. ``data/`` holds datasets and the DataLoader;
``testing.py`` the conformance suite every backend runs.
"""

from .autograd import enable_grad, is_grad_enabled, no_grad
from .backend import Backend, MissingKernelError, get_backend, use_backend
from .compile import CompileError, compile  # the function shadows the module's name, as torch.compile does
from .device import device
from .hookspecs import hookimpl, hookspec
from .plugins import PluginConflictError, UnknownNameError
from .reduce import ValuesIndices
from .tensor import Tensor, cat, chunk, split, stack, tensor, where

__all__ = [
    "Backend", "CompileError", "MissingKernelError", "PluginConflictError", "Tensor", "UnknownNameError",
    "ValuesIndices", "cat", "chunk", "compile", "device", "enable_grad", "get_backend", "hookimpl", "hookspec",
    "is_grad_enabled", "no_grad", "split", "stack", "tensor", "use_backend", "where",
]
