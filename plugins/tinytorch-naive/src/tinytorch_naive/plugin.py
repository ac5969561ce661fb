"""Registers the ``naive`` backend with TinyTorch through the ``tinytorch`` entry point.

This module is all a backend plugin needs besides its kernels: pyproject.toml names it
under ``[project.entry-points.tinytorch]`` and TinyTorch's plugin manager calls the hook
the first time any backend is looked up.

Read next: ``backend.py`` (the kernels).
"""

from tinytorch.core import hookimpl

from .backend import NaiveBackend


@hookimpl
def tinytorch_register_backends(register):
    register("naive", NaiveBackend)
