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
* **quality, latency and throughput** come from ``tasks.py``: accuracy (and, for a
  language model, validation loss) through the same code path that answers the timed
  queries, timed as MLPerf's LoadGen does (``loadgen.py``): SingleStream at batch 1 for
  at least 1,024 queries and 10 s, p50, p90 (the early-stopping estimate) and p99;
  Offline throughput at the data's batch size. We report percentiles, not the mean:
  p50 is the typical call, p90 and p99 the slow tail a user also waits for.
* **peak memory** is the weights as stored plus the peak of everything allocated while
  one batch runs (activations and temporaries), as ``tracemalloc`` sees it; NumPy reports
  its arrays to tracemalloc.

Every number comes from running the model in this process, never from a formula of
its configuration alone.

Read next: ``events.py``, which turns these numbers into scores.
"""

import math
import time
import tracemalloc
from dataclasses import asdict, dataclass

import numpy as np
from rich.table import Table

from tinytorch.core import Tensor, no_grad

from . import loadgen, tasks


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


def stored_values(model):
    """Numbers the model stores: every array of its state dict (parameters, buffers, int8
    weights and their scales). ``Module.num_parameters`` counts trainable parameters."""
    return int(sum(array.size for array in model.state_dict().values()))


def layer_flops(module, input_shape, output_shape):
    """FLOPs of one call: 2 per multiply-add of a weighted layer, else 0 (see the module docstring)."""
    # region 15 profiling: 2 FLOPs per multiply-add: Linear rows*in*out; Conv2d positions*C*kh*kw*F; others 0
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        rows = math.prod(output_shape[:-1])
        return 2 * rows * module.in_features * module.out_features
    if hasattr(module, "in_channels") and hasattr(module, "kernel_size"):
        kh, kw = module.kernel_size
        positions = math.prod(output_shape) // module.out_channels  # N * OH * OW
        return 2 * positions * module.in_channels * kh * kw * module.out_channels
    return 0
    # endregion


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
    """``(fraction right, examples)`` over ``loader``, in eval mode, as the Olympics score it
    (``tasks.ClassifierTask``; a right prediction is ``optim.trainer.count_correct``'s)."""
    with tasks.Evaluating(model):
        quality = tasks.ClassifierTask(model, loader, batch_size=1).quality()
    return quality["accuracy"], quality["test_examples"]


def benchmark(model, test_loader, warmup=5, runs=50, batch_size=1, throughput_batch=64, settings=None):
    """Every number the events score, measured now: a dict ready for ``metrics.json``.

    Quality, latency and throughput come from ``tasks.py`` (one code path for accuracy
    and performance, timed the LoadGen way by ``loadgen.py``) under ``settings`` (a
    ``loadgen.Settings``). Without settings, ``runs`` queries after ``warmup``: a quick
    look that the result marks as short of the rules. ``runs`` also times the layers.
    """
    settings = settings or loadgen.Settings(min_queries=runs, min_seconds=0.0, warmup=warmup)
    task = tasks.make_task(model, test_loader, throughput_batch, batch_size)
    measured = task.measure(settings)
    example = tasks.first_examples(test_loader.dataset, 1)
    layers = profile_layers(model, example, runs)
    return {
        **measured,
        "model_bytes": model_bytes(model),
        "stored_values": stored_values(model),
        "flops": sum(row.flops for row in layers),
        "peak_memory_bytes": peak_memory(model, example) + measured.get("kv_cache_bytes", 0),
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
