"""Time each fused composite against the vectorized default, forward and backward.

Not a test (timings are noisy): run it by hand, ``python benchmarks/compare.py``. Each
kernel is called directly on NumPy arrays, so the numbers are the kernels' alone, with
no autograd around them. Shapes are the project's models: an MNIST MLP layer, a small
CNN's first conv and pool, and a GPT block (batch 16, 4 heads, 128 tokens, d 128).
"""

import timeit

import numpy as np

from tinytorch.core import get_backend, no_grad

rng = np.random.default_rng(0)


def r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


causal = np.tril(np.ones((128, 128), dtype=bool))
CASES = [  # name, kernel, inputs, extra arguments
    ("linear+relu 64x784 @ 784x256", "linear", (r(64, 784), r(256, 784), r(256)), ("relu",)),
    ("linear+gelu 2048x128 @ 128x512", "linear", (r(2048, 128), r(512, 128), r(512)), ("gelu",)),
    ("conv2d+relu 64x1x28x28, 8x3x3", "conv2d", (r(64, 1, 28, 28), r(8, 1, 3, 3), r(8)), (1, 1, "relu")),
    ("conv2d+relu 64x8x14x14, 16x3x3", "conv2d", (r(64, 8, 14, 14), r(16, 8, 3, 3), r(16)), (1, 1, "relu")),
    ("max_pool2d 64x8x28x28 k2", "max_pool2d", (r(64, 8, 28, 28),), (2,)),
    ("avg_pool2d 64x8x28x28 k2", "avg_pool2d", (r(64, 8, 28, 28),), (2,)),
    ("attention causal B16 H4 T128 d32", "scaled_dot_product_attention", (r(16, 4, 128, 32),) * 3, (None, True)),
    ("layer_norm 16x128x128", "layer_norm", (r(16, 128, 128), r(128), r(128)), ()),
    ("gelu 16x128x512", "gelu", (r(16, 128, 512),), ()),
    ("softmax 16x4x128x128", "softmax", (r(16, 4, 128, 128),), ()),
    ("log_softmax 2048x65", "log_softmax", (r(2048, 65),), ()),
    ("cross_entropy 2048x65", "cross_entropy", (r(2048, 65),), (rng.integers(0, 65, 2048),)),
]


def timers(backend, kernel, inputs, extra):
    """Zero-argument callables: forward, backward, and forward under no_grad."""
    forward = getattr(backend, kernel)
    backward = getattr(backend, kernel + "_backward")
    out, ctx = forward(*inputs, *extra)
    g = np.ones_like(out)

    def inference():
        with no_grad():  # no graph: fused may use scratch buffers here
            forward(*inputs, *extra)

    return (lambda: forward(*inputs, *extra), lambda: backward(g, ctx, (True,) * len(inputs)), inference)


def race(a, b, rounds=15):
    """Best time per call of ``a`` and of ``b``, taking turns so load from other
    processes hits both alike."""
    number = max(1, int(0.01 / max(timeit.timeit(a, number=1), 1e-6)))
    ta, tb = [], []
    for _ in range(rounds):
        ta.append(timeit.timeit(a, number=number) / number)
        tb.append(timeit.timeit(b, number=number) / number)
    return min(ta), min(tb)


def main():
    vec, fused = get_backend("vectorized"), get_backend("fused")
    print(f"{'kernel':36} {'fwd ms':>8} {'x':>6} {'bwd ms':>8} {'x':>6} {'infer ms':>9} {'x':>6}")
    for name, kernel, inputs, extra in CASES:
        pairs = zip(timers(vec, kernel, inputs, extra), timers(fused, kernel, inputs, extra), strict=True)
        cells = "".join(f" {f * 1e3:8.3f} {v / f:5.2f}x" for v, f in (race(v, f) for v, f in pairs))
        print(f"{name:36}{cells}", flush=True)
    print("x = vectorized time / fused time (above 1: fused is faster)")


if __name__ == "__main__":
    main()
