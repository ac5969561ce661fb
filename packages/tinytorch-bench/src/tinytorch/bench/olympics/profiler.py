"""Profiler: what a model costs, measured on the model itself.

Per layer (``profile_layers``): parameters, bytes as stored, FLOPs and time for one
example. For the whole model (``benchmark``): accuracy, bytes, latency, throughput and
peak memory, the numbers the Olympics events score.

How each is measured:

* **bytes** are the state dict's arrays as stored: an int8 weight counts one byte, a
  float16 scale two, a float32 weight four. A pruned weight that is zero but still stored
  costs as much as any other.
* **FLOPs** count the multiply-adds of the layers that hold weights, two FLOPs each:
  a Linear (or its int8 version) costs ``2 * in * out`` per row, a Conv2d
  ``2 * C_in * kh * kw * C_out`` per output position. Activations, pooling and the
  attention scores are left out; they are small beside the matrix products.
* **latency** times ``model(x)`` at ``batch_size`` (1 by default) with
  ``time.perf_counter``, in eval mode under ``no_grad``, after ``warmup`` untimed calls
  (the first calls pay for allocations and caches). We report percentiles, not the mean:
  p50 is the typical call, p90 and p99 the slow tail a user also waits for.
* **throughput** is examples per second at a larger batch (the data's batch size).
* **peak memory** is the weights as stored plus the peak of everything allocated while
  one batch runs (activations and temporaries), as ``tracemalloc`` sees it; NumPy reports
  its arrays to tracemalloc.

Every number comes from running the model in this process, never from a formula of
its configuration alone.

Read next: ``olympics.py``, which turns these numbers into scores.
"""

import math
import time
import tracemalloc
from dataclasses import asdict, dataclass

import numpy as np
from rich.table import Table

from tinytorch.core import Tensor, no_grad
from tinytorch.core.data import DataLoader


@dataclass
class LayerProfile:
    name: str
    kind: str
    output_shape: tuple
    parameters: int
    bytes: int
    flops: int
    time_ms: float


def model_bytes(model):
    """Bytes of the model as stored: the sum of its state dict's arrays."""
    return int(sum(array.nbytes for array in model.state_dict().values()))


def num_parameters(model):
    """Numbers in the state dict (parameters and buffers, int8 ones included)."""
    return int(sum(array.size for array in model.state_dict().values()))


def layer_flops(module, input_shape, output_shape):
    """FLOPs of one call: 2 per multiply-add of a weighted layer, else 0 (see the module docstring)."""
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        rows = math.prod(output_shape[:-1])
        return 2 * rows * module.in_features * module.out_features
    if hasattr(module, "in_channels") and hasattr(module, "kernel_size"):
        kh, kw = module.kernel_size
        positions = math.prod(output_shape) // module.out_channels  # N * OH * OW
        return 2 * positions * module.in_channels * kh * kw * module.out_channels
    return 0


def profile_layers(model, example, runs=20):
    """One ``LayerProfile`` per layer (per leaf of the module tree), in model order.

    ``example`` is one batch (usually of one example); each layer is timed over ``runs``
    calls of the whole model.
    """
    _infer(model, example, 1)  # warm-up: the first call pays for one-time allocations
    rows = {}
    watched = [(name or "(model)", m) for name, m in model.named_modules() if next(m.children(), None) is None]
    for name, module in watched:
        own = module.state_dict().values()  # a leaf's state is its own tensors
        rows[name] = LayerProfile(name, type(module).__name__, (), sum(a.size for a in own),
                                  sum(a.nbytes for a in own), 0, 0.0)

        def timed(*args, name=name, module=module, forward=module.forward, **kwargs):
            start = time.perf_counter()
            out = forward(*args, **kwargs)
            rows[name].time_ms += (time.perf_counter() - start) * 1000 / runs
            if isinstance(out, Tensor) and args and isinstance(args[0], Tensor):
                rows[name].output_shape = out.shape
                rows[name].flops = layer_flops(module, args[0].shape, out.shape)
            return out

        module.forward = timed  # an instance attribute shadows the method while we watch
    try:
        _infer(model, example, runs)
    finally:
        for _, module in watched:
            del module.__dict__["forward"]
    return list(rows.values())


def _infer(model, x, times):
    """Run ``model(x)`` ``times`` times in eval mode without building a graph."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for _ in range(times):
                model(x)
    finally:
        model.train(was_training)


def latency(model, example, warmup=5, runs=50):
    """Milliseconds per ``model(example)``: ``{"p50", "p90", "p99", "mean"}`` over ``runs`` calls."""
    _infer(model, example, warmup)
    times = []
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for _ in range(runs):
                start = time.perf_counter()
                model(example)
                times.append((time.perf_counter() - start) * 1000)
    finally:
        model.train(was_training)
    p50, p90, p99 = np.percentile(times, [50, 90, 99])
    return {"p50": float(p50), "p90": float(p90), "p99": float(p99), "mean": float(np.mean(times))}


def throughput(model, batch, warmup=2, min_runs=10, min_seconds=0.2):
    """Examples per second running ``batch`` through the model, at least ``min_runs`` times
    and ``min_seconds`` long (a short measurement is at the mercy of one hiccup)."""
    _infer(model, batch, warmup)
    runs, start = 0, time.perf_counter()
    while runs < min_runs or time.perf_counter() - start < min_seconds:
        _infer(model, batch, 1)
        runs += 1
    return len(batch) * runs / (time.perf_counter() - start)


def peak_memory(model, batch):
    """Bytes: the model as stored plus the peak allocated while ``batch`` runs through it."""
    tracemalloc.start()
    try:
        _infer(model, batch, 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return model_bytes(model) + peak


def accuracy(model, loader):
    """``(fraction right, examples)`` over ``loader``, predicting the argmax class."""
    was_training = model.training
    model.eval()
    right = total = 0
    try:
        with no_grad():
            for x, y in loader:
                predicted = model(x).data.argmax(axis=-1)
                right += int((predicted == y.data).sum())
                total += y.data.size
    finally:
        model.train(was_training)
    return right / max(total, 1), total


def first_examples(dataset, count):
    """The first ``count`` inputs of ``dataset``, as one batch."""
    return next(iter(DataLoader(dataset, batch_size=min(count, len(dataset)))))[0]


def benchmark(model, test_loader, warmup=5, runs=50, batch_size=1, throughput_batch=64):
    """Every number the events score, measured now: a dict ready for ``metrics.json``."""
    dataset = test_loader.dataset
    acc, examples = accuracy(model, test_loader)
    big = first_examples(dataset, throughput_batch)
    layers = profile_layers(model, first_examples(dataset, 1))
    return {
        "accuracy": acc,
        "test_examples": examples,
        "latency_ms": latency(model, first_examples(dataset, batch_size), warmup, runs),
        "latency_batch_size": batch_size,
        "throughput": throughput(model, big),
        "throughput_batch_size": len(big),
        "model_bytes": model_bytes(model),
        "parameters": num_parameters(model),
        "flops": sum(row.flops for row in layers),
        "peak_memory_bytes": peak_memory(model, big),
        "layers": layers_as_dicts(layers),
    }


def layers_as_dicts(rows):
    return [{**asdict(row), "output_shape": list(row.output_shape)} for row in rows]


def layer_table(measured, title):
    """A rich table of ``measured["layers"]`` (from ``benchmark``) with a total row and the whole-model numbers."""
    table = Table(title=title)
    for heading in ("layer", "type", "output", "params", "bytes", "FLOPs", "time (ms)"):
        table.add_column(heading, justify="left" if heading in ("layer", "type") else "right")
    layers = measured["layers"]
    for row in layers:
        shape = "x".join(map(str, row["output_shape"])) or "-"
        table.add_row(row["name"], row["kind"], shape, f"{row['parameters']:,}", f"{row['bytes']:,}",
                      f"{row['flops']:,}", f"{row['time_ms']:.4f}")
    table.add_section()
    table.add_row("total", "", "", f"{sum(r['parameters'] for r in layers):,}", f"{measured['model_bytes']:,}",
                  f"{measured['flops']:,}", f"{sum(r['time_ms'] for r in layers):.4f}")
    latency = measured["latency_ms"]
    table.caption = (
        f"accuracy {measured['accuracy']:.2%} on {measured['test_examples']} examples; latency at batch "
        f"{measured['latency_batch_size']}: p50 {latency['p50']:.4f} ms, p90 {latency['p90']:.4f} ms, "
        f"p99 {latency['p99']:.4f} ms; throughput {measured['throughput']:,.0f} examples/s at batch "
        f"{measured['throughput_batch_size']}; peak memory {measured['peak_memory_bytes']:,} bytes"
    )
    return table
