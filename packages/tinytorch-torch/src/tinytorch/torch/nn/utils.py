"""``torch.nn.utils``: gradient clipping, which TinyTorch keeps in ``tinytorch.optim.clip``.

PyTorch returns the total norm as a 0-d tensor (scripts call ``.item()`` on it);
``tinytorch.optim.clip_grad_norm_`` returns a float, so it is wrapped here (in the
gradients' dtype, as PyTorch).

Read next: ``tinytorch.optim.clip``.
"""

import numpy as np

from tinytorch.core import Tensor
from tinytorch.optim import clip_grad_norm_ as _clip_grad_norm_


def clip_grad_norm_(parameters, max_norm, norm_type=2.0):
    """Scale gradients in place so their total L2 norm is at most ``max_norm``; return that norm."""
    if norm_type != 2.0:
        raise NotImplementedError(f"clip_grad_norm_: only norm_type=2 is implemented, found {norm_type!r}")
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    dtypes = [p.grad.dtype for p in parameters if p.grad is not None]
    return Tensor(np.asarray(_clip_grad_norm_(parameters, max_norm), dtype=dtypes[0] if dtypes else np.float32))
