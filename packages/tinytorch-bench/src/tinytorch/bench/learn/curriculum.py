"""The curriculum: TinyTorch's 19 modules, each mapped to its code, its tests and its milestone.

A learner walks the modules in order, from ``Tensor`` to the TorchPerf Olympics. For each
one, the table below says which files implement it (the first is the one to open: it
starts with the idea and what to read next), which test files check it, and which
milestone (a historical result, re-run from a config in ``configs/milestones/``) it
completes: a milestone is unlocked by the last module it needs.

Whether a module works is never stored; it is measured. ``tt modules`` runs the tests of
all 19 in one pytest process and reads each test file's outcomes from pytest's JUnit XML
report, so one slow start-up serves every module.

    tt modules [--no-status]          # the 19 modules, and whether their tests pass here
    tt module test autograd           # or `tt module test 05`: one module's tests
    tt milestones                     # the milestone configs and their targets
    tt milestone run 1986_mlp_digits --out runs/digits

These commands reach ``tt`` through ``tinytorch_register_commands`` at the bottom, the
hook any plugin uses (entry point ``curriculum`` in tinytorch-bench's pyproject.toml).
Tests and configs live in the repository, not in the installed package, so the commands
look for the checkout: upwards from the current directory, then upwards from this file.

Read next: ``docs/tutorial.md``, the same path walked in code.
"""

import functools
import operator
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from tinytorch.bench.run import runner
from tinytorch.bench.run.cli import fail
from tinytorch.core import hookimpl
from tinytorch.core.names import did_you_mean

from . import regions
from . import workspace as ws

PACKAGES = ("core", "nn", "text", "optim", "bench")  # under packages/; the rest under plugins/


def _home(short):
    return f"{'packages' if short in PACKAGES else 'plugins'}/tinytorch-{short}"


def code(short, *files):
    """Repository paths of source files: ``code("core", "tensor.py")``."""
    package = f"tinytorch/{short}" if short in PACKAGES else f"tinytorch_{short}"
    return tuple(f"{_home(short)}/src/{package}/{name}" for name in files)


def tests(short, *files):
    """Repository paths of test files: ``tests("core", "test_tensor.py")``."""
    return tuple(f"{_home(short)}/tests/{name}" for name in files)


@dataclass(frozen=True)
class CourseModule:
    """One module of the course; ``files[0]`` is its main file."""

    number: int
    name: str
    files: tuple
    tests: tuple
    unlocks: tuple = ()  # milestone names (configs/milestones/<name>.yaml)

    @property
    def label(self):
        return f"{self.number:02d} {self.name}"

    @property
    def packages(self):
        """Distributions holding the files, in order: ``("tinytorch-nn", "tinytorch-text")``."""
        return tuple(dict.fromkeys(path.split("/")[1] for path in self.files))


# Each module lists its focused, fast tests; the slow end-to-end ones (`tt bench`, whole
# Olympics runs) stay out, so `tt modules` can run every module's tests in well under a minute.
MODULES = (
    CourseModule(1, "tensor", code("core", "tensor.py"),
                 tests("core", "test_tensor.py", "test_broadcasting_properties.py")),
    CourseModule(2, "activations", code("nn", "activation.py", "functional.py") + code("core", "backend.py"),
                 tests("nn", "test_nn_functional.py", "test_layers.py")),
    CourseModule(3, "layers", code("nn", "linear.py", "module.py", "parameter.py", "containers.py", "init.py")
                 + code("core", "backend.py"),
                 tests("nn", "test_module.py", "test_layers.py", "test_nn_init.py")),
    CourseModule(4, "losses", code("nn", "loss.py") + code("core", "backend.py"), tests("nn", "test_losses.py")),
    CourseModule(5, "autograd", code("core", "autograd.py", "functional.py"),
                 tests("core", "test_autograd.py")),
    CourseModule(6, "optimizers", code("optim", "optimizer.py", "sgd.py", "adam.py", "lr_scheduler.py", "clip.py"),
                 tests("optim", "test_optimizers.py", "test_lr_scheduler.py", "test_clip.py")),
    CourseModule(7, "training", code("optim", "trainer.py") + code("nn", "serialization.py"),
                 tests("optim", "test_trainer.py") + tests("nn", "test_training.py", "test_serialization.py")),
    CourseModule(8, "dataloader", code("core", "data/loader.py", "data/dataset.py", "data/datasets.py"),
                 tests("core", "test_data.py", "test_datasets.py"),
                 ("1957_perceptron", "1969_xor_single_layer", "1969_xor_mlp", "1986_mlp_digits", "1986_mlp_mnist")),
    CourseModule(9, "spatial", code("nn", "conv.py", "pooling.py") + code("core", "backend.py"), tests("nn", "test_layers.py"),
                 ("1998_cnn_digits", "1998_cnn_mnist", "1998_cnn_cifar10")),
    CourseModule(10, "tokenization", code("text", "tokenizers.py", "datasets.py"),
                 tests("text", "test_tokenizers.py", "test_datasets.py")),
    CourseModule(11, "embeddings", code("text", "embedding.py"), tests("text", "test_embedding.py")),
    CourseModule(12, "attention", code("nn", "attention.py") + code("core", "backend.py"), tests("nn", "test_attention.py")),
    CourseModule(13, "transformers", code("nn", "transformer.py", "norm.py") + code("text", "gpt.py"),
                 tests("nn", "test_transformer.py", "test_norm.py") + tests("text", "test_gpt.py"),
                 ("2017_transformer_shakespeare", "2017_transformer_tinytalks", "2017_transformer_code")),
    CourseModule(14, "kv-caching", code("text", "generation.py") + code("optim", "passes/kv_cache.py")
                 + code("nn", "attention.py"),
                 tests("text", "test_generation.py") + tests("optim", "test_passes.py")),
    CourseModule(15, "profiling", code("bench", "olympics/profiler.py"), tests("bench", "test_profiler.py")),
    CourseModule(16, "acceleration", code("core", "backend.py", "vectorized.py") + code("naive", "backend.py")
                 + code("fused", "backend.py") + code("bench", "perf/train.py"),
                 tests("core", "test_backend.py", "test_conformance.py") + tests("naive", "test_conformance.py")
                 + tests("fused", "test_fused.py", "test_conformance.py")),
    CourseModule(17, "quantization", code("optim", "passes/quantize.py"), tests("optim", "test_passes_quantize.py")),
    CourseModule(18, "compression", code("optim", "passes/prune.py", "passes/distill.py"),
                 tests("optim", "test_passes_prune.py", "test_passes_distill.py")),
    CourseModule(19, "benchmarking", code("bench", "olympics/events.py", "olympics/leaderboard.py", "perf/timing.py"),
                 tests("bench", "test_olympics.py", "competition/test_leaderboard.py")),
)
OLYMPICS_NOTE = ("After 19 benchmarking: the TorchPerf Olympics, configs/olympics/*.yaml "
                 "(rules: tt events; run one with tt run).")


@dataclass(frozen=True)
class Target:
    """What a milestone run must reach: ``metrics[metric] op value``, read from metrics.json.

    A dotted ``metric`` reads into a nested value: ``answer_exact_match.train``."""

    metric: str
    op: str  # ">=" or "<="
    value: float

    def met(self, metrics):
        value = functools.reduce(operator.getitem, self.metric.split("."), metrics)
        return {">=": operator.ge, "<=": operator.le}[self.op](value, self.value)

    def __str__(self):
        return f"{self.metric} {self.op} {self.value:g}"


# The milestone configs state their targets in prose comments (and docs/milestones.md
# records the measured results); this is the one machine-readable copy.
TARGETS = {
    "1957_perceptron": Target("test_accuracy", ">=", 1.0),
    "1969_xor_single_layer": Target("test_accuracy", "<=", 0.75),  # the failure is the point
    "1969_xor_mlp": Target("test_accuracy", ">=", 1.0),
    "1986_mlp_digits": Target("test_accuracy", ">=", 0.97),
    "1986_mlp_mnist": Target("test_accuracy", ">=", 0.98),
    "1998_cnn_digits": Target("test_accuracy", ">=", 0.985),
    "1998_cnn_mnist": Target("test_accuracy", ">=", 0.99),
    "1998_cnn_cifar10": Target("test_accuracy", ">=", 0.65),  # not measured here: no download
    "2017_transformer_shakespeare": Target("test_loss", "<=", 1.75),  # nats per character
    "2017_transformer_tinytalks": Target("answer_exact_match.train", ">=", 0.9),  # memorising
    "2017_transformer_code": Target("completion_parse_rate", ">=", 0.1),  # measured 0.11 to 0.26 by seed
}


class CurriculumError(click.ClickException):
    """A name or a place the curriculum cannot resolve; the message lists what would work."""

    exit_code = 2

    def show(self, file=None):
        click.echo(f"error: {self.message}", err=True)


# -- finding things ----------------------------------------------------------------------------


def find_root(start=None):
    """The checkout: the nearest directory holding ``configs/milestones``, above ``start``
    (default: the current directory), else above this file (an editable install)."""
    bases = [Path(start or Path.cwd()).resolve(), Path(__file__).resolve().parent]
    for base in bases:
        for directory in (base, *base.parents):
            if (directory / "configs" / "milestones").is_dir():
                return directory
    raise CurriculumError(
        f"cannot find the TinyTorch repository: no configs/milestones/ in {bases[0]} or above "
        f"it (nor above {bases[1]}); run tt from inside a TinyTorch checkout"
    )


def find_module(key):
    """The module numbered or named ``key``: ``5``, ``"05"``, ``"autograd"``, ``"kv caching"``."""
    text = str(key).strip().lower().replace("_", "-").replace(" ", "-")
    for module in MODULES:
        if text == module.name or (text.isdigit() and int(text) == module.number):
            return module
    raise CurriculumError(
        f"unknown module {key!r}; the modules are: {', '.join(m.label for m in MODULES)}"
        f"{did_you_mean(text, [m.name for m in MODULES])}"
    )


def milestone_configs(root):
    """``{name: path}`` of every ``configs/milestones/*.yaml``, in the order the course reaches them."""
    order = {name: i for i, name in enumerate(name for m in MODULES for name in m.unlocks)}
    paths = sorted((root / "configs" / "milestones").glob("*.yaml"), key=lambda p: (order.get(p.stem, len(order)), p.stem))
    return {path.stem: path for path in paths}


def find_milestone(name, root):
    configs = milestone_configs(root)
    if name in configs:
        return configs[name]
    raise CurriculumError(
        f"unknown milestone {name!r}; the milestones in {root / 'configs' / 'milestones'} are: "
        f"{', '.join(configs) or '(none)'}{did_you_mean(name, configs)}"
    )


def unlocked_by(milestone):
    """The module that completes what ``milestone`` needs, or None."""
    return next((m for m in MODULES if milestone in m.unlocks), None)


def story(config_path):
    """A config's headline: its first comment line (``# 1957: Frank Rosenblatt's perceptron.``)."""
    for line in config_path.read_text().splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


# -- running tests -----------------------------------------------------------------------------


def run_pytest(paths, root, args=(), quiet=True, env=None):
    """Run pytest once over ``paths`` (relative to ``root``); return (exit code, outcomes).

    ``outcomes`` maps each path to a Counter of ``passed``/``failed``/``error``/``skipped``,
    read from the JUnit XML report (the xunit1 flavour names each test's file). A test file
    that fails to import counts as one error, and the other files still run.
    """
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        command = [sys.executable, "-m", "pytest", *(["-q"] if quiet else []), "--continue-on-collection-errors",
                   "-o", "junit_family=xunit1", f"--junitxml={report}", *args, *paths]
        done = subprocess.run(command, cwd=root, capture_output=quiet, text=True, env=env)
        if not report.exists():  # pytest itself failed (bad arguments, an internal error)
            output = (done.stdout + done.stderr).strip() if quiet else ""
            raise CurriculumError(f"pytest exited with code {done.returncode} before testing anything"
                                  + (f":\n{output[-2000:]}" if output else ""))
        outcomes = {path: Counter() for path in paths}
        where = {(root / path).resolve(): path for path in paths}
        for case in ET.parse(report).iter("testcase"):
            path = where.get((root / case.get("file", "")).resolve())
            if path is not None:
                outcomes[path][_outcome(case)] += 1
    return done.returncode, outcomes


def _outcome(case):
    for tag, outcome in (("error", "error"), ("failure", "failed"), ("skipped", "skipped")):
        if case.find(tag) is not None:
            return outcome
    return "passed"


@dataclass
class Status:
    """How a module's tests went on this install."""

    counts: Counter
    missing: tuple  # listed test files that do not exist

    @property
    def ok(self):
        return not self.missing and self.counts["passed"] > 0 and not self.broken

    @property
    def broken(self):
        return self.counts["failed"] + self.counts["error"]

    def __str__(self):
        c = self.counts
        total = sum(c.values())
        if self.broken:
            text = f"[red]FAIL[/red] {self.broken} of {total}"
        elif c["passed"]:
            text = f"[green]pass[/green] {c['passed']}" + (f" ({c['skipped']} skipped)" if c["skipped"] else "")
        elif total:
            text = f"[yellow]skipped[/yellow] {total}"
        else:
            text = "[yellow]no tests[/yellow]"
        if self.missing:
            text += f"\n[yellow]missing[/yellow] {', '.join(Path(p).name for p in self.missing)}"
        return text


def statuses(modules, root, env=None):
    """``{number: Status}`` for ``modules``, from one pytest run over all their test files."""
    existing = [p for p in dict.fromkeys(p for m in modules for p in m.tests) if (root / p).is_file()]
    outcomes = run_pytest(existing, root, env=env)[1] if existing else {}
    result = {}
    for module in modules:
        counts = Counter()
        for path in module.tests:
            counts.update(outcomes.get(path, Counter()))
        missing = tuple(p for p in module.tests if not (root / p).is_file())
        result[module.number] = Status(counts, missing)
    return result


# -- the commands ------------------------------------------------------------------------------


def _short(path):
    """``packages/tinytorch-core/src/tinytorch/core/data/loader.py`` -> ``core/data/loader.py``;
    ``plugins/tinytorch-naive/tests/test_conformance.py`` -> ``naive/test_conformance.py``."""
    _, dist, kind, rest = path.split("/", 3)
    if kind == "src":  # drop the import package: tinytorch/core/ or tinytorch_naive/
        rest = rest.split("/", 2)[2] if rest.startswith("tinytorch/") else rest.split("/", 1)[1]
    return f"{dist.removeprefix('tinytorch-')}/{rest}"


@click.command("modules")
@click.option("--no-status", is_flag=True, help="skip running the tests; list the modules only")
def modules_command(no_status):
    """List the 19 modules: code, tests, milestone, and whether their tests pass here."""
    console = Console()
    found = {}
    if not no_status:
        with console.status(f"running the tests of {len(MODULES)} modules..."):
            found = statuses(MODULES, find_root())
    table = Table(title="TinyTorch: the 19 modules")
    for heading in ("#", "module", "package", "code", "tests", "unlocks") + (() if no_status else ("status",)):
        table.add_column(heading, overflow="fold")
    for m in MODULES:
        row = [f"{m.number:02d}", m.name, "\n".join(m.packages), "\n".join(_short(p) for p in m.files),
               "\n".join(_short(p) for p in m.tests), "\n".join(m.unlocks) or "-"]
        table.add_row(*row + ([] if no_status else [str(found[m.number])]))
    console.print(table)
    console.print(OLYMPICS_NOTE)


@click.group("module")
def module_group():
    """Work with one module of the course."""


@module_group.command("test", context_settings={"ignore_unknown_options": True})
@click.argument("module")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="test this workspace's code, not the installed one")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def module_test(module, directory, pytest_args):
    """Run MODULE's tests (a number like 05, or a name like autograd) with pytest.

    Extra arguments go to pytest: tt module test autograd -x -k broadcast
    """
    m = find_module(module)
    root = find_root()
    env = _workspace_env(directory, root)
    existing = [p for p in m.tests if (root / p).is_file()]
    missing = tuple(p for p in m.tests if p not in existing)
    if not existing:
        raise CurriculumError(f"module {m.label} has no tests yet: expected {', '.join(m.tests)}")
    for path in missing:
        click.echo(f"warning: {path} does not exist yet; running the others", err=True)
    click.echo(f"module {m.label}: {', '.join(existing)}")
    if env is None and (Path(ws.DEFAULT) / ws.STATE).is_file():
        click.echo(f"note: testing the installed reference; add --dir {ws.DEFAULT} to test your workspace", err=True)
    exit_code, outcomes = run_pytest(existing, root, pytest_args, quiet=False, env=env)
    status = Status(sum(outcomes.values(), Counter()), missing)
    # pytest's exit code is the verdict: -x, -k or a crash can stop it with nothing failed
    verdict = f"{status}" + ("" if exit_code == 0 else f" [red](pytest exit code {exit_code})[/red]")
    Console().print(f"module {m.label}: {verdict}")
    raise click.exceptions.Exit(exit_code)


def _workspace_env(directory, root):
    """The environment that runs ``directory``'s code, or None for the installed code."""
    if directory is None:
        return None
    try:
        return ws.environment(directory, root)
    except ws.WorkspaceError as error:
        raise CurriculumError(str(error)) from None


# A milestone run in a workspace: say which code was imported, then train as tt would.
SHOW_AND_RUN = ("import tinytorch.core; print('workspace code: tinytorch.core from', tinytorch.core.__file__); "
                "from tinytorch.bench.run.cli import main; main()")
DIR = click.option("--dir", "directory", type=click.Path(file_okay=False), default=ws.DEFAULT, show_default=True,
                   help="the learner's workspace")


def _rewrite(action, module, directory, verb):
    """Run ``workspace.start/reset/solve`` and list the regions it rewrote."""
    m, root = find_module(module), find_root()
    try:
        touched = action(m, directory, root)
    except (ws.WorkspaceError, regions.RegionError) as error:
        raise CurriculumError(str(error)) from None
    click.echo(f"module {m.label} {verb} in {directory}:")
    for region in touched:
        click.echo(f"  {region.path}:{region.start + 1}  {region.hint}")
    click.echo(f"then: tt module test {m.number:02d} --dir {directory}")


@module_group.command("start")
@click.argument("module")
@DIR
def module_start(module, directory):
    """Start MODULE in a workspace: its regions become NotImplementedError with a hint."""
    _rewrite(ws.start, module, directory, "started (write the regions below)")


@module_group.command("reset")
@click.argument("module")
@DIR
def module_reset(module, directory):
    """Put MODULE's starting skeleton back (your code in its regions is lost)."""
    _rewrite(ws.reset, module, directory, "reset to its skeleton")


@module_group.command("solve")
@click.argument("module")
@DIR
def module_solve(module, directory):
    """Put the reference code into MODULE's regions (to move on, or as an instructor)."""
    _rewrite(ws.solve, module, directory, "solved with the reference code")


@module_group.command("status")
@DIR
def module_status(directory):
    """Every module in the workspace: not started, started, or passing (its tests are run)."""
    root = find_root()
    env = _workspace_env(directory, root)
    begun = [m for m in MODULES if m.number in ws.started(directory)]
    with Console().status(f"running the tests of {len(begun)} started modules..."):
        found = statuses(begun, root, env) if begun else {}
    table = Table(title=f"TinyTorch workspace {directory}")
    for heading in ("#", "module", "status", "tests"):
        table.add_column(heading)
    for m in MODULES:
        status = found.get(m.number)
        state = "not started" if status is None else ("[green]passing[/green]" if status.ok else "[yellow]started[/yellow]")
        table.add_row(f"{m.number:02d}", m.name, state, "-" if status is None else str(status))
    Console().print(table)


@click.command("milestones")
def milestones_command():
    """List the milestones: their configs, targets, and the module that unlocks each."""
    root = find_root()
    table = Table(title="TinyTorch milestones")
    for heading in ("milestone", "story", "config", "target", "unlocked by"):
        table.add_column(heading, overflow="fold")
    for name, path in milestone_configs(root).items():
        module = unlocked_by(name)
        table.add_row(name, story(path), str(path.relative_to(root)), str(TARGETS.get(name, "-")),
                      module.label if module else "-")
    console = Console()
    console.print(table)
    console.print("run one: tt milestone run NAME [--out DIR]")


@click.group("milestone")
def milestone_group():
    """Run a milestone."""


@milestone_group.command("run")
@click.argument("name")
@click.option("--out", type=click.Path(file_okay=False), help="run directory [default: runs/<name>-<time>/]")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="train with this workspace's code")
def milestone_run(name, out, directory):
    """Run milestone NAME (e.g. 1986_mlp_digits) and check it reaches its target."""
    root = find_root()
    path = find_milestone(name, root)
    if directory:  # a fresh interpreter, so the workspace's code is what gets imported
        command = [sys.executable, "-c", SHOW_AND_RUN, "milestone", "run", name]
        env = _workspace_env(directory, root)
        click.echo(f"milestone {name}: training with the code in {env['TINYTORCH_WORKSPACE']}")
        raise click.exceptions.Exit(subprocess.run(command + (["--out", out] if out else []), env=env).returncode)
    console = Console()
    result = runner.run(path, out=out, console=console)
    target = TARGETS.get(name)
    if target is None:
        console.print(f"milestone {name}: no target recorded; see the comments in {path}")
        return
    reached = result.metrics[target.metric]
    if not target.met(result.metrics):
        fail(f"milestone {name} missed its target {target}: {target.metric} is {reached:.4f} "
             f"(run directory {result.run.out_dir})", 1)
    console.print(f"milestone {name}: target {target} [green]met[/green] ({target.metric} {reached:.4f})")


@hookimpl
def tinytorch_register_commands(cli):
    for command in (modules_command, module_group, milestones_command, milestone_group):
        cli.add_command(command)
