"""Single kernels through the Tensor API: matmul, conv2d, attention, layer norm.

Each op runs on every installed backend, in PyTorch when it is importable, and, for
matmul, as a bare ``np.matmul`` call: the speed of the BLAS underneath everything, which
a backend can only approach (the goal: vectorized reaches 0.95 of it at 1024x1024).

We time the forward pass with the graph being recorded (inputs require grad, as in
training) and forward plus backward (``out.backward(ones)``), the inputs' ``.grad``
cleared before each call so no call pays for accumulating into the last one's.

The shapes are the reference models' (``train.py``): the CNN's second convolution, the
GPT's attention and layer norm. The naive backend runs them too, under a time limit:
where one call takes longer, the table says so (its small matmul row is the one it can
finish).

Read next: ``train.py``.
"""

from dataclasses import dataclass

import numpy as np

from tinytorch.core import Tensor, use_backend
from tinytorch.core import functional as F

from . import timing


@dataclass(frozen=True)
class Op:
    name: str
    shapes: str
    inputs: tuple  # shapes of the float32 inputs
    tinytorch: object  # (*Tensors) -> Tensor
    torch: object  # (torch, *torch tensors) -> torch tensor
    flops: int = 0  # for matmul: 2 n^3, reported as GFLOP/s


def _matmul(n):
    return Op("matmul", f"{n}x{n} @ {n}x{n}", ((n, n), (n, n)), lambda a, b: a @ b,
              lambda torch, a, b: a @ b, 2 * n**3)


OPS = [
    _matmul(1024),
    _matmul(128),
    Op("conv2d", "64x8x14x14, 16 filters 3x3", ((64, 8, 14, 14), (16, 8, 3, 3), (16,)), F.conv2d,
       lambda torch, x, w, b: torch.nn.functional.conv2d(x, w, b)),
    Op("attention", "causal, 16x4x128x32", ((16, 4, 128, 32),) * 3,
       lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
       lambda torch, q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)),
    Op("layer_norm", "16x128x128", ((16, 128, 128), (128,), (128,)), F.layer_norm,
       lambda torch, x, w, b: torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b)),
]


def _arrays(op):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(np.float32) for shape in op.inputs]


def _pair(forward, leaves, clear):
    """(forward, forward + backward) callables."""
    out = forward()
    ones = np.ones(out.shape, dtype=np.float32)

    def both():
        clear()
        forward().backward(ones if isinstance(out, Tensor) else out.new_ones(out.shape))

    return forward, both


def tinytorch_pair(op, backend):
    with use_backend(backend):
        leaves = [Tensor(a, requires_grad=True) for a in _arrays(op)]

    def forward():
        with use_backend(backend):
            return op.tinytorch(*leaves)

    def clear():
        for t in leaves:
            t.grad = None

    return _pair(forward, leaves, clear)


def torch_pair(op, torch):
    leaves = [torch.from_numpy(a).requires_grad_() for a in _arrays(op)]

    def clear():
        for t in leaves:
            t.grad = None

    return _pair(lambda: op.torch(torch, *leaves), leaves, clear)


def run(backends, repeats=15, limit=10.0, torch=None, on_sample=None):
    """``{"ms": {op label: {contender: {"forward": ms, "forward_backward": ms}}}, ...}``.

    Also ``notes`` (skipped or shortened contenders), ``gflops`` (matmul forward) and
    ``matmul_vs_numpy`` (``numpy time / backend time`` at the largest matmul: 1.0 is
    BLAS speed, above 1 impossible, below it overhead).
    """
    table, notes, gflops = {}, {}, {}
    for op in OPS:
        label = f"{op.name} {op.shapes}"
        cases = {}
        for backend in backends:
            cases[backend] = tinytorch_pair(op, backend)
        if torch is not None:
            cases["torch"] = torch_pair(op, torch)
        timed = {f"{c}|forward": pair[0] for c, pair in cases.items()}
        timed.update({f"{c}|forward_backward": pair[1] for c, pair in cases.items()})
        if op.flops:
            a, b = _arrays(op)
            timed["numpy|forward"] = lambda a=a, b=b: np.matmul(a, b)
        results = timing.interleaved(timed, repeats, limit=limit,
                                     on_sample=on_sample and (lambda d, t, n=label: on_sample(n, d, t)))
        table[label], notes[label] = {}, {}
        for key, m in results.items():
            contender, kind = key.split("|")
            table[label].setdefault(contender, {})[kind] = m.median_ms
            if m.note:
                notes[label][f"{contender} {kind.replace('_', '+')}"] = m.note
        if not notes[label]:
            del notes[label]
        if op.flops:
            gflops[label] = {c: op.flops / (ms["forward"] * 1e6) for c, ms in table[label].items()
                             if ms.get("forward")}
    biggest = f"{OPS[0].name} {OPS[0].shapes}"
    numpy_ms = table[biggest]["numpy"]["forward"]
    vs_numpy = {c: numpy_ms / ms["forward"] for c, ms in table[biggest].items()
                if c != "numpy" and ms.get("forward") and numpy_ms}
    return {"ms": table, "gflops": gflops, "matmul_vs_numpy": vs_numpy, "matmul_shape": biggest, "notes": notes}
