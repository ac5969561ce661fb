"""Adam and AdamW: momentum plus a per-coordinate step size, exactly as PyTorch does.

Adam keeps two running averages per parameter: ``m`` of the gradient (momentum) and ``v``
of its square (how large this coordinate's gradients usually are). At step ``t``::

    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    p = p - lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)

Both averages start at zero, so early on they are too small; dividing by ``1 - b**t``
(bias correction) undoes that. Coordinates with large gradients take smaller steps, so
one learning rate suits parameters of very different scales.

Weight decay is where the two differ. Adam adds ``weight_decay * p`` to the gradient
(an L2 penalty), which then gets divided by ``sqrt(v)`` like everything else, so
parameters with large gradients are barely decayed. AdamW (Loshchilov & Hutter) decays
the weights directly, ``p = p * (1 - lr * weight_decay)``, the same for every
coordinate; that is why it is the usual choice for transformers.

Read next: ``lr_scheduler.py``, which changes ``lr`` as training goes on.
"""

import math

import numpy as np

from .optimizer import Optimizer, with_weight_decay


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)``, L2 added to the gradient."""

    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def validate(self, group):
        if len(group["betas"]) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), found {group['betas']!r}")
        super().validate(group)

    def update(self, param, grad, group, state, scratch):
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        state["step"] += 1
        m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]

        if weight_decay and self.decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        elif weight_decay:
            grad = with_weight_decay(grad, param, weight_decay, out=scratch)

        # region 06 optimizers: m, v: moving averages of grad and grad^2; divide each by (1 - beta^t) before the step
        # m += (1 - beta1) * (grad - m), rearranged so no temporary is needed.
        m -= grad
        m *= beta1
        m += grad
        v *= beta2
        square = np.multiply(grad, grad, out=scratch)
        square *= 1 - beta2
        v += square

        denom = np.sqrt(v, out=scratch)
        denom /= math.sqrt(1 - beta2**t)
        denom += eps
        step = np.divide(m, denom, out=scratch)
        step *= lr / (1 - beta1**t)
        param -= step
        # endregion


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)``, decoupled decay."""

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
