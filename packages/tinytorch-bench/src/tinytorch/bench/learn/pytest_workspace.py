"""A pytest plugin that proves a workspace's tests ran the workspace's code.

``tt module test NN --dir WORKSPACE`` loads it (``-p tinytorch.bench.learn.pytest_workspace``)
with ``TINYTORCH_WORKSPACE`` set. Before any test is collected it finds where each
TinyTorch package imports from, prints it, and stops the run if one resolves outside the
workspace: a test of the installed reference would pass on an empty skeleton.

Read next: ``workspace.py``, which sets up the environment this checks.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

PACKAGES = ("tinytorch.core", "tinytorch.nn", "tinytorch.text", "tinytorch.optim", "tinytorch.bench",
            "tinytorch_naive", "tinytorch_fused", "tinytorch_lowrank")


def origins():
    """``{package: where it comes from}``: the imported module's file, or where an import would find it."""
    found = {}
    for name in PACKAGES:
        module = sys.modules.get(name)
        spec = module.__spec__ if module is not None else importlib.util.find_spec(name)
        if spec is not None:
            # a package without __init__.py has no origin, only its directory
            found[name] = Path(spec.origin or next(iter(spec.submodule_search_locations))).resolve()
    return found


def pytest_sessionstart(session):
    workspace = Path(os.environ["TINYTORCH_WORKSPACE"]).resolve()
    found = origins()
    outside = {name: path for name, path in found.items() if not path.is_relative_to(workspace)}
    if outside:
        raise pytest.UsageError(
            "these packages import from outside the workspace " + str(workspace) + ": "
            + ", ".join(f"{name} from {path}" for name, path in outside.items())
        )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for name, path in found.items():
        reporter.write_line(f"workspace code: {name} from {path}")
