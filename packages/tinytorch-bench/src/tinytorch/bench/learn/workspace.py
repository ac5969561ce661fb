"""A learner's workspace: a copy of the packages in which they write the modules' regions.

``tt module start 05`` copies every package's ``src/`` tree from the checkout into the
workspace (once), then replaces module 05's regions (see ``regions.py``) with their
skeletons. Everything else keeps running: modules the learner finished keep their code,
modules not started are still the reference, so every milestone works midway.

Tests and milestones run in a child process whose ``PYTHONPATH`` puts the workspace's
``src`` directories ahead of the editable installs. ``tinytorch`` is a namespace package
split over several distributions, and its ``__path__`` follows ``sys.path`` order, so the
workspace wins for every subpackage; ``pytest_workspace.py`` checks that it did, and
prints where each package was imported from.

    tt module start autograd --dir ws    # 05's regions become NotImplementedError
    tt module test 05 --dir ws           # its tests, against ws's code
    tt module status --dir ws            # not started / started / passing
    tt module reset 05 --dir ws          # back to the skeleton
    tt module solve 05 --dir ws          # back to the reference

Read next: ``docs/learners.md``, the learner's and the instructor's path.
"""

import json
import os
import shutil
from pathlib import Path

from tinytorch.core import files

from . import regions

DEFAULT = "tinytorch-workspace"
STATE = "tinytorch-workspace.json"  # {"started": [5, 3]}: which modules the learner began


class WorkspaceError(ValueError):
    """A workspace that cannot be created or rewritten; the message says what to do."""


def source_roots(root):
    """``src`` directories of every package and plugin in the checkout, relative to ``root``."""
    return sorted(p.relative_to(root) for p in (*root.glob("packages/*/src"), *root.glob("plugins/*/src")))


def region_files(root):
    """``{relative path: [Region]}`` of every reference source file holding a region."""
    found = {}
    for src in source_roots(root):
        for path in sorted((root / src).rglob("*.py")):
            relative = str(path.relative_to(root))
            marked = regions.parse(path.read_text(), relative)
            if marked:
                found[relative] = marked
    return found


def environment(workspace, root):
    """Environment for a child process that imports ``workspace``'s code before the installs."""
    workspace = Path(workspace).resolve()
    if not (workspace / STATE).is_file():
        raise WorkspaceError(f"{workspace} is not a TinyTorch workspace (no {STATE}); "
                             "create one with: tt module start 01 --dir " + str(workspace))
    paths = [str(workspace / src) for src in source_roots(root)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [env.get("PYTHONPATH")] if p])
    env["TINYTORCH_WORKSPACE"] = str(workspace)
    env["PYTEST_PLUGINS"] = "tinytorch.bench.learn.pytest_workspace"  # checks and prints where code came from
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a file rewritten within the same second must not run stale bytecode
    return env


def started(workspace):
    path = Path(workspace) / STATE
    return json.loads(path.read_text())["started"] if path.is_file() else []


def _mark_started(workspace, number):
    numbers = sorted({*started(workspace), number})
    files.write_text(Path(workspace) / STATE, json.dumps({"started": numbers}) + "\n")


def create(workspace, root):
    """Copy every package's ``src`` tree into ``workspace`` unless it is already one."""
    workspace = Path(workspace)
    if (workspace / STATE).is_file():
        return
    if workspace.exists() and any(workspace.iterdir()):
        raise WorkspaceError(f"{workspace} exists and is not a TinyTorch workspace; choose another --dir")
    for src in source_roots(root):
        shutil.copytree(root / src, workspace / src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (workspace / STATE).write_text(json.dumps({"started": []}) + "\n")


def _rewrite(module, workspace, root, bodies):
    """Rewrite ``module``'s regions in each workspace file; returns the regions, as in the reference."""
    touched = []
    for relative, marked in region_files(root).items():
        mine = [r for r in marked if r.number == module.number]
        if not mine:
            continue
        target = Path(workspace) / relative
        text = target.read_text()
        by_hint = {r.hint: r for r in mine}  # a region is known by its hint, wherever the file has moved it
        found = sorted(r.hint for r in regions.parse(text, str(target)) if r.number == module.number)
        if found != sorted(by_hint):
            raise WorkspaceError(f"{target}: module {module.label}'s region markers no longer match the reference's "
                                 f"({len(mine)} regions); restore the '# region'/'# endregion' lines")
        new = regions.replace(text, module.number, lambda region, body: bodies(by_hint[region.hint], region, body), str(target))
        files.write_text(target, new)  # atomic: an interrupted rewrite leaves the learner's file as it was
        touched += mine
    if not touched:
        raise WorkspaceError(f"module {module.label} has no regions to write")
    return touched


def start(module, workspace, root):
    """Create the workspace if needed and give ``module`` its skeleton; returns its regions."""
    create(workspace, root)
    if module.number in started(workspace):
        raise WorkspaceError(f"module {module.label} is already started in {workspace}; "
                             f"to begin it again: tt module reset {module.number:02d} --dir {workspace}")
    return reset(module, workspace, root)


def reset(module, workspace, root):
    """Replace ``module``'s regions in ``workspace`` with their skeletons again."""
    environment(workspace, root)  # refuses a directory that is not a workspace
    touched = _rewrite(module, workspace, root, lambda reference, region, body: [region.skeleton()])
    _mark_started(workspace, module.number)
    return touched


def solve(module, workspace, root):
    """Replace ``module``'s regions in ``workspace`` with the reference code."""
    environment(workspace, root)
    lines = {}

    def reference_body(reference, region, body):
        if reference.path not in lines:
            lines[reference.path] = (root / reference.path).read_text().splitlines()
        return lines[reference.path][reference.start + 1:reference.end]

    touched = _rewrite(module, workspace, root, reference_body)
    _mark_started(workspace, module.number)
    return touched
