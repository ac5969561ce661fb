"""Benchmarks: how fast TinyTorch runs, measured beside NumPy and PyTorch in one process.

``tt bench ops|train|generate|latency|overhead|all`` and ``tt trace`` live here. Read in this order:

- ``timing.py``: how anything is timed (interleaved rounds, medians, a time limit);
- ``machine.py``: what it ran on (CPU, BLAS and its threads, load);
- ``ops.py``: single kernels (matmul against raw NumPy GEMM, conv2d, attention, layer norm);
- ``train.py``: one full training step of three reference models, and the same in PyTorch;
- ``kernels.py``: where a step's time goes, and the floor its matrix products set;
- ``generate.py``: ms per token, KV cache or not, eager or compiled, beside PyTorch;
- ``latency.py``: batch-1 forward passes, eager, compiled and PyTorch;
- ``torch_models.py``: the same models in PyTorch, on the same weights;
- ``trace.py``: ``tt trace``, the recorded program of a model, kernel by kernel;
- ``overhead.py``: what the autograd engine costs per op, beyond the NumPy kernel;
- ``report.py``: the goals, met or missed, and ``docs/benchmarks.md``;
- ``commands.py``: the ``tt bench`` commands, added through ``tinytorch_register_commands``.
"""
