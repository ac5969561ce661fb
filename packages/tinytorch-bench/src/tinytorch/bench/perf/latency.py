"""Batch-1 latency: one forward pass of mlp, lenet and gpt, eager, compiled and PyTorch.

At batch 1 the arithmetic is small and a framework's fixed cost per layer is most of
the time, which is what compiled execution (``tinytorch.core.compile``) removes. Each
model is built once (same seed: same weights and input) and timed interleaved with the
others (``timing.py``):

- ``mlp``: 64-128-64-10 with ReLU, one example;
- ``lenet``: ``tinytorch.nn.models.lenet`` on one 1x28x28 image;
- ``gpt``: the 2017 milestone's GPT on one 64-token window.

The backend is chosen once around the timing. ``eager`` calls the module under
``no_grad()``; ``compiled`` calls ``compile(model)`` (which needs no ``no_grad()``);
``torch`` is PyTorch eager under ``inference_mode`` on the same weights; ``numpy``
(mlp only) is the same arithmetic as bare NumPy calls, the floor any NumPy framework
can reach.

Read next: ``report.py``.
"""

import numpy as np

import tinytorch.nn as nn
from tinytorch.core import Tensor, compile, get_backend, no_grad, use_backend
from tinytorch.nn import models

from . import generate, timing, torch_models

WORKLOADS = ("mlp", "lenet", "gpt")


def _build(name):
    """``(model, input)`` for one workload; the input is what ``model`` takes."""
    rng = np.random.default_rng(0)
    nn.manual_seed(0)
    if name == "mlp":
        return models.mlp({"input_shape": (64,), "num_classes": 10}, hidden=(128, 64)), \
            Tensor(rng.standard_normal((1, 64)).astype(np.float32))
    if name == "lenet":
        return models.lenet({"input_shape": (1, 28, 28), "num_classes": 10}), \
            Tensor(rng.standard_normal((1, 1, 28, 28)).astype(np.float32))
    from tinytorch.text import GPT

    size, _ = generate.model_size()
    return GPT(**size, max_seq_len=64), rng.integers(0, size["vocab_size"], (1, 64))


def _numpy_mlp(model, x):
    """The MLP as bare NumPy: one matmul, add and maximum per layer."""
    layers = [(m.weight.data.T.copy(), m.bias.data) for m in model if type(m).__name__ == "Linear"]
    a = x.data

    def forward():
        h = a
        for i, (w, b) in enumerate(layers):
            h = np.matmul(h, w)
            h += b
            if i < len(layers) - 1:
                np.maximum(h, 0, out=h)
        return h

    return forward


def _contenders(name, backend, torch):
    with use_backend(backend):
        model, x = _build(name)
    model.eval()
    compiled = compile(model)

    def eager():
        with no_grad():
            return model(x)

    cases = {"eager": eager, "compiled": lambda: compiled(x)}  # compiled needs no no_grad()
    if torch is not None:
        net = torch_models.gpt(torch, model) if name == "gpt" else torch_models.sequential(torch, model)
        tx = torch.from_numpy(np.asarray(x.data if isinstance(x, Tensor) else x))

        def torch_call():
            with torch.inference_mode():
                return net(tx)

        cases["torch"] = torch_call
    if name == "mlp":
        cases["numpy"] = _numpy_mlp(model, x)
    return cases


def run(backend=None, workloads=WORKLOADS, repeats=15, torch=None, on_sample=None):
    """``{"backend", "ms": {workload: {contender: ms}}, "notes"}``: medians of one batch-1 forward."""
    backend = backend or get_backend().name
    ms, notes = {}, {}
    for name in workloads:
        with use_backend(backend):  # chosen once, outside the timed calls, as a user would
            results = timing.interleaved(_contenders(name, backend, torch), repeats, warmup=3,
                                         on_sample=lambda d, t, n=name: on_sample and on_sample(f"latency {n}", d, t))
        ms[name] = {c: m.median_ms for c, m in results.items()}
        notes[name] = {c: m.note for c, m in results.items() if m.note}
    return {"backend": backend, "ms": ms, "notes": {k: v for k, v in notes.items() if v}}
