"""The ``tt bench`` commands, added to ``tt`` the way any plugin adds commands.

    tt bench ops                      matmul (vs raw NumPy GEMM), conv2d, attention, layer norm
    tt bench train --json PATH        one training step of mlp, cnn, gpt, usergpt per backend and PyTorch
    tt bench generate --json PATH     ms/token: KV cache or not, eager or compiled, and PyTorch
    tt bench latency                  batch-1 forward of mlp, lenet, gpt: eager, compiled, PyTorch
    tt bench overhead [--profile]     the autograd engine's cost per op
    tt bench all --write docs/benchmarks.md
    tt bench competition --write docs/benchmarks.md    grading (and --sweep) on local Ray vs one after another

Every command measures all installed backends unless ``--backends`` names some, and
PyTorch when it is importable. ``--threads N`` sets NumPy's BLAS (and PyTorch) to N
threads; without it PyTorch gets as many as the BLAS already has. On a machine busier
than its core count, ``--threads 1 --clock cpu`` gives steadier numbers: a second BLAS
thread mostly waits for a core, and CPU time leaves out the moments another process had
ours (see ``timing.set_clock``).

tinytorch-bench's entry point ``perf = "tinytorch.bench.perf.commands"``
names this module; ``tinytorch_register_commands`` at the bottom is the hook. It also
adds ``tt trace`` (``trace.py``), the recorded program of a model.

Read next: ``timing.py``.
"""

import gc
import json
from contextlib import contextmanager

import click
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tinytorch.core import get_backend, hookimpl, plugins, use_backend
from tinytorch.core.files import write_text

from . import competition as competition_bench
from . import generate as generate_bench
from . import latency as latency_bench
from . import machine, report, timing
from . import ops as ops_bench
from . import overhead as overhead_bench
from . import train as train_bench
from .trace import trace_command

STORY = ("naive", "vectorized", "fused")  # the order the project tells them in; others follow


def _backends(names):
    """The backends to measure: ``--backends`` (comma-separated or repeated) or every installed one."""
    chosen = [n.strip() for item in names for n in item.split(",") if n.strip()]
    story = {name: i for i, name in enumerate(STORY)}
    chosen = chosen or sorted(plugins.registry("backends"), key=lambda n: (story.get(n, len(STORY)), n))
    for name in chosen:
        get_backend(name)  # an unknown name raises UnknownNameError: installed ones + nearest
    return chosen


def _setup(console, threads, clock, use_torch=True):
    """PyTorch (or None) and the thread counts, set as asked and announced; the clock chosen."""
    torch = machine.torch_or_none() if use_torch else None
    if threads:
        machine.set_threads(threads, torch)
    elif torch is not None:
        machine.match_torch_threads(torch)
    counts = {"blas": machine.blas()[1], "torch": torch.get_num_threads() if torch else None}
    if clock == "cpu" and (counts["blas"] or 1) > 1:
        raise click.UsageError(f"--clock cpu adds up the CPU time of all {counts['blas']} BLAS threads; "
                               "use it with --threads 1")
    timing.set_clock(clock)
    # Whatever is alive now (PyTorch's modules, ours) leaves the garbage collector's passes:
    # a collection then costs what it would in a process that never imported PyTorch.
    gc.freeze()
    torch_text = f", PyTorch {counts['torch']}" if torch else ", PyTorch not installed" if use_torch else ""
    console.print(f"threads: NumPy BLAS {counts['blas']}{torch_text}; clock: {clock}; "
                  f"load average {machine.load_average()}")
    return torch, counts


@contextmanager
def _progress(console):
    """A rich progress bar; yields ``on_sample(what, done, total)`` for the benchmarks."""
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    task = bar.add_task("warming up", total=None)

    def on_sample(what, done, total):
        bar.update(task, description=str(what), completed=done, total=total)

    with bar:
        yield on_sample


def _write_json(path, data):
    if path:
        write_text(path, json.dumps(data, indent=2) + "\n")


def _show(console, text):
    console.print(Markdown(text))


backends_option = click.option("--backends", "backend_names", multiple=True, metavar="NAMES",
                               help="comma-separated backends to measure [default: every installed one]")
repeats_option = click.option("--repeats", type=click.IntRange(1), default=15, show_default=True,
                              help="timed rounds per contender (medians are reported)")
threads_option = click.option("--threads", type=click.IntRange(1),
                              help="BLAS and PyTorch threads [default: PyTorch matches NumPy's BLAS]")
clock_option = click.option("--clock", type=click.Choice(sorted(timing.CLOCKS)), default="wall", show_default=True,
                            help="wall time, or the process's CPU time (steadier on a busy machine; needs --threads 1)")
json_option = click.option("--json", "json_path", type=click.Path(dir_okay=False), help="also write the results as JSON")
torch_option = click.option("--torch/--no-torch", "use_torch", default=True, show_default=True,
                            help="measure PyTorch too, when it is importable")


@click.group("bench")
def bench():
    """Measure speed: kernels, training steps, generation, autograd overhead."""


@bench.command("ops")
@backends_option
@repeats_option
@threads_option
@clock_option
@click.option("--limit", type=float, default=10.0, show_default=True, help="seconds one call may take before it is skipped")
@torch_option
@json_option
def ops_command(backend_names, repeats, threads, clock, limit, use_torch, json_path):
    """Matmul (vs raw NumPy GEMM), conv2d, attention and layer norm per backend."""
    console = Console()
    backends = _backends(backend_names)
    torch, counts = _setup(console, threads, clock, use_torch)
    with _progress(console) as on_sample:
        result = ops_bench.run(backends, repeats, limit, torch, on_sample)
    _show(console, report.ops_section(result))
    _write_json(json_path, {**result, "threads": counts})


@bench.command("train")
@backends_option
@click.option("--workloads", default=",".join(train_bench.WORKLOADS), show_default=True,
              help=f"comma-separated: {', '.join(train_bench.WORKLOADS)}")
@repeats_option
@threads_option
@clock_option
@click.option("--limit", type=float, default=20.0, show_default=True, help="seconds one step may take before it is skipped")
@torch_option
@json_option
def train_command(backend_names, workloads, repeats, threads, clock, limit, use_torch, json_path):
    """One training step (forward, backward, optimizer) of mlp, cnn and gpt."""
    console = Console()
    backends = _backends(backend_names)
    chosen = [w.strip() for w in workloads.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in train_bench.WORKLOADS]
    if unknown:
        raise click.BadParameter(f"unknown workload {unknown[0]!r}; expected some of "
                                 f"{', '.join(train_bench.WORKLOADS)}", param_hint="--workloads")
    torch, counts = _setup(console, threads, clock, use_torch)
    with _progress(console) as on_sample:
        result = train_bench.run(backends, chosen, repeats, limit, torch, on_sample)
    _show(console, report.train_section(result, _workload_texts()))
    _write_json(json_path, {**result["ms_per_step"], "ratios_to_torch": result["ratios_to_torch"],
                            "notes": result["notes"], "threads": counts})


def _workload_texts():
    return {name: w.description for name, w in train_bench.WORKLOADS.items()}


@bench.command("generate")
@click.option("--backend", help="backend to generate on [default: the active one]")
@click.option("--config", default=str(generate_bench.MILESTONE), show_default=True,
              help="milestone config the model size is read from (defaults when missing)")
@click.option("--contexts", default=",".join(map(str, generate_bench.CONTEXTS)), show_default=True,
              help="comma-separated context lengths")
@click.option("--repeats", type=click.IntRange(1), default=3, show_default=True, help="timed rounds per mode")
@threads_option
@clock_option
@torch_option
@json_option
def generate_command(backend, config, contexts, repeats, threads, clock, use_torch, json_path):
    """Milliseconds per token, cached and uncached, eager and compiled, beside PyTorch."""
    console = Console()
    backend = _backends([backend])[0] if backend else get_backend().name
    torch, _ = _setup(console, threads, clock, use_torch)
    lengths = tuple(int(c) for c in contexts.split(",") if c.strip())
    with _progress(console) as on_sample:
        result = generate_bench.run(backend, config, lengths, repeats, torch, on_sample)
    _show(console, report.generate_section({backend: result}))
    _write_json(json_path, result)


@bench.command("latency")
@click.option("--backend", help="backend to run on [default: the active one]")
@repeats_option
@threads_option
@clock_option
@torch_option
@json_option
def latency_command(backend, repeats, threads, clock, use_torch, json_path):
    """Batch-1 forward of mlp, lenet and gpt: eager, compiled, PyTorch eager."""
    console = Console()
    backend = _backends([backend])[0] if backend else get_backend().name
    torch, _ = _setup(console, threads, clock, use_torch)
    with _progress(console) as on_sample:
        result = latency_bench.run(backend, repeats=repeats, torch=torch, on_sample=on_sample)
    _show(console, report.latency_section({backend: result}))
    _write_json(json_path, result)


@bench.command("overhead")
@click.option("--ops", "n", type=click.IntRange(1), default=1000, show_default=True, help="steps in the chain (2 ops each)")
@repeats_option
@clock_option
@click.option("--profile", is_flag=True, help="also print cProfile's top functions: where the overhead goes")
@json_option
def overhead_command(n, repeats, clock, profile, json_path):
    """The autograd engine's cost per op, beyond the NumPy kernel, in microseconds."""
    console = Console()
    _setup(console, 1, clock, use_torch=False)  # 1-element ops never use a second thread
    with _progress(console) as on_sample:
        result = overhead_bench.run(n, repeats, on_sample=lambda d, t: on_sample("overhead", d, t))
    _show(console, report.overhead_section(result))
    if profile:
        click.echo(overhead_bench.profile(n))
    _write_json(json_path, result)


@bench.command("all")
@backends_option
@repeats_option
@threads_option
@clock_option
@click.option("--limit", type=float, default=20.0, show_default=True, help="seconds one call may take before it is skipped")
@click.option("--write", "doc_path", type=click.Path(dir_okay=False), help="write the report, e.g. docs/benchmarks.md")
@json_option
def all_command(backend_names, repeats, threads, clock, limit, doc_path, json_path):
    """Every benchmark, the goals met or missed, and (with --write) docs/benchmarks.md."""
    console = Console()
    backends = _backends(backend_names)
    start = machine.describe()
    torch, counts = _setup(console, threads, clock)
    start.update(torch_threads=counts["torch"])
    results = {"command": _command_line(backend_names, repeats, threads, clock, limit, doc_path),
               "machine": start, "threads": counts, "clock": clock, "repeats": repeats,
               "workloads": _workload_texts()}
    with _progress(console) as on_sample:
        # Overhead first, in a small process: the garbage collector's passes grow with
        # everything alive (PyTorch, models), and that cost is not the engine's.
        results["overhead"] = overhead_bench.run(repeats=repeats, on_sample=lambda d, t: on_sample("overhead", d, t))
        results["train"] = train_bench.run(backends, tuple(train_bench.WORKLOADS), repeats, limit, torch, on_sample)
        on_sample("where the step's time goes", 0, None)
        results["breakdown"] = train_bench.breakdowns(results["train"])
        on_sample("the linear layers' matrix products alone", 0, None)
        results["gemm_floor"] = train_bench.gemm_floors(repeats=repeats)
        results["ops"] = ops_bench.run(backends, repeats, limit, torch, on_sample)
        results["generate"], results["latency"] = {}, {}
        for backend in _fast_backends(results["train"]):
            # Five rounds: a run of a whole window is seconds long, and three medians proved noisy.
            results["generate"][backend] = generate_bench.run(backend, repeats=5, torch=torch, on_sample=on_sample)
            on_sample(f"where a compiled decoding step's time goes ({backend})", 0, None)
            results["generate"][backend]["step_profile"] = _step_profile(backend)
            results["latency"][backend] = latency_bench.run(backend, repeats=repeats, torch=torch, on_sample=on_sample)
    results["load_average_end"] = machine.load_average()
    goals = report.evaluate(results)
    text = report.markdown(results, goals)
    _show(console, text)
    if doc_path:
        write_text(doc_path, competition_bench.kept_section(doc_path, text))  # tt bench competition's numbers stay
        console.print(f"wrote {doc_path}")
    _write_json(json_path, {**results, "goals": [vars(g) for g in goals]})


def _fast_backends(train):
    """The backends fast enough for a GPT training step: the only ones generation is timed on."""
    return [b for b, ms in train["ms_per_step"]["gpt"].items() if b != "torch" and ms is not None]


def _step_profile(backend, context=256, filled=128):
    """``trace.profile`` of the compiled KV-cache step of the generation benchmark's GPT."""
    import tinytorch.nn as nn
    from tinytorch.text import GPT

    from . import trace

    size, _ = generate_bench.model_size()
    with use_backend(backend):
        nn.manual_seed(0)
        model = GPT(**size, max_seq_len=context)
        found = trace.profile(trace.decode_program(model, filled), filled)
    return {**found, "context": context}


def _command_line(backend_names, repeats, threads, clock, limit, doc_path):
    parts = ["tt bench all"]
    parts += [f"--backends {','.join(backend_names)}"] if backend_names else []
    parts += [f"--repeats {repeats}"] if repeats != 15 else []
    parts += [f"--threads {threads}"] if threads else []
    parts += [f"--clock {clock}"] if clock != "wall" else []
    parts += [f"--limit {limit:g}"] if limit != 20.0 else []
    parts += [f"--write {doc_path}"] if doc_path else []
    return " ".join(parts)


@bench.command("competition")
@click.option("--submissions", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="stored submissions to grade (made by a sweep of --config)")
@click.option("--engines", "engine_names", metavar="NAMES",
              help="comma-separated: local, ray (each beside one after another) [default: both; ray if installed]")
@click.option("--jobs", "workers", type=click.IntRange(1), default=2, show_default=True,
              help="workers of the pool, CPUs of the local Ray")
@click.option("--rounds", type=click.IntRange(1), default=1, show_default=True,
              help="gradings per contender, taken in turn (medians are reported)")
@click.option("--config", type=click.Path(dir_okay=False, exists=True), default=str(competition_bench.CONFIG),
              show_default=True, help="the config the submissions are a sweep of")
@click.option("--sweep", is_flag=True, help="also time the 24-trial Memory Challenge sweep on Ray (about 5 min)")
@click.option("--write", "doc_path", type=click.Path(dir_okay=False),
              help="replace this command's section of a file, e.g. docs/benchmarks.md [default: print it]")
@json_option
def competition_command(submissions, engine_names, workers, rounds, config, sweep, doc_path, json_path):
    """Grading stored submissions on local Ray and the pool against one after another (issue 18's goals)."""
    console, say = Console(), Console(stderr=True).print
    engines, notes = competition_bench.choose_engines(engine_names, sweep)
    say(f"load average {machine.load_average()}")
    results = competition_bench.run(submissions, engines, workers, rounds, config, sweep, say)
    command = competition_bench.command_line(submissions, engines, workers, rounds, sweep, doc_path)
    text = competition_bench.section(results, command, notes)
    _show(console, text)
    if doc_path:
        write_text(doc_path, competition_bench.with_section(competition_bench.read_doc(doc_path), text))
        console.print(f"wrote the competition section of {doc_path}")
    _write_json(json_path, {**results, "command": command, "notes": notes})


@hookimpl
def tinytorch_register_commands(cli):
    cli.add_command(bench)
    cli.add_command(trace_command)
