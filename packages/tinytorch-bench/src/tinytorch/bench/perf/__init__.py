"""Benchmarks: how fast TinyTorch runs, measured beside NumPy and PyTorch in one process.

``tt bench ops|train|generate|overhead|all`` live here. Read in this order:

- ``timing.py``: how anything is timed (interleaved rounds, medians, a time limit);
- ``machine.py``: what it ran on (CPU, BLAS and its threads, load);
- ``ops.py``: single kernels (matmul against raw NumPy GEMM, conv2d, attention, layer norm);
- ``train.py``: one full training step of three reference models, and the same in PyTorch;
- ``kernels.py``: where a step's time goes, and the floor its matrix products set;
- ``generate.py``: tokens per second with and without the KV cache;
- ``overhead.py``: what the autograd engine costs per op, beyond the NumPy kernel;
- ``report.py``: the goals, met or missed, and ``docs/benchmarks.md``;
- ``commands.py``: the ``tt bench`` commands, added through ``tinytorch_register_commands``.
"""
