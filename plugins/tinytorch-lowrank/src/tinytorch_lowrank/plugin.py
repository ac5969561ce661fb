"""Registers the ``lowrank`` pass with TinyTorch through the ``tinytorch`` entry point.

pyproject.toml lists this module under ``[project.entry-points.tinytorch]``; TinyTorch
imports it and calls the hook the first time any pass is looked up. This is everything a
pass plugin needs besides the pass itself.

Read next: ``lowrank.py``.
"""

from tinytorch.core import hookimpl

from .lowrank import LowRank


@hookimpl
def tinytorch_register_passes(register):
    register("lowrank", LowRank)
