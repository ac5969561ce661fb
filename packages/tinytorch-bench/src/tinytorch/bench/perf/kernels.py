"""Where a training step's time goes, kernel by kernel.

To say why a step is slow we need to know which kernels dominate it. We shadow every
kernel of one backend object (primitives, composites and their backwards) with a timed
wrapper, run a few steps, and add up the seconds per kernel. A composite built from
primitives (the defaults in ``tinytorch.core.backend``) is charged as a whole: only the
outermost kernel call is timed, so nothing is counted twice. What is left of the step
is outside every kernel: the autograd engine, the optimizer, Python.

The wrappers are instance attributes, removed afterwards; the backend's class is not
touched. Timing adds a little to every call, so the shares are what matter here, not
the absolute numbers (``train.py`` measures those, unwrapped).

``gemm_floor`` answers "what can no backend beat?": it records the shapes of every
``linear`` layer's matrix products in one step (forward ``x @ w.T``; backward ``g @ w``
and ``g.T @ x`` where a gradient is needed) and times those products alone, as bare
``np.matmul`` calls. A step on NumPy's BLAS cannot be faster than that.

Read next: ``generate.py``; ``report.py`` turns these numbers into the "why" of a missed goal.
"""

import math
from collections import defaultdict

import numpy as np

from tinytorch.core import get_backend
from tinytorch.core.backend import COMPOSITES, PRIMITIVES

from . import timing

KERNELS = PRIMITIVES + COMPOSITES + tuple(name + "_backward" for name in COMPOSITES)


def breakdown(step, backend, steps=3):
    """``{"step_ms", "kernels": {kernel: ms per step}, "outside_ms"}``, largest kernel first.

    ``step`` is a zero-argument training step that runs on ``backend`` (a name).
    """
    be = get_backend(backend)
    seconds, depth = defaultdict(float), [0]

    def timed(name, kernel):
        def call(*args, **kwargs):
            if depth[0]:
                return kernel(*args, **kwargs)
            depth[0] += 1
            start = timing.clock()
            try:
                return kernel(*args, **kwargs)
            finally:
                seconds[name] += timing.clock() - start
                depth[0] -= 1

        return call

    step()  # warm up unwrapped: first-call costs belong to no kernel
    for name in KERNELS:
        setattr(be, name, timed(name, getattr(be, name)))
    try:
        start = timing.clock()
        for _ in range(steps):
            step()
        total = (timing.clock() - start) / steps
    finally:
        for name in KERNELS:
            del be.__dict__[name]
    kernels = {name: s / steps * 1000 for name, s in sorted(seconds.items(), key=lambda kv: -kv[1])}
    return {"step_ms": total * 1000, "kernels": kernels, "outside_ms": total * 1000 - sum(kernels.values())}


def linear_gemms(step, backend):
    """``[(a shape, b shape), ...]``: the matrix products of every ``linear`` call in one step.

    The backward runs the layers in reverse, so the i-th backward call pairs with the
    i-th forward call from the end.
    """
    be = get_backend(backend)
    forward, needs = [], []
    linear, linear_backward = be.linear, be.linear_backward

    def watch_forward(x, w, *args, **kwargs):
        forward.append((x.shape, w.shape))
        return linear(x, w, *args, **kwargs)

    def watch_backward(g, ctx, wanted=(True, True, True)):
        needs.append(wanted)
        return linear_backward(g, ctx, wanted)

    be.linear, be.linear_backward = watch_forward, watch_backward
    try:
        step()
    finally:
        del be.__dict__["linear"], be.__dict__["linear_backward"]
    gemms = []
    for (x_shape, (out, inner)), (need_x, need_w, _) in zip(forward, reversed(needs)):
        rows = math.prod(x_shape[:-1])
        gemms.append(((rows, inner), (inner, out)))  # x @ w.T
        if need_x:
            gemms.append(((rows, out), (out, inner)))  # g @ w
        if need_w:
            gemms.append(((out, rows), (rows, inner)))  # g.T @ x
    return gemms


def gemm_floor(step, backend, repeats=15):
    """Median milliseconds of one step's ``linear`` matrix products alone, as ``np.matmul``."""
    rng = np.random.default_rng(0)
    pairs = [(rng.standard_normal(a).astype(np.float32), rng.standard_normal(b).astype(np.float32))
             for a, b in linear_gemms(step, backend)]

    def replay():
        for a, b in pairs:
            np.matmul(a, b)

    return timing.interleaved({"gemms": replay}, repeats)["gemms"].median_ms
