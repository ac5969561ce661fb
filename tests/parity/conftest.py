"""The PyTorch parity suite: TinyTorch run side by side with PyTorch 2.13, op by op.

Every test here computes the same thing both ways, from the same NumPy inputs, and
compares the outputs and the gradients: float64 to about 1e-12 (the same maths, only
rounding apart), float32 to a float32 tolerance.

Without torch installed the suite skips (each module asks ``pytest.importorskip``), so
every other tox env stays torch-free. The ``parity`` env sets ``TINYTORCH_PARITY=1``, and
then a missing torch is an error: that env must never pass by skipping everything.

The ``parity`` fixture is the shared comparison (``parity.check``); test modules here
are named for what they compare (``test_tensor_ops.py``, ``test_optim.py``, ...).
"""

import os

import numpy as np
import pytest

try:
    import torch
except ImportError:
    torch = None
    if os.environ.get("TINYTORCH_PARITY"):
        raise RuntimeError(
            "TINYTORCH_PARITY is set but torch is not installed: the parity env needs torch==2.13.0 (CPU); "
            "see the [testenv:parity] section of tox.ini"
        ) from None

from tinytorch.core import Tensor

TOLERANCE = {np.dtype(np.float64): dict(rtol=1e-12, atol=1e-12), np.dtype(np.float32): dict(rtol=2e-5, atol=2e-6)}


class Parity:
    """Run ``ours(*tensors)`` and ``theirs(*torch_tensors)`` on the same arrays and compare."""

    def __init__(self, torch):
        self.torch = torch
        torch.set_num_threads(1)  # as the tests' NumPy: one BLAS thread, and rounding that does not vary

    def check(self, ours, theirs, arrays, grad=True, seed=0, tolerance=None):
        """Compare forward values and, when ``grad``, the gradient of each float input.

        Outputs may be a tensor or a sequence of tensors (``split``, ``max(dim=)``); the
        gradient is that of ``sum(out_i * w_i)`` over the float outputs, for random ``w_i``.
        """
        tolerance = tolerance or TOLERANCE[np.dtype(arrays[0].dtype)]
        floats = [a.dtype.kind == "f" for a in arrays]
        mine = [Tensor(a.copy(), requires_grad=grad and f) for a, f in zip(arrays, floats)]
        torch_in = [self.torch.tensor(a.copy(), requires_grad=grad and f) for a, f in zip(arrays, floats)]
        out_mine, out_torch = _as_list(ours(*mine)), _as_list(theirs(*torch_in))
        assert len(out_mine) == len(out_torch), f"{len(out_mine)} outputs, PyTorch gives {len(out_torch)}"
        for i, (a, b) in enumerate(zip(out_mine, out_torch)):
            b = b.detach().numpy()
            assert a.shape == b.shape, f"output {i}: shape {a.shape}, PyTorch {b.shape}"
            assert a.dtype == b.dtype, f"output {i}: dtype {a.dtype}, PyTorch {b.dtype}"
            if a.dtype.kind == "f":
                np.testing.assert_allclose(a.data, b, **tolerance, err_msg=f"output {i} differs from PyTorch")
            else:  # indices, masks: exactly
                np.testing.assert_array_equal(a.data, b, err_msg=f"output {i} differs from PyTorch")
        if not grad:
            return
        rng = np.random.default_rng(seed)
        weights = [rng.standard_normal(a.shape).astype(a.dtype) for a in out_mine]
        pairs = [(a, b, w) for a, b, w in zip(out_mine, out_torch, weights) if a.dtype.kind == "f" and a.requires_grad]
        if not pairs:
            return
        sum(((a * Tensor(w)).sum() for a, _, w in pairs), Tensor(np.zeros((), arrays[0].dtype))).backward()
        sum((b * self.torch.tensor(w)).sum() for _, b, w in pairs).backward()
        for i, (a, b) in enumerate(zip(mine, torch_in)):
            if not a.requires_grad:
                continue
            theirs_grad = np.zeros(a.shape, a.dtype) if b.grad is None else b.grad.numpy()
            ours_grad = np.zeros(a.shape, a.dtype) if a.grad is None else a.grad.data
            np.testing.assert_allclose(ours_grad, theirs_grad, **tolerance,
                                       err_msg=f"gradient of input {i} differs from PyTorch")


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


@pytest.fixture(scope="session")
def parity():
    if torch is None:
        pytest.skip("torch is not installed (the parity env installs it)")
    return Parity(torch)
