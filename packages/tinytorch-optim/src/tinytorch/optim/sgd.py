"""SGD: step against the gradient, optionally with momentum, exactly as PyTorch does.

With gradient ``g`` (plus ``weight_decay * p`` if set), momentum ``mu`` and dampening
``d``, one step is::

    buf = g                          on the first step
    buf = mu * buf + (1 - d) * g     afterwards
    g   = g + mu * buf  if nesterov  else  buf
    p   = p - lr * g

Momentum keeps a running direction, so steps along a consistent slope grow and zig-zags
across a narrow valley cancel. Nesterov looks one momentum step ahead.

Read next: ``adam.py``, which also scales each coordinate by its gradient's history.
"""

import numpy as np

from .optimizer import Optimizer, with_weight_decay


class SGD(Optimizer):
    """Stochastic gradient descent: ``SGD(params, lr, momentum=0, dampening=0, nesterov=False, weight_decay=0)``."""

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def validate(self, group):
        super().validate(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"Nesterov momentum needs momentum > 0 and dampening = 0, found "
                f"momentum={group['momentum']} and dampening={group['dampening']}"
            )

    def update(self, param, grad, group, state, scratch):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        if group["weight_decay"]:
            grad = with_weight_decay(grad, param, group["weight_decay"], out=scratch)
        # region 06 optimizers: buf = momentum * buf + (1 - dampening) * grad (first step: a copy of grad); step by -lr
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                if dampening:  # nesterov forbids dampening, so grad is not needed again
                    buf += np.multiply(grad, 1 - dampening, out=scratch)
                else:
                    buf += grad
            if group["nesterov"]:
                # p -= lr * (grad + momentum * buf), as two updates so no temporary is needed
                param += np.multiply(grad, -lr, out=scratch)
                lr *= momentum
            grad = buf
        param += np.multiply(grad, -lr, out=scratch)
        # endregion
