"""Exercise mode, proven for all 19 modules.

For each module: a freshly started skeleton fails the module's tests, the solved
workspace passes them, and every mutant in ``mutants.py`` (a plausible wrong
implementation of one of its regions) is caught. Every check runs the module's listed
test files in a child pytest whose imports come from a workspace (``-x -q``: the first
failure is enough), all checks at once on every core. The region markers themselves are
checked here too: malformed markers, a module without regions or without mutants fail.

Read next: ``mutants.py``, then ``docs/learners.md``.
"""

import functools
import os
import runpy
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from tinytorch.bench.learn import curriculum, regions
from tinytorch.bench.learn import workspace as ws
from tinytorch.bench.run.cli import main as tt
from tinytorch.core import files

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = runpy.run_path(str(Path(__file__).with_name("mutants.py")))["MUTANTS"]
MODULES = curriculum.MODULES
CASES = [(label, i) for label, listed in MUTANTS.items() for i in range(len(listed))]


def repo_path(short):
    """``core/autograd.py`` -> ``packages/tinytorch-core/src/tinytorch/core/autograd.py``."""
    return curriculum.code(*short.split("/", 1))[0]


def run_module_tests(module, workspace):
    done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", *module.tests], cwd=ROOT,
                          env=ws.environment(workspace, ROOT), capture_output=True, text=True, timeout=900)
    return done.returncode, done.stdout + done.stderr


def mutate(workspace, label, i):
    short, original, mutated, _ = MUTANTS[label][i]
    path = workspace / repo_path(short)
    files.write_text(path, path.read_text().replace(original, mutated, 1))  # a new file: the hard link is left alone


@pytest.fixture(scope="module")
def proof(tmp_path_factory):
    """``{check: (pytest exit code, output)}`` for every module's skeleton, solution and mutants."""
    tmp = tmp_path_factory.mktemp("exercises")
    solved = tmp / "solved"
    for module in MODULES:  # start every module, then solve every one: the reference again
        ws.start(module, solved, ROOT)
    for module in MODULES:
        ws.solve(module, solved, ROOT)
    jobs = {("solved", m.label): (m, solved) for m in MODULES}
    # Copies share the solved files by hard links; workspace and mutate() replace a file
    # they change (atomic writes) instead of writing into the shared one.
    copy = functools.partial(shutil.copytree, solved, copy_function=os.link)
    for m in MODULES:
        copy(tmp / f"skeleton-{m.number}")
        ws.reset(m, tmp / f"skeleton-{m.number}", ROOT)
        jobs["skeleton", m.label] = (m, tmp / f"skeleton-{m.number}")
    for label, i in CASES:
        mutant = copy(tmp / f"mutant-{label.split()[0]}-{i}")
        mutate(mutant, label, i)
        jobs[label, i] = (curriculum.find_module(label.split()[0]), mutant)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {key: pool.submit(run_module_tests, *job) for key, job in jobs.items()}
        return {key: future.result() for key, future in futures.items()} | {"solved dir": solved}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.label)
def test_a_fresh_skeleton_fails_and_the_solution_passes(proof, module):
    code, output = proof["skeleton", module.label]
    assert code != 0 and f"NotImplementedError: Module {module.label}:" in output, output[-3000:]
    code, output = proof["solved", module.label]
    assert code == 0, output[-3000:]
    assert f"workspace code: tinytorch.core from {proof['solved dir'].resolve()}" in output


@pytest.mark.parametrize("label, i", CASES, ids=[f"{label}-{MUTANTS[label][i][3]}" for label, i in CASES])
def test_each_mutant_is_caught_by_its_module_s_tests(proof, label, i):
    code, output = proof[label, i]
    assert "workspace code: tinytorch.core from" in output, output[-3000:]  # the run tested a workspace
    assert code == 1, f"mutant not caught ({MUTANTS[label][i][3]}): pytest exit code {code}\n{output[-3000:]}"


def test_solving_every_module_gives_back_the_reference(proof):
    solved = proof["solved dir"]
    for relative in ws.region_files(ROOT):
        assert (solved / relative).read_text() == (ROOT / relative).read_text(), relative


# -- the markers and the mutant lists stay in sync with the code -------------------------------


def test_every_module_has_regions_in_its_own_files_and_mutants():
    found = ws.region_files(ROOT)  # parsing raises on any malformed marker
    for relative, marked in found.items():
        regions.check((ROOT / relative).read_text(), relative)
        for region in marked:
            module = curriculum.find_module(region.number)
            assert region.name == module.name, f"{relative}:{region.start + 1}: region {region.label} is not {module.label}"
            assert relative in module.files, f"{relative} has a region of {module.label} but is not among its files"
    labels = [r.label for marked in found.values() for r in marked]
    for module in MODULES:
        assert module.label in labels, f"module {module.label} has no region"
        assert MUTANTS.get(module.label), f"module {module.label} has no mutant in tests/exercises/mutants.py"
        hints = [r.hint for marked in found.values() for r in marked if r.number == module.number]
        assert len(hints) == len(set(hints)), f"module {module.label}: two regions share a hint"


def targeted_region(label, i):
    """The region of ``label`` that mutant ``i`` changes, or None."""
    short, original, _, _ = MUTANTS[label][i]
    text = (ROOT / repo_path(short)).read_text()
    if text.count(original) != 1:
        return None
    line = text[:text.index(original)].count("\n")
    inside = [r for r in regions.parse(text, repo_path(short))
              if r.label == label and r.start < line and line + original.count("\n") < r.end]
    return inside[0] if inside else None


@pytest.mark.parametrize("label, i", CASES)
def test_every_mutant_targets_its_module_s_region(label, i):
    short, original, mutated, _ = MUTANTS[label][i]
    assert mutated != original
    assert targeted_region(label, i), f"{short}: {original!r} must occur once, inside a region of {label}"


def test_every_region_has_a_mutant():
    targeted = {(r.path, r.start) for r in (targeted_region(label, i) for label, i in CASES) if r}
    untested = [f"{r.path}:{r.start + 1} ({r.label})" for marked in ws.region_files(ROOT).values() for r in marked
                if (r.path, r.start) not in targeted]
    assert untested == [], "regions no mutant in tests/exercises/mutants.py changes"


@pytest.mark.parametrize("text, message", [
    ("def f():\n    # region 05 autograd: a\n    return 1\n", "never closed"),
    ("def f():\n    return 1\n    # endregion\n", "without a '# region"),
    ("def f():\n    # region 05 autograd: a\n    # region 05 autograd: b\n", "do not nest"),
    ("def f():\n    # region 05 autograd: a\n    return 1\n  # endregion\n", "indented like"),
    ("def f():\n    # region 5 autograd a\n    return 1\n    # endregion\n", "malformed marker"),
    ("def f():\n    # region 05 autograd: a\n    # endregion\n", "is empty"),
    ("# region 05 autograd: a\nX = 1\n# endregion\n", "not inside a function"),
])
def test_malformed_markers_name_the_line_and_the_fix(text, message):
    with pytest.raises(regions.RegionError, match=message):
        regions.check(text, "f.py")


def test_a_skeleton_keeps_signature_docstring_and_hint():
    text = 'def f(x):\n    """Doc."""\n    # region 05 autograd: add one\n    y = x + 1\n    return y\n    # endregion\n'
    skeleton = regions.skeletonize(text, 5)
    assert skeleton == ('def f(x):\n    """Doc."""\n    # region 05 autograd: add one\n'
                        "    raise NotImplementedError('Module 05 autograd: add one')\n    # endregion\n")
    assert regions.skeletonize(text, 4) == text


# -- the commands ------------------------------------------------------------------------------


def invoke(*args):
    return CliRunner().invoke(tt, list(args))


def test_start_status_solve_reset_in_a_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "200")
    where = str(tmp_path / "ws")
    result = invoke("module", "start", "losses", "--dir", where)
    assert result.exit_code == 0, result.output
    assert "core/backend.py:" in result.output and "tt module test 04 --dir" in result.output
    assert "raise NotImplementedError('Module 04 losses:" in (tmp_path / "ws" / repo_path("core/backend.py")).read_text()
    assert "already started" in invoke("module", "start", "04", "--dir", where).output
    status = invoke("module", "status", "--dir", where).output
    assert "│ 04 │ losses       │ started" in status and "│ 05 │ autograd     │ not started" in status
    assert invoke("module", "solve", "04", "--dir", where).exit_code == 0
    assert "│ 04 │ losses       │ passing" in invoke("module", "status", "--dir", where).output
    assert invoke("module", "reset", "04", "--dir", where).exit_code == 0
    assert "NotImplementedError('Module 04 losses:" in (tmp_path / "ws" / repo_path("core/backend.py")).read_text()


def test_a_directory_that_is_not_a_workspace_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = invoke("module", "test", "04", "--dir", str(tmp_path))
    assert result.exit_code == 2 and "is not a TinyTorch workspace" in result.output


def test_tests_that_would_import_the_installed_code_are_stopped(tmp_path):
    # The plugin, but no workspace on PYTHONPATH: every package resolves to the checkout.
    (tmp_path / "test_any.py").write_text("def test_passes():\n    pass\n")
    env = dict(os.environ, TINYTORCH_WORKSPACE=str(tmp_path), PYTEST_PLUGINS="tinytorch.bench.learn.pytest_workspace")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", str(tmp_path / "test_any.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "these packages import from outside the workspace" in done.stdout + done.stderr
    assert f"tinytorch.core from {ROOT}" in done.stdout + done.stderr


def test_the_digits_milestone_trains_with_autograd_linear_and_adam_written_by_hand(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))  # train for real
    where = tmp_path / "ws"
    for name in ("autograd", "layers", "optimizers"):
        assert invoke("module", "start", name, "--dir", str(where)).exit_code == 0
    # What a learner does: replace each `raise NotImplementedError` with the code, by hand.
    for relative, marked in ws.region_files(ROOT).items():
        reference = (ROOT / relative).read_text().splitlines(keepends=True)
        target = where / relative
        text = target.read_text()
        for region in marked:
            if region.name in ("autograd", "layers", "optimizers"):
                body = "".join(reference[region.start + 1:region.end])
                text = text.replace(region.skeleton() + "\n", body, 1)
        target.write_text(text)
    assert "raise NotImplementedError('Module" not in "".join(p.read_text() for p in where.rglob("*.py"))
    result = subprocess.run([sys.executable, "-c", "from tinytorch.bench.run.cli import main; main()", "milestone", "run",
                             "1986_mlp_digits", "--dir", str(where), "--out", str(tmp_path / "run")],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"workspace code: tinytorch.core from {where.resolve()}" in result.stdout
    assert "target test_accuracy >= 0.97 met" in result.stdout
