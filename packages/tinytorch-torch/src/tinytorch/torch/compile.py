"""``torch.compile``: TinyTorch's compiled execution (``tinytorch.core.compile``) in PyTorch's clothes.

PyTorch's compiled module trains as well as it infers. TinyTorch's compiler replays the
kernels of an inference forward only, so the wrapper here runs the model eagerly
whenever a graph is needed (training mode, or gradients enabled with an input that
requires them) and through the recording otherwise. Like PyTorch's ``OptimizedModule``
it holds the original as ``_orig_mod`` (state dict keys gain that prefix, as there).
PyTorch's tuning options (``mode=``, ``fullgraph=``, ``dynamic=``, ``backend=``) are
accepted and have no effect.

Read next: ``tinytorch.core.compile``, where the recording and replay are explained.
"""

from tinytorch.core import Tensor, is_grad_enabled
from tinytorch.core import compile as _core_compile
from tinytorch.nn import Module


class OptimizedModule(Module):
    def __init__(self, module):
        super().__init__()
        self._orig_mod = module
        self._compiled = _core_compile(module)

    def forward(self, *args, **kwargs):
        needs_graph = is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in args)
        if kwargs or self._orig_mod.training or needs_graph:
            return self._orig_mod(*args, **kwargs)
        return self._compiled(*args)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_modules"]["_orig_mod"], name)


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None, options=None, disable=False):
    """``compile(model)`` or ``@compile`` on a function; returns something called the same way."""
    if model is None:  # used as @torch.compile(...)
        return lambda fn: compile(fn, disable=disable)
    if disable:
        return model
    return OptimizedModule(model) if isinstance(model, Module) else _core_compile(model)
