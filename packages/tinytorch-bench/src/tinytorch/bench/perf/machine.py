"""The machine a benchmark ran on: a number means little without it.

We record the CPU model and core count, the Python and NumPy versions, which BLAS NumPy
calls for matrix products and with how many threads, PyTorch's version and threads when
it is installed, the date, and the load average (other processes compete for the same
cores; we read it at the start and at the end).

For a fair race PyTorch gets as many threads as NumPy's BLAS uses (`match_torch_threads`).
The BLAS thread count is asked from (and `set_threads` tells) the library NumPy loaded,
through its C API (``openblas_get_num_threads`` and friends); when that fails we fall
back on the environment.

Read next: ``ops.py``.
"""

import ctypes
import datetime
import os
import platform

import numpy as np


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    """The 1, 5 and 15 minute load averages, or None where the OS does not say."""
    try:
        return tuple(round(x, 2) for x in os.getloadavg())
    except OSError:
        return None


def blas():
    """``(name and version, threads)`` of the BLAS NumPy uses; threads may be None."""
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:  # older NumPy: no dicts mode
        name = "unknown"
    return name, _blas_threads()


def _blas_call(symbols, *args):
    """Call the first of ``symbols`` that the BLAS NumPy loaded exports; None if none does."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() and line.rstrip().endswith(".so")}
    except OSError:
        return None
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for symbol in symbols:
            if hasattr(lib, symbol):
                return getattr(lib, symbol)(*args)
    return None


def _blas_threads():
    threads = _blas_call(("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                          "openblas_get_num_threads", "MKL_Get_Max_Threads"))
    if threads is not None:
        return int(threads)
    for variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(variable, "").isdigit():
            return int(os.environ[variable])
    return None


def set_threads(threads, torch=None):
    """Use ``threads`` BLAS threads (and as many in PyTorch). On a loaded machine one
    thread is often faster: a second one mostly waits for a free core."""
    done = _blas_call(("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                       "openblas_set_num_threads", "MKL_Set_Num_Threads"), threads)
    if done is None and _blas_threads() != threads:
        raise RuntimeError(f"cannot set NumPy's BLAS to {threads} threads from here; "
                           f"set OPENBLAS_NUM_THREADS={threads} before starting instead")
    if torch is not None:
        torch.set_num_threads(threads)


def torch_or_none():
    """PyTorch when it is importable (it is optional), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def match_torch_threads(torch):
    """Give PyTorch as many threads as NumPy's BLAS has; returns the count used."""
    threads = blas()[1] or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    return threads


def describe():
    """Everything above as a dict (JSON-ready)."""
    blas_name, blas_threads = blas()
    torch = torch_or_none()
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_name,
        "blas_threads": blas_threads,
        "torch": torch.__version__ if torch else None,
        "torch_threads": torch.get_num_threads() if torch else None,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average": load_average(),
    }
