"""Optimizer: the loop every optimizer shares; each subclass says how one parameter moves.

An optimizer holds *parameter groups*: lists of tensors that share hyperparameters
(``lr``, ``weight_decay``, ...). ``SGD(model.parameters(), lr=0.1)`` makes one group; a
list of dicts makes several, each dict overriding the defaults for its own tensors, as in
PyTorch::

    SGD([{"params": body.parameters()}, {"params": head.parameters(), "lr": 0.01}], lr=0.1)

``step()`` walks every parameter that has a gradient and hands it to ``update``, the one
method a subclass writes. Updates change ``p.data`` in place with NumPy ``out=``
operations and one reusable scratch buffer per parameter shape, so a training step does
not allocate model-sized temporaries.

``state_dict()`` is flat, ``{"param_groups.0.lr": 0.001, "state.3.exp_avg": array, ...}``,
every value a NumPy array or a plain number, so it saves to ``.npz`` without pickle. A
parameter is named by its position across the groups, as in PyTorch, so the state loads
into a new optimizer built the same way over a new model.

Read next: ``sgd.py``, the simplest ``update``; then ``adam.py``.
"""

import numbers

import numpy as np

from tinytorch.core import Tensor, no_grad
from tinytorch.core.names import check_options


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``; subclasses implement ``update``."""

    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError(
                "params should be an iterable of Tensors, such as model.parameters(), but a "
                "single Tensor was given; wrap it in a list"
            )
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}  # parameter -> its running state (momentum, moments, step count)
        self._scratch = {}  # (shape, dtype) -> a reusable work buffer, never saved
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list; does the model have parameters?")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group of parameters with its own hyperparameters (the rest from the defaults)."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"a parameter group is a dict with a 'params' key, found {group!r:.80}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizers update Tensors, but params holds a {type(p).__name__}")
        check_options([key for key in group if key != "params"], self.defaults, type(self).__name__)
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in taken for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter appears more than once across the parameter groups; give each to one group")
        group = {**self.defaults, **group, "params": params}
        self.validate(group)
        self.param_groups.append(group)

    def validate(self, group):
        """Raise ValueError for a hyperparameter out of range; subclasses add their own rules."""
        for key in ("lr", "momentum", "dampening", "weight_decay", "eps"):
            value = group.get(key, 0)
            if not isinstance(value, numbers.Real) or not value >= 0:  # `not >=` also catches NaN
                raise ValueError(f"invalid {key}: {value!r}; expected a number >= 0")
        for i, beta in enumerate(group.get("betas", ())):
            if not isinstance(beta, numbers.Real) or not 0 <= beta < 1:
                raise ValueError(f"invalid beta at index {i}: {beta!r}; expected 0 <= beta < 1")

    @no_grad()
    def step(self):
        """Move every parameter that has a gradient one step."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                self.update(p.data, p.grad.data, group, self.state.setdefault(p, {}), self.scratch(p))
                # Count the change, so a backward through a graph that saved the old
                # value raises instead of computing a wrong gradient.
                p._version += 1

    def update(self, param, grad, group, state, scratch):
        """Change ``param`` (a NumPy array) in place; ``scratch`` is a free buffer of its shape."""
        raise NotImplementedError(f"{type(self).__name__} must implement update()")

    def scratch(self, p):
        # Shared by every parameter of the same shape: updates run one parameter at a time.
        key = (p.shape, p.dtype)
        if key not in self._scratch:
            self._scratch[key] = np.empty_like(p.data)
        return self._scratch[key]

    def zero_grad(self, set_to_none=True):
        """Forget the gradients (set to None, so the next backward starts fresh), or with
        ``set_to_none=False`` fill them with zeros, as PyTorch."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.data = np.zeros_like(p.grad.data)

    # ------------------------------------------------------------------ saving
    def state_dict(self):
        """A flat dict of copies: group hyperparameters and per-parameter state."""
        flat, index = {}, 0
        for g, group in enumerate(self.param_groups):
            flat[f"param_groups.{g}.params"] = np.arange(index, index + len(group["params"]))
            flat.update({f"param_groups.{g}.{k}": v for k, v in group.items() if k != "params"})
            for p in group["params"]:
                for key, value in self.state.get(p, {}).items():
                    flat[f"state.{index}.{key}"] = np.copy(value) if isinstance(value, np.ndarray) else value
                index += 1
        return flat

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned (or what ``np.load`` read back of it)."""
        groups, states = {}, {}
        for key, value in state_dict.items():
            section, _, rest = key.partition(".")
            index, _, name = rest.partition(".")
            if section not in ("param_groups", "state") or not index.isdigit() or not name:
                raise ValueError(
                    f"unexpected optimizer state key {key!r}; expected 'param_groups.<i>.<name>' "
                    f"or 'state.<i>.<name>', as written by Optimizer.state_dict()"
                )
            (groups if section == "param_groups" else states).setdefault(int(index), {})[name] = value
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"the saved state has {len(groups)} parameter group(s) but this optimizer has "
                f"{len(self.param_groups)}; build it with the same groups as the saved one"
            )
        # Check everything before changing anything, so a bad state leaves the optimizer as it was.
        restored_groups = []
        for g, group in enumerate(self.param_groups):
            saved = dict(groups[g])
            count = len(np.atleast_1d(saved.pop("params", ())))
            if count != len(group["params"]):
                raise ValueError(
                    f"parameter group {g} was saved with {count} parameters but has {len(group['params'])} here"
                )
            restored = {**group, **{k: to_python(v) for k, v in saved.items()}}
            self.validate(restored)
            restored_groups.append(restored)
        params = [p for group in self.param_groups for p in group["params"]]
        restored_state = {}
        for i, entries in states.items():
            if i >= len(params):
                raise ValueError(f"the saved state names parameter {i}, but this optimizer has only {len(params)}")
            p = params[i]
            for name, value in entries.items():
                if np.ndim(value) and np.shape(value) != p.shape:
                    raise ValueError(
                        f"state.{i}.{name} has shape {np.shape(value)}, but parameter {i} has shape {p.shape}"
                    )
            restored_state[p] = {k: np.array(v, p.dtype) if np.ndim(v) else to_python(v) for k, v in entries.items()}
        for group, restored in zip(self.param_groups, restored_groups, strict=True):
            group.update(restored)
        self.state = restored_state


def to_python(value):
    """Undo what ``.npz`` does to numbers and tuples: 0-d arrays become numbers, 1-d ones tuples."""
    if isinstance(value, (np.ndarray, np.generic)):
        value = value.tolist()
    return tuple(value) if isinstance(value, list) else value


def with_weight_decay(grad, param, weight_decay, out):
    """``grad + weight_decay * param``, the gradient of an added L2 penalty, written into ``out``."""
    np.multiply(param, weight_decay, out=out)
    out += grad
    return out
