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

Read next: ``report.py``, which turns these shares into the "why" of a missed goal.
"""

from collections import defaultdict

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
