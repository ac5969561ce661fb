"""tinytorch_fused: the ``fused`` TinyTorch backend, composites with fewer temporaries.

Select it with ``tinytorch.core.use_backend("fused")``. Read ``backend.py`` for the
kernels, ``scratch.py`` for buffer reuse and ``plugin.py`` for how it plugs in.
"""

from .backend import FusedBackend

__all__ = ["FusedBackend"]
