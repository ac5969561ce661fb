"""Registers the ``fused`` backend with TinyTorch through the ``tinytorch`` entry point.

pyproject.toml names this module under ``[project.entry-points.tinytorch]``; TinyTorch's
plugin manager calls the hook the first time any backend is looked up.

Read next: ``backend.py`` (the kernels).
"""

from tinytorch.core import hookimpl

from .backend import FusedBackend


@hookimpl
def tinytorch_register_backends(register):
    register("fused", FusedBackend)
