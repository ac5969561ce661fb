"""Adagrad, RMSprop, Adadelta: a step size per coordinate, from its gradient's history.

The family tree that leads to Adam, each exactly as PyTorch computes it (``g`` already
includes ``weight_decay * p`` when that is set):

* **Adagrad** (Duchi et al., 2011) divides by the root of the *sum* of all squared
  gradients so far: coordinates that have moved a lot slow down. The sum only grows,
  so every step size shrinks for ever::

      sum += g**2;  p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)

* **RMSprop** (Hinton's lecture notes) uses a running *average* instead, so old
  gradients are forgotten and the step size can grow again::

      v = alpha * v + (1 - alpha) * g**2;  p -= lr * g / (sqrt(v) + eps)

  ``centered`` also tracks the mean gradient and divides by the variance's root instead;
  ``momentum`` accumulates the scaled steps as SGD does.

* **Adadelta** (Zeiler, 2012) also averages the squared *updates*, and scales each step
  by their root over the gradients' root, so the step has the parameter's units and
  ``lr=1.0`` is the natural default::

      v = rho * v + (1 - rho) * g**2
      d = sqrt(u + eps) / sqrt(v + eps) * g
      u = rho * u + (1 - rho) * d**2;  p -= lr * d

Read next: ``adam.py``, which adds momentum to RMSprop's denominator and corrects the bias.
"""

import numpy as np

from .optimizer import Optimizer, with_weight_decay


def _check_range(name, value, low=0.0, high=1.0):
    if not low <= value <= high:
        raise ValueError(f"invalid {name}: {value!r}; expected {low} <= {name} <= {high}")


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10)``."""

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def validate(self, group):
        super().validate(group)
        _check_range("lr_decay", group["lr_decay"], high=float("inf"))
        _check_range("initial_accumulator_value", group["initial_accumulator_value"], high=float("inf"))

    def update(self, param, grad, group, state, scratch):
        if not state:
            state.update(step=0, sum=np.full_like(param, group["initial_accumulator_value"]))
        state["step"] += 1
        if group["weight_decay"]:
            grad = with_weight_decay(grad, param, group["weight_decay"], out=scratch).copy()
        total = state["sum"]
        total += grad * grad
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        denom = np.sqrt(total, out=scratch)
        denom += group["eps"]
        param -= np.divide(grad, denom, out=scratch) * lr


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False)``."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def validate(self, group):
        super().validate(group)
        _check_range("alpha", group["alpha"])

    def update(self, param, grad, group, state, scratch):
        alpha = group["alpha"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param))
            if group["momentum"]:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        if group["weight_decay"]:
            grad = with_weight_decay(grad, param, group["weight_decay"], out=scratch).copy()
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            mean = state["grad_avg"]
            mean *= alpha
            mean += (1 - alpha) * grad
            denom = np.sqrt(v - mean * mean, out=scratch)
        else:
            denom = np.sqrt(v, out=scratch)
        denom += group["eps"]
        step = np.divide(grad, denom, out=scratch)
        if group["momentum"]:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += step
            step = buf
        param -= group["lr"] * step


class Adadelta(Optimizer):
    """``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0)``."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def validate(self, group):
        super().validate(group)
        _check_range("rho", group["rho"])

    def update(self, param, grad, group, state, scratch):
        rho, eps = group["rho"], group["eps"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param), acc_delta=np.zeros_like(param))
        state["step"] += 1
        if group["weight_decay"]:
            grad = with_weight_decay(grad, param, group["weight_decay"], out=scratch).copy()
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * grad * grad
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        u *= rho
        u += (1 - rho) * delta * delta
        param -= group["lr"] * delta
