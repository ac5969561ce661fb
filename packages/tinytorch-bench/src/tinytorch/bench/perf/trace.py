"""``tt trace CONFIG|RUN_DIR``: the program a model actually runs, kernel by kernel.

tinygrad's ``DEBUG=2`` prints every kernel it launches; this prints what
``tinytorch.core.compile`` recorded for one forward pass of the model a config builds
(or a run directory trained): each backend kernel in order, the shapes it read and
wrote, the bytes it moved (every array argument read once, the result written once),
its floating-point operations (multiply and add counted apart), and the totals. A GPT
also shows its KV-cache decoding step, the program ``generate`` replays per token.

FLOPs are counted from the shapes: ``2 m k n`` for a matrix product (``linear``,
``matmul``, ``conv2d`` as im2col, both products of attention), a few per element for
the normalizations and activations, one per element otherwise, none for data movement.

``commands.py`` adds the command to ``tt`` through bench's ``tinytorch_register_commands``.

Read next: ``tinytorch.core.compile``, which records these programs.
"""

import math
import time

import click
import numpy as np
from rich.console import Console
from rich.table import Table

from tinytorch.core import Tensor, compile, no_grad, use_backend
from tinytorch.core.compile import flat_args

# FLOPs per output element of the elementwise composites (the tanh approximation of GELU,
# mean/variance/scale of layer norm, max/exp/sum/divide of softmax).
PER_ELEMENT = {"layer_norm": 8, "gelu": 8, "softmax": 5, "log_softmax": 5}
MOVES = {"take", "reshape", "copyto"}
REDUCTIONS = {"sum", "max", "min", "argmax"}


def flops(kernel, args, out):
    """Floating-point operations of one kernel call, from its argument and result shapes."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    if kernel in MOVES:
        return 0
    if kernel == "linear":
        x, w = arrays[0], arrays[1]
        return 2 * math.prod(x.shape[:-1]) * x.shape[-1] * w.shape[0]
    if kernel == "matmul":
        return 2 * math.prod(out.shape) * arrays[0].shape[-1]
    if kernel == "conv2d":
        return 2 * out.size * math.prod(arrays[1].shape[1:])
    if kernel == "scaled_dot_product_attention":
        q, k = arrays[0], arrays[1]
        scores = math.prod(q.shape[:-1]) * k.shape[-2]
        return 4 * scores * q.shape[-1] + 5 * scores
    if kernel in REDUCTIONS:
        return arrays[0].size
    size = out.size if out is not None else 0
    return PER_ELEMENT.get(kernel, 1) * size


def rows(program, length=None):
    """``[(kernel, input shapes, output shape, bytes, flops)]`` for each step of ``program``."""
    shift = 0 if length is None or program.length is None else length - program.length
    table = []
    for step in program.steps:
        args = [a(shift) if callable(a) else a for a in step.args]
        arrays = [a for a in flat_args(args) if isinstance(a, np.ndarray)]
        moved = sum(a.nbytes for a in arrays) + (step.out.nbytes if step.out is not None else 0)
        shapes = " ".join("x".join(map(str, a.shape)) or "()" for a in arrays)
        out = "-" if step.out is None else "x".join(map(str, step.out.shape)) or "()"
        table.append((step.kernel, shapes, out, moved, flops(step.kernel, args, step.out)))
    return table


def record(forward, make_input, length_of=None, state=None):
    """The ``Program`` compile records for ``forward``: two recorded calls and a check.

    ``make_input(i)`` gives call i's input; ``length_of(i)`` its cache length, if any."""
    compiled = compile(forward, state=state, fallback=False)
    with no_grad():
        for i in range(2):
            compiled(make_input(i), length=length_of(i) if length_of else None)
    (program,) = compiled.programs.values()
    return program


def profile(program, length=None, runs=200):
    """``{"step_us", "calls", "kernels_us": {kernel: us}}``: a replayed step, and each kernel's share."""
    arrays = [np.array(b) for b in program.inputs]
    start = time.perf_counter()
    for _ in range(runs):
        program.run(arrays, length)
    step_us = (time.perf_counter() - start) / runs * 1e6
    shift = 0 if length is None or program.length is None else length - program.length
    spent = {}
    for kernel, args, kwargs, *_ in program._calls:
        args = [a(shift) if callable(a) else a for a in args]
        start = time.perf_counter()
        for _ in range(runs):
            kernel(*args, **kwargs)
        name = getattr(kernel, "__name__", str(kernel))
        spent[name] = spent.get(name, 0.0) + (time.perf_counter() - start) / runs * 1e6
    return {"step_us": step_us, "calls": len(program.steps),
            "kernels_us": dict(sorted(spent.items(), key=lambda kv: -kv[1]))}


def decode_program(model, context_filled=8):
    """The KV-cache decoding step of a GPT-style ``model``, recorded as ``generate`` records it."""
    model.eval()
    cache = model.new_cache(1)
    with no_grad():
        model(np.zeros((1, context_filled), dtype=np.int64), cache=cache)

    def step(token):
        return model(token, cache=cache)

    def length_of(i):
        for layer in cache:
            layer.length = context_filled + i
        return context_filled + i

    return record(step, lambda i: np.array([[i]], dtype=np.int64), length_of, state=model)


def _table(title, table):
    out = Table(title=title)
    for heading in ("#", "kernel", "inputs", "output", "bytes", "FLOPs"):
        out.add_column(heading, justify="left" if heading in ("kernel", "inputs") else "right", no_wrap=heading == "kernel")
    for i, (kernel, shapes, result, moved, n) in enumerate(table):
        out.add_row(str(i), kernel, shapes, result, f"{moved:,}", f"{n:,}")
    out.add_section()
    out.add_row("", f"{len(table)} kernels", "", "", f"{sum(r[3] for r in table):,}", f"{sum(r[4] for r in table):,}")
    return out


def _prepared(target, batch_size):
    """``(model, input, backend)`` for a config file or a run directory, via bench's one prepare step."""
    from pathlib import Path

    import tinytorch.nn as nn
    from tinytorch.bench.run.prepare import prepare
    from tinytorch.core.data import DataLoader

    path = Path(target)
    prepared = prepare(path / "config.yaml" if path.is_dir() else path)
    model = prepared.model
    if path.is_dir() and (path / "model.npz").is_file():
        try:
            nn.load(path / "model.npz", model)
        except RuntimeError as error:
            raise click.ClickException(
                f"{error}\nThe weights in {path} do not fit the model its config builds (an Olympics run "
                f"saves the optimized model, which a pass such as distill reshapes); trace the config file "
                f"instead") from None
    x, _ = next(iter(DataLoader(prepared.data.test, batch_size=batch_size)))
    x = x.data if isinstance(x, Tensor) else np.asarray(x)
    return model.eval(), (x if x.dtype.kind in "iu" else Tensor(x)), prepared.config["backend"]


@click.command("trace")
@click.argument("target", type=click.Path(exists=True))
@click.option("--batch-size", type=click.IntRange(1), default=1, show_default=True, help="examples in the traced batch")
def trace_command(target, batch_size):
    """Print the kernels one forward pass runs: shapes, bytes moved, FLOPs (TARGET: a config or a run directory)."""
    console = Console()
    model, x, backend = _prepared(target, batch_size)
    with use_backend(backend):
        program = record(model, lambda i: x, state=model)
        console.print(_table(f"forward of {type(model).__name__} on a batch of {batch_size} ({backend})",
                             rows(program)))
        if callable(getattr(model, "new_cache", None)):
            step = decode_program(model)
            console.print(_table("one KV-cache decoding step (what generate replays per token; "
                                 "the cached length is symbolic)", rows(step)))
