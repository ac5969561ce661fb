"""tinytorch_naive: the ``naive`` TinyTorch backend, every loop written out.

Select it with ``tinytorch.core.use_backend("naive")``. Read ``backend.py`` for the
kernels and ``plugin.py`` for how a backend plugs into TinyTorch.
"""

from .backend import NaiveBackend

__all__ = ["NaiveBackend"]
