"""Gradient clipping: cap the length of the whole gradient before a step.

Treat every parameter's gradient as one long vector. If its length (L2 norm) is above
``max_norm``, scale all of them down by the same factor so the length is ``max_norm``.
The direction is unchanged; only an unusually large step (a loss spike, an exploding
RNN or transformer gradient) is shortened.

Read next: ``trainer.py``, which calls this between ``backward()`` and ``step()``.
"""

import math

import numpy as np

from tinytorch.core import Tensor


def clip_grad_norm_(parameters, max_norm):
    """Scale gradients in place so their total L2 norm is at most ``max_norm``.

    Returns the total norm before clipping, as a float (``inf`` or ``nan`` if some
    gradient is). Parameters without a gradient are skipped.
    """
    if not max_norm >= 0:
        raise ValueError(f"max_norm must be >= 0, found {max_norm!r}")
    parameters = [parameters] if isinstance(parameters, Tensor) else parameters
    grads = [p.grad.data for p in parameters if p.grad is not None]
    # vdot is one BLAS call per gradient: no squared copy of the gradient is made.
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    scale = max_norm / (total + 1e-6)  # the epsilon is PyTorch's, so results match
    if scale < 1:
        for g in grads:
            g *= scale
    return total
