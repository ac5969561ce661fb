"""What the autograd engine costs per op, beyond the NumPy kernel it calls.

On 1-element tensors a kernel does almost no work, so nearly all the time is Python:
lifting operands, building the output tensor, recording parents and the backward
closure, then in ``backward()`` the topological sort, one closure call per node and the
gradient bookkeeping. We run a chain of ``n`` steps ``y = y * w + c`` (2n ops) and time

- forward under ``no_grad`` (the cost of a tensor op with no graph),
- forward recording the graph,
- forward and backward,

and the same arithmetic done directly with NumPy on 1-element arrays: the forward's 2n
kernels, and for the backward the kernels the chain rule needs (``g * w``, ``g * y``
and the two sums per step). The difference, divided by 2n, is the engine's overhead per
op in microseconds. Large tensors hide it; a GPT step of a few hundred ops on small
batches, or generation one token at a time, does not.

``profile()`` lists where the time goes (cProfile), which is how to find what to cut.

Read next: ``report.py``.
"""

import cProfile
import io
import pstats

import numpy as np

from tinytorch.core import Tensor, no_grad, use_backend

from . import timing


def _chain(y, w, c, n):
    for _ in range(n):
        y = y * w + c
    return y


def tinytorch_cases(n):
    def leaves():
        return (Tensor(np.ones(1, np.float32), requires_grad=True),
                Tensor(np.full(1, 0.5, np.float32), requires_grad=True),
                Tensor(np.full(1, 0.1, np.float32), requires_grad=True))

    x, w, c = leaves()

    def forward_no_grad():
        with no_grad():
            _chain(x, w, c, n)

    def forward_backward():
        for t in (x, w, c):
            t.grad = None
        _chain(x, w, c, n).backward()

    return {"forward, no_grad": forward_no_grad, "forward, recording": lambda: _chain(x, w, c, n),
            "forward + backward": forward_backward}


def numpy_cases(n):
    x, w, c = np.ones(1, np.float32), np.full(1, 0.5, np.float32), np.full(1, 0.1, np.float32)

    def forward():
        ys, y = [], x
        for _ in range(n):
            ys.append(y)
            y = np.add(np.multiply(y, w), c)
        return ys, y

    def forward_backward():
        ys, y = forward()
        g, gw, gc = np.ones_like(y), np.zeros_like(w), np.zeros_like(c)
        for previous in reversed(ys):
            gc = np.add(gc, g)
            gw = np.add(gw, np.multiply(g, previous))
            g = np.multiply(g, w)

    return {"forward, no_grad": forward, "forward, recording": forward, "forward + backward": forward_backward}


def run(n=1000, repeats=15, backend="vectorized", on_sample=None):
    """``{"ops": 2n, "rows": {case: {"tinytorch_us", "numpy_us", "overhead_us"}}}``, per op."""
    with use_backend(backend):
        ours = tinytorch_cases(n)
        raw = numpy_cases(n)
        cases = {f"tinytorch|{k}": fn for k, fn in ours.items()}
        cases.update({f"numpy|{k}": fn for k, fn in raw.items() if k != "forward, recording"})
        # Each sample spans many chains: the garbage collector runs every few hundred
        # allocations, and a sample of one chain would catch it or not by luck.
        results = timing.interleaved(cases, repeats, sample_seconds=0.25, on_sample=on_sample)
    per_op = {key: m.median_ms * 1000 / (2 * n) for key, m in results.items()}
    rows = {}
    for case in ours:
        numpy_key = "numpy|forward, no_grad" if case.startswith("forward,") else "numpy|forward + backward"
        rows[case] = {"tinytorch_us": per_op[f"tinytorch|{case}"], "numpy_us": per_op[numpy_key],
                      "overhead_us": per_op[f"tinytorch|{case}"] - per_op[numpy_key]}
    return {"ops": 2 * n, "backend": backend, "rows": rows}


def profile(n=1000, calls=20, top=12, backend="vectorized"):
    """cProfile's report of ``calls`` forward+backward chains: where the overhead is spent."""
    with use_backend(backend):
        step = tinytorch_cases(n)["forward + backward"]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            step()
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()
